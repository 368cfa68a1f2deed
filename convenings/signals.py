"""Keep each round table's groups and privacy in step with its people.

A table's access changes when it is published (members-only switched, member
organizations changed), when someone gets or loses a role on it, and when
someone joins or leaves one of its member organizations.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published

from convenings.models import Membership, RoundTablePage, RoundTableRole


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
