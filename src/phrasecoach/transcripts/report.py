"""The self-contained HTML report: one file, charts as inline SVG drawn by matplotlib.

No script, font, stylesheet or image is fetched: the file opens offline, can be mailed, and
prints. Sections (each an <h2> with a stable id): summary, how-to-read, score-distribution,
categories, agents, rules, trend, skipped.
"""

from __future__ import annotations

import html
import io
import re
from datetime import datetime, timezone
from typing import Any

from .. import __version__
from .aggregate import Aggregator
from .scoring import CATEGORIES

MAX_AGENT_ROWS = 200
MAX_RULE_ROWS = 25
PALETTE = {
    "command": "#4c78a8", "defensive": "#f58518", "blame": "#e45756", "dismissive": "#b279a2",
    "jargon": "#72b7b2", "impatience": "#eeca3b", "missed-acknowledgment": "#9d755d",
}
SECTIONS = ("summary", "how-to-read", "score-distribution", "categories", "agents", "rules",
            "trend", "skipped")


def _esc(v: Any) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def _svg(fig, salt: str) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    s = buf.getvalue()
    s = re.sub(r"<\?xml[^>]*\?>\s*", "", s)
    s = re.sub(r"<!DOCTYPE[^>]*>\s*", "", s)
    s = re.sub(r"<metadata>.*?</metadata>\s*", "", s, flags=re.S)
    s = re.sub(r'(<svg[^>]*?)\swidth="[^"]*"\s+height="[^"]*"', r'\1 width="100%"', s, count=1)
    return f'<figure class="chart" role="img" aria-label="{_esc(salt)}">{s}</figure>'


def _figure(w: float = 8.0, h: float = 3.0):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=9)
    return fig, ax


