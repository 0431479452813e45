"""The unit roster (名单): every unit that must report — 单位名称, 统一社会信用代码, 层级 —
and the one definition of a unit's reporting status, which the 收报台's status table,
its roll-up result and ``zhuize rollup --roster`` all use.

    load_roster(path) -> (Roster | None, [RosterProblem])   an .xlsx or .csv with Chinese headers
    roster_from_rows(rows) -> (Roster | None, [RosterProblem])
    save_roster(roster, path)                                as CSV (UTF-8 with BOM, Excel opens it)
    unit_statuses(outcomes, roster) -> [UnitStatus]          已报 / 退回 / 冲突 / 未报, one per unit
    outcomes_of_summary(summary) -> [Outcome]                a roll-up's summary JSON as outcomes

A unit's status for a period, from the outcomes of its submissions:
已报 when one was accepted (the roll-up takes it); else 冲突 when two share a 填报日期;
else 退回 when it sent something and nothing was accepted; 未报 when it sent nothing.

Pure: no Excel writer, no web.  Bad input is data: each ``RosterProblem`` names the row
and column and says in Chinese how to fix it; nothing raises for a user's file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from addin.problems import check_code
from udfs import vocab
from udfs.identity import uscc_problem

HEADERS = ("单位名称", "统一社会信用代码", "层级")
LEVELS = vocab.UNIT_LEVELS
"""层级: the workbook's 单位层级 vocabulary (集团公司、二级企业、三级及以下企业); the roster sorts by it."""
LEVEL_ALIASES = {"集团": LEVELS[0], "集团本部": LEVELS[0], "本部": LEVELS[0], "一级": LEVELS[0], "二级": LEVELS[1],
                 "三级": LEVELS[2], "四级": LEVELS[2], "五级": LEVELS[2], "三级及以下": LEVELS[2],
                 "四级企业": LEVELS[2], "五级企业": LEVELS[2], "三级企业": LEVELS[2]}
"""How HQ may write a level in a roster (集团本部, 二级, 三级 …): read as the vocabulary's."""
MAX_UNITS = 5000
MAX_BYTES = 5 * 1024 * 1024

REPORTED, REJECTED, CONFLICT, MISSING = "已报", "退回", "冲突", "未报"
STATUSES = (REPORTED, REJECTED, CONFLICT, MISSING)
ACCEPTED, REFUSED, CONFLICTING, SUPERSEDED = "accepted", "rejected", "conflict", "superseded"
"""What became of one submission (the roll-up's words)."""


@dataclass(frozen=True)
class RosterUnit:
    name: str
    uscc: str
    level: str = ""


@dataclass(frozen=True)
class RosterProblem:
    row: int
    """The file's row (1 = the header row; 0 for the whole file)."""
    column: str
    message: str
    code: str = "ZZ-ROSTER-FILE"
    """Its entry in the problem-code catalogue (ZZ-ROSTER-…)."""

    def __post_init__(self) -> None:
        check_code(self.code, "error")

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "名单文件"
        return f"{where}{('「' + self.column + '」') if self.column else ''}：{self.message}（{self.code}）"


