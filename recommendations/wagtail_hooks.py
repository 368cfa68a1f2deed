"""Admin menus for endorsements, funding and the stage history."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from convenings.wagtail_hooks import ManagersChooserViewSet
from recommendations.models import Endorsement, FundingCommitment


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
