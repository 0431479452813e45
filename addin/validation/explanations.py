"""情况说明: warnings a filler has answered (the 出错说明 habit of reporting clients).

A row of the sheet 情况说明 names a warning by (工作表, 单元格, 提醒代码) and says why it
stands.  A warning so named is *explained*: it stays in every report, marked 已说明 with
the explanation beside it, and no longer counts as open.  An explanation never touches
an error.  A row that names no warning of this file is itself a warning (stale): the
problem was fixed, the cell moved, or the row names an error, which no explanation clears.

Code: ZZ-WARN-EXPLANATION-STALE (warning).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from addin.problems import Problem
from addin.validation.locate import Locator
from addin.workbook.read import normalise_header
from addin.workbook.schema import EXPLANATIONS

STALE = "ZZ-WARN-EXPLANATION-STALE"
KEY = EXPLANATIONS.key


def _key(sheet: Any, cell: Any, code: Any) -> tuple[str, str, str]:
    return (normalise_header(sheet or ""), str(cell or "").replace("$", "").strip().upper(),
            str(code or "").strip().upper())


def explanation_text(row: Any) -> str:
    """The 说明 with who gave it and when, as the reports show it."""
    text = str(row.text or "").strip()
    who = " ".join(str(v) for v in (row.author, row.date.isoformat() if isinstance(row.date, dt.date) else row.date)
                   if v)
    return f"{text}（{who}）" if who else text


def apply_explanations(submission: Any, problems: list[Problem]) -> list[Problem]:
    """The problems with every explained warning marked, and a warning for each stale row."""
    rows = submission.ledgers.get(KEY, []) if hasattr(submission, "ledgers") else []
    if not rows:
        return problems
    by_key: dict[tuple[str, str, str], Any] = {}
    for row in rows:
        if row.sheet_name is None or row.code is None:
            continue  # reported as required by the cell checks
        by_key.setdefault(_key(row.sheet_name, row.cell, row.code), row)
    used: set[int] = set()
    out: list[Problem] = []
    errors: set[tuple[str, str, str]] = set()
    for problem in problems:
        key = _key(problem.sheet, problem.cell, problem.code)
        row = by_key.get(key)
        if problem.severity == "error":
            errors.add(key)
            out.append(problem)
        elif row is not None and problem.code != STALE:
            used.add(id(row))
            out.append(problem.model_copy(update={"explanation": explanation_text(row)}))
        else:
            out.append(problem)
    out.extend(_stale(submission, rows, by_key, used, errors))
    return out


def _stale(submission: Any, rows: Iterable[Any], by_key: dict[tuple[str, str, str], Any], used: set[int],
           errors: set[tuple[str, str, str]]) -> Iterable[Problem]:
    locate = Locator(submission)
    for row in rows:
        if row.sheet_name is None or row.code is None or id(row) in used:
            continue
        key = _key(row.sheet_name, row.cell, row.code)
        if by_key.get(key) is not row:
            why = "与前面的情况说明重复，请删除本行"
        elif key in errors:
            why = "对应的是错误而不是提醒，情况说明不能使错误通过，请改正该错误后删除本行"
        else:
            why = "本文件已没有这条提醒（问题可能已改正或单元格已移动），请核对后删除或改正本行"
        where = f"「{row.sheet_name}」{row.cell or ''}"
        yield locate.problem(KEY, "code", row, STALE, f"情况说明 {where} {row.code}：{why}", "warning")
