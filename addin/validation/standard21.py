"""The rules of standard 2.1's columns (only where the file has them; a 2.0 or 1.x file
has none of them, and these checks then find nothing).

- 问题线索台账: 销号日期 only with 销号审核意见 = 同意销号, only for a closed clue, not before
  办结日期; 统一编号, where filled, follows the group's numbering pattern (the profile's
  ``numbering``, unchecked: a warning).
- 责任认定与处理: 送达日期 not before 处理决定日期, 申诉受理日期 not before 申诉日期; 免责情形
  required when 尽职合规免责 = 是, and from the profile's 免责清单 (else a warning); 纪律处分
  from the profile's list (older files' free text: a warning, never an error).
- 审计整改台账 (as of a date): an approved extension of a 部分整改 item does not stop the
  6-month flag unless a 特殊事由 is recorded (seed 004 (十二)).

Codes: ZZ-CLUE-CLOSEOFF-NOT-APPROVED, ZZ-CLUE-CLOSEOFF-NOT-CLOSED, ZZ-REQUIRED-EXEMPT-SITUATION
(errors); ZZ-WARN-UNIFIED-ID-FORMAT, ZZ-WARN-EXEMPT-UNLISTED, ZZ-WARN-SANCTION-UNLISTED,
ZZ-WARN-RECTIFY-SIX-MONTHS (warnings).
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from udfs import vocab
from udfs.dates import edate
from udfs.profile import Profile
from udfs.registry import cite
from udfs.workcalendar import WorkCalendar

from addin.problems import Problem
from addin.validation.checks import Context, _order

CLOSE_OFF_APPROVED = "同意销号"
CLOSED_STAGE = "办结"
PARTIAL = vocab.RECTIFY_RESULTS[1]  # 部分整改


def check_additions_21(ctx: Context) -> Iterator[Problem]:
    """The input rules of 2.1's columns (they do not need the engine's values)."""
    clues = ctx.rows("clues")
    if clues and ctx.present("clues", "closed_off_date"):
        yield from _order(ctx, "clues", "closed_date", "closed_off_date")
        reviews = ctx.col("clues", "closing_review") if ctx.present("clues", "closing_review") else [None] * len(clues)
        for k, (clue_id, stage, off, review) in enumerate(zip(
                ctx.col("clues", "clue_id"), ctx.col("clues", "stage"), ctx.col("clues", "closed_off_date"), reviews)):
            if off is None:
                continue
            if review != CLOSE_OFF_APPROVED:
                shown = f"为“{review}”" if review else "未填写"
                yield ctx.problem("clues", "closing_review", clues[k], "ZZ-CLUE-CLOSEOFF-NOT-APPROVED",
                                  f"线索 {clue_id} 已填写销号日期 {off.isoformat()}，但“销号审核意见”{shown}；只有"
                                  f"“{CLOSE_OFF_APPROVED}”的线索才能填写销号日期")
            if stage != CLOSED_STAGE:
                yield ctx.problem("clues", "closed_off_date", clues[k], "ZZ-CLUE-CLOSEOFF-NOT-CLOSED",
                                  f"线索 {clue_id} 已填写销号日期，但办理阶段为“{stage or '空'}”；只有办结的线索才能对账销号，"
                                  "请核对办理阶段或删除销号日期")
    numbering = ctx.profile.numbering if ctx.profile is not None else None
    if clues and numbering is not None and ctx.present("clues", "unified_id"):
        pattern = numbering.regex
        for k, (clue_id, number) in enumerate(zip(ctx.col("clues", "clue_id"), ctx.col("clues", "unified_id"))):
            if number is not None and not pattern.match(str(number).strip()):
                yield ctx.problem("clues", "unified_id", clues[k], "ZZ-WARN-UNIFIED-ID-FORMAT",
                                  f"线索 {clue_id} 的统一编号“{number}”不符合编号规则 {numbering.pattern}"
                                  f"（{numbering.text}；{cite(numbering)}）；不清楚的可不填，由集团汇总时统一编号",
                                  "warning")
    people = ctx.rows("accountability")
    if not people:
        return
    if ctx.present("accountability", "served_date"):
        yield from _order(ctx, "accountability", "decision_date", "served_date")
    if ctx.present("accountability", "appeal_accepted_date"):
        yield from _order(ctx, "accountability", "appeal_date", "appeal_accepted_date")
    profile = ctx.profile
    if ctx.present("accountability", "exempt_situation"):
        situations = profile.exempt_situations if profile is not None else ()
        for k, (exempt, situation) in enumerate(zip(ctx.col("accountability", "exempt"),
                                                    ctx.col("accountability", "exempt_situation"))):
            if exempt and situation is None and situations:
                yield ctx.problem("accountability", "exempt_situation", people[k], "ZZ-REQUIRED-EXEMPT-SITUATION",
                                  "“尽职合规免责”为 是，必须填写“免责情形”（从下拉列表中选择适用的免责情形）")
            elif situation is not None and profile is not None and situation.strip() not in situations:
                listed = "、".join(situations) or "（适用标准未列免责清单）"
                yield ctx.problem("accountability", "exempt_situation", people[k], "ZZ-WARN-EXEMPT-UNLISTED",
                                  f"“免责情形”“{situation}”不在适用标准的免责清单中（{listed}）；请从下拉列表中选择，"
                                  "或由集团在适用标准中补充该情形", "warning")
    if profile is not None and profile.sanctions:
        kinds = profile.sanction_kinds
        for k, sanction in enumerate(ctx.col("accountability", "discipline")):
            if sanction is not None and sanction.strip() and sanction.strip() not in kinds:
                yield ctx.problem("accountability", "discipline", people[k], "ZZ-WARN-SANCTION-UNLISTED",
                                  f"“纪律处分”“{sanction}”不是适用标准所列的处分种类（{'、'.join(kinds)}），按原文读取，"
                                  "不计入影响期；请从下拉列表中选择", "warning")


def appeal_start(decided: dt.date, served: dt.date | None) -> tuple[dt.date, str]:
    """Where the appeal month starts (Order 46 Art. 78: 处理决定送达之日) and how to say it."""
    if served is not None:
        return served, f"送达日期 {served.isoformat()} 起"
    return decided, f"未填送达日期，按处理决定日期 {decided.isoformat()} 起推算"


def check_deadlines_21(ctx: Context, as_of: dt.date | None, profile: Profile | None,
                       calendar: WorkCalendar) -> Iterator[Problem]:
    """Seed 004 (十二): a 部分整改 item extended for objective reasons is still flagged 6
    months after issue unless a 特殊事由 is recorded (only where the file has 特殊事由)."""
    findings = ctx.rows("rectification")
    if as_of is None or not findings or profile is None or not ctx.present("rectification", "special_cause"):
        return
    rule = profile.deadlines.rectify
    if rule.months is None:
        return
    computed = ctx.computed.get("rectification", [])
    rows = zip(ctx.col("rectification", "finding_id"), ctx.col("rectification", "issued_date"),
               ctx.col("rectification", "extended_to"), ctx.col("rectification", "special_cause"))
    for k, (finding_id, issued, extended, cause) in enumerate(rows):
        result = computed[k].get("result") if k < len(computed) else None
        if result != PARTIAL or issued is None or extended is None or (cause or "").strip():
            continue
        limit = edate(issued, rule.months)
        if as_of > limit:
            yield ctx.problem("rectification", "special_cause", findings[k], "ZZ-WARN-RECTIFY-SIX-MONTHS",
                              f"问题 {finding_id} 经批准延期至 {extended.isoformat()}，但下达后{rule.months}个月（{limit.isoformat()}）"
                              f"截至 {as_of.isoformat()} 仍为“{PARTIAL}”且未填写“特殊事由”；因客观原因延长整改时限的部分整改"
                              "事项，下达后6个月无特殊事由仍未整改完毕的纳入考核问责（审计整改督办机制（十二），征求意见稿）；"
                              "有特殊事由的请填写", "warning")
