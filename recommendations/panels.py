"""The recommendation editor: its form and a panel showing the follow-through."""

from wagtail.admin.panels import Panel

from commontable.core.addresses import OwnAddressPageForm
from convenings.models import Need


class RecommendationPageForm(OwnAddressPageForm):
    """Editors choose among the needs they may see (plus those already linked)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "needs" in self.fields and self.for_user is not None:
            visible = Need.objects.visible_to(self.for_user)
            if self.instance.pk:
                visible = visible | Need.objects.filter(recommendations=self.instance)
            self.fields["needs"].queryset = visible.distinct()


class FollowThroughPanel(Panel):
    """Stage, endorsements and funding ledger, with links to manage them.

    Endorsements and funding are not inline child objects of the page on
    purpose: members endorse from the public page at any time, and restoring
    an older revision must never erase an endorsement or a ledger line.
    """

    class BoundPanel(Panel.BoundPanel):
        template_name = "recommendations/admin/follow_through_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            page = self.instance
            if page.pk:
                context["endorsements"] = page.endorsements.select_related("organization")
                context["ledger"] = page.funding_commitments.all()
                context["timeline"] = page.stage_changes.select_related("by")
            context["page"] = page
            return context
