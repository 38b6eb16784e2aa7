"""LanguageTool-compatible HTTP API (`/v2/...`), so tools that speak LanguageTool can use phrasecoach.

Follows LanguageTool's public HTTP API contract:

* parameters are form fields: the query string, plus for POST the body, which is always parsed
  as `application/x-www-form-urlencoded` whatever the Content-Type says (some clients mislabel
  it); unknown parameters are ignored;
* `text`, or `data` (JSON with `text`, or `annotation`: a list of `{"text": ...}` and
  `{"markup": ..., "interpretAs": ...}` items, where markup is skipped when checking and every
  offset refers to the original text, markup included);
* `offset`, `length`, `context.offset`, `context.length` and `sentenceRanges` count UTF-16 code
  units (what Java and JavaScript index strings by), so text with emoji still lines up;
* errors answer with LanguageTool's status codes (400 bad parameters, 403 no access, 404 unknown
  action, 413 text too long, 500 too slow) and a plain-text body starting `Error: `.

Mapping onto phrasecoach: every finding is a match of `type.typeName` "Hint" and
`rule.issueType` "style"; the rule's category becomes `rule.category` (id upper-cased, e.g.
`COMMAND`). `level=default` runs the server's rules and reports warnings and errors;
`level=picky` runs phrasecoach's picky level (the rules too often wrong to be on for everyone)
and adds info-level findings. A rule or category named in `enabledRules`/`enabledCategories` is
always run and reported, whatever its level. Rule and category ids phrasecoach does not know (LanguageTool's own, e.g. `MORFOLOGIK_RULE_EN_US`) are
ignored, as LanguageTool ignores ids it does not know. Strengths are not reported here.

Applicability. LanguageTool clients treat `replacements` as fixes a user may apply with one
click, and some apply the first one with no review at all (`language_tool_python`'s
`correct()`). So by default a match carries only its *safe* suggestions as replacements; a
match with none quotes its best unsafe or display suggestion in its `message` ("Check the
nuance first: ..." / "An idea to adapt: ..."). A client that shows replacements to a person
can ask for more with the parameter `applicability=unsafe` (safe and unsafe) or
`applicability=display` (all); the extra ones then carry a `shortDescription` saying what
they are.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from . import __version__
from .engine import Coach
from .errors import AuthError, NotFoundError, ServiceError
from .models import Applicability, Severity
from .serving import RequestError, engine_of, key_from_headers, key_matches, paced
from .text import sentence_spans

CONTEXT_SIZE = 40  # UTF-16 units either side, as LanguageTool
API_DOC_HINT = "see /docs and the README's LanguageTool section"
MAX_FIELDS = 1000
MAX_ANNOTATION_ITEMS = 10_000  # items in `data`'s annotation list
MARKUP_FACTOR = 5  # text and markup together: at most this many times max_text_chars
_SURROGATE = re.compile("[\ud800-\udfff]")

# (name, code, longCode), sorted by name as LanguageTool's /v2/languages is.
LANGUAGES = [
    ("English", "en", "en"),
    ("English (GB)", "en", "en-GB"),
    ("English (US)", "en", "en-US"),
]
_BY_CODE = {long.lower(): (name, long) for name, _, long in LANGUAGES}
AUTO_LANGUAGE = ("English (US)", "en-US")

CATEGORY_NAMES = {
    "command": "Commands",
    "defensive": "Defensive wording",
    "blame": "Blaming the customer",
    "dismissive": "Dismissive wording",
    "jargon": "Jargon",
    "impatience": "Impatience",
    "empathy": "Empathy",
    "missed-acknowledgment": "Missed acknowledgment",
}


def lt_error(status: int, message: str) -> ServiceError | RequestError:
    """A LanguageTool-style error: 404 for an unknown action, else bad input (E040) at `status`."""
    if status == 404:
        return NotFoundError(message)
    return RequestError(message, status=status)


def category_id(category: str) -> str:
    return category.upper().replace("-", "_")


def category_name(category: str) -> str:
    return CATEGORY_NAMES.get(category, category.replace("-", " ").capitalize())


def humanize(rule_name: str) -> str:
    return rule_name.replace("-", " ").capitalize()


# ---- text with markup ------------------------------------------------------------------
@dataclass
class AnnotatedText:
    """Plain text to check, the original text (markup included), and a map between them."""

    plain: str
    original: str
    # contiguous plain-text segments: (plain start, plain end, original start, original end, is text)
    segments: list[tuple[int, int, int, int, bool]] = field(default_factory=list)

    @classmethod
    def from_text(cls, text: str) -> "AnnotatedText":
        return cls(plain=text, original=text, segments=[(0, len(text), 0, len(text), True)])

    @classmethod
    def from_annotation(cls, items: list) -> "AnnotatedText":
        if len(items) > MAX_ANNOTATION_ITEMS:
            raise lt_error(413, f"'annotation' holds {len(items)} items; the limit is {MAX_ANNOTATION_ITEMS}")
        plain: list[str] = []
        orig: list[str] = []
        segs = []
        p = o = 0
        for node in items:
            if not isinstance(node, dict):
                raise lt_error(400, f"Only 'text' and 'markup' are supported in 'annotation' list: "
                                    f"{_show(node)}")
            has_text, has_markup = "text" in node, "markup" in node
            if has_text and has_markup:
                raise lt_error(400, "Only either 'text' or 'markup' are supported in an object in "
                                    f"'annotation' list, not both: {_show(node)}")
            if has_text and "interpretAs" in node:
                raise lt_error(400, "'text' cannot be used with 'interpretAs' (only 'markup' can): "
                                    f"{_show(node)}")
            if has_text:
                t = _string(node["text"], "text")
                if t:
                    segs.append((p, p + len(t), o, o + len(t), True))
                plain.append(t)
                orig.append(t)
                p += len(t)
                o += len(t)
            elif has_markup:
                m = _string(node["markup"], "markup")
                interp = _string(node.get("interpretAs", ""), "interpretAs")
                if interp:
                    segs.append((p, p + len(interp), o, o + len(m), False))
                    plain.append(interp)
                    p += len(interp)
                orig.append(m)
                o += len(m)
            else:
                raise lt_error(400, f"Only 'text' and 'markup' are supported in 'annotation' list: "
                                    f"{_show(node)}")
        return cls(plain="".join(plain), original="".join(orig), segments=segs)

    def to_original(self, pos: int, *, end: bool = False) -> int:
        """Map a plain-text offset to the original text (a start skips markup before it)."""
        segs = self.segments
        if not segs:
            return 0 if not end else len(self.original)
        starts = [s[0] for s in segs]
        if end:
            i = bisect_left(starts, pos) - 1
            if i < 0:
                return segs[0][2]
            ps, pe, os_, oe, is_text = segs[i]
            return os_ + min(pos, pe) - ps if is_text else oe
        i = bisect_right(starts, pos) - 1
        if i < 0:
            return segs[0][2]
        ps, pe, os_, oe, is_text = segs[i]
        if pos >= pe:
            return oe
        return os_ + pos - ps if is_text else os_


def _string(value, key: str) -> str:
    if isinstance(value, str):
        return unicode_text(value, key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # as LanguageTool, which reads a JSON number's text
    raise lt_error(400, f"'{key}' in 'data' must be a string, not {_json_type(value)}")


def _show(node, limit: int = 200) -> str:
    """A JSON node for an error message: ASCII, and cut short."""
    try:
        out = json.dumps(node)
    except (ValueError, RecursionError):  # pragma: no cover - parsed JSON always dumps
        out = "?"
    return out if len(out) <= limit else out[:limit] + "..."


def _json_type(value) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", type(None): "null"}.get(type(value), "a value")


def unicode_text(value: str, key: str) -> str:
    """`value`, unless it holds a lone surrogate (from a `\ud800` escape in `data`): 400."""
    bad = None if value.isascii() else _SURROGATE.search(value)
    if bad is not None:
        raise lt_error(400, f"'{key}' holds a lone surrogate (\\u{ord(bad.group()):04x}) at character "
                            f"{bad.start()}, which is not Unicode text")
    return value


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class Utf16:
    """Code-point offsets of one text to UTF-16 code-unit offsets, and back."""

    def __init__(self, text: str):
        self.identity = _ASTRAL.search(text) is None
        if not self.identity:
            self.prefix = [0, *accumulate(2 if ord(c) > 0xFFFF else 1 for c in text)]

    def units(self, cp: int) -> int:
        return cp if self.identity else self.prefix[cp]

    def code_point(self, unit: int, *, widen_left: bool) -> int:
        """The code point at a unit offset; inside a surrogate pair, widen to keep it whole."""
        if self.identity:
            return unit
        i = bisect_left(self.prefix, unit)
        if i < len(self.prefix) and self.prefix[i] == unit:
            return i
        return i - 1 if widen_left else i


def context(original: str, u16: Utf16, start: int, end: int) -> dict:
    """LanguageTool's context: 40 units either side, `...` where cut, newlines as spaces."""
    f, t = u16.units(start), u16.units(end)
    total = u16.units(len(original))
    a, prefix = f - CONTEXT_SIZE, "..."
    if a < 0:
        a, prefix = 0, ""
    b, postfix = t + CONTEXT_SIZE, "..."
    if b > total:
        b, postfix = total, ""
    ca = u16.code_point(a, widen_left=True)
    cb = u16.code_point(b, widen_left=False)
    text = prefix + original[ca:cb].replace("\n", " ") + postfix
    return {"text": text, "offset": len(prefix) + f - u16.units(ca), "length": t - f}


