"""The safety prompt: before a need that may describe violence is posted.

The poster sees their community's peer-run reporting option and a reminder
not to name or describe anyone identifiable, with everything they typed kept,
and posts it by confirming. It is a prompt, never a filter.
"""

from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from commontable.devtools.demo import seed_demo
from convenings.models import Community, Need
from convenings.safety import describes_violence
from tests.factories import CommunityFactory, MembershipFactory, NeedFactory

pytestmark = pytest.mark.django_db

REMINDER = "Do not name or describe anyone identifiable"
VIOLENT = "A client choked one of our members on a bad date near the highway."


@pytest.fixture
def community():
    return CommunityFactory(
        name="Prince George",
        slug="prince-george",
        peer_reporting_name="Northern Bad Date Line",
        peer_reporting_url="https://bad-date-line.example/prince-george",
    )


@pytest.fixture
def poster():
    return MembershipFactory().user


def need_data(poster, community, **overrides) -> dict:
    data = {
        "title": "Safer ways to screen clients",
        "description": VIOLENT,
        "who_is_affected": "Women doing survival sex work",
        "community": community.pk,
        "tags": "safety",
        "urgency": "urgent",
        "evidence": "",
        "organization": poster.memberships.get().organization_id,
        "attribution": "organization",
        "visibility": "public",
        "round_table": "",
        "convening": "",
    }
    data.update(overrides)
    return data


def prompt(body: str):
    return BeautifulSoup(body, "html.parser").find("section", class_="safety-prompt")


# The word list


@pytest.mark.parametrize(
    "text",
    [
        "A client assaulted her in the parking lot.",
        "Another bad date on the east side.",
        "He hit me and took the money.",
        "She was raped after leaving the bar.",
        "A violent man has been coming around.",
        "The aggressor followed her home.",
        "Threatened with a knife.",
        "He choked her until she passed out.",
        "Someone spiked her drink.",
    ],
)
def test_words_that_may_describe_violence_show_the_prompt(text):
    assert describes_violence(text)


@pytest.mark.parametrize(
    "text",
    [
        "Nowhere warm to go after midnight.",
        "Stable housing for people leaving hospital.",
        "Bus tickets to get to appointments.",
        "Overdoses spiked after the cheque issue.",
    ],
)
def test_everyday_needs_do_not_show_the_prompt(text):
    assert not describes_violence(text)


# Posting


def test_a_need_that_may_describe_violence_is_not_posted_before_the_prompt(
    client, poster, community
):
    client.force_login(poster)
    response = client.post(reverse("need_create"), need_data(poster, community))
    assert response.status_code == 200
    assert not Need.objects.exists()
    shown = prompt(response.content.decode())
    assert REMINDER in shown.get_text(" ", strip=True)
    link = shown.find("a", href="https://bad-date-line.example/prince-george")
    assert link.get_text(strip=True) == "Northern Bad Date Line"


def test_the_prompt_keeps_everything_typed_and_offers_post_it(client, poster, community):
    client.force_login(poster)
    response = client.post(reverse("need_create"), need_data(poster, community))
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    assert soup.find("input", attrs={"name": "title"})["value"] == "Safer ways to screen clients"
    assert soup.find("textarea", attrs={"name": "description"}).get_text(strip=True) == VIOLENT
    assert soup.find("input", attrs={"name": "tags"})["value"] == "safety"
    assert soup.find("input", attrs={"name": "urgency", "value": "urgent"}).has_attr("checked")
    confirm = soup.find("button", attrs={"name": "safety_confirmed"})
    assert confirm["value"] == "yes"
    assert confirm.get_text(strip=True) == "Post it"


def test_post_it_posts_the_need_as_written(client, poster, community):
    client.force_login(poster)
    response = client.post(
        reverse("need_create"), need_data(poster, community, safety_confirmed="yes")
    )
    assert response.status_code == 302
    assert Need.objects.get().description == VIOLENT


def test_without_a_reporting_option_the_prompt_says_none_is_listed(client, poster):
    elsewhere = CommunityFactory(name="Okanagan", slug="okanagan")
    client.force_login(poster)
    response = client.post(reverse("need_create"), need_data(poster, elsewhere))
    text = prompt(response.content.decode()).get_text(" ", strip=True)
    assert "Okanagan has no peer-run reporting option listed here yet." in text
    assert REMINDER in text
    assert not Need.objects.exists()


def test_a_need_that_describes_no_violence_posts_at_once(client, poster, community):
    client.force_login(poster)
    response = client.post(
        reverse("need_create"),
        need_data(poster, community, description="Nowhere warm to go after midnight."),
    )
    assert response.status_code == 302
    assert Need.objects.count() == 1


def test_the_prompt_shows_beside_other_errors_without_posting(client, poster, community):
    client.force_login(poster)
    response = client.post(reverse("need_create"), need_data(poster, community, title=""))
    body = response.content.decode()
    assert prompt(body) is not None
    assert "This field is required." in body
    assert not Need.objects.exists()


# Editing


def test_an_edit_that_writes_about_violence_is_prompted_first(client, poster, community):
    need = NeedFactory(
        posted_by=poster, organization=poster.memberships.get().organization, community=community
    )
    client.force_login(poster)
    response = client.post(
        reverse("need_edit", args=[need.pk]), {**need_data(poster, community), "status": "open"}
    )
    assert prompt(response.content.decode()) is not None
    need.refresh_from_db()
    assert need.description != VIOLENT


def test_changing_only_the_status_of_such_a_need_is_not_prompted_again(client, poster, community):
    need = NeedFactory(
        posted_by=poster,
        organization=poster.memberships.get().organization,
        community=community,
        title="Safer ways to screen clients",
        description=VIOLENT,
        who_is_affected="Women doing survival sex work",
        urgency=Need.Urgency.URGENT,
    )
    client.force_login(poster)
    response = client.post(
        reverse("need_edit", args=[need.pk]),
        {**need_data(poster, community, tags=""), "status": "being_addressed"},
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == Need.Status.BEING_ADDRESSED


# The demo


def test_every_demo_community_lists_a_fictional_peer_run_reporting_option():
    seed_demo()
    for community in Community.objects.all():
        assert community.peer_reporting_name, community
        host = urlsplit(community.peer_reporting_url).hostname
        assert host.endswith(".example"), community.peer_reporting_url
