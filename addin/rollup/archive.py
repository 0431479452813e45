"""The archive: every accepted submission with its rows, in one SQLite file (no server).

A roll-up's submissions go in in one transaction, so a crash, a kill or a full disk
leaves either all of them or nothing; another process's transaction is waited for
(``BUSY_TIMEOUT``), then a clear message.  Recording the same file (same sha256) again changes nothing.  The archive
answers the continuity check: which clues were open (not 办结) in a unit's previous
period.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from addin.plumbing.outputs import OutputError, os_error_message
from addin.rollup.periods import Period

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    uscc TEXT NOT NULL,
    unit TEXT NOT NULL,
    year INTEGER NOT NULL,
    period TEXT NOT NULL,
    period_end TEXT NOT NULL,
    filed_on TEXT,
    path TEXT NOT NULL,
    taken_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_unit ON submissions (uscc, period_end);
CREATE TABLE IF NOT EXISTS rows (
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    sheet TEXT NOT NULL,
    row_number INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (submission_id, sheet, row_number)
);
CREATE TABLE IF NOT EXISTS unified_ids (
    uscc TEXT NOT NULL,
    clue_id TEXT NOT NULL,
    number TEXT NOT NULL UNIQUE,
    period TEXT NOT NULL,
    PRIMARY KEY (uscc, clue_id)
);
"""
PERIOD_KINDS = {"年度": "年度", "上半年": "半年", "第一季度": "季度", "第二季度": "季度", "第三季度": "季度", "第四季度": "季度"}
"""Periods of the same kind follow one another (对账: this 年度 against the previous 年度)."""

def has_submissions(db: sqlite3.Connection) -> bool:
    """The archive holds the roll-up's tables (a 禁入查询 on a fresh 收报台 makes the file
    with only its query log, before HQ has rolled up once)."""
    return db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('submissions', 'rows')"
                      ).fetchone()[0] == 2


def stored_row(data: Any, where: str, sheet: str, number: int) -> dict[str, Any] | None:
    """An archived row as a dict, or None (reported on stderr by file, sheet and row number,
    never by its content — it may hold a 身份证号码) when it cannot be read: one damaged row
    never stops a reader of the archive."""
    try:
        row = json.loads(data)
    except (TypeError, ValueError, RecursionError):
        row = None
    if isinstance(row, dict):
        return row
    skipped_row(where, sheet, number)
    return None


def skipped_row(where: str, sheet: str, number: int) -> None:
    try:
        print(f"归档库中 {Path(str(where)).name}「{sheet}」第 {number} 行无法读取（内容已损坏或不合理），已跳过",
              file=sys.stderr)
    except (OSError, ValueError):
        pass


BUSY_TIMEOUT = 30.0
"""Seconds to wait for another process's transaction on the same archive."""
CLUE_SHEET = "问题线索台账"
CLUE_ID = "线索编号"
CLUE_STAGE = "办理阶段"
CLOSED_STAGE = "办结"


@dataclass(frozen=True)
class SubmissionInfo:
    sha256: str
    uscc: str
    unit: str
    period: Period
    filed_on: dt.date | None
    path: str


@dataclass(frozen=True)
class ArchivedSubmission:
    id: int
    sha256: str
    uscc: str
    unit: str
    period: str
    filed_on: str | None
    path: str
    taken_at: str
    rows: int


def _json_default(value: object) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot archive {type(value).__name__}")


