from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    """Recommendations, clarity, endorsements, stages and funding."""

    name = "recommendations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connect the receivers and register what the app keeps about people.
        from recommendations import personal_data, signals  # noqa: F401
