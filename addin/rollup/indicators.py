"""The indicator catalogue, and the indicators of both returns by unit and in total.

``CATALOGUE`` is the one list of indicators (like ``addin/problem_codes.toml`` for problem
codes): for each its stable ``key`` (the summary JSON's key), its official Chinese
``label``, 计量单位, its place in the form (section, ``（一）`` item, ``其中：`` part, or a
member of a breakdown), 行次, audience (``upward`` forms or ``hq`` only), kind (number
format) and how it is computed.  Every output renders labels and units from here
(``lines`` gives the hierarchy as a form prints it); nothing spells a label twice.

Computed from validated records (computed cells already agree with the engine), so
this module only counts and sums.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Sequence

from addin.workbook import schema
from udfs.deadlines import is_overdue
from udfs import vocab
from udfs.profile import get_profile

Number = int | float

@dataclass
class UnitLedgers:
    """One accepted unit's rows (schema records), plus what the archive knows of it."""

    unit: str
    uscc: str
    clues: Sequence[Any] = ()
    losses: Sequence[Any] = ()
    accountability: Sequence[Any] = ()
    rectification: Sequence[Any] = ()
    bans: Sequence[Any] = ()
    recommendations: Sequence[Any] = ()
    brought_forward: int = 0
    """期初在办: clues open at the end of the unit's previous period (from the archive)."""
    extra: dict[str, Any] = field(default_factory=dict)
    explanations: Sequence[Any] = ()
    version: float = schema.STANDARD_VERSION
    """The standard version of the unit's file: a v1 file cannot record 快报日期 or 核查延期至,
    so it adds nothing to 快报_已报, 快报_逾期 and 核查逾期数."""
    as_of: dt.date | None = None
    """The day overdue is judged on: the roll-up's --as-of (default today), as the 逾期事项 sheet."""
    warnings_explained: int = 0
    warnings_open: int = 0
    """The unit's validation warnings answered in 情况说明, and still open."""


CLOSED = "办结"
EXEMPT_SITUATIONS = get_profile("central-2026").exempt_situations
"""免责人数 by 免责情形: the built-in profiles' 免责清单 (a unit's own profile may list others:
they count under 免责人数_其他情形)."""

MONEY, RATIO, COUNT = "money", "ratio", "count"
UPWARD, HQ = "upward", "hq"
ITEM, PART, MEMBER = "（一）", "其中：", "分项"
"""An indicator's level under its section (一、…): a numbered item （一）, a part of the item
above it （其中：）, or a member of a breakdown (``group``: 按线索来源分 …), listed under the
breakdown's numbered heading."""
ORDER_37 = "令第37号"
"""``wording`` of a 组织处理 measure Order 46 words differently (停职 → 停职检查): shown on a
form only where a rule profile in use has it (or a unit recorded it)."""


@dataclass(frozen=True)
class Indicator:
    key: str
    """Stable: the summary JSON's key, never shown on a form."""
    label: str
    """The official Chinese label, without its level's prefix (``lines`` adds （一）/其中：)."""
    unit: str
    """计量单位: 条、件、人、家、万元、%."""
    section: str
    """一、问题线索 …"""
    level: str
    """ITEM, PART or MEMBER."""
    row: int
    """行次 (upward indicators 1…n in form order; HQ-only ones after them)."""
    audience: str
    """UPWARD (the forms sent upward) or HQ (the tool's own counts, HQ only)."""
    kind: str
    """MONEY, RATIO or COUNT: the number format."""
    meaning: str
    """How it is computed, in plain Chinese."""
    group: str = ""
    """A MEMBER's breakdown heading (按线索来源分)."""
    ratio_of: tuple[str, str] | None = None
    """A RATIO's (numerator, denominator) keys: nothing to divide shows —."""
    wording: str = ""
    """ORDER_37 for a measure Order 46 words differently."""

    @property
    def header(self) -> str:
        """The label with its unit, for a column header: 已挽回损失金额（万元）."""
        return f"{self.label}（{self.unit}）" if self.unit else self.label


