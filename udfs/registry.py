"""Every ZZ_ function, once: name, arguments, Chinese help, coercion, engine call.

This is the single list that the xlwings adapter (``udfs.excel``), ``zhuize calc``,
the add-in's VBA declarations and the templates' help sheet all read.  Cells pass
scalars or whole ranges; ``evaluate_cells`` broadcasts ranges (array in, array out),
turns a user's mistake into a short Chinese error string in that cell, and takes a
vectorised path for the functions that run over whole columns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from udfs import deadlines, grading, handling, identity, vocab
from udfs.errors import ArgumentError, CalendarError, EngineError, ProfileError
from udfs.profile import Profile, get_profile
from udfs.rectification import RectifyFacts, rectify_result
from udfs.values import (
    EXCEL_EPOCH,
    is_blank,
    to_bool,
    to_choice,
    to_date,
    MAX_DAY_COUNT,
    to_day_count,
    to_number,
    to_text,
)
from udfs.workcalendar import WorkCalendar, default_calendar, missing_year_message

Result = str | float | bool | dt.date | None


class Context:
    """What one evaluation needs once: the calendar and resolved profiles."""

    def __init__(self, calendar: WorkCalendar | None = None) -> None:
        self._calendar = calendar
        self._profiles: dict[str, Profile] = {}

    @property
    def calendar(self) -> WorkCalendar:
        if self._calendar is None:
            self._calendar = default_calendar()
        return self._calendar

    def profile(self, raw: object) -> Profile:
        key = "" if is_blank(raw) else str(raw).strip()
        if key not in self._profiles:
            self._profiles[key] = get_profile(key or None)
        return self._profiles[key]


# -- argument kinds ---------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """How a raw cell value becomes an engine value."""

    name: str
    coerce: Callable[[Any, str], Any]


NUMBER = Kind("数值", to_number)
DATE = Kind("日期", to_date)
FLAG = Kind("是/否", to_bool)
TEXT = Kind("文本", to_text)
DAYS = Kind("工作日数", to_day_count)
GRADE = Kind("损失等级", lambda v, what: to_choice(v, vocab.GRADES + (vocab.GRADE_UNASSESSED,), "损失等级"))
RESPONSIBILITY = Kind("责任类型", lambda v, what: to_choice(v, vocab.RESPONSIBILITIES, "责任类型"))
ITEM = Kind("薪酬项目", lambda v, what: to_choice(v, vocab.PAY_ITEMS, "薪酬项目"))
REPORT_KIND = Kind("报告类型", lambda v, what: to_choice(v, vocab.REPORT_KINDS, "报告类型", vocab.REPORT_KIND_ALIASES))
PROFILE = Kind("适用标准", lambda v, what: v)  # resolved through the Context
CONSEQUENCE = Kind("不良后果等级", lambda v, what: to_choice(v, vocab.CONSEQUENCE_GRADES, "不良后果等级"))

LABEL_LOSS = "损失金额（万元）"
LABEL_ASSETS = "上年末资产总额（万元）"
LABEL_START = "开始日期"
LABEL_DAYS = "工作日数"


@dataclass(frozen=True)
class Arg:
    name: str
    label: str
    kind: Kind
    help: str
    optional: bool = False
    default: object = None


@dataclass(frozen=True)
class ZZFunction:
    name: str
    summary: str
    args: tuple[Arg, ...]
    returns: str  # 文本 / 日期 / 比例 / 逻辑值
    compute: Callable[..., Result]
    basis: Callable[[Profile], str]
    vector: Callable[[Context, list[list[Any]]], list[Any]] | None = field(default=None)

    @property
    def signature(self) -> str:
        parts = [f"[{a.name}]" if a.optional else a.name for a in self.args]
        return f"{self.name}({', '.join(parts)})"


def _profile_arg(help_text: str = "适用标准名称（如 central-2026、yibin-2020）或配置文件路径；省略时用默认标准，模板中取「填报信息」的适用标准") -> Arg:
    return Arg("profile", "适用标准", PROFILE, help_text, optional=True)


# -- the functions -----------------------------------------------------------------


def _loss_grade(ctx: Context, loss_wan: float, prior_year_assets_wan: float | None, profile: object) -> Result:
    return grading.loss_grade(loss_wan, prior_year_assets_wan, ctx.profile(profile))


def _handling_args(ctx: Context, grade: str, profile: object,
                   consequence_grade: str | None = None) -> tuple[Profile, str] | None:
    """The profile and the grade to handle at (the case grade where the profile keys
    handling on it); None while there is none (未认定 and no consequence)."""
    resolved = ctx.profile(profile)
    at = handling.handling_grade(resolved, grade, consequence_grade)
    if at not in vocab.GRADES:
        return None
    return resolved, at


def _deduction(bound: str) -> Callable[..., Result]:
    def compute(ctx: Context, grade: str, responsibility: str, profile: object, item: str,
                consequence_grade: str | None = None) -> Result:
        resolved = _handling_args(ctx, grade, profile, consequence_grade)
        if resolved is None:
            return None
        bounds = handling.deduction_range(resolved[0], resolved[1], responsibility, item)
        if bound == "range":
            return handling.range_text(bounds)
        if bounds is None:
            return 0.0
        return bounds.min if bound == "min" else bounds.max

    return compute


def _measures(ctx: Context, grade: str, responsibility: str, profile: object,
              consequence_grade: str | None = None) -> Result:
    resolved = _handling_args(ctx, grade, profile, consequence_grade)
    return None if resolved is None else "、".join(handling.measures(*resolved, responsibility))


def _lti(ctx: Context, grade: str, responsibility: str, profile: object,
         consequence_grade: str | None = None) -> Result:
    resolved = _handling_args(ctx, grade, profile, consequence_grade)
    return None if resolved is None else handling.lti_text(*resolved, responsibility)


def _case_grade(ctx: Context, loss_grade: str, consequence_grade: str | None) -> Result:
    return handling.case_grade(loss_grade, consequence_grade)


def _jurisdiction(ctx: Context, grade: str, unit_level: str | None, profile: object,
                  consequence_grade: str | None, involves_head: bool | None) -> Result:
    return handling.jurisdiction(ctx.profile(profile), grade, unit_level, consequence_grade, bool(involves_head))


def _needs_report(ctx: Context, grade: str, profile: object, consequence_grade: str | None) -> Result:
    needed = handling.needs_event_report(ctx.profile(profile), grade, consequence_grade)
    return vocab.YES if needed else vocab.NO


def _workday(ctx: Context, start: dt.date, days: int) -> Result:
    return ctx.calendar.workday(start, days)


def _initial_check(ctx: Context, received: dt.date, profile: object) -> Result:
    return deadlines.initial_check_deadline(ctx.profile(profile), received, ctx.calendar)


def _report_deadline(ctx: Context, start: dt.date, kind: str, profile: object,
                     grade: str | None = None, consequence_grade: str | None = None) -> Result:
    resolved = ctx.profile(profile)
    if grade is not None and not handling.in_real_time_scope(resolved, grade, consequence_grade):
        return None  # outside the real-time scope (116号): no day count
    return deadlines.report_deadline(resolved, start, kind, ctx.calendar)


def _investigation_deadline(ctx: Context, filed: dt.date, extended_to: dt.date | None, profile: object) -> Result:
    return deadlines.investigation_deadline(ctx.profile(profile), filed, extended_to, ctx.calendar)


def _review_deadline(ctx: Context, appeal_date: dt.date, profile: object, accepted: dt.date | None = None) -> Result:
    return deadlines.review_deadline(ctx.profile(profile), appeal_date, ctx.calendar, accepted)


def _rectify_deadline(ctx: Context, issued: dt.date, extended_to: dt.date | None, profile: object) -> Result:
    return deadlines.rectify_deadline(ctx.profile(profile), issued, extended_to, ctx.calendar)


def _influence_end(ctx: Context, decision_date: dt.date, measure: str, profile: object,
                   sanction: str | None = None) -> Result:
    return handling.influence_end(ctx.profile(profile), decision_date, measure, sanction)


def _ban_end(ctx: Context, start: dt.date, term: str, profile: object) -> Result:
    return handling.ban_end(ctx.profile(profile), start, term)


def _rectify(
    ctx: Context,
    corrected: bool,
    controls_improved: bool,
    referred_accepted: bool,
    accountability_done: bool,
    plan_given: bool,
    refused_or_sham: bool,
    corrected_amount: float | None,
    problem_amount: float | None,
) -> Result:
    return rectify_result(
        RectifyFacts(
            corrected, controls_improved, referred_accepted, accountability_done,
            plan_given, refused_or_sham, corrected_amount, problem_amount,
        )
    )


def _id_valid(ctx: Context, number: str) -> Result:
    return identity.id_valid(number)


def _uscc_valid(ctx: Context, code: str) -> Result:
    return identity.uscc_valid(code)


def _basis(ctx: Context, function_name: str, profile: object) -> Result:
    name = function_name.strip().upper()
    if not name.startswith("ZZ_"):
        name = "ZZ_" + name
    function = FUNCTIONS.get(name)
    if function is None:
        raise ArgumentError(f"未知函数 '{function_name}'（可用 zhuize calc --list 查看）")
    return function.basis(ctx.profile(profile))


# -- bases: the rule text behind each result --------------------------------------


UNCHECKED_MARK = "待核对"
"""What a source that nobody compared with the official text carries wherever it is cited."""


def cite(entry: Any) -> str:
    """An entry's source, marked 待核对 while ``checked`` is false."""
    return entry.source if entry.checked else f"{entry.source}，{UNCHECKED_MARK}"


