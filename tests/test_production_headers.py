"""In production every page type sends the security headers and loads nothing from elsewhere.

Production differs from a checkout by environment only (SECURE_SSL=1 and
friends), so the settings under test are the ones settings.py itself gives
that environment, read in a fresh process; the pages are then fetched over
HTTPS, as behind the site's proxy.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as project_settings
from django.test import Client
from django.urls import reverse

from tests.factories import (
    NeedFactory,
    RecommendationPageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HOST = "commontable.example"
ORIGIN = f"https://{HOST}"
PRODUCTION_ENVIRONMENT = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DEBUG": "0",
    "SECURE_SSL": "1",
    "ALLOWED_HOSTS": HOST,
    "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5"),
    "EMAIL_HOST": "smtp.commontable.example",
    # One TLS proxy in front, appending the address it saw to X-Forwarded-For.
    "TRUSTED_PROXY_COUNT": "1",
}
# The settings that make a deployment safe on the wire.
SECURITY_SETTINGS = ("SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_")
ALSO_CARRIED = {"DEBUG", "ALLOWED_HOSTS", "X_FRAME_OPTIONS", "ALLAUTH_TRUSTED_PROXY_COUNT"}
ONE_YEAR = 365 * 24 * 3600


def production_environment() -> dict:
    environment = {**os.environ, **PRODUCTION_ENVIRONMENT}
    # The test run's own switches are not part of a deployment.
    for name in ("CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        environment.pop(name, None)
    return environment


@pytest.fixture(scope="session")
def production_settings() -> dict:
    """The security settings settings.py gives a production environment."""
    names = f"{SECURITY_SETTINGS!r}, {sorted(ALSO_CARRIED)!r}"
    code = (
        "import json\n"
        "from commontable import settings as s\n"
        f"prefixes, also = {names}\n"
        "print(json.dumps({n: getattr(s, n) for n in dir(s)"
        " if n.isupper() and (n.startswith(prefixes) or n in also)}))"
    )
    finished = subprocess.run(
        [sys.executable, "-c", code],
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    values = json.loads(finished.stdout)
    # JSON has no tuples; Django wants this one as a pair.
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture
def production(settings, production_settings):
    for name, value in production_settings.items():
        setattr(settings, name, value)
    return settings


@pytest.fixture
def https(production):
    """A browser reaching the site through its HTTPS proxy."""
    return Client(
        HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="203.0.113.5"
    )


def get(client, url, **kwargs):
    return client.get(url, secure=True, **kwargs)


@pytest.fixture
def site_content(public_table, upcoming):
    recommendation = RecommendationPageFactory(parent=public_table, title="Overnight drop-in")
    need = NeedFactory(title="Transit tickets", round_table=public_table)
    return {
        "table": public_table,
        "convening": upcoming,
        "recommendation": recommendation,
        "need": need,
    }


def page_urls(content) -> dict[str, str]:
    """One address of each page type a visitor can open."""
    table, convening = content["table"], content["convening"]
    recommendation, need = content["recommendation"], content["need"]
    return {
        "home": "/",
        "round table index": "/round-tables/",
        "round table": table.url,
        "convening": convening.url,
        "needs": reverse("need_list"),
        "need": need.get_absolute_url(),
        "recommendations": reverse("recommendation_list"),
        "recommendation": recommendation.url,
        "brief": reverse(
            "recommendation_brief",
            kwargs={"table": table.slug, "recommendation": recommendation.slug},
        ),
        "list brief": reverse("recommendation_list_brief"),
        "dashboard": reverse("community_dashboard", kwargs={"slug": table.community.slug}),
        "search": reverse("search") + "?q=drop-in",
        "sign in": reverse("account_login"),
        "sign up": reverse("account_signup"),
        "password reset": reverse("account_reset_password"),
        "feed": reverse("recommendation_feed"),
        "table feed": reverse("round_table_feed", kwargs={"table": table.slug}),
        "community feed": reverse("community_feed", kwargs={"slug": table.community.slug}),
        "csv": reverse("recommendation_csv"),
        "table calendar": reverse("round_table_calendar", kwargs={"table": table.slug}),
        "convening calendar": reverse(
            "convening_calendar", kwargs={"table": table.slug, "convening": convening.slug}
        ),
        "api": "/api/v1/recommendations",
        "api detail": f"/api/v1/recommendations/{recommendation.pk}",
        "api schema": "/api/v1/openapi.json",
        "health": reverse("healthz"),
    }


# What every response must carry ---------------------------------------------------------


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_strict_policy(response, name):
    directives = policy(response)
    assert directives["default-src"] == ["'self'"], name
    script_sources = directives["script-src"]
    assert "'unsafe-inline'" not in script_sources, name
    assert all(s == "'self'" or s.startswith("'nonce-") for s in script_sources), name
    assert directives["frame-ancestors"] == ["'none'"], name
    sources = [source for values in directives.values() for source in values]
    assert not [s for s in sources if "http" in s or s.startswith("//") or s == "*"], name


def assert_security_headers(response, name):
    assert_strict_policy(response, name)
    hsts = dict(
        part.strip().partition("=")[::2]
        for part in response["Strict-Transport-Security"].split(";")
    )
    assert int(hsts["max-age"]) >= ONE_YEAR, name
    assert response["Referrer-Policy"] == "same-origin", name
    assert response["X-Content-Type-Options"] == "nosniff", name
    assert response["X-Frame-Options"] == "DENY", name
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", name


def assert_cookies_are_safe(response, name):
    for cookie in response.cookies.values():
        if not cookie.value:  # a deletion
            continue
        label = f"{name}: {cookie.key}"
        assert cookie["secure"], label
        assert cookie["samesite"] in ("Lax", "Strict"), label
        if cookie.key != project_settings.CSRF_COOKIE_NAME or project_settings.CSRF_COOKIE_HTTPONLY:
            assert cookie["httponly"], label
        if cookie.key.startswith("__Host-"):
            assert cookie["path"] == "/" and not cookie["domain"], label


# Nothing from another origin ------------------------------------------------------------

CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")


class LoadedAddresses(HTMLParser):
    """Every address a page makes the browser load or send to: not plain links."""

    LOADING_LINKS = {"stylesheet", "preload", "modulepreload", "icon", "manifest", "prefetch"}

    def __init__(self):
        super().__init__()
        self.addresses: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("src", "poster", "data", "action", "formaction"):
            if attributes.get(name):
                self.addresses.append(attributes[name])
        for name in ("srcset", "imagesrcset"):
            if attributes.get(name):
                self.addresses += [c.split()[0] for c in attributes[name].split(",") if c.strip()]
        rel = set((attributes.get("rel") or "").lower().split())
        if tag == "link" and rel & self.LOADING_LINKS and attributes.get("href"):
            self.addresses.append(attributes["href"])
        if attributes.get("style"):
            self.addresses += self.css_addresses(attributes["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.addresses += self.css_addresses(data)

    @staticmethod
    def css_addresses(css: str) -> list[str]:
        return [url or imported for url, imported in CSS_URL.findall(css)]


def elsewhere(addresses: list[str]) -> list[str]:
    """The addresses that point at another origin."""
    outside = []
    for address in addresses:
        parts = urlsplit(address.strip())
        if parts.scheme in ("", "data") and not address.strip().startswith("//"):
            continue
        if f"{parts.scheme or 'https'}://{parts.netloc}" != ORIGIN:
            outside.append(address)
    return outside


def assert_loads_nothing_from_elsewhere(client, response, name):
    if not response["Content-Type"].startswith("text/html"):
        return
    parser = LoadedAddresses()
    parser.feed(response.content.decode())
    assert not elsewhere(parser.addresses), f"{name}: {elsewhere(parser.addresses)}"
    stylesheets = [a for a in parser.addresses if a.split("?")[0].endswith(".css")]
    for stylesheet in stylesheets:
        css = b"".join(get(client, stylesheet).streaming_content).decode()
        found = LoadedAddresses.css_addresses(css)
        assert not elsewhere(found), f"{name} via {stylesheet}: {elsewhere(found)}"


# The tests ------------------------------------------------------------------------------


def test_the_page_check_sees_what_a_browser_would_load_from_elsewhere():
    parser = LoadedAddresses()
    parser.feed(
        '<link rel="stylesheet" href="https://cdn.example.net/site.css">'
        '<link rel="icon" href="/static/favicon.svg">'
        '<script src="//evil.example/x.js"></script>'
        '<img src="/media/a.png" srcset="/media/a.png 1x, http://img.example/b.png 2x">'
        '<form action="https://forms.example/post"></form>'
        "<div style=\"background: url('https://track.example/p.gif')\"></div>"
        "<style>@import 'https://fonts.example/f.css';</style>"
        '<a href="https://council.example/motion">a link is fine</a>'
        f'<iframe src="{ORIGIN}/embed/"></iframe>'
    )
    assert elsewhere(parser.addresses) == [
        "https://cdn.example.net/site.css",
        "//evil.example/x.js",
        "http://img.example/b.png",
        "https://forms.example/post",
        "https://track.example/p.gif",
        "https://fonts.example/f.css",
    ]


def test_every_page_type_is_served_with_the_security_headers(https, site_content):
    for name, url in page_urls(site_content).items():
        response = get(https, url)
        assert response.status_code == 200, (name, url, response.status_code)
        assert_security_headers(response, name)
        assert_cookies_are_safe(response, name)
        assert_loads_nothing_from_elsewhere(https, response, name)


def test_the_not_found_page_is_served_with_the_security_headers(https, site_content):
    response = get(https, "/no-such-page/")
    assert response.status_code == 404
    assert_security_headers(response, "404")
    assert_loads_nothing_from_elsewhere(https, response, "404")


def test_signing_in_sets_secure_host_only_cookies(https, member, production):
    assert production.SESSION_COOKIE_NAME.startswith("__Host-")
    assert production.CSRF_COOKIE_NAME.startswith("__Host-")
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    form = get(https, reverse("account_login"))
    assert production.CSRF_COOKIE_NAME in form.cookies
    assert_cookies_are_safe(form, "sign-in form")

    response = https.post(
        reverse("account_login"),
        {"login": member.email, "password": "a-long-test-passphrase"},
        secure=True,
    )
    assert response.status_code == 302
    assert production.SESSION_COOKIE_NAME in response.cookies
    assert_cookies_are_safe(response, "signed in")
    assert_security_headers(response, "signed in")

    # Pages for people signed in: posting a need, with the messages cookie too.
    for name, url in {"new need": reverse("need_create"), "following": reverse("follows")}.items():
        response = get(https, url)
        assert response.status_code == 200, name
        assert_security_headers(response, name)
        assert_cookies_are_safe(response, name)
        assert_loads_nothing_from_elsewhere(https, response, name)


def test_plain_http_is_sent_to_https_but_the_health_check_answers(production, site_content):
    plain = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="http")
    response = plain.get("/round-tables/")
    assert response.status_code == 301
    assert response["Location"] == f"{ORIGIN}/round-tables/"
    assert plain.get(reverse("healthz")).status_code == 200


def test_only_the_admin_gets_the_relaxed_policy(https, production):
    https.force_login(UserFactory(administrator=True))
    response = get(https, "/admin/")
    assert response.status_code == 200
    directives = policy(response)
    assert "'unsafe-inline'" in directives["script-src"]
    sources = [source for values in directives.values() for source in values]
    assert not [s for s in sources if "http" in s or s.startswith("//") or s == "*"]
    # Signed in as the same administrator, public pages keep the strict policy.
    assert_strict_policy(get(https, "/"), "home, as an administrator")
    assert_strict_policy(get(https, "/accounts/login/"), "sign in, as an administrator")


def test_deploy_check_is_clean_with_production_settings():
    finished = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=project_settings.BASE_DIR,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
