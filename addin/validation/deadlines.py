"""Deadline checks as of a date (``--as-of``, default the file's 填报日期).

Warnings don't block a submission: overdue initial verification, overdue
rectification, a 一事一报告 not yet made, 管理提升建议书 for no more than half of the
closed verification projects.  A 一事一报告 still missing after the 实时报告 deadline
(a clue in the real-time scope, 116号: 重大, or 较大 with 严重不良后果) is an error where
every rule behind it is checked: the standard requires its date once the report is due
(需一事一报告 = 是), and before that — or outside the real-time scope, where the report
is due 第一时间 with no day count — the missing report is a reminder.

Codes: ZZ-WARN-INITIAL-CHECK-OVERDUE, ZZ-WARN-RECTIFY-OVERDUE, ZZ-WARN-EVENT-REPORT,
ZZ-WARN-LETTER-COVERAGE (warnings); ZZ-EVENT-REPORT-MISSING (error) — a warning,
ZZ-RULE-UNCHECKED-EVENT-REPORT, where the report's trigger or its deadline is an
entry nobody compared with the official text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

from addin.problems import Problem
from addin.validation.checks import Context, grade_entries, unchecked_note
from addin.validation.standard21 import appeal_start, check_deadlines_21
from udfs import deadlines, vocab
from udfs.errors import EngineError
from udfs.registry import cite
from udfs.workcalendar import WorkCalendar

OPEN_FOR_CHECK = ("受理", "初步核实")
"""Stages in which the initial-verification report is still outstanding."""
LETTERS_SHEET = "管理提升建议书"


def check_deadlines(ctx: Context, as_of: dt.date | None, calendar: WorkCalendar) -> Iterator[Problem]:
    yield from check_deadlines_v2(ctx, as_of, calendar)
    yield from check_deadlines_21(ctx, as_of, ctx.profile, calendar)
    if as_of is None:
        return
    day = as_of.isoformat()
    clues = ctx.rows("clues")
    computed = ctx.computed.get("clues", [])
    if clues:
        extensions = (ctx.col("clues", "initial_check_extended_to") if ctx.present("clues", "initial_check_extended_to")
                      else [None] * len(clues))
        columns = zip(ctx.col("clues", "clue_id"), ctx.col("clues", "stage"), ctx.col("clues", "received_date"),
                      ctx.col("clues", "event_report_date"), extensions)
        for k, (clue_id, stage, received, reported, extended) in enumerate(columns):
            values: dict[str, Any] = computed[k] if k < len(computed) else {}
            deadline = values.get("initial_check_deadline")
            if stage in OPEN_FOR_CHECK and deadlines.is_overdue(as_of, deadline, extended):
                due = deadlines.deadline_in_force(deadline, extended)
                assert due is not None
                which = (f"经批准延期至 {due.isoformat()}（初核报告截止日 {deadline.isoformat()}）"
                         if due != deadline and isinstance(deadline, dt.date) else f"为 {due.isoformat()}")
                yield ctx.problem("clues", "initial_check_deadline", clues[k], "ZZ-WARN-INITIAL-CHECK-OVERDUE",
                                  f"线索 {clue_id} 的初核报告截止日{which}，截至 {day} 仍在“{stage}”阶段，"
                                  "已逾期，请尽快完成初步核实并报告", "warning")
            if values.get("event_report_required") is not True or reported is not None or received is None:
                continue
            if not ctx.present("clues", "event_report_date"):
                continue
            # the 实时报告's deadline runs only in the real-time scope (116号: 重大, or 较大 with
            # 严重不良后果); elsewhere 一事一报告 is 第一时间, with no day count: a reminder
            due = values.get("full_report_deadline")
            if not isinstance(due, dt.date):
                due = None
            if due is not None and as_of > due:
                message = (f"线索 {clue_id} 为{values.get('loss_grade')}损失，属实时报告范围，需一事一报告；实时报告应于 "
                           f"{due.isoformat()} 前报送，截至 {day} 仍未填写“一事一报告日期”，请报送后填写报送日期")
                basis = _unchecked_report_rule(ctx)
                if basis is None:
                    yield ctx.problem("clues", "event_report_date", clues[k], "ZZ-EVENT-REPORT-MISSING", message)
                else:
                    yield ctx.problem("clues", "event_report_date", clues[k], "ZZ-RULE-UNCHECKED-EVENT-REPORT",
                                      message + unchecked_note(ctx.profile, basis), "warning")  # type: ignore[arg-type]
            else:
                when = f"，应于 {due.isoformat()} 前报送实时报告" if due else "，应第一时间报告"
                yield ctx.problem("clues", "event_report_date", clues[k], "ZZ-WARN-EVENT-REPORT",
                                  f"线索 {clue_id} 为{values.get('loss_grade')}损失，需一事一报告，尚未报送{when}",
                                  "warning")
    findings = ctx.rows("rectification")
    computed = ctx.computed.get("rectification", [])
    for k, finding_id in enumerate(ctx.col("rectification", "finding_id") if findings else []):
        values = computed[k] if k < len(computed) else {}
        deadline, result = values.get("deadline"), values.get("result")
        if deadlines.is_overdue(as_of, deadline) and result in vocab.RECTIFY_RESULTS[1:]:  # 整改期限 holds 批准延期至
            yield ctx.problem("rectification", "deadline", findings[k], "ZZ-WARN-RECTIFY-OVERDUE",
                              f"问题 {finding_id} 的整改期限为 {deadline.isoformat()}，截至 {day} 仍为“{result}”，已逾期；"
                              "无特殊事由逾期未整改完毕的应纳入考核问责", "warning")
    if not clues:
        return
    yield from check_letter_coverage(ctx)
    yield from check_typical_cases(ctx)


def _report_year(ctx: Context) -> int | None:
    year = getattr(getattr(ctx.submission, "info", None), "report_year", None)
    return year if isinstance(year, int) else None


def closed_in_year(closed: dt.date | None, year: int | None) -> bool:
    """A verification project closed in the report year (seed 000 二(三): 当年办结的); a file
    without 报告年度 counts every closure, a closure without 办结日期 counts."""
    return year is None or closed is None or closed.year == year


def letters_cover(covered: int, closed: int) -> bool:
    """一半以上 includes a half (以上 includes the number: 2 of 4 is enough)."""
    return covered * 2 >= closed


def check_letter_coverage(ctx: Context) -> Iterator[Problem]:
    """管理提升建议书 for 一半以上 of the verification projects closed in the report year
    (seed 000 二(三)); a warning."""
    year = _report_year(ctx)
    closed = [(cid, letter) for cid, stage, filed, done, letter in zip(
        ctx.col("clues", "clue_id"), ctx.col("clues", "stage"), ctx.col("clues", "filed_date"),
        ctx.col("clues", "closed_date"), ctx.col("clues", "recommendation_letter"))
        if stage == "办结" and filed is not None and closed_in_year(done, year)]
    if not closed:
        return
    lettered = {(c or "").strip().casefold() for c in ctx.col("recommendations", "clue_id") if c is not None} \
        if ctx.rows("recommendations") else set()
    covered = sum(1 for cid, letter in closed if letter or (cid or "").strip().casefold() in lettered)
    if not letters_cover(covered, len(closed)):
        when = f"{year}年" if year is not None else "本期"
        yield Problem.quick(
            file=ctx.submission.file, sheet=LETTERS_SHEET, cell="", code="ZZ-WARN-LETTER-COVERAGE",
            message=f"{when}办结的核查项目 {len(closed)} 个，形成管理提升建议书的 {covered} 个，不到一半"
            "（应将当年办结的一半以上核查项目形成管理提升建议书，一半以上含一半）", severity="warning", row=None, column="")


TYPICAL_CASE_SOURCES = ("直接核查", "联合核查")
"""Where a typical case comes from (seed 000 二(二): 从直接核查或联合核查的违规问题线索中选择)."""
TYPICAL_CASES_PER_YEAR = (1, 2)


def check_typical_cases(ctx: Context) -> Iterator[Problem]:
    """典型案例 (seed 000 二(二)): 1–2 a year, chosen from clues under 直接核查 or 联合核查.
    Warnings only: a typical case from another clue; more than two; none in an annual return."""
    flagged = [k for k, typical in enumerate(ctx.col("clues", "typical_case")) if typical]
    clues = ctx.rows("clues")
    if ctx.present("clues", "supervision"):
        modes = ctx.col("clues", "supervision")
        ids = ctx.col("clues", "clue_id")
        for k in flagged:
            if modes[k] not in TYPICAL_CASE_SOURCES:
                yield ctx.problem("clues", "typical_case", clues[k], "ZZ-WARN-TYPICAL-CASE",
                                  f"线索 {ids[k]} 报送典型案例，但督办方式为“{modes[k] or '无'}”：典型案例应从直接核查或"
                                  "联合核查的违规问题线索中选择", "warning")
    low, high = TYPICAL_CASES_PER_YEAR
    annual = getattr(getattr(ctx.submission, "info", None), "report_period", None) == "年度"
    if len(flagged) > high or (annual and len(flagged) < low):
        yield ctx.problem("clues", None, None, "ZZ-WARN-TYPICAL-CASES-COUNT",
                          f"报送典型案例的线索 {len(flagged)} 个：每年应从直接核查或联合核查的线索中选择{low}-{high}个"
                          "典型案例报送", "warning")


def _unchecked_report_rule(ctx: Context) -> Any:
    """The unchecked entry (the trigger, the real-time scope, the 实时报告's deadline, or the loss
    grade the trigger reads), or None."""
    profile = ctx.profile
    if profile is None:
        return None
    for entry in (profile.one_event_report, profile.real_time_report, profile.deadlines.full_report,
                  *grade_entries(profile)):
        if entry is not None and not entry.checked:
            return entry
    return None


STILL_INVESTIGATING = ("立项", "核查")
"""Stages in which the investigation is still running (核查截止日 watched)."""


def check_deadlines_v2(ctx: Context, as_of: dt.date | None, calendar: WorkCalendar) -> Iterator[Problem]:
    """Version 2's deadlines: extensions within their bounds, 快报 and 核查 overdue, a late appeal.

    Codes: ZZ-EXTENSION-RANGE (error; a warning where the profile's bound is not checked
    against the official text), ZZ-WARN-FLASH-OVERDUE, ZZ-WARN-INVESTIGATION-OVERDUE,
    ZZ-WARN-APPEAL-LATE (warnings).
    """
    profile = ctx.profile
    clues = ctx.rows("clues")
    computed = ctx.computed.get("clues", [])
    if clues and len(computed) == len(clues):
        if ctx.present("clues", "initial_check_extended_to") and profile is not None:
            most = profile.initial_check_extension_max_workdays
            rule = next((r for r in (profile.deadlines.initial_check, profile.deadlines.initial_report)
                         if r is not None and r.extension_max_workdays == most), profile.deadlines.initial_check)
            for k, extended in enumerate(ctx.col("clues", "initial_check_extended_to")):
                due = computed[k].get("initial_check_deadline")
                if extended is None or not isinstance(due, dt.date):
                    continue
                if extended <= due:
                    yield ctx.problem("clues", "initial_check_extended_to", clues[k], "ZZ-EXTENSION-RANGE",
                                      f"“初核延期至” {extended.isoformat()} 不晚于初核报告截止日 {due.isoformat()}，"
                                      "延期日期应晚于原截止日；未延期的请不填")
                elif most is not None:
                    try:
                        limit = calendar.workday(due, most)
                    except EngineError:
                        continue
                    if extended > limit:  # an unchecked bound may warn, never reject
                        yield ctx.problem("clues", "initial_check_extended_to", clues[k], "ZZ-EXTENSION-RANGE",
                                          f"“初核延期至” {extended.isoformat()} 超过允许的最长延期 {limit.isoformat()}"
                                          f"（初核报告截止日后再延 {most} 个工作日，{cite(rule)}）",
                                          "error" if rule.checked else "warning")
        if ctx.present("clues", "investigation_extended_to") and profile is not None \
                and profile.deadlines.investigation is not None:
            rule = profile.deadlines.investigation
            for k, (filed, extended) in enumerate(zip(ctx.col("clues", "filed_date"),
                                                      ctx.col("clues", "investigation_extended_to"))):
                if filed is None or extended is None:
                    continue
                try:
                    unextended = deadlines.investigation_deadline(profile, filed, None, calendar)
                except EngineError:
                    continue
                if unextended is None:
                    continue
                if extended <= unextended:
                    yield ctx.problem("clues", "investigation_extended_to", clues[k], "ZZ-EXTENSION-RANGE",
                                      f"“核查延期至” {extended.isoformat()} 不晚于未延期的核查截止日 {unextended.isoformat()}"
                                      f"（立项日期后{rule.text}），延期日期应晚于原截止日；未延期的请不填")
                    continue
                limit = deadlines.investigation_extension_limit(profile, filed, calendar)
                if limit is not None and extended > limit:  # an unchecked bound may warn, never reject
                    yield ctx.problem("clues", "investigation_extended_to", clues[k], "ZZ-EXTENSION-RANGE",
                                      f"“核查延期至” {extended.isoformat()} 超过允许的最长延期 {limit.isoformat()}："
                                      f"核查期限自核查工作方案批准之日（本表的“立项日期” {filed.isoformat()}）起"
                                      f"{rule.months}个月至 {unextended.isoformat()}，只可延长一次，延长时间不得超过"
                                      f"{rule.extension_max_months}个月（{cite(rule)}）；请核对延期批准文件",
                                      "error" if rule.checked else "warning")
    if as_of is not None and clues and len(computed) == len(clues):
        day = as_of.isoformat()
        if ctx.present("clues", "flash_date"):
            for k, (clue_id, flashed) in enumerate(zip(ctx.col("clues", "clue_id"), ctx.col("clues", "flash_date"))):
                due = computed[k].get("flash_deadline")
                if flashed is None and isinstance(due, dt.date) and as_of > due:
                    yield ctx.problem("clues", "flash_date", clues[k], "ZZ-WARN-FLASH-OVERDUE",
                                      f"线索 {clue_id} 需一事一报告，快报应于 {due.isoformat()} 前报送，截至 {day} 仍未填写"
                                      "“快报日期”", "warning")
        if ctx.present("clues", "investigation_extended_to"):
            for k, (clue_id, stage) in enumerate(zip(ctx.col("clues", "clue_id"), ctx.col("clues", "stage"))):
                due = computed[k].get("investigation_deadline")
                if stage in STILL_INVESTIGATING and deadlines.is_overdue(as_of, due):  # 核查截止日 holds 核查延期至
                    yield ctx.problem("clues", "investigation_deadline", clues[k], "ZZ-WARN-INVESTIGATION-OVERDUE",
                                      f"线索 {clue_id} 的核查截止日为 {due.isoformat()}，截至 {day} 仍在“{stage}”阶段，已逾期；"
                                      "确需延长的应经批准并填写“核查延期至”", "warning")
    people = ctx.rows("accountability")
    if people and profile is not None and profile.deadlines.appeal is not None \
            and ctx.present("accountability", "appeal_date"):
        rule = profile.deadlines.appeal
        served_dates = ctx.col("accountability", "served_date") if ctx.present("accountability", "served_date") \
            else [None] * len(people)
        for k, (decided, appealed, served) in enumerate(zip(ctx.col("accountability", "decision_date"),
                                                            ctx.col("accountability", "appeal_date"), served_dates)):
            if decided is None or appealed is None:
                continue
            start, said = appeal_start(decided, served)  # Order 46 Art. 78: 自处理决定送达之日起
            try:
                limit = deadlines.appeal_deadline(profile, decided, calendar, start)
            except EngineError:
                continue
            if limit is not None and appealed > limit:
                where = said if ctx.present("accountability", "served_date") else f"处理决定日期 {decided.isoformat()} 起"
                yield ctx.problem("accountability", "appeal_date", people[k], "ZZ-WARN-APPEAL-LATE",
                                  f"申诉日期 {appealed.isoformat()} 晚于申诉期限 {limit.isoformat()}（{where}，"
                                  f"{rule.text}）；逾期申诉的请核实是否受理", "warning")