_SECTIONS = (
    "一、问题线索", "二、资产损失和不良后果", "三、责任追究", "四、审计整改", "五、管理提升建议书",
    "六、一事一报告、快报和典型案例", "七、零报告、零查处、零追责", "八、校验提醒（仅供集团内部掌握）",
)
SECTIONS: tuple[str, ...] = _SECTIONS
_UNITS = {MONEY: "万元", RATIO: "%"}


def _build() -> tuple[Indicator, ...]:
    found: list[Indicator] = []
    section = ""

    def add(key: str, label: str, unit: str, meaning: str, level: str = ITEM, group: str = "",
            audience: str = UPWARD, ratio_of: tuple[str, str] | None = None, wording: str = "") -> None:
        kind = RATIO if unit == "%" else MONEY if unit == "万元" else COUNT
        found.append(Indicator(key, label, unit, section, level, 0, audience, kind, meaning, group, ratio_of, wording))

    def breakdown(prefix: str, values: Sequence[str], group: str, unit: str, meaning: str,
                  label: Any = None) -> None:
        for value in values:
            add(f"{prefix}_{value}", label(value) if label else value, unit, meaning.format(value), MEMBER, group)

    section = _SECTIONS[0]
    add("期初在办", "期初在办问题线索", "条", "上期末未办结的线索数（来自归档，或上次汇总的「汇总」）")
    add("新受理", "本期新受理问题线索", "条", "本期台账中上期末不在办的线索数（= 线索总数 − 期初在办）")
    add("线索总数", "本期办理问题线索合计", "条", "本期台账中的线索数（= 期初在办 + 本期新受理）")
    add("线索_办结", "办结问题线索", "条", "办理阶段为 办结 的线索数")
    # standard 2.1 (对账销号): HQ's own figures until an official form asks for them
    add("线索_已销号", "已销号", "条", "办结且已填销号日期（同意销号）的线索数（2.1版报表）", PART,
        audience=HQ)
    add("线索_办结未销号", "未销号", "条", "办结但未填销号日期的线索数", PART, audience=HQ)
    add("线索_在办", "期末在办问题线索", "条", "尚未办结的线索数（= 期初在办 + 本期新受理 − 办结）")
    add("核查逾期数", "核查超过期限仍未办结", "条",
        "办理阶段为 立项 或 核查、已过核查截止日的线索数（第2版报表）", PART)
    add("移送纪检监察线索数", "移送纪检监察机构的问题线索", "条", "处置方式为 移送纪检监察机构 的线索数")
    breakdown("线索来源", schema.CLUE_SOURCES, "按线索来源分", "条", "线索来源为 {} 的线索数")
    breakdown("违规情形", schema.VIOLATION_CATEGORIES, "按违规情形分", "条", "违规情形类别为 {} 的线索数")
    breakdown("重点领域", schema.KEY_AREAS, "按重点领域分", "条", "重点领域为 {} 的线索数",
              lambda v: "不涉及重点领域" if v == "无" else v)
    section = _SECTIONS[1]
    breakdown("损失笔数", vocab.GRADES, "资产损失认定（按损失等级分）", "件",
              "所属线索损失等级为 {} 的资产损失认定行数", lambda g: f"{g}资产损失")
    breakdown("损失金额", vocab.GRADES, "资产损失金额（按损失等级分）", "万元",
              "所属线索损失等级为 {} 的损失金额合计（万元）", lambda g: f"{g}资产损失")
    add("已挽回金额", "已挽回损失金额", "万元", "已挽回金额合计（万元）")
    breakdown("不良后果", vocab.GRADES, "造成不良后果的问题线索（按等级分）", "条",
              "不良后果等级为 {} 的线索数", lambda g: f"{g}不良后果")
    section = _SECTIONS[2]
    add("追责人数", "追究责任人数", "人", "责任认定与处理的行数")
    breakdown("责任类型", vocab.RESPONSIBILITIES, "按责任类型分", "人", "责任类型为 {} 的人数")
    for measure in sorted(vocab.MEASURES, key=lambda m: (m in ORDER_37_MEASURES, _MEASURE_ORDER.get(m, 99))):
        add(f"组织处理_{measure}", measure, "人", f"组织处理为 {measure} 的人数", MEMBER, "按组织处理方式分",
            wording=ORDER_37 if measure in ORDER_37_MEASURES else "")
    add("扣减薪酬总额", "扣减薪酬金额", "万元", "绩效年薪扣减金额与任期激励扣减金额合计（万元）")
    add("禁入限制人数", "实施禁入限制人数", "人", "禁入限制人员表的行数")
    add("移送司法机关人数", "移送司法机关人数", "人", "移送司法机关为 是 的责任人数")
    add("免责人数", "尽职合规免责人数", "人", "尽职合规免责为 是 的人数", audience=HQ)
    for situation in EXEMPT_SITUATIONS:
        add(f"免责人数_{situation}", situation, "人", f"免责情形为 {situation} 的人数（2.1版报表）", MEMBER,
            "按免责情形分", audience=HQ)
    add("免责人数_其他情形", "其他情形", "人", "免责情形未填或不在上列情形中的免责人数", MEMBER, "按免责情形分",
        audience=HQ)
    section = _SECTIONS[3]
    add("整改问题数", "审计发现问题", "件", "审计整改台账的问题数")
    add("整改完毕数", "整改完毕", "件", "整改结果为 整改完毕 的问题数", PART)
    add("部分整改数", "部分整改", "件", "整改结果为 部分整改 的问题数", PART)
    add("未整改数", "未整改", "件", "整改结果为 未整改 的问题数", PART)
    add("逾期问题数", "整改逾期", "件", "是否逾期为 是 的问题数", PART)
    add("待销号审核数", "待销号审核", "件", "销号审核意见为 待审核 的问题数", PART)
    add("整改率", "整改完毕率", "%", "整改完毕 ÷ 审计发现问题（无问题的显示 —）",
        ratio_of=("整改完毕数", "整改问题数"))
    add("已纠正金额", "已纠正金额", "万元", "已纠正金额合计（万元）")
    breakdown("整改类型", schema.RECTIFY_TYPES, "按整改类型分", "件", "整改类型为 {} 的问题数（未填的按 限期整改）")
    breakdown("问题分类", schema.FINDING_CATEGORIES, "按问题分类分", "件", "问题分类为 {} 的问题数")
    section = _SECTIONS[4]
    add("管理提升建议书数", "印发管理提升建议书", "件", "管理提升建议书表的行数")
    add("办结核查项目数", "办结核查项目", "件", "已立项并办结的线索数")
    add("办结项目有建议书数", "形成管理提升建议书的", "件", "办结核查项目中形成管理提升建议书的项目数", PART)
    add("管理提升建议书覆盖率", "管理提升建议书覆盖率", "%",
        "形成管理提升建议书的 ÷ 办结核查项目（要求一半以上，含一半；无办结项目的显示 —）",
        ratio_of=("办结项目有建议书数", "办结核查项目数"))
    section = _SECTIONS[5]
    add("一事一报告_应报", "应一事一报告的事项", "件", "需一事一报告为 是 的线索数")
    add("一事一报告_已报", "已报告", "件", "其中已填一事一报告日期的线索数", PART)
    add("快报_应报", "应报送快报的事项", "件", "有快报截止日（需一事一报告）的线索数")
    add("快报_已报", "已报送", "件", "其中已填快报日期的线索数（第2版报表）", PART)
    add("快报_逾期", "逾期报送或逾期未报", "件",
        "快报日期晚于快报截止日，或已过快报截止日仍未报送的线索数（第2版报表）", PART)
    add("典型案例数", "报送典型案例", "件", "报送典型案例为 是 的线索数")
    section = _SECTIONS[6]
    add("零报告单位数", "零报告单位", "家", "没有任何线索的单位数")
    add("零查处单位数", "零查处单位", "家", "没有立项核查线索的单位数")
    add("零追责单位数", "零追责单位", "家", "没有追责人员的单位数")
    section = _SECTIONS[7]
    add("提醒_已说明", "已在情况说明中说明的校验提醒", "条", "校验提醒中已在「情况说明」说明的条数", audience=HQ)
    add("提醒_未说明", "尚未说明的校验提醒", "条", "校验提醒中尚未说明的条数", audience=HQ)
    # 行次: the upward indicators in form order, then Order 37's measures (shown only where a
    # profile in use has them, so the usual form's numbering has no gap), then HQ-only ones
    ordered = sorted(found, key=lambda i: (i.audience != UPWARD, i.wording == ORDER_37))
    rows = {i.key: number for number, i in enumerate(ordered, start=1)}
    return tuple(replace(i, row=rows[i.key]) for i in found)


