"""What the letters say about a clue, gathered from one submission and computed by the engine.

The ledgers are joined on 线索编号 (case-insensitively, as the workbook's look-ups do);
loss grades, jurisdiction, deduction ranges, rectification deadlines and results come
from ``addin.workbook.recompute`` (the engine, never the workbook's cached cells), the reporting
deadlines from ``ZZ_REPORT_DEADLINE``.  What a letter cannot be written without is a
``LetterProblem`` naming the clue and the field — data, never an exception.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from udfs import vocab
from addin.plumbing.redact import redact as redact_ids
from udfs.errors import EngineError
from udfs.profile import Profile, get_profile
from udfs.workcalendar import WorkCalendar

from addin.problems import check_code
from addin.documents.wording import Redactor
from addin.workbook.recompute import Recompute, workbook_calendar, workbook_days
from addin.workbook.schema import LOSS_TYPES, STANDARD

RECOMMENDATION = "管理提升建议书"
EVENT_REPORT = "一事一报告"


@dataclass(frozen=True)
class LetterProblem:
    """Why a letter was not written: which file, unit, clue and field, in Chinese."""

    file: str
    unit: str
    clue_id: str | None
    document: str
    """管理提升建议书, 一事一报告, or "" for the whole submission."""
    field: str
    """The schema's field name (ASCII), "" when no single field is at fault."""
    label: str
    """The column header or label as the user sees it (主要问题, 受理日期, …)."""
    message: str
    sheet: str = ""
    row: int | None = None
    code: str = "ZZ-LETTER"

    def __post_init__(self) -> None:  # a 身份证号码 (in any written form) is never repeated in a message
        check_code(self.code)
        object.__setattr__(self, "message", redact_ids(self.message))

    @property
    def where(self) -> str:
        parts = [Path(self.file).name if self.file else ""]
        if self.sheet:
            parts.append(f"「{self.sheet}」")
        if self.row:
            parts.append(f"第{self.row}行")
        return "".join(parts)

    def __str__(self) -> str:
        where = self.where
        return f"{where}：{self.message}" if where else self.message


def clue_key(text: str | None) -> str | None:
    """Look-ups by 线索编号 ignore case and surrounding spaces (as MATCH and COUNTIF do)."""
    return None if text is None else text.strip().casefold()


def is_error(value: object) -> bool:
    """A computed value that is the engine's error text (#参数错误: …)."""
    return isinstance(value, str) and value.startswith("#")


@dataclass
class Person:
    record: Any
    computed: Mapping[str, Any]


@dataclass
class Finding:
    record: Any
    computed: Mapping[str, Any]


@dataclass
class ClueCase:
    """One clue with its rows from every ledger and its computed values."""

    clue: Any
    computed: Mapping[str, Any]
    losses: list[Any] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    recommendations: list[Any] = field(default_factory=list)

    @property
    def clue_id(self) -> str:
        return self.clue.clue_id or ""

    @property
    def grade(self) -> Any:
        """一般 / 较大 / 重大 / 未认定, the engine's error text, or None."""
        return self.computed.get("loss_grade")

    @property
    def needs_event_report(self) -> bool:
        return self.computed.get("event_report_required") == vocab.YES

    @property
    def jurisdiction(self) -> str | None:
        value = self.computed.get("jurisdiction")
        return None if value is None or is_error(value) else str(value)

    @property
    def total_loss(self) -> float:
        return round(math.fsum(r.loss_amount for r in self.losses if r.loss_amount is not None), 4)

    @property
    def recovered(self) -> float:
        return round(math.fsum(r.recovered_amount for r in self.losses if r.recovered_amount is not None), 4)

    def loss_by_type(self) -> list[tuple[str, float]]:
        """(损失类型, sum) in the standard's order, types present only."""
        sums: dict[str, list[float]] = {}
        for row in self.losses:
            if row.loss_type is not None and row.loss_amount is not None:
                sums.setdefault(row.loss_type, []).append(row.loss_amount)
        order = {name: i for i, name in enumerate(LOSS_TYPES)}
        return [(name, round(math.fsum(values), 4)) for name, values in
                sorted(sums.items(), key=lambda item: order.get(item[0], len(order)))]

    @property
    def graded_on_estimate(self) -> bool:
        return not self.losses and self.clue.estimated_loss is not None

    def known_on(self, day: dt.date) -> "ClueCase":
        """This clue as it stood on ``day``: the rows dated after it (资产损失认定 by 认定日期,
        处理决定 by 处理决定日期, 审计整改 by 下达日期, 建议书 by 出具日期) left out, so a
        document dated ``day`` never tells of what happened later."""
        def on(value: Any) -> bool:
            return not isinstance(value, dt.date) or value <= day

        return ClueCase(
            clue=self.clue, computed=self.computed,
            losses=[r for r in self.losses if on(r.assessed_date)],
            people=[p for p in self.people if on(p.record.decision_date)],
            findings=[f for f in self.findings if on(f.record.issued_date)],
            recommendations=[r for r in self.recommendations if on(r.issued_date)],
        )


