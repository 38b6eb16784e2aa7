"""Output files written atomically: a hidden `.NAME.partial-PID` beside the target, then
`os.replace`. An interrupted run leaves no half-written file under a real name (a crash may
leave a `.partial` file, which says what it is). The run publishes its files together at the
end, `summary.json` last.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any, TextIO


class AtomicFile:
    """A text file that appears under its name only when `commit()` is called."""

    def __init__(self, path: Path, newline: str | None = None):
        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.name}.partial-{os.getpid()}")
        self.fh: TextIO = open(self.tmp, "w", encoding="utf-8", newline=newline)
        self.done = False

    def write(self, s: str) -> None:
        self.fh.write(s)

    def close(self) -> None:
        if not self.fh.closed:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()

    def commit(self) -> Path:
        self.close()
        os.replace(self.tmp, self.path)
        self.done = True
        return self.path

    def abort(self) -> None:
        if not self.fh.closed:
            self.fh.close()
        if not self.done:
            try:
                os.unlink(self.tmp)
            except FileNotFoundError:
                pass


class AtomicCsv(AtomicFile):
    def __init__(self, path: Path, header: list[str]):
        super().__init__(path, newline="")
        self.writer = csv.writer(self.fh)
        self.writer.writerow(header)

    def row(self, values: list[Any]) -> None:
        self.writer.writerow(["" if v is None else v for v in values])


def write_atomic(path: Path, text: str) -> AtomicFile:
    """Write `text` to a partial file now; commit it later."""
    f = AtomicFile(path)
    f.write(text)
    f.close()
    return f


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue()


def json_text(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n"
