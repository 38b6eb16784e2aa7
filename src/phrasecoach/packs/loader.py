"""Read rule packs from disk into validated specs, with file:line errors.

A pack is a folder holding `pack.yaml` (id, name, optional glossary) and any number of rule
files (`*.yaml`, each with a top-level `rules:` list). The YAML is composed once for its node
marks and once for its data, so every validation error points at the line of the bad key.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import DuplicateRuleError, PackReadError, PackValidationError
from .schema import Glossary, PackMeta, RuleFile, RuleSpec


@dataclass
class LoadedRule:
    spec: RuleSpec
    pack: str
    file: Path
    line: int


@dataclass
class LoadedPack:
    meta: PackMeta
    path: Path
    rules: list[LoadedRule] = field(default_factory=list)
    glossary: dict[str, str] = field(default_factory=dict)


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
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PackReadError(f"cannot read the file: {e}", where=str(path),
                            hint="rule packs are UTF-8 YAML files") from e
    try:
        # One parse gives both the node marks (for file:line errors) and the data; libyaml's
        # parser when PyYAML has it (25x faster than the pure-Python one, same marks).
        loader = _YAML_LOADER(text)
        try:
            node = loader.get_single_node()
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


def load_rule_file(path: Path, pack_id: str) -> list[LoadedRule]:
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
        out.append(LoadedRule(spec=spec, pack=pack_id, file=path, line=line))
    return out


def load_pack(path: Path) -> LoadedPack:
    path = Path(path)
    meta_path = path / "pack.yaml"
    if not meta_path.is_file():
        raise PackReadError("no pack.yaml in this folder", where=str(path),
                            hint="a pack folder needs pack.yaml with at least `id:` and `name:`")
    node, data = _read_yaml(meta_path)
    try:
        meta = PackMeta.model_validate(data or {})
    except ValidationError as err:
        raise validation_error(meta_path, node, err, PackMeta) from None
    pack = LoadedPack(meta=meta, path=path)
    for f in sorted(path.glob("*.y*ml")):
        if f.name in ("pack.yaml",) or (meta.glossary and f.name == meta.glossary):
            continue
        pack.rules.extend(load_rule_file(f, meta.id))
    if meta.glossary:
        gpath = path / meta.glossary
        gnode, gdata = _read_yaml(gpath)
        try:
            pack.glossary = dict(Glossary.model_validate(gdata or {}).terms)
        except ValidationError as err:
            raise validation_error(gpath, gnode, err, Glossary) from None
    return pack


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
