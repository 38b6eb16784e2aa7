"""Streaming readers for transcript files: JSONL, CSV (long form) and plain text.

Every reader yields, in file order, either a `Conversation` or a `BadRecord`; nothing is ever
loaded whole (one conversation at a time is held, plus, for CSV, the set of conversation ids
already seen, to catch rows of one conversation that are not contiguous). A bad record costs
only itself: its file, line (and CSV row) and reason are reported, and reading goes on.

Formats (detected from the file name; `.gz` is read transparently):

* JSONL (`.jsonl`, `.ndjson`, `.json`): one conversation per line,
  `{"id": ..., "agent": ..., "turns": [{"speaker": ..., "text": ..., "ts": ...}]}`.
* CSV (`.csv`, or `.tsv` tab-separated), one row per turn: `conversation_id`, `speaker`,
  `text`, optional `turn`, `agent_id`, `timestamp`. Rows of a conversation are contiguous;
  with a `turn` column they are ordered by it.
* Text (`.txt`, `.text`, `.log`): `Agent: ...` / `Customer: ...` lines; conversations are
  separated by blank lines (or are one file each). An indented line continues the turn above;
  `# id: ...` / `# agent: ...` lines before the first turn set the id and agent; an optional
  `[2024-05-01 10:32]` before the label gives the turn's time.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Literal

Format = Literal["jsonl", "csv", "tsv", "text"]

DEFAULT_AGENT_LABELS = ("agent", "rep", "representative", "assistant", "advisor", "adviser",
                        "support", "staff", "operator", "associate", "csr")
DEFAULT_CUSTOMER_LABELS = ("customer", "user", "caller", "client", "guest", "visitor", "cust",
                           "consumer")

# Logical field -> names accepted by default (first match wins). `--field` overrides.
FIELDS = ("id", "agent", "turns", "speaker", "text", "ts", "turn")
DEFAULT_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "conversation_id", "conversation", "conv_id", "ticket_id", "chat_id"),
    "agent": ("agent", "agent_id", "agent_name"),
    "turns": ("turns", "messages", "utterances"),
    "speaker": ("speaker", "role", "author", "from", "sender"),
    "text": ("text", "content", "message", "body", "utterance"),
    "ts": ("ts", "timestamp", "time", "created_at", "date", "datetime"),
    "turn": ("turn", "turn_index", "seq", "sequence", "position", "index"),
}
REQUIRED_CSV = ("id", "speaker", "text")

SUFFIXES: dict[str, Format] = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".tsv": "tsv",
    ".tab": "tsv", ".txt": "text", ".text": "text", ".log": "text", ".transcript": "text",
}


class SpeakerMap:
    """Maps speaker labels (case-insensitive) to agent or customer."""

    def __init__(self, agent_labels: Iterable[str] | None = None,
                 customer_labels: Iterable[str] | None = None):
        agents = [x.strip().lower() for x in (agent_labels or DEFAULT_AGENT_LABELS) if x.strip()]
        customers = [x.strip().lower() for x in (customer_labels or DEFAULT_CUSTOMER_LABELS) if x.strip()]
        clash = set(agents) & set(customers)
        if clash:
            raise ValueError(f"label(s) both agent and customer: {', '.join(sorted(clash))}")
        self.agent_labels = tuple(agents)
        self.customer_labels = tuple(customers)
        self._map = {**{a: "agent" for a in agents}, **{c: "customer" for c in customers}}

    def map(self, label: Any) -> str | None:
        if not isinstance(label, str):
            return None
        return self._map.get(" ".join(label.strip().rstrip(":").lower().split()))

    def describe(self) -> str:
        return (f"agent: {', '.join(self.agent_labels)}; "
                f"customer: {', '.join(self.customer_labels)}")


@dataclass(slots=True)
class Conversation:
    """A validated conversation: turns are (speaker, text, ts) with speaker agent/customer."""

    id: str
    agent: str | None
    turns: list[tuple[str, str, datetime | None]]
    file: str = ""
    line: int | None = None
    row: int | None = None
    ts: datetime | None = None
    offset: int = 0

    def source(self) -> dict:
        out: dict = {"file": self.file, "line": self.line}
        if self.row is not None:
            out["row"] = self.row
        return out


@dataclass(slots=True)
class BadRecord:
    file: str
    line: int | None
    kind: str
    reason: str
    row: int | None = None
    conversation: str | None = None
    offset: int = 0

    def to_dict(self) -> dict:
        out: dict = {"file": self.file, "line": self.line}
        if self.row is not None:
            out["row"] = self.row
        out.update({"conversation": self.conversation, "kind": self.kind, "reason": self.reason,
                    "code": "E040"})
        return out

    def where(self) -> str:
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
        if self.row is not None:
            loc += f" (row {self.row})"
        return loc


@dataclass(slots=True)
class _RawTurn:
    speaker: Any
    text: Any
    ts: Any
    line: int | None = None
    row: int | None = None
    order: int | None = None


@dataclass(slots=True)
class _RawConversation:
    file: str
    line: int | None
    id: Any
    agent: Any
    turns: list[_RawTurn]
    row: int | None = None
    ts: Any = None
    offset: int = 0
    errors: list[BadRecord] = field(default_factory=list)


@dataclass
class ReaderOptions:
    speakers: SpeakerMap = field(default_factory=SpeakerMap)
    fields: dict[str, str] = field(default_factory=dict)  # logical field -> name in the file
    max_text_chars: int = 20_000


# ---- helpers ------------------------------------------------------------------------------

def detect_format(path: str) -> Format | None:
    name = path.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return SUFFIXES.get(os.path.splitext(name)[1])


def expand_inputs(paths: Iterable[str]) -> list[str]:
    """Files as given; a folder stands for the transcript files under it (sorted)."""
    out: list[str] = []
    for p in paths:
        if p != "-" and os.path.isdir(p):
            found = sorted(str(f) for f in Path(p).rglob("*")
                           if f.is_file() and detect_format(f.name) is not None)
            out.extend(found)
        else:
            out.append(p)
    return out


class _Source:
    """A binary stream with the byte position of the underlying file (for progress)."""

    def __init__(self, path: str):
        self.path = path
        if path == "-":
            self.raw: BinaryIO = sys.stdin.buffer
            self.stream: BinaryIO = self.raw
            self.size = 0
        else:
            self.raw = open(path, "rb")
            self.size = os.fstat(self.raw.fileno()).st_size
            self.stream = gzip.GzipFile(fileobj=self.raw) if path.lower().endswith(".gz") else self.raw

    def tell(self) -> int:
        try:
            return self.raw.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        if self.path != "-":
            if self.stream is not self.raw:
                self.stream.close()
            self.raw.close()


def _decode(b: bytes, first: bool) -> tuple[str, int | None]:
    """(text, None) or (text with U+FFFD, 1-based byte column of the first bad byte)."""
    try:
        s = b.decode("utf-8")
        bad = None
    except UnicodeDecodeError as e:
        s = b.decode("utf-8", "replace")
        bad = e.start + 1
    if first and s.startswith("\ufeff"):
        s = s[1:]
    return s, bad


def _pick(obj: dict, logical: str, opts: ReaderOptions) -> Any:
    if logical in opts.fields:
        return obj.get(opts.fields[logical])
    for name in DEFAULT_NAMES[logical]:
        if name in obj:
            return obj[name]
    return None


def parse_ts(value: Any) -> datetime | None:
    """ISO 8601 text (a trailing Z is fine) or Unix seconds; None or '' is no time. ValueError else."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), tz=timezone.utc)
    if isinstance(value, str):
        v = value.strip()
        if re.fullmatch(r"\d{9,11}(?:\.\d+)?", v):
            return datetime.fromtimestamp(float(v), tz=timezone.utc)
        if v.endswith(("Z", "z")):
            v = v[:-1] + "+00:00"
        try:
            return datetime.fromisoformat(v)
        except ValueError:
            raise ValueError(f"not an ISO 8601 time: {value!r}") from None
    raise ValueError(f"not a time: {value!r}")


