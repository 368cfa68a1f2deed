"""Quick exit: every page starts with "Leave this site".

It is the first thing the keyboard reaches, a plain link to a neutral site
without script, and with script (Enter, a click, or Escape pressed twice) it
blanks the page and replaces it, so the back button does not return to it.
The HTML is read by an HTML parser of its own; the behaviour by Chromium.
"""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.template.loader import get_template, render_to_string
from django.template.loader_tags import ExtendsNode
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser import DESKTOP, NARROWEST, focus_ring, horizontal_overflow
from tests.factories import (
    CommunityFactory,
    ConveningPageFactory,
    MembershipFactory,
    NeedFactory,
    RecommendationPageFactory,
    RoundTablePageFactory,
)

NEUTRAL = "https://neutral-weather.example/today"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

FOCUSABLE = re.compile(r"^(a|button|input|select|textarea|summary|iframe)$")


def first_focusable(html: str):
    """The element Tab reaches first on a fresh page, in document order."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.body.find_all(True):
        if element.has_attr("tabindex") and int(element["tabindex"]) < 0:
            continue
        if element.name == "a" and not element.has_attr("href"):
            continue
        if element.name == "input" and element.get("type") == "hidden":
            continue
        if FOCUSABLE.match(element.name) or element.has_attr("tabindex"):
            return element
    return None


def assert_starts_with_quick_exit(html: str, where: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    positive = [e for e in soup.find_all(attrs={"tabindex": True}) if int(e["tabindex"]) > 0]
    assert not positive, f"{where}: a positive tabindex jumps ahead of the quick exit"
    first = first_focusable(html)
    assert first is not None, f"{where}: nothing to focus"
    assert first.get_text(strip=True) == "Leave this site", f"{where} starts with {first}"
    assert first["href"] == settings.QUICK_EXIT_URL, where
    assert "noreferrer" in first["rel"], where
    assert not first.has_attr("target"), f"{where}: the exit must not open a new window"


@pytest.fixture
def site_pages(db):
    """One address of each page type, made with factories."""
    community = CommunityFactory(name="Prince George", slug="prince-george")
    table = RoundTablePageFactory(community=community)
    convening = ConveningPageFactory(parent=table)
    recommendation = RecommendationPageFactory(parent=table)
    need = NeedFactory(community=community)
    return {
        "home": "/",
        "round tables": "/round-tables/",
        "round table": table.url,
        "convening": convening.url,
        "recommendation": recommendation.url,
        "council brief": recommendation.url + "brief/",
        "recommendations": reverse("recommendation_list"),
        "needs": reverse("need_list"),
        "need": need.get_absolute_url(),
        "dashboard": f"/communities/{community.slug}/",
        "search": "/search/?q=housing",
        "sign in": "/accounts/login/",
        "sign up": "/accounts/signup/",
        "password reset": "/accounts/password/reset/",
        "not found": "/no-such-page/",
    }


@pytest.mark.django_db
def test_every_page_type_starts_with_the_quick_exit(client, site_pages):
    for name, url in site_pages.items():
        response = client.get(url)
        assert response.status_code in (200, 404), f"{name} ({url}): {response.status_code}"
        assert_starts_with_quick_exit(response.content.decode(), f"{name} ({url})")


@pytest.mark.django_db
def test_every_signed_in_page_type_starts_with_the_quick_exit(client):
    client.force_login(MembershipFactory().user)
    for url in ("/needs/new/", "/follows/", "/accounts/email/", "/accounts/data/"):
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        assert_starts_with_quick_exit(response.content.decode(), url)


@pytest.mark.parametrize("template", ["500.html", "503.html"])
def test_the_error_pages_start_with_the_quick_exit(template):
    assert_starts_with_quick_exit(render_to_string(template), template)


def parent_of(name: str) -> str | None:
    """The template a template extends, as Django's own loader finds it."""
    for node in get_template(name).template.nodelist:
        if isinstance(node, ExtendsNode):
            return node.parent_name.resolve({})
    return None


