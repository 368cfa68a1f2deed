"""Three journeys through the site in Chromium, by keyboard alone.

Each journey signs in through the real form, reaches every control by
pressing Tab (so a keyboard trap or an unreachable control fails it), finds
fields by their labels (so a broken label fails it), checks that focus is
visible at every stop, and runs with the site's real Content-Security-Policy.
"""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.utils import timezone
from playwright.sync_api import Page, expect

from commontable.devtools.demo import DEMO_ACCOUNTS
from convenings.models import ConveningPage, Need, RoundTablePage, RoundTableRole
from recommendations.models import RecommendationPage
from tests.browser import (
    DESKTOP,
    activate,
    check_by_keyboard,
    choose_by_keyboard,
    fill_by_keyboard,
    screenshot,
    sign_in,
    start_from_top,
    tab_to,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def account(role: str):
    return next(a for a in DEMO_ACCOUNTS if a.role == role)


@pytest.fixture
def page(browser, demo_site) -> Page:
    """A fresh browser window with the real CSP; script errors fail the journey."""
    context = browser.new_context(viewport=DESKTOP)
    window = context.new_page()
    errors = []
    window.on("pageerror", lambda error: errors.append(str(error)))
    window.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    yield window
    context.close()
    assert not errors, f"the browser reported errors: {errors}"


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def choose_radio_by_keyboard(page: Page, group: str, option: str) -> None:
    """Tab into the radio group named `group`, then arrow to `option`."""
    fieldset = page.get_by_role("group", name=re.compile(group))
    radios = fieldset.get_by_role("radio")
    wanted = fieldset.get_by_role("radio", name=option, exact=True)
    checked = [r for r in radios.all() if r.is_checked()]
    tab_to(page, checked[0] if checked else radios.first)
    for _ in range(radios.count() + 1):
        if wanted.is_checked():
            return
        page.keyboard.press("ArrowDown")
    pytest.fail(f"could not choose {option!r} in {group!r} with the arrow keys")


def test_provider_posts_a_need_and_finds_it_in_the_filtered_list(page, demo_site):
    provider = account("provider")
    sign_in(page, demo_site, provider.email, provider.password)

    start_from_top(page)
    activate(page, main_nav(page).get_by_role("link", name="Needs", exact=True))
    expect(page.get_by_role("heading", name="Needs", level=1)).to_be_visible()
    activate(page, page.get_by_role("link", name="Post a need"))
    expect(page.get_by_role("heading", name="Post a need")).to_be_visible()

    title = "Overnight warming space by the bus exchange"
    fill_by_keyboard(page, "Title", title)
    fill_by_keyboard(page, "Description", "People sleeping rough wait outside from 2 a.m.")
    fill_by_keyboard(page, "Who is affected", "Unhoused people downtown")
    choose_by_keyboard(page, "Community", "Prince George")
    choose_radio_by_keyboard(page, "Urgency", "Urgent")
    choose_by_keyboard(page, re.compile(r"^Organization"), "Nechako Street Outreach Society")
    screenshot(page, "journey-provider-need-form")
    activate(page, page.get_by_role("button", name="Post the need"))

    expect(page.get_by_text("Your need is posted.")).to_be_visible()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    need = Need.objects.get(title=title)
    assert need.posted_by.email == provider.email
    # Attribution defaults to the organization: the person's name is not shown.
    expect(page.get_by_text(provider.display_name, exact=False)).to_have_count(1)  # header only
    expect(page.locator("main").get_by_text(provider.display_name)).to_have_count(0)

    start_from_top(page)
    activate(page, main_nav(page).get_by_role("link", name="Needs", exact=True))
    filters = page.get_by_role("form", name="Filter needs")
    fill_by_keyboard(page, "Search", "warming")
    choose_by_keyboard(page, "Community", "Prince George")
    choose_by_keyboard(page, "Urgency", "Urgent")
    activate(page, filters.get_by_role("button", name="Show needs"))
    expect(page).to_have_url(re.compile(r"community=prince-george"))
    results = page.locator("main .stack")
    expect(results.get_by_role("link", name=title)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("1 need")
    screenshot(page, "journey-provider-needs-filtered")

    # Another community's needs don't include it.
    choose_by_keyboard(page, "Community", "Victoria")
    activate(page, filters.get_by_role("button", name="Show needs"))
    expect(page.get_by_role("link", name=title)).to_have_count(0)
    expect(page.get_by_text("No needs match these filters.")).to_be_visible()


def type_datetime_by_keyboard(page: Page, label: re.Pattern, month_day_year: str, clock: str):
    """Type into a datetime-local field as a person does: date, Tab, time."""
    field = page.get_by_label(label)
    tab_to(page, field)
    page.keyboard.type(month_day_year)
    page.keyboard.press("Tab")
    page.keyboard.type(clock)


def authenticator_code(key: str) -> str:
    return format_hotp_value(hotp_value(key, int(time.time()) // 30))


def test_facilitator_schedules_records_and_moves_a_recommendation(page, browser, demo_site):
    facilitator = account("facilitator")
    # A table Rowan facilitates, a convening of it that has taken place, and a
    # recommendation the table has been discussing.
    tables = RoundTablePage.objects.filter(
        roles__user__email=facilitator.email, roles__role=RoundTableRole.Role.FACILITATOR
    ).order_by("path")
    table, met, draft = next(
        (table, met, draft)
        for table in tables
        for met in [
            ConveningPage.objects.child_of(table)
            .live()
            .filter(starts_at__lt=timezone.now())
            .order_by("-starts_at")
            .first()
        ]
        for draft in [
            RecommendationPage.objects.live().filter(round_table=table, stage="draft").first()
        ]
        if met and draft
    )

    # Sign in: password, then the authenticator app's code (facilitators need MFA).
    page.goto(demo_site + "/accounts/login/")
    start_from_top(page)
    fill_by_keyboard(page, "Email", facilitator.email)
    fill_by_keyboard(page, re.compile(r"^Password"), facilitator.password)
    activate(page, page.get_by_role("button", name="Sign in"))
    fill_by_keyboard(page, re.compile(r"^Code"), authenticator_code(facilitator.authenticator_key))
    activate(page, page.get_by_role("button", name=re.compile("^Sign in$", re.I)))
    expect(page.get_by_role("link", name="Sign out")).to_be_visible()

    # Schedule the next convening from the table's page.
    page.goto(demo_site + table.url)
    start_from_top(page)
    activate(page, page.get_by_role("link", name="Schedule a convening"))
    title = "Winter shelter check-in"
    fill_by_keyboard(page, re.compile(r"^Title"), title)
    next_year = timezone.localdate().year + 1
    type_datetime_by_keyboard(page, re.compile(r"^Starts"), f"0114{next_year}", "0600P")
    type_datetime_by_keyboard(page, re.compile(r"^Ends"), f"0114{next_year}", "0800P")
    choose_by_keyboard(page, re.compile(r"^Format"), "In person")
    fill_by_keyboard(page, "General area", "Downtown")
    check_by_keyboard(page, "Honoraria for peers")
    check_by_keyboard(page, "Transit support")
    screenshot(page, "journey-facilitator-schedule")
    activate(page, page.get_by_role("button", name="Schedule the convening"))
    expect(page.get_by_text(f"“{title}” is scheduled and published.")).to_be_visible()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    scheduled = ConveningPage.objects.get(title=title)
    assert scheduled.live and scheduled.get_parent().specific == table
    assert (scheduled.starts_at.year, scheduled.starts_at.month) == (next_year, 1)

    # Record who came to the convening that took place, and its minutes.
    page.goto(demo_site + met.url)
    start_from_top(page)
    activate(page, page.get_by_role("link", name="Record attendance and minutes"))
    first_org = table.member_organizations.order_by("name").first()
    fill_by_keyboard(page, first_org.name, "6", exact=True)
    fill_by_keyboard(page, "People without an organization", "3")
    minutes = "The table heard from outreach workers about overnight cold."
    fill_by_keyboard(page, "Minutes", minutes)
    activate(page, page.get_by_role("button", name="Save attendance and minutes"))
    expect(page.get_by_text("Attendance and minutes are saved and published.")).to_be_visible()
    expect(page.locator("main").get_by_text(minutes)).to_be_visible()
    met.refresh_from_db()
    counts = {row.organization_id: row.people for row in met.attendance.all()}
    assert counts[first_org.pk] == 6 and counts[None] == 3

    # Move a recommendation one stage, with a note.
    page.goto(demo_site + draft.url)
    start_from_top(page)
    choose_by_keyboard(page, re.compile(r"^Action"), "Propose to the table")
    note = "Brought to the table after the outreach report."
    fill_by_keyboard(page, re.compile(r"^Note"), note)
    activate(page, page.get_by_role("button", name="Change stage"))
    expect(page.locator(".stage-banner")).to_contain_text("Proposed")
    draft.refresh_from_db()
    assert draft.stage == "proposed"

    # Anyone can now see the move and its note on the public timeline.
    visitor = browser.new_context(viewport=DESKTOP).new_page()
    visitor.goto(demo_site + draft.url)
    timeline = visitor.get_by_role("table", name="Timeline")
    expect(timeline).to_contain_text(note)
    expect(timeline).to_contain_text("Draft → Proposed")
    screenshot(visitor, "journey-facilitator-public-timeline")
    visitor.context.close()


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_councillor_browses_filters_and_prints_a_brief(page, demo_site):
    # As a visitor: browse from the home page and filter by community and stage.
    page.goto(demo_site + "/")
    start_from_top(page)
    activate(page, main_nav(page).get_by_role("link", name="Recommendations", exact=True))
    expect(page.get_by_role("heading", name="Recommendations", level=1)).to_be_visible()
    choose_by_keyboard(page, "Community", "Prince George")
    choose_by_keyboard(page, "Stage", "Endorsed by the table")
    filters = page.get_by_role("form", name=re.compile("Filter"))
    activate(page, filters.get_by_role("button"))
    expect(page).to_have_url(re.compile(r"stage=endorsed"))
    endorsed = RecommendationPage.objects.live().filter(
        stage="endorsed", round_table__community__slug="prince-george"
    )
    titles = sorted(set(endorsed.values_list("title", flat=True)))
    assert titles, "the demo has endorsed recommendations in Prince George"
    expect(page.get_by_role("status")).to_contain_text(f"{len(titles)} recommendation")
    screenshot(page, "journey-councillor-filtered")

    # Open one; then sign in as the councillor from that page and come back to it.
    activate(page, page.locator("main").get_by_role("link", name=titles[0]))
    expect(page.get_by_role("heading", name=titles[0], level=1)).to_be_visible()
    opened = page.url
    start_from_top(page)
    activate(page, main_nav(page).get_by_role("link", name="Sign in"))
    councillor = account("councillor")
    fill_by_keyboard(page, "Email", councillor.email)
    fill_by_keyboard(page, re.compile(r"^Password"), councillor.password)
    activate(page, page.get_by_role("button", name="Sign in"))
    expect(page).to_have_url(opened)
    expect(page.get_by_role("link", name="Sign out")).to_be_visible()

    # The council brief prints on one page, without the site's navigation.
    activate(page, page.get_by_role("link", name=re.compile("council brief", re.I)))
    expect(page.get_by_role("heading", name=titles[0])).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    screenshot(page, "journey-councillor-brief-print")
    pdf = page.pdf(format="Letter")
    assert page_count(pdf) == 1, f"the brief prints on {page_count(pdf)} pages"