# ---- parameters ------------------------------------------------------------------------
async def read_params(request: Request) -> dict[str, str]:
    """Query string, then (POST) the body as form-urlencoded whatever the Content-Type."""
    raw = [request.scope.get("query_string", b"")]
    if request.method == "POST":
        raw.append(await request.body())
    params: dict[str, str] = {}
    for chunk in raw:
        if not chunk:
            continue
        try:
            pairs = parse_qsl(chunk.decode("utf-8"), keep_blank_values=True, errors="strict",
                              max_num_fields=MAX_FIELDS)
        except UnicodeDecodeError:
            raise lt_error(400, "The request is not valid UTF-8 after URL decoding") from None
        except ValueError:
            raise lt_error(400, f"Too many parameters (the limit is {MAX_FIELDS})") from None
        params.update(pairs)
    return params


def _csv(params: dict[str, str], name: str) -> list[str]:
    v = params.get(name)
    return [x.strip() for x in v.split(",") if x.strip()] if v else []


def annotated_text(params: dict[str, str]) -> AnnotatedText:
    if "text" in params and "data" in params:
        raise lt_error(400, "Set only 'text' or 'data' parameter, not both")
    if "text" in params:
        return AnnotatedText.from_text(params["text"])
    if "data" not in params:
        raise lt_error(400, "Missing 'text' or 'data' parameter")
    try:
        data = json.loads(params["data"])
    except (ValueError, RecursionError):
        raise lt_error(400, "Could not parse JSON from 'data' parameter") from None
    if not isinstance(data, dict):
        raise lt_error(400, "'data' key in JSON requires 'text' or 'annotation' key")
    if data.get("text") is not None and data.get("annotation") is not None:
        raise lt_error(400, "'data' key in JSON requires either 'text' or 'annotation' key, not both")
    if data.get("text") is not None:
        return AnnotatedText.from_text(_string(data["text"], "text"))
    if data.get("annotation") is not None:
        if not isinstance(data["annotation"], list):
            raise lt_error(400, "'annotation' in 'data' must be a list of objects")
        return AnnotatedText.from_annotation(data["annotation"])
    raise lt_error(400, "'data' key in JSON requires 'text' or 'annotation' key")