def _short(v: Any, n: int = 40) -> str:
    s = repr(v) if not isinstance(v, str) else v
    return s if len(s) <= n else s[: n - 1] + "…"


def validate(raw: _RawConversation, opts: ReaderOptions,
             suffix: str = "; conversation skipped") -> Conversation | BadRecord:
    """Check one raw conversation; the first problem makes it a BadRecord (nothing is half-scored)."""
    cid = raw.id
    if cid is None or (isinstance(cid, str) and not cid.strip()):
        cid = f"{os.path.basename(raw.file)}:{raw.line}"
    elif isinstance(cid, (int, float)) and not isinstance(cid, bool):
        cid = str(cid)
    elif not isinstance(cid, str):
        return BadRecord(raw.file, raw.line, "bad-field", f"the conversation id must be text, not {_short(cid)}",
                         row=raw.row, offset=raw.offset)
    cid = cid.strip()

    def bad(kind: str, reason: str, t: _RawTurn | None = None) -> BadRecord:
        line = t.line if t is not None and t.line is not None else raw.line
        row = t.row if t is not None and t.row is not None else raw.row
        return BadRecord(raw.file, line, kind, f"{reason}{suffix}", row=row,
                         conversation=cid, offset=raw.offset)

    if raw.errors:
        e = raw.errors[0]
        e.conversation = e.conversation or cid
        e.offset = raw.offset
        return e
    agent = raw.agent
    if agent is not None and not isinstance(agent, str):
        if isinstance(agent, (int, float)) and not isinstance(agent, bool):
            agent = str(agent)
        else:
            return bad("bad-field", f"the agent id must be text, not {_short(agent)}")
    agent = agent.strip() or None if isinstance(agent, str) else None
    if not raw.turns:
        return bad("no-turns", "no turns")
    try:
        conv_ts = parse_ts(raw.ts)
    except ValueError as e:
        return bad("bad-timestamp", str(e))
    turns: list[tuple[str, str, datetime | None]] = []
    n_agent = 0
    for i, t in enumerate(raw.turns):
        who = opts.speakers.map(t.speaker)
        if who is None:
            if t.speaker is None or (isinstance(t.speaker, str) and not t.speaker.strip()):
                return bad("unknown-speaker", f"turn {i}: no speaker", t)
            return bad("unknown-speaker",
                       f"turn {i}: unknown speaker {_short(t.speaker)} (known labels: "
                       f"{opts.speakers.describe()}; add yours with --agent-labels / --customer-labels)", t)
        if not isinstance(t.text, str):
            if t.text is None:
                return bad("empty-text", f"turn {i}: no text", t)
            return bad("bad-field", f"turn {i}: text must be a string, not {_short(t.text)}", t)
        if not t.text.strip():
            return bad("empty-text", f"turn {i}: empty text", t)
        if len(t.text) > opts.max_text_chars:
            return bad("too-long", f"turn {i}: {len(t.text):,} characters, over the limit of "
                                   f"{opts.max_text_chars:,} (PHRASECOACH_MAX_TEXT_CHARS)", t)
        try:
            ts = parse_ts(t.ts)
        except ValueError as e:
            return bad("bad-timestamp", f"turn {i}: {e}", t)
        n_agent += who == "agent"
        turns.append((who, t.text, ts))
    if not n_agent:
        return bad("no-agent-turns", "no agent turns, nothing to score")
    return Conversation(id=cid, agent=agent, turns=turns, file=raw.file, line=raw.line,
                        row=raw.row, ts=conv_ts, offset=raw.offset)


