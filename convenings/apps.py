from django.apps import AppConfig


class ConveningsConfig(AppConfig):
    """Communities, organizations, memberships, round tables and convenings."""

    name = "convenings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connect the receivers and register what the app keeps about people.
        from convenings import personal_data, signals  # noqa: F401