def _basis_loss(p: Profile) -> str:
    lines = [f"{p.title}：{p.loss_grade.text}（{cite(p.loss_grade)}）"]
    return "".join(lines)


def _basis_handling(p: Profile) -> str:
    sources = list(dict.fromkeys(cite(h) for h in p.handling))
    keying = p.case_grade_handling
    if keying is not None:
        lead = f"按损失等级与不良后果等级中较高者（{cite(keying)}）和责任类型处理"
    else:
        lead = "按损失等级和责任类型处理"
    return f"{p.title}：{lead}（{'；'.join(sources)}）"


def _basis_influence(p: Profile) -> str:
    parts = [f"{e.measure}：{e.text}" for e in p.influence]
    sources = "；".join(dict.fromkeys(cite(e) for e in p.influence))
    text = f"{p.title}：{'；'.join(parts)}（{sources}）"
    periods = [e for e in p.sanctions if e.months is not None]
    if periods:
        kinds = "、".join(f"{e.kind}{e.months}个月" for e in periods)
        text += f"；纪律处分：{kinds}，取影响期长的（{'；'.join(dict.fromkeys(cite(e) for e in periods))}）"
    return text


def _basis_jurisdiction(p: Profile) -> str:
    parts = [f"{r.text or r.body}（{cite(r)}）" for r in p.jurisdiction_rules]
    table = "；".join(f"{e.grade}：{e.body}（集团公司为{e.group_body}）" for e in p.jurisdiction)
    sources = "；".join(dict.fromkeys(cite(e) for e in p.jurisdiction))
    lead = "其余按损失等级" if parts else "按损失等级"
    if p.consequence is not None and p.consequence.jurisdiction_case_grade:
        lead += "与不良后果等级中较高者"
    return "；".join(parts + [f"{lead}：{table}（{sources}）"])