def context_of(params: dict[str, str]) -> str | None:
    """The customer's last message, from `data`'s `metaData` (`context`, or `customerMessage`):
    LanguageTool's place for facts about the text that are not the text."""
    if "data" not in params:
        return None
    data = json.loads(params["data"])  # annotated_text has already refused what does not parse
    meta = data.get("metaData")
    if meta is None:
        return None
    if not isinstance(meta, dict):
        raise lt_error(400, "'metaData' in 'data' must be an object")
    value = meta.get("context", meta.get("customerMessage"))
    if value is None:
        return None
    return _string(value, "metaData.context")


def language_of(params: dict[str, str]) -> tuple[str, str]:
    lang = params.get("language", "")
    if not lang:
        raise lt_error(400, "Missing 'language' parameter, e.g. 'language=en-US' for American "
                            "English or 'language=fr' for French")
    for old, new in (("enabled", "You specified 'enabled' but the parameter is now called "
                                 "'enabledRules' in v2 of the API"),
                     ("disabled", "You specified 'disabled' but the parameter is now called "
                                  "'disabledRules' in v2 of the API"),
                     ("preferredvariants", "You specified 'preferredvariants' but the parameter is "
                                           "now called 'preferredVariants' (uppercase 'V') in v2 of "
                                           "the API"),
                     ("autodetect", "You specified 'autodetect' but automatic language detection "
                                    "is now activated with 'language=auto' in v2 of the API")):
        if params.get(old) is not None:
            raise lt_error(400, new)
    variants = _csv(params, "preferredVariants")
    if variants and lang != "auto":
        raise lt_error(400, "You specified 'preferredVariants' but you didn't specify 'language=auto'")
    if lang == "auto":
        for v in variants:
            if "-" not in v:
                raise lt_error(400, "Invalid format for 'preferredVariants', expected a dash as in "
                                    f"'en-GB': '{v}'")
            if v.lower().startswith("en-") and v.lower() in _BY_CODE:
                return _BY_CODE[v.lower()]
        return AUTO_LANGUAGE
    found = _BY_CODE.get(lang.lower().replace("_", "-"))
    if found is None:
        codes = ", ".join(long for _, _, long in LANGUAGES)
        raise lt_error(400, f"'{lang}' is not a language code known to this server (phrasecoach "
                            f"checks English only). Supported language codes are: auto, {codes}")
    return found