ORDER_37_MEASURES = ("停职",)
"""Order 37's measures that Order 46 words differently (停职 → 停职检查), listed after Order 46's.
(调离工作岗位 stays: the central-2026 profile still uses it.)"""
_MEASURE_ORDER = {m: n for n, m in enumerate(("批评教育", "责令书面检查", "通报批评", "诫勉", "停职检查", "调整职务",
                                               "调离工作岗位", "降职", "改任非领导职务", "责令辞职", "免职"))}

CATALOGUE: tuple[Indicator, ...] = _build()
"""Every indicator, in form order (upward ones first, then HQ-only ones)."""
_BY_KEY = {i.key: i for i in CATALOGUE}
INDICATOR_KEYS = tuple(_BY_KEY)
INDICATORS: tuple[tuple[str, str], ...] = tuple((i.key, i.meaning) for i in CATALOGUE)
"""(key, meaning) pairs: the catalogue's older face, for callers that want only these."""
UNITS = {MONEY: "万元", RATIO: "%", COUNT: ""}
"""The unit of each kind (counts' own units are each indicator's ``unit``)."""


def indicator(key: str) -> Indicator:
    """The catalogue's entry for ``key`` (KeyError for an unknown key)."""
    return _BY_KEY[key]


def _label_index() -> dict[str, str]:
    counts = Counter(i.label for i in CATALOGUE)
    index = {i.label: i.key for i in CATALOGUE if counts[i.label] == 1}
    index.update({i.key: i.key for i in CATALOGUE})
    return index