# ---- JSONL ----------------------------------------------------------------------------------

def _read_jsonl(src: _Source, name: str, opts: ReaderOptions) -> Iterator[_RawConversation | BadRecord]:
    for lineno, b in enumerate(src.stream, start=1):
        pos = src.tell()
        s, bad_byte = _decode(b, lineno == 1)
        if bad_byte is not None:
            yield BadRecord(name, lineno, "invalid-utf8", f"invalid UTF-8 at byte {bad_byte} of the line",
                            conversation=_guess_id(s), offset=pos)
            continue
        s = s.strip()
        if not s:
            continue
        try:
            obj = json.loads(s)
        except json.JSONDecodeError as e:
            yield BadRecord(name, lineno, "malformed-json", f"not valid JSON: {e.msg} at column {e.colno}",
                            conversation=_guess_id(s), offset=pos)
            continue
        if not isinstance(obj, dict):
            yield BadRecord(name, lineno, "bad-field",
                            f"a line must be a JSON object (a conversation), not {type(obj).__name__}",
                            offset=pos)
            continue
        cid = _pick(obj, "id", opts)
        turns = _pick(obj, "turns", opts)
        raw = _RawConversation(name, lineno, cid, _pick(obj, "agent", opts), [],
                               ts=_pick(obj, "ts", opts), offset=pos)
        if not isinstance(turns, list):
            key = opts.fields.get("turns", "turns")
            raw.errors.append(BadRecord(
                name, lineno, "bad-field",
                f"`{key}` must be a list of turns" + (" (missing)" if turns is None else "")
                + "; conversation skipped"))
        else:
            for i, t in enumerate(turns):
                if not isinstance(t, dict):
                    raw.errors.append(BadRecord(name, lineno, "bad-field",
                                                f"turn {i} must be an object; conversation skipped"))
                    break
                raw.turns.append(_RawTurn(_pick(t, "speaker", opts), _pick(t, "text", opts),
                                          _pick(t, "ts", opts)))
        yield raw


_ID_GUESS = re.compile(r'"(?:id|conversation_id)"\s*:\s*"([^"\\]{1,200})"')


