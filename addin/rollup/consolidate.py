"""The roll-up: hundreds of subsidiary workbooks into the group return and the SASAC
return — validated, de-duplicated, reconciled, archived; nothing lost.

    inputs ──intake (parallel)──▶ accepted / rejected / superseded
                                        │
            archive (previous period) ──┴─▶ continuity ─▶ consolidated rows + indicators
                                                              │
                          GROUP.xlsx · SASAC.xlsx · SUMMARY.json ◀┘ ──▶ archive (this period)

Every input row ends up in the group return or in the error report, and
rows_in = rows_out + rows_rejected is checked before anything is written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import Any, Callable, Generic, Iterable, Sequence, TypeVar

from udfs.errors import EngineError

from addin.plumbing.guard import path_text
from addin.rollup.archive import Archive, SubmissionInfo
from addin.rollup.cache import CacheStats, IntakeCache, worker_start as _worker_start
from addin.plumbing.atomic import atomic_path
from addin.plumbing.redact import redact_json
from addin.rollup.indicators import UnitLedgers, total_indicators, unit_indicators, with_brought_forward
from addin.rollup.intake import Intake, Row, SummaryUnit, intake_file, largest_first, warm_engine
from addin.rollup.numbering import ReconcileLine, assign_numbers, reconcile
from addin.rollup.periods import Period, shown as shown_period
from addin.rollup.roster import Roster, outcomes_of_summary, roster_json, unit_statuses
from addin.problems import Problem
from addin.workbook.schema import STANDARD, STANDARD_VERSION
from addin.validation.run import expand_inputs, no_gc
from udfs.profile import Numbering, get_profile

Progress = Callable[[int, int, int, str], None]
"""progress(done, total, rejected so far, path)"""


@dataclass
class UnitReturn:
    """One accepted unit's share of the consolidated return."""

    unit: str
    uscc: str
    period: str
    ledgers: dict[str, list[Row]]
    indicators: dict[str, int | float]
    sources: list[str]
    as_of: dt.date | None = None
    """The day its deadlines are judged on: --as-of, else its 填报日期 (as ``validate`` does)."""
    version: int = STANDARD_VERSION
    """The lowest standard version among its workbooks (a v1 file records no 快报日期)."""
    level: str = ""
    """单位层级 as its workbook says (集团公司, 二级企业, 三级及以下企业; blank when unknown)."""


LEVEL_ORDER = {"集团公司": 0, "二级企业": 1, "三级及以下企业": 2}


def unit_order(unit: UnitReturn) -> tuple[int, str, str]:
    """The order units are listed in: by level (集团公司 first, unknown last), then name."""
    return LEVEL_ORDER.get(unit.level, len(LEVEL_ORDER)), unit.unit, unit.uscc


