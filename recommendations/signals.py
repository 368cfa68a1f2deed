"""Reactions to changes: linked needs are being addressed; followers hear the news;
cached pages are refreshed.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published

from commontable.core import pagecache
from convenings.models import ConveningPage, Need
from recommendations.models import (
    Endorsement,
    FundingCommitment,
    RecommendationPage,
    StageChange,
)
from recommendations.notifications import convening_news, recommendation_news


@receiver(page_published, sender=RecommendationPage)
def mark_linked_needs_addressed(sender, instance, **kwargs):
    """A need linked to a published recommendation is being addressed."""
    Need.objects.filter(recommendations=instance, status=Need.Status.OPEN).update(
        status=Need.Status.BEING_ADDRESSED
    )


@receiver(post_save, sender=StageChange)
def tell_followers_about_a_stage_change(sender, instance, created, **kwargs):
    if created:
        recommendation = instance.recommendation
        recommendation_news(
            recommendation,
            event=f"stage-change:{instance.pk}",
            subject=f"{recommendation.title}: now {instance.get_to_stage_display().lower()}",
            body="\n".join(
                part
                for part in [
                    f"Moved from {instance.get_from_stage_display().lower()} to "
                    f"{instance.get_to_stage_display().lower()}.",
                    instance.note,
                    instance.link,
                ]
                if part
            ),
        )


@receiver(post_save, sender=FundingCommitment)
def tell_followers_about_funding(sender, instance, created, **kwargs):
    if created:
        recommendation = instance.recommendation
        recommendation_news(
            recommendation,
            event=f"funding:{instance.pk}",
            subject=f"{recommendation.title}: funding recorded",
            body=f"{instance} ({instance.get_status_display().lower()}).",
        )


@receiver(page_published, sender=ConveningPage)
def tell_followers_about_a_new_convening(sender, instance, revision, **kwargs):
    """Only the first publication schedules a convening; later edits are not news."""
    if instance.revisions.count() <= 1 or instance.first_published_at == instance.last_published_at:
        convening_news(instance)


@receiver([post_save, post_delete], sender=StageChange)
@receiver([post_save, post_delete], sender=FundingCommitment)
@receiver([post_save, post_delete], sender=Endorsement)
def refresh_cached_pages(sender, **kwargs):
    """Stage changes (every move writes one), funding and endorsements show on public pages."""
    pagecache.invalidate()
