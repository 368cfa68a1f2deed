"""Synthetic data at a province's scale: it is consistent, it is served, and every page's
SQL queries stay the same however much data there is."""

import io
import json
import sqlite3

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from commontable.devtools.benchmark import benchmark_targets
from commontable.devtools.scale import Scale
from commontable.models import User
from convenings.models import (
    Community,
    ConveningPage,
    Corroboration,
    Need,
    Organization,
    RoundTablePage,
    RoundTableRole,
)
from recommendations.models import FundingCommitment, RecommendationPage, StageChange
from recommendations.stages import Stage

pytestmark = pytest.mark.django_db

# Small enough that the round tables, communities and organizations stay at their minimum,
# so three times the data means three times as much on each table's and community's pages.
TINY = "0.004"
THREE_TIMES_TINY = "0.012"
COUNTED = {
    "communities": Community,
    "organizations": Organization,
    "round_tables": RoundTablePage,
    "convenings": ConveningPage,
    "needs": Need,
    "corroborations": Corroboration,
    "recommendations": RecommendationPage,
    "stage_changes": StageChange,
    "funding_commitments": FundingCommitment,
}


def seed(scale: str = TINY, *extra: str) -> None:
    call_command("seed_scale", "--scale", scale, *extra, stdout=io.StringIO())


