"""Problems found in a workbook: data with a location, a stable code and a Chinese message.

The reader reports what it cannot read (a missing sheet or column, a cell whose value
has the wrong type); the validator (later) adds what breaks the rules.  Nothing here
raises: a user's mistake is a ``Problem``, never a traceback.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from udfs.identity import redact_ids

Severity = Literal["error", "warning"]
_set = object.__setattr__


class Problem(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: str
    sheet: str = ""
    cell: str = ""
    """A1-style address such as "D7"; "" for a whole sheet or file."""
    code: str
    message: str
    severity: Severity = "error"
    row: int | None = None
    """1-based row of the record the problem is about (None for a sheet or file)."""
    column: str = ""
    """The header of the column the problem is about ("" when none)."""

    @classmethod
    def quick(cls, file: str, sheet: str, cell: str, code: str, message: str, severity: Severity = "error",
              row: int | None = None, column: str = "") -> "Problem":
        """A problem from values that already have their types (no validation): the
        validator makes thousands of them on a large workbook."""
        problem = cls.__new__(cls)
        message = redact_ids(message)
        _set(problem, "__dict__", {"file": file, "sheet": sheet, "cell": cell, "code": code, "message": message,
                                   "severity": severity, "row": row, "column": column})
        _set(problem, "__pydantic_fields_set__", {"file", "sheet", "cell", "code", "message", "severity", "row",
                                                  "column"})
        _set(problem, "__pydantic_extra__", None)
        _set(problem, "__pydantic_private__", None)
        return problem

    @field_validator("message")
    @classmethod
    def _no_identity_numbers(cls, message: str) -> str:
        """A 身份证号码 (valid or not, in any written form) never appears in a message."""
        return redact_ids(message)

    @property
    def where(self) -> str:
        """「问题线索台账」D7 — for messages and reports."""
        parts = [f"「{self.sheet}」" if self.sheet else self.file]
        if self.cell:
            parts.append(self.cell)
        return "".join(parts)

    @property
    def place(self) -> str:
        """「问题线索台账」D7 inside the file ("" for the file as a whole): for lines that
        have already named the file."""
        return f"「{self.sheet}」{self.cell}" if self.sheet else ""

    def __str__(self) -> str:
        return f"{self.where}：{self.message}（{self.code}）"
