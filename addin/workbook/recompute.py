"""The computed columns of a submission, recomputed by the rule engine.

The same rules as the template's formulas (``addin.workbook.formulas``), in Python over
``udfs``: the validator compares what a workbook shows with these values, and the tests
compare LibreOffice's evaluation of the native formulas with them.  The conventions of
the formulas hold here too: a value is None while the inputs it needs are blank, and a
user's mistake is the engine's short error text (starting with ``#``).

Speed: every call goes through a memo keyed by its arguments (the rules are pure
functions of them, and a ledger repeats the same grades, dates and flags), and loss
grades of clean amounts take the engine's vectorised path — the same answers, computed
once per distinct question.  The memo is shared by every file of a process that has the
same calendar and resolves the same profile (``_shared_memo``): a roll-up's units ask
the same questions (the same grades, the dates of the same year).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Mapping, Sequence

from udfs import handling, registry, vocab
from udfs.errors import EngineError
from udfs.workcalendar import RecordingCalendar, WorkCalendar, YearSchedule, default_calendar

from addin.workbook.formulas import OWN_LEVEL
from addin.workbook.schema import CONSEQUENCE_NONE, STANDARD, STANDARD_VERSION, ColumnType, Record

Values = dict[str, Any]

NOT_COLUMNS = frozenset({"case_grade"})
"""Values ``Recompute`` gives beside the computed columns (责任认定与处理's ``case_grade``: the
grade a person is handled at); nothing writes them into a row."""


def _key(text: str | None) -> str | None:
    """Spreadsheet look-ups (MATCH, COUNTIF) ignore case."""
    return None if text is None else text.casefold()


class Recompute:
    """Evaluate the computed columns of one submission with the engine."""

    def __init__(self, info: Record, ledgers: Mapping[str, Sequence[Record]],
                 calendar: WorkCalendar | None = None, version: float = STANDARD_VERSION) -> None:
        self.info = info
        self.version = version
        """The file's standard version: before 2.1, 影响期 ignores 纪律处分 and 复核 runs from
        申诉日期, as the file's own formulas compute them."""
        self.ledgers = ledgers
        self.ctx = registry.Context(calendar)
        self.profile: str | None = getattr(info, "profile", None)
        self._probe = calendar if isinstance(calendar, RecordingCalendar) else None
        self._memo: dict[tuple[Any, ...], tuple[Any, frozenset[int]]] = _shared_memo(self.ctx, self.profile)
        """(function, arguments, their types) → (the value, the years the calendar lacked
        on the way: a ``RecordingCalendar`` notes them again on every answer from the memo)."""
        self._shapes: dict[tuple[Any, ...], Any] = {}

    def call(self, name: str, *args: Any) -> Any:
        """One ZZ_ function as a cell evaluates it: errors become their cell text."""
        key = (name, args, tuple(map(type, args)))
        try:
            value, missed = self._memo[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable argument: no memo
            return self._call(name, args)
        else:
            if missed and self._probe is not None:
                self._probe.missed.update(missed)
            return value
        probe = self._probe
        if probe is None:
            value, missed = self._call(name, args), frozenset()
        else:  # the years this one call lacks, kept with its value
            noted, probe.missed = probe.missed, set()
            try:
                value = self._call(name, args)
            finally:
                missed = frozenset(probe.missed)
                noted.update(missed)
                probe.missed = noted
        if len(self._memo) >= SHARED_MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = (value, missed)
        return value

    def _call(self, name: str, args: tuple[Any, ...]) -> Any:
        if _takes_profile(name, args):
            args = (*args, self.profile or "")
        try:
            return registry.evaluate(name, *args, ctx=self.ctx)
        except EngineError as exc:
            return exc.cell_text

    def loss_grades(self, pairs: Sequence[tuple[Any, Any]]) -> list[Any]:
        """ZZ_LOSS_GRADE of many (loss, assets) pairs: clean amounts (a loss ≥ 0, assets
        blank or > 0) through the engine's vectorised path, the rest one by one."""
        out: list[Any] = [None] * len(pairs)
        clean = [k for k, (loss, assets) in enumerate(pairs)
                 if type(loss) is float and 0 <= loss < math.inf
                 and (assets is None or (type(assets) is float and 0 < assets < math.inf))]
        if len(clean) > 16:
            try:
                self.ctx.profile(self.profile or "")
            except EngineError:
                clean = []
        else:
            clean = []
        if clean:
            grades = registry.evaluate_rows(
                "ZZ_LOSS_GRADE", [[pairs[k][0] for k in clean], [pairs[k][1] for k in clean], [self.profile or ""]],
                ctx=self.ctx)
            for k, grade in zip(clean, grades):
                out[k] = grade
        done = set(clean)
        for k, (loss, assets) in enumerate(pairs):
            if k not in done and loss is not None:
                out[k] = self.call("ZZ_LOSS_GRADE", loss, assets)
        return out

    # -- the sheets ----------------------------------------------------------------------------
    def all(self) -> dict[str, list[Values]]:
        """Every computed column of every row, typed as the schema says (是/否 as bool).
        责任认定与处理's rows also carry ``case_grade``, the grade the person is handled at
        (not a column: the validator's handling checks read it)."""
        clues = self.clues()
        values = {
            "info": [{"template_version": STANDARD.template_version}],
            "clues": clues,
            "losses": self.losses(),
            "accountability": self.accountability(clues),
            "rectification": self.rectification(),
            "bans": self.bans(),
            "recommendations": [{} for _ in self.ledgers.get("recommendations", ())],
            "explanations": [{} for _ in self.ledgers.get("explanations", ())],
        }
        for key, rows in values.items():
            flags = [c.field for c in STANDARD.sheet(key).computed_columns if c.type is ColumnType.FLAG]
            for row in rows:
                for field in flags:
                    value = row.get(field)
                    if type(value) is str and value in (vocab.YES, vocab.NO):
                        row[field] = value == vocab.YES
        return values

    def losses(self) -> list[Values]:
        rows: Any = self.ledgers.get("losses", ())
        grades = self.loss_grades([(r.loss_amount, r.prior_year_assets) for r in rows])
        return [{"item_grade": grade} for grade in grades]

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

    def clue_grades(self, clues: Sequence[Record], assessed: Mapping[str | None, list[Record]]) -> list[Any]:
        """``clue_grade`` of every clue, the engine's calls batched."""
        grades: list[Any] = [None] * len(clues)
        pairs: list[tuple[Any, Any]] = []
        where: list[int] = []
        for k, clue in enumerate(clues):
            c: Any = clue
            if c.clue_id is None:
                continue
            rows: Any = assessed.get(_key(c.clue_id), [])
            if rows:
                amounts = [r.loss_amount for r in rows if r.loss_amount is not None]
                pairs.append((round(math.fsum(amounts), 4), rows[0].prior_year_assets))
            elif c.estimated_loss is None:
                grades[k] = vocab.GRADE_UNASSESSED
                continue
            else:
                pairs.append((c.estimated_loss, self.info.prior_year_assets))  # type: ignore[attr-defined]
            where.append(k)
        for k, grade in zip(where, self.loss_grades(pairs)):
            grades[k] = grade
        return grades

    def clues(self) -> list[Values]:
        assessed: dict[str | None, list[Record]] = {}
        for row in self.ledgers.get("losses", ()):
            if row.clue_id is not None:  # type: ignore[attr-defined]
                assessed.setdefault(_key(row.clue_id), []).append(row)  # type: ignore[attr-defined]
        out = []
        clues = list(self.ledgers.get("clues", ()))
        own_level = self.info.unit_level  # type: ignore[attr-defined]
        bodies: dict[tuple[Any, Any], Any] = {}
        deadlines: dict[Any, Any] = {}
        reports: dict[Any, Any] = {}
        report_deadlines: dict[tuple[Any, ...], Any] = {}
        investigations: dict[tuple[Any, Any], Any] = {}
        for clue, grade in zip(clues, self.clue_grades(clues, assessed)):
            c: Any = clue
            usable = _is_grade(grade)
            level = c.unit_level
            if level == OWN_LEVEL:
                level = own_level
            received = c.received_date
            consequence = getattr(c, "consequence_grade", None) or CONSEQUENCE_NONE
            head = bool(getattr(c, "involves_head", False))
            body = None
            if usable:
                key = (grade, level, consequence, head)
                if key not in bodies:
                    bodies[key] = self.call("ZZ_JURISDICTION", grade, level, self.profile or "", consequence, head)
                body = bodies[key]
            deadline = None
            if received is not None:
                if received not in deadlines:
                    deadlines[received] = self.call("ZZ_INITIAL_CHECK_DEADLINE", received)
                deadline = deadlines[received]
            report = None
            if usable:
                if (grade, consequence) not in reports:
                    reports[(grade, consequence)] = self.call("ZZ_NEEDS_REPORT", grade, self.profile or "", consequence)
                report = reports[(grade, consequence)]
            flash = full = None
            if report == vocab.YES and received is not None:  # the real-time scope: ZZ_REPORT_DEADLINE's grade test
                for kind in ("快报", "实时报告"):
                    if (received, kind, grade, consequence) not in report_deadlines:
                        report_deadlines[(received, kind, grade, consequence)] = self.call(
                            "ZZ_REPORT_DEADLINE", received, kind, self.profile or "", grade, consequence)
                flash = report_deadlines[(received, "快报", grade, consequence)]
                full = report_deadlines[(received, "实时报告", grade, consequence)]
            investigation = None
            filed, extended = c.filed_date, getattr(c, "investigation_extended_to", None)
            if filed is not None:
                if (filed, extended) not in investigations:
                    investigations[(filed, extended)] = self.call("ZZ_INVESTIGATION_DEADLINE", filed, extended)
                investigation = investigations[(filed, extended)]
            out.append({"loss_grade": grade, "jurisdiction": body, "initial_check_deadline": deadline,
                        "event_report_required": report, "flash_deadline": flash, "full_report_deadline": full,
                        "investigation_deadline": investigation})
        return out

    def handling_grade(self, loss_grade: Any, consequence: Any) -> Any:
        """The grade a person is handled at: ``udfs.handling.handling_grade`` (the case grade
        where the profile keys handling on it; a v1 file has no consequence grade)."""
        if not _is_grade(loss_grade):
            return loss_grade
        try:
            profile = self.ctx.profile(self.profile or "")
        except EngineError:  # an unknown profile: its own check reports it
            return loss_grade
        return handling.handling_grade(profile, loss_grade, consequence)

    def accountability(self, clues: list[Values]) -> list[Values]:
        grades: dict[str | None, tuple[Any, Any]] = {}
        for clue, values in zip(self.ledgers.get("clues", ()), clues):
            c: Any = clue
            if c.clue_id is not None:
                grades.setdefault(_key(c.clue_id), (values["loss_grade"], getattr(c, "consequence_grade", None)))
        out = []
        ranges: dict[tuple[Any, Any], tuple[Any, Any, Any]] = {}
        ends: dict[tuple[Any, Any], Any] = {}
        cases: dict[tuple[Any, Any], Any] = {}
        for row in self.ledgers.get("accountability", ()):
            r: Any = row
            grade, consequence = (None, None) if r.clue_id is None else grades.get(_key(r.clue_id), (None, None))
            if (grade, consequence) not in cases:
                cases[(grade, consequence)] = self.handling_grade(grade, consequence)
            case = cases[(grade, consequence)]
            responsibility = r.responsibility
            low = high = lti = None
            if case in vocab.GRADES and responsibility is not None:
                pair = (case, responsibility)
                if pair not in ranges:
                    ranges[pair] = (self.call("ZZ_DEDUCTION_MIN", case, responsibility),
                                    self.call("ZZ_DEDUCTION_MAX", case, responsibility),
                                    self.call("ZZ_LTI", case, responsibility))
                low, high, lti = ranges[pair]
            end = None
            if r.decision_date is not None and r.measure is not None:
                sanction = getattr(r, "discipline", None) if self.version >= 2.1 else None
                key = (r.decision_date, r.measure, sanction)
                if key not in ends:
                    ends[key] = (self.call("ZZ_INFLUENCE_END", r.decision_date, r.measure) if sanction is None else
                                 self.call("ZZ_INFLUENCE_END", r.decision_date, r.measure, self.profile or "", sanction))
                end = ends[key]
            accepted = getattr(r, "appeal_accepted_date", None) if self.version >= 2.1 else None
            out.append({
                "loss_grade": grade,
                "case_grade": case,
                "pay_ratio_min": low,
                "pay_ratio_max": high,
                "pay_deduction": None if r.pay_base is None or r.pay_ratio is None else r.pay_base * r.pay_ratio,
                "lti": lti,
                "influence_end": end,
                "review_deadline": None if getattr(r, "appeal_date", None) is None
                else self.call("ZZ_REVIEW_DEADLINE", r.appeal_date) if accepted is None
                else self.call("ZZ_REVIEW_DEADLINE", r.appeal_date, self.profile or "", accepted),
            })
        return out

    def rectification(self) -> list[Values]:
        report_date = self.info.report_date  # type: ignore[attr-defined]
        done = vocab.RECTIFY_RESULTS[0]
        out = []
        deadlines: dict[tuple[Any, Any], Any] = {}
        flag_names = _RECTIFY_FLAGS
        for row in self.ledgers.get("rectification", ()):
            r: Any = row
            deadline = None
            if r.issued_date is not None:
                key = (r.issued_date, r.extended_to)
                if key not in deadlines:
                    deadlines[key] = self.call("ZZ_RECTIFY_DEADLINE", r.issued_date, r.extended_to)
                deadline = deadlines[key]
            flags = [getattr(r, f) for f in flag_names]
            result = None if None in flags else self._rectify_result(flags, r.corrected_amount, r.problem_amount)
            overdue = None
            if report_date is not None and isinstance(deadline, dt.date):
                overdue = result != done and report_date > deadline
            out.append({"deadline": deadline, "result": result, "overdue": overdue})
        return out

    def _rectify_result(self, flags: list[Any], corrected: Any, problem: Any) -> Any:
        """ZZ_RECTIFY_RESULT; clean amounts matter only through how they compare, so the
        memo keys on that (exactly the predicates the rule uses)."""
        if (corrected is None or (type(corrected) is float and 0 <= corrected < math.inf)) and \
                (problem is None or (type(problem) is float and 0 <= problem < math.inf)):
            known = problem is not None and problem > 0 and corrected is not None
            shape = (known, known and 0 < corrected < problem, known and corrected >= problem,
                     corrected is None, problem is None)
            key = (tuple(flags), shape)
            if key not in self._shapes:
                self._shapes[key] = self.call("ZZ_RECTIFY_RESULT", *flags, corrected, problem)
            return self._shapes[key]
        return self.call("ZZ_RECTIFY_RESULT", *flags, corrected, problem)

    def bans(self) -> list[Values]:
        out = []
        for row in self.ledgers.get("bans", ()):
            r: Any = row
            end = None if r.start_date is None or r.term is None else self.call("ZZ_BAN_END", r.start_date, r.term)
            out.append({"end_date": end})
        return out


SHARED_MEMO_SIZE = 50_000
"""Answers one shared memo keeps (then it starts again): some 15 MB at most; a roll-up of
hundreds of units asks some ten thousand distinct questions."""
_SHARED: dict[tuple[int, int, bool], tuple[Any, Any, dict[tuple[Any, ...], tuple[Any, frozenset[int]]]]] = {}


def _shared_memo(ctx: registry.Context, profile: str | None) -> dict[tuple[Any, ...], tuple[Any, frozenset[int]]]:
    """The memo of every ``Recompute`` whose calendar has the same years (a ``recording``
    probe shares its base calendar's) and whose profile resolves to the same ``Profile``
    (a changed profile file is a new one): the rules are pure functions of their
    arguments, the calendar and the profile.  A profile that does not resolve: a memo of
    this file's own."""
    calendar = ctx.calendar
    try:
        resolved = ctx.profile(profile or "")
    except EngineError:
        return {}
    recording = isinstance(calendar, RecordingCalendar)
    key = (id(calendar.years), id(resolved), recording)
    found = _SHARED.get(key)
    if found is not None and found[0] is calendar.years and found[1] is resolved:
        return found[2]
    if len(_SHARED) >= 8:  # (a thread of the 收报台 may have dropped it already)
        _SHARED.pop(next(iter(_SHARED), None), None)
    memo: dict[tuple[Any, ...], tuple[Any, frozenset[int]]] = {}
    _SHARED[key] = (calendar.years, resolved, memo)
    return memo


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


def workbook_days(submission: Any) -> list[dt.date]:
    """The dates a submission's 工作日历 lists (read now if the reader left them)."""
    days = getattr(submission, "calendar_days", None)
    if days is None and hasattr(submission, "workbook_days"):
        days = submission.workbook_days()
    return list(days or [])


def recompute(submission: Any, calendar: WorkCalendar | None = None) -> dict[str, list[Values]]:
    """Computed values of every row of a ``Submission``: sheet key → one dict per row."""
    if calendar is None:
        calendar = workbook_calendar(workbook_days(submission))
    return Recompute(submission.info, submission.ledgers, calendar,
                     getattr(submission, "version", STANDARD_VERSION)).all()