@dataclass
class Selection:
    select: list[str] | None  # None: all configured rules; []: none at all
    ignore: list[str]
    enabled_rules: set[str]
    enabled_categories: set[str]
    picky: bool
    applicability: Applicability = Applicability.safe  # the least safe kind sent as a replacement
    extra: list[str] = field(default_factory=list)  # enabled rules to run beside the level's own

    @property
    def level(self) -> str | None:
        """The rule level to run: LanguageTool's `level=picky` is phrasecoach's picky level."""
        return "picky" if self.picky else None

    def coach(self, engine) -> Coach:
        """The Coach for this selection (on an engine thread: it may build a variant)."""
        coach = engine.resolve(select=self.select, ignore=self.ignore, level=self.level)
        have = {r.id for r in coach.rules}
        missing = [r for r in self.extra if r not in have and r not in self.ignore]
        if missing:  # enabled by name but outside the level: run them as well
            coach = engine.resolve(select=sorted(have | set(missing)), ignore=self.ignore,
                                   level=self.level)
        return coach


def selection(params: dict[str, str], coach: Coach) -> Selection:
    """The rules a request asks for. Rule and category ids are resolved against every rule the
    server loaded, whatever its level, so `enabledRules=PC101` works on any server."""
    enabled_only = params.get("enabledOnly") in ("true", "yes")
    rules = {lr.spec.id: lr.spec.category for p in coach.packs for lr in p.rules
             if lr.spec.status != "deprecated"}
    cats = {}
    for c in set(rules.values()):
        for alias in (c, category_id(c), category_name(c)):
            cats[alias.lower()] = c
    en_rules = [x for x in _csv(params, "enabledRules") if x in rules]
    dis_rules = [x for x in _csv(params, "disabledRules") if x in rules]
    en_cats = {cats[x.lower()] for x in _csv(params, "enabledCategories") if x.lower() in cats}
    dis_cats = {cats[x.lower()] for x in _csv(params, "disabledCategories") if x.lower() in cats}
    if enabled_only and (_csv(params, "disabledRules") or _csv(params, "disabledCategories")):
        raise lt_error(400, "You cannot specify disabled rules or categories using enabledOnly=true")
    if enabled_only and not (_csv(params, "enabledRules") or _csv(params, "enabledCategories")):
        raise lt_error(400, "You must specify enabled rules or categories when using enabledOnly=true")
    level = params.get("level", "default") or "default"
    if level not in ("default", "picky"):
        raise lt_error(400, f"Unknown 'level' value '{level}': use 'default' or 'picky'")
    enabled = list(dict.fromkeys([*en_rules, *(r for r, c in rules.items() if c in en_cats)]))
    if enabled_only:
        select, extra = enabled, []
        ignore: list[str] = []
    else:
        select, extra = None, enabled
        ignore = list(dict.fromkeys([*dis_rules, *(r for r, c in rules.items() if c in dis_cats)]))
    applicability = params.get("applicability", "safe") or "safe"
    if applicability not in ("safe", "unsafe", "display"):
        raise lt_error(400, f"Unknown 'applicability' value '{applicability}': use 'safe' (the "
                            f"default), 'unsafe' or 'display'")
    return Selection(select=select, ignore=ignore, enabled_rules=set(en_rules),
                     enabled_categories=en_cats, picky=level == "picky",
                     applicability=Applicability(applicability), extra=extra)


