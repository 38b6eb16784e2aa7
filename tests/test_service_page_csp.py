"""The agent's page works under its own Content-Security-Policy, in a real browser (Debian's
chromium through Playwright) against a real `phrasecoach serve`: nothing the page does is
blocked, and another site cannot frame it. Skipped without the browser, as test_web_e2e is."""

from __future__ import annotations

import pytest

from browser_support import chromium, require_browser
from service_support import serve_process

require_browser()
import playwright.sync_api as sync_api  # noqa: E402

expect = sync_api.expect

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  e => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
"""


@pytest.fixture(scope="module")
def base():
    with serve_process() as (url, _, _):
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def test_the_page_runs_with_no_csp_violation(browser, base):
    ctx = browser.new_context()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(WATCH)
    # as in a browser without the async clipboard: Copy takes its fallback path
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined});")
    response = page.goto(base + "/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator("#draft").click()
    page.keyboard.type("Date of birth? That's not what happened.")
    expect(page.locator("#app")).to_have_attribute("data-state", "ok")
    expect(page.locator("#findings > li")).to_have_count(2)
    page.locator("#apply-safe").click()
    expect(page.locator("#draft")).to_have_value("May I have your date of birth? That's not what happened.")
    page.locator("#copy").click()  # builds a hidden textarea, styled from script
    expect(page.locator("#copy")).to_have_text("Copied")
    page.locator(".findings button", has_text="Why?").first.click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__violations") == []
    assert errors == []
    ctx.close()


def test_another_site_cannot_frame_the_page(browser, base):
    ctx = browser.new_context()
    page = ctx.new_page()
    page.set_content(f'<iframe id="f" src="{base}/" width="600" height="400"></iframe>')
    page.wait_for_timeout(1500)
    frame = page.frame_locator("#f")
    # the framed document is blocked by frame-ancestors 'none': the page's editor never appears
    assert frame.locator("#draft").count() == 0
    ctx.close()
