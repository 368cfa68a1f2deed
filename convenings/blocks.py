"""StreamField blocks for a convening's agenda."""

from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock


class AgendaItemBlock(blocks.StructBlock):
    """One item on the agenda: what will be discussed, for how long, led by whom."""

    title = blocks.CharBlock(max_length=200, help_text="What this item is about.")
    minutes = blocks.IntegerBlock(
        required=False, min_value=1, max_value=600, help_text="Planned length in minutes."
    )
    lead = blocks.CharBlock(
        required=False,
        max_length=120,
        help_text="Who leads it: an organization or a role, not a legal name.",
    )
    description = blocks.RichTextBlock(
        required=False, features=["bold", "italic", "link", "ol", "ul"]
    )
    needs = blocks.ListBlock(
        SnippetChooserBlock("convenings.Need"),
        required=False,
        default=[],
        help_text="Needs discussed under this item; the convening shows on their pages.",
    )
    recommendations = blocks.ListBlock(
        blocks.PageChooserBlock(page_type="recommendations.RecommendationPage"),
        required=False,
        default=[],
        help_text="Recommendations discussed; the convening shows on their pages.",
    )

    class Meta:
        icon = "list-ul"
        template = "blocks/agenda_item.html"
        label = "Agenda item"


class AgendaBreakBlock(blocks.StructBlock):
    """A pause: a meal, a break, or time for care and decompression."""

    label = blocks.CharBlock(max_length=120, default="Break")
    minutes = blocks.IntegerBlock(required=False, min_value=1, max_value=240)

    class Meta:
        icon = "time"
        template = "blocks/agenda_break.html"
        label = "Break"


class AgendaBlock(blocks.StreamBlock):
    """The agenda of a convening, in order."""

    item = AgendaItemBlock()
    pause = AgendaBreakBlock()
