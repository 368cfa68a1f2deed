"""The site's own page: the home page."""

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from commontable.core.addresses import OwnAddressPageMixin
from commontable.core.visibility import VisiblePageManager
from convenings.models import Community, ConveningPage, Need
from recommendations.models import RecommendationPage


class HomePage(OwnAddressPageMixin, Page):
    """The site's front page: communities, upcoming convenings and recent movement."""

    introduction = RichTextField(
        blank=True,
        features=["bold", "italic", "link"],
        help_text="A short welcome shown above the listings.",
    )

    content_panels = [*Page.content_panels, FieldPanel("introduction")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["convenings.RoundTableIndexPage"]
    max_count = 1

    objects = VisiblePageManager()

    class Meta:
        verbose_name = "home page"

    def get_context(self, request, *args, **kwargs):
        """Communities, upcoming convenings, recently moved recommendations and open needs."""
        context = super().get_context(request, *args, **kwargs)
        context["communities"] = Community.objects.all()
        context["upcoming_convenings"] = (
            ConveningPage.objects.visible_to(request.user)
            .upcoming()
            .select_related("round_table")[:6]
        )
        open_needs = Need.objects.visible_to(request.user).open()
        context["open_needs_count"] = open_needs.count()
        context["recent_needs"] = open_needs.for_listing()[:4]
        context["recently_moved"] = (
            RecommendationPage.objects.visible_to(request.user)
            .for_listing()
            .order_by("-stage_changed_at")[:5]
        )
        return context
