"""Deadlines: initial verification, real-time reports, rectification."""

from __future__ import annotations

import datetime as dt

from udfs import vocab
from udfs.dates import edate
from udfs.profile import Deadline, Profile
from udfs.workcalendar import WorkCalendar

REPORT_RULES = {"快报": "flash_report", "全面报告": "full_report", "初核报告": "initial_report"}


def _apply(rule: Deadline, start: dt.date, calendar: WorkCalendar) -> dt.date:
    if rule.workdays is not None:
        return calendar.workday(start, rule.workdays)
    assert rule.months is not None  # a Deadline has exactly one unit
    return edate(start, rule.months)


def initial_check_deadline(profile: Profile, received: dt.date, calendar: WorkCalendar) -> dt.date:
    """初核报告截止日: the profile's working days (30) after receipt."""
    return _apply(profile.deadlines.initial_check, received, calendar)


def report_deadline(profile: Profile, start: dt.date, kind: str, calendar: WorkCalendar) -> dt.date | None:
    """Real-time reporting of a major loss: 快报 5, 全面报告 15, 初核报告 30 working days
    (None where the profile sets no such report)."""
    assert kind in vocab.REPORT_KINDS
    rule: Deadline | None = getattr(profile.deadlines, REPORT_RULES[kind])
    return None if rule is None else _apply(rule, start, calendar)


def investigation_deadline(profile: Profile, filed: dt.date, extended_to: dt.date | None,
                           calendar: WorkCalendar) -> dt.date | None:
    """核查截止日: the approved extension if given, else EDATE(filed, the profile's months)
    (Order 46 Art. 75: 6); None where the profile sets no investigation period."""
    if extended_to is not None:
        return extended_to
    rule = profile.deadlines.investigation
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
