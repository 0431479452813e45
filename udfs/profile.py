"""Rule profiles (适用标准): loss thresholds, handling table, periods, deadlines — as data.

A profile is a TOML file (see ``profiles/*.toml``); every entry names its source and
whether it was checked against the official text.  ``load_profile`` validates a file
and says precisely what is wrong, in Chinese; ``get_profile`` finds one by key (built-in
or in the user folder) or by path.
"""

from __future__ import annotations

import stat

import datetime as dt
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from udfs import settings, vocab
from udfs.errors import ProfileError

BUILTIN_DIR = Path(__file__).with_name("profiles")

Grade = Literal["一般", "较大", "重大"]
Responsibility = Literal["直接责任", "主管责任", "领导责任"]
Measure = Literal[
    "批评教育", "责令书面检查", "通报批评", "诫勉", "停职",
    "调离工作岗位", "降职", "改任非领导职务", "责令辞职", "免职",
    "停职检查", "调整职务",
]
Body = Literal["本企业", "上级企业", "出资人机构"]
UnitLevel = Literal["集团公司", "二级企业", "三级及以下企业"]
ConsequenceChoice = Literal["无", "一般", "较大", "重大"]
BanTerm = Annotated[str, Field(pattern=r"^([1-9][0-9]?年|终身)$")]
Fraction = Annotated[float, Field(ge=0, le=1)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(_Entry):
    source: str = Field(min_length=1)
    checked: bool


class LossLevel(Sourced):
    """The lower bound of one grade above the base grade."""

    grade: Grade
    amount_from: Annotated[float, Field(ge=0)]
    amount_inclusive: bool = True
    share_from: Annotated[float, Field(gt=0, le=1)] | None = None
    share_inclusive: bool = True


class LossGrading(Sourced):
    text: str
    levels: list[LossLevel] = Field(min_length=1)

    @model_validator(mode="after")
    def _monotone(self) -> "LossGrading":
        names = [level.grade for level in self.levels]
        expected = list(vocab.GRADES[1 : 1 + len(names)])
        if names != expected:
            raise ValueError(f"等级应依次为 {'、'.join(expected)}，实际为 {'、'.join(names)}")
        for lower, upper in zip(self.levels, self.levels[1:]):
            if upper.amount_from <= lower.amount_from:
                raise ValueError(
                    f"金额标准应逐级递增：{upper.grade} 的 amount_from = {upper.amount_from:g}"
                    f" 不大于 {lower.grade} 的 {lower.amount_from:g}"
                )
            if (lower.share_from is None) != (upper.share_from is None):
                raise ValueError("占资产比例标准要么各等级都设，要么都不设")
            if lower.share_from is not None and upper.share_from is not None:
                if upper.share_from <= lower.share_from:
                    raise ValueError(
                        f"比例标准应逐级递增：{upper.grade} 的 share_from = {upper.share_from:g}"
                        f" 不大于 {lower.grade} 的 {lower.share_from:g}"
                    )
        return self


class Range(_Entry):
    """A deduction range as fractions; 以上 = inclusive bound, 以下 = exclusive bound."""

    min: Fraction
    max: Fraction
    min_inclusive: bool = True
    max_inclusive: bool = True
    text: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> "Range":
        if self.min > self.max:
            raise ValueError(f"下限 {self.min:g} 大于上限 {self.max:g}")
        if self.min == self.max and not (self.min_inclusive and self.max_inclusive):
            raise ValueError("上下限相同时两端都必须包含本数")
        return self

    def contains(self, ratio: float) -> bool:
        above = ratio >= self.min if self.min_inclusive else ratio > self.min
        below = ratio <= self.max if self.max_inclusive else ratio < self.max
        return above and below


class Handling(Sourced):
    grade: Grade
    responsibilities: list[Responsibility] = Field(min_length=1)
    measures: list[Measure]
    ban_allowed: bool
    performance_pay: Range | None = None
    term_incentive: Range | None = None
    defer_performance_pay: bool = False
    lti: list[str] = Field(default_factory=list)
    lti_source: str = ""
    """Where the LTI consequences were read, when not where the rest of the entry was."""
    lti_checked: bool | None = None
    """Whether the LTI consequences were checked (None: as ``checked``)."""

    @property
    def lti_is_checked(self) -> bool:
        return self.checked if self.lti_checked is None else self.lti_checked


class Influence(Sourced):
    measure: Measure
    months: Annotated[int, Field(gt=0, le=240)]
    no_post_months: Annotated[int, Field(gt=0, le=240)] | None = None
    text: str


class Jurisdiction(Sourced):
    grade: Grade
    body: Body
    group_body: Body


class Deadline(Sourced):
    workdays: Annotated[int, Field(gt=0, le=1000)] | None = None
    months: Annotated[int, Field(gt=0, le=120)] | None = None
    extension_max_workdays: Annotated[int, Field(gt=0, le=1000)] | None = None
    extension_max_months: Annotated[int, Field(gt=0, le=120)] | None = None
    """At most how many months one approved extension may add to the period (62号 Art. 29: 3)."""
    extensible: bool = False
    """The period may be extended (how far is in ``extension_max_workdays`` / ``_months`` or the text)."""
    text: str

    @model_validator(mode="after")
    def _one_unit(self) -> "Deadline":
        if (self.workdays is None) == (self.months is None):
            raise ValueError("期限应写 workdays（工作日）或 months（月）二者之一")
        return self


class Appeal(Deadline):
    """申诉: the period after a decision, and whether an appeal stops its execution."""

    suspends_execution: bool = False


class Deadlines(_Entry):
    initial_check: Deadline
    rectify: Deadline
    flash_report: Deadline | None = None
    full_report: Deadline | None = None
    initial_report: Deadline | None = None
    investigation: Deadline | None = None
    """核查/调查 from its filing (立项); Order 46 Art. 75: 6 months, extensible."""
    appeal: Appeal | None = None
    """申诉 after the decision; Order 46 Art. 78: one month, no stay of execution."""
    review: Deadline | None = None
    """复核 of an appeal; Order 46 Art. 80: 30 working days."""


class GradeList(Sourced):
    """一事一报告: the loss grades (and, where the profile grades them, the consequence
    grades) that call for a report; either list suffices."""

    grades: list[Grade]
    consequence_grades: list[Grade] = Field(default_factory=list)
    text: str = ""


class RealTimeScope(Sourced):
    """实时报告范围 (116号 二): the clues whose 快报 / 实时报告 / 初核报告 day counts run —
    a loss grade alone (``loss_grades``: 重大), or a loss grade with a consequence grade that
    stands for 严重不良后果 (``serious_loss_grades`` × ``serious_consequence_grades``: 较大 ×
    重大; needs [consequence])."""

    loss_grades: list[Grade] = Field(min_length=1)
    serious_loss_grades: list[Grade] = Field(default_factory=list)
    serious_consequence_grades: list[Grade] = Field(default_factory=list)
    text: str = Field(min_length=1)


class BanRule(Sourced):
    """禁入限制: any whole number of years from ``min_years`` (N年), and 终身 where allowed.
    ``terms`` are the common ones a drop-down lists."""

    terms: list[BanTerm] = Field(min_length=1)
    min_years: Annotated[int, Field(gt=0, le=99)] = 5
    life: bool = True

    @model_validator(mode="after")
    def _terms_allowed(self) -> "BanRule":
        for term in self.terms:
            if term == "终身":
                if not self.life:
                    raise ValueError("terms 含“终身”，但 life = false")
            elif int(term.rstrip("年")) < self.min_years:
                raise ValueError(f"terms 含“{term}”，少于最短期限 {self.min_years} 年")
        return self


class ConsequenceLevel(Sourced):
    """One grade of other adverse consequences (其他不良后果) and its criteria."""

    grade: Grade
    criteria: str = Field(min_length=1)


class CaseGradeHandling(Sourced):
    """责任认定与处理 keyed on the case grade: a person is handled (measures, deduction
    ranges, 中长期激励, 禁入限制) at the higher of the clue's loss grade and its
    consequence grade, not at the loss grade alone.  An entry of its own, so that whether
    this reading was checked against the official text is data (Order 46: [FRAG])."""

    text: str = Field(min_length=1)


class ConsequenceGrading(Sourced):
    """其他不良后果的等级 (Order 46): graded beside losses.  Jurisdiction and 一事一报告 look at
    both grades; where ``handling`` is given, people are handled at the higher of the two."""

    text: str
    levels: list[ConsequenceLevel] = Field(min_length=1)
    handling: CaseGradeHandling | None = None
    """Handling at the case grade; without it, people are handled at the loss grade."""
    jurisdiction_case_grade: bool = True
    """The jurisdiction table (``jurisdiction``) looks at the case grade (the higher of the
    loss and the consequence grade); false: at the loss grade only, the consequence grade
    counting only where a ``jurisdiction_rules`` entry names it (yibin-2020: Art. 36(二)
    names only 产生严重不良后果的较大资产损失)."""

    @model_validator(mode="after")
    def _ordered(self) -> "ConsequenceGrading":
        names = [level.grade for level in self.levels]
        if names != list(vocab.GRADES):
            raise ValueError(f"不良后果等级应依次为 {'、'.join(vocab.GRADES)}，实际为 {'、'.join(names)}")
        return self


class JurisdictionRule(Sourced):
    """A jurisdiction rule keyed on the unit's level, the loss grade, the consequence grade
    and whether an enterprise head is involved.  Every condition given must hold (an empty
    list or an omitted flag is no condition); the first rule that matches decides, and
    the grade table (``jurisdiction``) answers what no rule matches."""

    unit_levels: list[UnitLevel] = Field(default_factory=list)
    loss_grades: list[Grade] = Field(default_factory=list)
    consequence_grades: list[ConsequenceChoice] = Field(default_factory=list)
    involves_head: bool | None = None
    body: Body
    text: str = ""

    def matches(self, level: str | None, loss: str | None, consequence: str | None, head: bool) -> bool:
        if self.unit_levels and level not in self.unit_levels:
            return False
        if self.loss_grades and loss not in self.loss_grades:
            return False
        if self.consequence_grades and (consequence or vocab.MEASURE_NONE) not in self.consequence_grades:
            return False
        return self.involves_head is None or self.involves_head == head


class Note(Sourced):
    """A rule the engine does not compute but a profile states (处理方式, 听取意见 …)."""

    topic: str = Field(min_length=1)
    text: str = Field(min_length=1)
    items: list[str] = Field(default_factory=list)


class Sanction(Sourced):
    """A kind of discipline sanction (纪律处分: 政务处分 or 党纪处分) and, where the source
    sets one, its influence period: with a sanction as well as a measure, the longer period
    applies (宜宾办法 第三十条: 同时受到纪律处分的，按照影响期长的规定执行)."""

    kind: str = Field(min_length=1, max_length=20)
    months: Annotated[int, Field(gt=0, le=240)] | None = None
    """The influence period in months (None: the source sets none the tool applies, e.g. 开除)."""
    text: str = ""


class ExemptSituation(Sourced):
    """One situation of the 尽职合规免责事项清单 (SASAC 2021: 研究制定尽职合规免责事项清单)."""

    situation: str = Field(min_length=2, max_length=40)
    text: str = ""


class Numbering(Sourced):
    """统一分类编号: the group's pattern for one number per clue (seed 002: 统一登记入账、统一分类编号).
    Placeholders: {unit} (the unit's code), {year} (the year the clue was received),
    {category} (the category code of 违规情形类别), {seq} (the sequence within unit, year
    and category; a format such as {seq:04d})."""

    pattern: str = Field(min_length=1, max_length=80)
    categories: dict[str, str] = Field(default_factory=dict)
    """违规情形类别 → its code in the number (a category not listed: its own text)."""
    text: str = ""

    @model_validator(mode="after")
    def _placeholders(self) -> "Numbering":
        import string
        names = {name for _, name, _, _ in string.Formatter().parse(self.pattern) if name is not None}
        unknown = names - {"unit", "year", "category", "seq"}
        if unknown:
            raise ValueError(f"编号规则只能用 {{unit}}、{{year}}、{{category}}、{{seq}}，不认识：{'、'.join(sorted(unknown))}")
        if "seq" not in names:
            raise ValueError("编号规则必须含顺序号 {seq}")
        return self

    @property
    def regex(self) -> "re.Pattern[str]":
        """What a number made by the pattern looks like: the unit code and category as any
        run of letters, digits and Chinese, the year as four digits, the sequence as digits
        (at least the pattern's width)."""
        import string
        parts: list[str] = []
        for literal, name, spec, _ in string.Formatter().parse(self.pattern):
            parts.append(re.escape(literal))
            if name is None:
                continue
            if name == "year":
                parts.append(r"\d{4}")
            elif name == "seq":
                width = re.search(r"0?(\d+)d", spec or "")
                parts.append(rf"\d{{{int(width.group(1))},}}" if width else r"\d+")
            else:
                parts.append(r"[0-9A-Za-z\u4e00-\u9fff]+")
        return re.compile("^" + "".join(parts) + "$")


class Exemption(Sourced):
    """尽职合规免责: when accountability is waived, and the grades that rule it out."""

    text: str = Field(min_length=1)
    excluded_grades: list[Grade] = Field(default_factory=lambda: ["重大"])


class Profile(_Entry):
    key: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    title: str
    effective: dt.date
    description: str = ""
    loss_grade: LossGrading
    handling: list[Handling]
    influence: list[Influence]
    jurisdiction: list[Jurisdiction]
    deadlines: Deadlines
    one_event_report: GradeList
    real_time_report: RealTimeScope | None = None
    """Where the real-time report deadlines run (None: for every 需一事一报告 clue)."""
    ban: BanRule
    consequence: ConsequenceGrading | None = None
    """Profiles without it grade losses only and ignore a consequence grade."""
    jurisdiction_rules: list[JurisdictionRule] = Field(default_factory=list)
    exemption: Exemption | None = None
    exemptions: list[ExemptSituation] = Field(default_factory=list)
    """The 免责清单: the exempt situations (免责情形's drop-down; standard 2.1)."""
    sanctions: list[Sanction] = Field(default_factory=list)
    """The discipline sanctions (纪律处分's drop-down) and their influence periods (2.1)."""
    numbering: Numbering | None = None
    """统一分类编号 (2.1); a unit's config may set its own (``[numbering]`` in config.toml)."""
    notes: list[Note] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> "Profile":
        seen: dict[tuple[str, str], int] = {}
        for index, entry in enumerate(self.handling, start=1):
            for responsibility in entry.responsibilities:
                cell = (entry.grade, responsibility)
                if cell in seen:
                    raise ValueError(
                        f"handling 第{index}项与第{seen[cell]}项重复规定了 {entry.grade}×{responsibility}"
                    )
                seen[cell] = index
        missing = [f"{g}×{r}" for g in vocab.GRADES for r in vocab.RESPONSIBILITIES if (g, r) not in seen]
        if missing:
            raise ValueError(f"handling 缺少 {'、'.join(missing)} 的处理规定")
        for attr, key in (("sanctions", "kind"), ("exemptions", "situation")):
            values = [getattr(entry, key) for entry in getattr(self, attr)]
            doubled = {v for v in values if values.count(v) > 1}
            if doubled or vocab.MEASURE_NONE in values:
                raise ValueError(f"{attr} 重复或含“无”：{'、'.join(sorted(doubled)) or vocab.MEASURE_NONE}")
        measures = [entry.measure for entry in self.influence]
        duplicated = {m for m in measures if measures.count(m) > 1}
        if duplicated:
            raise ValueError(f"influence 重复规定了 {'、'.join(sorted(duplicated))} 的影响期")
        grades = [entry.grade for entry in self.jurisdiction]
        if sorted(grades, key=vocab.GRADES.index) != list(vocab.GRADES):
            raise ValueError("jurisdiction 应对 一般、较大、重大 各规定一项")
        if self.consequence is None:
            if self.one_event_report.consequence_grades:
                raise ValueError("one_event_report.consequence_grades 需要先在 [consequence] 中规定不良后果等级")
            for index, rule in enumerate(self.jurisdiction_rules, start=1):
                if [g for g in rule.consequence_grades if g != vocab.MEASURE_NONE]:
                    raise ValueError(f"jurisdiction_rules 第{index}项按不良后果等级区分，需要先在 [consequence] 中规定不良后果等级")
        return self

    _handling_index: dict[tuple[str, str], Handling] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: object, /) -> None:
        self._handling_index.update(
            {(h.grade, r): h for h in self.handling for r in h.responsibilities}
        )

    # -- lookups used by the rules -------------------------------------------------
    def handling_for(self, grade: str, responsibility: str) -> Handling:
        # the private attribute read without pydantic's __getattr__ (once per person and check)
        return self.__pydantic_private__["_handling_index"][(grade, responsibility)]  # type: ignore[index]

    def influence_for(self, measure: str) -> Influence | None:
        for entry in self.influence:
            if entry.measure == measure:
                return entry
        return None

    def sanction_for(self, kind: str) -> Sanction | None:
        for entry in self.sanctions:
            if entry.kind == kind:
                return entry
        return None

    @property
    def sanction_kinds(self) -> tuple[str, ...]:
        """纪律处分's drop-down: 无 and the profile's kinds."""
        return (vocab.MEASURE_NONE,) + tuple(e.kind for e in self.sanctions)

    @property
    def exempt_situations(self) -> tuple[str, ...]:
        """免责情形's drop-down: the profile's 免责清单."""
        return tuple(e.situation for e in self.exemptions)

    def exempt_situation(self, situation: str) -> ExemptSituation | None:
        return next((e for e in self.exemptions if e.situation == situation), None)

    def jurisdiction_for(self, grade: str) -> Jurisdiction:
        for entry in self.jurisdiction:
            if entry.grade == grade:
                return entry
        raise KeyError(grade)  # unreachable: _complete checks every grade

    # -- typed accessors for the workbook standard (v2) ---------------------------------
    @property
    def has_consequence_rules(self) -> bool:
        """Does the profile grade other adverse consequences (其他不良后果)?"""
        return self.consequence is not None

    @property
    def case_grade_handling(self) -> CaseGradeHandling | None:
        """The entry that keys handling on the case grade (None: on the loss grade)."""
        return self.consequence.handling if self.consequence is not None else None

    @property
    def consequence_levels(self) -> tuple[ConsequenceLevel, ...]:
        """The consequence grades with their criteria (empty without consequence rules)."""
        return tuple(self.consequence.levels) if self.consequence is not None else ()

    def consequence_criteria(self, grade: str) -> str | None:
        for level in self.consequence_levels:
            if level.grade == grade:
                return level.criteria
        return None

    @property
    def flash_report_workdays(self) -> int | None:
        """快报: working days after discovery (None where the profile sets none)."""
        return _workdays(self.deadlines.flash_report)

    @property
    def full_report_workdays(self) -> int | None:
        """实时报告 (116号; called 全面报告 before): working days after discovery (None where none)."""
        return _workdays(self.deadlines.full_report)

    @property
    def initial_check_extension_max_workdays(self) -> int | None:
        """How many working days the initial check may be extended at most: the initial
        check's own limit, else the real-time initial report's (None where neither)."""
        for rule in (self.deadlines.initial_check, self.deadlines.initial_report):
            if rule is not None and rule.extension_max_workdays is not None:
                return rule.extension_max_workdays
        return None

    @property
    def investigation_months(self) -> int | None:
        """核查 period in months from filing (Order 46 Art. 75: 6); None where none."""
        rule = self.deadlines.investigation
        return None if rule is None else rule.months

    @property
    def appeal_months(self) -> int | None:
        """申诉 period in months after the decision (Order 46 Art. 78: 1)."""
        rule = self.deadlines.appeal
        return None if rule is None else rule.months

    @property
    def appeal_suspends_execution(self) -> bool:
        """Does an appeal stop the decision's execution? (Order 46 Art. 78: no)."""
        rule = self.deadlines.appeal
        return bool(rule is not None and rule.suspends_execution)

    @property
    def review_workdays(self) -> int | None:
        """复核 of an appeal in working days (Order 46 Art. 80: 30)."""
        return _workdays(self.deadlines.review)

    def note(self, topic: str) -> Note | None:
        return next((n for n in self.notes if n.topic == topic), None)

    @property
    def handling_kinds(self) -> tuple[str, ...]:
        """The kinds of handling the rule names (Order 46: six), from the note 处理方式."""
        found = self.note("处理方式")
        return tuple(found.items) if found is not None else ()

    @property
    def exemption_excluded_grades(self) -> tuple[str, ...]:
        """Loss or consequence grades that rule 尽职合规免责 out (empty: no exemption rule)."""
        return tuple(self.exemption.excluded_grades) if self.exemption is not None else ()