def _basis_deadline(attr: str, missing: str = "") -> Callable[[Profile], str]:
    def basis(p: Profile) -> str:
        rule = getattr(p.deadlines, attr)
        if rule is None:
            return f"{p.title}未规定{missing}期限"
        return f"{rule.text}（{cite(rule)}）"

    return basis


def _basis_reports(p: Profile) -> str:
    d = p.deadlines
    rules = [r for r in (d.flash_report, d.full_report, d.initial_report) if r is not None]
    if not rules:
        return f"{p.title}未规定实时报告期限"
    scope = p.real_time_report
    lead = [f"{scope.text}（{cite(scope)}）"] if scope is not None else []
    return "；".join(lead + [f"{r.text}（{cite(r)}）" for r in rules])


def _basis_report_trigger(p: Profile) -> str:
    rule = p.one_event_report
    text = rule.text or f"一事一报告适用于：{'、'.join(rule.grades)}资产损失"
    if rule.consequence_grades and not rule.text:
        text += f"，或{'、'.join(rule.consequence_grades)}不良后果"
    return f"{text}（{cite(rule)}）"


def _basis_case_grade(p: Profile) -> str:
    if p.consequence is None:
        return f"{p.title}只按资产损失分级，不设不良后果等级；按损失等级处理"
    text = f"{p.consequence.text}（{cite(p.consequence)}）"
    keying = p.case_grade_handling
    return text + (f"；{keying.text}（{cite(keying)}）" if keying is not None else "")


def _basis_fixed(text: str) -> Callable[[Profile], str]:
    return lambda p: text


RECTIFY_BASIS = (
    "审计整改结果认定标准：金额或事实已纠正、即查即改并完善管控、移送纪检并已受理、"
    "或无法纠正但完成追责问责且完善管控的为“整改完毕”；已提出确切整改计划、或金额部分纠正的为“部分整改”；"
    "拒不整改、不采取措施、虚假整改或其他情形为“未整改”（审计整改督办机制（七））"
)


# -- vectorised paths ----------------------------------------------------------------


_NUMERIC_TYPES = {float, int}
_DATE_TYPES = {dt.date, dt.datetime}


