"""The site's Wagtail hooks, found here by Wagtail; each room registers its own."""

from commontable.accounts import wagtail_hooks as accounts_hooks
from commontable.pages import wagtail_hooks as pages_hooks
from commontable.privacy import wagtail_hooks as privacy_hooks

__all__ = ["accounts_hooks", "pages_hooks", "privacy_hooks"]
