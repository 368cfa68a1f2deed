"""The needs board: posting, editing, corroborating, filtering and who sees what."""

import codecs
import csv
import io

import pytest
from django.urls import reverse

from convenings.models import Corroboration, Need, RoundTableRole
from tests.factories import (
    CommunityFactory,
    ConveningPageFactory,
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    RoundTableRoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SECRET = "Secret need of the peer table"


def need_data(organization, community, **overrides):
    data = {
        "title": "Overnight safe space",
        "description": "Nowhere warm to go after midnight.",
        "who_is_affected": "Women doing survival sex work",
        "community": community.pk,
        "tags": "safety, shelter",
        "urgency": "urgent",
        "evidence": "212 unmet requests last winter.",
        "organization": organization.pk,
        "attribution": "organization",
        "visibility": "public",
        "round_table": "",
        "convening": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def community(db):
    return CommunityFactory(name="Prince George", slug="prince-george")


@pytest.fixture
def secret_need(private_table, private_member):
    return NeedFactory(
        title=SECRET,
        visibility=Need.Visibility.MEMBERS,
        round_table=private_table,
        organization=private_member.memberships.get().organization,
    )


# Posting


def test_member_posts_a_need_for_their_organization(client, member, community):
    organization = member.memberships.get().organization
    client.force_login(member)
    assert client.get(reverse("need_create")).status_code == 200
    response = client.post(reverse("need_create"), need_data(organization, community))
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == need.get_absolute_url()
    assert need.posted_by == member
    assert need.organization == organization
    assert need.status == Need.Status.OPEN
    assert sorted(need.tags.names()) == ["safety", "shelter"]


def test_visitor_is_sent_to_sign_in(client, db):
    response = client.get(reverse("need_create"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_person_without_an_organization_is_told_how_to_join(client, community):
    client.force_login(UserFactory())
    response = client.get(reverse("need_create"))
    assert response.status_code == 403
    assert "Join an organization first" in response.content.decode()
    response = client.post(reverse("need_create"), need_data(OrganizationFactory(), community))
    assert response.status_code == 403
    assert not Need.objects.exists()


def test_posting_for_an_organization_you_do_not_belong_to_is_refused(client, member, community):
    client.force_login(member)
    response = client.post(reverse("need_create"), need_data(OrganizationFactory(), community))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Need.objects.exists()


def test_invalid_fields_get_clear_errors_and_save_nothing(client, member, community):
    organization = member.memberships.get().organization
    client.force_login(member)
    response = client.post(
        reverse("need_create"),
        need_data(organization, community, title="", urgency="extreme", description="x" * 6000),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved." in body
    assert "This field is required." in body
    assert "Select a valid choice. extreme is not one of the available choices." in body
    assert "Ensure this value has at most 5000 characters" in body
    assert not Need.objects.exists()


def test_members_only_need_must_name_a_table(client, member, community):
    organization = member.memberships.get().organization
    client.force_login(member)
    response = client.post(
        reverse("need_create"), need_data(organization, community, visibility="members")
    )
    assert "Choose the round table whose members may see this need." in response.content.decode()
    assert not Need.objects.exists()


def test_members_only_need_only_for_a_table_you_belong_to(client, outsider, private_table):
    community = private_table.community
    client.force_login(outsider)
    organization = outsider.memberships.get().organization
    response = client.post(
        reverse("need_create"),
        need_data(organization, community, visibility="members", round_table=private_table.pk),
    )
    assert response.status_code == 200
    assert not Need.objects.exists()


def test_convening_must_belong_to_the_chosen_table(client, member, public_table, community):
    elsewhere = ConveningPageFactory()
    organization = member.memberships.get().organization
    client.force_login(member)
    response = client.post(
        reverse("need_create"),
        need_data(organization, community, round_table=public_table.pk, convening=elsewhere.pk),
    )
    assert "That convening belongs to another round table." in response.content.decode()
    assert not Need.objects.exists()


def test_peer_led_attribution_needs_a_peer_led_organization(client, member, community):
    organization = member.memberships.get().organization
    client.force_login(member)
    response = client.post(
        reverse("need_create"), need_data(organization, community, attribution="peer_led")
    )
    assert "is not peer-led" in response.content.decode()
    assert not Need.objects.exists()


def test_posting_is_rate_limited_per_person(client, member, community, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post_need": (2, 3600)}
    organization = member.memberships.get().organization
    client.force_login(member)
    for number in range(2):
        data = need_data(organization, community, title=f"Need {number}")
        assert client.post(reverse("need_create"), data).status_code == 302
    response = client.post(reverse("need_create"), need_data(organization, community))
    assert "You have reached the limit of 2 in 60 minutes." in response.content.decode()
    assert Need.objects.count() == 2
    other = MembershipFactory(organization=organization).user
    client.force_login(other)
    assert (
        client.post(reverse("need_create"), need_data(organization, community)).status_code == 302
    )


# Attribution


def test_attribution_never_names_the_person_unless_chosen(client, member):
    need = NeedFactory(posted_by=member, organization=member.memberships.get().organization)
    body = client.get(need.get_absolute_url()).content.decode()
    assert member.display_name not in body
    assert need.organization.name in body

    # "A frontline provider" hides it only among others (see test_anonymity.py).
    OrganizationFactory(kind=need.organization.kind).communities.add(need.community)
    need.attribution = Need.Attribution.FRONTLINE
    need.save()
    body = client.get(need.get_absolute_url()).content.decode()
    assert "A frontline provider" in body
    assert need.organization.name not in body

    need.attribution = Need.Attribution.PERSON
    need.save()
    assert member.display_name in client.get(need.get_absolute_url()).content.decode()


# Editing


def test_poster_edits_and_changes_status(client, member):
    need = NeedFactory(posted_by=member, organization=member.memberships.get().organization)
    client.force_login(member)
    response = client.get(reverse("need_edit", args=[need.pk]))
    assert response.status_code == 200
    data = need_data(need.organization, need.community, title="Renamed", status="being_addressed")
    response = client.post(reverse("need_edit", args=[need.pk]), data)
    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.title, need.status) == ("Renamed", Need.Status.BEING_ADDRESSED)


def test_facilitator_of_the_table_can_edit(client, facilitator, public_table):
    need = NeedFactory(round_table=public_table)
    client.force_login(facilitator)
    data = need_data(need.organization, need.community, status="met", round_table=public_table.pk)
    assert client.post(reverse("need_edit", args=[need.pk]), data).status_code == 302
    need.refresh_from_db()
    assert need.status == Need.Status.MET


def test_nobody_else_can_edit(client, member, outsider):
    need = NeedFactory(posted_by=member, organization=member.memberships.get().organization)
    client.force_login(outsider)
    assert client.get(reverse("need_edit", args=[need.pk])).status_code == 404
    data = need_data(need.organization, need.community, title="Hijacked")
    assert client.post(reverse("need_edit", args=[need.pk]), data).status_code == 404
    need.refresh_from_db()
    assert need.title != "Hijacked"
    other_facilitator = UserFactory(with_totp=True)
    RoundTableRoleFactory(user=other_facilitator, role=RoundTableRole.Role.FACILITATOR)
    client.force_login(other_facilitator)
    assert client.get(reverse("need_edit", args=[need.pk])).status_code == 404


def test_edit_link_shows_only_to_those_who_may_edit(client, member, outsider):
    need = NeedFactory(posted_by=member, organization=member.memberships.get().organization)
    client.force_login(outsider)
    assert "Edit or change status" not in client.get(need.get_absolute_url()).content.decode()
    client.force_login(member)
    assert "Edit or change status" in client.get(need.get_absolute_url()).content.decode()


# Corroboration


def test_corroborate_once_per_organization_then_withdraw(client, outsider):
    need = NeedFactory()
    organization = outsider.memberships.get().organization
    client.force_login(outsider)
    url = reverse("need_corroborate", args=[need.pk])
    response = client.post(url, {"organization": organization.pk}, follow=True)
    assert f"Counted: {organization} sees this need too." in response.content.decode()
    assert need.corroborations.count() == 1

    colleague = MembershipFactory(organization=organization).user
    with pytest.raises(Exception, match="already corroborated this need; it is counted once"):
        need.corroborate(by=colleague, organization=organization)
    assert need.corroborations.count() == 1

    response = client.post(
        reverse("need_withdraw", args=[need.pk]), {"organization": organization.pk}, follow=True
    )
    assert "The corroboration is withdrawn." in response.content.decode()
    assert not need.corroborations.exists()


def test_second_corroboration_by_the_same_organization_says_it_is_counted(client, outsider):
    need = NeedFactory()
    organization = outsider.memberships.get().organization
    Corroboration.objects.create(need=need, organization=organization)
    client.force_login(outsider)
    response = client.post(
        reverse("need_corroborate", args=[need.pk]), {"organization": organization.pk}, follow=True
    )
    assert "has already corroborated this need; it is counted once." in response.content.decode()
    assert need.corroborations.count() == 1


def test_cannot_corroborate_for_an_organization_you_are_not_in(client, outsider):
    need = NeedFactory()
    client.force_login(outsider)
    response = client.post(
        reverse("need_corroborate", args=[need.pk]),
        {"organization": OrganizationFactory().pk},
        follow=True,
    )
    assert "Choose one of your organizations." in response.content.decode()
    assert not need.corroborations.exists()


def test_posting_organization_cannot_corroborate_its_own_need(member):
    organization = member.memberships.get().organization
    need = NeedFactory(organization=organization)
    with pytest.raises(Exception, match="other organizations corroborate it"):
        need.corroborate(by=member, organization=organization)


def test_visitor_cannot_corroborate(client, db):
    need = NeedFactory()
    response = client.post(reverse("need_corroborate", args=[need.pk]), {"organization": 1})
    assert response["Location"].startswith("/accounts/login/")
    assert not need.corroborations.exists()


def test_weight_is_shown_and_sorts_the_list(client, db):
    light = NeedFactory(title="Light need")
    heavy = NeedFactory(title="Heavy need")
    for _ in range(3):
        Corroboration.objects.create(need=heavy, organization=OrganizationFactory())
    Corroboration.objects.create(need=light, organization=OrganizationFactory())
    response = client.get(reverse("need_list"), {"sort": "corroborated"})
    needs = list(response.context["needs"])
    assert needs[:2] == [heavy, light]
    assert "3 corroborations" in response.content.decode()


# Filters and search


def test_filters_return_the_right_needs(client, public_table):
    prince_george = CommunityFactory(name="Prince George", slug="prince-george")
    victoria = CommunityFactory(name="Victoria", slug="victoria")
    match = NeedFactory(community=prince_george, urgency="urgent", round_table=public_table)
    match.tags.add("safety")
    other_tag = NeedFactory(community=prince_george, urgency="urgent")
    other_tag.tags.add("housing")
    NeedFactory(community=victoria, urgency="urgent")
    NeedFactory(community=prince_george, urgency="routine")
    NeedFactory(community=prince_george, urgency="urgent", status="met")

    def found(**params):
        return set(client.get(reverse("need_list"), params).context["needs"])

    assert found(community="prince-george", tag="safety") == {match}
    assert found(community="prince-george", urgency="urgent", status="open") == {match, other_tag}
    assert found(round_table=public_table.slug) == {match}
    assert len(found(community="victoria")) == 1


def test_search_finds_needs_by_their_words(client, db):
    wanted = NeedFactory(title="Storage lockers", description="People lose ID in sweeps.")
    NeedFactory(title="Transit tickets", description="Bus fare for appointments.")
    assert set(client.get(reverse("need_list"), {"q": "lockers"}).context["needs"]) == {wanted}
    assert set(client.get(reverse("need_list"), {"q": "sweeps"}).context["needs"]) == {wanted}


def test_unknown_filter_values_say_so_and_break_nothing(client, db):
    NeedFactory()
    response = client.get(reverse("need_list"), {"community": "atlantis", "urgency": "extreme"})
    assert response.status_code == 200
    assert "Some filters could not be used" in response.content.decode()


def test_filters_live_in_the_query_string_across_pages(client, db):
    community = CommunityFactory(slug="okanagan", name="Okanagan")
    for _ in range(25):
        NeedFactory(community=community)
    response = client.get(reverse("need_list"), {"community": "okanagan"})
    assert "community=okanagan&amp;page=2" in response.content.decode()
    second = client.get(reverse("need_list"), {"community": "okanagan", "page": 2})
    assert len(second.context["needs"]) == 5


def test_list_query_count_does_not_grow_with_the_data(client, django_assert_max_num_queries, db):
    for _ in range(3):
        need = NeedFactory()
        need.tags.add("safety")
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("need_list"))
    for _ in range(15):
        need = NeedFactory()
        need.tags.add("housing", "safety")
        Corroboration.objects.create(need=need, organization=OrganizationFactory())
    with django_assert_max_num_queries(12) as large:
        client.get(reverse("need_list"))
    assert len(large.captured_queries) == len(small.captured_queries)


# Who sees members-only needs


def test_members_only_need_is_invisible_to_visitors_everywhere(client, secret_need, private_table):
    assert client.get(secret_need.get_absolute_url()).status_code == 404
    assert client.get(reverse("need_list")).context["page_obj"].paginator.count == 0
    for url, params in [
        (reverse("need_list"), {}),
        (reverse("need_list"), {"q": "secret"}),
        ("/", {}),
        (reverse("search"), {"q": "secret"}),
    ]:
        response = client.get(url, params)
        assert SECRET not in response.content.decode(), url


def test_members_only_need_is_invisible_to_members_of_other_tables(
    client, secret_need, outsider, public_table, facilitator
):
    for person in (outsider, facilitator):
        client.force_login(person)
        assert client.get(secret_need.get_absolute_url()).status_code == 404
        assert SECRET not in client.get(reverse("need_list")).content.decode()
        body = client.get(public_table.url).content.decode()
        assert SECRET not in body
        assert 'Open needs <span class="count">(0)</span>' in body


def test_members_only_need_is_seen_by_its_table(client, secret_need, private_member, private_table):
    client.force_login(private_member)
    assert client.get(secret_need.get_absolute_url()).status_code == 200
    assert SECRET in client.get(reverse("need_list")).content.decode()
    body = client.get(private_table.url).content.decode()
    assert SECRET in body
    assert 'Open needs <span class="count">(1)</span>' in body


def test_public_need_under_a_members_only_table_stays_hidden(client, private_table):
    need = NeedFactory(title="Quiet need", round_table=private_table)
    assert client.get(need.get_absolute_url()).status_code == 404


def test_home_page_counts_only_visible_needs(client, secret_need):
    NeedFactory(title="Public need")
    response = client.get("/")
    assert response.context["open_needs_count"] == 1
    assert SECRET not in response.content.decode()


def test_needs_raised_at_a_convening_show_on_its_page_and_table(client, upcoming, public_table):
    need = NeedFactory(
        title="Raised at spring convening", round_table=public_table, convening=upcoming
    )
    assert need.title in client.get(upcoming.url).content.decode()
    assert need.title in client.get(public_table.url).content.decode()


# The CSV of needs


def csv_rows(response) -> list[dict]:
    """The rows as a spreadsheet reads them: Python's csv module, UTF-8 with its BOM."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="needs.csv"'
    text = io.TextIOWrapper(io.BytesIO(response.content), encoding="utf-8-sig", newline="")
    return list(csv.DictReader(text))


def test_needs_csv_starts_with_a_byte_order_mark_so_excel_reads_utf8(client, db):
    NeedFactory(community=CommunityFactory(name="Skwxwú7mesh", slug="skwxwu7mesh"))
    response = client.get(reverse("need_csv"))
    assert response.content.startswith(codecs.BOM_UTF8 + b"url,id,title,")
    assert response.content.count(codecs.BOM_UTF8) == 1
    (row,) = csv_rows(response)
    assert row["community"] == "Skwxwú7mesh"


def test_needs_csv_has_exactly_the_needs_the_board_shows_for_each_filter(client, public_table):
    prince_george = CommunityFactory(name="Prince George", slug="prince-george")
    victoria = CommunityFactory(name="Victoria", slug="victoria")
    match = NeedFactory(
        community=prince_george,
        urgency="urgent",
        round_table=public_table,
        title="Storage lockers",
        description="People lose ID in sweeps.",
    )
    match.tags.add("safety", "id")
    NeedFactory(community=prince_george, urgency="urgent").tags.add("housing")
    NeedFactory(community=victoria, urgency="urgent")
    NeedFactory(community=prince_george, urgency="routine", status="met")
    for params in (
        {},
        {"community": "prince-george", "tag": "safety"},
        {"urgency": "urgent", "status": "open"},
        {"round_table": public_table.slug},
        {"q": "sweeps"},
        {"community": "victoria", "sort": "urgency"},
    ):
        shown = [need.pk for need in client.get(reverse("need_list"), params).context["needs"]]
        assert [int(row["id"]) for row in csv_rows(client.get(reverse("need_csv"), params))] == (
            shown
        ), params
    (row,) = csv_rows(client.get(reverse("need_csv"), {"q": "lockers"}))
    assert row["url"] == f"http://testserver/needs/{match.pk}/"
    assert (row["title"], row["community"], row["round_table"]) == (
        "Storage lockers",
        "Prince George",
        "Prince George Table",
    )
    assert (row["urgency"], row["status"], row["tags"]) == ("Urgent", "Open", "id, safety")


def test_needs_csv_holds_members_only_needs_for_their_table_alone(
    client, secret_need, private_member, outsider
):
    NeedFactory(title="Public need")
    assert [row["title"] for row in csv_rows(client.get(reverse("need_csv")))] == ["Public need"]
    client.force_login(outsider)
    assert SECRET.encode() not in client.get(reverse("need_csv")).content
    client.force_login(private_member)
    rows = {row["title"]: row for row in csv_rows(client.get(reverse("need_csv")))}
    assert set(rows) == {"Public need", SECRET}
    assert rows[SECRET]["visibility"] == "Round-table members only"
    assert rows[SECRET]["round_table"] == "Hidden Peer Table"


def test_needs_csv_credits_each_need_as_its_page_does(client, member):
    organization = member.memberships.get().organization
    need = NeedFactory(posted_by=member, organization=organization, title="Overnight space")

    def credited() -> tuple[str, bytes]:
        response = client.get(reverse("need_csv"))
        (row,) = csv_rows(response)
        return row["credited_to"], response.content

    credit, raw = credited()
    assert credit == organization.name
    assert member.display_name.encode() not in raw

    # The only frontline provider serving the community: saying so would name it.
    need.attribution = Need.Attribution.FRONTLINE
    need.save()
    credit, raw = credited()
    assert credit == f"An organization serving {need.community}"
    assert organization.name.encode() not in raw

    OrganizationFactory(kind=organization.kind).communities.add(need.community)
    credit, raw = credited()
    assert credit == "A frontline provider"
    assert organization.name.encode() not in raw
    assert member.display_name.encode() not in raw

    need.attribution = Need.Attribution.PERSON
    need.save()
    assert credited()[0] == f"{member.display_name}, {organization.name}"


def test_needs_csv_cells_cannot_become_formulas(client, db):
    NeedFactory(title="=HYPERLINK(1)", who_is_affected="@SUM(A1)")
    (row,) = csv_rows(client.get(reverse("need_csv")))
    assert (row["title"], row["who_is_affected"]) == ("'=HYPERLINK(1)", "'@SUM(A1)")


def test_needs_csv_with_unknown_filter_values_is_a_400(client, db):
    NeedFactory()
    response = client.get(reverse("need_csv"), {"urgency": "zzz"})
    assert response.status_code == 400
    assert response.content == b"Unknown filter values: urgency"


def test_needs_board_links_its_csv_with_the_filters_in_force(client, db):
    CommunityFactory(slug="okanagan", name="Okanagan")
    body = client.get(reverse("need_list"), {"community": "okanagan", "page": "1"}).content
    assert b'href="/needs/export.csv?community=okanagan">Download CSV</a>' in body
    assert b'href="/needs/export.csv">Download CSV</a>' in client.get(reverse("need_list")).content
