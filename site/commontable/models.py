"""The site's models, found here by Django: the account and the home page.

Each is defined in its room (``accounts.models``, ``pages.models``), and the site imports it
from there. ``UserManager`` is named here too because ``migrations/0001_initial.py`` imports
``commontable.models.UserManager``, and that migration must keep working as written.
"""

from commontable.accounts.models import User, UserManager
from commontable.pages.models import HomePage

__all__ = ["HomePage", "User", "UserManager"]
