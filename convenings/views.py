"""Views outside the page tree: the iCalendar feeds."""

from django.shortcuts import get_object_or_404

from convenings.calendar import calendar_response
from convenings.models import ConveningPage, RoundTablePage


def round_table_calendar(request, table: str):
    """/round-tables/<table>/calendar.ics: the table's convenings this reader may see."""
    round_table = get_object_or_404(RoundTablePage.objects.visible_to(request.user), slug=table)
    convenings = (
        ConveningPage.objects.visible_to(request.user)
        .filter(round_table=round_table)
        .order_by("starts_at")
    )
    return calendar_response(request, convenings, name=round_table.title, filename=table)


def convening_calendar(request, table: str, convening: str):
    """/round-tables/<table>/<convening>/calendar.ics: one convening."""
    page = get_object_or_404(
        ConveningPage.objects.visible_to(request.user).select_related("round_table"),
        round_table__slug=table,
        slug=convening,
    )
    return calendar_response(request, [page], name=page.title, filename=f"{table}-{convening}")
