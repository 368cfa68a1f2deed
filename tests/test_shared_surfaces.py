"""Typed text and dates never break what others read: feeds, calendars, emails.

Feeds, calendars and email headers cannot carry control characters, and a
title's line break would end a calendar line or an email header. Input keeps
only what they can carry (one rule, ``commontable.core.plain_text``), and each
writer is safe with what was stored before. Every output is read back by a
parser the site did not write: feedparser for Atom, vobject for iCalendar,
the standard library's email parser for the raw bytes of a message.
"""

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from email import message_from_bytes
from email.policy import compat32
from zoneinfo import ZoneInfo

import feedparser
import pytest
import vobject
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from commontable.core.plain_text import one_line, printable
from commontable.models import User
from convenings.models import Community, ConveningPage, Need, Organization
from recommendations.models import (
    FundingCommitment,
    Notification,
    RecommendationPage,
    StageChange,
)
from recommendations.notifications import convening_news, send_notification
from tests.factories import (
    CommunityFactory,
    ConveningPageFactory,
    RecommendationPageFactory,
    RoundTablePageFactory,
    UserFactory,
)
from tests.test_facilitation import convening_data, schedule_url
from tests.test_needs import need_data

pytestmark = pytest.mark.django_db

# What old rows may hold: controls XML 1.0 refuses, a non-character, and a line break
# followed by what would be a header of its own. (PostgreSQL stores no NUL.)
BAD = "Spring\x0b meeting\x1b\x7f\ufffe\r\nBcc: everyone@example.org"
BAD_ONE_LINE = "Spring meeting Bcc: everyone@example.org"
BAD_TEXT = "Spring meeting\nBcc: everyone@example.org"
# Characters no typed text keeps (a carriage return is not one of them: it becomes a newline).
CONTROLS = "".join(
    chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 0x7F, 0x9B, 0xFFFE, 0xFFFF]
)


@pytest.fixture
def recommendation(public_table):
    return RecommendationPageFactory(parent=public_table, title="Overnight drop-in")


def stored_badly(model, pk, **fields):
    """Write the values straight into the row, past every form and save: old data."""
    model.objects.filter(pk=pk).update(**fields)


def parsed_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    return feed


# Writers, with what is already stored -----------------------------------------------------


@pytest.mark.parametrize("feed", ["recommendation_feed", "round_table_feed", "community_feed"])
def test_every_feed_parses_with_control_characters_in_stored_notes_and_titles(
    client, public_table, recommendation, facilitator, feed
):
    change = recommendation.propose(by=facilitator, note="Ready.")
    stored_badly(StageChange, change.pk, note=BAD)
    stored_badly(RecommendationPage, recommendation.pk, title=BAD)
    stored_badly(Community, public_table.community.pk, name=BAD)
    url = {
        "recommendation_feed": reverse("recommendation_feed"),
        "round_table_feed": reverse("round_table_feed", kwargs={"table": public_table.slug}),
        "community_feed": reverse("community_feed", kwargs={"slug": public_table.community.slug}),
    }[feed]

    parsed = parsed_feed(client, url)

    (entry,) = parsed.entries
    assert entry.title.startswith(BAD_ONE_LINE + ":")
    assert entry.summary == BAD_TEXT


ATOM = "{http://www.w3.org/2005/Atom}"
# RFC 4151: tag:<authority>,<date>:<specific>, the specific part made of URI path
# characters, "/" and "?".
TAG_URI = re.compile(
    r"tag:[A-Za-z0-9.-]+,\d{4}(?:-\d{2}(?:-\d{2})?)?"
    r":(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*"
)
FEEDS = ["recommendation_feed", "round_table_feed", "community_feed"]


def feed_address(feed, table) -> str:
    return {
        "recommendation_feed": reverse("recommendation_feed"),
        "round_table_feed": reverse("round_table_feed", kwargs={"table": table.slug}),
        "community_feed": reverse("community_feed", kwargs={"slug": table.community.slug}),
    }[feed]


