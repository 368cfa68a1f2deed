"""Keep each round table's groups and privacy in step with its people.

A table's access changes when it is published (members-only switched, member
organizations changed), when someone gets or loses a role on it, and when
someone joins or leaves one of its member organizations.

Needs, corroborations, registrations and the names of places, organizations
and facilitators show on public pages, so changing them refreshes the cached
pages.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from wagtail.signals import page_published, post_page_move

from commontable.core import pagecache
from convenings.models import (
    Community,
    Corroboration,
    Membership,
    Need,
    Organization,
    Registration,
    RoundTablePage,
    RoundTableRole,
    TaggedNeed,
)


@receiver(page_published, sender=RoundTablePage)
def sync_published_round_table(sender, instance, **kwargs):
    instance.sync_access()


@receiver([post_save, post_delete], sender=RoundTableRole)
def sync_after_role_change(sender, instance, **kwargs):
    round_table = RoundTablePage.objects.filter(pk=instance.round_table_id).first()
    if round_table is not None:
        round_table.sync_access()


@receiver([post_save, post_delete], sender=Membership)
def sync_after_membership_change(sender, instance, **kwargs):
    for round_table in RoundTablePage.objects.filter(member_organizations=instance.organization_id):
        round_table.sync_access()


@receiver(post_page_move)
def keep_round_table_after_a_move(sender, instance, **kwargs):
    """A convening (or any page with ``round_table``) moved in the admin follows its new parent.

    Wagtail saves a plain Page when moving, so the pages' own ``save()`` does
    not run; this sets the stored table from the tree again.
    """
    specific = instance.specific
    if hasattr(specific, "round_table_id") and not isinstance(specific, RoundTablePage):
        parent = specific.get_parent()
        type(specific).objects.filter(pk=specific.pk).update(round_table_id=parent.pk)


@receiver(pre_delete, sender=RoundTablePage)
def keep_private_needs_private(sender, instance, **kwargs):
    """Needs of a deleted members-only table stay members-only (seen by nobody but posters)."""
    if instance.members_only:
        Need.objects.filter(round_table=instance).update(visibility=Need.Visibility.MEMBERS)


@receiver([post_save, post_delete], sender=Need)
@receiver([post_save, post_delete], sender=TaggedNeed)
@receiver([post_save, post_delete], sender=Corroboration)
@receiver([post_save, post_delete], sender=Registration)
@receiver([post_save, post_delete], sender=RoundTableRole)
@receiver([post_save, post_delete], sender=Community)
@receiver([post_save, post_delete], sender=Organization)
@receiver(m2m_changed, sender=Organization.communities.through)
def refresh_cached_pages(sender, **kwargs):
    """Posted, edited or withdrawn needs and corroborations, places left, names: all public."""
    pagecache.invalidate()
