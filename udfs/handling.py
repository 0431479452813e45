"""Handling by grade × responsibility: measures, deduction ranges, LTI, influence
periods, 禁入限制 and jurisdiction — all read from the profile."""

from __future__ import annotations

import datetime as dt

from udfs import vocab
from udfs.dates import edate
from udfs.errors import ArgumentError
from udfs.profile import Handling, Profile, Range


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


def jurisdiction(profile: Profile, grade: str, unit_level: str | None) -> str:
    """本企业 / 上级企业 / 出资人机构: who runs the accountability work.

    A group company (集团公司) has no superior enterprise, so what would go to the
    superior goes to the supervising body (the profile's ``group_body``).
    """
    entry = profile.jurisdiction_for(grade)
    if unit_level is None:
        return entry.body
    level = _UNIT_LEVEL_ALIASES.get(unit_level, unit_level)
    if level not in vocab.UNIT_LEVELS:
        raise ArgumentError(f"未知单位层级 '{unit_level}'（可选：{'、'.join(vocab.UNIT_LEVELS)}）")
    return entry.group_body if level == "集团公司" else entry.body


def influence_end(profile: Profile, decision: dt.date, measure: str) -> dt.date | None:
    """End of the promotion ban after a measure (EDATE by its period); None when none."""
    if measure == vocab.MEASURE_NONE:
        return None
    if measure not in vocab.MEASURES:
        raise ArgumentError(f"未知组织处理 '{measure}'（可选：{'、'.join(vocab.MEASURES)}）")
    entry = profile.influence_for(measure)
    return None if entry is None else edate(decision, entry.months)


def ban_end(profile: Profile, start: dt.date, term: str) -> dt.date | None:
    """End of a 禁入限制 (EDATE by its years); None for 终身 or 无."""
    if term in (vocab.MEASURE_NONE, "终身"):
        return None
    if term not in profile.ban.terms:
        raise ArgumentError(f"未知禁入期限 '{term}'（可选：{'、'.join(profile.ban.terms)}）")
    return edate(start, int(term.rstrip("年")) * 12)


def needs_event_report(profile: Profile, grade: str) -> bool:
    """需一事一报告: the grades the profile lists (较大, 重大 by default)."""
    return grade in profile.one_event_report.grades
