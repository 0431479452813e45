"""Deadlines.

- initial verification: 30 working days after receiving a supervision or audit report;
- real-time reporting of a major loss: 快报 within 5 working days, 全面报告 within 15,
  初核报告 within 30 (extensible by at most 30 more);
- audit rectification: 6 calendar months after the decision/opinion is issued (EDATE),
  or the approved extension date.
"""

from __future__ import annotations

import datetime as dt

import pytest

from udfs import deadlines, registry
from udfs.errors import ArgumentError, CalendarError
from udfs.profile import get_profile
from udfs.workcalendar import default_calendar

D = dt.date
PROFILES = ["yibin-2020", "central-2018", "central-2026"]


@pytest.mark.parametrize("key", PROFILES)
def test_profile_deadline_numbers(key):
    d = get_profile(key).deadlines
    assert (d.initial_check.workdays, d.flash_report.workdays, d.full_report.workdays) == (30, 5, 15)
    assert (d.initial_report.workdays, d.initial_report.extension_max_workdays) == (30, 30)
    assert (d.rectify.months, d.rectify.workdays) == (6, None)


# Loss found on 2026-09-18 (Fri), the day itself not counted:
#   1 09-20 (make-up Sun)  2 09-21  3 09-22  4 09-23  5 09-24          → 快报 09-24
#   [09-25 … 09-27 中秋]  6 09-28  7 09-29  8 09-30  [10-01 … 10-07 国庆]
#   9 10-08  10 10-09  11 10-10 (make-up Sat)  12 10-12  13 10-13  14 10-14  15 10-15 → 全面报告
#   16 10-16  17–21 10-19 … 10-23  22–26 10-26 … 10-30  27 11-02  28 11-03  29 11-04  30 11-05
REPORTS_FROM_0918 = [("快报", D(2026, 9, 24)), ("全面报告", D(2026, 10, 15)), ("初核报告", D(2026, 11, 5))]

# Loss found on 2026-02-12 (Thu):
#   1 02-13  2 02-14 (make-up Sat)  [02-15 … 02-23]  3 02-24  4 02-25  5 02-26 → 快报 02-26
#   6 02-27  7 02-28 (make-up Sat)  8–12 03-02 … 03-06  13 03-09  14 03-10  15 03-11 → 全面报告
REPORTS_FROM_0212 = [("快报", D(2026, 2, 26)), ("全面报告", D(2026, 3, 11))]


@pytest.mark.parametrize("key", PROFILES)
@pytest.mark.parametrize(("kind", "expected"), REPORTS_FROM_0918)
def test_report_deadlines_over_mid_autumn_and_national_day(key, kind, expected):
    calendar = default_calendar()
    assert deadlines.report_deadline(get_profile(key), D(2026, 9, 18), kind, calendar) == expected
    assert registry.evaluate("ZZ_REPORT_DEADLINE", "2026-09-18", kind, key) == expected


@pytest.mark.parametrize(("kind", "expected"), REPORTS_FROM_0212)
def test_report_deadlines_over_spring_festival(kind, expected):
    assert registry.evaluate("ZZ_REPORT_DEADLINE", "2026-02-12", kind, "yibin-2020") == expected


def test_report_kind_must_be_known():
    with pytest.raises(ArgumentError, match="未知报告类型 '月报'"):
        registry.evaluate("ZZ_REPORT_DEADLINE", "2026-09-18", "月报", "yibin-2020")


@pytest.mark.parametrize("key", PROFILES)
def test_initial_check_deadline(key):
    # 2026-02-10 + 30 working days = 2026-03-30 (counted in test_workcalendar.py)
    assert registry.evaluate("ZZ_INITIAL_CHECK_DEADLINE", "2026-02-10", key) == D(2026, 3, 30)
    # 2026-09-18 + 30 = 2026-11-05 (see REPORTS_FROM_0918)
    assert registry.evaluate("ZZ_INITIAL_CHECK_DEADLINE", "2026-09-18", key) == D(2026, 11, 5)


def test_initial_check_reaching_2027_names_the_year():
    with pytest.raises(CalendarError, match="^2027年") as info:
        registry.evaluate("ZZ_INITIAL_CHECK_DEADLINE", "2026-12-01", "yibin-2020")
    assert (info.value.code, info.value.year) == ("ZZ-CALENDAR", 2027)
    assert info.value.cell_text.startswith("#日历错误: 2027年")


@pytest.mark.parametrize(
    ("issued", "expected"),
    [
        ("2026-03-10", D(2026, 9, 10)),
        ("2026-03-31", D(2026, 9, 30)),
        ("2026-08-31", D(2027, 2, 28)),  # calendar months: no 2027 holiday file needed
        ("2027-08-31", D(2028, 2, 29)),
        ("2026-10-01", D(2027, 4, 1)),  # a holiday as the issue date does not matter
    ],
)
def test_rectify_deadline_is_six_calendar_months(issued, expected):
    assert registry.evaluate("ZZ_RECTIFY_DEADLINE", issued, None, "yibin-2020") == expected
    assert registry.evaluate("ZZ_RECTIFY_DEADLINE", issued, "", "central-2026") == expected


def test_rectify_deadline_extension_wins():
    assert registry.evaluate("ZZ_RECTIFY_DEADLINE", "2026-03-10", "2026-12-31", "yibin-2020") == D(2026, 12, 31)
    profile = get_profile("yibin-2020")
    assert deadlines.rectify_deadline(profile, D(2026, 3, 10), D(2027, 1, 15), default_calendar()) == D(2027, 1, 15)
    assert deadlines.rectify_deadline(profile, D(2026, 3, 10), None, default_calendar()) == D(2026, 9, 10)


