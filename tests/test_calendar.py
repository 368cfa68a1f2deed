"""iCalendar feeds parse, list the right convenings and keep their time zones.

Besides icalendar, which writes them, vobject reads them back: it takes each
event's offsets from the file's own VTIMEZONE, as calendar apps do, so a time
zone written in a shape it misreads shows up as an event at the wrong instant.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse
from icalendar import Calendar

from commontable.core.public_address import public_host, public_url
from convenings.calendar import convening_uid
from convenings.models import BC_TIME_ZONES
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


# --- Read back by a parser the site did not write -------------------------------------------


def calendar_text(client, url, **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.content.decode("utf-8")


def vobject_events(text: str) -> dict[str, vobject.base.Component]:
    """The calendar's events as vobject reads them, by UID."""
    return {event.uid.value: event for event in vobject.readOne(text).vevent_list}


def test_every_time_zone_offered_reads_as_the_stored_instant_in_vobject(client, public_table):
    """vobject takes offsets from the file's VTIMEZONE: a summer event read an hour late."""
    stored = {}
    for tzid, _ in BC_TIME_ZONES:
        zone = ZoneInfo(tzid)
        for when in (
            datetime(2026, 7, 2, 13, 0, tzinfo=zone),  # summer
            datetime(2027, 1, 15, 13, 0, tzinfo=zone),  # winter
            datetime(2030, 10, 2, 13, 0, tzinfo=zone),  # late in daylight time
            datetime(2045, 3, 20, 9, 30, tzinfo=zone),  # after 2038, in daylight time
            datetime(2045, 12, 1, 18, 0, tzinfo=zone),  # and in standard time
        ):
            convening = ConveningPageFactory(
                parent=public_table,
                time_zone=tzid,
                starts_at=when,
                ends_at=when + timedelta(hours=2),
            )
            stored[convening_uid(convening)] = convening

    text = calendar_text(
        client, reverse("round_table_calendar", kwargs={"table": public_table.slug})
    )
    events = vobject_events(text)

    assert set(events) == set(stored)
    for uid, event in events.items():
        convening = stored[uid]
        # Read with the offsets of the file's own VTIMEZONE, not a zone vobject knows.
        assert repr(event.dtstart.value.tzinfo) == f"<tzicalvtz '{convening.time_zone}'>"
        assert event.dtstart.value.astimezone(UTC) == convening.starts_at, convening.time_zone
        assert event.dtend.value.astimezone(UTC) == convening.ends_at, convening.time_zone
    # One onset per RDATE: a parser that reads only the first value of a list misses none.
    rdates = [line for line in text.splitlines() if line.startswith("RDATE")]
    assert rdates
    assert not any("," in line for line in rdates)


def test_fixed_offset_zones_are_seven_hours_behind_utc_all_year(client, public_table):
    """Dawson Creek, Fort Nelson and Creston keep mountain standard time in summer too."""
    for tzid in ("America/Dawson_Creek", "America/Fort_Nelson", "America/Creston"):
        ConveningPageFactory(
            parent=public_table,
            title=tzid,
            time_zone=tzid,
            starts_at=datetime(2026, 7, 2, 20, 0, tzinfo=UTC),
            ends_at=datetime(2026, 7, 2, 22, 0, tzinfo=UTC),
        )
    text = calendar_text(
        client, reverse("round_table_calendar", kwargs={"table": public_table.slug})
    )
    for event in vobject_events(text).values():
        assert "DTSTART;TZID=" + event.summary.value + ":20260702T130000" in text
        assert event.dtstart.value.utcoffset() == timedelta(hours=-7), event.summary.value


def test_a_calendar_without_convenings_holds_no_time_zones(client, public_table):
    text = calendar_text(
        client, reverse("round_table_calendar", kwargs={"table": public_table.slug})
    )
    assert "VTIMEZONE" not in text
    assert vobject.readOne(text).contents.get("vevent") is None


# --- Recognised again: one UID, a rising SEQUENCE --------------------------------------------


def single_calendar_url(convening) -> str:
    return reverse(
        "convening_calendar",
        kwargs={"table": convening.round_table.slug, "convening": convening.slug},
    )


