"""Deadlines: initial verification, real-time reports, rectification."""

from __future__ import annotations

import datetime as dt

from udfs import vocab
from udfs.dates import edate
from udfs.errors import ArgumentError
from udfs.profile import Deadline, Profile
from udfs.workcalendar import WorkCalendar

REPORT_RULES = {"快报": "flash_report", "实时报告": "full_report", "初核报告": "initial_report"}
"""Report kind → the profile's deadline entry (``full_report`` keeps its key: the 15-day
report was called 全面报告 before; 116号 calls it 实时报告)."""


def _apply(rule: Deadline, start: dt.date, calendar: WorkCalendar) -> dt.date:
    if rule.workdays is not None:
        return calendar.workday(start, rule.workdays)
    assert rule.months is not None  # a Deadline has exactly one unit
    return edate(start, rule.months)


def initial_check_deadline(profile: Profile, received: dt.date, calendar: WorkCalendar) -> dt.date:
    """初核报告截止日: the profile's working days (30) after receipt."""
    return _apply(profile.deadlines.initial_check, received, calendar)


def report_deadline(profile: Profile, start: dt.date, kind: str, calendar: WorkCalendar) -> dt.date | None:
    """Real-time reporting (116号): 快报 5, 实时报告 15, 初核报告 30 working days
    (None where the profile sets no such report).  Whether a clue is in the real-time
    scope at all is ``udfs.handling.in_real_time_scope``."""
    kind = vocab.REPORT_KIND_ALIASES.get(kind, kind)
    assert kind in vocab.REPORT_KINDS
    rule: Deadline | None = getattr(profile.deadlines, REPORT_RULES[kind])
    return None if rule is None else _apply(rule, start, calendar)


def deadline_in_force(deadline: dt.date | None, extended_to: dt.date | None) -> dt.date | None:
    """The deadline that holds: an approved extension (初核延期至, 核查延期至, 批准延期至)
    later than the deadline replaces it.  One rule for every overdue judgement: the
    validator, the group return's 逾期事项 and the indicators call it."""
    if isinstance(extended_to, dt.date) and (not isinstance(deadline, dt.date) or extended_to > deadline):
        return extended_to
    return deadline if isinstance(deadline, dt.date) else None


def is_overdue(as_of: dt.date | None, deadline: dt.date | None, extended_to: dt.date | None = None) -> bool:
    """Past the deadline in force (an approved, later extension counts) on ``as_of``."""
    due = deadline_in_force(deadline, extended_to)
    return as_of is not None and due is not None and as_of > due


def investigation_extension_limit(profile: Profile, filed: dt.date, calendar: WorkCalendar) -> dt.date | None:
    """The latest day one extension may reach: the unextended 核查截止日 plus the profile's
    longest extension (62号 Art. 29: 3 months); None where the profile sets no bound."""
    rule = profile.deadlines.investigation
    if rule is None or rule.extension_max_months is None:
        return None
    return edate(_apply(rule, filed, calendar), rule.extension_max_months)


def investigation_deadline(profile: Profile, filed: dt.date, extended_to: dt.date | None,
                           calendar: WorkCalendar) -> dt.date | None:
    """核查截止日: the approved extension if given, else EDATE(filed, the profile's months)
    (Order 46 Art. 75 / 62号 Art. 29: 6); None where the profile sets no investigation period.
    An extension beyond the profile's checked bound (62号 Art. 29: one extension of at most
    3 months) is an argument error; beyond an unchecked bound it stands (the validator warns)."""
    rule = profile.deadlines.investigation
    if extended_to is not None:
        limit = investigation_extension_limit(profile, filed, calendar)
        if rule is not None and rule.checked and limit is not None and extended_to > limit:
            raise ArgumentError(
                f"核查延期至 {extended_to.isoformat()} 超过最长延期 {limit.isoformat()}：核查期限自核查工作方案批准之日"
                f"（立项日期 {filed.isoformat()}）起算，只可延长一次，延长时间不得超过{rule.extension_max_months}个月"
                f"（{rule.source}）")
        return extended_to
    return None if rule is None else _apply(rule, filed, calendar)


def appeal_deadline(profile: Profile, decided: dt.date, calendar: WorkCalendar,
                    served: dt.date | None = None) -> dt.date | None:
    """Last day to appeal: the profile's period from the day the decision was served
    (Order 46 Art. 78: 处理决定送达之日起一个月); without a 送达日期 the decision date
    stands in (the caller says so)."""
    rule = profile.deadlines.appeal
    return None if rule is None else _apply(rule, served or decided, calendar)


def review_deadline(profile: Profile, appealed: dt.date, calendar: WorkCalendar,
                    accepted: dt.date | None = None) -> dt.date | None:
    """复核截止日: the profile's working days from the day the appeal was accepted (Order 46
    Art. 80: 自受理申诉之日起30个工作日); without a 申诉受理日期 the appeal date stands in."""
    rule = profile.deadlines.review
    return None if rule is None else _apply(rule, accepted or appealed, calendar)


def rectify_deadline(profile: Profile, issued: dt.date, extended_to: dt.date | None, calendar: WorkCalendar) -> dt.date:
    """整改期限: the approved extension if given, else issue date + the profile's months (6)."""
    if extended_to is not None:
        return extended_to
    return _apply(profile.deadlines.rectify, issued, calendar)
