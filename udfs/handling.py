"""Handling by grade × responsibility: measures, deduction ranges, LTI, influence
periods, 禁入限制 and jurisdiction — all read from the profile."""

from __future__ import annotations

import datetime as dt
import re

from udfs import vocab
from udfs.dates import edate
from udfs.errors import ArgumentError
from udfs.profile import Handling, Jurisdiction, JurisdictionRule, Profile, Range


def handling(profile: Profile, grade: str, responsibility: str) -> Handling:
    return profile.handling_for(grade, responsibility)


def deduction_range(profile: Profile, grade: str, responsibility: str, item: str) -> Range | None:
    """The allowed deduction range for 绩效年薪 or 任期激励; None where none applies."""
    entry = profile.handling_for(grade, responsibility)
    return entry.performance_pay if item == vocab.PAY_ITEMS[0] else entry.term_incentive


def percent_text(fraction: float) -> str:
    text = f"{fraction * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def range_text(bounds: Range | None) -> str:
    """"50%–100%", "0%–50%（不含50%）", "100%", or "不扣减"."""
    if bounds is None:
        return "不扣减"
    if bounds.min == bounds.max:
        return percent_text(bounds.min)
    text = f"{percent_text(bounds.min)}–{percent_text(bounds.max)}"
    excluded = [percent_text(b) for b, inc in ((bounds.min, bounds.min_inclusive), (bounds.max, bounds.max_inclusive)) if not inc]
    if excluded:
        text += f"（不含{'、'.join(excluded)}）"
    return text


def ratio_allowed(bounds: Range | None, ratio: float) -> bool:
    """Is a deduction ratio inside the range (以下 bounds exclude their number)?"""
    if bounds is None:
        return ratio == 0
    return bounds.contains(ratio)


def measures(profile: Profile, grade: str, responsibility: str) -> list[str]:
    """The 组织处理 measures allowed, followed by 禁入限制 where the profile allows it."""
    entry = profile.handling_for(grade, responsibility)
    return list(entry.measures) + (["禁入限制"] if entry.ban_allowed else [])


def lti_text(profile: Profile, grade: str, responsibility: str) -> str:
    entry = profile.handling_for(grade, responsibility)
    return "；".join(entry.lti) if entry.lti else "无"


_UNIT_LEVEL_ALIASES = {"二级": "二级企业", "三级及以下": "三级及以下企业", "集团": "集团公司"}


def grade_rank(grade: str | None) -> int:
    """-1 for 无 / blank / 未认定, else the index in 一般 < 较大 < 重大."""
    return vocab.GRADES.index(grade) if grade in vocab.GRADES else -1


def case_grade(loss_grade: str | None, consequence_grade: str | None = None) -> str | None:
    """The grade a case is handled at: the higher of its loss grade and its grade of other
    adverse consequences (无 or blank = none).  A 未认定 loss with no consequence stays
    未认定; blank with no consequence is None."""
    higher = max((loss_grade, consequence_grade), key=grade_rank)
    if grade_rank(higher) >= 0:
        return higher
    return loss_grade if loss_grade == vocab.GRADE_UNASSESSED else None


def profile_case_grade(profile: Profile, loss_grade: str | None, consequence_grade: str | None) -> str | None:
    """``case_grade`` where the profile grades consequences; the loss grade alone where it
    does not (such a profile behaves as before consequences were graded)."""
    return case_grade(loss_grade, consequence_grade if profile.has_consequence_rules else None)


def handling_grade(profile: Profile, loss_grade: str | None, consequence_grade: str | None) -> str | None:
    """The grade a person is handled at (measures, deduction ranges, 中长期激励, 禁入限制):
    the case grade where the profile keys handling on it (``case_grade_handling``), else
    the loss grade.  Blank or 无 consequence: the loss grade."""
    if profile.case_grade_handling is None:
        return loss_grade
    return profile_case_grade(profile, loss_grade, consequence_grade)


def jurisdiction_table_grade(profile: Profile, loss_grade: str | None, consequence_grade: str | None) -> str | None:
    """The grade the jurisdiction table is read at: the case grade, or the loss grade
    alone where the profile says its table ignores consequences
    (``consequence.jurisdiction_case_grade = false``)."""
    if profile.consequence is not None and not profile.consequence.jurisdiction_case_grade:
        return loss_grade if loss_grade in vocab.GRADES else None
    return profile_case_grade(profile, loss_grade, consequence_grade)


def unit_level_name(unit_level: str | None) -> str | None:
    if unit_level is None:
        return None
    level = _UNIT_LEVEL_ALIASES.get(unit_level, unit_level)
    if level not in vocab.UNIT_LEVELS:
        raise ArgumentError(f"未知单位层级 '{unit_level}'（可选：{'、'.join(vocab.UNIT_LEVELS)}）")
    return level