def chart_scores(agg: Aggregator) -> str:
    """Conversations per 5-point band. Typically most conversations score 100, which would
    flatten every other bar: the 100 bar is then cut at the height of the others and labelled
    with its count, and bands below the lowest score are left out (0-100 is kept from 50)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    hist = agg.all.hist
    bins = hist.bins
    counts = [sum(bins[lo:lo + 5]) for lo in range(0, 100, 5)] + [bins[100]]
    labels = [f"{lo}–{lo + 4}" for lo in range(0, 100, 5)] + ["100"]
    lows = list(range(0, 101, 5))
    first = next((i for i, c in enumerate(counts) if c), len(counts) - 1)
    first = max(0, min(first - 1, 10))  # one empty band for context; always show 50-100
    counts, labels, lows = counts[first:], labels[first:], lows[first:]
    n = max(1, hist.n)
    rest = max(counts[:-1], default=0)
    cut = counts[-1] > 2.5 * max(rest, 1) and rest > 0
    top = rest * 1.35 if cut else max(counts) * 1.15
    heights = [min(c, top) for c in counts]
    fig, ax = _figure(10.4, 3.3)
    x = list(range(len(counts)))
    bars = ax.bar(x, heights, color=[_score_colour(lo) for lo in lows], edgecolor="white",
                  linewidth=0.5)

    def share(c: int) -> str:
        if not c:
            return ""
        p = 100 * c / n
        return f"{p:.1f}%" if p >= 0.1 else "<0.1%"

    ax.bar_label(bars, labels=[share(c) for c in counts[:-1]] + ["" if cut else share(counts[-1])],
                 fontsize=8, padding=2, color="#444")
    if cut:
        b = bars[-1]
        ax.plot([b.get_x() - 0.08, b.get_x() + b.get_width() + 0.08], [top * 0.9, top * 0.93],
                color="white", linewidth=3, solid_capstyle="butt", zorder=3)
        ax.text(x[-1] - 0.55, top * 0.98, f"{counts[-1]:,} ({share(counts[-1])})\nscored 100",
                ha="right", va="top", fontsize=9, fontweight="bold", color="#2d6a27", zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 2})
    ax.set_ylim(0, top * 1.08)
    ax.set_xticks(x, labels, rotation=45 if len(x) > 12 else 0, ha="right" if len(x) > 12 else "center",
                  fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylabel("conversations", fontsize=9)
    ax.set_xlabel("conversation score, 5-point bands (share of all conversations above each bar)",
                  fontsize=9)
    mean, median = hist.mean, hist.median
    if mean is not None:
        for val, style, name in ((round(mean, 2), "--", "mean"), (median, ":", "median")):
            pos = 20 if val >= 100 else val / 5 - 0.5  # band i spans scores 5i..5i+5
            ax.axvline(pos - first, color="#333", linestyle=style, linewidth=1,
                       label=f"{name} {val:.1f}")
        ax.legend(fontsize=8, loc="upper left", frameon=False)
    return _svg(fig, "score distribution")


def _score_colour(score: int) -> str:
    if score >= 90:
        return "#54a24b"
    if score >= 75:
        return "#a0c95b"
    if score >= 60:
        return "#eeca3b"
    if score >= 40:
        return "#f58518"
    return "#e45756"


def chart_categories(agg: Aggregator) -> str:
    rows = agg.category_rows()
    fig, ax = _figure(10.4, 2.6)
    names = [r["category"] for r in rows][::-1]
    vals = [r["per_100_turns"] for r in rows][::-1]
    bars = ax.barh(names, vals, color=[PALETTE.get(n, "#888") for n in names])
    ax.bar_label(bars, labels=[f"{v:g}  ({r['findings']:,})" for v, r in zip(vals, rows[::-1])],
                 fontsize=8, padding=3)
    ax.set_xlabel("findings per 100 agent turns (count in brackets)", fontsize=9)
    ax.margins(x=0.18)
    return _svg(fig, "findings by category")


def chart_rules(agg: Aggregator, top: int = 12) -> str:
    rows = agg.rule_rows()[:top]
    if not rows:
        return ""
    fig, ax = _figure(10.4, 0.8 + 0.28 * len(rows))
    names = [f"{r['rule']} {r['name']}" for r in rows][::-1]
    vals = [r["findings"] for r in rows][::-1]
    bars = ax.barh(names, vals, color=[PALETTE.get(r["category"], "#888") for r in rows][::-1])
    ax.bar_label(bars, labels=[f"{v:,}" for v in vals], fontsize=8, padding=3)
    ax.set_xlabel("findings", fontsize=9)
    ax.margins(x=0.12)
    return _svg(fig, "rules that fire most")


def chart_agents(agg: Aggregator, top: int = 20) -> str:
    rows = [r for r in agg.agent_rows() if r["mean_score"] is not None][:top]
    if len(rows) < 2:
        return ""
    fig, ax = _figure(10.4, 0.8 + 0.28 * len(rows))
    names = [f"{r['agent']} ({r['conversations']:,})" for r in rows][::-1]
    vals = [r["mean_score"] for r in rows][::-1]
    bars = ax.barh(names, vals, color=[_score_colour(int(v)) for v in vals])
    ax.bar_label(bars, labels=[f"{v:.1f}" for v in vals], fontsize=8, padding=3)
    ax.set_xlim(0, 108)
    ax.set_xlabel("mean conversation score (conversations in brackets)", fontsize=9)
    return _svg(fig, "mean score per agent")


def chart_trend(agg: Aggregator) -> str:
    rows = agg.week_rows()
    if not rows:
        return ""
    fig, ax = _figure(10.4, 3.2)
    x = list(range(len(rows)))
    ax2 = ax.twinx()
    ax2.bar(x, [r["conversations"] for r in rows], color="#d9d9d9", width=0.7, zorder=0)
    ax2.set_ylabel("conversations", fontsize=9, color="#777")
    ax2.tick_params(labelsize=8, colors="#777")
    ax2.spines[["top"]].set_visible(False)
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.plot(x, [r["mean_score"] for r in rows], marker="o", color="#4c78a8", label="mean")
    ax.plot(x, [r["median_score"] for r in rows], marker=".", linestyle="--", color="#54a24b",
            label="median")
    ax.set_ylim(0, 105)
    ax.set_ylabel("score", fontsize=9)
    step = max(1, len(rows) // 16)
    ax.set_xticks(x[::step], [r["week"] for r in rows][::step], rotation=45, ha="right", fontsize=8)
    ax.legend(fontsize=8, loc="lower left", frameon=False)
    return _svg(fig, "score trend by week")


CSS = """
:root { --ink:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#f6f8fa; --accent:#4c78a8; }
* { box-sizing: border-box; }
body { font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink);
       margin: 0; background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 60px; }