@pytest.mark.parametrize("feed", FEEDS)
def test_every_feed_entry_has_a_tag_uri_from_the_public_address_and_its_table_as_author(
    client, settings, public_table, recommendation, facilitator, feed
):
    settings.WAGTAILADMIN_BASE_URL = "https://commontable.example"
    moved = recommendation.propose(by=facilitator, note="Ready.")
    elsewhere = RecommendationPageFactory(parent=RoundTablePageFactory(title="Quesnel Table"))
    StageChange.objects.create(recommendation=elsewhere, from_stage="draft", to_stage="proposed")
    url = feed_address(feed, public_table)

    parsed = parsed_feed(client, url)
    entry = next(entry for entry in parsed.entries if entry.title.startswith("Overnight"))
    assert entry.id == f"tag:commontable.example,2026-01-01:stage-change/{moved.pk}"
    assert entry.author == "Prince George Table"
    assert TAG_URI.fullmatch(parsed.feed.id), parsed.feed.id

    raw = client.get(url).content
    root = ET.fromstring(raw)
    assert TAG_URI.fullmatch(root.findtext(f"{ATOM}id"))
    for xml_entry in root.findall(f"{ATOM}entry"):
        assert TAG_URI.fullmatch(xml_entry.findtext(f"{ATOM}id")), xml_entry.findtext(f"{ATOM}id")
        (author,) = xml_entry.findall(f"{ATOM}author")
        assert [child.tag for child in author] == [f"{ATOM}name"]
        assert author.findtext(f"{ATOM}name") in {"Prince George Table", "Quesnel Table"}
    assert facilitator.display_name.encode() not in raw
    assert facilitator.email.encode() not in raw
    # The ids come from the public address, not from the Host a reader's request named.
    from_localhost = ET.fromstring(client.get(url, HTTP_HOST="localhost").content)
    assert [element.text for element in from_localhost.iter(f"{ATOM}id")] == [
        element.text for element in root.iter(f"{ATOM}id")
    ]


def test_each_filtered_feed_has_its_own_id_and_self_address(
    client, settings, public_table, recommendation, facilitator
):
    """Readers take two feeds with one id or one self address for one feed and merge them."""
    settings.WAGTAILADMIN_BASE_URL = "https://commontable.example"
    recommendation.propose(by=facilitator, note="Ready.")
    community = public_table.community.slug
    feed = reverse("recommendation_feed")

    def heading(query: str) -> tuple[str, str]:
        response = client.get(feed + query)
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, parsed.get("bozo_exception")
        (self_link,) = [link.href for link in parsed.feed.links if link.rel == "self"]
        root = ET.fromstring(response.content)
        (raw_self,) = [
            link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"
        ]
        assert (parsed.feed.id, self_link) == (root.findtext(f"{ATOM}id"), raw_self)
        return parsed.feed.id, self_link

    tag = "tag:commontable.example,2026-01-01:recommendations/feed/"
    assert heading("") == (tag, "http://testserver/recommendations/feed/")
    assert heading(f"?community={community}") == (
        f"{tag}?community={community}",
        f"http://testserver/recommendations/feed/?community={community}",
    )
    both = heading(f"?stage=proposed&community={community}")
    assert both == (
        f"{tag}?community={community}&stage=proposed",
        f"http://testserver/recommendations/feed/?community={community}&stage=proposed",
    )
    # The same filters in another order, or with empty ones, are the same feed.
    assert heading(f"?community={community}&q=&stage=proposed") == both
    assert heading("?q=&community=") == heading("")
    assert TAG_URI.fullmatch(both[0])
    table_feed = reverse("round_table_feed", kwargs={"table": public_table.slug})
    assert heading_of(client, table_feed) != heading_of(
        client, reverse("community_feed", kwargs={"slug": community})
    )


