"""Calendar-month arithmetic with Excel's EDATE semantics."""

from __future__ import annotations

import calendar
import datetime as dt


def edate(start: dt.date, months: int) -> dt.date:
    """The same day ``months`` months later, clipped to the month's end (Excel EDATE)."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        from udfs.errors import ArgumentError

        raise ArgumentError(f"日期 {start.isoformat()} 加 {months} 个月超出可计算的范围（公元 1–9999 年），请核对日期和期限")
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(start.day, last))