def test_deadlines_accept_every_date_form():
    expected = D(2026, 3, 30)
    for received in (
        D(2026, 2, 10),
        dt.datetime(2026, 2, 10, 9, 30),
        46063,  # Excel serial of 2026-02-10
        46063.75,
        "46063",
        "2026-02-10",
        "2026/2/10",
        "2026年2月10日",
    ):
        assert registry.evaluate("ZZ_INITIAL_CHECK_DEADLINE", received, "yibin-2020") == expected, received


# -- issue 27: the deadline in force (an approved extension counts) and 62号 Art. 29 -------------------


@pytest.mark.parametrize(("as_of", "extended", "overdue"), [
    (D(2026, 7, 20), None, True),               # past the deadline, no extension
    (D(2026, 7, 20), D(2026, 7, 20), False),    # the extension's last day: still in time
    (D(2026, 7, 21), D(2026, 7, 20), True),     # the day after the extension
    (D(2026, 6, 15), None, False),              # the deadline's own day
    (D(2026, 6, 16), D(2026, 6, 1), True),      # an "extension" earlier than the deadline changes nothing
])
def test_overdue_honours_an_approved_extension(as_of, extended, overdue):
    assert deadlines.is_overdue(as_of, D(2026, 6, 15), extended) is overdue
    assert deadlines.is_overdue(None, D(2026, 6, 15), extended) is False


# 62号 Art. 29: 6 months from the approval of the 核查工作方案 (the ledger's 立项日期), one
# extension of at most 3 months: filed 2026-02-10 → 2026-08-10, extension at most 2026-11-10
@pytest.mark.parametrize(("extended", "ok"), [(D(2026, 11, 10), True), (D(2026, 11, 11), False)])
def test_central_2018_investigation_extension_at_most_three_months(extended, ok):
    rule = get_profile("central-2018").deadlines.investigation
    assert rule.checked and rule.extension_max_months == 3
    assert "第二十九条" in rule.source and "延长时间不得超过3个月" in rule.source and "核查工作方案批准之日" in rule.text
    calendar = default_calendar()
    limit = deadlines.investigation_extension_limit(get_profile("central-2018"), D(2026, 2, 10), calendar)
    assert limit == D(2026, 11, 10)
    if ok:
        assert registry.evaluate("ZZ_INVESTIGATION_DEADLINE", "2026-02-10", extended, "central-2018") == extended
    else:
        with pytest.raises(ArgumentError, match="超过最长延期 2026-11-10.*核查工作方案批准之日.*延长一次"):
            registry.evaluate("ZZ_INVESTIGATION_DEADLINE", "2026-02-10", extended, "central-2018")
        cell = registry.evaluate_cells("ZZ_INVESTIGATION_DEADLINE", "2026-02-10", extended, "central-2018")
        assert str(cell).startswith("#参数错误")


def test_investigation_extension_without_a_bound_stands():
    # Order 46 Art. 75: extensible, no bound read: any later extension is the deadline
    assert get_profile("central-2026").deadlines.investigation.extension_max_months is None
    assert registry.evaluate("ZZ_INVESTIGATION_DEADLINE", "2026-02-10", "2027-06-30", "central-2026") == D(2027, 6, 30)


# -- issue 27 fix 6: the 5 / 15 / 30 working days run in the real-time scope only ---------------------
# 116号 二、报告范围: 实时报告 = 重大资产损失或产生严重不良后果的较大资产损失 (严重 recorded as consequence 重大,
# an unchecked reading); the 15-day report is called 实时报告 there (全面报告 still accepted as a name)


@pytest.mark.parametrize(("key", "grade", "consequence", "in_scope"), [
    ("central-2026", "重大", "", True),
    ("central-2026", "较大", "重大", True),
    ("central-2026", "较大", "较大", False),    # 较大 consequences are not 严重
    ("central-2026", "较大", "", False),        # a 一事一报告 (第一时间), no day count
    ("central-2026", "一般", "重大", False),    # 一般 loss: not in 116号's scope (Order 46's 一事一报告 may still apply)
    ("yibin-2020", "较大", "重大", True),
    ("yibin-2020", "较大", "无", False),
    ("central-2018", "重大", "", True),
    ("central-2018", "较大", "重大", False),    # Order 37 grades no consequences: loss grade only
])
def test_real_time_scope(key, grade, consequence, in_scope):
    profile = get_profile(key)
    assert profile.real_time_report is not None and profile.real_time_report.checked is False
    assert "116号" in profile.real_time_report.source and "产生严重不良后果的较大资产损失" in profile.real_time_report.source
    assert handling_scope(profile, grade, consequence) is in_scope
    for kind, expected in REPORTS_FROM_0918:
        got = registry.evaluate("ZZ_REPORT_DEADLINE", "2026-09-18", kind, key, grade, consequence)
        assert got == (expected if in_scope else None)
    # without a grade: the day count alone, as before
    assert registry.evaluate("ZZ_REPORT_DEADLINE", "2026-09-18", "实时报告", key) == D(2026, 10, 15)


def handling_scope(profile, grade, consequence):
    from udfs import handling
    return handling.in_real_time_scope(profile, grade, consequence or None)


def test_the_fifteen_day_report_is_called_real_time_report():
    assert registry.evaluate("ZZ_REPORT_DEADLINE", "2026-09-18", "全面报告", "central-2026") == D(2026, 10, 15)
    for key in PROFILES:
        rule = get_profile(key).deadlines.full_report
        assert "实时报告" in rule.text and "全面报告" not in rule.text
    with pytest.raises(ArgumentError, match="快报、实时报告、初核报告"):
        registry.evaluate("ZZ_REPORT_DEADLINE", "2026-09-18", "月报", "central-2026")