def heading_of(client, url) -> str:
    return ET.fromstring(client.get(url).content).findtext(f"{ATOM}id")


def test_a_calendar_with_line_breaks_and_controls_in_stored_text_holds_one_clean_event(
    client, public_table
):
    convening = ConveningPageFactory(parent=public_table, title="Spring")
    stored_badly(ConveningPage, convening.pk, title=BAD, area=BAD, interpretation=BAD)

    response = client.get(reverse("round_table_calendar", kwargs={"table": public_table.slug}))

    assert response.status_code == 200
    calendar = vobject.readOne(response.content.decode("utf-8"))
    (event,) = calendar.vevent_list
    assert event.summary.value == BAD_ONE_LINE
    assert event.location.value == BAD_ONE_LINE
    assert f"Interpretation: {BAD_ONE_LINE}" in event.description.value
    assert not any(key.startswith("bcc") for key in event.contents)


def raw_headers(message) -> list[tuple[str, str]]:
    """The headers of a sent message as its raw bytes hold them, each unfolded."""
    parsed = message_from_bytes(message.message().as_bytes(), policy=compat32)
    return [
        (name, value.replace("\r\n ", " ").replace("\n ", " ")) for name, value in parsed.items()
    ]


def test_an_email_from_a_stored_subject_with_a_line_break_keeps_every_header_on_one_line():
    person = UserFactory(email="reader@example.org")
    notification = Notification.objects.create(
        user=person,
        event="test",
        topic="recommendation:0",
        subject="Placeholder",
        body="Something moved.",
        url="https://example.org/",
        frequency="immediate",
    )
    stored_badly(Notification, notification.pk, subject=BAD)
    recommendation = RecommendationPageFactory()
    stored_badly(Notification, notification.pk, topic=f"recommendation:{recommendation.pk}")

    send_notification.call(notification.pk)

    (message,) = mail.outbox
    headers = raw_headers(message)
    names = [name.lower() for name, _ in headers]
    assert "bcc" not in names
    assert names.count("subject") == 1
    for name, value in headers:
        assert "\r" not in value and "\n" not in value, name
        assert printable(value) == value, name
    assert message.subject == f"[Common Table] {BAD_ONE_LINE}"


def test_news_of_a_convening_whose_title_has_a_line_break_is_sent_on_one_subject_line(
    public_table,
):
    person = UserFactory(email="follower@example.org")
    person.follows.create(kind="round_table", round_table=public_table)
    convening = ConveningPageFactory(parent=public_table, title="Spring")
    Notification.objects.all().delete()
    stored_badly(ConveningPage, convening.pk, title=BAD)

    (notification,) = convening_news(ConveningPage.objects.get(pk=convening.pk))
    send_notification.call(notification.pk)

    (message,) = mail.outbox
    assert message.subject == f"[Common Table] New convening: {BAD_ONE_LINE}"
    assert "bcc" not in [name.lower() for name, _ in raw_headers(message)]


# Typed text, on the site and in the admin --------------------------------------------------


def organization_community():
    return CommunityFactory(name="Prince George", slug="prince-george")


def test_the_rule_removes_every_control_character_and_normalises_line_breaks():
    assert printable(f"a{CONTROLS}b\r\nc\rd\u2028e\tf") == "ab\nc\nd\ne\tf"
    assert one_line(f"a{CONTROLS} \r\n b\tc") == "a b c"


def test_a_need_keeps_typed_text_without_controls_and_its_title_on_one_line(
    client, member, organization
):
    client.force_login(member)
    data = need_data(
        organization,
        organization_community(),
        title=f"Shelter{CONTROLS}\r\nbeds",
        description=f"Cold\x0b nights.\r\nNo beds{CONTROLS}.",
        tags="winter\x0b, cold\r\nnights",
    )

    response = client.post(reverse("need_create"), data)

    assert response.status_code == 302
    need = Need.objects.get()
    assert need.title == "Shelter beds"
    assert need.description == "Cold nights.\nNo beds."
    assert sorted(need.tags.names()) == ["cold nights", "winter"]


