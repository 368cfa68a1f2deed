"""Admin menus for endorsements, funding and the stage history; deletion keeps the record."""

from django.contrib import messages
from django.shortcuts import redirect
from wagtail import hooks
from wagtail.models import Page
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from convenings.wagtail_hooks import ManagersChooserViewSet
from recommendations.models import Endorsement, FundingCommitment, RecommendationPage

KEPT_RECORD = (
    "“{title}” has a public record (its timeline, endorsements or funding) and is kept: "
    "withdraw it instead of deleting it. Nothing was deleted."
)


def refuse_deleting_a_public_record(request, pages):
    """Send the editor back with a message when deleting would erase a recommendation's record.

    Without this the database's protection of the stage history surfaces as
    a server error. A page whose subtree holds such a recommendation (a round
    table) is refused too.
    """
    kept = RecommendationPage.objects.none()
    for page in pages:
        kept |= RecommendationPage.objects.descendant_of(page, inclusive=True)
    first = kept.with_public_record().order_by("path").first()
    if first is None:
        return None
    messages.error(request, KEPT_RECORD.format(title=first.title))
    return redirect("wagtailadmin_explore", first.get_parent().pk)


@hooks.register("before_delete_page")
def keep_recommendation_record(request, page: Page):
    return refuse_deleting_a_public_record(request, [page])


@hooks.register("before_bulk_action")
def keep_recommendation_records_in_bulk(request, action_type, objects, action_class_instance):
    if action_type != "delete" or not all(isinstance(item, Page) for item in objects):
        return None
    return refuse_deleting_a_public_record(request, objects)


class EndorsementViewSet(SnippetViewSet):
    model = Endorsement
    icon = "tick-inverse"
    list_display = ["organization", "recommendation", "endorsed_on"]
    list_filter = ["organization"]
    ordering = ["-endorsed_on"]
    chooser_viewset_class = ManagersChooserViewSet


class FundingCommitmentViewSet(SnippetViewSet):
    model = FundingCommitment
    icon = "doc-full"
    menu_label = "Funding ledger"
    list_display = ["funder", "amount", "status", "committed_on", "recommendation"]
    list_filter = ["status"]
    ordering = ["-committed_on"]
    chooser_viewset_class = ManagersChooserViewSet


class FollowThroughGroup(SnippetViewSetGroup):
    items = (EndorsementViewSet, FundingCommitmentViewSet)
    menu_icon = "tasks"
    menu_label = "Follow-through"
    menu_name = "follow-through"


register_snippet(FollowThroughGroup)
