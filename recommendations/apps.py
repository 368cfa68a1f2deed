from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    """Recommendations, clarity, endorsements, stages and funding (to come)."""

    name = "recommendations"
    default_auto_field = "django.db.models.BigAutoField"
