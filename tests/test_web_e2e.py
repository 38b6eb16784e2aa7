"""The agent's page, end to end: headless Chromium (Debian's `chromium`) driven by Playwright for
Python against a real `phrasecoach serve` process on 127.0.0.1.

Needs: `apt-get install -y chromium` and `pip install playwright` (never `playwright install`:
the browser comes from Debian). Skipped, with the reason, when either is missing.
The screenshot the README shows is written to docs/img/agent-page.png.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from browser_support import chromium, missing, require_browser

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "img" / "agent-page.png"
PHRASECOACH = Path(sys.executable).with_name("phrasecoach")

DRAFT = "Date of birth? That's not what happened."
ASKED = "May I have your date of birth? That's not what happened."

require_browser()
import playwright.sync_api as sync_api  # noqa: E402

expect = sync_api.expect
if not PHRASECOACH.is_file():
    missing(f"no phrasecoach executable next to {sys.executable}")


# ---- a real server ------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, port: int | None = None, default_level: bool = False) -> None:
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PHRASECOACH_") or k == "PHRASECOACH_LEVEL"}
        if default_level:  # as a server runs out of the box (the suite runs at picky: tests/conftest.py)
            env.pop("PHRASECOACH_LEVEL", None)
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"phrasecoach-web-{self.port}.log", "w+b")
        self.proc = subprocess.Popen(
            [str(PHRASECOACH), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"phrasecoach serve exited {self.proc.returncode}:\n"
                                   + self.log.read().decode(errors="replace")[-3000:])
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("phrasecoach serve was not ready within 120 s")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if not self.log.closed:
            self.log.close()


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _open(browser, url):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page = ctx.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.errors, page.requests = errors, requests
    page.goto(url + "/")
    return ctx, page


@pytest.fixture
def page(browser, server):
    ctx, page = _open(browser, server.url)
    yield page
    assert page.errors == [], page.errors
    ctx.close()


def _type(page, text: str) -> None:
    page.locator("#draft").click()
    page.keyboard.type(text)


def _checked(page, text: str) -> None:
    """Wait until the page shows the answer for exactly `text`."""
    expect(page.locator("#draft")).to_have_value(text)
    expect(page.locator("#app")).to_have_attribute("data-state", "ok")


def _marks(page) -> list[tuple[str, str]]:
    pairs = page.eval_on_selector_all("#highlights mark.hl", "ms => ms.map(m => [m.dataset.category, m.textContent])")
    return [tuple(p) for p in pairs]


# ---- the scenario ---------------------------------------------------------------------------
def test_two_clicks_make_a_friendly_reply(page, server):
    _type(page, DRAFT)
    _checked(page, DRAFT)

    # both spans highlighted, each in its category's colour
    expect(page.locator("#highlights mark.hl")).to_have_count(2)
    assert _marks(page) == [("command", "Date of birth?"), ("defensive", "That's not what happened.")]
    colours = page.eval_on_selector_all("#highlights mark.hl", "ms => ms.map(m => getComputedStyle(m).backgroundColor)")
    assert len(set(colours)) == 2 and "rgba(0, 0, 0, 0)" not in colours
    expect(page.locator("li.finding")).to_have_count(2)
    expect(page.locator("#status")).to_contain_text("2 findings")
    assert page.locator("#score-value").inner_text().isdigit()

    # why, on demand, from /v1/rules/{id}
    command = page.locator("li.finding[data-category=command]")
    command.locator("button.why-btn").click()
    expect(command.locator(".why")).to_contain_text("sounds like a form")
    expect(command.locator("button.why-btn")).to_have_attribute("aria-expanded", "true")

    # click 1: the command finding's first suggestion
    expect(command.locator("button.sugg").first).to_contain_text("safe")
    command.locator("button.sugg").first.click()
    _checked(page, ASKED)
    expect(page.locator("li.finding")).to_have_count(1)
    assert _marks(page) == [("defensive", "That's not what happened.")]

    # click 2: a suggestion for the defensive sentence
    defensive = page.locator("li.finding[data-category=defensive] button.sugg").first
    replacement = defensive.locator(".sugg-text").inner_text()
    defensive.click()
    friendly = "May I have your date of birth? " + replacement
    _checked(page, friendly)
    expect(page.locator("li.finding")).to_have_count(0)
    expect(page.locator("#status")).to_contain_text("No findings")

    # copy, and read the clipboard back
    page.locator("#copy").click()
    expect(page.locator("#copy")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == friendly

    # Ctrl+Z undoes an applied suggestion (the page edits through the editing commands)
    page.locator("#draft").focus()
    page.keyboard.press("Control+z")
    _checked(page, ASKED)

    # nothing but the phrasecoach server was contacted: no CDN, no fonts from elsewhere
    assert any(u.endswith("/static/app.js") for u in page.requests)
    assert all(u.startswith(server.url + "/") for u in page.requests), page.requests


def test_apply_all_safe_rewrites(page):
    _type(page, DRAFT)
    _checked(page, DRAFT)
    button = page.locator("#apply-safe")
    expect(button).to_be_enabled()
    button.click()
    _checked(page, ASKED)
    assert _marks(page) == [("defensive", "That's not what happened.")]
    expect(button).to_be_disabled()          # the defensive finding has no safe rewrite


def test_keyboard_only(page):
    page.keyboard.press("Tab")               # the skip link
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#draft")).to_be_focused()
    page.keyboard.type(DRAFT)
    _checked(page, DRAFT)
    page.keyboard.press("Tab")               # "The customer's last message" (closed)
    expect(page.locator(".context summary")).to_be_focused()
    page.keyboard.press("Tab")               # the Picky switch
    expect(page.locator("#picky")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#apply-safe")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#copy")).to_be_focused()
    page.keyboard.press("Tab")
    first = page.locator("li.finding[data-category=command] button.sugg").first
    expect(first).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "focused buttons must show a focus ring"
    page.keyboard.press("Enter")
    _checked(page, ASKED)
    # focus stays in the findings list, on the next suggestion, for the next keypress
    expect(page.locator("li.finding button.sugg").first).to_be_focused()
    # labels for screen readers
    assert page.locator("label[for=draft]").inner_text() == "Your draft reply"
    assert page.get_attribute("#status", "aria-live") == "polite"
    assert page.get_attribute("#highlights", "aria-hidden") == "true"
    assert page.locator("li.finding button.sugg").first.evaluate("b => b.tagName") == "BUTTON"


def test_copy_falls_back_without_the_clipboard_api(page):
    # Opened as http://some-host:8000/ the page is not a secure context: no navigator.clipboard.
    page.evaluate("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    _type(page, DRAFT)
    _checked(page, DRAFT)
    page.locator("#copy").click()
    expect(page.locator("#copy")).to_have_text("Copied")
    expect(page.locator("#status")).to_have_text("Copied to the clipboard.")
    other = page.context.new_page()
    other.goto(page.url)
    assert other.evaluate("navigator.clipboard.readText()") == DRAFT
    other.close()


def test_emoji_do_not_shift_highlights(page):
    text = "🙂 Thanks for your message 👍🏽! Date of birth?"
    _type(page, text)
    _checked(page, text)
    assert _marks(page) == [("command", "Date of birth?")]
    page.locator("li.finding button.sugg").first.click()
    _checked(page, "🙂 Thanks for your message 👍🏽! May I have your date of birth?")


def test_paste_checks_at_once(page):
    page.locator("#draft").focus()
    page.evaluate("t => navigator.clipboard.writeText(t)", DRAFT)
    page.keyboard.press("Control+v")
    _checked(page, DRAFT)
    expect(page.locator("#highlights mark.hl")).to_have_count(2)


def test_stale_answers_are_ignored(page):
    # The first check's answer is held back for 1.5 s, so it arrives after the second one.
    page.evaluate("""() => {
        const real = window.fetch; let n = 0;
        window.fetch = (url, opts) => {
            const slow = String(url).includes("v1/check") && n++ === 0;
            const p = real(url, {...opts, signal: undefined});
            return slow ? p.then(r => new Promise(ok => setTimeout(() => ok(r), 1500))) : p;
        };
    }""")
    _type(page, "Date of birth?")
    page.wait_for_timeout(450)               # debounce fired: the slow check is in flight
    page.locator("#draft").fill("As I already said, the parcel left on Monday.")
    _checked(page, "As I already said, the parcel left on Monday.")
    page.wait_for_timeout(1800)              # the stale answer has arrived by now
    assert [c for c, _ in _marks(page)] == ["impatience"]
    expect(page.locator("li.finding")).to_have_count(1)


def test_large_draft_stays_responsive(page):
    chunk = ("Hi, I understand how frustrating this is. Date of birth? That's not what happened. "
             "As I already said, the RMA ships Monday. ")
    text = (chunk * (2000 // len(chunk) + 1))[:2000]
    checks: list[str] = []
    page.on("request", lambda r: checks.append(r.url) if r.url.endswith("/v1/check") else None)
    page.locator("#draft").fill(text)
    _checked(page, text)
    assert page.locator("#highlights mark.hl").count() >= 40
    # one keystroke re-renders only the highlight layer: well under a frame
    per_key_ms = page.evaluate("""() => {
        const d = document.getElementById("draft"); const t0 = performance.now();
        for (let i = 0; i < 50; i++) {
            d.value = "x" + d.value;
            d.dispatchEvent(new InputEvent("input", {inputType: "insertText", data: "x"}));
        }
        return (performance.now() - t0) / 50;
    }""")
    assert per_key_ms < 25, f"{per_key_ms:.1f} ms per keystroke"
    # highlights moved with the text they mark while the check was pending
    assert page.eval_on_selector("#highlights mark.hl", "m => m.textContent") == "Date of birth?"
    # typing fast sends one debounced check, not one per key
    _checked(page, "x" * 50 + text)
    checks.clear()
    page.locator("#draft").press("End")
    page.keyboard.type(" Thanks!", delay=30)
    _checked(page, "x" * 50 + text + " Thanks!")
    assert len(checks) <= 2, checks


def test_too_long_text_is_rejected_clearly(page):
    text = "Thank you for waiting. " * 900      # 20,700 characters; the default limit is 20,000
    page.locator("#draft").fill(text)
    error = page.locator("#error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("too long")
    expect(page.locator("#app")).to_have_attribute("data-state", "error")
    expect(page.locator("li.finding")).to_have_count(0)
    page.locator("#draft").fill(DRAFT)
    _checked(page, DRAFT)
    expect(error).to_be_hidden()


def test_server_down_is_reported(browser):
    s = Server()
    try:
        ctx, page = _open(browser, s.url)
        _type(page, "Date of birth?")
        _checked(page, "Date of birth?")
        s.stop()
        page.locator("#draft").fill(DRAFT)
        error = page.locator("#error")
        expect(error).to_contain_text("Can't reach the phrasecoach server")
        expect(page.locator("#status")).to_have_text("Not checked.")
        expect(page.locator("#highlights mark.hl")).to_have_count(0)
        assert page.locator("#draft").input_value() == DRAFT      # the draft is kept
        # back up on the same address: the page retries by itself and the error goes away
        s = Server(s.port)
        expect(page.locator("#app")).to_have_attribute("data-state", "ok", timeout=15_000)
        expect(error).to_be_hidden()
        expect(page.locator("#highlights mark.hl")).to_have_count(2)
        ctx.close()
    finally:
        s.stop()


def test_screenshot_for_the_readme(page):
    text = ("Hi Sam, I understand how frustrating this is. Date of birth? "
            "That's not what happened. As I already said, the RMA ships on Monday.")
    page.locator("#draft").click()
    page.locator("#draft").fill(text)
    _checked(page, text)
    page.locator("li.finding[data-category=command] button.why-btn").click()
    expect(page.locator("li.finding[data-category=command] .why")).to_contain_text("sounds like a form")
    page.locator("li.finding[data-category=command] button.sugg").first.hover()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True, animations="disabled")  # same bytes every run
    assert SCREENSHOT.stat().st_size > 10_000


def test_assets_are_package_data():
    static = ROOT / "src" / "phrasecoach" / "web" / "static"
    html = (static / "index.html").read_text()
    for name in ("app.js", "app.css"):
        assert (static / name).is_file() and f"static/{name}" in html
    assert "http://" not in html and "https://" not in html   # nothing from a CDN


# ---- the level switch and the customer's message -------------------------------------------
@pytest.fixture(scope="module")
def default_server():
    s = Server(default_level=True)
    yield s
    s.stop()


def test_the_picky_switch_and_the_customer_message(browser, default_server):
    ctx, page = _open(browser, default_server.url)
    text = "Date of birth? Sorry if you were upset."
    _type(page, text)
    _checked(page, text)
    # out of the box: only what is measured precise on real chats
    assert _marks(page) == [("dismissive", "Sorry if you were upset.")]
    page.locator("#picky").check()
    expect(page.locator("li.finding")).to_have_count(2)
    assert ("command", "Date of birth?") in _marks(page)

    # the customer's own acronym is not jargon
    page.locator("#draft").fill("")
    _type(page, "Your RMA is approved.")
    expect(page.locator("li.finding[data-category=jargon]")).to_have_count(1)
    _checked(page, "Your RMA is approved.")
    assert _marks(page) == [("jargon", "RMA")]
    page.locator(".context summary").click()
    page.locator("#context").fill("is my RMA approved yet?")
    expect(page.locator("li.finding")).to_have_count(0)
    expect(page.locator("#status")).to_contain_text("No findings")
    assert page.errors == [], page.errors
    ctx.close()
