"""The browser checks themselves: a broken label, a keyboard trap or an invisible
focus ring must fail the journeys and the accessibility tests."""

import pytest
from playwright.sync_api import Error, expect

from tests.browser import axe_violations, fill_by_keyboard, tab_to

pytestmark = pytest.mark.browser


TRAP = """<!DOCTYPE html><html lang="en"><head><title>Trap</title>
<style>:focus-visible { outline: 3px solid black; }</style></head><body><main>
<label for="name">Name</label><input id="name">
<label for="trap">Code</label><input id="trap">
<button type="submit">Send</button>
<script>
  const trap = document.getElementById("trap");
  trap.addEventListener("keydown", event => { if (event.key === "Tab") event.preventDefault(); });
</script></main></body></html>"""

BROKEN_LABEL = """<!DOCTYPE html><html lang="en"><head><title>Broken</title></head><body><main>
<label for="titel">Title</label><input id="title" name="title">
</main></body></html>"""

NO_FOCUS_RING = """<!DOCTYPE html><html lang="en"><head><title>Hidden focus</title>
<style>*:focus { outline: none; }</style></head><body><main>
<a href="#one">One</a> <a href="#two">Two</a></main></body></html>"""


def test_a_keyboard_trap_fails_the_journey_helpers(page):
    page.set_content(TRAP)
    page.locator("body").focus()
    with pytest.raises(pytest.fail.Exception, match="Tab never reached"):
        tab_to(page, page.get_by_role("button", name="Send"))
    expect(page.get_by_label("Code")).to_be_focused()


def test_a_broken_label_fails_axe_and_the_journey_helpers(page):
    page.set_content(BROKEN_LABEL)
    assert any(v["id"] == "label" for v in axe_violations(page))
    with pytest.raises((AssertionError, Error)):
        fill_by_keyboard(page, "Title", "Shelter beds")


def test_invisible_focus_fails_the_journey_helpers(page):
    page.set_content(NO_FOCUS_RING)
    page.locator("body").focus()
    with pytest.raises(AssertionError, match="not visible"):
        tab_to(page, page.get_by_role("link", name="Two"))
