"""Read rule packs from disk into validated specs, with file:line errors.

A pack is a folder holding `pack.yaml` (id, name, optional glossary) and any number of rule
files (`*.yaml`, each with a top-level `rules:` list). The YAML is composed once for its node
marks and once for its data, so every validation error points at the line of the bad key.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import DuplicateRuleError, PackLimitError, PackReadError, PackValidationError
from .schema import Glossary, PackMeta, RuleFile, RuleSpec

# What one pack may cost (E009), so that a pack from another team cannot eat the machine. The
# bundled core pack's largest file has 44 KB and its largest phrase rule 296 written forms.
MAX_FILE_BYTES = 1_000_000  # one YAML file of a pack, or a glossary
MAX_PACK_BYTES = 5_000_000  # all the YAML files of one pack
MAX_ALIAS_NODES = 10_000  # YAML nodes that aliases (*name) may add to a file's own
MAX_PHRASE_FORMS = 20_000  # written forms of one rule's phrases (contractions multiply them)


@dataclass
class LoadedRule:
    spec: RuleSpec
    pack: str
    file: Path
    line: int
    bundled: bool = False  # from the packs shipped with phrasecoach (their regexes run on `re`)
    # the lines of some keys inside the rule, by location: ("match", "regex", 0) -> 14
    lines: dict[tuple, int] = field(default_factory=dict)

    def at(self, *loc) -> str:
        """file:line of a key inside the rule (the rule's own line if not recorded)."""
        return f"{self.file}:{self.lines.get(loc, self.line)}"


@dataclass
class LoadedPack:
    meta: PackMeta
    path: Path
    rules: list[LoadedRule] = field(default_factory=list)
    glossary: dict[str, str] = field(default_factory=dict)
    bundled: bool = False


def bundled_packs_dir() -> Path:
    """The packs shipped with phrasecoach: inside the wheel, or `rules/` in a source checkout."""
    inside = resources.files("phrasecoach") / "rules"
    if inside.is_dir():
        return Path(str(inside))
    checkout = Path(__file__).resolve().parents[3] / "rules"
    if checkout.is_dir():
        return checkout
    raise PackReadError(
        "the bundled rule packs are missing from this installation",
        hint="reinstall phrasecoach (`pip install --force-reinstall phrasecoach`)")


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path):
    if not path.is_file():
        raise PackReadError("not a regular file", where=str(path),
                            hint="a pack's files are plain UTF-8 YAML files")
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)  # never more, whatever the file says it holds
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PackReadError(f"cannot read the file: {e}", where=str(path),
                            hint="rule packs are UTF-8 YAML files") from e
    if len(raw) > MAX_FILE_BYTES:
        raise _file_too_big(path)
    try:
        # One parse gives both the node marks (for file:line errors) and the data; libyaml's
        # parser when PyYAML has it (25x faster than the pure-Python one, same marks).
        loader = _YAML_LOADER(text)
        try:
            node = loader.get_single_node()
            _check_aliases(path, node)  # before anything walks or builds the data
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        msg = f"not valid YAML: {problem}"
        context, cmark = getattr(e, "context", None), getattr(e, "context_mark", None)
        if context and cmark is not None and (mark is None or cmark.line != mark.line):
            msg += f" ({context} that starts on line {cmark.line + 1})"
            if mark is None or "end of stream" in problem:
                mark = cmark  # an unclosed quote or bracket: point at where it was opened
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise PackReadError(msg, where=where,
                            hint="check indentation and quoting near that line") from e
    dup = _duplicate_key(node)
    if dup is not None:
        key, first = dup
        raise PackReadError(
            f"duplicate key `{key.value}` (first given on line {first.start_mark.line + 1})",
            where=f"{path}:{key.start_mark.line + 1}",
            hint="a repeated key silently replaces the first one; keep only one")
    return node, data


