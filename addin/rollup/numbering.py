"""统一分类编号 and 对账 (standard 2.1): one number per clue across the group, stable from
period to period, and each clue of the previous period against its state now.

Numbering.  The scheme is the profile's ``[numbering]`` (a pattern over {unit}, {year},
{category}, {seq}; a unit's config.toml may give its own, see ``numbering_for``).  A
clue is keyed on its unit's 统一社会信用代码 and its 线索编号: the archive keeps every
assignment (``Archive.record_all``, in the roll-up's own transaction), so the same clue keeps its number next year.
A new clue takes the number its unit filled in 统一编号 when that follows the pattern
and no other clue has it; otherwise the next free sequence number of its unit, year (of
受理日期) and category.  Clues are numbered in the order of their unit, 受理日期 and
线索编号, so a roll-up without an archive numbers the same inputs the same way.

对账.  Every clue of each unit's latest archived submission of the same kind of period
(年度 against 年度, 季度 against 季度) gets its state now: 办结并销号 (办结, with a 销号日期),
办结未销号, 在办, or 本期缺失 (not in this period's accepted ledgers).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from udfs.profile import Numbering

CLOSED_STAGE = "办结"
STATES = ("办结并销号", "办结未销号", "在办", "本期缺失")
"""The states of the 对账 sheet, in its order."""


def unit_code(uscc: str) -> str:
    """{unit}: the 统一社会信用代码's 9th to 17th characters (the organisation code), else as given."""
    text = (uscc or "").strip()
    return text[8:17] if len(text) == 18 else (text or "UNIT")


def clue_key(clue_id: Any) -> str:
    return str(clue_id if clue_id is not None else "").strip()


def numbering_regex(numbering: Numbering) -> re.Pattern[str]:
    """The pattern's numbers as a regular expression (``Numbering.regex``)."""
    return numbering.regex


class Numberer:
    """Gives numbers: the archive's first, then a unit's own (when it fits), then new ones."""

    def __init__(self, numbering: Numbering, known: Mapping[tuple[str, str], str]) -> None:
        self.numbering = numbering
        self.pattern = numbering_regex(numbering)
        self.known = dict(known)
        self.used = set(self.known.values())
        self.assigned: dict[tuple[str, str], str] = {}
        """The numbers given in this run (not in the archive yet)."""
        self._next: Counter[str] = Counter()
        self._format = numbering.pattern.format
        self._categories = numbering.categories
        self._units: dict[str, str] = {}
        """unit_code of each 统一社会信用代码 met (a unit has many clues)."""

    def number(self, uscc: str, clue_id: Any, year: int, category: str | None, proposed: Any = None) -> str:
        key = (uscc, clue_key(clue_id))
        found = self.known.get(key) or self.assigned.get(key)
        if found is not None:
            return found
        text = clue_key(proposed)
        if text and text not in self.used and self.pattern.match(text):
            number = text
        else:
            code = self._categories.get(category or "", category or "QT")
            unit = self._units.get(uscc)
            if unit is None:
                unit = self._units[uscc] = unit_code(uscc)
            prefix = f"{unit}|{year}|{code}"
            seq = self._next[prefix]
            while True:
                seq += 1
                number = self._format(seq=seq, unit=unit, year=year, category=code)
                if number not in self.used:
                    break
            self._next[prefix] = seq
        self.used.add(number)
        self.assigned[key] = number
        return number


def assign_numbers(clues: Iterable[Any], numbering: Numbering, known: Mapping[tuple[str, str], str],
                   default_year: int) -> Numberer:
    """Give every clue row (``addin.rollup.intake.Row``) its 统一编号, in place."""
    numberer = Numberer(numbering, known)
    date, latest = dt.date, dt.date.max

    def order(row: Any) -> tuple[str, dt.date, str]:
        received = row.values.get("received_date")
        return (row.uscc, received if isinstance(received, date) else latest, clue_key(row.values.get("clue_id")))

    number = numberer.number
    for row in sorted(clues, key=order):
        values = row.values
        received = values.get("received_date")
        year = received.year if isinstance(received, date) else default_year
        values["unified_id"] = number(row.uscc, values.get("clue_id"), year, values.get("violation_category"),
                                      values.get("unified_id"))
    return numberer


@dataclass(frozen=True)
class ReconcileLine:
    """One clue of the previous period and its state now."""

    uscc: str
    unit: str
    clue_id: str
    unified_id: str
    previous_period: str
    previous_stage: str
    stage_now: str
    state: str


def state_of(row: Mapping[str, Any] | None) -> str:
    if row is None:
        return STATES[3]
    if str(row.get("stage") or "").strip() != CLOSED_STAGE:
        return STATES[2]
    return STATES[0] if row.get("closed_off_date") is not None else STATES[1]


def reconcile(previous: Iterable[tuple[str, str, str, dict[str, Any]]], current: Iterable[Any],
              numbers: Mapping[tuple[str, str], str]) -> list[ReconcileLine]:
    """``previous``: (统一社会信用代码, unit, period, row keyed by the standard's headers) from the
    archive; ``current``: this period's clue rows.  Every previous clue, once."""
    now = {(row.uscc, clue_key(row.values.get("clue_id"))): row.values for row in current}
    lines = []
    for uscc, unit, period, data in previous:
        clue = clue_key(data.get("线索编号"))
        if not clue:
            continue
        values = now.get((uscc, clue))
        number = (values or {}).get("unified_id") or numbers.get((uscc, clue)) or data.get("统一编号") or ""
        lines.append(ReconcileLine(uscc, unit, clue, str(number), period, str(data.get("办理阶段") or ""),
                                   str((values or {}).get("stage") or ""), state_of(values)))
    return lines


def state_counts(lines: Iterable[ReconcileLine]) -> dict[str, int]:
    counts = Counter(line.state for line in lines)
    return {state: counts.get(state, 0) for state in STATES}