@dataclass
class RollupResult:
    period: Period | None
    as_of: dt.date
    """--as-of, else the latest 填报日期 among the accepted files (today when none says)."""
    intakes: list[Intake] = field(default_factory=list)
    accepted: list[Intake] = field(default_factory=list)
    rejected: list[Intake] = field(default_factory=list)
    superseded: list[tuple[Intake, Intake]] = field(default_factory=list)
    """(superseded input, the one that replaced it)"""
    units: list[UnitReturn] = field(default_factory=list)
    totals: dict[str, int | float] = field(default_factory=dict)
    extra_problems: dict[str, list[Problem]] = field(default_factory=dict)
    """Problems the roll-up itself found, by input path (duplicates, continuity, period)."""
    archived: int = 0
    as_of_given: bool = False
    """True when --as-of was given; otherwise each unit is judged on its own 填报日期."""

    @property
    def judged_on(self) -> dt.date | None:
        """The one day every unit was judged on: --as-of, or the day all units share (their
        填报日期, or the 截至日期 a group return rolled up again records); None when they differ."""
        if self.as_of_given:
            return self.as_of
        days = {u.as_of for u in self.units}
        return next(iter(days)) if len(days) == 1 and None not in days else None

    @property
    def as_of_text(self) -> str:
        """The one as-of rule, as the returns state it."""
        day = self.judged_on
        if day is not None:
            return f"截至 {day.isoformat()}"
        return f"截至各单位填报日期（最晚 {self.as_of.isoformat()}）"

    cache: CacheStats | None = None
    """What the intake cache did (None: no cache); never part of the results."""
    unified_ids: dict[tuple[str, str], str] = field(default_factory=dict)
    """统一编号 given in this roll-up, not yet in the archive: (统一社会信用代码, 线索编号) → number
    (``archive_accepted`` keeps them; every clue row carries its number in ``unified_id``)."""
    reconciliation: list[ReconcileLine] | None = None
    """对账: every clue of the previous period (from the archive) and its state now; None
    without an archive."""

    @property
    def rows_in(self) -> int:
        return sum(i.rows for i in self.intakes)

    @property
    def rows_out(self) -> int:
        return sum(len(rows) for u in self.units for rows in u.ledgers.values())

    @property
    def rows_rejected(self) -> int:
        return sum(i.rows for i in self.rejected) + sum(s.rows for s, _ in self.superseded)

    @property
    def reconciled(self) -> bool:
        return self.rows_in == self.rows_out + self.rows_rejected

    def problems_of(self, intake: Intake) -> list[Problem]:
        return list(intake.report.problems) + self.extra_problems.get(intake.path, [])

    def sheet_rows(self) -> dict[str, int]:
        return {sheet.name: sum(len(u.ledgers.get(sheet.key, [])) for u in self.units) for sheet in STANDARD.ledgers}

    @property
    def exit_code(self) -> int:
        if any(i.kind == "unreadable" for i in self.intakes) or (self.intakes and not self.accepted):
            return 2  # a file could not be read, or nothing at all could be rolled up
        return 1 if self.rejected else 0


def _reject(result: RollupResult, intake: Intake, code: str, message: str, severity: str = "error") -> None:
    problem = Problem(file=intake.path, code=code, message=message, severity=severity)  # type: ignore[arg-type]
    result.extra_problems.setdefault(intake.path, []).append(problem)


def _intake_all(files: Sequence[Path], as_of: dt.date | None, jobs: int, progress: Progress | None,
                cache: IntakeCache | None = None) -> list[Intake]:
    results: list[Intake] = []
    rejected = 0

    def note(intake: Intake) -> None:
        nonlocal rejected
        results.append(intake)
        if intake.report.status != "valid":
            rejected += 1
        if progress:
            progress(len(results), len(files), rejected, intake.path)

    if cache is not None:
        for intake in cache.intakes(files, as_of, jobs):
            note(intake)
    elif jobs > 1 and len(files) > 1:
        # the workers start with the collector on (the roll-up turns it off here); each
        # file's reading and checking turn it off for themselves
        try:
            warm_engine()  # before the workers fork: they start with it
            with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_start) as pool:
                for intake in largest_first(pool, intake_file, files, as_of, False):
                    note(intake)
        except BrokenProcessPool:  # a worker died (out of memory, a signal): the files not read yet
            for path in files[len(results):]:
                note(_died(path))
    else:
        for path in files:
            note(intake_file(path, as_of))
    return results


def _died(path: Path) -> Intake:
    from addin.validation.report import FileReport

    problem = Problem(file=path_text(path), code="ZZ-READ-INTERNAL",
                      message="读取进程异常退出（可能内存不足），此文件未读取；请稍后单独重试此文件")
    return Intake(path_text(path), "", "unreadable", FileReport(path_text(path), "", "unreadable", [problem]))