def _workdays(rule: Deadline | None) -> int | None:
    return None if rule is None else rule.workdays


_FIELD_NAMES = {
    "missing": "缺少此项",
    "extra_forbidden": "不认识的项（拼写错误？）",
    "literal_error": "取值不在允许的范围内",
    "less_than_equal": "超出允许的最大值",
    "greater_than_equal": "小于允许的最小值",
    "greater_than": "应大于下限",
    "less_than": "应小于上限",
    "bool_type": "应为 true 或 false",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "string_type": "应为文本",
    "list_type": "应为列表 [...]",
    "too_short": "至少应有一项",
    "date_type": "应为日期（如 2026-01-01）",
    "string_pattern_mismatch": "只能用字母、数字、点、横线和下划线",
}


def _describe(error: dict) -> str:
    parts: list[str] = []
    for item in error["loc"]:
        if isinstance(item, int):
            parts.append(f"第{item + 1}项")
        else:
            parts.append(str(item))
    where = ".".join(parts) or "文件"
    kind = error["type"]
    if kind == "value_error":
        detail = str(error.get("ctx", {}).get("error", error["msg"]))
    else:
        detail = _FIELD_NAMES.get(kind, error["msg"])
        if "input" in error and kind not in ("missing",) and not isinstance(error["input"], (dict, list)):
            detail += f"（现为 {error['input']!r}）"
        if kind == "string_pattern_mismatch" and "terms" in parts:
            detail = f"应写成“N年”（N 为整数）或“终身”（现为 {error.get('input')!r}）"
        if kind == "literal_error":
            detail += f"，可选：{error.get('ctx', {}).get('expected', '')}"
    return f"{where}：{detail}"


