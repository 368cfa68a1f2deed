"""iCalendar files of convenings, made with the icalendar library.

A calendar's lines cannot hold control characters, and a title's line break
would end its line: every text value goes in as ``plain_text`` keeps typed
text, so titles and places stored before that rule are safe too.

Each time zone is written out for the years its events span, each change of
offset on an ``RDATE`` line of its own. icalendar's ``add_missing_timezones()``
puts all the onsets of an observance on one line, comma-separated, and
ical.js (Thunderbird's and Nextcloud's parser) and vobject read only the first
of them, so every daylight-time event came out an hour late there.

A calendar that already holds a convening must recognise it the next time:
its UID is built from the site's public host, never the request's, its
SEQUENCE (``ConveningPage.sequence``) goes up when what it shows changes, and
its LAST-MODIFIED is when it was last published, so a moved meeting is
updated in place instead of showing up twice.
"""

from datetime import date
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from icalendar import Calendar, Event, Timezone

from commontable.core.plain_text import one_line
from commontable.core.public_address import public_host, public_url


def time_zone_component(tzid: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE of ``tzid`` from the start of ``first_year`` to the end of ``last_year``.

    The offsets come from the system's time zone database (zoneinfo); each
    observance's later onsets are written one ``RDATE`` per line.
    """
    component = Timezone.from_tzinfo(
        ZoneInfo(tzid),
        tzid,
        first_date=date(first_year, 1, 1),
        last_date=date(last_year + 1, 1, 1),
    )
    for observance in component.subcomponents:
        onsets = observance.pop("RDATE", [])
        for values in onsets if isinstance(onsets, list) else [onsets]:
            for onset in values.dts:
                observance.add("RDATE", onset.dt)
    return component


def convening_uid(convening) -> str:
    """The event's UID: the same for this convening however, and wherever, it was fetched."""
    return f"convening-{convening.pk}@{public_host()}"


def calendar_response(convenings, *, name: str, filename: str) -> HttpResponse:
    """Render convenings as an iCalendar file, times in each convening's own time zone.

    Only what any reader of the page may see goes in: the general area, never
    the address or the meeting link, since calendar feeds are fetched without
    signing in and are easily shared.
    """
    convenings = list(convenings)
    calendar = Calendar()
    calendar.add("prodid", "-//Common Table//Round tables//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", one_line(name))
    years: dict[str, list[int]] = {}
    for convening in convenings:
        span = years.setdefault(convening.time_zone, [])
        span += [convening.local_starts_at.year, convening.local_ends_at.year]
    for tzid, span in sorted(years.items()):
        calendar.add_component(time_zone_component(tzid, min(span), max(span)))
    now = timezone.now()
    for convening in convenings:
        event = Event()
        event.add("uid", convening_uid(convening))
        event.add("sequence", convening.sequence)
        # Without a METHOD, DTSTAMP is the time the event was last changed.
        event.add("dtstamp", convening.last_published_at or now)
        if convening.last_published_at:
            event.add("last-modified", convening.last_published_at)
        event.add("summary", one_line(convening.title))
        event.add("dtstart", convening.local_starts_at)
        event.add("dtend", convening.local_ends_at)
        event.add("url", public_url(convening.url))
        if convening.area:
            event.add("location", one_line(convening.area))
        description = [convening.get_format_display(), *convening.support_offered]
        description.append("Meeting details are shown to registered members on the site.")
        event.add("description", "\n".join(one_line(line) for line in description))
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{slugify(filename)}.ics"'
    return response
