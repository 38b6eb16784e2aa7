"""Shared by the browser tests: Debian's chromium, the flags it needs on this closed network,
and one rule for a missing browser (skip locally, fail in CI where .ci/run installs it)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# without the background-networking flags chromium keeps trying (and failing) to reach Google
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def missing(reason: str) -> None:
    """Skip the calling test module, or fail it under PHRASECOACH_REQUIRE_BROWSER=1 (CI)."""
    if os.environ.get("PHRASECOACH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (PHRASECOACH_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require_browser() -> None:
    """Chromium and Playwright for Python must both be there."""
    if not CHROMIUM.is_file():
        missing("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("browser tests need Playwright for Python (pip install playwright)")


@contextlib.contextmanager
def chromium():
    """Debian's chromium under Playwright, with the flags above; call require_browser() first."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