def _float_column(values: list[Any], what: str) -> tuple[np.ndarray, dict[int, str]]:
    """Floats (NaN for blanks) and the errors by position; fast when all are numbers."""
    types = set(map(type, values))
    if types <= _NUMERIC_TYPES:
        return np.fromiter(values, dtype=np.float64, count=len(values)), {}
    if types <= _NUMERIC_TYPES | {type(None)}:
        return np.array(values, dtype=np.float64), {}  # None becomes NaN
    out = np.full(len(values), np.nan)
    errors: dict[int, str] = {}
    for i, value in enumerate(values):
        if is_blank(value):
            continue
        try:
            out[i] = to_number(value, what)
        except EngineError as exc:
            errors[i] = exc.cell_text
    return out, errors


def _single(column: list[Any]) -> bool:
    """A column that holds one value for every row (a scalar argument)."""
    return len(column) == 1 or len(set(column)) == 1


def _loss_grade_vector(ctx: Context, columns: list[list[Any]]) -> list[Any]:
    losses, assets_raw, profiles = columns
    if not _single(profiles):
        n = max(len(losses), len(assets_raw), len(profiles))
        rows = zip(*(c if len(c) == n else c * n for c in columns))
        return [_evaluate_one(FUNCTIONS["ZZ_LOSS_GRADE"], ctx, row) for row in rows]
    profile = ctx.profile(profiles[0])
    loss, loss_errors = _float_column(losses, LABEL_LOSS)
    assets, asset_errors = _float_column(assets_raw, LABEL_ASSETS)
    loss, assets = np.broadcast_arrays(loss, assets)
    blank = np.isnan(loss)
    errors = dict(loss_errors)
    for index, message in asset_errors.items():
        errors.setdefault(index, message)
    for index in np.flatnonzero(loss < 0):
        errors.setdefault(int(index), ArgumentError(f"损失金额不能为负数（现为 {loss[index]:g}）").cell_text)
    for index in np.flatnonzero(assets <= 0):
        errors.setdefault(int(index), ArgumentError(f"上年末资产总额应大于 0（现为 {assets[index]:g}）").cell_text)
    codes = grading.loss_grade_codes(loss, assets, profile)
    result = _GRADE_NAMES.take(codes).tolist()
    for index, message in errors.items():
        result[index] = message
    for index in np.flatnonzero(blank):
        if int(index) not in loss_errors:
            result[index] = None  # a blank loss is a blank row, as in a single cell
    return result


_GRADE_NAMES = np.array(vocab.GRADES, dtype=object)
_ORDINAL_OFFSET = EXCEL_EPOCH.toordinal()
_UNIX_EPOCH_SERIAL = (dt.date(1970, 1, 1) - EXCEL_EPOCH).days


def _serial_column(values: list[Any], what: str) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """Excel serials (int), a blank mask, and the errors by position."""
    n = len(values)
    types = set(map(type, values))
    if types <= _NUMERIC_TYPES:
        floats = np.fromiter(values, dtype=np.float64, count=n)
        if ((floats >= 1) & (floats < 2958466)).all():
            return np.floor(floats).astype(np.int64), np.zeros(n, dtype=bool), {}
    elif types <= _DATE_TYPES:
        ordinals = np.fromiter(map(dt.date.toordinal, values), dtype=np.int64, count=n)
        return ordinals - _ORDINAL_OFFSET, np.zeros(n, dtype=bool), {}
    serials = np.zeros(n, dtype=np.int64)
    blank = np.zeros(n, dtype=bool)
    errors: dict[int, str] = {}
    for i, value in enumerate(values):
        if is_blank(value):
            blank[i] = True
            continue
        try:
            serials[i] = (to_date(value, what) - EXCEL_EPOCH).days
        except EngineError as exc:
            errors[i] = exc.cell_text
    return serials, blank, errors


def _serials_to_dates(serials: np.ndarray) -> list[Any]:
    return (serials - _UNIX_EPOCH_SERIAL).astype("datetime64[D]").tolist()


