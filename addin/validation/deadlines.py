"""Deadline checks as of a date (``--as-of``, default the file's 填报日期).

Warnings don't block a submission: overdue initial verification, overdue
rectification, a 一事一报告 not yet made, 管理提升建议书 for no more than half of the
closed verification projects.  A 一事一报告 still missing after the full-report
deadline is an error: the standard requires its date once the report is due.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

from addin.problems import Problem
from addin.validation.checks import Context
from udfs import deadlines, vocab
from udfs.errors import EngineError
from udfs.workcalendar import WorkCalendar

OPEN_FOR_CHECK = ("受理", "初步核实")
"""Stages in which the initial-verification report is still outstanding."""


def check_deadlines(ctx: Context, as_of: dt.date | None, calendar: WorkCalendar) -> Iterator[Problem]:
    if as_of is None:
        return
    day = as_of.isoformat()
    clues_computed = ctx.computed.get("clues", [])
    for index, clue in enumerate(ctx.rows("clues")):
        c: Any = clue
        values = clues_computed[index] if index < len(clues_computed) else {}
        deadline = values.get("initial_check_deadline")
        if c.stage in OPEN_FOR_CHECK and isinstance(deadline, dt.date) and as_of > deadline:
            yield ctx.problem("clues", "initial_check_deadline", clue, "ZZ-WARN-INITIAL-CHECK-OVERDUE",
                              f"线索 {c.clue_id} 的初核报告截止日为 {deadline.isoformat()}，截至 {day} 仍在“{c.stage}”阶段，已逾期",
                              "warning")
        if values.get("event_report_required") is True and c.event_report_date is None and c.received_date:
            due = _report_due(ctx, c.received_date, calendar)
            if due is not None and as_of > due:
                yield ctx.problem("clues", "event_report_date", clue, "ZZ-EVENT-REPORT-MISSING",
                                  f"线索 {c.clue_id} 为{values.get('loss_grade')}损失，需一事一报告；全面报告应于 "
                                  f"{due.isoformat()} 前报送，截至 {day} 仍未填写“一事一报告日期”")
            else:
                when = f"，应于 {due.isoformat()} 前报送" if due else ""
                yield ctx.problem("clues", "event_report_date", clue, "ZZ-WARN-EVENT-REPORT",
                                  f"线索 {c.clue_id} 需一事一报告，尚未报送{when}", "warning")
    findings_computed = ctx.computed.get("rectification", [])
    for index, finding in enumerate(ctx.rows("rectification")):
        f: Any = finding
        values = findings_computed[index] if index < len(findings_computed) else {}
        deadline, result = values.get("deadline"), values.get("result")
        if isinstance(deadline, dt.date) and as_of > deadline and result in vocab.RECTIFY_RESULTS[1:]:
            yield ctx.problem("rectification", "deadline", finding, "ZZ-WARN-RECTIFY-OVERDUE",
                              f"问题 {f.finding_id} 的整改期限为 {deadline.isoformat()}，截至 {day} 仍为“{result}”，已逾期；"
                              "无特殊事由逾期未整改完毕的应纳入考核问责", "warning")
    closed = [c for c in ctx.rows("clues") if c.stage == "办结" and c.filed_date is not None]  # type: ignore[attr-defined]
    if closed:
        lettered = {r.clue_id for r in ctx.rows("recommendations")}  # type: ignore[attr-defined]
        covered = sum(1 for c in closed if c.recommendation_letter or c.clue_id in lettered)  # type: ignore[attr-defined]
        if covered * 2 <= len(closed):
            yield Problem(file=ctx.submission.file, sheet="管理提升建议书", code="ZZ-WARN-LETTER-COVERAGE",
                          message=f"已办结的核查项目 {len(closed)} 个，形成管理提升建议书的 {covered} 个，未过半数"
                          "（应对过半数的办结项目出具管理提升建议书）", severity="warning")


def _report_due(ctx: Context, received: dt.date, calendar: WorkCalendar) -> dt.date | None:
    if ctx.profile is None:
        return None
    try:
        return deadlines.report_deadline(ctx.profile, received, "全面报告", calendar)
    except EngineError:
        return None
