"""Shared by the batch-scoring tests: the small transcript fixture, and many copies of it."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "transcripts" / "qa_small.jsonl"


def many_conversations(path: Path, copies: int) -> Path:
    """The fixture's conversations `copies` times over, each with its own id."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    with open(path, "w", encoding="utf-8") as f:
        for k in range(copies):
            for line in lines:
                obj = json.loads(line)
                obj["id"] = f"{obj['id']}-{k}"
                f.write(json.dumps(obj) + "\n")
    return path
