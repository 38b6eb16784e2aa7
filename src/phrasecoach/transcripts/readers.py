"""Streaming readers for transcript files: JSONL, CSV (long form) and plain text.

Every reader yields, in file order, either a `Conversation` or a `BadRecord`; nothing is ever
loaded whole (one conversation at a time is held). A bad record costs only itself: its file,
line (and CSV row) and reason are reported, and reading goes on. No single record can stop a
read: JSON nested too deeply, numbers or times out of range, text that is not valid Unicode
(a lone surrogate such as "\ud800") and anything unforeseen become bad records with their line.

CSV is read twice: a first pass finds the conversations whose rows are not contiguous, so that
such a conversation is reported whole before any of its rows is scored (never half-scored); it
holds only the ids, as the one pass before did. A quoting error (a quote that is never closed,
which would swallow every later row) is reported at the row where the quote opened, and the
lines after that row are read again as rows. Stdin is copied to a temporary file for this.

A conversation id is scored once: a later conversation whose id was already scored (in the same
file, or in an earlier file of the run when the reader is given the run's `SeenIds`) is a bad
record, `duplicate-id`, naming the line of the first. Only ids written in the data count (a
JSON `id`, the CSV id column, a `# id:` line); an id made up from the file name and line never
clashes. In CSV, the rows of one id in separate blocks of a file stay one conversation, reported
whole as `not-contiguous`, not a first block scored and the others duplicates.

Formats (detected from the file name; `.gz` is read transparently):

* JSONL (`.jsonl`, `.ndjson`, `.json`): one conversation per line,
  `{"id": ..., "agent": ..., "turns": [{"speaker": ..., "text": ..., "ts": ...}]}`.
* CSV (`.csv`, or `.tsv` tab-separated), one row per turn: `conversation_id`, `speaker`,
  `text`, optional `turn`, `agent_id`, `timestamp`. Rows of a conversation must be contiguous
  (else the conversation is reported whole); with a `turn` column they are ordered by it.
* Text (`.txt`, `.text`, `.log`): `Agent: ...` / `Customer: ...` lines; conversations are
  separated by blank lines (or are one file each). An indented line continues the turn above;
  `# id: ...` / `# agent: ...` lines before the first turn set the id and agent; an optional
  `[2024-05-01 10:32]` before the label gives the turn's time.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import os
import re
import reprlib
import shutil
import sys
import tempfile
import zlib
from collections import deque
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
    id_given: bool = True  # False: made up from the file name and line (never a duplicate)

    def source(self) -> dict:
        out: dict = {"file": self.file, "line": self.line}
        if self.row is not None:
            out["row"] = self.row
        return out


def printable(s: str) -> str:
    """`s` with anything UTF-8 cannot encode (lone surrogates) as a visible `\\udXXX` escape."""
    if s.isascii():
        return s
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return s.encode("utf-8", "backslashreplace").decode("utf-8")


def lone_surrogate(s: str) -> int | None:
    """Index of the first lone surrogate in `s` (text that is not valid Unicode), else None."""
    if s.isascii():
        return None
    try:
        s.encode("utf-8")
        return None
    except UnicodeEncodeError as e:
        return e.start


@dataclass(slots=True)
class BadRecord:
    file: str
    line: int | None
    kind: str
    reason: str
    row: int | None = None
    conversation: str | None = None
    offset: int = 0

    def __post_init__(self):  # whatever a record held, its report can be written
        self.reason = printable(self.reason)
        self.file = printable(self.file)
        if isinstance(self.conversation, str):
            self.conversation = printable(self.conversation)

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
    id_given: bool = True


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
    """A binary stream with the byte position of the underlying file (for progress).

    `raw` may be given open (stdin copied to a temporary file); it is then left open.
    """

    def __init__(self, path: str, raw: BinaryIO | None = None):
        self.path = path
        self.owned = raw is None
        if raw is not None:
            self.raw: BinaryIO = raw
            self.raw.seek(0)
            self.stream: BinaryIO = self.raw
            self.size = 0
        elif path == "-":
            self.raw = sys.stdin.buffer
            self.stream = self.raw
            self.size = 0
            self.owned = False
        else:
            self.raw = open(path, "rb")
            self.size = os.fstat(self.raw.fileno()).st_size
            self.stream = gzip.GzipFile(fileobj=self.raw) if path.lower().endswith(".gz") else self.raw
        self.line = 0  # physical lines read so far

    def __iter__(self) -> Iterator[bytes]:
        for b in self.stream:
            self.line += 1
            yield b

    def tell(self) -> int:
        try:
            return self.raw.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        if self.stream is not self.raw:
            self.stream.close()
        if self.owned:
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


def _from_unix(value: Any) -> datetime:
    try:
        seconds = float(value)
    except OverflowError:  # an integer too large for a float
        seconds = math.inf
    if not math.isfinite(seconds):
        raise ValueError(f"not a time: {_short(value)}")
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"not a time: {_short(value)} is out of range for Unix seconds") from None


def parse_ts(value: Any) -> datetime | None:
    """ISO 8601 text (a trailing Z is fine), Unix seconds or a datetime; None or '' is no time.

    Anything else, including numbers out of range (1e20, Infinity), is a ValueError.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, bool):
        raise ValueError(f"not a time: {_short(value)}")
    if isinstance(value, (int, float)):
        return _from_unix(value)
    if isinstance(value, str):
        v = value.strip()
        if re.fullmatch(r"\d{9,11}(?:\.\d+)?", v):
            return _from_unix(v)
        if v.endswith(("Z", "z")):
            v = v[:-1] + "+00:00"
        try:
            return datetime.fromisoformat(v)
        except ValueError:
            raise ValueError(f"not an ISO 8601 time: {value!r}") from None
    raise ValueError(f"not a time: {_short(value)}")


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 60, 60


