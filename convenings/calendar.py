"""iCalendar files of convenings, made with the icalendar library.

A calendar's lines cannot hold control characters, and a title's line break
would end its line: every text value goes in as ``plain_text`` keeps typed
text, so titles and places stored before that rule are safe too.
"""

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from icalendar import Calendar, Event

from commontable.core.plain_text import one_line


def calendar_response(request, convenings, *, name: str, filename: str) -> HttpResponse:
    """Render convenings as an iCalendar file, times in each convening's own time zone.

    Only what any reader of the page may see goes in: the general area, never
    the address or the meeting link, since calendar feeds are fetched without
    signing in and are easily shared.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//Common Table//Round tables//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", one_line(name))
    host = request.get_host().split(":")[0]
    stamp = timezone.now()
    for convening in convenings:
        event = Event()
        event.add("uid", f"convening-{convening.pk}@{host}")
        event.add("summary", one_line(convening.title))
        event.add("dtstart", convening.local_starts_at)
        event.add("dtend", convening.local_ends_at)
        event.add("dtstamp", stamp)
        event.add("url", request.build_absolute_uri(convening.url))
        if convening.area:
            event.add("location", one_line(convening.area))
        description = [convening.get_format_display(), *convening.support_offered]
        description.append("Meeting details are shown to registered members on the site.")
        event.add("description", "\n".join(one_line(line) for line in description))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{slugify(filename)}.ics"'
    return response
