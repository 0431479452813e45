"""The Chinese statutory working-day calendar and Excel WORKDAY semantics.

2026 facts used below (checked against the chinese_calendar package, version 1.11.0):
  Spring Festival: off 2026-02-15 (Sun) … 2026-02-23 (Mon); make-up working Saturdays
      2026-02-14 and 2026-02-28.
  Mid-Autumn: off 2026-09-25 (Fri) … 2026-09-27 (Sun).
  National Day: off 2026-10-01 (Thu) … 2026-10-07 (Wed); make-up working Sunday
      2026-09-20 and Saturday 2026-10-10.
The package stops at 2026; 2027 is unknown until a user supplies it.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import numpy as np
import pytest

from udfs import registry
from udfs.errors import CalendarError
from udfs.workcalendar import (
    WorkCalendar,
    builtin_years,
    default_calendar,
    load_year_file,
    parse_year_file,
)

D = dt.date


# -- the facts -----------------------------------------------------------------------

HOLIDAYS_2026 = (
    [D(2026, 2, 15) + dt.timedelta(days=i) for i in range(9)]  # 02-15 … 02-23
    + [D(2026, 9, 25), D(2026, 9, 26), D(2026, 9, 27)]
    + [D(2026, 10, 1) + dt.timedelta(days=i) for i in range(7)]  # 10-01 … 10-07
)
MAKEUP_WORKDAYS_2026 = [D(2026, 2, 14), D(2026, 2, 28), D(2026, 9, 20), D(2026, 10, 10)]


def test_facts_agree_with_chinese_calendar_package():
    # guard: the expectations in this file rest on these facts
    for day in HOLIDAYS_2026:
        assert chinese_calendar.is_holiday(day), day
    for day in MAKEUP_WORKDAYS_2026:
        assert day.weekday() >= 5 and chinese_calendar.is_workday(day), day


def test_engine_calendar_2026():
    calendar = default_calendar()
    for day in HOLIDAYS_2026:
        assert calendar.is_workday(day) is False, day
    for day in MAKEUP_WORKDAYS_2026:
        assert calendar.is_workday(day) is True, day
    # ordinary days around the holidays
    assert calendar.is_workday(D(2026, 2, 13)) is True  # Friday
    assert calendar.is_workday(D(2026, 2, 24)) is True  # Tuesday after the holiday
    assert calendar.is_workday(D(2026, 9, 19)) is False  # plain Saturday
    assert calendar.is_workday(D(2026, 10, 11)) is False  # plain Sunday


def test_known_years_are_the_package_years():
    years = default_calendar().known_years
    assert years[0] == 2004 and years[-1] == 2026
    assert years == list(range(2004, 2027))
    assert 2027 not in builtin_years()


# -- Excel WORKDAY semantics ------------------------------------------------------------

WORKDAY_CASES = [
    # start not counted
    (D(2026, 2, 13), 1, D(2026, 2, 14)),  # Fri → make-up Saturday
    (D(2026, 2, 14), 1, D(2026, 2, 24)),  # skips the whole Spring Festival
    (D(2026, 2, 13), 2, D(2026, 2, 24)),
    (D(2026, 2, 27), 1, D(2026, 2, 28)),  # second make-up Saturday
    (D(2026, 2, 28), 1, D(2026, 3, 2)),
    # n = 0 returns the start, even on a holiday or weekend
    (D(2026, 2, 16), 0, D(2026, 2, 16)),
    (D(2026, 10, 1), 0, D(2026, 10, 1)),
    (D(2026, 3, 7), 0, D(2026, 3, 7)),
    # start on a holiday
    (D(2026, 2, 16), 1, D(2026, 2, 24)),
    (D(2026, 2, 16), -1, D(2026, 2, 14)),
    (D(2026, 10, 3), 1, D(2026, 10, 8)),
    (D(2026, 10, 3), -1, D(2026, 9, 30)),
    # negative n
    (D(2026, 2, 24), -1, D(2026, 2, 14)),
    (D(2026, 2, 24), -2, D(2026, 2, 13)),
    (D(2026, 3, 2), -1, D(2026, 2, 28)),
    (D(2026, 10, 8), -1, D(2026, 9, 30)),
    (D(2026, 9, 21), -1, D(2026, 9, 20)),  # back onto the make-up Sunday
    # 中秋 and 国庆
    (D(2026, 9, 19), 1, D(2026, 9, 20)),  # Saturday → make-up Sunday
    (D(2026, 9, 24), 1, D(2026, 9, 28)),  # over 中秋 (25–27)
    (D(2026, 9, 30), 1, D(2026, 10, 8)),  # over 国庆 (1–7)
    (D(2026, 10, 9), 1, D(2026, 10, 10)),  # make-up Saturday
    (D(2026, 10, 10), 1, D(2026, 10, 12)),
    # 2026-09-18 (Fri) + 10: 09-20, 21, 22, 23, 24, 28, 29, 30, 10-08, 10-09
    (D(2026, 9, 18), 10, D(2026, 10, 9)),
    # across a year end of known years
    (D(2025, 12, 31), 1, D(2026, 1, 4)),  # 2026-01-01/02 off, 01-03 Sat, 01-04 make-up Sunday
    (D(2025, 12, 31), 2, D(2026, 1, 5)),
    (D(2026, 1, 5), -1, D(2026, 1, 4)),  # 2026-01-04 is a make-up Sunday
]


@pytest.mark.parametrize(("start", "n", "expected"), WORKDAY_CASES)
def test_workday(start, n, expected):
    assert default_calendar().workday(start, n) == expected
    assert registry.evaluate("ZZ_WORKDAY", start, n) == expected


def test_workday_vectorised_column_matches():
    starts = [[s] for s, _, _ in WORKDAY_CASES]
    days = [[n] for _, n, _ in WORKDAY_CASES]
    assert registry.evaluate_cells("ZZ_WORKDAY", starts, days) == [[e] for _, _, e in WORKDAY_CASES]


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-02-13", 1.9, D(2026, 2, 14)),  # truncated to 1
        ("2026-02-13", 0.7, D(2026, 2, 13)),  # truncated to 0
        ("2026-02-24", -1.9, D(2026, 2, 14)),  # truncated towards zero to -1
        ("2026-02-13", "2.5", D(2026, 2, 24)),
    ],
)
def test_fractional_days_truncate(start, n, expected):
    assert registry.evaluate("ZZ_WORKDAY", start, n) == expected
    assert registry.evaluate_cells("ZZ_WORKDAY", [[start], [start]], [[n], [n]]) == [[expected], [expected]]


def _oracle_workday(start: dt.date, n: int) -> dt.date:
    """WORKDAY by walking day by day with chinese_calendar (an independent implementation)."""
    step = 1 if n > 0 else -1
    day, left = start, abs(n)
    while left:
        day += dt.timedelta(days=step)
        if chinese_calendar.is_workday(day):
            left -= 1
    return day


def test_workday_agrees_with_day_by_day_count_over_2026():
    starts = [D(2026, 1, 1) + dt.timedelta(days=i) for i in range(0, 305)]  # to 2026-11-01
    calendar = default_calendar()
    for n in (1, 5, 15, 30, -1, -5, -30):
        expected = [_oracle_workday(s, n) for s in starts]
        assert [calendar.workday(s, n) for s in starts] == expected, n
        cells = registry.evaluate_cells("ZZ_WORKDAY", [[s] for s in starts], n)
        assert cells == [[e] for e in expected], n


def test_initial_check_30_working_days_counted_by_hand():
    # received 2026-02-10 (Tue), not counted:
    #  1 02-11  2 02-12  3 02-13  4 02-14 (make-up Sat)   [02-15 … 02-23 off]
    #  5 02-24  6 02-25  7 02-26  8 02-27  9 02-28 (make-up Sat)
    # 10–14 03-02 … 03-06   15–19 03-09 … 03-13   20–24 03-16 … 03-20
    # 25–29 03-23 … 03-27   30 03-30
    assert default_calendar().workday(D(2026, 2, 10), 30) == D(2026, 3, 30)
    assert registry.evaluate("ZZ_INITIAL_CHECK_DEADLINE", "2026-02-10") == D(2026, 3, 30)


def test_working_days_list_for_a_sheet():
    days = [d for d in default_calendar().working_days() if d.year == 2026 and d.month == 2]
    # February 2026: 20 weekdays, minus 6 weekday holidays (16–20, 23), plus 2 make-up Saturdays
    assert len(days) == 16
    assert D(2026, 2, 14) in days and D(2026, 2, 28) in days and D(2026, 2, 16) not in days


# -- unknown years --------------------------------------------------------------------


def test_reaching_2027_is_an_error_naming_the_year_and_the_fix(zhuize_home):
    with pytest.raises(CalendarError) as info:
        default_calendar().workday(D(2026, 12, 30), 2)
    message = info.value.message
    assert message.startswith("2027年")
    assert str(zhuize_home / "calendar" / "2027.toml") in message
    assert "zhuize calendar add 2027" in message
    assert info.value.cell_text.startswith("#日历错误: 2027年")


def test_last_known_day_still_works():
    calendar = default_calendar()
    assert calendar.workday(D(2026, 12, 30), 1) == D(2026, 12, 31)
    assert calendar.workday(D(2026, 12, 31), 0) == D(2026, 12, 31)


@pytest.mark.parametrize(
    ("start", "n", "year"),
    [
        (D(2026, 12, 31), 1, 2027),
        (D(2026, 11, 20), 30, 2027),
        (D(2027, 3, 1), 1, 2027),
        (D(2027, 3, 1), -1, 2027),
        (D(2030, 6, 3), 5, 2030),
        (D(2004, 1, 5), -2, 2003),
        (D(2004, 1, 2), -1, 2003),
    ],
)
def test_unknown_year_errors(start, n, year):
    with pytest.raises(CalendarError, match=f"^{year}年的法定节假日"):
        default_calendar().workday(start, n)
    assert registry.evaluate_cells("ZZ_WORKDAY", start, n).startswith(f"#日历错误: {year}年")
    column = registry.evaluate_cells("ZZ_WORKDAY", [[start], [D(2026, 2, 13)]], [[n], [1]])
    assert column[0][0].startswith(f"#日历错误: {year}年")
    assert column[1][0] == D(2026, 2, 14)  # the error stays in its own cell


def test_is_workday_in_unknown_year():
    with pytest.raises(CalendarError, match="2027年"):
        default_calendar().is_workday(D(2027, 1, 4))


def test_user_file_for_2027_extends_the_calendar(write_user_calendar, calendar_2027_text):
    with pytest.raises(CalendarError):
        registry.evaluate("ZZ_INITIAL_CHECK_DEADLINE", "2026-12-01", "yibin-2020")
    write_user_calendar("2027", calendar_2027_text)
    # 2026-12-01 (Tue) + 30: December 2026 has 22 working days after the 1st
    # (02–04, 07–11, 14–18, 21–25, 28–31); 2027-01-01 is off;
    # 23–27 01-04 … 01-08, 28 01-11, 29 01-12, 30 01-13
    assert registry.evaluate("ZZ_INITIAL_CHECK_DEADLINE", "2026-12-01", "yibin-2020") == D(2027, 1, 13)
    calendar = default_calendar()
    assert 2027 in calendar.known_years
    assert calendar.workday(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert calendar.workday(D(2027, 2, 5), 1) == D(2027, 2, 15)  # the file's holiday week
    assert calendar.is_workday(D(2027, 2, 20)) is True  # the file's make-up Saturday
    assert calendar.workday(D(2027, 2, 19), 1) == D(2027, 2, 20)


def test_gap_year_is_not_skipped(write_user_calendar):
    write_user_calendar("2028", "year = 2028\nholidays = [2028-01-01]\n")
    calendar = default_calendar()
    assert 2028 in calendar.known_years and 2027 not in calendar.known_years
    for start, n in [(D(2026, 12, 30), 2), (D(2026, 12, 31), 300), (D(2028, 1, 4), -3), (D(2027, 6, 1), 1)]:
        with pytest.raises(CalendarError, match="^2027年"):
            calendar.workday(start, n)
    column = registry.evaluate_cells("ZZ_WORKDAY", [[D(2026, 12, 30)], [D(2028, 1, 4)]], [[2], [-3]])
    assert column[0][0].startswith("#日历错误: 2027年")
    assert column[1][0].startswith("#日历错误: 2027年")
    # inside 2028 it works: 2028-01-01 is a Saturday, 01-03 a Monday
    assert calendar.workday(D(2028, 1, 4), -1) == D(2028, 1, 3)


def test_user_file_overriding_2026_replaces_that_year(write_user_calendar):
    # a (deliberately different) 2026: only New Year's Day off, no make-up days
    write_user_calendar("2026", 'year = 2026\nsource = "测试"\nholidays = [2026-01-01]\nworkdays = []\n')
    calendar = default_calendar()
    assert calendar.is_workday(D(2026, 2, 16)) is True  # no longer the Spring Festival
    assert calendar.is_workday(D(2026, 2, 14)) is False  # no longer a make-up Saturday
    assert calendar.is_workday(D(2026, 1, 1)) is False
    assert calendar.workday(D(2026, 2, 13), 1) == D(2026, 2, 16)
    assert calendar.years[2026].source == "测试"
    # other years are untouched
    assert calendar.is_workday(D(2025, 10, 1)) is False


def test_with_years_and_empty_calendar():
    empty = WorkCalendar({})
    with pytest.raises(CalendarError, match="^2026年"):
        empty.workday(D(2026, 2, 13), 1)
    schedule = parse_year_file("year = 2026\nholidays = [2026-02-16]\n", "t.toml")
    one_year = empty.with_years([schedule])
    assert one_year.workday(D(2026, 2, 13), 1) == D(2026, 2, 17)


# -- broken calendar files ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("year = 2027\nholidays = [2027-02-30]\n", "格式错误"),  # not a real date (TOML rejects it)
        ('year = 2027\nholidays = ["2027-02-03"]\n', "不是日期或 [起, 止] 区间"),
        ("year = 2027\nholidays = [[2027-02-14, 2027-02-06]]\n", "起止颠倒"),
        ("year = 2027\nholidays = [2026-12-31, 2027-01-01]\n", "2027年日历中出现了其他年份的日期 2026-12-31"),
        ("year = 2027\nholidays = [[2027-02-06, 2027-02-14]]\nworkdays = [2027-02-07]\n",
         "2027-02-07 同时被列为放假日和调休上班日"),
        ("holidays = [2027-01-01]\n", "缺少 year"),
        ("year = 2027\nholidays = []\n", "没有列出任何放假日期"),
        ("year = 2027\nholidays = [2027-01-01]\nworkday = [2027-02-20]\n", "不认识的项：workday"),
        ("year = 2027\nholidays = 2027-01-01\n", "holidays 应为日期列表"),
        ("year = 2027\nholidays = [2027-01-01\n", "格式错误"),
    ],
)
def test_broken_calendar_file_messages(tmp_path, text, expected):
    path = tmp_path / "2027.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError) as info:
        load_year_file(path)
    assert expected in info.value.message
    assert str(path) in info.value.message or "同时被列为" in info.value.message or "其他年份" in info.value.message


def test_broken_user_calendar_file_surfaces_in_cells(write_user_calendar):
    path = write_user_calendar("2027", "year = 2027\nholidays = [[2027-02-14, 2027-02-06]]\n")
    with pytest.raises(CalendarError, match="起止颠倒"):
        registry.evaluate("ZZ_WORKDAY", "2026-02-13", 1)
    cell = registry.evaluate_cells("ZZ_WORKDAY", "2026-02-13", 1)
    assert cell.startswith("#日历错误: 日历文件 ") and str(path) in cell


def test_calendar_file_ranges_expand(calendar_2027_text):
    schedule = parse_year_file(calendar_2027_text, "2027.toml")
    assert schedule.year == 2027
    assert len(schedule.holidays) == 1 + 9  # 01-01 and 02-06 … 02-14
    assert schedule.workdays == frozenset({D(2027, 2, 20)})
    assert schedule.source == "测试用2027年放假安排（虚构）"


# -- absurd day counts ---------------------------------------------------------------------


def test_day_count_boundary_is_an_argument_error_beyond_100000():
    # within the bound the walk runs out of known years and names the year after / before
    assert registry.evaluate_cells("ZZ_WORKDAY", "2026-02-10", 100_000).startswith("#日历错误: 2027年")
    assert registry.evaluate_cells("ZZ_WORKDAY", "2026-02-10", -100_000).startswith("#日历错误: 2003年")
    # beyond it the count itself is the mistake, in one cell and in a range alike
    assert registry.evaluate_cells("ZZ_WORKDAY", "2026-02-10", 100_001).startswith("#参数错误: 工作日数 100001 超出范围")
    assert registry.evaluate_cells("ZZ_WORKDAY", "2026-02-10", -1e10).startswith("#参数错误: 工作日数")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_huge_day_count_in_a_range_is_an_error_in_that_cell_only():
    column = registry.evaluate_cells("ZZ_WORKDAY", [["2026-02-10"], ["2026-02-10"]], [[1e300], [1]])
    assert column[0][0].startswith("#参数错误: 工作日数 1e+300 超出范围")
    assert column[0][0] == registry.evaluate_cells("ZZ_WORKDAY", "2026-02-10", 1e300)
    assert column[1][0] == D(2026, 2, 11)


def test_overflowing_text_day_count_is_an_argument_error():
    assert registry.evaluate_cells("ZZ_WORKDAY", "2026-02-10", "1e400").startswith("#参数错误: ")


def test_a_recording_calendar_notes_the_years_it_lacks() -> None:
    probe = default_calendar().recording()
    assert probe.workday(dt.date(2026, 3, 2), 30) == dt.date(2026, 4, 14) and probe.missed == set()
    with pytest.raises(CalendarError):
        probe.workday(dt.date(2026, 12, 28), 30)
    assert probe.missed == {2027}
    vector = default_calendar().recording()
    _, missing = vector.workday_serials(np.array([46083, 46384]), np.array([30, 30]))  # 2026-03-02, 2026-12-28
    assert missing.tolist() == [-1, 2027] and vector.missed == {2027}
    with pytest.raises(CalendarError):
        vector.is_workday(dt.date(2003, 6, 2))
    assert vector.missed == {2027, 2003}