_BY_TEXT = _label_index()


def key_of(text: str) -> str | None:
    """The key a form's row text stands for: a key, or a unique label with or without its
    level's prefix (（一）期初在办问题线索, 其中：整改完毕); None when unknown or ambiguous."""
    plain = str(text or "").strip().lstrip("　 ")
    if plain.startswith("（") and "）" in plain[:5]:
        plain = plain[plain.index("）") + 1:]
    plain = plain.removeprefix(PART).strip()
    return _BY_TEXT.get(plain)


def profile_measures(profiles: Iterable[str]) -> set[str]:
    """The 组织处理 measures the named rule profiles use (unknown names ignored)."""
    from udfs.errors import ProfileError
    from udfs.profile import get_profile

    found: set[str] = set()
    for name in set(filter(None, profiles)):
        try:
            profile = get_profile(name)
        except (ProfileError, OSError, ValueError):
            continue
        for entry in profile.handling:
            found.update(entry.measures)
        found.update(entry.measure for entry in profile.influence)
    return found


def form_indicators(audience: str = UPWARD, profiles: Iterable[str] = (),
                    values: Iterable[dict[str, Number]] = ()) -> tuple[Indicator, ...]:
    """The indicators a form shows: those for ``audience`` (UPWARD: the upward ones; HQ: all),
    Order 46's wording by default — an Order 37 measure only where a profile in ``profiles``
    has it, or any of ``values`` (totals, units) counts it, so nothing counted is hidden."""
    used = profile_measures(profiles)
    rows = list(values)
    shown = []
    for item in CATALOGUE:
        if audience == UPWARD and item.audience != UPWARD:
            continue
        if item.wording == ORDER_37 and item.label not in used and not any(v.get(item.key) for v in rows):
            continue
        shown.append(item)
    return tuple(shown)


