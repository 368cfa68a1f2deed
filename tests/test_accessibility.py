"""Every page type passes axe (WCAG 2.2 AA), reflows at 320 px and is screenshotted.

axe-core is injected into each page of the demo content in Chromium. The
browser context that runs axe bypasses the Content-Security-Policy (the
injected script would be refused otherwise); the journeys in test_journeys.py
keep the real policy. Screenshots at desktop and phone widths land in
test-artifacts/screenshots/ for reviewers.
"""

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from commontable.devtools.demo import DEMO_ACCOUNTS
from commontable.models import User
from convenings.models import Community, ConveningPage, Need, RoundTablePage
from recommendations.models import RecommendationPage
from tests.browser import (
    DESKTOP,
    NARROWEST,
    PHONE,
    axe_violations,
    describe_violations,
    horizontal_overflow,
    screenshot,
)

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; serialized_rollback puts back the
    # pages made by migrations after each test's flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def public_pages() -> dict[str, str]:
    """One URL of each page type a visitor can open, from the demo content."""
    visitor = AnonymousUser()
    table = RoundTablePage.objects.visible_to(visitor).live().order_by("path").first()
    convening = ConveningPage.objects.visible_to(visitor).live().order_by("path").first()
    recommendation = RecommendationPage.objects.visible_to(visitor).live().order_by("path").first()
    need = Need.objects.visible_to(visitor).order_by("pk").first()
    community = Community.objects.order_by("name").first()
    return {
        "home": "/",
        "round-tables": "/round-tables/",
        "round-table": table.url,
        "convening": convening.url,
        "needs": "/needs/",
        "needs-filtered": f"/needs/?community={community.slug}",
        "need": need.get_absolute_url(),
        "recommendations": "/recommendations/",
        "recommendation": recommendation.url,
        "brief": recommendation.url + "brief/",
        "dashboard": f"/communities/{community.slug}/",
        "search": "/search/?q=housing",
        "sign-in": "/accounts/login/",
        "sign-up": "/accounts/signup/",
        "password-reset": "/accounts/password/reset/",
        "not-found": "/no-such-page/",
    }


def signed_in_pages() -> dict[str, str]:
    recommendation = RecommendationPage.objects.live().order_by("path").first()
    return {
        "post-need": "/needs/new/",
        "following": "/follows/",
        "account-email": "/accounts/email/",
        "account-password": "/accounts/password/change/",
        "mfa": "/accounts/2fa/",
        "recommendation-signed-in": recommendation.url,
    }


def check_pages(browser, base_url: str, pages: dict[str, str], *, storage_state=None) -> list:
    """axe at desktop width, screenshots at desktop and phone, reflow at 320 px."""
    failures = []
    for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE), ("320", NARROWEST)):
        context = browser.new_context(
            bypass_csp=True, viewport=viewport, storage_state=storage_state
        )
        page = context.new_page()
        for name, url in pages.items():
            response = page.goto(base_url + url)
            expected = 404 if name == "not-found" else 200
            if response.status != expected:
                failures.append(f"{name} ({url}): status {response.status}, not {expected}")
                continue
            if width_name == "desktop":
                violations = axe_violations(page)
                if violations:
                    failures.append(f"{name} ({url}):\n{describe_violations(violations)}")
            if width_name == "320":
                overflow = horizontal_overflow(page)
                if overflow > 0:
                    failures.append(f"{name} ({url}) scrolls sideways by {overflow}px at 320px")
                violations = axe_violations(page)
                if violations:
                    failures.append(f"{name} at 320px:\n{describe_violations(violations)}")
            else:
                screenshot(page, f"{name}-{width_name}")
        context.close()
    return failures


def test_every_public_page_type_passes_axe_and_reflows(browser, demo_site):
    pages = public_pages()
    failures = check_pages(browser, demo_site, pages)
    assert not failures, "\n".join(failures)


def test_signed_in_pages_pass_axe_and_reflow(browser, demo_site, client):
    provider = next(a for a in DEMO_ACCOUNTS if a.role == "provider")
    client.force_login(User.objects.get(email=provider.email))
    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    state = {
        "cookies": [
            {
                "name": session_cookie.key,
                "value": session_cookie.value,
                "url": demo_site,
            }
        ],
        "origins": [],
    }
    failures = check_pages(browser, demo_site, signed_in_pages(), storage_state=state)
    assert not failures, "\n".join(failures)
