"""The indicators of both returns (group and SASAC), by unit and in total.

Computed from validated records (computed cells already agree with the engine), so
this module only counts and sums.  Keys are the Chinese indicator names the returns
and the summary JSON use; ``INDICATORS`` fixes their order and says what each means.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from dataclasses import dataclass, field
from typing import Any, Sequence

from addin.workbook import schema
from udfs.deadlines import is_overdue
from udfs import vocab

Number = int | float


@dataclass
class UnitLedgers:
    """One accepted unit's rows (schema records), plus what the archive knows of it."""

    unit: str
    uscc: str
    clues: Sequence[Any] = ()
    losses: Sequence[Any] = ()
    accountability: Sequence[Any] = ()
    rectification: Sequence[Any] = ()
    bans: Sequence[Any] = ()
    recommendations: Sequence[Any] = ()
    brought_forward: int = 0
    """期初在办: clues open at the end of the unit's previous period (from the archive)."""
    extra: dict[str, Any] = field(default_factory=dict)
    explanations: Sequence[Any] = ()
    version: int = schema.STANDARD_VERSION
    """The standard version of the unit's file: a v1 file cannot record 快报日期 or 核查延期至,
    so it adds nothing to 快报_已报, 快报_逾期 and 核查逾期数."""
    as_of: dt.date | None = None
    """The day overdue is judged on: the roll-up's --as-of (default today), as the 逾期事项 sheet."""
    warnings_explained: int = 0
    warnings_open: int = 0
    """The unit's validation warnings answered in 情况说明, and still open."""


CLOSED = "办结"

# (key, meaning) in the order the returns show them
INDICATORS: tuple[tuple[str, str], ...] = (
    ("期初在办", "上期末未办结的线索数（来自归档）"),
    ("线索总数", "本期台账中的线索数"),
    ("线索_办结", "办理阶段为 办结 的线索数"),
    ("线索_在办", "尚未办结的线索数"),
    ("核查逾期数", "办理阶段为 立项 或 核查、已过核查截止日的线索数（第2版文件）"),
    *((f"线索来源_{v}", f"线索来源为 {v} 的线索数") for v in schema.CLUE_SOURCES),
    *((f"违规情形_{v}", f"违规情形类别为 {v} 的线索数") for v in schema.VIOLATION_CATEGORIES),
    *((f"重点领域_{v}", f"重点领域为 {v} 的线索数") for v in schema.KEY_AREAS),
    *((f"损失笔数_{g}", f"所属线索损失等级为 {g} 的资产损失认定行数") for g in vocab.GRADES),
    *((f"损失金额_{g}", f"所属线索损失等级为 {g} 的损失金额合计（万元）") for g in vocab.GRADES),
    ("已挽回金额", "已挽回金额合计（万元）"),
    *((f"不良后果_{g}", f"不良后果等级为 {g} 的线索数") for g in vocab.GRADES),
    ("追责人数", "责任认定与处理的行数"),
    *((f"责任类型_{r}", f"责任类型为 {r} 的人数") for r in vocab.RESPONSIBILITIES),
    *((f"组织处理_{m}", f"组织处理为 {m} 的人数") for m in vocab.MEASURES),
    ("扣减薪酬总额", "绩效年薪扣减金额与任期激励扣减金额合计（万元）"),
    ("禁入限制人数", "禁入限制人员表的行数"),
    ("移送纪检监察线索数", "处置方式为 移送纪检监察机构 的线索数"),
    ("移送司法机关人数", "移送司法机关为 是 的责任人数"),
    ("整改问题数", "审计整改台账的问题数"),
    ("整改完毕数", "整改结果为 整改完毕 的问题数"),
    ("部分整改数", "整改结果为 部分整改 的问题数"),
    ("未整改数", "整改结果为 未整改 的问题数"),
    ("整改率", "整改完毕数 ÷ 整改问题数（保留4位小数）"),
    ("逾期问题数", "是否逾期为 是 的问题数"),
    ("已纠正金额", "已纠正金额合计（万元）"),
    *((f"整改类型_{t}", f"整改类型为 {t} 的问题数（未填的按 限期整改）") for t in schema.RECTIFY_TYPES),
    *((f"问题分类_{c}", f"问题分类为 {c} 的问题数") for c in schema.FINDING_CATEGORIES),
    ("待销号审核数", "销号审核意见为 待审核 的问题数"),
    ("管理提升建议书数", "管理提升建议书表的行数"),
    ("办结核查项目数", "已立项并办结的线索数"),
    ("办结项目有建议书数", "其中形成管理提升建议书的线索数"),
    ("管理提升建议书覆盖率", "办结项目有建议书数 ÷ 办结核查项目数（保留4位小数；要求一半以上，含一半）"),
    ("一事一报告_应报", "需一事一报告为 是 的线索数"),
    ("一事一报告_已报", "其中已填一事一报告日期的线索数"),
    ("快报_应报", "有快报截止日（需一事一报告）的线索数"),
    ("快报_已报", "其中已填快报日期的线索数（第2版文件）"),
    ("快报_逾期", "快报日期晚于快报截止日，或已过快报截止日仍未报送的线索数（第2版文件）"),
    ("典型案例数", "报送典型案例为 是 的线索数"),
    ("零报告单位数", "没有任何线索的单位数"),
    ("零查处单位数", "没有立项核查线索的单位数"),
    ("零追责单位数", "没有追责人员的单位数"),
    ("提醒_已说明", "校验提醒中已在「情况说明」说明的条数"),
    ("提醒_未说明", "校验提醒中尚未说明的条数"),
)
INDICATOR_KEYS = tuple(key for key, _ in INDICATORS)