@dataclass(frozen=True)
class Line:
    """One row of a form's indicator block: a section heading, a breakdown heading, or an indicator."""

    text: str
    """As printed: 一、问题线索 / （六）按线索来源分 / （一）期初在办问题线索 / 　　其中：整改完毕 / 　　出资人监督."""
    indicator: Indicator | None = None
    heading: str = ""
    """"section" or "group" for a heading row (no 行次, no value); "" for an indicator."""


INDENT = "　　"


def lines(indicators: Iterable[Indicator]) -> list[Line]:
    """The indicators as a form lists them: section headings, numbered items （一）（二）…,
    其中 parts (the word written on the first of a run), breakdown headings and members."""
    out: list[Line] = []
    section, group, number, previous = "", "", 0, None
    for item in indicators:
        if item.section != section:
            section, group, number = item.section, "", 0
            out.append(Line(section, heading="section"))
        if item.level == MEMBER:
            if item.group != group:
                group = item.group
                number += 1
                out.append(Line(f"（{_chinese(number)}）{group}", heading="group"))
            out.append(Line(INDENT + item.label, item))
        elif item.level == PART:
            first = previous is None or previous.level != PART
            out.append(Line(INDENT + (PART if first else "　" * len(PART)) + item.label, item))
            group = ""
        else:
            number += 1
            group = ""
            out.append(Line(f"（{_chinese(number)}）{item.label}", item))
        previous = item
    return out


_DIGITS = "零一二三四五六七八九"


def _chinese(number: int) -> str:
    if number < 10:
        return _DIGITS[number]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def ratio_defined(key: str, values: dict[str, Number]) -> bool:
    """False for a ratio with nothing to divide (its denominator is 0): shown as —."""
    parts = indicator(key).ratio_of
    return parts is None or bool(values.get(parts[1]))


def indicator_kind(key: str) -> str:
    """money, ratio or count (from the catalogue; an unknown key counts)."""
    found = _BY_KEY.get(key)
    return found.kind if found else COUNT


def indicator_header(key: str) -> str:
    """An indicator's label with its unit, as a column header shows it: 已挽回损失金额（万元）."""
    found = _BY_KEY.get(key)
    return found.header if found else key


def display_value(key: str, value: Number) -> Number:
    """The value as every output shows it: money to 2 decimals, ratios to 4 (2 as a
    percentage), counts as integers — rounded half up like a cell's number format, so
    the console, the summary JSON and the sheets (which keep the exact value and round
    only in the format) agree."""
    kind = indicator_kind(key)
    if kind == COUNT:
        return int(value)
    places = "0.01" if kind == MONEY else "0.0001"
    return float(Decimal(repr(float(value))).quantize(Decimal(places), ROUND_HALF_UP))


def display_text(key: str, value: Number, values: dict[str, Number] | None = None) -> str:
    """``display_value`` as text: 5,120.35 万元, 44.44%, 184 — and — for a ratio with nothing
    to divide when ``values`` (the ratio's own totals or unit) are given."""
    kind = indicator_kind(key)
    if kind == RATIO and values is not None and key in _BY_KEY and not ratio_defined(key, values):
        return "—"
    shown = display_value(key, value)
    if kind == MONEY:
        return f"{shown:,.2f} 万元"
    if kind == RATIO:
        return f"{Decimal(repr(shown)) * 100:.2f}%"
    return f"{shown:,d}"


def indicator_text(key: str, values: dict[str, Number]) -> str:
    """One indicator as the console shows it, label and unit from the catalogue:
    期初在办问题线索 26 条, 扣减薪酬金额 123.45 万元, 整改完毕率 72.22%."""
    item = indicator(key)
    shown = display_text(key, values.get(key, 0), values)
    return f"{item.label} {shown}" + (f" {item.unit}" if item.kind == COUNT else "")