@dataclass(frozen=True)
class Roster:
    units: tuple[RosterUnit, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.units)

    def unit(self, uscc: str) -> RosterUnit | None:
        return next((u for u in self.units if u.uscc == uscc), None)

    def order(self, uscc: str) -> tuple[int, int]:
        """Where a unit stands: by 层级 (集团本部 first), then as listed; units not listed last."""
        for index, unit in enumerate(self.units):
            if unit.uscc == uscc:
                level = LEVELS.index(unit.level) if unit.level in LEVELS else len(LEVELS)
                return (level, index)
        return (len(LEVELS) + 1, 0)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def roster_from_rows(rows: Iterable[Sequence[Any]]) -> tuple[Roster | None, list[RosterProblem]]:
    """The roster from a header row and data rows; (None, problems) when any row is wrong
    (a roster is taken whole or not at all)."""
    problems: list[RosterProblem] = []
    iterator = iter(rows)
    header = next(iterator, None)
    names = [_cell(v) for v in (header or ())]
    missing = [h for h in HEADERS if h not in names]
    if header is None or missing:
        found = "、".join(n for n in names if n) or "（空）"
        return None, [RosterProblem(1, h, f"缺少列「{h}」；名单第一行应为列名：{'、'.join(HEADERS)}（现为：{found}）",
                                    "ZZ-ROSTER-COLUMN")
                      for h in (missing or HEADERS)]
    where = {h: names.index(h) for h in HEADERS}
    units: list[RosterUnit] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(iterator, start=2):
        values = {h: _cell(row[where[h]]) if where[h] < len(row) else "" for h in HEADERS}
        if not any(values.values()):
            continue
        name, code, level = values["单位名称"], values["统一社会信用代码"].upper(), values["层级"]
        level = LEVEL_ALIASES.get(level, level)
        if not name:
            problems.append(RosterProblem(number, "单位名称", "单位名称未填写", "ZZ-ROSTER-BLANK"))
        if not code:
            problems.append(RosterProblem(number, "统一社会信用代码", "统一社会信用代码未填写", "ZZ-ROSTER-BLANK"))
        else:
            wrong = uscc_problem(code)
            if wrong:
                problems.append(RosterProblem(number, "统一社会信用代码", f"{code}：{wrong}", "ZZ-ROSTER-USCC"))
            elif code in seen:
                problems.append(RosterProblem(number, "统一社会信用代码",
                                              f"{code} 与第 {seen[code]} 行重复；每个单位只列一次",
                                              "ZZ-ROSTER-DUPLICATE"))
            else:
                seen[code] = number
        if level and level not in LEVELS:
            problems.append(RosterProblem(number, "层级", f"层级“{level}”不认识；应为 {'、'.join(LEVELS)} 之一"
                                                          "（也可写 集团本部、二级、三级）", "ZZ-ROSTER-LEVEL"))
        units.append(RosterUnit(name, code, level))
        if len(units) > MAX_UNITS:
            return None, [RosterProblem(0, "", f"名单超过 {MAX_UNITS} 家单位，请确认文件是否正确")]
    if not units and not problems:
        problems.append(RosterProblem(0, "", "名单中没有任何单位；请在列名下逐行填写单位名称、统一社会信用代码、层级"))
    return (None, problems) if problems else (Roster(tuple(units)), [])


def read_roster(data: bytes, name: str) -> tuple[Roster | None, list[RosterProblem]]:
    """A roster from an uploaded file's bytes (``name`` decides .xlsx or .csv)."""
    if len(data) > MAX_BYTES:
        return None, [RosterProblem(0, "", f"名单文件超过 {MAX_BYTES // 1024 // 1024} MB，请确认文件是否正确")]
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            return roster_from_rows(csv.reader(io.StringIO(text)))
        return None, [RosterProblem(0, "", "CSV 文件的编码无法识别；请用 Excel 另存为“CSV UTF-8”后再上传")]
    if suffix == ".xlsx":
        import zipfile

        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError):
            return None, [RosterProblem(0, "", "无法打开这个 .xlsx 文件；请用 Excel 另存为 .xlsx 后再上传")]
        try:
            sheet = book.worksheets[0]
            return roster_from_rows(sheet.iter_rows(values_only=True))
        finally:
            book.close()
    return None, [RosterProblem(0, "", "名单应为 .xlsx 或 .csv 文件（第一行列名：单位名称、统一社会信用代码、层级）")]


def load_roster(path: str | Path) -> tuple[Roster | None, list[RosterProblem]]:
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError:
        return None, [RosterProblem(0, "", f"找不到或无法读取名单文件 {file.name}")]
    return read_roster(data, file.name)


def roster_csv(roster: Roster) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADERS)
    for unit in roster.units:
        writer.writerow((unit.name, unit.uscc, unit.level))
    return out.getvalue()


def save_roster(roster: Roster, path: str | Path) -> Path:
    """Write the roster as CSV (UTF-8 with BOM), replacing the file in one step."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text("\ufeff" + roster_csv(roster), encoding="utf-8")
    temporary.replace(target)
    return target


# -- a unit's status: the one definition ---------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What became of one submission: accepted, rejected, conflict or superseded."""

    uscc: str
    unit: str
    outcome: str
    key: str = ""
    """The submission's sha256 (to match it across the 收报台 and a roll-up)."""


