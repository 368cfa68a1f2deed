from django.apps import AppConfig


class CommonTableConfig(AppConfig):
    """The site as a whole: accounts, home page, search and shared pieces."""

    name = "commontable"
    verbose_name = "Common Table"
    default_auto_field = "django.db.models.BigAutoField"
