"""Transcript readers: every format, messy inputs, and every bad-record case (no spaCy needed)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from phrasecoach.transcripts.readers import (BadRecord, Conversation, ReaderOptions, SpeakerMap,
                                             detect_format, expand_inputs, parse_ts, read_file)


def _write(tmp_path: Path, name: str, data: bytes | str) -> str:
    p = tmp_path / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return str(p)


def _read(path: str, fmt=None, **kw) -> tuple[list[Conversation], list[BadRecord]]:
    items = list(read_file(path, fmt, ReaderOptions(**kw) if kw else None))
    return ([i for i in items if isinstance(i, Conversation)],
            [i for i in items if isinstance(i, BadRecord)])


def _jsonl(*objs) -> str:
    return "".join(json.dumps(o) + "\n" for o in objs)


GOOD = {"id": "g1", "agent": "ana", "turns": [{"speaker": "customer", "text": "Hi"},
                                            {"speaker": "agent", "text": "Hello!"}]}


# ---- format detection ------------------------------------------------------------------------

@pytest.mark.parametrize("name, fmt", [
    ("a.jsonl", "jsonl"), ("a.ndjson", "jsonl"), ("a.JSONL.gz", "jsonl"), ("a.csv", "csv"),
    ("a.tsv", "tsv"), ("a.txt", "text"), ("chat.log", "text"), ("a.xlsx", None), ("noext", None)])
def test_detect_format(name, fmt):
    assert detect_format(name) == fmt


def test_expand_inputs_lists_transcripts_in_folders(tmp_path):
    _write(tmp_path, "b.txt", "Agent: hi\n")
    _write(tmp_path, "a.jsonl", "")
    _write(tmp_path, "notes.md", "")
    assert [Path(p).name for p in expand_inputs([str(tmp_path)])] == ["a.jsonl", "b.txt"]


# ---- JSONL ----------------------------------------------------------------------------------

def test_jsonl_reads_conversations_with_labels_and_times(tmp_path):
    path = _write(tmp_path, "t.jsonl", _jsonl(
        {"id": 7, "agent": "ana", "turns": [
            {"speaker": "User", "text": "Hi", "ts": "2024-03-04T09:00:00Z"},
            {"speaker": "Assistant", "text": "Hello!", "ts": 1709542860}]},
        GOOD))
    convs, bad = _read(path)
    assert not bad
    assert [c.id for c in convs] == ["7", "g1"]
    c = convs[0]
    assert c.agent == "ana" and c.line == 1
    assert [t[0] for t in c.turns] == ["customer", "agent"]
    assert c.turns[0][2].isoformat() == "2024-03-04T09:00:00+00:00"
    assert c.turns[1][2].year == 2024


def test_jsonl_bom_crlf_and_blank_lines(tmp_path):
    data = "\ufeff" + json.dumps(GOOD) + "\r\n\r\n" + json.dumps({**GOOD, "id": "g2"}) + "\r\n"
    convs, bad = _read(_write(tmp_path, "t.jsonl", data.encode("utf-8")))
    assert not bad and [c.id for c in convs] == ["g1", "g2"]
    assert convs[1].line == 3


def test_jsonl_field_mapping_and_missing_id(tmp_path):
    path = _write(tmp_path, "t.jsonl", _jsonl(
        {"ticket": "T-1", "team": "north", "messages": [{"role": "client", "body": "Hi"},
                                                        {"role": "advisor", "body": "Hello"}]},
        GOOD))
    convs, bad = _read(path, fields={"id": "ticket", "agent": "team", "turns": "messages"})
    assert (convs[0].id, convs[0].agent) == ("T-1", "north")
    assert convs[0].turns == [("customer", "Hi", None), ("agent", "Hello", None)]
    assert [(b.line, b.kind) for b in bad] == [(2, "bad-field")]  # mapped `messages` is absent there
    assert "`messages` must be a list" in bad[0].reason
    convs, bad = _read(path)  # default names: messages/role/body are known aliases; no id key
    assert not bad and [c.id for c in convs] == ["t.jsonl:1", "g1"] and convs[0].agent is None


@pytest.mark.parametrize("line, kind, fragment", [
    ('{"id": "x1", "turns": [', "malformed-json", "not valid JSON"),
    ('[1, 2]', "bad-field", "JSON object"),
    ('{"id": "x1", "turns": "hello"}', "bad-field", "must be a list"),
    ('{"id": "x1", "turns": [{"speaker": "bot", "text": "Hi"}, {"speaker": "agent", "text": "Yo"}]}',
     "unknown-speaker", "unknown speaker bot"),
    ('{"id": "x1", "turns": [{"speaker": "customer", "text": "Hi"}, {"speaker": "agent", "text": "  "}]}',
     "empty-text", "turn 1: empty text"),
    ('{"id": "x1", "turns": [{"speaker": "customer", "text": "Hi"}, {"speaker": "agent"}]}',
     "empty-text", "turn 1: no text"),
    ('{"id": "x1", "turns": [{"speaker": "customer", "text": "Hi"}]}', "no-agent-turns", "no agent turns"),
    ('{"id": "x1", "turns": [{"speaker": "agent", "text": "Hi", "ts": "yesterday"}]}',
     "bad-timestamp", "ISO 8601"),
])
def test_jsonl_bad_record_is_reported_and_others_still_read(tmp_path, line, kind, fragment):
    path = _write(tmp_path, "t.jsonl", _jsonl(GOOD) + line + "\n" + _jsonl({**GOOD, "id": "g3"}))
    convs, bad = _read(path)
    assert [c.id for c in convs] == ["g1", "g3"]
    assert len(bad) == 1
    b = bad[0]
    assert (b.file, b.line, b.kind) == (path, 2, kind)
    assert fragment in b.reason
    if kind != "bad-field" or "list" in fragment:
        assert b.conversation in (None, "x1")


def test_jsonl_invalid_utf8_costs_only_its_line(tmp_path):
    data = (json.dumps(GOOD) + "\n").encode() + b'{"id": "x1", "turns": [{"speaker": "agent", "text": "caf\xe9"}]}\n' \
        + (json.dumps({**GOOD, "id": "g3"}) + "\n").encode()
    convs, bad = _read(_write(tmp_path, "t.jsonl", data))
    assert [c.id for c in convs] == ["g1", "g3"]
    assert [(b.line, b.kind, b.conversation) for b in bad] == [(2, "invalid-utf8", "x1")]
    assert "byte" in bad[0].reason


def test_too_long_text_is_a_bad_record(tmp_path):
    path = _write(tmp_path, "t.jsonl", _jsonl(
        {"id": "x", "turns": [{"speaker": "agent", "text": "a" * 50}]}))
    _, bad = _read(path, max_text_chars=20)
    assert bad[0].kind == "too-long" and "50 characters" in bad[0].reason


def test_gzip_jsonl(tmp_path):
    p = tmp_path / "t.jsonl.gz"
    with gzip.open(p, "wt", encoding="utf-8") as f:
        f.write(_jsonl(GOOD, {**GOOD, "id": "g2"}))
    convs, bad = _read(str(p))
    assert not bad and [c.id for c in convs] == ["g1", "g2"]
    assert convs[-1].offset == p.stat().st_size


def test_speaker_labels_are_configurable():
    sm = SpeakerMap(["bot"], ["human"])
    assert sm.map("Bot") == "agent" and sm.map("HUMAN:") == "customer" and sm.map("agent") is None
    default = SpeakerMap()
    for label in ("agent", "rep", "assistant", "advisor", "support", "staff"):
        assert default.map(label) == "agent"
    for label in ("customer", "user", "caller", "client", "guest"):
        assert default.map(label.upper()) == "customer"
    with pytest.raises(ValueError):
        SpeakerMap(["x"], ["x"])


def test_parse_ts():
    assert parse_ts(None) is None and parse_ts("") is None
    assert parse_ts("2024-03-04T09:00:00Z").tzinfo is not None
    assert parse_ts("2024-03-04").year == 2024
    assert parse_ts("1709542800").year == 2024
    with pytest.raises(ValueError):
        parse_ts("next tuesday")


# ---- CSV ------------------------------------------------------------------------------------

def test_csv_messy_bom_crlf_quoted_newlines_extra_columns(tmp_path):
    data = ("\ufeffConversation_ID,turn,speaker,text,channel,agent_id,timestamp\r\n"
            'c1,1,agent,"Thanks for waiting.\r\nYour refund is done.",chat,ana,2024-03-04T09:01:00\r\n'
            'c1,0,customer,"Where is my ""refund""?",chat,,2024-03-04T09:00:00\r\n'
            "\r\n"
            "c2,0,user,Hi,email,ben,\r\n"
            "c2,1,rep,Hello,email,ben,\r\n").encode("utf-8")
    convs, bad = _read(_write(tmp_path, "t.csv", data))
    assert not bad
    assert [c.id for c in convs] == ["c1", "c2"]
    c1 = convs[0]
    assert c1.agent == "ana" and (c1.line, c1.row) == (2, 2)
    assert [t[0] for t in c1.turns] == ["customer", "agent"]  # ordered by the turn column
    assert c1.turns[0][1] == 'Where is my "refund"?'
    assert c1.turns[1][1] == "Thanks for waiting.\r\nYour refund is done."
    assert convs[1].row == 4 and convs[1].line == 6  # rows count records; lines count lines


def test_csv_columns_are_mappable_and_tsv_works(tmp_path):
    data = "chat\twho\tmessage\nc1\tcaller\tHi\nc1\tstaff\tHello\n"
    convs, bad = _read(_write(tmp_path, "t.tsv", data),
                       fields={"id": "chat", "speaker": "who", "text": "message"})
    assert not bad and convs[0].turns[1] == ("agent", "Hello", None)


def test_csv_missing_required_column_skips_the_file_with_a_hint(tmp_path):
    convs, bad = _read(_write(tmp_path, "t.csv", "conversation_id,who,text\nc1,agent,Hi\n"))
    assert not convs
    assert bad[0].kind == "missing-column" and bad[0].line == 1
    assert "`speaker`" in bad[0].reason and "--field speaker=NAME" in bad[0].reason


def test_csv_row_missing_a_column_skips_only_its_conversation(tmp_path):
    data = ("conversation_id,speaker,text\n"
            "c1,customer,Hi\nc1,agent,Hello\n"
            "c2,customer\n"          # line 4, row 4: a field short
            "c2,agent,Hello\n"
            "c3,customer,Hi\nc3,agent,Hello\n")
    path = _write(tmp_path, "t.csv", data)
    convs, bad = _read(path)
    assert [c.id for c in convs] == ["c1", "c3"]
    assert [(b.file, b.line, b.row, b.kind, b.conversation) for b in bad] == [
        (path, 4, 4, "missing-column", "c2")]
    assert "2 field(s), the header 3" in bad[0].reason


def test_csv_unknown_speaker_empty_text_and_invalid_utf8(tmp_path):
    data = (b"conversation_id,speaker,text\n"
            b"c1,customer,Hi\nc1,supervisor,Hello\n"
            b"c2,customer,Hi\nc2,agent,\n"
            b"c3,customer,caf\xe9\nc3,agent,Hello\n"
            b'c4,customer,"two\nlines"\nc4,agent,Hello\n')
    convs, bad = _read(_write(tmp_path, "t.csv", data))
    assert [c.id for c in convs] == ["c4"]
    got = [(b.conversation, b.kind, b.line, b.row) for b in bad]
    assert got == [("c1", "unknown-speaker", 3, 3), ("c2", "empty-text", 5, 5),
                   ("c3", "invalid-utf8", 6, 6)]
    assert "supervisor" in bad[0].reason


def test_csv_non_contiguous_conversation_is_reported_whole_never_half_scored(tmp_path):
    data = ("conversation_id,speaker,text\nc1,customer,Hi\nc1,agent,Yo\n"
            "c2,customer,Hi\nc2,agent,Yo\nc1,agent,Again\nc3,customer,Hi\nc3,agent,Yo\n"
            "c1,agent,Bye\n")
    convs, bad = _read(_write(tmp_path, "t.csv", data))
    assert [c.id for c in convs] == ["c2", "c3"]  # no block of c1 is scored
    assert [(b.kind, b.conversation, b.line, b.row) for b in bad] == [("not-contiguous", "c1", 2, 2)]
    assert "3 separate blocks, starting on lines 2, 6, 9" in bad[0].reason
    assert "sort the file by conversation" in bad[0].reason


# ---- plain text ---------------------------------------------------------------------------------

def test_text_blocks_prefixes_continuations_and_metadata(tmp_path):
    data = ("# id: chat-1\n# agent: ana\n"
            "[2024-03-04 09:00] Customer: My parcel is late.\n"
            "Agent: Sorry about that.\n"
            "  Let me check.\n"
            "\n\n"
            "User: Hi\r\n"
            "Rep: Hello\r\n")
    path = _write(tmp_path, "chats.txt", data)
    convs, bad = _read(path)
    assert not bad
    assert [c.id for c in convs] == ["chat-1", "chats#2"]
    c = convs[0]
    assert c.agent == "ana" and c.line == 1
    assert c.turns[0][2].day == 4
    assert c.turns[1] == ("agent", "Sorry about that.\nLet me check.", None)
    assert convs[1].turns == [("customer", "Hi", None), ("agent", "Hello", None)]


def test_text_file_per_conversation_takes_the_file_name(tmp_path):
    convs, bad = _read(_write(tmp_path, "ticket-42.txt", "Customer: Hi\nAgent: Hello\n"))
    assert not bad and convs[0].id == "ticket-42"


def test_text_unknown_speaker_and_missing_label(tmp_path):
    data = ("Customer: Hi\nAgent: Hello\n\n"
            "Customer: Hi\nSupervisor: I'll take it from here.\n\n"
            "just some words\nAgent: Hello\n\n"
            "Customer: Fine\nAgent: Great\n")
    path = _write(tmp_path, "t.txt", data)
    convs, bad = _read(path)
    assert [c.id for c in convs] == ["t#1", "t#4"]
    assert [(b.line, b.kind) for b in bad] == [(5, "unknown-speaker"), (7, "unknown-speaker")]
    assert "Supervisor" in bad[0].reason


def test_text_invalid_utf8(tmp_path):
    convs, bad = _read(_write(tmp_path, "t.txt", b"Customer: caf\xe9\nAgent: Hi\n\nCustomer: a\nAgent: b\n"))
    assert [c.id for c in convs] == ["t#2"]
    assert (bad[0].line, bad[0].kind) == (1, "invalid-utf8")


# ---- records that must never stop a read ----------------------------------------------------------

@pytest.mark.parametrize("value", [1e20, -1e20, float("inf"), float("nan"), 10 ** 400, "1e20", True, [1]])
def test_parse_ts_out_of_range_is_a_value_error(value):
    with pytest.raises(ValueError, match="not (a|an ISO 8601) time"):
        parse_ts(value)


def test_parse_ts_takes_datetimes_and_the_range_of_unix_seconds():
    from datetime import datetime, timezone

    now = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)
    assert parse_ts(now) is now
    assert parse_ts(0).year == 1970 and parse_ts(253402300799).year == 9999


@pytest.mark.parametrize("line, kind, fragment", [
    ('{"id": "x1", "turns": ' + "[" * 5000 + "]" * 5000 + "}", "malformed-json", "nested too deeply"),
    ('{"id": "x1", "n": ' + "9" * 5000 + ', "turns": []}', "malformed-json", "not readable JSON"),
    ('{"id": "x1", "turns": [{"speaker": "agent", "text": "Hi \\ud800"}]}', "invalid-unicode",
     "turn 0: the text holds a lone surrogate (\\ud800 at character 4)"),
    ('{"id": "x\\ud800", "turns": [{"speaker": "agent", "text": "Hi"}]}', "invalid-unicode",
     "the conversation id holds a lone surrogate (\\ud800)"),
    ('{"id": "x1", "turns": [{"speaker": "agent", "text": "Hi", "ts": 1e20}]}', "bad-timestamp",
     "turn 0: not a time: 1e+20 is out of range"),
    ('{"id": "x1", "ts": -Infinity, "turns": [{"speaker": "agent", "text": "Hi"}]}', "bad-timestamp",
     "not a time: -inf"),
    ('{"id": "x1", "turns": [{"speaker": ' + "[" * 900 + "]" * 900 + ', "text": "Hi"}]}',
     "unknown-speaker", "turn 0: unknown speaker [[[[...]]]]"),
], ids=["nested-5000", "int-5000-digits", "surrogate-text", "surrogate-id", "ts-1e20", "ts-minus-infinity",
        "nested-speaker"])
def test_jsonl_records_that_used_to_stop_the_run_are_bad_records(tmp_path, line, kind, fragment):
    path = _write(tmp_path, "t.jsonl", _jsonl(GOOD) + line + "\n" + _jsonl({**GOOD, "id": "g3"}))
    convs, bad = _read(path)
    assert [c.id for c in convs] == ["g1", "g3"]
    assert [(b.line, b.kind) for b in bad] == [(2, kind)]
    assert fragment in bad[0].reason
    json.dumps(bad[0].to_dict(), ensure_ascii=False).encode("utf-8")  # writable as it is


def test_damaged_gzip_ends_with_one_bad_record_after_what_could_be_read(tmp_path):
    data = gzip.compress(_jsonl(*({**GOOD, "id": f"g{i}"} for i in range(2000))).encode())
    p = tmp_path / "t.jsonl.gz"
    p.write_bytes(data[: len(data) // 2])
    convs, bad = _read(str(p))
    assert len(convs) > 100 and [c.id for c in convs] == [f"g{i}" for i in range(len(convs))]
    assert len(bad) == 1 and bad[0].kind == "unreadable" and bad[0].line == len(convs) + 1
    assert "the rest of the file skipped" in bad[0].reason


def test_csv_quoting_errors_cost_their_conversation_whole(tmp_path):
    data = ("conversation_id,speaker,text\n"
            "c1,customer,Hi\n"
            'c1,agent,"Hello"there\n'          # a stray quote: row 3, line 3
            "c2,customer,Hi\nc2,agent,Hello\n"
            "c3,customer," + "x" * 200_000 + "\n"   # over csv's field limit: row 6
            "c3,agent,Hello\n"
            "c4,customer,Hi\nc4,agent,Hello\n")
    path = _write(tmp_path, "t.csv", data)
    convs, bad = _read(path)
    assert [c.id for c in convs] == ["c2", "c4"]  # c1 and c3 are not scored on what is left
    assert [(b.conversation, b.kind, b.line, b.row) for b in bad] == [
        ("c1", "malformed-csv", 3, 3), ("c3", "malformed-csv", 6, 6)]
    assert "field limit" in bad[1].reason


def test_csv_unterminated_quote_rows_after_it_are_read_again(tmp_path):
    data = ("conversation_id,speaker,text\n"
            "c1,agent,Hi\n"
            'c2,agent,"never closed\n'
            "c3,agent,Hello\n"
            "c3,customer,caf\xe9\n".encode("latin-1").decode("latin-1") +
            "c4,agent,Fine\n")
    path = _write(tmp_path, "t.csv", data.encode("latin-1"))
    convs, bad = _read(path)
    assert [c.id for c in convs] == ["c1", "c4"]
    # the quote's row, then the invalid UTF-8 on a line read again
    assert [(b.conversation, b.kind, b.line, b.row) for b in bad] == [
        ("c2", "malformed-csv", 3, 3), ("c3", "invalid-utf8", 5, 5)]
    assert "never closed" in bad[0].reason and "3 line(s) after it are read again" in bad[0].reason
