from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    """Recommendations, clarity, endorsements, stages and funding."""

    name = "recommendations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from recommendations import signals  # noqa: F401  (connects the receivers)