HEADLINE = ("期初在办", "新受理", "线索_办结", "线索_在办", "追责人数", "扣减薪酬总额", "整改率")
"""The indicators the console shows after a roll-up (``zhuize rollup``, the demo)."""


def headline_text(values: dict[str, Number], separator: str = "；") -> str:
    """The headline indicators as one line: 期初在办问题线索 26 条；本期新受理问题线索 168 条；…"""
    return separator.join(indicator_text(key, values) for key in HEADLINE)


def form_value(key: str, value: Number) -> float | int:
    """The number a form's cell holds: a ratio as a percentage (72.2222 for 0.722222, the
    unit column saying %), anything else as it is."""
    return value * 100 if indicator_kind(key) == RATIO else value


NUMBER_FORMATS = {MONEY: "#,##0.00", RATIO: "0.00", COUNT: "#,##0"}
"""Cell formats of ``form_value``s by kind: 万元 to 2 decimals, percentages (unit %) to 2, integers."""


def with_brought_forward(values: dict[str, Number], brought_forward: int) -> dict[str, Number]:
    """``values`` with 期初在办 set (and 新受理 = 线索总数 − 期初在办, so the identity
    期初在办 + 新受理 − 办结 = 期末在办 holds)."""
    values["期初在办"] = brought_forward
    values["新受理"] = int(values.get("线索总数", 0)) - brought_forward
    return values


def _money(value: float) -> float:
    return round(value, 4)


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _deduction(person: Any) -> float:
    total = 0.0
    if person.pay_base is not None and person.pay_ratio is not None:
        total += person.pay_base * person.pay_ratio
    if person.term_base is not None and person.term_ratio is not None:
        total += person.term_base * person.term_ratio
    return total


def unit_indicators(data: UnitLedgers) -> dict[str, Number]:
    clues = list(data.clues)
    grade_of = {c.clue_id: c.loss_grade for c in clues}
    values: dict[str, Number] = dict.fromkeys(INDICATOR_KEYS, 0)
    values["线索总数"] = len(clues)
    values["线索_办结"] = sum(1 for c in clues if c.stage == CLOSED)
    values["线索_在办"] = len(clues) - values["线索_办结"]
    with_brought_forward(values, data.brought_forward)
    for prefix, attr in (("线索来源", "source"), ("违规情形", "violation_category"), ("重点领域", "key_area")):
        for value, count in Counter(getattr(c, attr) for c in clues).items():
            if f"{prefix}_{value}" in values:
                values[f"{prefix}_{value}"] = count
    amounts: Counter[str] = Counter()
    for loss in data.losses:
        grade = grade_of.get(loss.clue_id)
        if grade in vocab.GRADES:
            values[f"损失笔数_{grade}"] += 1
            amounts[grade] += loss.loss_amount or 0.0
    for grade in vocab.GRADES:
        values[f"损失金额_{grade}"] = _money(amounts[grade])
    values["已挽回金额"] = _money(sum(loss.recovered_amount or 0.0 for loss in data.losses))
    people = list(data.accountability)
    values["追责人数"] = len(people)
    for person in people:
        if f"责任类型_{person.responsibility}" in values:
            values[f"责任类型_{person.responsibility}"] += 1
        if f"组织处理_{person.measure}" in values:
            values[f"组织处理_{person.measure}"] += 1
    values["扣减薪酬总额"] = _money(sum(_deduction(p) for p in people))
    values["禁入限制人数"] = len(data.bans)
    values["移送纪检监察线索数"] = sum(1 for c in clues if c.disposal == "移送纪检监察机构")
    values["移送司法机关人数"] = sum(1 for p in people if p.referred_judicial)
    findings = list(data.rectification)
    values["整改问题数"] = len(findings)
    results = Counter(f.result for f in findings)
    values["整改完毕数"] = results["整改完毕"]
    values["部分整改数"] = results["部分整改"]
    values["未整改数"] = results["未整改"]
    values["整改率"] = _ratio(results["整改完毕"], len(findings))
    values["逾期问题数"] = sum(1 for f in findings if f.overdue)
    values["已纠正金额"] = _money(sum(f.corrected_amount or 0.0 for f in findings))
    values["管理提升建议书数"] = len(data.recommendations)
    with_letter = {r.clue_id for r in data.recommendations}
    closed_projects = [c for c in clues if c.stage == CLOSED and c.filed_date is not None]
    covered = sum(1 for c in closed_projects if c.recommendation_letter or c.clue_id in with_letter)
    values["办结核查项目数"] = len(closed_projects)
    values["办结项目有建议书数"] = covered
    values["管理提升建议书覆盖率"] = _ratio(covered, len(closed_projects))
    due = [c for c in clues if c.event_report_required]
    values["一事一报告_应报"] = len(due)
    values["一事一报告_已报"] = sum(1 for c in due if c.event_report_date is not None)
    values["典型案例数"] = sum(1 for c in clues if c.typical_case)
    values["零报告单位数"] = int(not clues)
    values["零查处单位数"] = int(not any(c.filed_date is not None for c in clues))
    values["零追责单位数"] = int(not people)
    _v2_indicators(data, values, clues, findings)
    return values