def _choose_period(intakes: Sequence[Intake], period: Period | None) -> Period | None:
    if period is not None:
        return period
    labels = Counter(i.period_label for i in intakes if i.kind == "standard" and i.period_label)
    for intake in intakes:
        if intake.kind == "consolidated":
            labels.update(r.period for rows in intake.ledgers.values() for r in rows if r.period)
    for label, _ in labels.most_common():  # an unknown 报告期 never chooses: its file is rejected for it
        try:
            return Period.parse(label)
        except EngineError:
            continue
    return None


T = TypeVar("T")


@dataclass
class LatestChoice(Generic[T]):
    """One unit's submissions of one period, decided: the later 填报日期 wins."""

    latest: T | None
    """The one that counts (None when several share the latest 填报日期)."""
    duplicates: list[tuple[T, T]] = field(default_factory=list)
    """(a copy with the same content, the first of it): counted once."""
    older: list[T] = field(default_factory=list)
    """Superseded by ``latest`` (or, when tied, by the first of ``ties``)."""
    ties: list[T] = field(default_factory=list)
    """Several with the same latest 填报日期: none can be taken."""


def choose_latest(items: Iterable[T], unit_period: Callable[[T], Any], filed_on: Callable[[T], Any],
                  content: Callable[[T], str]) -> list[LatestChoice[T]]:
    """The supersession rule, for anything that has a (unit, period), a 填报日期 and a content
    hash: the roll-up's submissions and ``zhuize letters`` over a folder both follow it."""
    by_key: dict[Any, list[T]] = {}
    for item in items:
        by_key.setdefault(unit_period(item), []).append(item)
    choices: list[LatestChoice[T]] = []
    for group in by_key.values():
        if len(group) == 1:
            choices.append(LatestChoice(group[0]))
            continue
        choice: LatestChoice[T] = LatestChoice(None)
        unique: dict[str, T] = {}
        for item in group:
            digest = content(item)
            if digest in unique:
                choice.duplicates.append((item, unique[digest]))
            else:
                unique[digest] = item
        ordered = sorted(unique.values(), key=lambda i: (filed_on(i) or dt.date.min))
        latest = ordered[-1]
        ties = [i for i in ordered if filed_on(i) == filed_on(latest)]
        if len(ties) > 1:
            choice.ties = ties
            choice.older = [i for i in ordered if i not in ties]
        else:
            choice.latest = latest
            choice.older = ordered[:-1]
        choices.append(choice)
    return choices


def supersede(result: RollupResult, candidates: list[Intake]) -> list[Intake]:
    """One submission per (unit, period): the later 填报日期 wins; equal dates conflict."""
    kept: list[Intake] = []
    for choice in choose_latest(candidates, lambda i: (i.uscc, i.period_label), lambda i: i.info.get("report_date"),
                                lambda i: i.sha256):
        for intake, first in choice.duplicates:
            result.superseded.append((intake, first))
            _reject(result, intake, "ZZ-ROLLUP-DUPLICATE-FILE", f"与 {first.path} 内容完全相同，只计一次", "warning")
        if choice.ties:
            uscc, period = choice.ties[0].uscc, choice.ties[0].period_label
            names = "、".join(i.path for i in choice.ties)
            for intake in choice.ties:
                result.rejected.append(intake)
                _reject(result, intake, "ZZ-ROLLUP-CONFLICT",
                        f"同一单位（{uscc}）同一报告期（{period}）有多份填报日期相同的报表：{names}，无法确定以哪份为准，请核实后只报送一份")
            for intake in choice.older:
                result.superseded.append((intake, choice.ties[0]))
            continue
        latest = choice.latest
        assert latest is not None
        for older in choice.older:
            result.superseded.append((older, latest))
            note = (f"已被 {latest.path}（填报日期 {latest.info.get('report_date')}）替代，"
                    f"本文件（填报日期 {older.info.get('report_date')}）不计入汇总")
            _reject(result, older, "ZZ-ROLLUP-SUPERSEDED", note, "warning")
            _reject(result, latest, "ZZ-ROLLUP-SUPERSEDES",
                    f"替代了同一单位同一报告期较早的报表 {older.path}", "warning")
        kept.append(latest)
    return kept