def _check_aliases(path: Path, root) -> None:
    """Refuse YAML whose aliases (`*name`) make it much bigger than its text: each alias stands
    for its anchor's whole subtree again, so nine nested lists of ten aliases (a 439-byte
    "billion laughs") stand for 10^9 nodes, and every walk or validation of them would take
    hours. Counted once per distinct node, so the check itself is linear in the file."""
    if root is None:
        return
    size: dict[int, int] = {}  # id(node) -> nodes in its subtree, aliases expanded
    on_path: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        kids = _children(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            continue
        if key in size:
            continue
        on_path.add(key)
        stack.append((node, True))
        for k in kids:
            if id(k) in on_path:
                raise PackLimitError("a YAML alias refers to a node that holds it (a loop)",
                                     where=f"{path}:{k.start_mark.line + 1}",
                                     hint="write the value out; rule packs do not need aliases")
            if id(k) not in size:
                stack.append((k, False))
    added = size[id(root)] - len(size)
    if added > MAX_ALIAS_NODES:
        raise PackLimitError(
            f"YAML aliases expand this file by {added:,} nodes; the limit is {MAX_ALIAS_NODES:,}",
            where=f"{path}:{root.start_mark.line + 1}",
            hint="write the values out instead of repeating anchors (*name) inside each other")


def _file_too_big(path: Path) -> PackLimitError:
    return PackLimitError(f"the file is over {MAX_FILE_BYTES:,} bytes, the limit for one pack file",
                          where=str(path),
                          hint="split the rules over several files; a long word list belongs in "
                               "a glossary or a lexicon")


def _children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [x for kv in node.value for x in kv]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _duplicate_key(node) -> tuple[yaml.Node, yaml.Node] | None:
    """The first key (in file order) given twice in one mapping, with its first occurrence:
    YAML forbids it, but PyYAML silently keeps the last value."""
    stack = [node] if node is not None else []
    while stack:
        cur = stack.pop()
        if isinstance(cur, yaml.MappingNode):
            seen: dict[str, yaml.Node] = {}
            for k, _ in cur.value:
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                    if k.value in seen:
                        return k, seen[k.value]
                    seen[k.value] = k
            stack.extend(v for _, v in reversed(cur.value))
        elif isinstance(cur, yaml.SequenceNode):
            stack.extend(reversed(cur.value))
    return None


def node_at(node, loc: tuple) -> tuple[yaml.Node | None, yaml.Node | None]:
    """Walk a composed YAML node along a pydantic error location; return (key node, value node)."""
    key_node = None
    cur = node
    for part in loc:
        if isinstance(cur, yaml.MappingNode):
            found = None
            for k, v in cur.value:
                if k.value == part or (part == "pass_" and k.value == "pass"):
                    found = (k, v)
                    break
            if not found:
                break
            key_node, cur = found
        elif isinstance(cur, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(cur.value):
                break
            cur = cur.value[part]
            key_node = None
        else:
            break
    return key_node, cur


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Names of the fields valid where an unknown key was found, for a did-you-mean hint."""
    current = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        f = getattr(current, "model_fields", {}).get(part) or next(
            (x for x in getattr(current, "model_fields", {}).values() if x.alias == part), None)
        if f is None:
            return []
        ann = f.annotation
        cand = [a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type)]
        for a in list(cand):
            cand += [x for x in getattr(a, "__args__", ()) if isinstance(x, type)]
        nxt = next((a for a in cand if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if nxt is None:
            return []
        current = nxt
    return [v.alias or k for k, v in current.model_fields.items()]


def validation_error(path: Path, node, err: ValidationError, model: type[BaseModel]) -> PackValidationError:
    errors = err.errors()
    # A misspelt required key gives two errors, "missing `message`" and "unknown `mesage`";
    # the unknown key is the one to report (at its own line, with a did-you-mean).
    e = next((x for x in errors if x["type"] == "extra_forbidden"), errors[0])
    loc = tuple(e["loc"])
    # pydantic adds the union member's tag to some locations; drop non-path parts.
    loc = tuple(p for p in loc if isinstance(p, int) or not str(p).startswith(("function-", "list[", "str")))
    key_node, value_node = node_at(node, loc)
    mark_node = key_node if (e["type"] == "extra_forbidden" and key_node) else (value_node or key_node)
    line = mark_node.start_mark.line + 1 if mark_node is not None else 1
    dotted = ".".join(str(p) for p in loc) or "(top level)"
    hint = ""
    if e["type"] == "extra_forbidden":
        msg = f"unknown key `{loc[-1]}` at {dotted}"
        options = _fields_at(model, loc)
        close = difflib.get_close_matches(str(loc[-1]), options, n=1)
        hint = (f"did you mean `{close[0]}`? " if close else "") + (
            f"allowed keys here: {', '.join(options)}" if options else "remove the key")
    elif e["type"] == "missing":
        msg = f"missing required key `{loc[-1]}` at {dotted}"
        hint = "add the key; see `phrasecoach rules show PC101` for a complete rule"
    elif e["type"] == "literal_error" or e["type"] == "enum":
        msg = f"bad value for `{loc[-1]}` at {dotted}: {e['msg']}"
        hint = "use one of the values listed"
    else:
        msg = f"bad value at {dotted}: {e['msg']}"
        hint = "fix the value; the README's 'Writing a pack' section shows every key"
    return PackValidationError(msg, where=f"{path}:{line}", hint=hint)


def load_rule_file(path: Path, pack_id: str, bundled: bool = False) -> list[LoadedRule]:
    node, data = _read_yaml(path)
    if data is None:
        return []
    try:
        rf = RuleFile.model_validate(data)
    except ValidationError as err:
        raise validation_error(path, node, err, RuleFile) from None
    out = []
    for i, spec in enumerate(rf.rules):
        _, rnode = node_at(node, ("rules", i))
        line = rnode.start_mark.line + 1 if rnode is not None else 1
        out.append(LoadedRule(spec=spec, pack=pack_id, file=path, line=line, bundled=bundled,
                              lines=_key_lines(spec, rnode)))
    return out


def _key_lines(spec: RuleSpec, rnode) -> dict[tuple, int]:
    """Lines of the keys a load error may point at: each regex, the trigger, each suggestion."""
    if rnode is None:
        return {}
    locs = [("match", "trigger")]
    locs += [("match", "regex", k) for k in range(len(spec.match.regex or ()))]
    locs += [("unless", j, "regex", k) for j, ex in enumerate(spec.unless) for k in range(len(ex.regex or ()))]
    locs += [("unless", j, "phrases") for j, ex in enumerate(spec.unless) if ex.phrases]
    locs += [("suggest", j, "replacement") for j in range(len(spec.suggest))]
    conds = [(("requires", j, "any_of", i) if rq.any_of else ("requires", j), a)
             for j, rq in enumerate(spec.requires) for i, a in enumerate(rq.alternatives)]
    locs += [(*at, "signals" if rq.signals else "phrases" if rq.phrases else "regex") for at, rq in conds]
    locs += [(*at, "regex", k) for at, rq in conds for k in range(len(rq.regex or ()))]
    locs += [("match", "phrases"), ("match", "tokens"), ("match", "dependency")]
    out = {}
    for loc in locs:
        key, value = node_at(rnode, loc)
        found = value if value is not None and value is not rnode else key
        if found is not None and found is not rnode:
            out[loc] = found.start_mark.line + 1
    return out


def load_pack(path: Path) -> LoadedPack:
    path = Path(path)
    meta_path = path / "pack.yaml"
    if not meta_path.is_file():
        raise PackReadError("no pack.yaml in this folder", where=str(path),
                            hint="a pack folder needs pack.yaml with at least `id:` and `name:`")
    root = path.resolve()
    budget = _PackBudget(path)
    node, data = _read_yaml(budget.take(_inside(meta_path, root)))
    try:
        meta = PackMeta.model_validate(data or {})
    except ValidationError as err:
        raise validation_error(meta_path, node, err, PackMeta) from None
    pack = LoadedPack(meta=meta, path=path, bundled=_is_bundled(root))
    for f in sorted(path.glob("*.y*ml")):
        if f.name in ("pack.yaml",) or (meta.glossary and f.name == meta.glossary):
            continue
        f = budget.take(_inside(f, root))
        pack.rules.extend(load_rule_file(f, meta.id, pack.bundled or _same_as_bundled(f, meta.id)))
    if meta.glossary:
        gkey, _ = node_at(node, ("glossary",))
        gline = f"{meta_path}:{gkey.start_mark.line + 1}" if gkey is not None else str(meta_path)
        gpath = budget.take(_inside(path / meta.glossary, root, gline, f"glossary: {meta.glossary}"))
        gnode, gdata = _read_yaml(gpath)
        try:
            pack.glossary = dict(Glossary.model_validate(gdata or {}).terms)
        except ValidationError as err:
            raise validation_error(gpath, gnode, err, Glossary) from None
    return pack


def _inside(f: Path, root: Path, named_at: str | None = None, shown: str | None = None) -> Path:
    """`f`, if it is inside the pack folder `root` once links are followed. A pack reads
    nothing outside its folder: a symlinked rule file or a `glossary: ../../x.yaml` could
    otherwise show any file the process can read in a suggestion."""
    real = f.resolve()
    if not real.is_relative_to(root):
        raise PackLimitError(
            f"`{shown or f.name}` leads outside the pack folder (to {real})",
            where=named_at or str(f),
            hint="copy the file into the pack folder; a pack reads only files inside its folder")
    return f


class _PackBudget:
    """Counts the bytes of a pack's files against MAX_PACK_BYTES."""

    def __init__(self, path: Path):
        self.path, self.used = path, 0

    def take(self, f: Path) -> Path:
        try:
            size = f.stat().st_size
        except OSError:
            return f  # reading it reports the problem
        if size > MAX_FILE_BYTES:
            raise _file_too_big(f)
        self.used += size
        if self.used > MAX_PACK_BYTES:
            raise PackLimitError(f"the pack's files add up to over {MAX_PACK_BYTES:,} bytes, the "
                                 "limit for one pack", where=str(self.path),
                                 hint="split it into several packs, or trim long word lists")
        return f


def _same_as_bundled(f: Path, pack_id: str) -> bool:
    """Is `f` byte for byte a file of the bundled pack `pack_id` (the checkout's `rules/core`
    while the installed copy is the bundled one)? Then it is that file, reviewed with the code."""
    folder = _bundled_folders().get(pack_id)
    shipped = folder / f.name if folder is not None else None
    try:
        return (shipped is not None and shipped.is_file() and f.is_file()
                and f.stat().st_size == shipped.stat().st_size and f.read_bytes() == shipped.read_bytes())
    except OSError:
        return False


@lru_cache(maxsize=1)
def _bundled_folders() -> dict[str, Path]:
    """Pack id -> folder, for the bundled packs."""
    out = {}
    try:
        base = bundled_packs_dir()
    except PackReadError:
        return out
    for meta in sorted(base.glob("*/pack.yaml")):
        try:
            data = yaml.load(meta.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            out.setdefault(data["id"], meta.parent)
    return out


def _is_bundled(root: Path) -> bool:
    try:
        return root.is_relative_to(bundled_packs_dir().resolve())
    except PackReadError:
        return False


def load_glossary(path: Path) -> dict[str, str]:
    node, data = _read_yaml(Path(path))
    try:
        return dict(Glossary.model_validate(data or {}).terms)
    except ValidationError as err:
        raise validation_error(Path(path), node, err, Glossary) from None


def discover(path: Path) -> list[LoadedPack]:
    """A pack folder, or a folder of pack folders."""
    path = Path(path)
    if not path.is_dir():
        raise PackReadError("not a folder", where=str(path),
                            hint="--pack takes a folder holding pack.yaml, or a folder of such folders")
    if (path / "pack.yaml").is_file():
        return [load_pack(path)]
    packs = [load_pack(p) for p in sorted(path.iterdir()) if (p / "pack.yaml").is_file()]
    if not packs:
        raise PackReadError("no pack.yaml here or in its sub-folders", where=str(path),
                            hint="create pack.yaml with `id:` and `name:` beside your rule files")
    return packs


def check_unique(packs: list[LoadedPack]) -> None:
    seen: dict[str, LoadedRule] = {}
    for p in packs:
        for r in p.rules:
            if r.spec.id in seen:
                first = seen[r.spec.id]
                raise DuplicateRuleError(
                    f"duplicate rule id `{r.spec.id}` (first defined at {first.file}:{first.line})",
                    where=f"{r.file}:{r.line}",
                    hint="rule ids are permanent and unique; give this rule a new id")
            seen[r.spec.id] = r