def _short(v: Any, n: int = 40) -> str:
    """A short printable form of any JSON value (depth-limited: a value nested 5,000 deep is fine)."""
    s = _REPR.repr(v) if not isinstance(v, str) else printable(v)
    return s if len(s) <= n else s[: n - 1] + "…"


def _surrogate(s: str, at: int) -> str:
    return f"\\u{ord(s[at]):04x}"


def validate(raw: _RawConversation, opts: ReaderOptions,
             suffix: str = "; conversation skipped") -> Conversation | BadRecord:
    """Check one raw conversation; the first problem makes it a BadRecord (nothing is half-scored)."""
    cid = raw.id
    id_given = raw.id_given
    if cid is None or (isinstance(cid, str) and not cid.strip()):
        cid = f"{os.path.basename(raw.file)}:{raw.line}"
        id_given = False
    elif isinstance(cid, (int, float)) and not isinstance(cid, bool):
        cid = str(cid)
    elif not isinstance(cid, str):
        return BadRecord(raw.file, raw.line, "bad-field", f"the conversation id must be text, not {_short(cid)}",
                         row=raw.row, offset=raw.offset)
    cid = cid.strip()
    if (at := lone_surrogate(cid)) is not None:
        return BadRecord(raw.file, raw.line, "invalid-unicode",
                         f"the conversation id holds a lone surrogate ({_surrogate(cid, at)}), "
                         f"which is not valid Unicode{suffix}", row=raw.row, conversation=cid,
                         offset=raw.offset)

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
    if agent is not None and (at := lone_surrogate(agent)) is not None:
        return bad("invalid-unicode", f"the agent id holds a lone surrogate ({_surrogate(agent, at)}), "
                                      "which is not valid Unicode")
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
        if (at := lone_surrogate(t.text)) is not None:
            return bad("invalid-unicode", f"turn {i}: the text holds a lone surrogate "
                                          f"({_surrogate(t.text, at)} at character {at + 1}), "
                                          "which is not valid Unicode", t)
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
                        row=raw.row, ts=conv_ts, offset=raw.offset, id_given=id_given)


# ---- JSONL ----------------------------------------------------------------------------------

def _read_jsonl(src: _Source, name: str, opts: ReaderOptions) -> Iterator[_RawConversation | BadRecord]:
    for b in src:
        lineno, pos = src.line, src.tell()
        try:
            item = _jsonl_line(b, lineno, pos, name, opts)
        except Exception as e:  # noqa: BLE001 - no line can stop the read; it is reported
            item = BadRecord(name, lineno, "unreadable", f"cannot read this line: {type(e).__name__}: {e}",
                             offset=pos)
        if item is not None:
            yield item


