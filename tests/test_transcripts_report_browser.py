"""report.html opened in a real browser (Debian's headless chromium, driven by Playwright for
Python): every section is there and visible, the charts are drawn, nothing is fetched from the
network, and the page fits the window. Skipped, with the reason, when the browser or Playwright
is missing (failed instead under PHRASECOACH_REQUIRE_BROWSER=1, as in CI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from browser_support import chromium, require_browser
from transcripts_support import FIXTURE

SECTIONS = ["Summary", "How to read this report", "Score distribution", "Findings by category",
            "Per agent", "Rules that fire most", "Score trend by week", "Skipped records"]


require_browser()


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    from phrasecoach import Coach
    from phrasecoach.transcripts.runner import RunOptions, run

    coach = Coach()
    src = tmp_path_factory.mktemp("in") / "mixed.jsonl"
    src.write_text(FIXTURE.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("qa")
    res = run(RunOptions(inputs=[str(src)], out=out, settings=coach.settings, coach=coach,
                         progress="never"))
    assert res.summary["conversations"] == 5 and res.summary["skipped"] == 1
    return out / "report.html"


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _open(browser, report: Path, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    fetched, errors = [], []
    page.on("request", lambda r: fetched.append(r.url) if not r.url.startswith("file:") else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.resolve().as_uri())
    page.wait_for_load_state("load")
    return page, fetched, errors


def test_report_opens_offline_with_every_section_and_chart(browser, report):
    page, fetched, errors = _open(browser, report, 1100)
    assert fetched == [] and errors == []
    headings = page.locator("h2")
    assert headings.all_inner_texts() == SECTIONS
    for i in range(headings.count()):
        assert headings.nth(i).is_visible()
    charts = page.locator("figure.chart svg")
    assert charts.count() == 5  # score distribution, categories, agents, rules, trend
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 600 and box["height"] > 100, box
    kpis = page.locator(".kpi b").all_inner_texts()
    assert kpis[:3] == ["5", "87.0", "90"]  # conversations, mean, median
    assert page.locator("table.rules mark").count() >= 4
    assert "waiting 40 minutes" in page.locator("table.rules").inner_text()
    assert "not valid JSON" in page.locator("#skipped ~ .wide table").last.inner_text()
    page.close()


# The layout must not depend on the fonts a machine happens to have (this test once failed by
# 38 px on a machine whose sans-serif was wider): besides the fonts the browser picks, force
# wider ones. DejaVu comes with Debian's fonts-dejavu-core (.ci/run installs it); the letter
# spacing makes any font, even a fallback, far wider than a normal one.
FONTS = {
    "machine-fonts": "",
    "wide-mono": "* { font-family: 'DejaVu Sans Mono', monospace !important; }",
    "spaced-serif": "* { font-family: 'DejaVu Serif', serif !important; letter-spacing: .12em; }",
}
# cells whose text does not fit them: the text would be cut or run over the next cell
OVERFLOWING_CELLS = """() => [...document.querySelectorAll('th, td, .kpi, h1, h2, p')]
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => `${e.tagName}: ${e.textContent.trim().slice(0, 40)} (${e.scrollWidth} > ${e.clientWidth} px)`)"""


@pytest.mark.parametrize("font", list(FONTS))
@pytest.mark.parametrize("width", [1280, 800, 420, 320])
def test_report_fits_the_window(browser, report, width, font):
    page, _, _ = _open(browser, report, width)
    if FONTS[font]:
        page.add_style_tag(content=FONTS[font])
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px wider than a {width}px window ({font})"
    assert page.evaluate(OVERFLOWING_CELLS) == []
    # what does not fit a narrow window scrolls inside its own box, and is all still there
    assert "not valid JSON" in page.locator("table.errors").inner_text()
    box = page.locator("h2#skipped").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
    page.close()
