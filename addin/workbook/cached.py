"""The cached results a template's formula cells are saved with.

Excel recalculates on open; LibreOffice, by default, shows the results an .xlsx was saved
with ("never recalculate" for Excel files) — except where the saved result is empty text,
which it computes (measured: LibreOffice 7 with default settings).  So a number cached as
0 where the formula gives 11 shows 0 there, and a phrase cached as "" shows nothing in any
viewer that does not recalculate (file previews, readers of the values).

The template generator therefore saves what the formula gives where that is known from the
values it writes — a blank 填报信息 line's 自查 phrase, the number of flagged lines, 0 for a
ledger with no rows — and empty text where it is not (a row a caller filled in: its 自查
needs the whole check), which LibreOffice computes on open.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from addin.workbook import formulas as fx
from addin.workbook import selfcheck as sc
from addin.workbook.schema import STANDARD, Column

UNKNOWN = None
"""A cached result that is not known here: written as empty text (computed on open)."""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def info_check(column: Column, value: Any, values: Mapping[str, Any], known_valid: bool = False) -> str | None:
    """What the 自查 cell of a 填报信息 line gives for ``value``: its phrase ("" when fine),
    or ``UNKNOWN`` where only the formula can tell (a value a caller supplied).
    ``known_valid``: the generator wrote the value itself (the 适用标准 key, a constant)."""
    if column.computed or sc.info_formula(column.field) is None:
        return ""
    if not _blank(value):
        return "" if known_valid else UNKNOWN
    required = "parent_uscc" if column.field == "parent_uscc" else None
    checks = sc.cell_checks(STANDARD.record, column, f"$B{fx.info_row(column.field)}", required)
    if checks.blank is None:
        return ""
    if required is not None and values.get("unit_level") == fx.GROUP_LEVEL:
        return ""  # 集团公司 has no superior enterprise
    return checks.blank.phrase


def info_checks(values: Mapping[str, Any], written: Mapping[str, Any]) -> dict[str, str | None]:
    """Per 填报信息 field: its 自查 result (see ``info_check``); ``written``: the values the
    generator put there itself."""
    out: dict[str, str | None] = {}
    for column in STANDARD.record.columns:
        value = written.get(column.field, values.get(column.field))
        out[column.field] = info_check(column, value, values, known_valid=column.field in written)
    return out


def flagged_rows(checks: Mapping[str, str | None]) -> list[int] | None:
    """The 1-based rows of the flagged 填报信息 lines, or ``UNKNOWN``."""
    if any(result is UNKNOWN for result in checks.values()):
        return UNKNOWN
    return sorted(fx.info_row(field) for field, result in checks.items() if result)


def ledger_flagged_rows(rows: Sequence[Mapping[str, Any]]) -> list[int] | None:
    """A ledger's flagged rows: none while no row is filled (every 自查 is blank then),
    else ``UNKNOWN``."""
    return [] if not any(rows) else UNKNOWN


def total(counts: Sequence[int | None]) -> int | None:
    return UNKNOWN if any(c is UNKNOWN for c in counts) else sum(counts)  # type: ignore[arg-type]


def cell_value(value: Any) -> Any:
    """How a cached result is written: the value, or empty text where unknown."""
    return "" if value is UNKNOWN else value
