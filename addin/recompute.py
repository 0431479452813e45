"""The computed columns of a submission, recomputed by the rule engine.

The same rules as the template's formulas (``addin.formulas``), in Python over
``udfs``: the validator compares what a workbook shows with these values, and the tests
compare LibreOffice's evaluation of the native formulas with them.  The conventions of
the formulas hold here too: a value is None while the inputs it needs are blank, and a
user's mistake is the engine's short error text (starting with ``#``).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Mapping, Sequence

from udfs import registry, vocab
from udfs.errors import EngineError
from udfs.workcalendar import WorkCalendar, YearSchedule, default_calendar

from addin.formulas import OWN_LEVEL
from addin.schema import STANDARD, ColumnType, Record

Values = dict[str, Any]


def _key(text: str | None) -> str | None:
    """Spreadsheet look-ups (MATCH, COUNTIF) ignore case."""
    return None if text is None else text.casefold()


class Recompute:
    """Evaluate the computed columns of one submission with the engine."""

    def __init__(self, info: Record, ledgers: Mapping[str, Sequence[Record]],
                 calendar: WorkCalendar | None = None) -> None:
        self.info = info
        self.ledgers = ledgers
        self.ctx = registry.Context(calendar)
        self.profile: str | None = getattr(info, "profile", None)

    def call(self, name: str, *args: Any) -> Any:
        """One ZZ_ function as a cell evaluates it: errors become their cell text."""
        if _takes_profile(name, args):
            args = (*args, self.profile or "")
        try:
            return registry.evaluate(name, *args, ctx=self.ctx)
        except EngineError as exc:
            return exc.cell_text

    # -- the sheets ----------------------------------------------------------------------------
    def all(self) -> dict[str, list[Values]]:
        """Every computed column of every row, typed as the schema says (是/否 as bool)."""
        clues = self.clues()
        values = {
            "info": [{"template_version": STANDARD.template_version}],
            "clues": clues,
            "losses": self.losses(),
            "accountability": self.accountability(clues),
            "rectification": self.rectification(),
            "bans": self.bans(),
            "recommendations": [{} for _ in self.ledgers.get("recommendations", ())],
        }
        for key, rows in values.items():
            sheet = STANDARD.sheet(key)
            for row in rows:
                for field, value in row.items():
                    if sheet.column(field).type is ColumnType.FLAG and value in (vocab.YES, vocab.NO):
                        row[field] = value == vocab.YES
        return values

    def losses(self) -> list[Values]:
        out = []
        for row in self.ledgers.get("losses", ()):
            loss = row.loss_amount  # type: ignore[attr-defined]
            grade = None if loss is None else self.call("ZZ_LOSS_GRADE", loss, row.prior_year_assets)  # type: ignore[attr-defined]
            out.append({"item_grade": grade})
        return out

    def clue_grade(self, clue: Record, assessed: Mapping[str | None, list[Record]]) -> Any:
        clue_id = clue.clue_id  # type: ignore[attr-defined]
        if clue_id is None:
            return None
        rows = assessed.get(_key(clue_id), [])
        if rows:
            amounts = [r.loss_amount for r in rows if r.loss_amount is not None]  # type: ignore[attr-defined]
            total = round(math.fsum(amounts), 4)  # as ROUND(SUMIF(…),4): 万元 to 4 decimals
            return self.call("ZZ_LOSS_GRADE", total, rows[0].prior_year_assets)  # type: ignore[attr-defined]
        estimate = clue.estimated_loss  # type: ignore[attr-defined]
        if estimate is None:
            return vocab.GRADE_UNASSESSED
        return self.call("ZZ_LOSS_GRADE", estimate, self.info.prior_year_assets)  # type: ignore[attr-defined]

    def clues(self) -> list[Values]:
        assessed: dict[str | None, list[Record]] = {}
        for row in self.ledgers.get("losses", ()):
            if row.clue_id is not None:  # type: ignore[attr-defined]
                assessed.setdefault(_key(row.clue_id), []).append(row)  # type: ignore[attr-defined]
        out = []
        for clue in self.ledgers.get("clues", ()):
            grade = self.clue_grade(clue, assessed)
            usable = _is_grade(grade)
            level = clue.unit_level  # type: ignore[attr-defined]
            if level == OWN_LEVEL:
                level = self.info.unit_level  # type: ignore[attr-defined]
            received = clue.received_date  # type: ignore[attr-defined]
            out.append({
                "loss_grade": grade,
                "jurisdiction": self.call("ZZ_JURISDICTION", grade, level)
                if usable and grade != vocab.GRADE_UNASSESSED else None,
                "initial_check_deadline": None if received is None else self.call("ZZ_INITIAL_CHECK_DEADLINE", received),
                "event_report_required": self.call("ZZ_NEEDS_REPORT", grade) if usable else None,
            })
        return out

    def accountability(self, clues: list[Values]) -> list[Values]:
        grades: dict[str | None, Any] = {}
        for clue, values in zip(self.ledgers.get("clues", ()), clues):
            if clue.clue_id is not None:  # type: ignore[attr-defined]
                grades.setdefault(_key(clue.clue_id), values["loss_grade"])  # type: ignore[attr-defined]
        out = []
        for row in self.ledgers.get("accountability", ()):
            r: Any = row
            grade = None if r.clue_id is None else grades.get(_key(r.clue_id))
            handled = _is_grade(grade) and r.responsibility is not None
            out.append({
                "loss_grade": grade,
                "pay_ratio_min": self.call("ZZ_DEDUCTION_MIN", grade, r.responsibility) if handled else None,
                "pay_ratio_max": self.call("ZZ_DEDUCTION_MAX", grade, r.responsibility) if handled else None,
                "pay_deduction": None if r.pay_base is None or r.pay_ratio is None else r.pay_base * r.pay_ratio,
                "lti": self.call("ZZ_LTI", grade, r.responsibility) if handled else None,
                "influence_end": None if r.decision_date is None or r.measure is None
                else self.call("ZZ_INFLUENCE_END", r.decision_date, r.measure),
            })
        return out

    def rectification(self) -> list[Values]:
        report_date = self.info.report_date  # type: ignore[attr-defined]
        out = []
        for row in self.ledgers.get("rectification", ()):
            r: Any = row
            deadline = None if r.issued_date is None else self.call("ZZ_RECTIFY_DEADLINE", r.issued_date, r.extended_to)
            flags = [getattr(r, f) for f in _RECTIFY_FLAGS]
            result = None if any(f is None for f in flags) else self.call(
                "ZZ_RECTIFY_RESULT", *flags, r.corrected_amount, r.problem_amount)
            overdue = None
            if isinstance(deadline, dt.date) and report_date is not None:
                overdue = result != vocab.RECTIFY_RESULTS[0] and report_date > deadline
            out.append({"deadline": deadline, "result": result, "overdue": overdue})
        return out

    def bans(self) -> list[Values]:
        out = []
        for row in self.ledgers.get("bans", ()):
            r: Any = row
            end = None if r.start_date is None or r.term is None else self.call("ZZ_BAN_END", r.start_date, r.term)
            out.append({"end_date": end})
        return out


_RECTIFY_FLAGS = ("corrected", "controls_improved", "referred_accepted", "accountability_done", "plan_given",
                  "refused_or_sham")


def _takes_profile(name: str, args: tuple[Any, ...]) -> bool:
    function = registry.FUNCTIONS[name]
    names = [a.name for a in function.args]
    return "profile" in names and names.index("profile") == len(args)


def _is_grade(value: Any) -> bool:
    return isinstance(value, str) and value in vocab.GRADES + (vocab.GRADE_UNASSESSED,)


def workbook_calendar(days: Sequence[dt.date], base: WorkCalendar | None = None) -> WorkCalendar:
    """The engine's calendar extended with the years a workbook's 工作日历 adds.

    Years the engine knows keep the engine's schedule; a year only the workbook lists
    becomes a schedule whose holidays are the weekdays it leaves out and whose make-up
    working days are the weekend days it lists.
    """
    calendar = base or default_calendar()
    by_year: dict[int, set[dt.date]] = {}
    for day in days:
        by_year.setdefault(day.year, set()).add(day)
    extra = []
    for year, listed in sorted(by_year.items()):
        if year in calendar.years:
            continue
        holidays, workdays = set(), set()
        day = dt.date(year, 1, 1)
        while day.year == year:
            if day.weekday() < 5 and day not in listed:
                holidays.add(day)
            elif day.weekday() >= 5 and day in listed:
                workdays.add(day)
            day += dt.timedelta(days=1)
        extra.append(YearSchedule(year, frozenset(holidays), frozenset(workdays), "模板「工作日历」表"))
    return calendar.with_years(extra) if extra else calendar


def recompute(submission: Any, calendar: WorkCalendar | None = None) -> dict[str, list[Values]]:
    """Computed values of every row of a ``Submission``: sheet key → one dict per row."""
    if calendar is None:
        calendar = workbook_calendar(submission.calendar_days)
    return Recompute(submission.info, submission.ledgers, calendar).all()

