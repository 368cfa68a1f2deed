"""Sign-up asks only for a display name; email is verified before sign-in."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail

from commontable.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "display_name": "River",
    "email": "river@example.org",
    "password1": "a-long-safe-passphrase",
    "password2": "a-long-safe-passphrase",
}


def test_signup_verify_then_sign_in(client):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email="river@example.org")
    assert user.display_name == "River"
    assert not EmailAddress.objects.get(user=user).verified

    # Unverified: signing in only leads back to "verify your email".
    client.logout()
    response = client.post(
        "/accounts/login/", {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert "confirm-email" in response.get("Location", "") or response.status_code == 200
    assert "_auth_user_id" not in client.session

    (message, *_) = [m for m in mail.outbox if "river@example.org" in m.to]
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", message.body).group(0)
    path = re.sub(r"^https?://[^/]+", "", link)
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    response = client.post(
        "/accounts/login/", {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk
    assert "River" in client.get("/").content.decode()


def test_signup_form_asks_for_no_legal_name(client):
    body = client.get("/accounts/signup/").content.decode()
    assert 'name="display_name"' in body
    for field in ("first_name", "last_name", "phone", "address"):
        assert f'name="{field}"' not in body


def test_signup_with_bad_input_changes_nothing(client):
    response = client.post(
        "/accounts/signup/", {**SIGNUP, "password2": "different", "display_name": ""}
    )
    assert response.status_code == 200
    assert not User.objects.exists()
    assert "This field is required." in response.content.decode()


def test_any_user_can_turn_on_totp(client):
    user = User.objects.create_user("totp@example.org", "a-long-safe-passphrase", display_name="T")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.post("/accounts/login/", {"login": user.email, "password": "a-long-safe-passphrase"})
    # Turning on MFA asks for the password again first.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post(response["Location"], {"password": "a-long-safe-passphrase"})
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    response = client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    # From now on, the password alone is not enough.
    client.logout()
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": "a-long-safe-passphrase"}
    )
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link(client):
    user = User.objects.create_user("reset@example.org", "a-long-safe-passphrase", display_name="R")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post("/accounts/password/reset/", {"email": "reset@example.org"})
    assert response.status_code == 302
    assert any(
        "reset@example.org" in m.to and "/accounts/password/reset/key/" in m.body
        for m in mail.outbox
    )


def test_admin_user_form_has_a_display_name_and_no_legal_name(client):
    admin = UserFactory(administrator=True)
    client.force_login(admin)
    body = client.get("/admin/users/new/").content.decode()
    assert 'name="display_name"' in body
    assert 'name="first_name"' not in body and 'name="last_name"' not in body
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
    assert User.objects.get(email="new@example.org").display_name == "Newcomer"


# The Wagtail admin's account page ------------------------------------------------------


def test_admin_account_page_asks_for_a_display_name_and_no_legal_name(client):
    administrator = UserFactory(administrator=True, display_name="Wren")
    client.force_login(administrator)
    body = client.get("/admin/account/").content.decode()
    assert 'name="name_email-display_name"' in body
    for field in ("first_name", "last_name", "name_email-email", "password-old_password"):
        assert f'name="{field}"' not in body and f'name="name_email-{field}"' not in body


def test_admin_account_page_saves_the_display_name(client):
    administrator = UserFactory(administrator=True, display_name="Wren")
    client.force_login(administrator)
    page = client.get("/admin/account/").content.decode()
    assert "Wren" in page
    response = client.post(
        "/admin/account/",
        {
            "name_email-display_name": "Wren (facilitation lead)",
            "locale-preferred_language": "en",
            "locale-current_time_zone": "",
            "theme-theme": "system",
            "theme-density": "default",
            "theme-contrast": "system",
            "theme-keyboard_shortcuts": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    administrator.refresh_from_db()
    assert administrator.display_name == "Wren (facilitation lead)"


def test_admin_account_page_needs_admin_access(client, member):
    assert client.get("/admin/account/").status_code == 302
    client.force_login(member)
    response = client.get("/admin/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
