"""Calendar-month arithmetic with Excel's EDATE semantics."""

from __future__ import annotations

import calendar
import datetime as dt


def edate(start: dt.date, months: int) -> dt.date:
    """The same day ``months`` months later, clipped to the month's end (Excel EDATE)."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(start.day, last))
