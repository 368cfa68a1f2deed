from django.apps import AppConfig
from wagtail.users.apps import WagtailUsersAppConfig


class CommonTableConfig(AppConfig):
    """The site as a whole: accounts, home page, search and shared pieces."""

    name = "commontable"
    verbose_name = "Common Table"
    default_auto_field = "django.db.models.BigAutoField"


class CommonTableUsersConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, using our pseudonymous user forms."""

    user_viewset = "commontable.viewsets.UserViewSet"
