"""Output files written atomically: a hidden `.NAME.partial-PID` beside the target, then
`os.replace`. An interrupted run leaves no half-written file under a real name (a run killed
outright may leave a `.partial` file, which says what it is; the next run into the same
folder removes it). The run publishes its files together at the end, `summary.json` last,
after removing the previous run's: whenever `summary.json` is there, every file beside it is
from the run it describes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path
from typing import Any, TextIO


OUTPUT_NAMES = ("conversations.jsonl", "conversations.csv", "agents.csv", "agents.json",
                "rules.csv", "categories.csv", "weeks.csv", "errors.jsonl", "report.html",
                "summary.json")
_PARTIAL = re.compile(r"^\.(?P<name>.+)\.partial-(?P<pid>\d+)$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_partials(folder: Path) -> list[Path]:
    """Remove `.NAME.partial-PID` files of our outputs left by runs that are no longer running."""
    removed = []
    for p in Path(folder).iterdir():
        m = _PARTIAL.match(p.name)
        if m and m.group("name") in OUTPUT_NAMES and int(m.group("pid")) != os.getpid() \
                and not _alive(int(m.group("pid"))):
            try:
                p.unlink()
                removed.append(p)
            except FileNotFoundError:
                pass
    return removed


def unpublish(folder: Path, names=OUTPUT_NAMES) -> None:
    """Remove published outputs (of an earlier run) so that runs never mix in one folder."""
    for name in names:
        try:
            (Path(folder) / name).unlink()
        except FileNotFoundError:
            pass


class AtomicFile:
    """A text file that appears under its name only when `commit()` is called.

    Text that UTF-8 cannot encode (a lone surrogate that slipped past the readers' checks) is
    written as a visible `\\udXXX` escape instead of ending the run: in a JSON string that is
    the same escape the input had.
    """

    def __init__(self, path: Path, newline: str | None = None):
        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.name}.partial-{os.getpid()}")
        self.fh: TextIO = open(self.tmp, "w", encoding="utf-8", errors="backslashreplace",
                               newline=newline)
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
