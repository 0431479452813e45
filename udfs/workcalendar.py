"""The Chinese statutory working-day calendar.

A day is a working day when it is a weekday that is not a public holiday, or a
weekend day declared a make-up working day (调休上班).  Years come from the
``chinese-calendar`` package (2004–2026 in the pinned version) and from user-supplied
schedules (a TOML file per year, or later a workbook's 工作日历 sheet) that override
or extend it.  A date in a year nobody has supplied is a ``CalendarError`` naming the
year and how to add it — never a silent weekend-only count.
"""

from __future__ import annotations

import stat

import bisect
import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np
import numpy.typing as npt

from udfs import settings
from udfs.errors import CalendarError
from udfs.values import EXCEL_EPOCH, date_to_serial

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class YearSchedule:
    """One year's public holidays and make-up working days."""

    year: int
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    source: str

    def __post_init__(self) -> None:
        for day in self.holidays | self.workdays:
            if day.year != self.year:
                raise CalendarError(f"{self.year}年日历中出现了其他年份的日期 {day.isoformat()}（{self.source}）")
        both = self.holidays & self.workdays
        if both:
            day = min(both).isoformat()
            raise CalendarError(f"{day} 同时被列为放假日和调休上班日（{self.source}）")

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


def missing_year_message(year: int) -> str:
    folder = settings.user_calendar_dir()
    return (
        f"{year}年的法定节假日和调休安排尚未导入，无法计算工作日。"
        f"请在模板的「工作日历」表补充，或新建文件 {folder / f'{year}.toml'}"
        f"（写明 year、holidays 放假日期、workdays 调休上班日期），"
        f"也可运行 zhuize calendar add {year} 文件名"
    )


def builtin_years() -> dict[int, YearSchedule]:
    """The years the pinned ``chinese-calendar`` knows."""
    import chinese_calendar

    holidays: dict[int, set[dt.date]] = {}
    workdays: dict[int, set[dt.date]] = {}
    for day in chinese_calendar.holidays:
        holidays.setdefault(day.year, set()).add(day)
    for day in chinese_calendar.workdays:
        workdays.setdefault(day.year, set()).add(day)
    source = f"chinese-calendar {getattr(chinese_calendar, '__version__', '')}".strip()
    return {
        year: YearSchedule(year, frozenset(holidays[year]), frozenset(workdays.get(year, ())), source)
        for year in sorted(holidays)
    }


