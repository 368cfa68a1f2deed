from django.apps import AppConfig


class ConveningsConfig(AppConfig):
    """Communities, organizations, memberships, round tables and convenings."""

    name = "convenings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from convenings import signals  # noqa: F401  (connects the receivers)