def _jsonl_line(b: bytes, lineno: int, pos: int, name: str, opts: ReaderOptions
                ) -> _RawConversation | BadRecord | None:
    s, bad_byte = _decode(b, lineno == 1)
    if bad_byte is not None:
        return BadRecord(name, lineno, "invalid-utf8", f"invalid UTF-8 at byte {bad_byte} of the line",
                         conversation=_guess_id(s), offset=pos)
    s = s.strip()
    if not s:
        return None
    try:
        obj = json.loads(s)
    except json.JSONDecodeError as e:
        return BadRecord(name, lineno, "malformed-json", f"not valid JSON: {e.msg} at column {e.colno}",
                         conversation=_guess_id(s), offset=pos)
    except RecursionError:
        return BadRecord(name, lineno, "malformed-json",
                         "not readable JSON: nested too deeply (more than about 1,000 levels of brackets)",
                         conversation=_guess_id(s), offset=pos)
    except ValueError as e:  # e.g. an integer of more than 4,300 digits
        return BadRecord(name, lineno, "malformed-json", f"not readable JSON: {e}",
                         conversation=_guess_id(s), offset=pos)
    if not isinstance(obj, dict):
        return BadRecord(name, lineno, "bad-field",
                         f"a line must be a JSON object (a conversation), not {type(obj).__name__}",
                         offset=pos)
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
    return raw


_ID_GUESS = re.compile(r'"(?:id|conversation_id)"\s*:\s*"([^"\\]{1,200})"')


def _guess_id(s: str) -> str | None:
    m = _ID_GUESS.search(s[:2000])
    return m.group(1) if m else None


# ---- CSV ------------------------------------------------------------------------------------

class _LineFeed:
    """Decoded physical lines for csv.reader, remembering which ones were not valid UTF-8.

    `record` holds the (line number, text) of every line the current record took; after a
    quoting error the lines after the record's first can be pushed back and read again. It is
    bounded: a record can only grow past one line inside a quoted field, and csv's field size
    limit (128 KiB) ends that.
    """

    def __init__(self, src: _Source):
        self.lines = iter(src)
        self.src = src
        self.n = 0  # line number of the last line handed out
        self.bad: dict[int, int] = {}
        self.record: list[tuple[int, str]] = []
        self.again: deque[tuple[int, str]] = deque()

    def __iter__(self):
        return self

    def __next__(self) -> str:  # may be called again after StopIteration, once lines are pushed back
        if self.again:
            self.n, s = self.again.popleft()
        else:
            b = next(self.lines)
            self.n = self.src.line
            s, bad = _decode(b, self.n == 1)
            if bad is not None:
                self.bad[self.n] = bad
        self.record.append((self.n, s))
        return s

    def push_back(self, lines: list[tuple[int, str]]) -> None:
        self.again.extendleft(reversed(lines))


_QUOTE_NOT_CLOSED = "unexpected end of data"