def _workday_vector(ctx: Context, columns: list[list[Any]]) -> list[Any]:
    starts_raw, days_raw = columns
    starts, blank, errors = _serial_column(starts_raw, LABEL_START)
    days_float, day_errors = _float_column(days_raw, LABEL_DAYS)
    starts, blank, days_float = np.broadcast_arrays(starts, blank, days_float)
    for index, message in day_errors.items():
        errors.setdefault(index, message)
    missing_days = np.isnan(days_float)
    for index in np.flatnonzero(np.abs(days_float) > MAX_DAY_COUNT):
        errors.setdefault(int(index), ArgumentError(
            f"{LABEL_DAYS} {days_float[index]:g} 超出范围（绝对值不超过 {MAX_DAY_COUNT:,}）").cell_text)
    days = np.trunc(np.clip(np.nan_to_num(days_float), -MAX_DAY_COUNT, MAX_DAY_COUNT)).astype(np.int64)
    results, missing_year = ctx.calendar.workday_serials(starts, days)
    out = _serials_to_dates(results)
    for index in np.flatnonzero(blank & missing_days):
        out[index] = None
    for index in np.flatnonzero(blank ^ missing_days):
        errors.setdefault(int(index), ArgumentError(f"缺少{LABEL_START if blank[index] else LABEL_DAYS}").cell_text)
    for index in np.flatnonzero((missing_year >= 0) & ~blank & ~missing_days):
        errors.setdefault(int(index), CalendarError(missing_year_message(int(missing_year[index]))).cell_text)
    for index, message in errors.items():
        out[index] = message
    return out


# -- the registry --------------------------------------------------------------------

_GRADE_ARG = Arg("grade", "损失等级", GRADE, "一般、较大 或 重大（未认定时结果为空）")
_RESP_ARG = Arg("responsibility", "责任类型", RESPONSIBILITY, "直接责任、主管责任 或 领导责任")
_ITEM_ARG = Arg("item", "薪酬项目", ITEM, "绩效年薪（默认）或 任期激励", optional=True, default="绩效年薪")
_FLAG_HELP = "是/否 或 TRUE/FALSE"
_CONSEQUENCE_ARG = Arg("consequence_grade", "不良后果等级", CONSEQUENCE,
                       "其他不良后果的等级：无、一般、较大 或 重大（空为无；适用标准未设不良后果等级的不计）", optional=True)


_HANDLING_CONSEQUENCE_ARG = Arg(
    "consequence_grade", "不良后果等级", CONSEQUENCE,
    "所属线索的不良后果等级：无、一般、较大 或 重大（空为无）；适用标准规定按较高等级处理的，按损失等级与它中较高者处理",
    optional=True)


def _deduction_function(name: str, bound: str, summary: str, returns: str) -> ZZFunction:
    return ZZFunction(
        name, summary, (_GRADE_ARG, _RESP_ARG, _profile_arg(), _ITEM_ARG, _HANDLING_CONSEQUENCE_ARG), returns,
        _deduction(bound), _basis_handling
    )


