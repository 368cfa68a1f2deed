"""What the follow button offers: what a person may follow, and how often they hear of it."""

from django import template

from recommendations.following import FollowFrequency, FollowKind

register = template.Library()


@register.simple_tag
def follow_frequencies() -> list[tuple[str, str]]:
    """Every frequency a follow may have, as (value, label) pairs."""
    return FollowFrequency.choices


class FollowKinds:
    """The ``FollowKind`` values by name, for a template: ``kinds.ROUND_TABLE``.

    A name that is not a kind raises instead of rendering as nothing, so a
    mistyped one fails the page rather than making a button that follows nothing.
    """

    def __getitem__(self, name: str) -> FollowKind:
        try:
            return FollowKind[name]
        except KeyError:
            raise template.TemplateSyntaxError(f"There is no follow kind {name!r}.") from None


@register.simple_tag
def follow_kinds() -> FollowKinds:
    """What a follow may name: ``{% follow_kinds as kinds %}``, then ``kinds.ROUND_TABLE``."""
    return FollowKinds()