# ---- the response ----------------------------------------------------------------------
def software() -> dict:
    return {"name": "phrasecoach", "version": __version__, "buildDate": "", "apiVersion": 1,
            "premium": False, "status": ""}


_REVIEW_NOTE = {Applicability.unsafe: "Check the nuance first",
                Applicability.display: "An idea to adapt"}


def message_and_replacements(finding, level: Applicability) -> tuple[str, list[dict]]:
    """A match's message and replacements. Suggestions up to `level` become replacements (the
    safe ones bare, others with a `shortDescription`), best first. When none does, the best
    suggestion is quoted in the message instead, so the writer still gets an idea that no
    client can apply without a person reading it."""
    replacements: list[dict] = []
    held_back = []
    for s in finding.suggestions:
        if s.applicability.rank <= level.rank:
            r = {"value": s.replacement}
            if s.applicability is not Applicability.safe:
                r["shortDescription"] = f"{s.applicability.value}: {_REVIEW_NOTE[s.applicability].lower()}"
            replacements.append(r)
        else:
            held_back.append(s)
    message = finding.message
    if not replacements and held_back:
        best = held_back[0]
        message += f" {_REVIEW_NOTE[best.applicability]}: “{best.replacement}”"
    return message, replacements


def check_response(atext: AnnotatedText, report, lang: tuple[str, str], sel: Selection) -> dict:
    u16 = Utf16(atext.original)
    sents = sentence_spans(atext.plain)
    sent_starts = [s for s, _ in sents]
    matches = []
    findings = report.findings if report is not None else ()
    for f in findings:
        if not (sel.picky or f.severity.rank >= Severity.warning.rank
                or f.rule in sel.enabled_rules or f.category in sel.enabled_categories):
            continue
        start = atext.to_original(f.start)
        end = max(start, atext.to_original(f.end, end=True))
        i = bisect_right(sent_starts, f.start) - 1
        sentence = atext.plain[sents[i][0]:sents[i][1]] if i >= 0 and f.start < sents[i][1] else f.text
        offset = u16.units(start)
        message, replacements = message_and_replacements(f, sel.applicability)
        matches.append({
            "message": message,
            "shortMessage": humanize(f.name),
            "replacements": replacements,
            "offset": offset,
            "length": u16.units(end) - offset,
            "context": context(atext.original, u16, start, end),
            "sentence": sentence.strip(),
            "type": {"typeName": "Hint"},
            "rule": {
                "id": f.rule,
                "description": humanize(f.name),
                "issueType": "style",
                "category": {"id": category_id(f.category), "name": category_name(f.category)},
            },
            "ignoreForIncompleteSentence": False,
            "contextForSureMatch": 0,
        })
    matches.sort(key=lambda m: (m["offset"], m["length"]))
    ranges = [[u16.units(atext.to_original(s)), u16.units(atext.to_original(e, end=True))]
              for s, e in sents]
    name, code = lang
    return {
        "software": software(),
        "warnings": {"incompleteResults": False},
        "language": {"name": name, "code": code,
                     "detectedLanguage": {"name": name, "code": code, "confidence": 1.0,
                                          "source": "phrasecoach"}},
        "matches": matches,
        "sentenceRanges": ranges,
    }


