"""The "Leave this site" control every page starts with."""

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("includes/quick_exit.html")
def quick_exit() -> dict:
    """The quick exit: a plain link to a neutral site, which the script turns into a replace.

    It must work on every page, error pages included, so it reads only a
    setting: no request, no database.
    """
    return {"quick_exit_url": settings.QUICK_EXIT_URL}