def _continuity(result: RollupResult, intake: Intake, archive: Archive | None, period: Period | None) -> int:
    """Clues open last period must appear now; returns 期初在办."""
    if archive is None or period is None or intake.kind != "standard" or not intake.uscc:
        return 0
    previous = archive.previous_open_clues(intake.uscc, period)
    present = {r.values.get("clue_id") for r in intake.ledgers.get("clues", [])}
    for clue_id in sorted(previous):
        if clue_id not in present:
            _reject(result, intake, "ZZ-ROLLUP-CONTINUITY",
                    f"线索 {clue_id} 上期在办，本期缺失：上期未办结的线索应继续列入本期台账（办结的填写办结日期）")
    return len(previous)


def _conflicting_clues(result: RollupResult, accepted: list[Intake]) -> list[Intake]:
    """The same (unit, 线索编号) from two inputs is a conflict, never double counted."""
    owner: dict[tuple[str, str], Intake] = {}
    clashes: set[str] = set()
    for intake in accepted:
        for row in intake.ledgers.get("clues", []):
            key = (row.uscc or row.unit, str(row.values.get("clue_id")))
            first = owner.setdefault(key, intake)
            if first is not intake:
                for culprit in (first, intake):
                    clashes.add(culprit.path)
                _reject(result, intake, "ZZ-ROLLUP-CLUE-CONFLICT",
                        f"单位 {row.unit} 的线索 {key[1]} 同时出现在 {first.path} 和本文件中，不能重复汇总")
    return [i for i in accepted if i.path not in clashes]


def rollup(inputs: Iterable[str | Path], period: Period | None = None, as_of: dt.date | None = None,
           archive_path: str | Path | None = None, jobs: int = 1, progress: Progress | None = None,
           cache_path: str | Path | None = None) -> RollupResult:
    """Intake, decide, consolidate.  Reads the archive (continuity) and writes nothing:
    the returns, the summary and the archive entries are written by ``write_group_return``,
    ``write_sasac_return``, ``write_summary`` and ``archive_accepted``.  With ``cache_path``
    the intake cache (``addin.rollup.cache``) there gives unchanged files' intakes and
    keeps the fresh ones; the results are the same with it or without."""
    with no_gc():  # hundreds of thousands of rows arrive and stay: nothing for the collector
        if cache_path is None:
            return _rollup(inputs, period, as_of, archive_path, jobs, progress, None)
        with IntakeCache(cache_path, as_of) as cache:
            result = _rollup(inputs, period, as_of, archive_path, jobs, progress, cache)
        result.cache = cache.stats
        return result


def _rollup(inputs: Iterable[str | Path], period: Period | None, as_of: dt.date | None,
            archive_path: str | Path | None, jobs: int, progress: Progress | None,
            cache: IntakeCache | None) -> RollupResult:
    files = expand_inputs(inputs)
    intakes = _intake_all(files, as_of, jobs, progress, cache)
    chosen = _choose_period(intakes, period)
    result = RollupResult(chosen, as_of or dt.date.today(), intakes, as_of_given=as_of is not None)
    candidates: list[Intake] = []
    for intake in intakes:
        if intake.report.status != "valid":
            result.rejected.append(intake)
        elif intake.kind == "standard" and chosen is not None and intake.period_label != chosen.label:
            _reject(result, intake, "ZZ-ROLLUP-PERIOD",
                    f"报告期为 {shown_period(intake.period_label) or '（未填）'}，本次汇总的报告期为 {chosen.text}")
            result.rejected.append(intake)
        else:
            candidates.append(intake)
    standard = supersede(result, [i for i in candidates if i.kind == "standard"])
    consolidated = [i for i in candidates if i.kind == "consolidated"]
    archive = Archive(archive_path) if archive_path else None
    try:
        brought: dict[str, int] = {}
        continuing: list[Intake] = []
        for intake in standard:
            brought[intake.path] = _continuity(result, intake, archive, chosen)
            if any(p.severity == "error" for p in result.extra_problems.get(intake.path, [])):
                result.rejected.append(intake)
            else:
                continuing.append(intake)
        accepted = _conflicting_clues(result, continuing + consolidated)
        kept = {id(i) for i in accepted}
        result.rejected.extend(i for i in continuing + consolidated if id(i) not in kept)
        result.accepted = accepted
        result.units = _units(accepted, brought, as_of)
        for unit in result.units:
            unit.as_of = as_of or unit.as_of
        if as_of is None:
            dates = [u.as_of for u in result.units if u.as_of is not None]
            result.as_of = max(dates) if dates else result.as_of
        result.totals = total_indicators([u.indicators for u in result.units])
        _number_and_reconcile(result, accepted, archive)
    finally:
        if archive is not None:
            archive.close()
    return result


