"""Rate limits trip with a clear message, change nothing, and hold across processes."""

import hashlib
import json
import os
import subprocess
import sys
import uuid

import pytest
import redis
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.urls import reverse

from commontable.checks import proxies_are_declared, rate_limits_need_a_shared_cache
from commontable.core.ratelimit import client_address
from commontable.models import User
from convenings.models import Corroboration, Need
from tests.factories import NeedFactory, UserFactory, totp_code
from tests.test_needs import need_data

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"
TOO_MANY = "Too many attempts"
SIGNUP = {
    "display_name": "River",
    "email": "river@example.org",
    "password1": "a-long-safe-passphrase",
    "password2": "a-long-safe-passphrase",
}


def allowed(action: str, per: str) -> int:
    """How many times ACCOUNT_RATE_LIMITS lets one ``per`` (ip, user, key) do ``action``."""
    amounts = [
        int(rate.split("/")[0])
        for rate in settings.ACCOUNT_RATE_LIMITS[action].split(",")
        if rate.split("/")[2] == per
    ]
    return min(amounts)


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_wrong_passwords_lock_the_account_from_that_address_for_a_while(client):
    user = verified(UserFactory())
    for _ in range(allowed("login_failed", "key")):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "no"})
        assert "Too many failed login attempts" not in response.content.decode()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_authenticator_codes_lock_the_sign_in(client):
    user = verified(UserFactory(with_totp=True))
    secret = user.authenticator_set.get().data["secret"]
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    for _ in range(allowed("login_failed", "key")):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_too_many_sign_ins_from_one_address_get_a_429(client):
    user = verified(UserFactory())
    for _ in range(allowed("login", "ip")):
        assert client.post(reverse("account_login"), {}).status_code == 200
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_behind_the_proxy_each_person_has_their_own_address_limit(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for _ in range(allowed("login", "ip")):
        client.post(reverse("account_login"), {}, headers={"x-forwarded-for": "203.0.113.7"})
    refused = client.post(reverse("account_login"), {}, headers={"x-forwarded-for": "203.0.113.7"})
    assert refused.status_code == 429
    other = client.post(reverse("account_login"), {}, headers={"x-forwarded-for": "203.0.113.8"})
    assert other.status_code == 200


def test_too_many_sign_ups_from_one_address_get_a_429(client):
    for _ in range(allowed("signup", "ip")):
        assert client.post(reverse("account_signup"), {}).status_code == 200
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert not User.objects.filter(email=SIGNUP["email"]).exists()
    assert mail.outbox == []


def test_nobody_can_flood_an_inbox_with_password_resets(client):
    user = verified(UserFactory())
    for _ in range(allowed("reset_password", "key")):
        response = client.post(reverse("account_reset_password"), {"email": user.email})
        assert response.status_code == 302
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert len(mail.outbox) == allowed("reset_password", "key")


def test_reset_links_are_limited_per_address(client):
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "guess"})
    form = {"password1": "a-new-long-passphrase", "password2": "a-new-long-passphrase"}
    for _ in range(allowed("reset_password_from_key", "ip")):
        assert client.post(url, form).status_code != 429
    response = client.post(url, form)
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()


def test_confirming_the_password_again_is_limited_per_person(client):
    user = verified(UserFactory())
    client.force_login(user)
    for _ in range(allowed("reauthenticate", "user")):
        assert client.post(reverse("account_reauthenticate"), {}).status_code == 200
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()


