"""What the follow button offers: how often a person may hear about what they follow."""

from django import template

from recommendations.following import FollowFrequency

register = template.Library()


@register.simple_tag
def follow_frequencies() -> list[tuple[str, str]]:
    """Every frequency a follow may have, as (value, label) pairs."""
    return FollowFrequency.choices