def _read_csv(src: _Source, name: str, opts: ReaderOptions, delimiter: str,
              scattered: dict[str, list[int]] | None = None) -> Iterator[_RawConversation | BadRecord]:
    """Rows grouped into conversations, in file order.

    `scattered` (from a first pass, `_scattered_ids`) maps the ids whose rows are not
    contiguous to the first line of each of their blocks: such a conversation is reported
    whole, once, at its first block, and none of its rows is scored. Without it (the first
    pass) every block is yielded as it is.
    """
    feed = _LineFeed(src)
    # strict: a quoting error is an error, not a silent merge of every later row into one field
    reader = csv.reader(feed, delimiter=delimiter, strict=True)
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
    reported: set[str] = set()  # scattered conversations already reported
    cur: _RawConversation | None = None
    skipping: str | None = None  # a later block of a scattered conversation: its rows are dropped
    row_no = 1  # the header is row 1, as a spreadsheet shows it
    while True:
        feed.record = []
        try:
            row = next(reader)
            err = None
        except StopIteration:
            break
        except csv.Error as e:
            row, err = None, e
        lines = feed.record or [(feed.n + 1, "")]
        start_line = lines[0][0]
        problem: tuple[str, str] | None = None
        if err is not None:
            if str(err) == _QUOTE_NOT_CLOSED:
                reason = ("a quoted field opened on this row is never closed (an unmatched \"), "
                          "so this row cannot be read")
            elif "field limit" in str(err) and len(lines) > 1:
                reason = (f"a quoted field opened on this row runs over {csv.field_size_limit():,} "
                          "characters and many lines: probably an unmatched \"")
            else:
                reason = f"cannot read the row: {err}"
            if len(lines) > 1 and "expected after" not in str(err):
                # the open quote swallowed the lines after this row: read them again as rows
                feed.push_back(lines[1:])
                reason += f"; the {len(lines) - 1:,} line(s) after it are read again"
                lines = lines[:1]
            # the row's conversation, from its first line read leniently (it may have no id)
            row = _lenient_fields(lines[0][1], delimiter)
            problem = ("malformed-csv", reason)
        elif not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        row_no += 1
        if problem is None:
            bad_lines = [ln for ln, _ in lines if ln in feed.bad]
            if bad_lines:
                ln = bad_lines[0]
                problem = ("invalid-utf8", f"invalid UTF-8 at byte {feed.bad[ln]} of line {ln}")
            elif len(row) < width:
                problem = ("missing-column", f"the row has {len(row)} field(s), the header {width}")
            elif len(row) > width:
                problem = ("extra-column", f"the row has {len(row)} fields, the header only {width}")
        for ln, _ in lines:
            feed.bad.pop(ln, None)
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
            if cid == skipping:
                continue
            if cur is not None:
                yield _finish_csv(cur, src)
                cur = None
            skipping = None
            if scattered is not None and cid in scattered:
                if cid in reported:  # a later block: the conversation was reported at its first
                    skipping = cid
                    continue
                reported.add(cid)
                blocks = scattered[cid]
                at = ", ".join(str(x) for x in blocks[:6]) + (", …" if len(blocks) > 6 else "")
                cur = _RawConversation(name, start_line, cid, None, [], row=row_no)
                cur.errors.append(BadRecord(
                    name, start_line, "not-contiguous",
                    f"the rows of conversation {cid!r} are not contiguous: {len(blocks)} separate "
                    f"blocks, starting on lines {at}; sort the file by conversation; "
                    "conversation skipped", row=row_no))
            else:
                cur = _RawConversation(name, start_line, cid, None, [], row=row_no)
        if problem is not None:
            e = BadRecord(name, start_line, problem[0], f"{problem[1]}; conversation skipped", row=row_no)
            # the first problem is the one reported; a quoting error goes first, since it
            # explains whatever the lines after it look like
            if err is not None and cur.errors and cur.errors[0].kind != "malformed-csv":
                cur.errors.insert(0, e)
            else:
                cur.errors.append(e)
            continue
        if cur.errors:
            continue  # already skipped whole; its other rows do not matter

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
                                            f"turn number {_short(row[idx['turn']])!r} is not an "
                                            "integer; conversation skipped", row=row_no))
        cur.turns.append(_RawTurn(get("speaker"), get("text"), get("ts"), start_line, row_no, order))
    if cur is not None:
        yield _finish_csv(cur, src)


def _lenient_fields(line: str, delimiter: str) -> list[str]:
    """The fields of one line read as loosely as csv can (for the id of a row that failed)."""
    for text in (line, line[:65_536]):
        try:
            return next(csv.reader([text], delimiter=delimiter), [])
        except csv.Error:
            continue
    return []


def _finish_csv(cur: _RawConversation, src: _Source) -> _RawConversation:
    cur.offset = src.tell()
    if any(t.order is not None for t in cur.turns):
        cur.turns.sort(key=lambda t: (t.order is None, t.order if t.order is not None else 0))
    return cur


def _scattered_ids(src: _Source, name: str, opts: ReaderOptions, delimiter: str) -> dict[str, list[int]]:
    """First pass over a CSV file: the ids whose rows come in more than one block, each with the
    first line of every block. Holds one line number per id (as the old `seen` set held the ids)."""
    first: dict[str, int] = {}
    out: dict[str, list[int]] = {}
    for item in _read_csv(src, name, opts, delimiter):
        if isinstance(item, BadRecord) or not isinstance(item.id, str):
            continue
        if item.id in first:
            out.setdefault(item.id, [first[item.id]]).append(item.line)
        else:
            first[item.id] = item.line
    return out


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
            b.id_given = False
        out, pending = pending, b
        return out

    for raw_line in src:
        lineno = src.line
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


# ---- duplicate ids ------------------------------------------------------------------------------