def only_event(client, url, **headers):
    (event,) = vobject_events(calendar_text(client, url, **headers)).values()
    return event


@override_settings(WAGTAILADMIN_BASE_URL="https://commontable.example")
def test_the_uid_and_link_come_from_the_public_address_whatever_the_host(client, upcoming):
    url = single_calendar_url(upcoming)
    seen = [only_event(client, url, host=host) for host in ("localhost", "127.0.0.1")]

    assert {event.uid.value for event in seen} == {f"convening-{upcoming.pk}@commontable.example"}
    assert {event.url.value for event in seen} == {"https://commontable.example" + upcoming.url}
    # The table's calendar and the convening's own give the same event.
    table_url = reverse("round_table_calendar", kwargs={"table": upcoming.round_table.slug})
    assert set(vobject_events(calendar_text(client, table_url, host="localhost"))) == {
        seen[0].uid.value
    }


@override_settings(WAGTAILADMIN_BASE_URL="commontable.example")
def test_a_public_address_without_a_scheme_is_refused_plainly():
    with pytest.raises(ImproperlyConfigured, match="SITE_URL must be an absolute address"):
        public_host()


@override_settings(WAGTAILADMIN_BASE_URL="https://commontable.example:8443/")
def test_the_public_host_has_no_port_and_addresses_keep_it():
    assert public_host() == "commontable.example"
    assert public_url("/needs/") == "https://commontable.example:8443/needs/"
    assert public_url("https://other.example/a/") == "https://other.example/a/"


def test_moving_a_convening_raises_its_sequence_and_keeps_its_uid(client, upcoming):
    url = single_calendar_url(upcoming)
    before = only_event(client, url)
    published_before = upcoming.last_published_at
    assert before.sequence.value == "0"
    assert before.last_modified.value == published_before.replace(microsecond=0)

    upcoming.starts_at += timedelta(days=1)
    upcoming.ends_at += timedelta(days=1)
    upcoming.save_revision().publish()
    upcoming.refresh_from_db()

    after = only_event(client, url)
    assert after.uid.value == before.uid.value
    assert after.sequence.value == "1"
    # iCalendar times have no fractions of a second; the factory's start has some.
    assert after.dtstart.value.astimezone(UTC) == upcoming.starts_at.replace(microsecond=0)
    assert upcoming.last_published_at > published_before
    assert after.last_modified.value == upcoming.last_published_at.replace(microsecond=0)
    assert after.dtstamp.value == after.last_modified.value


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Spring convening, new name"),
        ("ends_at", datetime(2031, 5, 1, 12, tzinfo=UTC)),
        ("time_zone", "America/Edmonton"),
        ("format", "online"),
        ("area", "College Heights"),
    ],
)
def test_each_change_a_calendar_shows_raises_the_sequence(upcoming, field, value):
    if field == "ends_at":
        upcoming.starts_at = value - timedelta(hours=2)
    setattr(upcoming, field, value)
    upcoming.save_revision().publish()
    upcoming.refresh_from_db()
    assert upcoming.sequence == 1


def test_what_no_calendar_shows_and_drafts_leave_the_sequence_alone(upcoming):
    upcoming.capacity = 40
    upcoming.address = "A new secret address"
    upcoming.save_revision().publish()
    upcoming.refresh_from_db()
    assert upcoming.sequence == 0

    upcoming.title = "A draft title"
    upcoming.starts_at += timedelta(days=3)
    upcoming.ends_at += timedelta(days=3)
    upcoming.save_revision()
    upcoming.refresh_from_db()
    assert (upcoming.sequence, upcoming.title) == (0, "Spring convening")


def test_publishing_an_older_revision_counts_up_never_back(upcoming):
    first = upcoming.live_revision
    upcoming.starts_at += timedelta(hours=1)
    upcoming.ends_at += timedelta(hours=1)
    upcoming.save_revision().publish()
    upcoming.refresh_from_db()
    assert upcoming.sequence == 1

    first.publish()  # its content holds sequence 0 and the old times
    upcoming.refresh_from_db()
    assert upcoming.sequence == 2
    assert upcoming.starts_at == first.as_object().starts_at