class Archive:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT)
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(os_error_message(exc, self.path, "打开"), self.path) from None
        try:
            self._db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a committed roll-up survives a power cut
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            self._db.close()
            raise OutputError(os_error_message(exc, self.path, "打开"), self.path) from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, info: SubmissionInfo, sheets: Mapping[str, Sequence[tuple[int, Mapping[str, Any]]]]) -> bool:
        """Keep one accepted submission and all its rows (keyed by the standard's headers);
        False when it was already kept."""
        return self.record_all([(info, sheets)]) == 1

    def record_all(self, submissions: Iterable[tuple[SubmissionInfo, Mapping[str, Sequence[tuple[int, Mapping[str, Any]]]]]],
                   before_commit: Callable[[int], None] | None = None,
                   unified_ids: Mapping[tuple[str, str], str] | None = None, period: Period | None = None) -> int:
        """Keep a roll-up's accepted submissions, and its new 统一编号 assignments for ``period``,
        in one transaction: all of them or none (a crash or a full disk leaves the archive as it
        was); returns how many submissions were new."""
        db = self._db
        added = 0
        try:
            db.execute("BEGIN IMMEDIATE")  # waits up to BUSY_TIMEOUT for another roll-up's transaction
            for info, sheets in submissions:
                added += self._insert(info, sheets)
            if unified_ids and period is not None:  # the numbers stay with their clues: the same transaction
                self._insert_unified_ids(unified_ids, period)
            if before_commit is not None:  # the run's outputs: a failure there rolls the archive back
                before_commit(added)
            db.execute("COMMIT")
        except BaseException as exc:
            if db.in_transaction:
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # SQLite rolled back itself (a full disk)
            if isinstance(exc, (OSError, sqlite3.Error)):
                raise OutputError(os_error_message(exc, self.path), self.path) from None
            raise
        return added

    def _insert(self, info: SubmissionInfo, sheets: Mapping[str, Sequence[tuple[int, Mapping[str, Any]]]]) -> bool:
        db = self._db
        if db.execute("SELECT 1 FROM submissions WHERE sha256 = ?", (info.sha256,)).fetchone():
            return False
        cursor = db.execute(
            "INSERT INTO submissions (sha256, uscc, unit, year, period, period_end, filed_on, path, taken_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                info.sha256, info.uscc, info.unit, info.period.year, info.period.name,
                info.period.end.isoformat(), info.filed_on.isoformat() if info.filed_on else None,
                info.path, dt.datetime.now().isoformat(timespec="seconds"),
            ),
        )
        submission_id = cursor.lastrowid
        db.executemany(
            "INSERT INTO rows (submission_id, sheet, row_number, data) VALUES (?, ?, ?, ?)",
            (
                (submission_id, sheet, number, json.dumps(dict(data), ensure_ascii=False, default=_json_default))
                for sheet, rows in sheets.items()
                for number, data in rows
            ),
        )
        return True

    def _latest_before(self, uscc: str, period: Period) -> int | None:
        row = self._db.execute(
            "SELECT id FROM submissions WHERE uscc = ? AND period_end < ?"
            " ORDER BY period_end DESC, filed_on DESC, id DESC LIMIT 1",
            (uscc, period.end.isoformat()),
        ).fetchone()
        return None if row is None else int(row[0])

    def previous_open_clues(self, uscc: str, period: Period) -> dict[str, dict[str, Any]]:
        """Clues not 办结 in the unit's latest archived submission before ``period``."""
        submission = self._latest_before(uscc, period)
        if submission is None:
            return {}
        found: dict[str, dict[str, Any]] = {}
        for number, data in self._db.execute(
            "SELECT row_number, data FROM rows WHERE submission_id = ? AND sheet = ? ORDER BY row_number",
            (submission, CLUE_SHEET),
        ):
            row = stored_row(data, self._path_of(submission), CLUE_SHEET, number)
            if row is None:
                continue
            if str(row.get(CLUE_STAGE, "")).strip() != CLOSED_STAGE:
                found[str(row.get(CLUE_ID, "")).strip()] = row
        return found

    def _path_of(self, submission: int) -> str:
        found = self._db.execute("SELECT path FROM submissions WHERE id = ?", (submission,)).fetchone()
        return str(found[0]) if found else "?"

    # -- 统一编号 and 对账 (standard 2.1) ------------------------------------------------------------
    def unified_ids(self) -> dict[tuple[str, str], str]:
        """Every 统一编号 assigned so far: (统一社会信用代码, 线索编号) → number."""
        return {(uscc, clue): number for uscc, clue, number in
                self._db.execute("SELECT uscc, clue_id, number FROM unified_ids")}

    def _insert_unified_ids(self, assigned: Mapping[tuple[str, str], str], period: Period) -> None:
        """Keep new 统一编号 assignments (inside ``record_all``'s transaction; an existing one is never changed)."""
        self._db.executemany(
            "INSERT OR IGNORE INTO unified_ids (uscc, clue_id, number, period) VALUES (?, ?, ?, ?)",
            ((uscc, clue, number, period.label) for (uscc, clue), number in assigned.items()))

    def previous_clues(self, period: Period) -> list[tuple[str, str, str, dict[str, Any]]]:
        """Every clue of each unit's latest archived submission of the same kind of period
        (年度, 半年 or 季度) before ``period``: (统一社会信用代码, unit, its period, row)."""
        kind = PERIOD_KINDS.get(period.name)
        names = [name for name, k in PERIOD_KINDS.items() if k == kind] or [period.name]
        marks = ",".join("?" * len(names))
        latest = self._db.execute(
            f"SELECT s.id, s.uscc, s.unit, s.year || '-' || s.period FROM submissions s"
            f" WHERE s.period IN ({marks}) AND s.period_end < ? AND s.id = ("
            f"  SELECT t.id FROM submissions t WHERE t.uscc = s.uscc AND t.period IN ({marks}) AND t.period_end < ?"
            f"  ORDER BY t.period_end DESC, t.filed_on DESC, t.id DESC LIMIT 1)"
            f" ORDER BY s.uscc",
            (*names, period.end.isoformat(), *names, period.end.isoformat())).fetchall()
        out = []
        for submission, uscc, unit, label in latest:
            for (data,) in self._db.execute(
                    "SELECT data FROM rows WHERE submission_id = ? AND sheet = ? ORDER BY row_number",
                    (submission, CLUE_SHEET)):
                out.append((uscc, unit, label, json.loads(data)))
        return out

    def history(self, unit: str) -> list[ArchivedSubmission]:
        """A unit's submissions (by 统一社会信用代码 or by name), oldest first."""
        rows = self._db.execute(
            "SELECT s.id, s.sha256, s.uscc, s.unit, s.year || '-' || s.period, s.filed_on, s.path, s.taken_at,"
            " (SELECT COUNT(*) FROM rows r WHERE r.submission_id = s.id)"
            " FROM submissions s WHERE s.uscc = ? OR s.unit = ? ORDER BY s.period_end, s.filed_on, s.id",
            (unit, unit),
        ).fetchall()
        return [ArchivedSubmission(*row) for row in rows]

    def rows(self, sha256: str) -> Iterable[tuple[str, int, dict[str, Any]]]:
        for sheet, number, data, path in self._db.execute(
            "SELECT r.sheet, r.row_number, r.data, s.path FROM rows r JOIN submissions s ON s.id = r.submission_id"
            " WHERE s.sha256 = ? ORDER BY r.sheet, r.row_number",
            (sha256,),
        ):
            row = stored_row(data, path, sheet, number)
            if row is not None:
                yield sheet, number, row