MONEY, RATIO, COUNT = "money", "ratio", "count"
UNITS = {MONEY: "万元", RATIO: "%", COUNT: ""}
"""The unit of each kind, as a header shows it (counts are plain numbers of rows, people, units)."""


def indicator_kind(key: str) -> str:
    """money, ratio or count — from the indicator's own definition, so an indicator added
    to ``INDICATORS`` is formatted right without a list to update: a ratio is a quotient
    (its meaning says ÷), money is what its meaning gives in 万元, everything else counts."""
    meaning = _MEANINGS.get(key, "")
    if key in _RATIOS or "÷" in meaning:
        return RATIO
    if "万元" in meaning:
        return MONEY
    return COUNT


def indicator_header(key: str) -> str:
    """The one name of an indicator in every output (both returns, the console, JSON keys
    are the bare ``key``), with its unit when it has one: 损失金额_一般（万元）, 整改率（%）."""
    unit = UNITS[indicator_kind(key)]
    return f"{key}（{unit}）" if unit else key


def display_value(key: str, value: Number) -> Number:
    """The value as every output shows it: money to 2 decimals, ratios to 4 (2 as a
    percentage), counts as integers — rounded half up like a cell's number format, so
    the console, the summary JSON and the sheets (which keep the exact value and round
    only in the format) agree."""
    kind = indicator_kind(key)
    if kind == COUNT:
        return int(value)
    places = "0.01" if kind == MONEY else "0.0001"
    return float(Decimal(repr(float(value))).quantize(Decimal(places), ROUND_HALF_UP))


def display_text(key: str, value: Number) -> str:
    """``display_value`` as text: 5,120.35 万元, 44.44%, 184."""
    kind = indicator_kind(key)
    shown = display_value(key, value)
    if kind == MONEY:
        return f"{shown:,.2f} 万元"
    if kind == RATIO:
        return f"{Decimal(repr(shown)) * 100:.2f}%"
    return f"{shown:,d}"


def _money(value: float) -> float:
    return round(value, 4)


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _deduction(person: Any) -> float:
    total = 0.0
    if person.pay_base is not None and person.pay_ratio is not None:
        total += person.pay_base * person.pay_ratio
    if person.term_base is not None and person.term_ratio is not None:
        total += person.term_base * person.term_ratio
    return total


