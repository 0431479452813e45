"""Errors of the engine: data with a stable code and a Chinese message.

A user's mistake (a bad argument, a broken profile, a year nobody supplied) is an
``EngineError``; callers show its ``message`` (cells show ``cell_text``), never a
traceback.
"""

from __future__ import annotations


class EngineError(Exception):
    """A problem a user can fix; ``code`` is stable, ``message`` is Chinese."""

    code: str = "ZZ-ENGINE"
    kind: str = "参数错误"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    @property
    def cell_text(self) -> str:
        """What an Excel cell shows, e.g. ``#参数错误: 未知责任类型 '直接'``."""
        return f"#{self.kind}: {self.message}"


class ArgumentError(EngineError):
    code = "ZZ-ARG"
    kind = "参数错误"


class ProfileError(EngineError):
    code = "ZZ-PROFILE"
    kind = "标准错误"


class CalendarError(EngineError):
    code = "ZZ-CALENDAR"
    kind = "日历错误"

    def __init__(self, message: str, code: str | None = None, year: int | None = None) -> None:
        super().__init__(message, code)
        self.year = year
        """The year nobody supplied, where that is the problem."""