def test_a_title_of_nothing_but_control_characters_is_refused_as_empty(
    client, member, organization
):
    client.force_login(member)
    data = need_data(organization, organization_community(), title="\x01\x02\x1b")

    response = client.post(reverse("need_create"), data)

    assert response.status_code == 200
    assert "This field is required." in str(response.context["form"].errors["title"])
    assert not Need.objects.exists()


def test_a_stage_note_typed_with_a_vertical_tab_reaches_the_feed_without_it(
    client, facilitator, recommendation
):
    client.force_login(facilitator)

    client.post(
        reverse(
            "recommendation_stage", args=[recommendation.round_table.slug, recommendation.slug]
        ),
        {"action": "propose", "seen_stage": "draft", "note": "Ready\x0b for the table."},
    )

    assert StageChange.objects.get().note == "Ready for the table."
    (entry,) = parsed_feed(client, reverse("recommendation_feed")).entries
    assert entry.summary == "Ready for the table."


def test_text_a_model_method_is_given_is_stored_clean(recommendation, facilitator):
    change = recommendation.propose(by=facilitator, note=f"Ready{CONTROLS}.")

    assert change.note == "Ready."
    assert StageChange.objects.get().note == "Ready."


def test_funding_typed_with_controls_and_line_breaks_is_stored_on_one_line(
    client, facilitator, recommendation
):
    RecommendationPage.objects.filter(pk=recommendation.pk).update(stage="adopted")
    client.force_login(facilitator)

    client.post(
        reverse(
            "recommendation_funding", args=[recommendation.round_table.slug, recommendation.slug]
        ),
        {
            "funder": "City\r\nof Prince\x0b George",
            "amount": "1200",
            "committed_on": "2030-01-31",
            "status": "pledged",
            "reference": "G-7\x1b\r\n",
        },
    )

    commitment = FundingCommitment.objects.get()
    assert (commitment.funder, commitment.reference) == ("City of Prince George", "G-7")


def admin_edit_data(convening: ConveningPage, **changes) -> dict:
    """What the admin's edit form sends for a convening, with ``changes``."""
    return nested_form_data(
        {
            "title": convening.title,
            "slug": convening.slug,
            "starts_at": timezone.localtime(convening.starts_at).strftime("%Y-%m-%d %H:%M"),
            "ends_at": timezone.localtime(convening.ends_at).strftime("%Y-%m-%d %H:%M"),
            "time_zone": convening.time_zone,
            "format": convening.format,
            "area": convening.area,
            "agenda": streamfield([]),
            "minutes": rich_text(""),
            "attendance": inline_formset([]),
            **changes,
        }
    )


def test_the_admin_keeps_a_page_title_on_one_line_and_text_without_controls(
    client, facilitator, public_table
):
    convening = ConveningPageFactory(parent=public_table, title="Spring")
    client.force_login(facilitator)

    response = client.post(
        f"/admin/pages/{convening.pk}/edit/",
        admin_edit_data(
            convening,
            title="Spring\r\nBcc: everyone@example.org\x0b",
            area="Down\x1btown\r\nPrince George",
            address="1 Main St\x0b\r\nUnit 2",
        ),
    )

    assert response.status_code == 302
    saved = ConveningPage.objects.get(pk=convening.pk).get_latest_revision_as_object()
    assert saved.title == "Spring Bcc: everyone@example.org"
    assert saved.area == "Downtown Prince George"
    assert saved.address == "1 Main St\nUnit 2"


def test_the_admin_keeps_an_organization_name_on_one_line(client):
    administrator = UserFactory(is_superuser=True, with_totp=True)
    client.force_login(administrator)

    response = client.post(
        "/admin/snippets/convenings/organization/add/",
        {
            "name": "Peer\x0b Network\r\nBcc: x",
            "slug": "peer-network",
            "kind": "frontline",
            "website": "",
            "description": "We\x1b meet.",
        },
    )

    assert response.status_code == 302
    organization = Organization.objects.get(slug="peer-network")
    assert (organization.name, organization.description) == ("Peer Network Bcc: x", "We meet.")