def jurisdiction_entry(
    profile: Profile,
    grade: str,
    unit_level: str | None,
    consequence_grade: str | None = None,
    involves_head: bool = False,
) -> tuple[str, JurisdictionRule | Jurisdiction] | None:
    """Who runs the case and the profile entry that says so; None while nothing is known.

    The profile's ``jurisdiction_rules`` come first (first match wins; a 未认定 loss
    matches only rules that do not ask for a loss grade); what they leave goes to the
    grade table at the case grade.  A group company (集团公司) has no superior
    enterprise, so what would go to the superior goes to the table's ``group_body``.
    """
    level = unit_level_name(unit_level)
    consequence = consequence_grade if profile.has_consequence_rules else None
    assessed = grade in vocab.GRADES
    for rule in profile.jurisdiction_rules:
        if not assessed and rule.loss_grades:
            continue
        if rule.matches(level, grade if assessed else None, consequence, involves_head):
            return rule.body, rule
    case = jurisdiction_table_grade(profile, grade, consequence)
    if case not in vocab.GRADES:
        return None
    entry = profile.jurisdiction_for(case)
    return (entry.group_body if level == "集团公司" else entry.body), entry


def jurisdiction(
    profile: Profile,
    grade: str,
    unit_level: str | None,
    consequence_grade: str | None = None,
    involves_head: bool = False,
) -> str | None:
    """本企业 / 上级企业 / 出资人机构: who runs the accountability work (None while the
    loss is 未认定 and no rule decides without it)."""
    found = jurisdiction_entry(profile, grade, unit_level, consequence_grade, involves_head)
    return None if found is None else found[0]


def influence_months(profile: Profile, measure: str, sanction: str | None = None) -> int | None:
    """The influence period in months: the measure's, or — with a discipline sanction as
    well — the longer of the two (宜宾办法 第三十条: 同时受到纪律处分的，按照影响期长的规定执行).
    A sanction the profile does not list (older files' free text) adds no period."""
    months: list[int] = []
    if measure != vocab.MEASURE_NONE:
        if measure not in vocab.MEASURES:
            raise ArgumentError(f"未知组织处理 '{measure}'（可选：{'、'.join(vocab.MEASURES)}）")
        entry = profile.influence_for(measure)
        if entry is not None:
            months.append(entry.months)
    kind = (sanction or "").strip()
    if kind and kind != vocab.MEASURE_NONE:
        found = profile.sanction_for(kind)
        if found is not None and found.months is not None:
            months.append(found.months)
    return max(months) if months else None


def influence_end(profile: Profile, decision: dt.date, measure: str, sanction: str | None = None) -> dt.date | None:
    """End of the promotion ban after a measure (EDATE by its period), or the longer of the
    measure's and the sanction's period; None when neither has one."""
    months = influence_months(profile, measure, sanction)
    return None if months is None else edate(decision, months)


_BAN_YEARS = re.compile(r"^([1-9][0-9]?)年$")


def ban_terms_text(profile: Profile) -> str:
    rule = profile.ban
    return f"{rule.min_years}年及以上的整年数（如 {'、'.join(t for t in rule.terms if t != vocab.BAN_LIFE)}）" + (
        f" 或 {vocab.BAN_LIFE}" if rule.life else "")


def ban_years(profile: Profile, term: str) -> int | None:
    """The years of a 禁入期限 (None for 终身); a term the profile does not allow raises."""
    text = term.strip()
    if text == vocab.BAN_LIFE and profile.ban.life:
        return None
    found = _BAN_YEARS.match(text)
    if found is None or int(found.group(1)) < profile.ban.min_years:
        raise ArgumentError(f"未知禁入期限 '{term}'（可选：{ban_terms_text(profile)}）")
    return int(found.group(1))


def ban_term_allowed(profile: Profile, term: str) -> bool:
    try:
        ban_years(profile, term)
    except ArgumentError:
        return False
    return True


def ban_end(profile: Profile, start: dt.date, term: str) -> dt.date | None:
    """End of a 禁入限制 (EDATE by its years): any N年 with N ≥ the profile's minimum (5);
    None for 终身 or 无."""
    if term.strip() == vocab.MEASURE_NONE:
        return None
    years = ban_years(profile, term)
    return None if years is None else edate(start, years * 12)


def in_real_time_scope(profile: Profile, grade: str | None, consequence_grade: str | None = None) -> bool:
    """实时报告范围 (116号 二): 重大资产损失, or a 较大 loss with 严重不良后果 (the profile's
    consequence grades that stand for it).  The 快报 / 实时报告 / 初核报告 day counts run for
    these clues only; a profile without ``real_time_report`` runs them for every
    需一事一报告 clue, as before."""
    scope = profile.real_time_report
    if scope is None:
        return grade in vocab.GRADES and needs_event_report(profile, grade, consequence_grade)
    if grade in scope.loss_grades:
        return True
    return (grade in scope.serious_loss_grades and profile.has_consequence_rules
            and consequence_grade in scope.serious_consequence_grades)


def needs_event_report(profile: Profile, grade: str, consequence_grade: str | None = None) -> bool:
    """需一事一报告: the loss grades the profile lists (较大, 重大 by default), or — where
    the profile grades consequences — the consequence grades it lists."""
    rule = profile.one_event_report
    if grade in rule.grades:
        return True
    return profile.has_consequence_rules and consequence_grade in rule.consequence_grades