@dataclass(frozen=True)
class LetterOptions:
    """What the command line adds to the ledgers' facts (all optional)."""

    date: dt.date | None = None
    """The 一事一报告's 成文日期 (default: the day it is generated)."""
    report_to: str | None = None
    """主送单位 of the 一事一报告 (default: the 上级单位名称, else a highlighted placeholder)."""
    doc_number: str | None = None
    """发文字号 (one document only)."""
    signer: str | None = None
    """签发人 of an upward document (default: the identity's 单位负责人 when the identity is the issuer's)."""
    copies_to: str | None = None
    """抄送 (版记)."""
    identity: Any = None
    """The reporting unit's ``addin.returns.identity.UnitIdentity`` (or None)."""
    feedback_days: int = 30
    """A 管理提升建议书 asks for written feedback within this many days of its date."""

    def day(self) -> dt.date:
        return self.date or dt.date.today()

    def own(self, issuer: str | None) -> Any:
        """The identity when it is the issuer's own (same name), else None."""
        identity = self.identity
        if identity is None or not issuer or not getattr(identity, "name", ""):
            return None
        return identity if "".join(identity.name.split()) == "".join(issuer.split()) else None

    def signer_for(self, issuer: str | None) -> str | None:
        if self.signer and self.signer.strip():
            return self.signer.strip()
        own = self.own(issuer)
        return own.head if own is not None and own.head else None