def parse_profile(text: str, origin: str) -> Profile:
    """Parse and validate a profile's TOML text; ``origin`` names it in messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"适用标准文件 {origin} 格式错误：{exc}") from None
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        lines = [_describe(error) for error in exc.errors()]
        raise ProfileError(f"适用标准文件 {origin} 有误：" + "；".join(lines)) from None


@lru_cache(maxsize=32)
def _load_cached(path: str, mtime_ns: int) -> Profile:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"无法读取适用标准文件 {file}：{exc}") from None
    profile = parse_profile(text, str(file))
    return profile


def load_profile(path: str | Path) -> Profile:
    file = Path(path)
    try:
        info = file.stat()
    except OSError:
        raise ProfileError(f"找不到适用标准文件 {file}") from None
    if not stat.S_ISREG(info.st_mode):  # /dev/zero, a FIFO, a folder: never opened
        raise ProfileError(f"{file} 不是普通文件（是设备、管道或文件夹）：请给出适用标准的 .toml 文件")
    if info.st_size > MAX_PROFILE_BYTES:
        raise ProfileError(f"{file} 有 {info.st_size:,} 字节，不像适用标准文件（应小于 {MAX_PROFILE_BYTES // 1024} KB）："
                           f"请确认给出的是 .toml 标准文件")
    return _load_cached(str(file.resolve()), info.st_mtime_ns)


MAX_PROFILE_BYTES = 2 * 1024 * 1024
"""A profile is a few dozen KB of TOML; anything far larger is not one (and is not read)."""


def available_profiles() -> dict[str, Path]:
    """Profile key → file; the user folder's files win over built-in ones of the same key."""
    found: dict[str, Path] = {}
    for folder in (BUILTIN_DIR, settings.user_profiles_dir()):
        if folder.is_dir():
            for file in sorted(folder.glob("*.toml")):
                found[file.stem] = file
    return found


def get_profile(name: object = None) -> Profile:
    """A profile by key (``central-2026``), by path to a .toml file, or the default."""
    text = "" if name is None else str(name).strip()
    if not text:
        text = settings.default_profile_name()
    if text.endswith(".toml") or "/" in text or "\\" in text:
        return load_profile(text)
    files = available_profiles()
    if text not in files:
        raise ProfileError(f"未知适用标准 '{text}'（可选：{'、'.join(sorted(files))}；也可给出 .toml 文件路径）")
    profile = load_profile(files[text])
    if profile.key != text:
        raise ProfileError(f"适用标准文件 {files[text]} 的 key 为 '{profile.key}'，应与文件名 '{text}' 一致")
    return profile