_ALL: tuple[ZZFunction, ...] = (
    ZZFunction(
        "ZZ_LOSS_GRADE",
        "资产损失等级：按适用标准的金额及占上年末资产比例标准，返回 一般/较大/重大",
        (
            Arg("loss_wan", LABEL_LOSS, NUMBER, "单笔资产损失金额，单位万元"),
            Arg("prior_year_assets_wan", LABEL_ASSETS, NUMBER,
                "发生损失企业追责认定年度上年末资产总额，单位万元；可空（不做比例判断）", optional=True),
            _profile_arg(),
        ),
        "文本", _loss_grade, _basis_loss, _loss_grade_vector,
    ),
    _deduction_function("ZZ_DEDUCTION_MIN", "min", "扣减比例下限（小数，0.5 即 50%）：按损失等级、责任类型和薪酬项目", "比例"),
    _deduction_function("ZZ_DEDUCTION_MAX", "max", "扣减比例上限（小数）：按损失等级、责任类型和薪酬项目；是否含本数见 ZZ_DEDUCTION_RANGE", "比例"),
    _deduction_function("ZZ_DEDUCTION_RANGE", "range", "扣减比例范围文字，如 50%–100% 或 0%–50%（不含50%）", "文本"),
    ZZFunction(
        "ZZ_MEASURES", "可采取的组织处理措施（及是否可禁入限制），以“、”分隔",
        (_GRADE_ARG, _RESP_ARG, _profile_arg(), _HANDLING_CONSEQUENCE_ARG), "文本", _measures, _basis_handling,
    ),
    ZZFunction(
        "ZZ_LTI", "中长期激励处理：终止、上缴、禁止参加新的中长期激励的年限",
        (_GRADE_ARG, _RESP_ARG, _profile_arg(), _HANDLING_CONSEQUENCE_ARG), "文本", _lti, _basis_handling,
    ),
    ZZFunction(
        "ZZ_CASE_GRADE", "案件处理等级：资产损失等级与不良后果等级中较高者（无或空为没有）",
        (_GRADE_ARG, _CONSEQUENCE_ARG), "文本", _case_grade, _basis_case_grade,
    ),
    ZZFunction(
        "ZZ_JURISDICTION", "管辖层级：由本企业、上级企业还是出资人机构开展责任追究",
        (_GRADE_ARG, Arg("unit_level", "单位层级", TEXT, "集团公司、二级企业 或 三级及以下企业；集团公司没有上级企业", optional=True),
         _profile_arg(), _CONSEQUENCE_ARG,
         Arg("involves_head", "涉及企业负责人", FLAG, "是/否（空为否）；涉及企业负责人的按适用标准由出资人机构开展", optional=True)),
        "文本", _jurisdiction, _basis_jurisdiction,
    ),
    ZZFunction(
        "ZZ_NEEDS_REPORT", "是否需一事一报告：较大、重大损失为 是（以适用标准为准，可按不良后果等级）",
        (_GRADE_ARG, _profile_arg(), _CONSEQUENCE_ARG), "文本", _needs_report, _basis_report_trigger,
    ),
    ZZFunction(
        "ZZ_WORKDAY", "工作日：与 Excel 的 WORKDAY 相同，但按中国法定节假日和调休上班日计算",
        (Arg("start", LABEL_START, DATE, "开始日期（不计入）"), Arg("n", LABEL_DAYS, DAYS, "向后（负数为向前）的工作日数")),
        "日期", _workday, _basis_fixed("国务院办公厅每年发布的部分节假日安排（周末、法定节假日放假，调休日上班）"), _workday_vector,
    ),
    ZZFunction(
        "ZZ_INITIAL_CHECK_DEADLINE", "初核报告截止日：收到监督检查或审计报告后第30个工作日（以适用标准为准）",
        (Arg("received", "受理日期", DATE, "收到报告或受理线索的日期"), _profile_arg()),
        "日期", _initial_check, _basis_deadline("initial_check"),
    ),
    ZZFunction(
        "ZZ_REPORT_DEADLINE", "实时报告截止日：快报5、实时报告15、初核报告30个工作日（给出损失等级的，"
        "只对实时报告范围内的线索：重大资产损失或产生严重不良后果的较大资产损失，其余为空）",
        (Arg("start", "发现日期", DATE, "发现、获悉或受理问题和线索的日期"),
         Arg("kind", "报告类型", REPORT_KIND, "快报、实时报告（原称全面报告）或 初核报告"), _profile_arg(),
         Arg("grade", "损失等级", GRADE, "线索的损失等级；给出时，不属实时报告范围的结果为空", optional=True),
         _CONSEQUENCE_ARG),
        "日期", _report_deadline, _basis_reports,
    ),
    ZZFunction(
        "ZZ_INVESTIGATION_DEADLINE", "核查截止日：立项日期加适用标准的核查期限（EDATE，令第46号第七十五条、62号第二十九条为6个月），"
        "有批准延期的取延期日期；适用标准限定延期幅度的（62号：延长一次，不超过3个月），超出为参数错误",
        (Arg("filed", "立项日期", DATE, "核查（调查）立项日期；62号第二十九条自核查工作方案批准之日起算，填该日期"),
         Arg("extended_to", "核查延期至", DATE, "经批准的延期日期，可空", optional=True), _profile_arg()),
        "日期", _investigation_deadline, _basis_deadline("investigation", "核查"),
    ),
    ZZFunction(
        "ZZ_REVIEW_DEADLINE", "复核截止日：自受理申诉之日起适用标准规定的工作日数（令第46号第八十条为30个工作日）；"
        "未填申诉受理日期的按申诉日期",
        (Arg("appeal_date", "申诉日期", DATE, "提出申诉的日期"), _profile_arg(),
         Arg("accepted", "申诉受理日期", DATE, "受理申诉的日期，可空（空时按申诉日期）", optional=True)),
        "日期", _review_deadline, _basis_deadline("review", "复核"),
    ),
    ZZFunction(
        "ZZ_RECTIFY_DEADLINE", "整改期限：下达日期加6个月（EDATE），有批准延期的取延期日期",
        (Arg("issued", "下达日期", DATE, "审计决定、意见或建议的下达日期"),
         Arg("extended_to", "批准延期至", DATE, "经批准的延期日期，可空", optional=True), _profile_arg()),
        "日期", _rectify_deadline, _basis_deadline("rectify"),
    ),
    ZZFunction(
        "ZZ_INFLUENCE_END", "影响期截止日：处理决定日期按组织处理措施的影响期（EDATE）推算；同时受到纪律处分的，"
        "按影响期长的推算；无影响期的为空",
        (Arg("decision_date", "处理决定日期", DATE, "处理决定日期"),
         Arg("measure", "组织处理", TEXT, "如 诫勉、降职、免职"), _profile_arg(),
         Arg("sanction", "纪律处分", TEXT, "如 警告、记过，可空；适用标准未列的处分不计影响期", optional=True)),
        "日期", _influence_end, _basis_influence,
    ),
    ZZFunction(
        "ZZ_BAN_END", "禁入限制截止日：起始日期加禁入年限（EDATE），终身为空",
        (Arg("start", "起始日期", DATE, "禁入限制起始日期"),
         Arg("term", "禁入期限", TEXT, "5年及以上的整年数（如 5年、8年、10年）或 终身"), _profile_arg()),
        "日期", _ban_end, lambda p: cite(p.ban),
    ),
    ZZFunction(
        "ZZ_RECTIFY_RESULT", "整改结果：按整改认定标准返回 整改完毕/部分整改/未整改（拒不整改或虚假整改优先）",
        (
            Arg("corrected", "金额或事实已纠正", FLAG, _FLAG_HELP),
            Arg("controls_improved", "已完善管控措施", FLAG, _FLAG_HELP),
            Arg("referred_accepted", "已移送纪检并受理", FLAG, _FLAG_HELP),
            Arg("accountability_done", "已完成追责问责", FLAG, _FLAG_HELP),
            Arg("plan_given", "已提出整改计划", FLAG, _FLAG_HELP),
            Arg("refused_or_sham", "拒不整改或虚假整改", FLAG, _FLAG_HELP),
            Arg("corrected_amount", "已纠正金额（万元）", NUMBER, "可空", optional=True),
            Arg("problem_amount", "问题金额（万元）", NUMBER, "可空", optional=True),
        ),
        "文本", _rectify, _basis_fixed(RECTIFY_BASIS),
    ),
    ZZFunction(
        "ZZ_ID_VALID", "身份证号码是否有效：18位、出生日期真实、校验位正确（GB 11643-1999）",
        (Arg("id", "身份证号码", TEXT, "18位居民身份证号码"),),
        "逻辑值", _id_valid, _basis_fixed("GB 11643-1999 公民身份号码：ISO 7064 MOD 11-2 校验"),
    ),
    ZZFunction(
        "ZZ_USCC_VALID", "统一社会信用代码是否有效：18位、字符集、校验位正确（GB 32100-2015）",
        (Arg("code", "统一社会信用代码", TEXT, "18位统一社会信用代码"),),
        "逻辑值", _uscc_valid, _basis_fixed("GB 32100-2015 法人和其他组织统一社会信用代码编码规则：模31校验"),
    ),
    ZZFunction(
        "ZZ_BASIS", "依据：返回某个 ZZ_ 函数所依据的规则原文出处",
        (Arg("function_name", "函数名", TEXT, "如 ZZ_LOSS_GRADE"), _profile_arg()),
        "文本", _basis, _basis_fixed("各函数的规则出处见适用标准文件中的 source 项"),
    ),
)

