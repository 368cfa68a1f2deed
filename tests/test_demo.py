"""The demo command seeds once and twice gives the same content."""

import pytest
from django.core.management import call_command

from commontable.devtools.demo import DEMO_ACCOUNTS
from commontable.models import User
from convenings.models import (
    Community,
    ConveningPage,
    Membership,
    Need,
    Organization,
    Registration,
    RoundTablePage,
    RoundTableRole,
)
from tests.factories import totp_code

pytestmark = pytest.mark.django_db

MODELS = [
    User,
    Community,
    Organization,
    Membership,
    RoundTablePage,
    ConveningPage,
    RoundTableRole,
    Registration,
]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_demo_is_idempotent_and_prints_the_accounts(capsys):
    call_command("demo", "--no-serve")
    first = counts()
    out = capsys.readouterr().out
    for account in DEMO_ACCOUNTS:
        assert account.email in out
        assert account.password in out

    call_command("demo", "--no-serve")
    assert counts() == first
    assert "nothing was added" in capsys.readouterr().out


def test_demo_content_meets_the_brief():
    call_command("demo", "--no-serve")
    assert Community.objects.count() >= 6
    assert Organization.objects.count() >= 12
    assert Organization.objects.filter(peer_led=True).count() >= 3
    tables = RoundTablePage.objects.live()
    assert tables.count() >= 3
    for table in tables:
        convenings = ConveningPage.objects.filter(round_table=table)
        assert convenings.count() >= 3
        assert all(c.minutes for c in convenings.past())
        assert all(c.agenda for c in convenings.upcoming())
        assert convenings.past().exists() and convenings.upcoming().exists()
    assert tables.filter(members_only=True).exists()


def test_every_anonymous_credit_in_the_demo_hides_its_organization():
    call_command("demo", "--no-serve")
    anonymous = Need.objects.exclude(
        attribution__in=[Need.Attribution.ORGANIZATION, Need.Attribution.PERSON]
    )
    assert anonymous.exists()
    for need in anonymous:
        assert need.attribution_refusal(need.attribution) is None, need.title


def test_demo_accounts_can_sign_in(client):
    call_command("demo", "--no-serve")
    for account in DEMO_ACCOUNTS:
        response = client.post(
            "/accounts/login/", {"login": account.email, "password": account.password}
        )
        assert response.status_code == 302, account.email
        if account.authenticator_key:
            assert response["Location"] == "/accounts/2fa/authenticate/", account.email
            response = client.post(
                response["Location"], {"code": totp_code(account.authenticator_key)}
            )
            assert response.status_code == 302, account.email
        assert int(client.session["_auth_user_id"]) == User.objects.get(email=account.email).pk
        client.logout()


def test_demo_prints_the_key_of_everyone_who_must_use_an_authenticator(capsys):
    call_command("demo", "--no-serve")
    out = capsys.readouterr().out
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(email=account.email)
        assert user.has_mfa() is bool(account.authenticator_key), account.email
        if user.requires_mfa():
            assert account.authenticator_key in out, account.email


def test_demo_pages_render(client):
    call_command("demo", "--no-serve")
    client.force_login(User.objects.get(email="admin@commontable.example"))
    urls = ["/", "/round-tables/", "/admin/"]
    for table in RoundTablePage.objects.all():
        urls += [table.url, f"{table.url}calendar.ics"]
        urls += [c.url for c in ConveningPage.objects.filter(round_table=table)]
    for url in urls:
        assert client.get(url).status_code == 200, url