def test_verification_emails_are_not_resent_straight_away(client):
    client.post(reverse("account_signup"), SIGNUP)
    assert len(mail.outbox) == 1
    client.post(
        reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert len(mail.outbox) == 1


def test_posting_needs_is_limited_per_person(client, member):
    organization = member.memberships.get().organization
    community = NeedFactory().community
    limit = settings.RATE_LIMITS["post_need"][0]
    client.force_login(member)
    for number in range(limit):
        data = need_data(organization, community, title=f"Need number {number}")
        assert client.post(reverse("need_create"), data).status_code == 302
    data = need_data(organization, community, title="One too many")
    response = client.post(reverse("need_create"), data)
    assert f"You have reached the limit of {limit} in 60 minutes" in response.content.decode()
    assert not Need.objects.filter(title="One too many").exists()
    assert Need.objects.filter(posted_by=member).count() == limit


def test_corroborating_is_limited_per_person(client, member):
    organization = member.memberships.get().organization
    need = NeedFactory()
    limit = settings.RATE_LIMITS["corroborate"][0]
    client.force_login(member)
    corroborate = reverse("need_corroborate", args=[need.pk])
    for _ in range(limit):  # one counts; the repeats are refused but still count
        client.post(corroborate, {"organization": organization.pk})
    client.post(reverse("need_withdraw", args=[need.pk]), {"organization": organization.pk})
    response = client.post(corroborate, {"organization": organization.pk}, follow=True)
    assert f"You have reached the limit of {limit} in 60 minutes" in response.content.decode()
    assert not Corroboration.objects.filter(need=need).exists()


def test_deploy_check_warns_when_limits_would_count_per_process(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [m.id for m in rate_limits_need_a_shared_cache(None)] == ["commontable.W001"]
    # Only the settings are read: nothing connects to this address.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        }
    }
    assert rate_limits_need_a_shared_cache(None) == []


# Two processes sharing one Redis: what one uses up, the other cannot use.

SPEND_FROM_ANOTHER_PROCESS = """
import json, os
from allauth.core import ratelimit as account_limits
from django.conf import settings
from django.test import RequestFactory
from commontable.core import ratelimit
from commontable.core.errors import ActionRefused

key = os.environ["SHARED_LIMIT_KEY"]
try:
    ratelimit.consume("post_need", key=key)
    post_need = "allowed"
except ActionRefused as refusal:
    post_need = str(refusal)
request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=os.environ["SHARED_LIMIT_ADDRESS"])
failed_sign_ins = [
    account_limits.consume(request, action="login_failed", key=key)
    for _ in range(int(os.environ["SHARED_LIMIT_TRIES"]))
]
print(json.dumps({
    "cache": settings.CACHES["default"]["BACKEND"],
    "post_need": post_need,
    "failed_sign_ins": failed_sign_ins,
}))
"""


@pytest.fixture
def shared_redis(redis_url):
    """A real Redis, as the processes of a deployment share one (see the redis_url fixture)."""
    server = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
    yield server
    server.close()


def spend_in_another_process(redis_url: str, *, key: str, address: str, tries: int) -> dict:
    environment = {
        **os.environ,
        "REDIS_URL": redis_url,
        "RATE_LIMIT_POST_NEED": "1",
        "SHARED_LIMIT_KEY": key,
        "SHARED_LIMIT_ADDRESS": address,
        "SHARED_LIMIT_TRIES": str(tries),
    }
    environment.pop("CACHE_URL", None)
    finished = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", SPEND_FROM_ANOTHER_PROCESS],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(databases=[])
def test_limits_hold_across_processes_through_redis(redis_url, shared_redis):
    key = f"cross-process-{uuid.uuid4().hex}"
    # An address of our own (from the documentation range), so parallel runs never meet.
    part = uuid.uuid4().int
    address = f"2001:db8:{part & 0xFFFF:x}:{part >> 16 & 0xFFFF:x}::1"
    failed_sign_ins = allowed("login_failed", "key")
    try:
        first = spend_in_another_process(
            redis_url, key=key, address=address, tries=failed_sign_ins - 1
        )
        second = spend_in_another_process(redis_url, key=key, address=address, tries=2)
    finally:
        hashed = hashlib.sha256(key.encode()).hexdigest()
        for pattern in (f"*{key}*", f"*{hashed}*", f"*{address.split('::')[0]}*"):
            for found in shared_redis.scan_iter(pattern):
                shared_redis.delete(found)

    assert first["cache"] == second["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert first["post_need"] == "allowed"
    assert "You have reached the limit of 1 in 60 minutes" in second["post_need"]
    # The first process used all but one of the account's failed sign-ins.
    assert first["failed_sign_ins"] == [True] * (failed_sign_ins - 1)
    assert second["failed_sign_ins"] == [True, False]


# A stranger cannot lock the owner out, and only our own proxies say who is asking ----------


def test_a_strangers_wrong_passwords_do_not_lock_the_owner_out(client):
    user = verified(UserFactory())
    stranger = type(client)(REMOTE_ADDR="203.0.113.66")
    for _ in range(allowed("login_failed", "key") + 1):
        stranger.post(reverse("account_login"), {"login": user.email, "password": "no"})
    refused = stranger.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "Too many failed login attempts" in refused.content.decode()
    owner = type(client)(REMOTE_ADDR="198.51.100.7")
    response = owner.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert int(owner.session["_auth_user_id"]) == user.pk


def test_https_alone_trusts_no_forwarded_for():
    code = "from commontable import settings as s; print(s.ALLAUTH_TRUSTED_PROXY_COUNT)"
    environment = {**os.environ, "SECURE_SSL": "1", "SECRET_KEY": "x" * 50}
    environment.pop("TRUSTED_PROXY_COUNT", None)
    finished = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    assert finished.stdout.strip() == "0"


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "address"),
    [
        (0, "203.0.113.9", "10.0.0.1"),  # nobody vouches for the header
        (1, "203.0.113.9", "203.0.113.9"),  # written by our proxy
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the left part is the client's say-so
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1"),  # did not pass through both proxies
        (1, "not-an-address", "10.0.0.1"),
        (1, "", "10.0.0.1"),
    ],
)
def test_the_address_is_the_one_our_proxies_saw(rf, settings, proxies, forwarded_for, address):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_address(request) == address


def test_deploy_check_warns_when_https_trusts_no_proxy(settings):
    settings.SECURE_SSL = True
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert [m.id for m in proxies_are_declared(None)] == ["commontable.W002"]
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert proxies_are_declared(None) == []