def _json(obj) -> Response:
    return Response(json.dumps(obj, ensure_ascii=False).encode("utf-8"),
                    media_type="application/json")


# ---- routes ----------------------------------------------------------------------------
router = APIRouter(prefix="/v2", tags=["LanguageTool-compatible API"])

_CHECK_DOC = """LanguageTool's `/v2/check`. Parameters are form fields (query string or
form-urlencoded body, whatever the Content-Type): `text` or `data`, `language` (required: `en`,
`en-US`, `en-GB` or `auto`), `enabledRules`, `disabledRules`, `enabledCategories`,
`disabledCategories`, `enabledOnly`, `level` (`default` or `picky`), `applicability` (which
suggestions become `replacements`: `safe`, the default, `unsafe` or `display`), and optionally
`apiKey` when the server requires API keys. Offsets count UTF-16 code units."""

_FORM_SCHEMA = {
    "requestBody": {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string", "example": "Date of birth?"},
                        "data": {"type": "string", "description": "JSON with `text` or `annotation`",
                                 "example": '{"annotation":[{"markup":"<p>"},{"text":"Date of birth?"},'
                                            '{"markup":"</p>"}]}'},
                        "language": {"type": "string", "example": "en-US"},
                        "enabledRules": {"type": "string"},
                        "disabledRules": {"type": "string"},
                        "enabledCategories": {"type": "string"},
                        "disabledCategories": {"type": "string"},
                        "enabledOnly": {"type": "string", "enum": ["true", "false"]},
                        "level": {"type": "string", "enum": ["default", "picky"]},
                        "applicability": {"type": "string", "enum": ["safe", "unsafe", "display"],
                                          "description": "The least safe suggestions sent as "
                                                         "replacements (default: safe only)"},
                        "apiKey": {"type": "string"},
                    },
                    "required": ["language"],
                },
            },
        },
    },
    "responses": {
        "200": {"description": "LanguageTool check result",
                "content": {"application/json": {"example": {
                    "software": software(), "warnings": {"incompleteResults": False},
                    "language": {"name": "English (US)", "code": "en-US",
                                 "detectedLanguage": {"name": "English (US)", "code": "en-US",
                                                      "confidence": 1.0, "source": "phrasecoach"}},
                    "matches": [{
                        "message": "A bare noun phrase reads as a demand; ask for it instead.",
                        "shortMessage": "Bare noun request",
                        "replacements": [{"value": "May I have your date of birth?"}],
                        "offset": 0, "length": 14,
                        "context": {"text": "Date of birth?", "offset": 0, "length": 14},
                        "sentence": "Date of birth?", "type": {"typeName": "Hint"},
                        "rule": {"id": "PC101", "description": "Bare noun request", "issueType": "style",
                                 "category": {"id": "COMMAND", "name": "Commands"}},
                        "ignoreForIncompleteSentence": False, "contextForSureMatch": 0}],
                    "sentenceRanges": [[0, 14]]}}}},
        "400": {"description": "Bad parameters (`Error: ...`, text/plain)"},
        "403": {"description": "Missing or wrong API key"},
        "413": {"description": "Text too long"},
        "500": {"description": "Checking took longer than the server's limit"},
    },
}


