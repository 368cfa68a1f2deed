"""The site's models, found here by Django: the account and the home page."""

from commontable.accounts.models import User, UserManager
from commontable.pages.models import HomePage

__all__ = ["HomePage", "User", "UserManager"]