STILL_INVESTIGATING = ("立项", "核查")


def _v2_indicators(data: UnitLedgers, values: dict[str, Number], clues: list[Any], findings: list[Any]) -> None:
    """The indicators of standard version 2 (a v1 file's cells read as their defaults)."""
    as_of = data.as_of
    for clue in clues:
        consequence = getattr(clue, "consequence_grade", None)
        if consequence in vocab.GRADES:
            values[f"不良后果_{consequence}"] += 1
        due = getattr(clue, "flash_deadline", None)
        if isinstance(due, dt.date):
            values["快报_应报"] += 1
            if data.version >= 2:
                made = getattr(clue, "flash_date", None)
                values["快报_已报"] += made is not None
                late = made > due if made is not None else as_of is not None and as_of > due
                values["快报_逾期"] += bool(late)
        deadline = getattr(clue, "investigation_deadline", None)
        if data.version >= 2 and clue.stage in STILL_INVESTIGATING \
                and is_overdue(as_of, deadline, getattr(clue, "investigation_extended_to", None)):
            values["核查逾期数"] += 1
    for finding in findings:
        kind = getattr(finding, "rectify_type", None) or schema.RECTIFY_TYPES[1]
        if f"整改类型_{kind}" in values:
            values[f"整改类型_{kind}"] += 1
        category = getattr(finding, "category", None)
        if f"问题分类_{category}" in values:
            values[f"问题分类_{category}"] += 1
        values["待销号审核数"] += getattr(finding, "closing_review", None) == schema.CLOSING_REVIEWS[0]
    for clue in clues:  # 2.1: 对账销号
        if clue.stage == CLOSED:
            closed_off = getattr(clue, "closed_off_date", None) is not None
            values["线索_已销号" if closed_off else "线索_办结未销号"] += 1
    for person in data.accountability:  # 2.1: 免责人数 by 免责情形
        if getattr(person, "exempt", None) is True:
            values["免责人数"] += 1
            situation = getattr(person, "exempt_situation", None)
            values[f"免责人数_{situation}" if situation in EXEMPT_SITUATIONS else "免责人数_其他情形"] += 1
    values["提醒_已说明"] = data.warnings_explained
    values["提醒_未说明"] = data.warnings_open


_RATIOS = {i.key: i.ratio_of for i in CATALOGUE if i.ratio_of}


def total_indicators(per_unit: Sequence[dict[str, Number]]) -> dict[str, Number]:
    """Sum over units; ratios are recomputed from the summed parts, not averaged."""
    total: dict[str, Number] = dict.fromkeys(INDICATOR_KEYS, 0)
    for values in per_unit:
        for key in INDICATOR_KEYS:
            total[key] += values[key]
    for key, value in total.items():
        if isinstance(value, float):
            total[key] = _money(value)
    for key, (part, whole) in _RATIOS.items():
        total[key] = _ratio(int(total[part]), int(total[whole]))
    return total
