"""A need linked to a published recommendation is being addressed (DESIGN §4.3)."""

from django.dispatch import receiver
from wagtail.signals import page_published

from convenings.models import Need
from recommendations.models import RecommendationPage


@receiver(page_published, sender=RecommendationPage)
def mark_linked_needs_addressed(sender, instance, **kwargs):
    Need.objects.filter(recommendations=instance, status=Need.Status.OPEN).update(
        status=Need.Status.BEING_ADDRESSED
    )