/* The layout must not depend on the fonts a machine has: long words (file paths, ids) break,
   headers wrap, and a table that is still too wide scrolls inside its own box, never the page. */
h1, h2, p, .meta, .kpi, .note { overflow-wrap: anywhere; }
td { overflow-wrap: break-word; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.meta { color: var(--muted); font-size: 12px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(125px, 100%), 1fr)); gap: 10px; margin: 18px 0; }
.kpi { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; min-width: 0; }
.kpi b { display: block; font-size: 22px; }
.kpi span { color: var(--muted); font-size: 12px; }
.wide { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 7px; text-align: left; vertical-align: top; }
th { background: var(--bg); font-weight: 600; position: sticky; top: 0; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n { white-space: nowrap; }
mark { background: #ffe08a; padding: 0 1px; border-radius: 2px; }
.cat { display: inline-block; padding: 0 6px; border-radius: 9px; color: #fff; font-size: 11px; white-space: nowrap; }
.ex { color: var(--muted); font-size: 12px; margin-top: 3px; }
.ex + .ex { margin-top: 8px; }
.who { display: inline-block; min-width: 58px; font-size: 10.5px; text-transform: uppercase;
       letter-spacing: .03em; color: var(--ink); }
table.compact { width: auto; min-width: min(460px, 100%); }
table.rules { table-layout: fixed; min-width: 880px; }
table.rules td, table.errors td { overflow-wrap: anywhere; }
table.rules .cat { white-space: normal; }
.note { color: var(--muted); font-size: 12.5px; }
figure.chart { margin: 8px 0; }
figure.chart svg { max-width: 100%; height: auto; }
code { background: var(--bg); padding: 1px 4px; border-radius: 4px; font-size: 12px; }
pre { background: var(--bg); padding: 10px 12px; border-radius: 6px; font-size: 12.5px; overflow-x: auto; }
.scroll { max-height: 640px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
@media (max-width: 600px) {
  main { padding: 16px 12px 40px; }
  table { font-size: 12px; }
  th, td { padding: 4px 5px; }
}
"""


def _cat(c: str) -> str:
    return f'<span class="cat" style="background:{PALETTE.get(c, "#888")}">{_esc(c)}</span>'


def _num(v: Any, fmt: str = "{:,}") -> str:
    if v is None:
        return "–"
    return fmt.format(v)


def _rate(rate: float | None, n: int) -> str:
    return "–" if rate is None else f"{100 * rate:.0f}% of {n:,}"


def _top_rules(top: list[dict]) -> str:
    return ", ".join(f"{_esc(t['rule'])} ({t['findings']:,})" for t in top)


def _marked(ctx: str, s: int, e: int) -> str:
    return _esc(ctx[:s]) + "<mark>" + _esc(ctx[s:e]) + "</mark>" + _esc(ctx[e:])


def _example(e: dict) -> str:
    """One real example: the agent's turn with the span marked; for PC701, the customer's
    words that called for an acknowledgement above it."""
    where = f'<span class="note">({_esc(e["conversation"])}, turn {e["turn"]})</span>'
    cue = e.get("cue")
    if cue:
        return (f'<div class="ex"><div><span class="who">customer</span> '
                f'{_marked(cue["context"], cue["start"], cue["end"])}</div>'
                f'<div><span class="who">agent</span> '
                f'{_marked(e["context"], e["start"], e["end"])} {where}</div></div>')
    return f'<div class="ex">{_marked(e["context"], e["start"], e["end"])} {where}</div>'


def render_html(agg: Aggregator, *, title: str, inputs: list[str], started: datetime,
                elapsed_s: float, options: dict[str, Any] | None = None) -> str:
    s = agg.summary()
    parts: list[str] = []
    add = parts.append
    gen = started.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    add(f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_esc(title)}</title><style>{CSS}</style></head><body><main>")
    add(f"<h1>{_esc(title)}</h1>")
    add(f"<div class=\"meta\">Generated {gen} by phrasecoach {_esc(__version__)} in "
        f"{elapsed_s:,.1f} s from {', '.join(_esc(i) for i in inputs)}</div>")

    # summary
    add('<h2 id="summary">Summary</h2><div class="kpis">')
    ack = s["acknowledgment_rate"]
    for val, label in (
        (_num(s["conversations"]), "conversations scored"),
        (_num(s["mean_score"], "{:.1f}"), "mean score"),
        (_num(s["median_score"], "{:g}"), "median score"),
        (_num(s["agent_turns"]), "agent turns linted"),
        (_num(s["findings_per_100_turns"], "{:g}"), "findings per 100 agent turns"),
        ("–" if ack is None else f"{100 * ack:.0f}%", "frustrated / waiting customers acknowledged"),
        (_num(s["skipped"]), "records skipped (errors.jsonl)"),
    ):
        add(f'<div class="kpi"><b>{val}</b><span>{label}</span></div>')
    add("</div>")

    # how to read
    add('<h2 id="how-to-read">How to read this report</h2>')
    add("""<p>Only <b>agent turns</b> are linted, with the same rules and settings as
<code>phrasecoach check</code>. Each conversation starts at 100 and loses points per finding:</p>
<pre>score = 100 − Σ points(finding) + bonus        (clamped to 0…100)
points: error 20 · warning 10 · info 4
bonus  = min(10, 5 × empathy strengths), only when something was deducted;
         strengths that overlap in one turn count once</pre>
<p>Every deduction in <code>conversations.jsonl</code> names its agent turn, the span of text and
the rule. <b>missed-acknowledgment</b> (PC701) is the one conversation-level rule: the customer
showed frustration, urgency or a long wait, and the agent's next reply did not acknowledge it.
Rates are per 100 agent turns so that agents with long and short conversations compare fairly.
Start coaching with the rules at the top of <a href="#rules">the rules table</a>.</p>""")

    # score distribution
    add('<h2 id="score-distribution">Score distribution</h2>')
    if s["conversations"]:
        add(chart_scores(agg))
    else:
        add('<p class="note">No conversation was scored.</p>')

    # categories
    add('<h2 id="categories">Findings by category</h2>')
    if s["conversations"]:
        add(chart_categories(agg))
    add('<div class="wide"><table class="compact"><thead><tr><th>category</th><th class="n">findings</th>'
        '<th class="n">per 100 agent turns</th></tr></thead><tbody>')
    for r in agg.category_rows():
        add(f'<tr><td>{_cat(r["category"])}</td><td class="n">{r["findings"]:,}</td>'
            f'<td class="n">{r["per_100_turns"]:g}</td></tr>')
    add(f'<tr><td>empathy strengths</td><td class="n">{s["strengths"]:,}</td>'
        f'<td class="n">{agg.all.per_100(s["strengths"]):g}</td></tr></tbody></table></div>')

    # agents
    add('<h2 id="agents">Per agent</h2>')
    rows = agg.agent_rows()
    add(chart_agents(agg))
    if len(rows) > MAX_AGENT_ROWS:
        add(f'<p class="note">The {MAX_AGENT_ROWS} agents with the most conversations of '
            f'{len(rows):,}; every agent is in <code>agents.csv</code>.</p>')
    short = {"command": "cmd", "defensive": "def", "blame": "blm", "dismissive": "dis",
             "jargon": "jar", "impatience": "imp", "missed-acknowledgment": "ack"}
    add('<div class="scroll"><table><thead><tr><th>agent</th><th class="n">conversations</th>'
        '<th class="n">agent turns</th><th class="n">mean</th><th class="n">median</th>'
        '<th class="n">findings /100 turns</th>'
        + "".join(f'<th class="n" title="{c} per 100 agent turns">{short[c]}</th>' for c in CATEGORIES)
        + '<th class="n">acknowledged</th><th>top rules</th></tr></thead><tbody>')
    for r in rows[:MAX_AGENT_ROWS]:
        rate = r["acknowledgment_rate"]
        add(f'<tr><td>{_esc(r["agent"])}</td><td class="n">{r["conversations"]:,}</td>'
            f'<td class="n">{r["agent_turns"]:,}</td><td class="n">{_num(r["mean_score"], "{:.1f}")}</td>'
            f'<td class="n">{_num(r["median_score"], "{:g}")}</td>'
            f'<td class="n">{r["findings_per_100_turns"]:g}</td>'
            + "".join(f'<td class="n">{r["per_100_turns"][c]:g}</td>' for c in CATEGORIES)
            + f'<td class="n">{_rate(rate, r["signals"])}</td>'
            f'<td>{_top_rules(r["top_rules"])}</td></tr>')
    add("</tbody></table></div>")
    add('<p class="note">Category columns are findings per 100 agent turns: '
        + ", ".join(f"{short[c]} = {c}" for c in CATEGORIES)
        + ". <i>acknowledged</i>: share of customer signals (frustration, urgency, long wait) the "
          "agent's next reply acknowledged.</p>")

    # rules
    add('<h2 id="rules">Rules that fire most</h2>')
    rr = agg.rule_rows()
    if rr:
        add(chart_rules(agg))
        add('<div class="wide"><table class="rules"><colgroup><col style="width:14%"><col style="width:15%">'
            '<col style="width:8%"><col style="width:11%"><col style="width:19%"><col></colgroup>'
            # soft hyphens: fixed columns, so a wide font may need to break these words
            '<thead><tr><th>rule</th><th>category</th><th class="n">find&shy;ings</th>'
            '<th class="n">conver&shy;sations</th><th>most frequent phrases</th><th>real examples '
            '(the flagged words marked)</th></tr></thead><tbody>')
        for r in rr[:MAX_RULE_ROWS]:
            phrases = "<br>".join(f"“{_esc(p['text'])}” ×{p['count']:,}" for p in r["top_phrases"])
            exs = "".join(_example(e) for e in r["examples"][:2])
            add(f'<tr><td><b>{_esc(r["rule"])}</b> {_esc(r["name"])}</td><td>{_cat(r["category"])}</td>'
                f'<td class="n">{r["findings"]:,}</td><td class="n">{r["conversations"]:,}</td>'
                f'<td>{phrases}</td><td>{exs}</td></tr>')
        add("</tbody></table></div>")
        if len(rr) > MAX_RULE_ROWS:
            add(f'<p class="note">{len(rr) - MAX_RULE_ROWS} more rules in <code>rules.csv</code>.</p>')
    else:
        add('<p class="note">No rule fired.</p>')

    # trend
    add('<h2 id="trend">Score trend by week</h2>')
    if agg.weeks:
        add(chart_trend(agg))
        add('<div class="wide"><table><thead><tr><th>week</th><th class="n">conversations</th><th class="n">mean</th>'
            '<th class="n">median</th><th class="n">findings /100 turns</th></tr></thead><tbody>')
        for r in agg.week_rows():
            add(f'<tr><td>{_esc(r["week"])}</td><td class="n">{r["conversations"]:,}</td>'
                f'<td class="n">{_num(r["mean_score"], "{:.1f}")}</td>'
                f'<td class="n">{_num(r["median_score"], "{:g}")}</td>'
                f'<td class="n">{r["findings_per_100_turns"]:g}</td></tr>')
        add("</tbody></table></div>")
        undated = agg.all.conversations - sum(g.conversations for g in agg.weeks.values())
        if undated:
            add(f'<p class="note">{undated:,} conversations have no timestamp and are not in the trend.</p>')
    else:
        add('<p class="note">The input has no timestamps (<code>ts</code> on turns or '
            'conversations), so there is no weekly trend.</p>')

    # skipped
    add('<h2 id="skipped">Skipped records</h2>')
    if s["skipped"]:
        add(f'<p>{s["skipped"]:,} records were skipped; each is in <code>errors.jsonl</code> with its '
            'file, line and reason.</p><div class="wide"><table><thead><tr><th>kind</th><th class="n">records</th>'
            '</tr></thead><tbody>')
        for k, n in sorted(agg.errors.items(), key=lambda kv: -kv[1]):
            add(f'<tr><td>{_esc(k)}</td><td class="n">{n:,}</td></tr>')
        add('</tbody></table></div><div class="wide"><table class="errors"><thead><tr><th>where</th>'
            '<th>reason</th></tr></thead><tbody>')
        for e in agg.error_examples[:10]:
            where = f'{e["file"]}:{e["line"]}' + (f' (row {e["row"]})' if e.get("row") else "")
            add(f'<tr><td>{_esc(where)}</td><td>{_esc(e["reason"])}</td></tr>')
        add("</tbody></table></div>")
    else:
        add('<p class="note">None: every record was read and scored.</p>')
    if options:
        add('<p class="meta">Options: ' + _esc(", ".join(f"{k}={v}" for k, v in options.items() if v not in (None, [], ""))) + "</p>")
    add("</main></body></html>\n")
    return "".join(parts)
