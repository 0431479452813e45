"""How results print on one line (``zhuize calc``, the demo)."""

from __future__ import annotations

import datetime as dt


def format_result(value: object) -> str:
    """One line, as ``zhuize calc`` prints: dates ISO, fractions plain, booleans TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)
