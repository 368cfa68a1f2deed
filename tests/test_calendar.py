"""iCalendar feeds parse, list the right convenings and keep their time zones."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from tests.factories import ConveningPageFactory

pytestmark = pytest.mark.django_db


def fetch_calendar(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def test_round_table_calendar_lists_its_convenings_with_time_zones(client, public_table):
    pacific = ConveningPageFactory(
        parent=public_table,
        title="Pacific meeting",
        starts_at=datetime(2030, 7, 2, 13, 0, tzinfo=ZoneInfo("America/Vancouver")),
        ends_at=datetime(2030, 7, 2, 15, 0, tzinfo=ZoneInfo("America/Vancouver")),
    )
    mountain = ConveningPageFactory(
        parent=public_table,
        title="Peace region meeting",
        time_zone="America/Dawson_Creek",
        starts_at=datetime(2030, 1, 15, 11, 0, tzinfo=ZoneInfo("America/Dawson_Creek")),
        ends_at=datetime(2030, 1, 15, 13, 0, tzinfo=ZoneInfo("America/Dawson_Creek")),
    )
    ConveningPageFactory(title="Another table's meeting")

    calendar = fetch_calendar(
        client, reverse("round_table_calendar", kwargs={"table": public_table.slug})
    )
    events = {str(event["summary"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {"Pacific meeting", "Peace region meeting"}

    start = events["Pacific meeting"].decoded("dtstart")
    assert start == pacific.starts_at
    assert events["Pacific meeting"]["dtstart"].params["TZID"] == "America/Vancouver"
    assert start.utcoffset() == timedelta(hours=-7)  # daylight time in July

    peace = events["Peace region meeting"]
    assert peace["dtstart"].params["TZID"] == "America/Dawson_Creek"
    assert peace.decoded("dtstart") == mountain.starts_at
    assert peace.decoded("dtstart").utcoffset() == timedelta(hours=-7)  # no DST up there

    zones = {str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")}
    assert zones == {"America/Vancouver", "America/Dawson_Creek"}
    assert str(events["Pacific meeting"]["url"]).endswith(pacific.url)


def test_single_convening_calendar(client, upcoming):
    url = reverse(
        "convening_calendar",
        kwargs={"table": upcoming.round_table.slug, "convening": upcoming.slug},
    )
    calendar = fetch_calendar(client, url)
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Spring convening"
    assert str(event["location"]) == "Downtown"
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=2)


def test_unknown_table_calendar_is_404(client, db):
    assert (
        client.get(reverse("round_table_calendar", kwargs={"table": "nowhere"})).status_code == 404
    )


def test_unpublished_convening_is_left_out(client, upcoming):
    upcoming.unpublish()
    url = reverse("round_table_calendar", kwargs={"table": upcoming.round_table.slug})
    assert not fetch_calendar(client, url).walk("VEVENT")
