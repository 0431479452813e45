"""A period's accepted ledgers read back from the archive, and their indicators.

The 定期报告 and the 典型案例 are written from what was accepted and archived, not from
files lying around: for each unit the latest archived submission of the period (by 填报日期,
then order of archiving — the roll-up's supersession order), its rows as records, and the
indicators ``addin.rollup.indicators`` computes from them (期初在办 from the unit's previous
period, as the roll-up's continuity check takes it).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from addin.rollup.archive import Archive, has_submissions, stored_row
from addin.rollup.indicators import UnitLedgers, total_indicators, unit_indicators
from addin.rollup.periods import Period
from addin.workbook.schema import STANDARD, ColumnType


class RecalledRow:
    """One archived row with the schema's field names as attributes (None when absent)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __getattr__(self, name: str) -> Any:
        if name == "values":
            raise AttributeError(name)
        return self.values.get(name)


@dataclass
class RecalledUnit:
    unit: str
    uscc: str
    sha256: str
    ledgers: UnitLedgers
    indicators: dict[str, int | float]
    filed_on: dt.date | None = None
    """Its 填报日期 (the day its data run to)."""


def _value(kind: ColumnType, value: Any) -> Any:
    if value is None or value == "":
        return None
    if kind == ColumnType.DATE and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return value


def _rows(db: sqlite3.Connection, submission: int, key: str) -> list[RecalledRow]:
    sheet = STANDARD.sheet(key)
    columns = [(c.header, c.field, c.type) for c in sheet.columns]
    found = []
    found_path = db.execute("SELECT path FROM submissions WHERE id = ?", (submission,)).fetchone()
    where = str(found_path[0]) if found_path else "?"
    for number, data in db.execute("SELECT row_number, data FROM rows WHERE submission_id = ? AND sheet = ?"
                                   " ORDER BY row_number", (submission, sheet.name)):
        row = stored_row(data, where, sheet.name, number)
        if row is None:
            continue
        values = {field: _value(kind, row.get(header)) for header, field, kind in columns}
        values["extra"] = {h: v for h, v in row.items() if h not in {c[0] for c in columns}}
        found.append(RecalledRow(values))
    return found


def period_units(archive: str | Path, period: Period, judged_on_filing: bool = False) -> list[RecalledUnit]:
    """Every unit that has an accepted submission of ``period``, with its indicators
    (with ``judged_on_filing`` its deadlines judged on its 填报日期, as a roll-up without
    --as-of judges them; else overdue counts are not judged)."""
    path = Path(archive)
    if not path.exists():
        return []
    db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        latest: dict[str, tuple[int, str, str]] = {}
        filed: dict[str, dt.date | None] = {}
        if not has_submissions(db):
            return []
        for sid, sha, uscc, unit, filed_on in db.execute(
                "SELECT id, sha256, uscc, unit, filed_on FROM submissions WHERE year = ? AND period = ?"
                " ORDER BY filed_on, id", (period.year, period.name)):
            latest[uscc] = (sid, sha, unit)
            filed[uscc] = _value(ColumnType.DATE, filed_on)
        units = []
        with Archive(path) as store:
            for uscc in sorted(latest):
                sid, sha, unit = latest[uscc]
                ledgers = UnitLedgers(unit, uscc, **{s.key: _rows(db, sid, s.key) for s in STANDARD.ledgers},
                                      brought_forward=len(store.previous_open_clues(uscc, period)),
                                      as_of=filed[uscc] if judged_on_filing else None)
                units.append(RecalledUnit(unit, uscc, sha, ledgers, unit_indicators(ledgers), filed[uscc]))
        return units
    finally:
        db.close()


def period_indicators(units: list[RecalledUnit]) -> dict[str, int | float]:
    return total_indicators([u.indicators for u in units])


def previous_period(period: Period) -> Period:
    """The same kind of period a year earlier (2025-年度 for 2026-年度): 上年同期."""
    return Period.of(period.year - 1, period.name)


def previous_totals(archive_path: str | Path | None, period: Period | None) -> dict[str, int | float] | None:
    """上年同期: the totals of the archive's period of the same kind a year before ``period``
    (each unit's latest accepted submission, its deadlines judged on its 填报日期 as a roll-up
    without --as-of judges them); None when the archive holds none of it."""
    return previous_figures(archive_path, period)[0]


def previous_figures(archive_path: str | Path | None, period: Period | None
                     ) -> tuple[dict[str, int | float] | None, tuple[tuple[str, str, int], ...]]:
    """``previous_totals``, and each of those units' (统一社会信用代码, 单位, 期末在办问题线索):
    a unit missing from this period's roll-up takes its open clues out of 期初在办, and the
    form says so."""
    if archive_path is None or period is None:
        return None, ()
    units = period_units(archive_path, previous_period(period), judged_on_filing=True)
    if not units:
        return None, ()
    return period_indicators(units), tuple((u.uscc, u.unit, int(u.indicators.get("线索_在办", 0))) for u in units)