def _guess_id(s: str) -> str | None:
    m = _ID_GUESS.search(s[:2000])
    return m.group(1) if m else None


# ---- CSV ------------------------------------------------------------------------------------

class _LineFeed:
    """Decoded physical lines for csv.reader, remembering which ones were not valid UTF-8."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.n = 0
        self.bad: dict[int, int] = {}

    def __iter__(self):
        for b in self.stream:
            self.n += 1
            s, bad = _decode(b, self.n == 1)
            if bad is not None:
                self.bad[self.n] = bad
            yield s


def _read_csv(src: _Source, name: str, opts: ReaderOptions, delimiter: str
              ) -> Iterator[_RawConversation | BadRecord]:
    feed = _LineFeed(src.stream)
    reader = csv.reader(feed, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as e:
        yield BadRecord(name, 1, "malformed-csv", f"cannot read the header: {e}; file skipped")
        return
    cols = [h.strip() for h in header]
    lower = {c.lower(): i for i, c in reversed(list(enumerate(cols)))}
    idx: dict[str, int] = {}
    for logical in ("id", "speaker", "text", "turn", "agent", "ts"):
        if logical in opts.fields:
            wanted = opts.fields[logical].lower()
            if wanted in lower:
                idx[logical] = lower[wanted]
            continue
        for cand in DEFAULT_NAMES[logical]:
            if cand in lower:
                idx[logical] = lower[cand]
                break
    missing = [f for f in REQUIRED_CSV if f not in idx]
    if missing:
        names = ", ".join(f"`{opts.fields.get(f, DEFAULT_NAMES[f][1] if f == 'id' else f)}`" for f in missing)
        yield BadRecord(name, 1, "missing-column",
                        f"the header has no {names} column (columns: {', '.join(cols) or 'none'}); "
                        f"map yours with --field {missing[0]}=NAME; file skipped")
        return
    width = len(cols)
    seen: set[str] = set()
    cur: _RawConversation | None = None
    prev_line = feed.n
    row_no = 1  # the header is row 1, as a spreadsheet shows it
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            row_no += 1
            yield BadRecord(name, prev_line + 1, "malformed-csv", f"{e}; row skipped", row=row_no,
                            offset=src.tell())
            prev_line = feed.n
            continue
        start_line, prev_line = prev_line + 1, feed.n
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        row_no += 1
        problem: tuple[str, str] | None = None
        bad_lines = [ln for ln in range(start_line, prev_line + 1) if ln in feed.bad]
        if bad_lines:
            ln = bad_lines[0]
            problem = ("invalid-utf8", f"invalid UTF-8 at byte {feed.bad[ln]} of line {ln}")
            for ln in bad_lines:
                del feed.bad[ln]
        elif len(row) < width:
            problem = ("missing-column", f"the row has {len(row)} field(s), the header {width}")
        elif len(row) > width:
            problem = ("extra-column", f"the row has {len(row)} fields, the header only {width}")
        cid = row[idx["id"]].strip() if idx["id"] < len(row) else None
        if problem is not None and not cid:
            yield BadRecord(name, start_line, problem[0], f"{problem[1]}; row skipped", row=row_no,
                            offset=src.tell())
            continue
        if not cid:
            yield BadRecord(name, start_line, "bad-field", "empty conversation id; row skipped",
                            row=row_no, offset=src.tell())
            continue
        if cur is None or cid != cur.id:
            if cur is not None:
                seen.add(cur.id)
                yield _finish_csv(cur, src)
            cur = _RawConversation(name, start_line, cid, None, [], row=row_no)
            if cid in seen:
                cur.errors.append(BadRecord(
                    name, start_line, "not-contiguous",
                    f"rows of conversation {cid!r} are not contiguous (an earlier block was already "
                    f"read); sort the file by conversation; this block skipped", row=row_no))
        if problem is not None:
            cur.errors.append(BadRecord(name, start_line, problem[0],
                                        f"{problem[1]}; conversation skipped", row=row_no))
            continue

        def get(f: str) -> str | None:
            return row[idx[f]] if f in idx else None

        if cur.agent is None and get("agent"):
            cur.agent = get("agent")
        order = None
        if "turn" in idx and row[idx["turn"]].strip():
            try:
                order = int(row[idx["turn"]].strip())
            except ValueError:
                cur.errors.append(BadRecord(name, start_line, "bad-field",
                                            f"turn number {row[idx['turn']]!r} is not an integer; "
                                            "conversation skipped", row=row_no))
        cur.turns.append(_RawTurn(get("speaker"), get("text"), get("ts"), start_line, row_no, order))
    if cur is not None:
        yield _finish_csv(cur, src)


def _finish_csv(cur: _RawConversation, src: _Source) -> _RawConversation:
    cur.offset = src.tell()
    if any(t.order is not None for t in cur.turns):
        cur.turns.sort(key=lambda t: (t.order is None, t.order if t.order is not None else 0))
    return cur


# ---- plain text -------------------------------------------------------------------------------

_SPEAKER_LINE = re.compile(
    r"^(?:\[(?P<ts>[^\]]{1,40})\]\s*)?(?P<label>[A-Za-z][\w .'-]{0,30}?)\s*:(?:\s+|$)(?P<text>.*)$")
_META = re.compile(r"^#\s*(?P<key>[A-Za-z_]+)\s*:\s*(?P<value>.*?)\s*$")


def _read_text(src: _Source, name: str, opts: ReaderOptions) -> Iterator[_RawConversation | BadRecord]:
    stem = os.path.basename(name)
    if stem.lower().endswith(".gz"):
        stem = stem[:-3]
    stem = os.path.splitext(stem)[0] or stem
    blocks = 0
    pending: _RawConversation | None = None  # held back one block: is it the file's only one?
    block: _RawConversation | None = None
    cur_turn: _RawTurn | None = None
    started = False

    def close(b: _RawConversation) -> _RawConversation | None:
        nonlocal pending, blocks
        blocks += 1
        if b.id is None:
            b.id = f"{stem}#{blocks}"
        out, pending = pending, b
        return out

    for lineno, raw_line in enumerate(src.stream, start=1):
        s, bad_byte = _decode(raw_line, lineno == 1)
        s = s.rstrip("\r\n")
        if not s.strip():
            if block is not None:
                done = close(block)
                if done is not None:
                    yield done
                block, cur_turn, started = None, None, False
            continue
        if block is None:
            block = _RawConversation(name, lineno, None, None, [])
        block.offset = src.tell()
        if bad_byte is not None:
            block.errors.append(BadRecord(name, lineno, "invalid-utf8",
                                          f"invalid UTF-8 at byte {bad_byte} of the line; "
                                          "conversation skipped"))
            continue
        if not started:
            m = _META.match(s.strip())
            if m:
                key, value = m.group("key").lower(), m.group("value")
                if key in ("id", "conversation", "conversation_id"):
                    block.id = value
                elif key in ("agent", "agent_id"):
                    block.agent = value
                elif key in ("ts", "date", "time", "timestamp"):
                    block.ts = value
                continue
            if s.lstrip().startswith("#"):
                continue
        m = None if s[:1].isspace() else _SPEAKER_LINE.match(s)
        if m:
            label = m.group("label").strip()
            if opts.speakers.map(label) is not None or len(label.split()) == 1:
                started = True
                cur_turn = _RawTurn(label, m.group("text").strip(), m.group("ts"), lineno)
                block.turns.append(cur_turn)
                continue
        if cur_turn is None:
            block.errors.append(BadRecord(name, lineno, "unknown-speaker",
                                          "the conversation does not start with a `Speaker:` line; "
                                          "conversation skipped"))
            started = True
            continue
        cur_turn.text = (cur_turn.text + "\n" + s.strip()).strip("\n")
    if block is not None:
        done = close(block)
        if done is not None:
            yield done
    if pending is not None:
        if blocks == 1 and pending.id == f"{stem}#1":
            pending.id = stem  # a file per conversation: the file name is its id
        yield pending


# ---- entry point ------------------------------------------------------------------------------

def read_file(path: str, fmt: Format | None = None, opts: ReaderOptions | None = None,
              display: str | None = None) -> Iterator[Conversation | BadRecord]:
    """Stream one transcript file as validated conversations and bad records, in file order.

    `offset` on each item is the byte position reached in the (compressed) file, for progress.
    """
    opts = opts or ReaderOptions()
    fmt = fmt or detect_format(path)
    if fmt is None:
        raise ValueError(f"cannot tell the format of {path} from its name")
    name = display or ("<stdin>" if path == "-" else path)
    src = _Source(path)
    try:
        if fmt == "jsonl":
            items: Iterator = _read_jsonl(src, name, opts)
        elif fmt in ("csv", "tsv"):
            items = _read_csv(src, name, opts, "\t" if fmt == "tsv" else ",")
        else:
            items = _read_text(src, name, opts)
        for item in items:
            if isinstance(item, BadRecord):
                yield item
            else:
                yield validate(item, opts)
    finally:
        src.close()


__all__ = ["BadRecord", "Conversation", "ReaderOptions", "SpeakerMap", "detect_format",
           "expand_inputs", "parse_ts", "read_file", "validate"]