def unit_indicators(data: UnitLedgers) -> dict[str, Number]:
    clues = list(data.clues)
    grade_of = {c.clue_id: c.loss_grade for c in clues}
    values: dict[str, Number] = dict.fromkeys(INDICATOR_KEYS, 0)
    values["期初在办"] = data.brought_forward
    values["线索总数"] = len(clues)
    values["线索_办结"] = sum(1 for c in clues if c.stage == CLOSED)
    values["线索_在办"] = len(clues) - values["线索_办结"]
    for prefix, attr in (("线索来源", "source"), ("违规情形", "violation_category"), ("重点领域", "key_area")):
        for value, count in Counter(getattr(c, attr) for c in clues).items():
            if f"{prefix}_{value}" in values:
                values[f"{prefix}_{value}"] = count
    amounts: Counter[str] = Counter()
    for loss in data.losses:
        grade = grade_of.get(loss.clue_id)
        if grade in vocab.GRADES:
            values[f"损失笔数_{grade}"] += 1
            amounts[grade] += loss.loss_amount or 0.0
    for grade in vocab.GRADES:
        values[f"损失金额_{grade}"] = _money(amounts[grade])
    values["已挽回金额"] = _money(sum(loss.recovered_amount or 0.0 for loss in data.losses))
    people = list(data.accountability)
    values["追责人数"] = len(people)
    for person in people:
        if f"责任类型_{person.responsibility}" in values:
            values[f"责任类型_{person.responsibility}"] += 1
        if f"组织处理_{person.measure}" in values:
            values[f"组织处理_{person.measure}"] += 1
    values["扣减薪酬总额"] = _money(sum(_deduction(p) for p in people))
    values["禁入限制人数"] = len(data.bans)
    values["移送纪检监察线索数"] = sum(1 for c in clues if c.disposal == "移送纪检监察机构")
    values["移送司法机关人数"] = sum(1 for p in people if p.referred_judicial)
    findings = list(data.rectification)
    values["整改问题数"] = len(findings)
    results = Counter(f.result for f in findings)
    values["整改完毕数"] = results["整改完毕"]
    values["部分整改数"] = results["部分整改"]
    values["未整改数"] = results["未整改"]
    values["整改率"] = _ratio(results["整改完毕"], len(findings))
    values["逾期问题数"] = sum(1 for f in findings if f.overdue)
    values["已纠正金额"] = _money(sum(f.corrected_amount or 0.0 for f in findings))
    values["管理提升建议书数"] = len(data.recommendations)
    with_letter = {r.clue_id for r in data.recommendations}
    closed_projects = [c for c in clues if c.stage == CLOSED and c.filed_date is not None]
    covered = sum(1 for c in closed_projects if c.recommendation_letter or c.clue_id in with_letter)
    values["办结核查项目数"] = len(closed_projects)
    values["办结项目有建议书数"] = covered
    values["管理提升建议书覆盖率"] = _ratio(covered, len(closed_projects))
    due = [c for c in clues if c.event_report_required]
    values["一事一报告_应报"] = len(due)
    values["一事一报告_已报"] = sum(1 for c in due if c.event_report_date is not None)
    values["典型案例数"] = sum(1 for c in clues if c.typical_case)
    values["零报告单位数"] = int(not clues)
    values["零查处单位数"] = int(not any(c.filed_date is not None for c in clues))
    values["零追责单位数"] = int(not people)
    _v2_indicators(data, values, clues, findings)
    return values


_MEANINGS = dict(INDICATORS)


STILL_INVESTIGATING = ("立项", "核查")


def _v2_indicators(data: UnitLedgers, values: dict[str, Number], clues: list[Any], findings: list[Any]) -> None:
    """The indicators of standard version 2 (a v1 file's cells read as their defaults)."""
    as_of = data.as_of
    for clue in clues:
        consequence = getattr(clue, "consequence_grade", None)
        if consequence in vocab.GRADES:
            values[f"不良后果_{consequence}"] += 1
        due = getattr(clue, "flash_deadline", None)
        if isinstance(due, dt.date):
            values["快报_应报"] += 1
            if data.version >= 2:
                made = getattr(clue, "flash_date", None)
                values["快报_已报"] += made is not None
                late = made > due if made is not None else as_of is not None and as_of > due
                values["快报_逾期"] += bool(late)
        deadline = getattr(clue, "investigation_deadline", None)
        if data.version >= 2 and clue.stage in STILL_INVESTIGATING \
                and is_overdue(as_of, deadline, getattr(clue, "investigation_extended_to", None)):
            values["核查逾期数"] += 1
    for finding in findings:
        kind = getattr(finding, "rectify_type", None) or schema.RECTIFY_TYPES[1]
        if f"整改类型_{kind}" in values:
            values[f"整改类型_{kind}"] += 1
        category = getattr(finding, "category", None)
        if f"问题分类_{category}" in values:
            values[f"问题分类_{category}"] += 1
        values["待销号审核数"] += getattr(finding, "closing_review", None) == schema.CLOSING_REVIEWS[0]
    values["提醒_已说明"] = data.warnings_explained
    values["提醒_未说明"] = data.warnings_open


_RATIOS = {"整改率": ("整改完毕数", "整改问题数"), "管理提升建议书覆盖率": ("办结项目有建议书数", "办结核查项目数")}


def total_indicators(per_unit: Sequence[dict[str, Number]]) -> dict[str, Number]:
    """Sum over units; ratios are recomputed from the summed parts, not averaged."""
    total: dict[str, Number] = dict.fromkeys(INDICATOR_KEYS, 0)
    for values in per_unit:
        for key in INDICATOR_KEYS:
            total[key] += values[key]
    for key, value in total.items():
        if isinstance(value, float):
            total[key] = _money(value)
    for key, (part, whole) in _RATIOS.items():
        total[key] = _ratio(int(total[part]), int(total[whole]))
    return total