def _dates(value: object, origin: str, key: str) -> set[dt.date]:
    if not isinstance(value, list):
        raise CalendarError(f"日历文件 {origin} 的 {key} 应为日期列表，如 [2027-01-01, [2027-02-06, 2027-02-14]]")
    days: set[dt.date] = set()
    for item in value:
        if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
            days.add(item)
        elif (
            isinstance(item, list)
            and len(item) == 2
            and all(isinstance(x, dt.date) and not isinstance(x, dt.datetime) for x in item)
        ):
            first, last = item
            if last < first:
                raise CalendarError(f"日历文件 {origin} 的 {key} 中区间 {first}～{last} 起止颠倒")
            days.update(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
        else:
            raise CalendarError(f"日历文件 {origin} 的 {key} 中 {item!r} 不是日期或 [起, 止] 区间")
    return days


def parse_year_file(text: str, origin: str) -> YearSchedule:
    """A year's schedule from TOML: ``year``, ``holidays``, ``workdays``, ``source``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalendarError(f"日历文件 {origin} 格式错误：{exc}") from None
    year = data.get("year")
    if not isinstance(year, int) or not 1990 <= year <= 2100:
        raise CalendarError(f"日历文件 {origin} 缺少 year（年份，如 year = 2027）")
    unknown = set(data) - {"year", "holidays", "workdays", "source"}
    if unknown:
        raise CalendarError(f"日历文件 {origin} 中有不认识的项：{'、'.join(sorted(unknown))}")
    holidays = _dates(data.get("holidays", []), origin, "holidays")
    if not holidays:
        raise CalendarError(f"日历文件 {origin} 没有列出任何放假日期（holidays）")
    workdays = _dates(data.get("workdays", []), origin, "workdays")
    return YearSchedule(year, frozenset(holidays), frozenset(workdays), str(data.get("source", origin)))


def load_year_file(path: str | Path) -> YearSchedule:
    file = Path(path)
    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > 1024 * 1024:  # /dev/zero, a FIFO: never opened
            raise CalendarError(f"{file} 不是日历文件（不是普通文件，或大于 1 MB）：请给出该年的 .toml 放假安排文件")
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarError(f"无法读取日历文件 {file}：{exc}") from None
    return parse_year_file(text, str(file))


@dataclass
class WorkCalendar:
    """Working days over the known years, with vectorised WORKDAY."""

    years: dict[int, YearSchedule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._build()

    def _build(self) -> None:
        serials: list[int] = []
        for year in sorted(self.years):
            schedule = self.years[year]
            day = dt.date(year, 1, 1)
            while day.year == year:
                if schedule.is_workday(day):
                    serials.append(date_to_serial(day))
                day += dt.timedelta(days=1)
        self._workday_list = serials
        self._workdays: IntArray = np.asarray(serials, dtype=np.int64)
        # Dense tables over every day from the first known year's 1 January to the last
        # known year's 31 December: O(1) look-ups for the vectorised WORKDAY.
        first = min(self.years, default=2000)
        last = max(self.years, default=first - 1)
        self._first_year = first
        self._base = date_to_serial(dt.date(first, 1, 1))
        span = date_to_serial(dt.date(last + 1, 1, 1)) - self._base
        is_workday = np.zeros(max(span, 0), dtype=np.int64)
        is_workday[self._workdays - self._base] = 1
        self._is_workday = is_workday
        self._count_upto = np.cumsum(is_workday)  # working days on or before each day
        year_starts = [date_to_serial(dt.date(y, 1, 1)) - self._base for y in range(first, last + 2)]
        self._year_of_day = np.repeat(np.arange(last - first + 1, dtype=np.int64), np.diff(year_starts))
        known = np.array([y in self.years for y in range(first, last + 1)], dtype=bool)
        # unknown_before[i]: how many of the first i years of the span nobody supplied
        self._unknown_before = np.concatenate([[0], np.cumsum(~known)]).astype(np.int64)

    def with_years(self, schedules: Iterable[YearSchedule]) -> "WorkCalendar":
        """A new calendar where the given years override or extend these."""
        years = dict(self.years)
        for schedule in schedules:
            years[schedule.year] = schedule
        return WorkCalendar(years)

    @property
    def known_years(self) -> list[int]:
        return sorted(self.years)

    def working_days(self) -> list[dt.date]:
        """Every working day of every known year, in order (for a 工作日历 sheet)."""
        return [EXCEL_EPOCH + dt.timedelta(days=int(s)) for s in self._workdays]

    def _require(self, year: int) -> YearSchedule:
        schedule = self.years.get(year)
        if schedule is None:
            raise CalendarError(missing_year_message(year), year=year)
        return schedule

    def is_workday(self, day: dt.date) -> bool:
        return self._require(day.year).is_workday(day)

    def workday(self, start: dt.date, days: int) -> dt.date:
        """Excel WORKDAY: the date ``days`` working days after (before, if negative) ``start``.

        ``start`` itself is not counted; ``days = 0`` returns ``start`` unchanged.
        """
        if days == 0:
            return start
        serial = date_to_serial(start)
        table = self._workday_list
        if days > 0:
            index = bisect.bisect_right(table, serial) + days - 1
        else:
            index = bisect.bisect_left(table, serial) + days
        if not 0 <= index < len(table):
            year = start.year
            step = 1 if days > 0 else -1
            while year in self.years:
                year += step
            raise CalendarError(missing_year_message(year), year=year)
        result = EXCEL_EPOCH + dt.timedelta(days=table[index])
        low, high = sorted((start.year, result.year))
        for year in range(low, high + 1) if days > 0 else range(high, low - 1, -1):
            if year not in self.years:
                raise CalendarError(missing_year_message(year), year=year)
        return result

    def workday_serials(self, starts: IntArray, days: IntArray) -> tuple[IntArray, IntArray]:
        """Vectorised WORKDAY over Excel serials.

        Returns ``(results, missing_year)``: ``missing_year`` is -1 where the result is
        good, else the first year the computation needed and nobody supplied.
        """
        starts = np.asarray(starts, dtype=np.int64)
        days = np.broadcast_to(np.asarray(days, dtype=np.int64), starts.shape)
        span = len(self._is_workday)
        table = self._workdays
        missing = np.full(starts.shape, -1, dtype=np.int64)
        if span == 0 or len(table) == 0:
            for i in np.flatnonzero(days != 0):
                missing.flat[i] = self._first_missing(int(starts.flat[i]), int(days.flat[i]))
            return starts.copy(), missing
        offset = starts - self._base
        in_span = (offset >= 0) & (offset < span)
        at = np.clip(offset, 0, span - 1)
        upto = self._count_upto[at]
        before = upto - self._is_workday[at]
        index = np.where(days > 0, upto + days - 1, before + days)
        inside = in_span & (index >= 0) & (index < len(table))
        picked = table[np.clip(index, 0, len(table) - 1)]
        moving = days != 0
        results = np.where(moving & inside, picked, starts)
        # every year between the start and the result must be known
        low = np.clip(np.minimum(starts, results) - self._base, 0, span - 1)
        high = np.clip(np.maximum(starts, results) - self._base, 0, span - 1)
        gaps = self._unknown_before[self._year_of_day[high] + 1] - self._unknown_before[self._year_of_day[low]]
        bad = moving & (~inside | (gaps > 0))
        for i in np.flatnonzero(bad):
            missing.flat[i] = self._first_missing(int(starts.flat[i]), int(days.flat[i]))
        return results, missing

    def recording(self) -> "RecordingCalendar":
        """This calendar (sharing its tables), also noting in ``missed`` every year a
        computation needed and nobody supplied."""
        probe = RecordingCalendar.__new__(RecordingCalendar)
        probe.__dict__.update(self.__dict__)
        probe.missed = set()
        return probe

    def _first_missing(self, start: int, days: int) -> int:
        """The first year nobody supplied on the walk from ``start`` (only for a bad row)."""
        day = EXCEL_EPOCH + dt.timedelta(days=start)
        try:
            self.workday(day, days)
        except CalendarError as exc:
            return exc.year
        return day.year

class RecordingCalendar(WorkCalendar):
    """A calendar that notes the years it was asked for and lacks (``WorkCalendar.recording``):
    every such request ends in ``_require`` or ``workday`` (the vectorised WORKDAY asks
    ``workday`` which year is missing)."""

    missed: set[int]

    def _require(self, year: int) -> YearSchedule:
        try:
            return super()._require(year)
        except CalendarError:
            self.missed.add(year)
            raise

    def workday(self, start: dt.date, days: int) -> dt.date:
        try:
            return super().workday(start, days)
        except CalendarError as exc:
            if exc.year is not None:
                self.missed.add(exc.year)
            raise


def _user_files() -> tuple[tuple[str, int], ...]:
    folder = settings.user_calendar_dir()
    if not folder.is_dir():
        return ()
    return tuple((str(f), f.stat().st_mtime_ns) for f in sorted(folder.glob("*.toml")))


@lru_cache(maxsize=1)
def _builtin_calendar() -> WorkCalendar:
    return WorkCalendar(builtin_years())


@lru_cache(maxsize=8)
def _calendar_for(files: tuple[tuple[str, int], ...]) -> WorkCalendar:
    return _builtin_calendar().with_years(load_year_file(path) for path, _ in files)


def default_calendar() -> WorkCalendar:
    """Built-in years plus the user folder's calendar files (re-read when they change)."""
    return _calendar_for(_user_files())