def queries_per_page(client) -> dict[str, int]:
    """How many SQL queries each benchmarked page makes, by page name.

    Each page is requested once first, as a running site would have: what is
    cached for the whole process (content types, site root paths) is then
    in place.
    """
    counts = {}
    for target in benchmark_targets():
        client.get(target.url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(target.url)
        assert response.status_code == 200, target
        counts[target.name] = len(queries)
    return counts


def test_seeding_makes_as_many_of_each_as_the_scale_asks():
    seed()
    scale = Scale.named(TINY)
    made = {name: model.objects.count() for name, model in COUNTED.items()}
    assert made == {name: getattr(scale, name) for name in COUNTED}
    assert User.objects.count() == scale.people


def test_scales_are_the_standard_one_multiplied_with_a_floor():
    assert Scale.named("standard").needs == 30_000
    assert Scale.named("small").recommendations == 500
    assert Scale.named("0.5").corroborations == 50_000
    assert Scale.named("0.0001").round_tables == Scale.MINIMUM["round_tables"]
    for name in ["huge", "0", "-1", "nan"]:
        with pytest.raises(ValueError):
            Scale.named(name)


def test_seeding_twice_with_the_same_seed_gives_the_same_data():
    def fingerprint():
        return (
            list(Need.objects.order_by("pk").values_list("title", "urgency", "status")),
            list(RecommendationPage.objects.order_by("path").values_list("slug", "stage")),
            sorted(Corroboration.objects.values_list("need__title", "organization__name")),
        )

    seed()
    first = fingerprint()
    seed(TINY, "--flush")
    assert fingerprint() == first


def test_seeded_page_tree_passes_treebeards_checks():
    seed()
    assert Page.find_problems() == ([], [], [], [], [])
    for table in RoundTablePage.objects.all():
        assert table.numchild == table.get_children().count() > 0
        for child in table.get_children():
            assert child.url_path == f"{table.url_path}{child.slug}/"
            assert child.specific.round_table_id == table.pk


def test_seeded_pages_are_published_through_a_revision():
    seed()
    pages = Page.objects.type(RoundTablePage, ConveningPage, RecommendationPage).specific()
    for page in pages:
        assert page.live and page.latest_revision_id == page.live_revision_id, page
        assert page.latest_revision.as_object().title == page.title
    recommendation = RecommendationPage.objects.filter(stage=Stage.FUNDED).first()
    assert recommendation.latest_revision.as_object().stage == Stage.FUNDED


def test_seeded_recommendations_keep_the_stage_rules():
    seed()
    for page in RecommendationPage.objects.select_related("round_table"):
        history = list(page.stage_changes.order_by("at", "pk"))
        stages = [Stage.DRAFT] + [change.to_stage for change in history]
        assert [change.from_stage for change in history] == stages[:-1]
        assert page.stage == stages[-1]
        if history:
            assert page.stage_changed_at == history[-1].at
        assert page.clarity_score == page.compute_clarity_score()
        if Stage.SUBMITTED in stages:
            assert page.clarity_score == 7
            if page.round_table.peer_signoff_required:
                assert page.endorsements.filter(organization__peer_led=True).exists()
        funded = page.funding_commitments.exists()
        assert funded == (Stage.FUNDED in stages), page.stage
        assert not page.needs.filter(status=Need.Status.OPEN).exists()


def test_seeded_needs_keep_their_rules():
    seed()
    for need in Need.objects.select_related("convening", "organization"):
        need.full_clean()
        assert need.corroborations.filter(organization=need.organization).count() == 0
    assert Need.objects.filter(visibility=Need.Visibility.MEMBERS).exists()


def test_seeded_members_only_tables_are_private_sections_for_their_people():
    seed()
    private = RoundTablePage.objects.get(members_only=True)
    assert private.get_view_restrictions().get().groups.filter(pk=private.member_group_id)
    facilitator = RoundTableRole.objects.filter(round_table=private, role="facilitator").first()
    assert private.facilitator_group.user_set.filter(pk=facilitator.user_id).exists()


def test_visitors_see_no_members_only_content(client):
    seed()
    private = RoundTablePage.objects.get(members_only=True)
    hidden = [private.url, *(page.url for page in private.get_children().specific())]
    for url in hidden:
        assert client.get(url).status_code == 404, url
    listed = client.get("/recommendations/?sort=newest").content.decode()
    needs = client.get("/needs/").content.decode()
    for recommendation in RecommendationPage.objects.filter(round_table=private)[:5]:
        assert f'href="{recommendation.url}"' not in listed
    for need in Need.objects.filter(round_table=private)[:5]:
        assert client.get(need.get_absolute_url()).status_code == 404
        assert f'href="{need.get_absolute_url()}"' not in needs
    api = client.get("/api/v1/round-tables").json()
    assert private.slug not in {table["slug"] for table in api["items"]}


def test_seeded_pages_are_served_to_visitors(client):
    seed()
    for target in benchmark_targets():
        response = client.get(target.url)
        assert response.status_code == 200, target
    for url in ["/round-tables/", "/search/?q=shelter", "/api/v1/needs"]:
        assert client.get(url).status_code == 200, url


def test_a_seeded_member_can_sign_in_and_read_their_members_only_table(client):
    seed()
    private = RoundTablePage.objects.get(members_only=True)
    member = RoundTableRole.objects.filter(round_table=private, role="member").first().user
    assert client.login(email=member.email, password="scale-test-passphrase")
    assert client.get(private.url).status_code == 200


def test_seeding_refuses_a_database_that_has_content():
    seed()
    with pytest.raises(CommandError, match=r"already has content.*--flush"):
        seed()


def test_seeding_refuses_an_unknown_scale():
    with pytest.raises(CommandError, match="Unknown scale"):
        seed("enormous")


def test_flush_replaces_the_content_with_a_new_seeding():
    seed(THREE_TIMES_TINY)
    seed(TINY, "--flush")
    scale = Scale.named(TINY)
    assert {name: model.objects.count() for name, model in COUNTED.items()} == {
        name: getattr(scale, name) for name in COUNTED
    }
    assert Page.find_problems() == ([], [], [], [], [])


def sign_in_a_member(client) -> None:
    """A member of the members-only table: every list then includes members-only content."""
    private = RoundTablePage.objects.get(members_only=True)
    client.force_login(RoundTableRole.objects.filter(round_table=private, role="member")[0].user)


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_queries_per_page_stay_the_same_with_three_times_the_data(client, settings, signed_in):
    # Rendered every time: a cached page makes no query at all.
    settings.PAGE_CACHE_SECONDS = 0
    seed(TINY)
    if signed_in:
        sign_in_a_member(client)
    small = queries_per_page(client)
    seed(THREE_TIMES_TINY, "--flush")
    if signed_in:
        sign_in_a_member(client)
    large = queries_per_page(client)
    assert ConveningPage.objects.count() == 3 * Scale.named(TINY).convenings
    assert RoundTablePage.objects.count() == Scale.named(TINY).round_tables
    assert large == small


def serve_this_database(monkeypatch, directory) -> None:
    """Point the benchmark's server (other processes) at this test's committed data."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        # The test database lives in memory: copy it to a file the server can open.
        connection.ensure_connection()
        copy = sqlite3.connect(directory / "served.sqlite3")
        connection.connection.backup(copy)
        copy.close()
        monkeypatch.setenv("SQLITE_PATH", str(directory / "served.sqlite3"))
    else:
        monkeypatch.setenv(
            "DATABASE_URL",
            f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}",
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_benchmark_measures_every_page_end_to_end(tmp_path, monkeypatch):
    seed()
    names = [target.name for target in benchmark_targets()]
    serve_this_database(monkeypatch, tmp_path)
    results = tmp_path / "benchmark.json"
    call_command(
        "benchmark",
        "--requests", "20", "--concurrency", "2", "--workers", "2",
        "--json", str(results),
        stdout=io.StringIO(),
    )  # fmt: skip
    report = json.loads(results.read_text())
    pages = {page["name"]: page for page in report["pages"]}
    assert list(pages) == names
    for name, page in pages.items():
        assert page["statuses"] == {"200": 20}, name
        assert page["cached"]["statuses"] == {"200": 20}, name
        assert page["server_errors"] == 0, name
        assert page["queries"] is not None and page["p95_ms"] > 0, name
    assert pages["healthz"]["queries"] == 1
    assert pages["healthz"]["p95_ratio"] == 1.0