async def _check(request: Request) -> Response:
    params = await read_params(request)
    engine = engine_of(request)
    settings = request.app.state.settings
    if settings.api_keys and not (key_matches(key_from_headers(request), settings.api_keys)
                                  or key_matches(params.get("apiKey"), settings.api_keys)):
        raise AuthError("Access denied: missing or wrong API key (send 'Authorization: Bearer "
                        "<key>', 'X-API-Key' or 'apiKey')", status=403)
    atext = annotated_text(params)
    context = context_of(params)
    lang = language_of(params)
    limit = settings.max_text_chars
    if len(atext.plain) > limit:
        raise lt_error(413, f"Your text exceeds the limit of {limit} characters (it's "
                            f"{len(atext.plain)} characters). Please submit a shorter text.")
    if len(atext.original) > MARKUP_FACTOR * limit:
        raise lt_error(413, f"Your text with its markup exceeds the limit of {MARKUP_FACTOR * limit} "
                            f"characters (it's {len(atext.original)} characters). Please submit a "
                            f"shorter text.")
    sel = selection(params, engine.base())

    def work() -> bytes:
        report = None
        if sel.select is None or sel.select:
            coach = paced(sel.coach(engine))
            report = coach.check(atext.plain, context=context)
        body = check_response(atext, report, lang, sel)
        return json.dumps(body, ensure_ascii=False).encode("utf-8")

    return Response(await engine.run(work, cost=len(atext.plain)), media_type="application/json")


router.add_api_route("/check", _check, methods=["POST"], summary="Check text (LanguageTool API)",
                     description=_CHECK_DOC, openapi_extra=_FORM_SCHEMA, response_class=Response,
                     operation_id="lt_check_post")
router.add_api_route("/check", _check, methods=["GET"], summary="Check text (LanguageTool API, GET)",
                     description=_CHECK_DOC, response_class=Response, operation_id="lt_check_get",
                     openapi_extra={"parameters": [
                         {"name": n, "in": "query", "required": n == "language",
                          "schema": {"type": "string"}}
                         for n in ("text", "data", "language", "enabledRules", "disabledRules",
                                   "enabledCategories", "disabledCategories", "enabledOnly",
                                   "level", "applicability", "apiKey")],
                         "responses": _FORM_SCHEMA["responses"]})


@router.get("/languages", summary="Supported languages (LanguageTool API)", response_class=Response,
            responses={200: {"content": {"application/json": {"example": [
                {"name": n, "code": c, "longCode": lc} for n, c, lc in LANGUAGES]}}}})
async def languages() -> Response:
    return _json([{"name": n, "code": c, "longCode": lc} for n, c, lc in LANGUAGES])


@router.get("/info", summary="Software information (LanguageTool API)", response_class=Response,
            responses={200: {"content": {"application/json": {"example": {"software": software()}}}}})
async def info() -> Response:
    sw = software()
    return _json({"software": {"name": sw["name"], "version": sw["version"], "buildDate": sw["buildDate"],
                               "commit": "", "premium": False}})


@router.get("/maxtextlength", summary="Maximum text length (LanguageTool API)",
            response_class=PlainTextResponse)
async def maxtextlength(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(request.app.state.settings.max_text_chars))


@router.get("/healthcheck", summary="Health check (LanguageTool API)", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {"example": "OK"}}}})
async def healthcheck() -> PlainTextResponse:
    return PlainTextResponse("OK")


@router.api_route("/{action:path}", methods=["GET", "POST"], include_in_schema=False)
async def unsupported(action: str) -> Response:
    raise lt_error(404, f"Unsupported action: '{action}'. Please {API_DOC_HINT}")