FUNCTIONS: dict[str, ZZFunction] = {f.name: f for f in _ALL}


# -- evaluation -----------------------------------------------------------------------


def coerce_args(function: ZZFunction, raw: tuple[Any, ...]) -> list[Any] | None:
    """Engine values for one row of raw arguments; None when every required one is blank."""
    if len(raw) > len(function.args):
        raise ArgumentError(f"{function.name} 最多有 {len(function.args)} 个参数，给了 {len(raw)} 个")
    padded = list(raw) + [None] * (len(function.args) - len(raw))
    required = [value for value, arg in zip(padded, function.args) if not arg.optional]
    if required and all(is_blank(value) for value in required):
        return None
    values: list[Any] = []
    for value, arg in zip(padded, function.args):
        if is_blank(value):
            if not arg.optional:
                raise ArgumentError(f"缺少{arg.label}")
            values.append(arg.default)
        elif arg.kind is PROFILE:
            values.append(value)
        else:
            values.append(arg.kind.coerce(value, arg.label))
    return values


def evaluate(name: str, *raw: Any, ctx: Context | None = None) -> Result:
    """One call with scalar arguments; a user's mistake raises ``EngineError``."""
    function = FUNCTIONS.get(name.upper())
    if function is None:
        raise ArgumentError(f"未知函数 '{name}'（可用 zhuize calc --list 查看）")
    values = coerce_args(function, raw)
    if values is None:
        return None
    try:
        return function.compute(ctx or Context(), *values)
    except (OverflowError, ValueError) as exc:  # date arithmetic past 9999 and the like: never a traceback
        raise ArgumentError(OUT_OF_RANGE) from exc


OUT_OF_RANGE = "参数或计算结果超出可计算的范围（日期应在公元 1–9999 年之间，数值应为有限数），请核对参数"


EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#UNKNOWN!", "#BUSY!"})
"""Excel's error values as xlwings hands them to a UDF with ``err_to_str=True``."""
ENGINE_ERROR_PREFIXES = tuple(f"#{kind.kind}:" for kind in (ArgumentError, ProfileError, CalendarError))
"""How this engine's own error texts begin (an argument from another ZZ_ cell that failed)."""


def argument_error(value: Any) -> str | None:
    """The error an argument carries, or None: an Excel error value (``#N/A``, ``#DIV/0!``)
    or another ZZ_ cell's error text.  Like Excel's own functions, a function given an
    error returns it (the first one) instead of reading the argument as blank."""
    if type(value) is str and value.startswith("#"):
        text = value.strip()
        if text.upper() in EXCEL_ERRORS:
            return text.upper()
        if text.startswith(ENGINE_ERROR_PREFIXES):
            return text
    return None


def _first_error(raw: tuple[Any, ...] | list[Any]) -> str | None:
    for value in raw:
        error = argument_error(value)
        if error is not None:
            return error
    return None


def _evaluate_one(function: ZZFunction, ctx: Context, raw: tuple[Any, ...]) -> Result | str:
    error = _first_error(raw)
    if error is not None:
        return error
    try:
        values = coerce_args(function, raw)
        return None if values is None else function.compute(ctx, *values)
    except EngineError as exc:
        return exc.cell_text
    except (OverflowError, ValueError):
        return ArgumentError(OUT_OF_RANGE).cell_text


def evaluate_cells(name: str, *raw: Any, ctx: Context | None = None) -> Any:
    """What a cell gets: scalars or whole ranges in, the same shape out, errors as text."""
    function = FUNCTIONS[name]
    ctx = ctx or Context()
    if not any(isinstance(value, (list, tuple)) for value in raw):
        return _evaluate_one(function, ctx, raw)
    arrays = [_as_object_array(value) for value in raw]
    arrays += [_as_object_array(arg.default) for arg in function.args[len(raw):]]
    try:
        broadcast = np.broadcast_arrays(*arrays)
    except ValueError:
        return ArgumentError("各参数区域的行列数不一致").cell_text
    shape = broadcast[0].shape
    columns = [b.ravel().tolist() for b in broadcast]
    if function.vector is not None:
        flat = _vector_cells(function, ctx, columns)
    else:
        flat = [_evaluate_one(function, ctx, row) for row in zip(*columns)]
    if shape == (1, 1):
        return flat[0]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(shape).tolist()


def _vector_cells(function: ZZFunction, ctx: Context, columns: list[list[Any]]) -> list[Any]:
    """The vectorised path as cells see it: a row holding an error value gets that error,
    the others go through the vector; an error of the whole call (a broken profile or
    calendar file) is every cell's text, never an exception reaching Excel."""
    assert function.vector is not None
    errors = [_first_error(row) for row in zip(*columns)]
    keep = [k for k, error in enumerate(errors) if error is None]
    try:
        if len(keep) == len(errors):
            return function.vector(ctx, columns)
        values = function.vector(ctx, [[column[k] for k in keep] for column in columns]) if keep else []
    except EngineError as exc:
        return [exc.cell_text] * len(errors)
    flat: list[Any] = list(errors)
    for k, value in zip(keep, values):
        flat[k] = value
    return flat


def _as_object_array(value: Any) -> np.ndarray:
    if isinstance(value, (list, tuple)):
        rows = [list(row) if isinstance(row, (list, tuple)) else [row] for row in value]
        if rows and not any(isinstance(row, (list, tuple)) for row in value):
            rows = [list(value)]  # a 1-D list is a row, as xlwings hands a row range
        array = np.empty((len(rows), max((len(r) for r in rows), default=0)), dtype=object)
        for i, row in enumerate(rows):
            array[i, : len(row)] = row
        return array
    array = np.empty((1, 1), dtype=object)
    array[0, 0] = value
    return array


def evaluate_rows(name: str, columns: list[list[Any]], ctx: Context | None = None) -> list[Any]:
    """A whole column per argument (the fast path the benchmark and the templates use).

    Every column has one value per row, or a single value that stands for every row.
    """
    function = FUNCTIONS[name]
    ctx = ctx or Context()
    columns = list(columns) + [[arg.default] for arg in function.args[len(columns):]]
    if function.vector is not None:
        return function.vector(ctx, columns)
    n = max(len(c) for c in columns)
    return [_evaluate_one(function, ctx, row) for row in zip(*(c if len(c) == n else c * n for c in columns))]
