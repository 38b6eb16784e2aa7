"""Rule levels and the precision bar a rule must clear to be on by default.

As LanguageTool's `picky` and ruff's preview: `default` rules run for everyone; `picky` rules
are right often enough to help a coach who asks for them but too often wrong to nag everyone;
`preview` rules are new and unmeasured. The bar is stated here once; `bench/quality.py`
measures each bundled rule on real agent turns and writes `measured.json` into the pack, which
`rules list` shows and `tests/test_levels.py` holds against the bar.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

LEVELS = ("default", "picky", "preview")
MIN_PRECISION = 0.85   # measured precision of a default rule, on real agent turns
MIN_LOWER_BOUND = 0.70  # the 95 % Wilson lower bound of that precision
MIN_JUDGED = 30         # a rule too rare in the gold set is judged on this many corpus findings
MEASURED_FILE = "measured.json"


def included(rule_level: str, level: str) -> bool:
    """Does a run at `level` include a rule of `rule_level`? Each level includes those before it."""
    return LEVELS.index(rule_level) <= LEVELS.index(level)


def wilson(correct: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of a proportion (sound for small n and p near 1)."""
    if n == 0:
        return 0.0, 1.0
    p = correct / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


def clears_bar(correct: int, n: int) -> bool:
    return n > 0 and correct / n >= MIN_PRECISION and wilson(correct, n)[0] >= MIN_LOWER_BOUND


@lru_cache(maxsize=32)
def measured(pack_dir: str) -> dict[str, dict]:
    """Per rule id: {"findings", "correct", "precision", "low", "high", "set"}, or {} if unmeasured."""
    path = Path(pack_dir) / MEASURED_FILE
    if not path.is_file():
        return {}
    return json.loads(path.read_text("utf-8")).get("rules", {})