def _group_numbering(accepted: Sequence[Intake]) -> Numbering | None:
    """The group's 统一分类编号 scheme: the profile of the group company's file, else the
    profile most of the accepted files name (else the default profile)."""
    standard = [i for i in accepted if i.kind == "standard"]
    keys = [i.info.get("profile") for i in standard if i.info.get("unit_level") == "集团公司"] or \
        [key for key, _ in Counter(i.info.get("profile") for i in standard).most_common(1)]
    try:
        return get_profile(keys[0] if keys else None).numbering
    except EngineError:
        return None


def _number_and_reconcile(result: RollupResult, accepted: Sequence[Intake], archive: Archive | None) -> None:
    """Every clue's 统一编号 (kept assignments first), and the 对账 against the archive."""
    clues = [row for unit in result.units for row in unit.ledgers.get("clues", [])]
    known = archive.unified_ids() if archive is not None else {}
    numbering = _group_numbering(accepted)
    if numbering is not None:
        year = result.period.year if result.period else result.as_of.year
        result.unified_ids = assign_numbers(clues, numbering, known, year).assigned
    if archive is not None and result.period is not None:
        result.reconciliation = reconcile(archive.previous_clues(result.period), clues,
                                          {**known, **result.unified_ids})


_unit_of = attrgetter("uscc", "unit")