class SubmissionFacts:
    """One submission's clues, ready for the letters."""

    def __init__(self, submission: Any, calendar: WorkCalendar | None = None) -> None:
        self.file: str = str(getattr(submission, "file", "") or "")
        self.info: Any = submission.info
        ledgers = {sheet.key: list(_rows(submission, sheet.key)) for sheet in STANDARD.ledgers}
        self.ledgers = ledgers
        self.unit: str = (self.info.unit_name or "").strip() or (Path(self.file).stem if self.file else "未知单位")
        self.problems: list[LetterProblem] = []
        self._read_problems = _reader_problems(submission)
        if calendar is None:
            calendar = workbook_calendar(workbook_days(submission))
        self.recompute = Recompute(self.info, ledgers, calendar)
        self.profile: Profile | None = self._profile()
        self.redact = Redactor(
            [r.id_number for r in ledgers.get("accountability", [])] + [r.id_number for r in ledgers.get("bans", [])]
        )
        self.cases: dict[str, ClueCase] = {}
        if self.issuer is None:
            label = STANDARD.record.column("unit_name").header
            self.problems.append(self.problem(
                None, "", "unit_name", label,
                f"「{STANDARD.record.name}」未填写“{label}”（文书的发文机关署名），未生成任何文书",
                sheet=STANDARD.record.name, row=getattr(self.info, "rows", {}).get("unit_name"),
                code="ZZ-LETTER-MISSING",
            ))
        if self.profile is not None:
            self._join()

    @property
    def blocked(self) -> bool:
        """No letter can be written: the profile or the issuer is missing."""
        return self.profile is None or self.issuer is None

    # -- set-up ----------------------------------------------------------------------------

    def _profile(self) -> Profile | None:
        key = (self.info.profile or "").strip() if isinstance(self.info.profile, str) else ""
        label = STANDARD.record.column("profile").header
        if not key:
            self.problems.append(self.problem(
                None, "", "profile", label,
                f"「{STANDARD.record.name}」未填写“{label}”，无法确定损失等级和报告时限，未生成任何文书",
                code="ZZ-LETTER-MISSING",
                sheet=STANDARD.record.name, row=getattr(self.info, "rows", {}).get("profile"),
            ))
            return None
        try:
            return get_profile(key)
        except EngineError as exc:
            self.problems.append(self.problem(None, "", "profile", label, f"{exc.message}，未生成任何文书",
                                              sheet=STANDARD.record.name))
            return None

    def _join(self) -> None:
        computed_clues = self.recompute.clues()
        for clue, values in zip(self.ledgers["clues"], computed_clues):
            key = clue_key(clue.clue_id)
            if key is None or key in self.cases:
                continue  # the validator reports blank and repeated 线索编号
            self.cases[key] = ClueCase(clue=clue, computed=values)
        for row in self.ledgers["losses"]:
            case = self.cases.get(clue_key(row.clue_id) or "")
            if case is not None:
                case.losses.append(row)
        for row, values in zip(self.ledgers["accountability"], self.recompute.accountability(computed_clues)):
            case = self.cases.get(clue_key(row.clue_id) or "")
            if case is not None:
                case.people.append(Person(row, values))
        for row, values in zip(self.ledgers["rectification"], self.recompute.rectification()):
            case = self.cases.get(clue_key(row.clue_id) or "")
            if case is not None:
                case.findings.append(Finding(row, values))
        for row in self.ledgers["recommendations"]:
            case = self.cases.get(clue_key(row.clue_id) or "")
            if case is not None:
                case.recommendations.append(row)

    # -- helpers for the letters ----------------------------------------------------------

    def case(self, clue_id: str | None) -> ClueCase | None:
        return self.cases.get(clue_key(clue_id) or "")

    def problem(self, clue_id: str | None, document: str, field_name: str, label: str, message: str,
                sheet: str = "", row: int | None = None, code: str = "ZZ-LETTER") -> LetterProblem:
        extra = self._read_problems.get((sheet, row)) if sheet and row else None
        if extra:
            message = f"{message}（读取时发现：{'；'.join(extra)}）"
        return LetterProblem(file=self.file, unit=self.unit, clue_id=clue_id, document=document,
                             field=field_name, label=label, message=message, sheet=sheet, row=row, code=code)

    def missing(self, record: Any, fields: Sequence[str], clue_id: str | None, document: str,
                sheet_key: str) -> list[LetterProblem]:
        """A problem for each of ``fields`` that is blank in ``record``."""
        sheet = STANDARD.sheet(sheet_key)
        problems = []
        for name in fields:
            value = getattr(record, name, None)
            if value is None or (isinstance(value, str) and not value.strip()):
                label = sheet.column(name).header
                where = _row_text(sheet.name, record)
                who = f"线索 {clue_id} 的" if clue_id else ""
                problems.append(self.problem(
                    clue_id, document, name, label,
                    f"{who}{document}未生成：{where}未填写“{label}”",
                    sheet=sheet.name, row=getattr(getattr(record, "origin", None), "row", None),
                    code="ZZ-LETTER-MISSING",
                ))
        return problems

    def report_deadlines(self, received: dt.date, grade: Any = None,
                         consequence: Any = None) -> dict[str, dt.date | str | None]:
        """快报 / 实时报告 / 初核报告 → the last day (ZZ_REPORT_DEADLINE), the engine's error
        text, or None where the clue (given its grade) is outside the real-time scope (116号)."""
        args = () if grade is None else (self.profile_key, grade, consequence)
        return {kind: self.recompute.call("ZZ_REPORT_DEADLINE", received, kind, *args) for kind in vocab.REPORT_KINDS}

    def deduction_range(self, grade: str, responsibility: str, item: str) -> str | None:
        value = self.recompute.call("ZZ_DEDUCTION_RANGE", grade, responsibility, self.profile_key, item)
        return None if value is None or is_error(value) else str(value)

    @property
    def profile_key(self) -> str:
        return self.profile.key if self.profile is not None else ""

    @property
    def issuer(self) -> str | None:
        name = self.info.unit_name
        return name.strip() if isinstance(name, str) and name.strip() else None

    @property
    def superior(self) -> str | None:
        """上级单位名称 (standard version 2): the addressee of what is reported upward."""
        name = getattr(self.info, "parent_name", None)
        return name.strip() if isinstance(name, str) and name.strip() else None


def _row_text(sheet_name: str, record: Any) -> str:
    row = getattr(getattr(record, "origin", None), "row", None)
    return f"「{sheet_name}」第{row}行" if row else f"「{sheet_name}」"


def _rows(submission: Any, key: str) -> Iterable[Any]:
    """A sheet's records from a ``Submission`` (``rows(key)``), a mapping or attributes."""
    rows = getattr(submission, "rows", None)
    if callable(rows):
        return rows(key)
    ledgers = getattr(submission, "ledgers", None)
    if isinstance(ledgers, Mapping):
        return ledgers.get(key, [])
    return getattr(submission, key, []) or []


_CELL_ROW = re.compile(r"(\d+)$")


def _reader_problems(submission: Any) -> dict[tuple[str, int], list[str]]:
    """The reader's messages by (sheet, row), to explain a field the letters find blank."""
    found: dict[tuple[str, int], list[str]] = {}
    for problem in getattr(submission, "problems", []) or []:
        cell = getattr(problem, "cell", "") or ""
        match = _CELL_ROW.search(cell)
        if match and getattr(problem, "sheet", ""):
            found.setdefault((problem.sheet, int(match.group(1))), []).append(problem.message)
    return found
