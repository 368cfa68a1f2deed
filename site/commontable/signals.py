"""Refresh the cached pages when pages, their privacy or names shown on them change.

These are the site-wide events: any page published, unpublished, moved or
deleted, a view restriction added or removed (a table going members-only),
sites, tags and people's display names. Each app refreshes the cache for its
own models in its own signals module (see ``commontable.core.pagecache``).
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from taggit.models import Tag
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from commontable.core import pagecache


@receiver([page_published, page_unpublished, post_page_move])
def refresh_after_a_page_event(sender, **kwargs):
    pagecache.invalidate()


@receiver(post_delete)
def refresh_after_a_page_is_deleted(sender, instance, **kwargs):
    if isinstance(instance, Page):
        pagecache.invalidate()


@receiver([post_save, post_delete], sender=PageViewRestriction)
@receiver([post_save, post_delete], sender=Site)
@receiver([post_save, post_delete], sender=Tag)
def refresh_after_privacy_site_or_tag_change(sender, **kwargs):
    pagecache.invalidate()


@receiver([post_save, post_delete], sender=get_user_model())
def refresh_after_a_person_changes(sender, update_fields=None, **kwargs):
    """Display names show on needs and timelines; signing in (``last_login``) changes none."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    pagecache.invalidate()
