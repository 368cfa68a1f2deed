"""Your data: download it all as JSON; delete your account, keeping contributions nameless."""

import json
from datetime import date
from decimal import Decimal

import pytest
import wagtail_factories
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.mfa.utils import decrypt
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from wagtail.models import Comment, CommentReply, ModelLogEntry, Page, PageLogEntry, Revision
from wagtail.users.models import UserProfile

from commontable.core.personal_data_registry import registry
from commontable.models import User
from convenings.models import (
    Corroboration,
    Membership,
    Need,
    Organization,
    Registration,
    RoundTableRole,
)
from recommendations.models import Endorsement, Follow, FundingCommitment, Notification, StageChange
from recommendations.notifications import send_digest
from tests.factories import (
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    RecommendationPageFactory,
    RoundTableRoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"
EMAIL = "zorblax@example.org"
SECOND_EMAIL = "zorblax.second@example.org"
NAME = "Quillfeather Moonbeam"
# What must be found nowhere once the account is gone: the email and the name.
NEEDLES = ("zorblax", "quillfeather")
OTHER_NAME = "Brightwater Oakhollow"


def rows_mentioning(*needles: str) -> list[str]:
    """Every table and column, of every table in the database, whose text holds a needle.

    Scans the raw tables, not only the models, so search indexes, sessions and
    queues count too.
    """
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                for needle in needles:
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {quote(table)} "
                        f"WHERE LOWER(CAST({quote(column.name)} AS TEXT)) LIKE %s",
                        [f"%{needle.lower()}%"],
                    )
                    if cursor.fetchone()[0]:
                        found.append(f"{table}.{column.name} ({needle})")
    return found


def relations_to_users():
    return [
        relation
        for relation in User._meta.get_fields(include_hidden=True)
        if relation.auto_created and not relation.concrete
    ]


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


@pytest.fixture
def peer_organization(db):
    return OrganizationFactory(name="Peer Outreach", kind=Organization.Kind.PEER_LED, peer_led=True)


@pytest.fixture
def other_person(db, organization):
    """Someone else at the same organization, whose data must stay untouched and unseen."""
    other = UserFactory(email="other@example.org", display_name=OTHER_NAME)
    EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)
    MembershipFactory(user=other, organization=organization, can_represent=True)
    return other