def test_every_page_template_is_built_on_the_base_or_carries_the_quick_exit():
    """A new page template cannot leave the quick exit out by mistake."""
    missing = []
    for path in TEMPLATES.rglob("*.html"):
        name = str(path.relative_to(TEMPLATES))
        text = path.read_text()
        is_page = "<html" in text or text.lstrip().startswith("{% extends")
        # Emails are not pages; the admin's user forms are Wagtail's, not the site's.
        if not is_page or "email" in path.parts or name.startswith("wagtailusers/"):
            continue
        if "{% quick_exit %}" in text:
            continue
        chain = [name]
        while chain[-1] != "base.html" and (parent := parent_of(chain[-1])) not in (None, *chain):
            chain.append(parent)
        if chain[-1] != "base.html":
            missing.append(" → ".join(chain))
    assert not missing, f"pages without the quick exit: {missing}"


def test_the_quick_exit_goes_to_a_neutral_site_by_default():
    assert settings.QUICK_EXIT_URL.startswith("https://")
    assert "commontable" not in settings.QUICK_EXIT_URL


# In the browser


browser = pytest.mark.browser
live = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def neutral_site(settings):
    settings.QUICK_EXIT_URL = NEUTRAL


def window(browser, *, javascript: bool = True, viewport=DESKTOP) -> Page:
    """A fresh window with the real CSP; the neutral site is a local stand-in."""
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
    context.route(
        "https://neutral-weather.example/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Weather</title><p>Sunny.</p>"
        ),
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on(
        "console",
        lambda message: page.errors.append(message.text) if message.type == "error" else None,
    )
    return page


def leave_by(page: Page, base_url: str, keys: list[str]) -> None:
    """Press the keys on a fresh page of ours; end on the neutral site, with no way back."""
    entries = page.evaluate("history.length")
    for key in keys:
        page.keyboard.press(key)
    expect(page).to_have_url(NEUTRAL)
    # Replaced, not followed: the history holds no entry for the page left.
    assert page.evaluate("history.length") == entries
    page.go_back()
    assert not page.url.startswith(base_url), f"back returned to {page.url}"


@browser
@live
def test_tab_from_a_fresh_page_reaches_the_quick_exit_first(browser, live_server, neutral_site):
    page = window(browser)
    page.goto(live_server.url + "/needs/")
    page.keyboard.press("Tab")
    link = page.get_by_role("link", name="Leave this site")
    assert link.evaluate("element => element === document.activeElement")
    ring = focus_ring(page)
    assert ring["focusVisible"] and (ring["outline"] or ring["shadow"])
    assert not page.errors, page.errors


@browser
@live
def test_enter_on_the_quick_exit_replaces_the_page(browser, live_server, neutral_site):
    page = window(browser)
    page.goto(live_server.url + "/needs/")
    leave_by(page, live_server.url, ["Tab", "Enter"])
    assert not page.errors, page.errors


@browser
@live
def test_escape_twice_leaves_from_anywhere_on_the_page(browser, live_server, neutral_site):
    page = window(browser)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").focus()
    page.keyboard.press("Escape")
    expect(page.locator("[data-quick-exit-status]")).to_have_text(
        "Press Escape once more to leave this site."
    )
    leave_by(page, live_server.url, ["Escape"])


@browser
@live
def test_another_key_between_the_escapes_does_not_leave(browser, live_server, neutral_site):
    page = window(browser)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").focus()
    for key in ("Escape", "a", "Escape"):
        page.keyboard.press(key)
    page.wait_for_timeout(300)
    assert page.url == live_server.url + "/accounts/login/"


@browser
@live
def test_without_javascript_the_quick_exit_is_a_plain_link_that_leaves(
    browser, live_server, neutral_site
):
    page = window(browser, javascript=False)
    page.goto(live_server.url + "/needs/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(NEUTRAL)


@browser
@live
def test_the_quick_exit_fits_and_stays_in_reach_at_320_pixels(browser, live_server, neutral_site):
    page = window(browser, viewport=NARROWEST)
    page.goto(live_server.url + "/needs/")
    assert horizontal_overflow(page) == 0
    page.mouse.wheel(0, 2000)
    link = page.get_by_role("link", name="Leave this site")
    expect(link).to_be_in_viewport()
