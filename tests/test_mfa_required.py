"""Facilitators and administrators change nothing until they have set up TOTP."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from commontable.models import User
from convenings.models import Need, RoundTableRole
from recommendations.models import RecommendationPage, StageChange
from tests.factories import (
    NeedFactory,
    RecommendationPageFactory,
    RoundTableRoleFactory,
    TOTPAuthenticatorFactory,
    UserFactory,
    totp_code,
)
from tests.test_needs import need_data

pytestmark = pytest.mark.django_db

SET_UP_TOTP = "/accounts/2fa/totp/activate/"
PASSWORD = "a-long-test-passphrase"


@pytest.fixture
def facilitator_without_totp(public_table):
    user = UserFactory()
    RoundTableRoleFactory(round_table=public_table, user=user, role=RoundTableRole.Role.FACILITATOR)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def administrator_without_totp():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def recommendation(public_table):
    return RecommendationPageFactory(parent=public_table, title="Overnight drop-in")


def propose(client, recommendation, **extra):
    return client.post(
        recommendation.url + "stage/", {"action": "propose", "seen_stage": "draft"}, **extra
    )


def test_a_facilitator_without_totp_can_still_read(
    client, facilitator_without_totp, public_table, recommendation
):
    need = NeedFactory(round_table=public_table)
    client.force_login(facilitator_without_totp)
    for url in [
        "/",
        public_table.url,
        recommendation.url,
        reverse("need_list"),
        need.get_absolute_url(),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "two-factor authentication" not in response.content.decode(), url


def test_a_facilitator_without_totp_cannot_change_a_stage_and_is_told_why(
    client, facilitator_without_totp, recommendation
):
    client.force_login(facilitator_without_totp)
    response = propose(client, recommendation)
    assert response.status_code == 302
    assert response["Location"] == SET_UP_TOTP
    assert not StageChange.objects.exists()
    assert RecommendationPage.objects.get(pk=recommendation.pk).stage == "draft"
    # The set-up page first asks for the password again; the reason is shown there.
    body = client.get(SET_UP_TOTP, follow=True).content.decode()
    assert "Facilitators and administrators need two-factor authentication" in body


def test_a_facilitator_without_totp_cannot_edit_a_need(
    client, facilitator_without_totp, public_table
):
    need = NeedFactory(round_table=public_table, title="Transit tickets")
    client.force_login(facilitator_without_totp)
    data = need_data(need.organization, need.community, title="Changed", status="met")
    response = client.post(reverse("need_edit", args=[need.pk]), data)
    assert response["Location"] == SET_UP_TOTP
    assert Need.objects.get(pk=need.pk).title == "Transit tickets"


def test_a_facilitator_without_totp_cannot_open_the_admin(
    client, facilitator_without_totp, recommendation
):
    client.force_login(facilitator_without_totp)
    for url in ["/admin/", f"/admin/pages/{recommendation.pk}/edit/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == SET_UP_TOTP, url
    response = client.post(
        f"/admin/pages/{recommendation.pk}/edit/", {"title": "Renamed", "slug": "renamed"}
    )
    assert response["Location"] == SET_UP_TOTP
    assert RecommendationPage.objects.get(pk=recommendation.pk).title == "Overnight drop-in"


def test_a_client_that_does_not_want_html_gets_a_403_with_the_reason(
    client, facilitator_without_totp, recommendation
):
    client.force_login(facilitator_without_totp)
    response = propose(client, recommendation, headers={"accept": "application/json"})
    assert response.status_code == 403
    assert "two-factor authentication" in response.json()["detail"]
    assert response.json()["setup_url"] == SET_UP_TOTP
    assert not StageChange.objects.exists()


def test_a_facilitator_with_totp_can_act_and_open_the_admin(client, facilitator, recommendation):
    client.force_login(facilitator)
    response = propose(client, recommendation)
    assert response["Location"].endswith("#timeline")
    assert RecommendationPage.objects.get(pk=recommendation.pk).stage == "proposed"
    assert client.get("/admin/").status_code == 200


def test_a_member_without_totp_is_not_asked_for_it(client, member):
    organization = member.memberships.get().organization
    community = NeedFactory().community
    client.force_login(member)
    response = client.post(reverse("need_create"), need_data(organization, community))
    need = Need.objects.get(title="Overnight safe space")
    assert response["Location"] == need.get_absolute_url()


def test_an_administrator_without_totp_is_refused_the_admin_and_changes(
    client, administrator_without_totp
):
    client.force_login(administrator_without_totp)
    assert client.get("/admin/")["Location"] == SET_UP_TOTP
    response = client.post(
        "/admin/users/new/",
        {
            "email": "new@example.org",
            "display_name": "Newcomer",
            "password1": "a-long-safe-passphrase",
            "password2": "a-long-safe-passphrase",
        },
    )
    assert response["Location"] == SET_UP_TOTP
    assert not User.objects.filter(email="new@example.org").exists()
    assert client.get("/").status_code == 200


def test_an_administrator_with_totp_uses_the_admin(client):
    client.force_login(UserFactory(administrator=True))
    response = client.post(
        "/admin/users/new/",
        {
            "email": "new@example.org",
            "display_name": "Newcomer",
            "password1": "a-long-safe-passphrase",
            "password2": "a-long-safe-passphrase",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(email="new@example.org").exists()


def admin_group_member():
    group = Group.objects.create(name="Community editors")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    user = UserFactory()
    user.groups.add(group)
    return user


def table_member(public_table):
    user = UserFactory()
    RoundTableRoleFactory(round_table=public_table, user=user, role=RoundTableRole.Role.MEMBER)
    return user


@pytest.mark.parametrize(
    ("person", "required"),
    [
        (lambda table: UserFactory(), False),
        (table_member, False),
        (lambda table: UserFactory(is_staff=True), True),
        (lambda table: UserFactory(is_superuser=True), True),
        (lambda table: admin_group_member(), True),
    ],
    ids=["member", "table member", "staff", "superuser", "admin access by group"],
)
def test_who_must_have_totp(public_table, person, required):
    assert person(public_table).requires_mfa() is required


def test_a_facilitator_of_any_table_must_have_totp(facilitator_without_totp, facilitator):
    assert facilitator_without_totp.requires_mfa()
    assert not facilitator_without_totp.has_mfa()
    assert facilitator.has_mfa()


def test_a_facilitator_signs_in_sets_up_totp_and_can_then_act(
    client, facilitator_without_totp, recommendation
):
    user = facilitator_without_totp
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert propose(client, recommendation)["Location"] == SET_UP_TOTP

    # Setting up TOTP (and the password check before it) is never refused.
    response = client.get(SET_UP_TOTP)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(response["Location"], {"password": PASSWORD})
    assert client.get(SET_UP_TOTP).status_code == 200
    code = totp_code(client.session[SECRET_SESSION_KEY])
    assert client.post(SET_UP_TOTP, {"code": code}).status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    propose(client, recommendation)
    assert RecommendationPage.objects.get(pk=recommendation.pk).stage == "proposed"


def test_a_facilitator_without_totp_can_sign_out(client, facilitator_without_totp):
    client.force_login(facilitator_without_totp)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_account_area_stays_open(client, facilitator_without_totp):
    client.force_login(facilitator_without_totp)
    for name in ["mfa_index", "account_email", "account_change_password", "account_data"]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name


def test_wagtails_own_sign_in_form_cannot_skip_the_code(client):
    user = UserFactory(administrator=True, email="root@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=/admin/"
    assert "_auth_user_id" not in client.session

    # allauth's form asks for the code before signing in.
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def test_wagtails_password_reset_is_off(client):
    assert client.get("/admin/password_reset/").status_code == 404


# Keeping it on ------------------------------------------------------------------------

DEACTIVATE_TOTP = "/accounts/2fa/totp/deactivate/"


def signed_in_with_code(client, user):
    """Sign in through the real forms: password, then the authenticator app's code."""
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    secret = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()
    # Turning MFA off asks for the password again, as allauth does for account changes.
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return client


def test_a_facilitator_cannot_turn_totp_off_and_is_told_why(client, facilitator):
    signed_in_with_code(client, facilitator)
    response = client.post(DEACTIVATE_TOTP)
    assert response.status_code == 200
    assert "must keep two-factor authentication on" in response.content.decode()
    assert Authenticator.objects.filter(user=facilitator, type="totp").exists()


def test_an_administrator_cannot_turn_totp_off(client):
    administrator = UserFactory(administrator=True)
    signed_in_with_code(client, administrator)
    client.post(DEACTIVATE_TOTP)
    assert Authenticator.objects.filter(user=administrator, type="totp").exists()


def test_a_member_may_turn_totp_off(client, member):
    TOTPAuthenticatorFactory(user=member)
    signed_in_with_code(client, member)
    response = client.post(DEACTIVATE_TOTP)
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=member, type="totp").exists()
