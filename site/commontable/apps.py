from django.apps import AppConfig
from wagtail.users.apps import WagtailUsersAppConfig


class CommonTableConfig(AppConfig):
    """The site as a whole: accounts, home page, search and shared pieces."""

    # Two configs live in this module; this one is the app's own.
    default = True
    name = "commontable"
    verbose_name = "Common Table"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Register the site-wide personal data, connect the cache's receivers and
        # register our system checks.
        from commontable import checks, signals  # noqa: F401
        from commontable.accounts import personal_data  # noqa: F401


class CommonTableUsersConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, using our pseudonymous user forms."""

    user_viewset = "commontable.accounts.admin_views.UserViewSet"