def test_a_display_name_typed_at_sign_up_is_one_printable_line(client):
    client.post(
        "/accounts/signup/",
        {
            "display_name": "River\x0b\r\nBcc: x",
            "email": "river@example.org",
            "password1": "a-long-safe-passphrase",
            "password2": "a-long-safe-passphrase",
        },
    )

    assert User.objects.get(email="river@example.org").display_name == "River Bcc: x"


@pytest.mark.parametrize(
    ("path", "field"),
    [("/admin/users/new/", "display_name"), ("/admin/account/", "name_email-display_name")],
)
def test_a_display_name_set_in_the_admin_is_one_printable_line(client, path, field):
    administrator = UserFactory(administrator=True, email="admin@example.org")
    client.force_login(administrator)
    data = {field: "Wren\x1b\r\nBcc: x"}
    if path == "/admin/users/new/":
        data.update(
            email="new@example.org",
            password1="a-long-safe-passphrase",
            password2="a-long-safe-passphrase",
        )
    else:
        data.update(
            {
                "locale-preferred_language": "en",
                "locale-current_time_zone": "",
                "theme-theme": "system",
                "theme-density": "default",
                "theme-contrast": "system",
                "theme-keyboard_shortcuts": "on",
            }
        )

    client.post(path, data)

    email = "new@example.org" if path == "/admin/users/new/" else "admin@example.org"
    assert User.objects.get(email=email).display_name == "Wren Bcc: x"


# Dates that no time zone can convert --------------------------------------------------------


def test_scheduling_refuses_a_start_a_time_zone_cannot_convert(client, facilitator, public_table):
    client.force_login(facilitator)

    response = client.post(
        schedule_url(public_table),
        convening_data(starts_at="9999-12-31T22:00", ends_at="9999-12-31T23:00"),
    )

    assert response.status_code == 200
    assert "Enter a date between 1900 and 2999." in response.context["form"].errors["starts_at"]
    assert not ConveningPage.objects.filter(title="Autumn convening").exists()


def test_the_admin_refuses_a_start_a_time_zone_cannot_convert(client, facilitator, public_table):
    convening = ConveningPageFactory(parent=public_table, title="Spring")
    client.force_login(facilitator)

    response = client.post(
        f"/admin/pages/{convening.pk}/edit/",
        admin_edit_data(convening, starts_at="9999-12-31 22:00", ends_at="9999-12-31 23:00"),
    )

    assert response.status_code == 200
    assert "Enter a date between 1900 and 2999." in response.content.decode()
    assert ConveningPage.objects.get(pk=convening.pk).get_latest_revision().pk == (
        convening.get_latest_revision().pk
    )


def test_the_model_refuses_a_start_in_year_ten_thousand_utc(public_table):
    convening = ConveningPageFactory(parent=public_table)
    convening.starts_at = datetime(9999, 12, 31, 22, tzinfo=ZoneInfo("America/Vancouver"))

    with pytest.raises(Exception, match="between 1900 and 2999"):
        convening.full_clean()


def test_funding_refuses_a_date_past_the_range(client, facilitator, recommendation):
    RecommendationPage.objects.filter(pk=recommendation.pk).update(stage="adopted")
    client.force_login(facilitator)

    response = client.post(
        reverse(
            "recommendation_funding", args=[recommendation.round_table.slug, recommendation.slug]
        ),
        {"funder": "City", "amount": "1200", "committed_on": "9999-12-31", "status": "pledged"},
        follow=True,
    )

    assert "Enter a date between 1900 and 2999." in response.content.decode()
    assert not FundingCommitment.objects.exists()