class SeenIds:
    """The conversation ids a run has taken, each with the file and line it was first read at.

    An id is taken by the first conversation read with it that is valid (so goes on to be
    scored); a bad record takes no id, so a good copy after it is still scored.

    One int per id (file number and line), so a run of 460,000 conversations holds about
    60 MB here; nothing is read twice. Share one across the files of a run.
    """

    def __init__(self) -> None:
        self._first: dict[str, int] = {}
        self._files: list[str] = []
        self._file_no: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._first)

    def __contains__(self, cid: object) -> bool:
        return cid in self._first

    def first(self, cid: str) -> str | None:
        """`FILE:LINE` of the first conversation read with this id, or None."""
        v = self._first.get(cid)
        if v is None:
            return None
        line = v & 0xFFFF_FFFF
        return self._files[v >> 32] + (f":{line}" if line else "")

    def check(self, conv: Conversation) -> Conversation | BadRecord:
        """`conv`, its id now taken; or a `duplicate-id` BadRecord if the id was taken before."""
        if not conv.id_given:
            return conv
        if conv.id in self._first:
            return BadRecord(conv.file, conv.line, "duplicate-id",
                             f"duplicate conversation id `{_short(conv.id, 60)}`, first at "
                             f"{self.first(conv.id)}; record skipped", row=conv.row, conversation=conv.id,
                             offset=conv.offset)
        no = self._file_no.get(conv.file)
        if no is None:
            no = self._file_no[conv.file] = len(self._files)
            self._files.append(conv.file)
        line = conv.line if conv.line is not None and 0 < conv.line < 1 << 32 else 0
        self._first[conv.id] = (no << 32) | line
        return conv


# ---- entry point ------------------------------------------------------------------------------

def read_file(path: str, fmt: Format | None = None, opts: ReaderOptions | None = None,
              display: str | None = None, seen: SeenIds | None = None
              ) -> Iterator[Conversation | BadRecord]:
    """Stream one transcript file as validated conversations and bad records, in file order.

    A conversation whose id was read before (in this file, or in `seen`, the ids of a run's
    earlier files) is a `duplicate-id` bad record; `seen` is updated as the file is read.

    `offset` on each item is the byte position reached in the (compressed) file, for progress.
    Nothing in the file can stop the read: a record that cannot be read is a BadRecord, and a
    file that breaks off (a damaged .gz) ends with one for the rest of the file.
    """
    opts = opts or ReaderOptions()
    seen = SeenIds() if seen is None else seen
    fmt = fmt or detect_format(path)
    if fmt is None:
        raise ValueError(f"cannot tell the format of {path} from its name")
    name = printable(display or ("<stdin>" if path == "-" else path))
    spool = None
    if path == "-" and fmt in ("csv", "tsv"):  # CSV is read twice (see the module doc)
        spool = tempfile.TemporaryFile()
        shutil.copyfileobj(sys.stdin.buffer, spool)
    try:
        delimiter = "\t" if fmt == "tsv" else ","
        scattered: dict[str, list[int]] = {}
        if fmt in ("csv", "tsv"):
            first = _Source(path, spool)
            try:
                scattered = _scattered_ids(first, name, opts, delimiter)
            except (OSError, EOFError, zlib.error):
                pass  # reported by the second pass, at the line where it happens
            finally:
                first.close()
        src = _Source(path, spool)
        try:
            if fmt == "jsonl":
                items: Iterator = _read_jsonl(src, name, opts)
            elif fmt in ("csv", "tsv"):
                items = _read_csv(src, name, opts, delimiter, scattered)
            else:
                items = _read_text(src, name, opts)
            try:
                for item in items:
                    if isinstance(item, BadRecord):
                        yield item
                        continue
                    try:
                        conv = validate(item, opts)
                        yield seen.check(conv) if isinstance(conv, Conversation) else conv
                    except Exception as e:  # noqa: BLE001 - a record never stops the read
                        yield BadRecord(name, item.line, "unreadable",
                                        f"cannot read this conversation: {type(e).__name__}: {e}",
                                        row=item.row, offset=item.offset)
            except (OSError, EOFError, zlib.error) as e:  # e.g. a truncated or damaged .gz
                yield BadRecord(name, src.line + 1, "unreadable",
                                f"the file cannot be read past line {src.line:,}: "
                                f"{type(e).__name__}: {e}; the rest of the file skipped",
                                offset=src.tell())
        finally:
            src.close()
    finally:
        if spool is not None:
            spool.close()


__all__ = ["BadRecord", "Conversation", "ReaderOptions", "SeenIds", "SpeakerMap", "detect_format",
           "expand_inputs", "parse_ts", "read_file", "validate"]
