"""Helpers for the browser tests: reach things by keyboard, check focus, run axe.

The browser tests drive Debian's Chromium through Playwright against Django's
live server (tests/requirements.py says what happens when it is missing). They
find fields by their labels, so a broken label fails them, and they move by
pressing Tab, so a keyboard trap or an unreachable control fails them too.
"""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_playwright_axe.axe import MIN_AXE_PATH

ROOT = Path(__file__).resolve().parent.parent
# axe-core's own axe.min.js, as the pytest-playwright-axe package ships it (its
# version follows axe-core's). Its runner is not used: it opens a new browser
# context for every scan, to combine the results of frames these pages lack.
AXE = MIN_AXE_PATH
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
NARROWEST = {"width": 320, "height": 640}

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

# More presses than any page here has focusable things before its main action.
MAX_TABS = 120


def _is_focused(locator: Locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def focus_ring(page: Page) -> dict:
    """How the focused element is drawn: its outline and box shadow."""
    return page.evaluate(
        """() => {
            const element = document.activeElement;
            const style = getComputedStyle(element);
            return {
                tag: element.tagName.toLowerCase(),
                text: (element.innerText || element.value || element.name || "").slice(0, 60),
                outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
                shadow: style.boxShadow !== "none",
                focusVisible: element.matches(":focus-visible"),
            };
        }"""
    )


def tab_to(page: Page, target: Locator, *, backwards: bool = False) -> None:
    """Press Tab until the target has focus, then check the focus is visible.

    Fails when the target is never reached (it is not focusable, hidden, or a
    keyboard trap holds focus elsewhere) or when focus on it cannot be seen.
    """
    expect(target).to_be_visible()
    key = "Shift+Tab" if backwards else "Tab"
    seen = []
    for _ in range(MAX_TABS):
        if _is_focused(target):
            ring = focus_ring(page)
            assert ring["focusVisible"] and (ring["outline"] or ring["shadow"]), (
                f"focus on {ring['tag']} “{ring['text']}” is not visible: {ring}"
            )
            return
        page.keyboard.press(key)
        ring = focus_ring(page)
        seen.append(f"{ring['tag']} “{ring['text']}”")
    trail = "; ".join(seen[-8:])
    pytest.fail(f"Tab never reached {target}; focus went through … {trail}")


def fill_by_keyboard(
    page: Page, label: str | re.Pattern, text: str, *, exact: bool = False
) -> None:
    """Tab to the field labelled `label`, clear it and type `text`."""
    field = page.get_by_label(label, exact=exact)
    tab_to(page, field)
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.press("Delete")
    page.keyboard.type(text)
    expect(field).to_have_value(text)


def choose_by_keyboard(
    page: Page, label: str | re.Pattern, option: str, *, exact: bool = False
) -> None:
    """Tab to the select labelled `label` and arrow to the option shown as `option`."""
    select = page.get_by_label(label, exact=exact)
    tab_to(page, select)
    options = select.evaluate("s => Array.from(s.options).map(o => o.text.trim())")
    assert option in options, f"{label!r} has no option {option!r}: {options}"
    for _ in range(len(options) + 1):
        current = select.evaluate("s => s.options[s.selectedIndex].text.trim()")
        if current == option:
            return
        wanted, now = options.index(option), options.index(current)
        page.keyboard.press("ArrowDown" if wanted > now else "ArrowUp")
    pytest.fail(f"could not choose {option!r} in {label!r} with the arrow keys")


def check_by_keyboard(page: Page, label: str) -> None:
    box = page.get_by_label(label)
    tab_to(page, box)
    if not box.is_checked():
        page.keyboard.press("Space")
    expect(box).to_be_checked()


def activate(page: Page, target: Locator) -> None:
    """Tab to a link or button and press Enter."""
    tab_to(page, target)
    page.keyboard.press("Enter")


def start_from_top(page: Page) -> None:
    """Put the keyboard at the top of the page, as after loading it."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.evaluate("() => window.scrollTo(0, 0)")
    page.locator("body").focus()


def axe_violations(page: Page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core on the page; return the violations at the given impacts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async tags => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    return [v for v in result["violations"] if v["impact"] in impacts]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [json.dumps(node["target"]) for node in violation["nodes"][:3]]
        where = ", ".join(targets)
        lines.append(f"{violation['impact']}: {violation['id']} — {violation['help']} at {where}")
    return "\n".join(lines)


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when it reflows)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot for reviewers (never committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    """Sign in through the real form, by keyboard."""
    page.goto(base_url + "/accounts/login/")
    start_from_top(page)
    fill_by_keyboard(page, "Email", email)
    fill_by_keyboard(page, re.compile(r"^Password"), password)
    activate(page, page.get_by_role("button", name="Sign in"))
    expect(page.get_by_role("link", name="Sign out")).to_be_visible()