def _units(accepted: list[Intake], brought: dict[str, int], as_of: dt.date | None = None) -> list[UnitReturn]:
    """Accepted rows grouped by the unit they came from (a consolidated input holds many)."""
    grouped: dict[tuple[str, str], UnitReturn] = {}
    for intake in accepted:
        for key, rows in intake.ledgers.items():
            for (uscc, name), run in groupby(rows, key=_unit_of):  # a standard workbook's rows: one run
                first = next(run)
                unit = grouped.setdefault((uscc, name), UnitReturn(name, uscc, first.period, {}, {}, []))
                day = intake.report_date if intake.kind == "standard" else _summary_unit(intake, unit).as_of
                if day is not None and (unit.as_of is None or day > unit.as_of):
                    unit.as_of = day
                ledger = unit.ledgers.setdefault(key, [])
                ledger.append(first)
                ledger.extend(run)
                if intake.path not in unit.sources:
                    unit.sources.append(intake.path)
        if intake.kind == "standard":
            unit = grouped.setdefault((intake.uscc, intake.unit),
                                      UnitReturn(intake.unit, intake.uscc, intake.period_label, {}, {}, [intake.path]))
            day = intake.report_date
            if day is not None and (unit.as_of is None or day > unit.as_of):
                unit.as_of = day
            unit.indicators["期初在办"] = brought.get(intake.path, 0)
            unit.level = str(intake.info.get("unit_level") or unit.level)
            unit.version = min(unit.version, intake.version)
    for intake in accepted:  # an earlier return's unit with no rows is still one of its units (its 汇总 lists it)
        if intake.kind != "consolidated":
            continue
        for (uscc, name), kept in intake.info.get("summary_units", {}).items():
            if (uscc, name) not in grouped:
                grouped[(uscc, name)] = UnitReturn(name, uscc, intake.period_label, {}, {}, [intake.path], kept.as_of)
    for intake in accepted:  # an earlier return's units: their level as its 汇总 has it
        if intake.kind == "consolidated":
            for unit in grouped.values():
                if not unit.level and intake.path in unit.sources:
                    unit.level = _summary_unit(intake, unit).level
    units = sorted(grouped.values(), key=unit_order)
    computed = {i.path: i.indicators for i in accepted if i.kind == "standard" and i.indicators is not None}
    for unit in units:
        known = computed.get(unit.sources[0]) if len(unit.sources) == 1 else None
        if known is not None:  # one standard workbook: its indicators came with it
            unit.indicators = with_brought_forward(dict(known), int(unit.indicators.get("期初在办", 0)))
            continue
        standard = [i for i in accepted if i.path in unit.sources and i.kind == "standard"]
        warnings = [p for i in standard for p in i.report.problems if p.severity == "warning"]
        explained = sum(1 for p in warnings if p.explained)
        opened = len(warnings) - explained
        brought = int(unit.indicators.get("期初在办", 0))
        for intake in accepted:  # an earlier return's units: their counts as its 汇总 sheet has them
            if intake.kind == "consolidated" and intake.path in unit.sources:
                more = _summary_unit(intake, unit)
                explained, opened = explained + more.warnings_explained, opened + more.warnings_open
                if not standard:  # 期初在办 came from the archive then; a workbook's own count wins
                    brought += more.brought_forward
        # judged on --as-of, else the unit's own day: its 填报日期, or the 截至日期 an earlier return kept
        ledgers = UnitLedgers(unit.unit, unit.uscc, **{s.key: unit.ledgers.get(s.key, []) for s in STANDARD.ledgers},
                              brought_forward=brought,
                              version=min((i.version for i in standard), default=2), as_of=as_of or unit.as_of,
                              warnings_explained=explained, warnings_open=opened)
        unit.indicators = unit_indicators(ledgers)
    return units


def _summary_unit(intake: Intake, unit: UnitReturn) -> SummaryUnit:
    """What an earlier return's 汇总 sheet says of one of its units (nothing for a workbook)."""
    return intake.info.get("summary_units", {}).get((unit.uscc, unit.unit), SummaryUnit())


def archive_accepted(result: RollupResult, archive_path: str | Path,
                     before_commit: Callable[[], None] | None = None) -> int:
    """Keep every accepted standard submission (all in one transaction); returns how many were new.
    ``before_commit()`` runs inside the transaction, with ``result.archived`` set: the outputs
    are written and committed there, so a failure of theirs leaves the archive unchanged."""
    def submissions() -> Iterable[tuple[SubmissionInfo, dict[str, list[tuple[int, dict[str, Any]]]]]]:
        for intake in result.accepted:
            if intake.kind != "standard" or not intake.uscc or not intake.period_label:
                continue
            info = SubmissionInfo(intake.sha256, intake.uscc, intake.unit, Period.parse(intake.period_label),
                                  intake.info.get("report_date"), intake.path)
            sheets = {}
            for key, rows in intake.ledgers.items():
                headers = {c.field: c.header for c in STANDARD.sheet(key).columns}
                sheets[STANDARD.sheet(key).name] = [(r.row, {headers[f]: v for f, v in r.values.items()}) for r in rows]
            yield info, sheets

    def ready(added: int) -> None:
        result.archived = added
        if before_commit is not None:
            before_commit()

    with Archive(archive_path) as archive:
        added = archive.record_all(submissions(), before_commit=ready, unified_ids=result.unified_ids,
                                   period=result.period)
    result.archived = added
    return added


# -- the summary JSON --------------------------------------------------------------------------------


def _problem_json(problem: Problem) -> dict[str, Any]:
    from addin.validation.report import problem_json

    return problem_json(problem) | {"severity": problem.severity}


