"""Deadline checks as of a date (``--as-of``, default the file's 填报日期).

Warnings don't block a submission: overdue initial verification, overdue
rectification, a 一事一报告 not yet made, 管理提升建议书 for no more than half of the
closed verification projects.  A 一事一报告 still missing after the full-report
deadline is an error: the standard requires its date once the report is due
(需一事一报告 = 是), and before that the missing report is a reminder.

Codes: ZZ-WARN-INITIAL-CHECK-OVERDUE, ZZ-WARN-RECTIFY-OVERDUE, ZZ-WARN-EVENT-REPORT,
ZZ-WARN-LETTER-COVERAGE (warnings); ZZ-EVENT-REPORT-MISSING (error) — a warning,
ZZ-RULE-UNCHECKED-EVENT-REPORT, where the report's trigger or its deadline is an
entry nobody compared with the official text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

from addin.problems import Problem
from addin.validation.checks import Context, unchecked_note
from udfs import deadlines, vocab
from udfs.errors import EngineError
from udfs.workcalendar import WorkCalendar

OPEN_FOR_CHECK = ("受理", "初步核实")
"""Stages in which the initial-verification report is still outstanding."""
LETTERS_SHEET = "管理提升建议书"


def check_deadlines(ctx: Context, as_of: dt.date | None, calendar: WorkCalendar) -> Iterator[Problem]:
    if as_of is None:
        return
    day = as_of.isoformat()
    clues = ctx.rows("clues")
    computed = ctx.computed.get("clues", [])
    due_dates: dict[dt.date, dt.date | None] = {}
    if clues:
        columns = zip(ctx.col("clues", "clue_id"), ctx.col("clues", "stage"), ctx.col("clues", "received_date"),
                      ctx.col("clues", "event_report_date"))
        for k, (clue_id, stage, received, reported) in enumerate(columns):
            values: dict[str, Any] = computed[k] if k < len(computed) else {}
            deadline = values.get("initial_check_deadline")
            if stage in OPEN_FOR_CHECK and isinstance(deadline, dt.date) and as_of > deadline:
                yield ctx.problem("clues", "initial_check_deadline", clues[k], "ZZ-WARN-INITIAL-CHECK-OVERDUE",
                                  f"线索 {clue_id} 的初核报告截止日为 {deadline.isoformat()}，截至 {day} 仍在“{stage}”阶段，"
                                  "已逾期，请尽快完成初步核实并报告", "warning")
            if values.get("event_report_required") is not True or reported is not None or received is None:
                continue
            if not ctx.present("clues", "event_report_date"):
                continue
            if received not in due_dates:
                due_dates[received] = _report_due(ctx, received, calendar)
            due = due_dates[received]
            if due is not None and as_of > due:
                message = (f"线索 {clue_id} 为{values.get('loss_grade')}损失，需一事一报告；全面报告应于 "
                           f"{due.isoformat()} 前报送，截至 {day} 仍未填写“一事一报告日期”，请报送后填写报送日期")
                basis = _unchecked_report_rule(ctx)
                if basis is None:
                    yield ctx.problem("clues", "event_report_date", clues[k], "ZZ-EVENT-REPORT-MISSING", message)
                else:
                    yield ctx.problem("clues", "event_report_date", clues[k], "ZZ-RULE-UNCHECKED-EVENT-REPORT",
                                      message + unchecked_note(ctx.profile, basis), "warning")  # type: ignore[arg-type]
            else:
                when = f"，应于 {due.isoformat()} 前报送全面报告" if due else ""
                yield ctx.problem("clues", "event_report_date", clues[k], "ZZ-WARN-EVENT-REPORT",
                                  f"线索 {clue_id} 为{values.get('loss_grade')}损失，需一事一报告，尚未报送{when}",
                                  "warning")
    findings = ctx.rows("rectification")
    computed = ctx.computed.get("rectification", [])
    for k, finding_id in enumerate(ctx.col("rectification", "finding_id") if findings else []):
        values = computed[k] if k < len(computed) else {}
        deadline, result = values.get("deadline"), values.get("result")
        if isinstance(deadline, dt.date) and as_of > deadline and result in vocab.RECTIFY_RESULTS[1:]:
            yield ctx.problem("rectification", "deadline", findings[k], "ZZ-WARN-RECTIFY-OVERDUE",
                              f"问题 {finding_id} 的整改期限为 {deadline.isoformat()}，截至 {day} 仍为“{result}”，已逾期；"
                              "无特殊事由逾期未整改完毕的应纳入考核问责", "warning")
    if not clues:
        return
    closed = [(cid, letter) for cid, stage, filed, letter in zip(
        ctx.col("clues", "clue_id"), ctx.col("clues", "stage"), ctx.col("clues", "filed_date"),
        ctx.col("clues", "recommendation_letter")) if stage == "办结" and filed is not None]
    if closed:
        lettered = {(c or "").strip().casefold() for c in ctx.col("recommendations", "clue_id") if c is not None} \
            if ctx.rows("recommendations") else set()
        covered = sum(1 for cid, letter in closed if letter or (cid or "").strip().casefold() in lettered)
        if covered * 2 <= len(closed):
            yield Problem.quick(
                file=ctx.submission.file, sheet=LETTERS_SHEET, cell="", code="ZZ-WARN-LETTER-COVERAGE",
                message=f"已办结的核查项目 {len(closed)} 个，形成管理提升建议书的 {covered} 个，未过半数"
                "（应对过半数的办结项目出具管理提升建议书）", severity="warning", row=None, column="")


def _unchecked_report_rule(ctx: Context) -> Any:
    """The unchecked entry (the trigger or the full report's deadline), or None."""
    profile = ctx.profile
    if profile is None:
        return None
    for entry in (profile.one_event_report, profile.deadlines.full_report):
        if entry is not None and not entry.checked:
            return entry
    return None


def _report_due(ctx: Context, received: dt.date, calendar: WorkCalendar) -> dt.date | None:
    if ctx.profile is None:
        return None
    try:
        return deadlines.report_deadline(ctx.profile, received, "全面报告", calendar)
    except EngineError:
        return None
