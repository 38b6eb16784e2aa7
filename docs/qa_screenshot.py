"""Screenshots of the QA report for the README: docs/img/qa-report.png (the top of report.html)
and docs/img/qa-report-rules.png (the per-agent table and the rules that fire most).

    phrasecoach score ../shared/corpus/transcripts.jsonl --out /tmp/qa --workers 2 \\
        --field agent=source --title "Customer-service corpus: QA report"
    python docs/qa_screenshot.py /tmp/qa/report.html

Uses Playwright for Python with Debian's headless chromium (/usr/bin/chromium, or
$CHROMIUM). The report is a local file with no script and nothing fetched, so the page is
complete once loaded; animations are off anyway so that two runs give the same image.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

IMG = Path(__file__).resolve().parent / "img"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", type=Path, help="report.html written by phrasecoach score")
    ap.add_argument("--out", type=Path, default=IMG, help="folder for the PNG files")
    ap.add_argument("--width", type=int, default=1100)
    ap.add_argument("--height", type=int, default=1300, help="height of the browser window")
    ap.add_argument("--scale", type=float, default=1.0, help="device pixel ratio")
    args = ap.parse_args(argv)
    if not args.report.is_file():
        print(f"no report at {args.report}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                    args=ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.height},
                                device_scale_factor=args.scale, reduced_motion="reduce")
        page.goto(args.report.resolve().as_uri())
        page.wait_for_load_state("load")
        # the top: title, summary, how to read it, score distribution, findings by category
        top = args.out / "qa-report.png"
        chart = page.locator("#categories + figure").bounding_box()
        height = chart["y"] + chart["height"] + 4 if chart else args.height
        page.screenshot(path=str(top), full_page=True, animations="disabled",
                        clip={"x": 0, "y": 0, "width": args.width, "height": height})
        print(top)
        # the per-agent table and the rules that fire most, from the "Per agent" heading to the
        # end of the rules chart and the first rows of the rules table
        start = page.locator("#agents").bounding_box()
        end = page.locator("#rules ~ table tbody tr").nth(2).bounding_box()
        if start and end:
            clip = {"x": 0, "y": start["y"] - 12, "width": args.width,
                    "height": end["y"] + end["height"] - start["y"] + 14}
            rules = args.out / "qa-report-rules.png"
            page.screenshot(path=str(rules), full_page=True, clip=clip, animations="disabled")
            print(rules)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