def summary_json(result: RollupResult, roster: Roster | None = None) -> dict[str, Any]:
    """The summary JSON; with a unit roster (``addin.rollup.roster``) also ``units``: every
    unit's status (已报 / 退回 / 冲突 / 未报), the counts, and the units not reported."""
    def accepted(intake: Intake) -> dict[str, Any]:
        return {"path": intake.path, "unit": intake.unit, "uscc": intake.uscc,
                "period": intake.period_label or (result.period.label if result.period else ""),
                "sha256": intake.sha256, "kind": intake.kind, "rows": intake.rows}

    summary = {
        "period": result.period.label if result.period else None,
        "as_of": result.as_of.isoformat(),
        "accepted": [accepted(i) for i in result.accepted],
        "rejected": [{"path": i.path, "status": "unreadable" if i.kind == "unreadable" else "invalid",
                      "unit": i.unit, "uscc": i.uscc, "sha256": i.sha256, "errors": [_problem_json(p) for p in result.problems_of(i) if p.severity == "error"]}
                     for i in result.rejected],
        "superseded": [{"path": old.path, "by": new.path, "unit": old.unit, "uscc": old.uscc, "sha256": old.sha256,
                        "report_date": _iso(old.info.get("report_date")), "by_report_date": _iso(new.info.get("report_date"))}
                       for old, new in result.superseded],
        "rows": result.sheet_rows(),
        "as_of_rule": "given" if result.as_of_given else "report_date",
        "indicators": result.totals,
        "indicators_by_unit": [{"unit": u.unit, "uscc": u.uscc, "as_of": _iso(u.as_of), **u.indicators}
                               for u in result.units],
        "reconciliation": {"rows_in": result.rows_in, "rows_out": result.rows_out,
                           "rows_rejected": result.rows_rejected, "balanced": result.reconciled},
        "archived": result.archived,
    }
    if roster is not None:
        summary["units"] = roster_json(unit_statuses(outcomes_of_summary(summary), roster))
    return summary


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def write_summary(result: RollupResult, path: str | Path, roster: Roster | None = None) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(redact_json(summary_json(result, roster)), ensure_ascii=False, indent=2),
                             encoding="utf-8")


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def profiles_in_use(result: RollupResult) -> list[str]:
    """The rule profiles (适用标准) the accepted workbooks name."""
    return sorted({str(i.info.get("profile")) for i in result.accepted if i.info.get("profile")})


def filer_name(result: RollupResult) -> str:
    """The group company among the accepted inputs, if it filed one (for the SASAC return)."""
    for intake in result.accepted:
        if intake.info.get("unit_level") == "集团公司":
            return intake.unit
    return ""


def summary_text(result: RollupResult) -> str:
    """What the console shows after a roll-up: counts, rejected files, reconciliation."""
    lines = [
        f"报告期 {result.period.text if result.period else '（未定）'}：共 {len(result.intakes)} 个文件，"
        f"汇总 {len(result.accepted)}，退回 {len(result.rejected)}，被替代 {len(result.superseded)}",
    ]
    for intake in result.rejected:
        errors = [p for p in result.problems_of(intake) if p.severity == "error"]
        first = errors[0] if errors else None
        detail = " ".join(filter(None, (first.place, first.message))) if first else ""
        more = f"（共 {len(errors)} 处错误）" if len(errors) > 1 else ""
        status = "无法读取" if intake.kind == "unreadable" else "退回"
        lines.append(f"  {status}：{intake.path} — {detail}{more}")
    for old, new in result.superseded:
        lines.append(f"  被替代：{old.path} → {new.path}")
    balance = "平" if result.reconciled else "不平"
    lines.append(f"对账：输入 {result.rows_in} 行 = 汇总 {result.rows_out} 行 + 退回 {result.rows_rejected} 行（{balance}）")
    return "\n".join(lines)
