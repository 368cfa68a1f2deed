"""Sign-up asks only for a display name; email is verified before sign-in."""

import re
import socket

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib.auth.hashers import PBKDF2PasswordHasher
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


# Nothing is sent to an address with no account, checked at a real SMTP server --------------

RESET_SENT = "If an account uses this address, we have sent it a link"


class Received:
    """aiosmtpd's handler: keep the raw bytes of every message the server accepts."""

    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free local port, and the site's mail sent to it."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a port nobody else is using
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    received = Received()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": "127.0.0.1",
                "port": port,
                "use_tls": False,
                "timeout": 5,
            },
        }
    }
    yield received
    controller.stop()


def verified_user(email: str) -> User:
    user = User.objects.create_user(email, "a-long-safe-passphrase", display_name="R")
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def test_a_password_reset_for_an_unknown_address_sends_nothing(client, smtp_server):
    response = client.post(
        "/accounts/password/reset/", {"email": "nobody@example.org"}, follow=True
    )
    assert response.status_code == 200
    assert RESET_SENT in response.content.decode()
    assert smtp_server.messages == []


def test_a_password_reset_for_an_account_reaches_its_address(client, smtp_server):
    verified_user("reset@example.org")
    response = client.post("/accounts/password/reset/", {"email": "reset@example.org"}, follow=True)
    assert RESET_SENT in response.content.decode()
    ((recipients, raw),) = smtp_server.messages
    assert recipients == ["reset@example.org"]
    assert b"/accounts/password/reset/key/" in raw


def test_the_reset_page_reads_the_same_with_or_without_an_account(client, smtp_server):
    verified_user("reset@example.org")
    pages = []
    for email in ("reset@example.org", "nobody@example.org"):
        visitor = type(client)()
        response = visitor.post("/accounts/password/reset/", {"email": email}, follow=True)
        assert RESET_SENT in response.content.decode(), email
        pages.append((response.status_code, response.redirect_chain, response.content))
    assert pages[0][:2] == pages[1][:2]
    strip = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"|nonce="[^"]*"|nonce-[^\']*')
    assert strip.sub(b"", pages[0][2]) == strip.sub(b"", pages[1][2])


# Signing up takes the same work whether or not the address has an account ------------------


class CountingPasswordHasher(PBKDF2PasswordHasher):
    """Django's default hasher, counting the passwords it hashes."""

    hashed = 0

    def encode(self, password, salt, iterations=None):
        type(self).hashed += 1
        return super().encode(password, salt, iterations)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingPasswordHasher"]
    CountingPasswordHasher.hashed = 0
    return CountingPasswordHasher


def sign_up(client, hasher, email: str) -> tuple[int, int, str]:
    """Sign up afresh; how many passwords were hashed, how many emails sent, and where it led."""
    before_hashed, before_sent = hasher.hashed, len(mail.outbox)
    response = type(client)().post("/accounts/signup/", {**SIGNUP, "email": email})
    return hasher.hashed - before_hashed, len(mail.outbox) - before_sent, response["Location"]


def test_signing_up_with_a_taken_address_does_the_same_work_as_with_a_new_one(
    client, counting_hasher
):
    verified_user("taken@example.org")
    new = sign_up(client, counting_hasher, "new@example.org")
    taken = sign_up(client, counting_hasher, "taken@example.org")
    assert new == taken == (1, 1, "/accounts/confirm-email/")
    (already, confirm) = mail.outbox[-1], mail.outbox[-2]
    assert already.to == ["taken@example.org"] and confirm.to == ["new@example.org"]


def test_a_taken_address_tried_again_still_costs_a_password_hash(client, counting_hasher):
    """The owner's email is held back by its own limit; the work is not."""
    verified_user("taken@example.org")
    first = sign_up(client, counting_hasher, "taken@example.org")
    again = sign_up(client, counting_hasher, "taken@example.org")
    assert first == (1, 1, "/accounts/confirm-email/")
    assert again == (1, 0, "/accounts/confirm-email/")