@pytest.fixture
def person(
    db, organization, peer_organization, public_table, upcoming, other_person, settings, tmp_path
):
    """A facilitator with one of every kind of personal data the site keeps."""
    settings.MEDIA_ROOT = tmp_path
    user = UserFactory(email=EMAIL, display_name=NAME)
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    EmailAddress.objects.create(user=user, email=SECOND_EMAIL, verified=False, primary=False)
    MembershipFactory(user=user, organization=organization)
    MembershipFactory(user=user, organization=peer_organization, can_represent=True)
    RoundTableRoleFactory(round_table=public_table, user=user, role=RoundTableRole.Role.FACILITATOR)
    upcoming.register(user=user)

    NeedFactory(
        title="Night-time drop-in",
        organization=organization,
        community=public_table.community,
        posted_by=user,
        attribution=Need.Attribution.PERSON,
    )
    others_need = NeedFactory(
        title="Harm reduction supplies", organization=organization, posted_by=other_person
    )
    others_need.corroborate(by=user, organization=peer_organization)

    recommendation = RecommendationPageFactory(parent=public_table, title="Peer navigators")
    Follow.objects.create(
        user=user,
        kind=Follow.Kind.RECOMMENDATION,
        recommendation=recommendation,
        frequency=Follow.Frequency.WEEKLY,
    )
    Follow.objects.create(
        user=other_person,
        kind=Follow.Kind.RECOMMENDATION,
        recommendation=recommendation,
        frequency=Follow.Frequency.WEEKLY,
    )
    recommendation.endorse(by=user, organization=peer_organization, statement="Peers lead this.")
    recommendation.propose(by=user, note="Ready for the table.")
    FundingCommitment.objects.create(
        recommendation=recommendation,
        funder="City of Prince George",
        amount=Decimal("5000"),
        committed_on=date(2025, 1, 15),
        recorded_by=user,
    )
    digest = send_digest.enqueue(user.pk)
    # A failed email leaves the address in the queue's error text.
    DBTaskResult.objects.filter(pk=digest.id).update(
        traceback=f"SMTPRecipientsRefused: {{'{EMAIL}': (550, 'no such user')}}"
    )

    TOTP.activate(user, generate_totp_secret())
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()

    # Wagtail authoring: owner, lock, a revision, a published change, comments.
    Page.objects.filter(pk=recommendation.pk).update(
        owner=user, locked=True, locked_by=user, locked_at=timezone.now()
    )
    recommendation.refresh_from_db()
    comment = Comment.objects.create(
        page=recommendation, user=user, text=f"{NAME} thinks this is ready.", contentpath="title"
    )
    others_comment = Comment.objects.create(
        page=recommendation, user=other_person, text="Agreed.", contentpath="summary"
    )
    reply = CommentReply.objects.create(comment=others_comment, user=user, text=f"Thanks — {NAME}")
    revision = recommendation.save_revision(user=user)
    revision.publish(user=user)
    comment.log_create(page_revision=revision, user=user)
    reply.log_create(page_revision=revision, user=user)
    wagtail_factories.ImageFactory(title="Convening flyer", uploaded_by_user=user)

    # The admin's history about the person and their records.
    administrator = UserFactory(email="admin@example.org", display_name="Site admin")
    User.objects.filter(pk=administrator.pk).update(is_superuser=True, is_staff=True)
    for record in [user, Membership.objects.filter(user=user).first()]:
        ModelLogEntry.objects.create(
            content_type=ContentType.objects.get_for_model(record),
            object_id=str(record.pk),
            label=str(record),
            action="wagtail.edit",
            timestamp=timezone.now(),
            user=administrator,
        )
    LogEntry.objects.create(
        user=administrator,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
        object_repr=str(user),
        action_flag=CHANGE,
    )
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def download(client) -> dict:
    response = client.post("/accounts/data/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    return json.loads(response.content)


def delete(client, **overrides):
    data = {"password": PASSWORD, "confirmation": "delete my account", **overrides}
    return client.post("/accounts/delete/", data)


# The registry answers for every relation to the user ----------------------------------


def test_every_relation_to_the_user_model_is_exported_and_erased():
    relations = {f"{r.related_model._meta.label}.{r.field.name}" for r in relations_to_users()}
    missing = relations - registry.covered()
    assert not missing, f"Add these to a PersonalData kind (export and erase): {missing}"
    assert not registry.covered() - relations, "A kind covers a relation that no longer exists."


# Export -----------------------------------------------------------------------------


def test_export_holds_each_kind_of_data(person, public_table, upcoming):
    data = download(signed_in(person))
    assert data["account"]["email"] == EMAIL
    assert data["account"]["display_name"] == NAME
    assert data["account"]["joined"]
    assert {a["email"] for a in data["email_addresses"]} == {EMAIL, SECOND_EMAIL}
    assert {m["organization"] for m in data["memberships"]} == {
        "Peer Outreach",
        person.memberships.first().organization.name,
    }
    assert any(m["can_represent"] for m in data["memberships"])
    assert data["round_table_roles"] == [
        {
            "round_table": public_table.title,
            "role": "Facilitator",
            "since": data["round_table_roles"][0]["since"],
        }
    ]
    assert data["registrations"][0]["convening"] == upcoming.title
    (need,) = data["needs_posted"]
    assert need["title"] == "Night-time drop-in"
    assert need["attribution"] == Need.Attribution.PERSON.label
    assert data["corroborations"][0]["need"] == "Harm reduction supplies"
    assert data["endorsements"][0]["statement"] == "Peers lead this."
    assert data["stage_changes"][0]["to"] == "Proposed"
    assert data["funding_commitments"][0]["amount"] == "5000.00"
    assert data["follows"][0]["following"] == "Peer navigators"
    assert data["notifications"][0]["subject"].startswith("Peer navigators")
    assert data["two_factor_authentication"]["enabled"] is True
    assert data["two_factor_authentication"]["methods"][0]["type"] == "TOTP Authenticator"
    assert data["admin_workspace"]["preferences"]["preferred_language"] == "en"
    assert data["comments"]["comments"][0]["text"].endswith("thinks this is ready.")
    assert data["comments"]["replies"][0]["text"].startswith("Thanks")
    assert data["page_authoring"]["pages_owned"][0]["page"] == "Peer navigators"
    assert data["page_authoring"]["images_uploaded"] == ["Convening flyer"]
    assert any(entry["action"] == "wagtail.publish" for entry in data["admin_history"])


def test_export_never_holds_secrets(person):
    body = signed_in(person).post("/accounts/data/").content.decode()
    secret = Authenticator.objects.get(user=person).data["secret"]
    assert secret not in body
    assert person.password not in body
    assert "secret" not in body.lower()


def test_export_holds_nothing_of_another_person(person, other_person):
    body = signed_in(person).post("/accounts/data/").content.decode()
    assert "other@example.org" not in body
    assert OTHER_NAME not in body
    assert "Agreed." not in body  # the comment they replied to is not theirs
    # And the other person's export holds nothing of this one.
    other_body = signed_in(other_person).post("/accounts/data/").content.decode()
    for needle in NEEDLES:
        assert needle not in other_body.lower()


def test_export_page_offers_the_button_and_the_way_out(person):
    body = signed_in(person).get("/accounts/data/").content.decode()
    assert "Download my data" in body
    assert 'href="/accounts/delete/"' in body


def test_export_is_for_signed_in_people_only(client, db):
    response = client.post("/accounts/data/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_export_is_rate_limited(person, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "export_data": (1, 3600)}
    client = signed_in(person)
    download(client)
    response = client.post("/accounts/data/")
    assert response["Content-Type"].startswith("text/html")
    assert "limit" in response.content.decode()


def test_account_pages_link_to_your_data_and_deletion(person):
    body = signed_in(person).get("/accounts/email/").content.decode()
    assert 'href="/accounts/data/"' in body
    assert 'href="/accounts/delete/"' in body


# Deletion: what goes ----------------------------------------------------------------


def test_deletion_leaves_no_email_or_name_anywhere_in_the_database(person):
    assert len(rows_mentioning(*NEEDLES)) >= 5, "the scan must see the person before"
    secret = decrypt(Authenticator.objects.get(user=person).data["secret"])
    response = delete(signed_in(person), code=totp_code(secret))
    assert response.status_code == 302, response.content.decode()
    assert rows_mentioning(*NEEDLES) == []


def test_deletion_leaves_no_row_pointing_at_the_person(person):
    pk = person.pk
    person.delete_account()
    for relation in relations_to_users():
        rows = relation.related_model._base_manager.filter(**{relation.field.attname: pk})
        assert not rows.exists(), f"{relation.related_model._meta.label}.{relation.field.name}"
    assert not Revision.objects.filter(content__owner=pk).exists()
    assert not Revision.objects.filter(content__locked_by=pk).exists()
    assert not DBTaskResult.objects.filter(task_path=send_digest.module_path).exists()
    assert not EmailAddress.objects.filter(email__in=[EMAIL, SECOND_EMAIL]).exists()
    assert not Authenticator.objects.exists()


def test_deletion_removes_the_persons_own_records(person, other_person):
    person.delete_account()
    assert not User.objects.filter(email=EMAIL).exists()
    assert not Membership.objects.exclude(user=other_person).exists()
    assert not RoundTableRole.objects.exists()
    assert not Registration.objects.exists()
    assert list(Follow.objects.values_list("user", flat=True)) == [other_person.pk]
    assert set(Notification.objects.values_list("user", flat=True)) == {other_person.pk}
    assert list(Comment.objects.values_list("user", flat=True)) == [other_person.pk]
    assert not CommentReply.objects.exists()


def test_deletion_signs_the_person_out_everywhere(person):
    other_device = signed_in(person)
    client = signed_in(person)
    Authenticator.objects.filter(user=person).delete()
    response = delete(client)
    assert response["Location"] == "/accounts/deleted/"
    assert SESSION_KEY not in client.session
    assert not [s for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY)]
    assert "Sign in" in other_device.get("/").content.decode()


def test_deleted_person_cannot_sign_in_and_the_email_can_join_again(person):
    client = signed_in(person)
    Authenticator.objects.filter(user=person).delete()
    delete(client)
    body = client.get("/accounts/deleted/").content.decode()
    assert "Your account is deleted" in body

    response = client.post("/accounts/login/", {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session

    response = client.post(
        "/accounts/signup/",
        {"display_name": "New me", "email": EMAIL, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    newcomer = User.objects.get(email=EMAIL)
    assert newcomer.display_name == "New me"
    assert not newcomer.memberships.exists()


# Deletion: what stays, without a name --------------------------------------------------


def test_deletion_keeps_contributions_without_the_person(person, other_person, public_table):
    recommendation = public_table.recommendations.get()
    history = PageLogEntry.objects.filter(page_id=recommendation.pk)
    entries = history.count()
    assert history.filter(user=person).exists()
    person.delete_account()

    need = Need.objects.get(title="Night-time drop-in")
    assert need.posted_by is None
    assert need.attribution == Need.Attribution.ORGANIZATION
    assert need.credited_to == need.organization.name
    assert Corroboration.objects.get().user is None
    endorsement = Endorsement.objects.get()
    assert endorsement.representative is None
    assert endorsement.organization.name == "Peer Outreach"
    assert StageChange.objects.get().by is None
    assert FundingCommitment.objects.get().recorded_by is None

    page = Page.objects.get(pk=recommendation.pk)
    assert page.owner is None
    assert not page.locked and page.locked_by is None
    revision = Revision.objects.filter(object_id=str(recommendation.pk)).latest("pk")
    assert revision.user is None
    assert revision.content["owner"] is None
    assert [c["user"] for c in revision.content["wagtail_admin_comments"]] == [other_person.pk]
    assert history.count() == entries
    assert not history.exclude(user=None).exists()
    assert wagtail_factories.ImageFactory._meta.model.objects.get().uploaded_by_user is None
    # The other person's own data is untouched.
    assert Need.objects.get(title="Harm reduction supplies").posted_by == other_person
    assert other_person.memberships.count() == 1


def test_the_only_facilitator_is_told_and_may_still_go(person, public_table):
    client = signed_in(person)
    body = client.get("/accounts/delete/").content.decode()
    assert f"You are the only facilitator of {public_table.title}" in body
    Authenticator.objects.filter(user=person).delete()
    assert delete(client).status_code == 302
    assert Page.objects.filter(pk=public_table.pk).exists()
    assert not public_table.roles.exists()


def test_deletion_page_says_what_goes_and_what_stays(person):
    body = signed_in(person).get("/accounts/delete/").content.decode()
    assert "What is removed" in body and "What stays, without your name" in body
    assert "Your memberships of organizations" in body
    assert "Needs you posted" in body
    assert "Download my data" in body
    assert 'name="code"' in body  # MFA is on: a code is asked for


# Deletion: refusals change nothing -----------------------------------------------------


def assert_untouched(person):
    assert User.objects.filter(pk=person.pk, email=EMAIL).exists()
    assert EmailAddress.objects.filter(user=person).count() == 2
    assert person.memberships.count() == 2
    assert Need.objects.get(title="Night-time drop-in").posted_by_id == person.pk


@pytest.fixture
def without_mfa(person):
    Authenticator.objects.filter(user=person).delete()
    return person


def test_wrong_password_deletes_nothing(without_mfa):
    client = signed_in(without_mfa)
    response = delete(client, password="not-my-password")
    assert response.status_code == 200
    assert "That is not your current password." in response.content.decode()
    assert_untouched(without_mfa)


def test_missing_or_wrong_confirmation_deletes_nothing(without_mfa):
    client = signed_in(without_mfa)
    for words in ["", "delete", "yes"]:
        response = delete(client, confirmation=words)
        assert response.status_code == 200
        assert "Nothing was saved" in response.content.decode()
    assert_untouched(without_mfa)


def test_mfa_code_is_required_when_mfa_is_on(person):
    client = signed_in(person)
    assert "This field is required." in delete(client).content.decode()
    assert "code" in delete(client, code="000000").context["form"].errors
    assert_untouched(person)


def test_get_deletes_nothing(without_mfa):
    client = signed_in(without_mfa)
    query = "password=a-long-test-passphrase&confirmation=delete+my+account"
    assert client.get(f"/accounts/delete/?{query}").status_code == 200
    assert_untouched(without_mfa)


def test_visitor_is_sent_to_sign_in(client, without_mfa):
    for response in [client.get("/accounts/delete/"), delete(client)]:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert_untouched(without_mfa)


def test_deletion_needs_the_csrf_token(without_mfa):
    client = Client(enforce_csrf_checks=True)
    client.force_login(without_mfa)
    assert delete(client).status_code == 403
    assert_untouched(without_mfa)


def test_deletion_attempts_are_rate_limited(without_mfa, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "delete_account": (2, 3600)}
    client = signed_in(without_mfa)
    delete(client, password="guess-one")
    delete(client, password="guess-two")
    response = delete(client)  # even the right password waits now
    assert "limit" in response.content.decode()
    assert_untouched(without_mfa)


def test_the_only_administrator_cannot_delete_their_account(db):
    administrator = User.objects.create_superuser(EMAIL, PASSWORD, display_name=NAME)
    client = signed_in(administrator)
    assert "only site administrator" in client.get("/accounts/delete/").content.decode()
    response = delete(client)
    assert "only site administrator" in response.content.decode()
    assert User.objects.filter(pk=administrator.pk).exists()


# Deletion by an administrator, in the Wagtail admin --------------------------------


@pytest.fixture
def administrator(db):
    return UserFactory(administrator=True)


def test_admin_deleting_a_person_removes_their_data_too(person, administrator):
    admin = signed_in(administrator)
    url = f"/admin/users/delete/{person.pk}/"
    assert admin.get(url).status_code == 200
    response = admin.post(url)
    assert response.status_code == 302
    assert not User.objects.filter(pk=person.pk).exists()
    assert rows_mentioning(*NEEDLES) == []
    assert Need.objects.filter(title="Night-time drop-in").exists(), "contributions stay"


def test_admin_bulk_deletion_removes_their_data_too(person, administrator):
    admin = signed_in(administrator)
    url = f"/admin/bulk/commontable/user/delete/?id={person.pk}"
    assert admin.get(url).status_code == 200
    response = admin.post(url)
    assert response.status_code == 302
    assert not User.objects.filter(pk=person.pk).exists()
    assert rows_mentioning(*NEEDLES) == []