@dataclass
class UnitStatus:
    uscc: str
    unit: str
    status: str
    level: str = ""
    listed: bool = True
    """On the roster (False: reported but not listed; True for every unit when no roster)."""
    outcomes: list[Outcome] = field(default_factory=list)


def status_of(outcomes: Sequence[Outcome]) -> str:
    kinds = {o.outcome for o in outcomes}
    if ACCEPTED in kinds:
        return REPORTED
    if CONFLICTING in kinds:
        return CONFLICT
    return REJECTED if kinds else MISSING


def unit_statuses(outcomes: Iterable[Outcome], roster: Roster | None = None,
                  known: Iterable[tuple[str, str]] = ()) -> list[UnitStatus]:
    """One status per unit: every roster unit, every unit with an outcome, and every
    ``known`` (uscc, name) unit (e.g. the 收报台's accounts); in the roster's order, then
    the others by 统一社会信用代码."""
    roster = roster or Roster()
    units: dict[str, UnitStatus] = {}
    for listed in roster.units:
        units[listed.uscc] = UnitStatus(listed.uscc, listed.name, MISSING, listed.level)
    for uscc, name in known:
        units.setdefault(uscc, UnitStatus(uscc, name, MISSING, listed=not roster))
    for outcome in outcomes:
        entry = units.setdefault(outcome.uscc, UnitStatus(outcome.uscc, outcome.unit, MISSING, listed=not roster))
        entry.outcomes.append(outcome)
        if not entry.unit:
            entry.unit = outcome.unit
    for entry in units.values():
        entry.status = status_of(entry.outcomes)
    return sorted(units.values(), key=lambda u: (roster.order(u.uscc), u.uscc))


def counts(statuses: Iterable[UnitStatus]) -> dict[str, int]:
    found = {status: 0 for status in STATUSES}
    for entry in statuses:
        found[entry.status] += 1
    return found


def outcomes_of_summary(summary: dict[str, Any]) -> list[Outcome]:
    """A roll-up's summary JSON (``consolidate.summary_json``) as outcomes, one per input
    of a unit (a consolidated input's many units count as accepted each)."""
    found: list[Outcome] = []
    for entry in summary.get("accepted", []):
        if entry.get("kind") == "consolidated":
            continue
        found.append(Outcome(str(entry.get("uscc") or ""), str(entry.get("unit") or ""), ACCEPTED,
                             str(entry.get("sha256") or "")))
    for entry in summary.get("rejected", []):
        codes = {e.get("code") for e in entry.get("errors", [])}
        kind = CONFLICTING if "ZZ-ROLLUP-CONFLICT" in codes else REFUSED
        found.append(Outcome(str(entry.get("uscc") or ""), str(entry.get("unit") or ""), kind,
                             str(entry.get("sha256") or "")))
    for entry in summary.get("superseded", []):
        found.append(Outcome(str(entry.get("uscc") or ""), str(entry.get("unit") or ""), SUPERSEDED,
                             str(entry.get("sha256") or "")))
    units = {(o.uscc, o.unit) for o in found if o.outcome == ACCEPTED}
    for entry in summary.get("indicators_by_unit", []):  # a consolidated input's units
        key = (str(entry.get("uscc") or ""), str(entry.get("unit") or ""))
        if key not in units and key[0]:
            found.append(Outcome(key[0], key[1], ACCEPTED))
    return [o for o in found if o.uscc]


def roster_json(statuses: Sequence[UnitStatus]) -> dict[str, Any]:
    """The summary JSON's ``units`` section: each unit's status, and the counts."""
    return {"counts": counts(statuses),
            "units": [{"unit": u.unit, "uscc": u.uscc, "level": u.level, "status": u.status, "listed": u.listed}
                      for u in statuses],
            "not_reported": [{"unit": u.unit, "uscc": u.uscc, "level": u.level}
                             for u in statuses if u.status == MISSING]}
