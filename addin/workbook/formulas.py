"""The computed columns as spreadsheet formulas, in two flavours.

``native``: plain Excel formulas over the template's own sheets (填报信息, 参数, 工作日历)
that Excel, WPS and LibreOffice evaluate without Python.  Thresholds, ranges and periods
are read from the 参数 sheet through defined names; only the shape of a comparison (以上
含本数 ``>=`` or 超过 ``>``) and the unit of a deadline (工作日 or 月) are written into the
formula from the profile.  Working-day deadlines are ``INDEX(days, MATCH(start, days, 1)+n)``
over the 工作日历 list: MATCH finds the last working day on or before the start, so the
result is the n-th working day after it — Excel's WORKDAY, also for a non-working start.

``udf``: the same columns call the add-in's ``ZZ_`` functions (names and argument order
from ``udfs.registry``) with 填报信息's 适用标准.

Every formula returns "" while the inputs it needs are blank, so empty rows stay empty.
Errors a user can cause are short texts starting with ``#`` (as the engine's cells show).
``addin.workbook.recompute`` is the same rules in Python over the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal, Sequence

from xlsxwriter.utility import xl_col_to_name

from udfs import vocab
from udfs.handling import handling_grade
from udfs.profile import Deadline, Profile

from addin.workbook.schema import CONSEQUENCE_NONE, INVOLVED_UNIT_LEVELS, STANDARD, STANDARD_VERSION, Sheet

Mode = Literal["native", "udf"]
MODES: tuple[Mode, ...] = ("native", "udf")

# -- defined names (the workbook writer defines them; formulas use them) -----------------

PROFILE = "zz_profile"  # 填报信息: 适用标准
UNIT_LEVEL = "zz_unit_level"  # 填报信息: 单位层级
ASSETS = "zz_assets"  # 填报信息: 上年末资产总额（万元）
REPORT_DATE = "zz_report_date"  # 填报信息: 填报日期
REF_DATE = "zz_ref_date"  # 填报日期, or today while it is blank (conditional formats only)
WORKDAYS = "zz_workdays"  # 工作日历: every working day, ascending
PARAM_PROFILE = "zz_param_profile"  # 参数: the key of the profile the formulas were made for
GRADE_NAME = "zz_grade_name"  # 参数: 一般/较大/重大 …
BODY = "zz_body"  # … 管辖层级
GROUP_BODY = "zz_group_body"  # … 管辖层级 when the unit is the group company
EVENT_REPORT = "zz_event_report"  # … 需一事一报告 是/否
HANDLING_KEY = "zz_handling_key"  # 参数: 等级|责任类型
CASE_KEY = "zz_ckey"  # 参数: 损失等级|不良后果等级|责任类型 (v2, handling at the case grade)
CLUE_IDS = "zz_ids"  # 问题线索台账: 线索编号 from the header row (v2; short names: 自查 stays under Excel's 8192 characters)
CLUE_CONSEQUENCE = "zz_cons"  # 问题线索台账: 不良后果等级 from the header row (v2)
PAY_MIN = "zz_pay_min"
PAY_MAX = "zz_pay_max"
TERM_MIN = "zz_term_min"
TERM_MAX = "zz_term_max"
LTI = "zz_lti"
INFLUENCE_MEASURE = "zz_influence_measure"
INFLUENCE_MONTHS = "zz_influence_months"
SANCTION_KIND = "zz_sanction_kind"  # 参数: 纪律处分的种类 (2.1)
SANCTION_MONTHS = "zz_sanction_months"  # … and its influence period in months (blank: none)
BAN_TERM = "zz_ban_term"
BAN_YEARS = "zz_ban_years"
BAN_MIN_YEARS = "zz_ban_min_years"  # 参数: 禁入限制的最短年数（N年，N 不小于此数）
INITIAL_CHECK = "zz_initial_check"  # 参数: 初核报告期限（工作日或月）
FLASH_REPORT = "zz_flash_report"  # 参数: 快报期限 (v2)
FULL_REPORT = "zz_full_report"  # 参数: 实时报告期限 (v2; the name kept from when it was called 全面报告)
INVESTIGATION = "zz_investigation"  # 参数: 核查期限 (v2)
REVIEW = "zz_review"  # 参数: 申诉复核期限 (v2)
RECTIFY_PERIOD = "zz_rectify_period"  # 参数: 整改期限（月或工作日）
MEASURE_LIST = "zz_measure_list"  # 列表: 组织处理 (无 and every measure)


def grade_amount_name(rank: int) -> str:
    return f"zz_grade{rank}_amount"


def grade_share_name(rank: int) -> str:
    return f"zz_grade{rank}_share"


OWN_LEVEL = INVOLVED_UNIT_LEVELS[0]  # 本级: the filing unit itself
GROUP_LEVEL = vocab.UNIT_LEVELS[0]  # 集团公司: has no superior enterprise
LIFELONG = vocab.BAN_TERMS[-1]  # 终身: no end date

ERROR_ARGUMENT = "#参数错误"
ERROR_CALENDAR = "#日历错误: 工作日历缺少所需年份，请在「工作日历」表末尾补充该年的工作日"


LOOKUP_ROWS = 10_000
"""Look-ups into a ledger (SUMIF, COUNTIF, MATCH) cover its first rows up to this many data
rows (more when a template is made with more ready rows): a bounded range, not a whole
column — Gnumeric walks every cell of a range, a whole column is a million per look-up."""


def q(text: str) -> str:
    """A string literal in a formula."""
    return '"' + text.replace('"', '""') + '"'


@dataclass(frozen=True)
class Context:
    """What a formula needs to know: the sheet it sits on, the mode, the profile."""

    sheet: Sheet
    mode: Mode
    profile: Profile
    version: float = STANDARD_VERSION
    """The standard version of the template (1: the v1 formulas, without the additions)."""
    rows: int = LOOKUP_ROWS
    """How many data rows look-ups into the ledgers cover (``column_ref``)."""

    def here(self, field: str, row: int) -> str:
        """A cell of this row on this sheet: ``$C5``."""
        return f"${xl_col_to_name(self.sheet.index(field))}{row}"

    def span(self, first: str, last: str, row: int) -> str:
        """Cells of this row from one column to another: ``$N5:$S5``."""
        return f"{self.here(first, row)}:{self.here(last, row)}"

    def column(self, sheet_key: str, field: str) -> str:
        """A column of a ledger for look-ups (``column_ref``)."""
        return column_ref(sheet_key, field, self.rows)


def column_ref(sheet_key: str, field: str, rows: int = LOOKUP_ROWS) -> str:
    """A column of a ledger from its header row down: ``'资产损失认定'!$A$1:$A$10001``.

    It starts at row 1, so a MATCH position is the row number."""
    sheet = STANDARD.sheet(sheet_key)
    letter = xl_col_to_name(sheet.index(field))
    return f"'{sheet.name}'!${letter}$1:${letter}${rows + 1}"


def info_cell(field: str) -> str:
    """The value cell (column B) of a 填报信息 line."""
    return f"'{STANDARD.record.name}'!$B${info_row(field)}"


def info_row(field: str) -> int:
    """The 1-based row of a 填报信息 line (row 1 holds the column titles)."""
    return STANDARD.record.index(field) + 2


# -- building blocks -----------------------------------------------------------------------


def number_or_zero(cell: str) -> str:
    """The cell's number, 0 for anything else (N() of an empty cell differs in Gnumeric)."""
    return f"IF(ISNUMBER({cell}),{cell},0)"


def _compare(inclusive: bool) -> str:
    return ">=" if inclusive else ">"


def grade_expr(loss: str, assets: str, profile: Profile) -> str:
    """一般/较大/重大 of ``loss`` against ``assets`` (may be blank) under the profile's levels.

    A level is reached by amount, or by ``loss/assets`` compared with the share (as the
    engine does); the highest level reached wins.  A loss that is not a number or is
    negative, or assets given but not positive, is ``#参数错误`` (the engine refuses them).
    """
    expr = q(vocab.GRADES[0])
    for rank, level in enumerate(profile.loss_grade.levels, start=1):
        test = f"{loss}{_compare(level.amount_inclusive)}{grade_amount_name(rank)}"
        if level.share_from is not None:
            share = f"IF({number_or_zero(assets)}>0,{loss}/{assets},-1){_compare(level.share_inclusive)}{grade_share_name(rank)}"
            test = f"OR({test},{share})"
        expr = f"IF({test},{q(level.grade)},{expr})"
    invalid = f'OR(NOT(ISNUMBER({loss})),{loss}<0,AND({assets}<>"",OR(NOT(ISNUMBER({assets})),{assets}<=0)))'
    return f"IF({invalid},{q(ERROR_ARGUMENT)},{expr})"


def workday_expr(start: str, days: str) -> str:
    """The ``days``-th working day after ``start`` (not counted), like WORKDAY.

    MATCH(…,1) is the position of the last working day on or before ``start``; a start
    before the list's first working day but inside its first year counts from 0.  A
    start before the first year, or a result past the list (a blank cell of the range
    below the last working day, or beyond the range), is an error (#N/A, #REF!).
    """
    first_year = f"DATE(YEAR(INDEX({WORKDAYS},1)),1,1)"
    day = f"INDEX({WORKDAYS},IFERROR(MATCH({start},{WORKDAYS},1),0)+{days})"
    return f"IF({start}<{first_year},NA(),IF({day}>{start},{day},NA()))"


def deadline_expr(rule: Deadline, start: str, name: str) -> str:
    """A deadline in working days (over 工作日历) or in months (EDATE)."""
    if rule.workdays is not None:
        return f"IFERROR({workday_expr(start, name)},{q(ERROR_CALENDAR)})"
    return f"EDATE({start},{name})"


def _not_grade(grade: str) -> str:
    """True when a grade cell holds no usable grade (blank or an error text)."""
    return f'OR({grade}="",LEFT({grade},1)="#")'


# -- the rules ----------------------------------------------------------------------------------

Builder = Callable[[Context, int], str]


@dataclass(frozen=True)
class Rule:
    """How one computed column is computed: in native formulas and with ZZ_ functions."""

    key: str
    functions: tuple[str, ...]
    """The ZZ_ functions the udf formula calls."""
    native: Builder | None
    udf: Builder | None
    constant: str | None = None
    """A constant instead of a formula (模板版本)."""

    def formula(self, ctx: Context, row: int) -> str | None:
        builder = self.native if ctx.mode == "native" else self.udf
        return None if builder is None else "=" + builder(ctx, row)


def _clue_grade(ctx: Context, row: int, udf: bool) -> str:
    clue = ctx.here("clue_id", row)
    ids = ctx.column("losses", "clue_id")
    count = f"COUNTIF({ids},{clue})"
    total = f"ROUND(SUMIF({ids},{clue},{ctx.column('losses', 'loss_amount')}),4)"
    base = f"INDEX({ctx.column('losses', 'prior_year_assets')},MATCH({clue},{ids},0))"
    estimate = ctx.here("estimated_loss", row)
    if udf:
        assessed = f"ZZ_LOSS_GRADE({total},{base},{PROFILE})"
        estimated = f"ZZ_LOSS_GRADE({estimate},{ASSETS},{PROFILE})"
    else:
        assessed = grade_expr(total, base, ctx.profile)
        estimated = grade_expr(estimate, ASSETS, ctx.profile)
    unassessed = q(vocab.GRADE_UNASSESSED)
    return f'IF({clue}="","",IF({count}>0,{assessed},IF({estimate}="",{unassessed},{estimated})))'


def _consequence(ctx: Context, row: int) -> str:
    """不良后果等级 as the engine takes it: blank is 无; a profile without consequence
    rules ignores it (always 无)."""
    if not ctx.profile.has_consequence_rules:
        return q(CONSEQUENCE_NONE)
    cons = ctx.here("consequence_grade", row)
    return f'IF({cons}="",{q(CONSEQUENCE_NONE)},{cons})'


def _any_of(expr: str, values: Sequence[str]) -> str:
    tests = [f"{expr}={q(v)}" for v in values]
    return tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"


def _case_rank(ctx: Context, row: int) -> str:
    """The rank (1–3) of the case grade: the higher of 损失等级 and 不良后果等级 (0: none)."""
    grade = ctx.here("loss_grade", row)
    loss = f"IFERROR(MATCH({grade},{GRADE_NAME},0),0)"
    if not ctx.profile.has_consequence_rules:
        return loss
    return f"MAX({loss},IFERROR(MATCH({_consequence(ctx, row)},{GRADE_NAME},0),0))"


def _effective_level(ctx: Context, row: int) -> str:
    """The involved unit's level for jurisdiction: 本级 is the filer's own 单位层级."""
    level = ctx.here("unit_level", row)
    return f'IF({level}={q(OWN_LEVEL)},{UNIT_LEVEL},{level})'


def _jurisdiction(ctx: Context, row: int, udf: bool) -> str:
    grade = ctx.here("loss_grade", row)
    if ctx.version >= 2:
        return _jurisdiction_v2(ctx, row, udf)
    skip = f'OR({grade}="",{grade}={q(vocab.GRADE_UNASSESSED)},LEFT({grade},1)="#")'
    if udf:
        return f'IF({skip},"",ZZ_JURISDICTION({grade},{_effective_level(ctx, row)},{PROFILE}))'
    match = f"MATCH({grade},{GRADE_NAME},0)"
    body = f'IF({_effective_level(ctx, row)}={q(GROUP_LEVEL)},INDEX({GROUP_BODY},{match}),INDEX({BODY},{match}))'
    return f'IF({skip},"",IFERROR({body},{q(ERROR_ARGUMENT)}))'


def _jurisdiction_v2(ctx: Context, row: int, udf: bool) -> str:
    """v2, as ``udfs.handling.jurisdiction``: the profile's jurisdiction rules in order
    (unit level, loss grade, consequence grade, enterprise head; the first that matches
    decides), then the grade table at the case grade (the higher of loss and consequence)."""
    grade, head = ctx.here("loss_grade", row), ctx.here("involves_head", row)
    level = _effective_level(ctx, row)
    if udf:
        cons = ctx.here("consequence_grade", row)
        return f'IF(OR({grade}="",LEFT({grade},1)="#"),"",ZZ_JURISDICTION({grade},{level},{PROFILE},{cons},{head}))'
    named = f'IF({level}="二级","二级企业",IF({level}="三级及以下","三级及以下企业",{level}))'
    consequence = ctx.profile.consequence
    if consequence is not None and not consequence.jurisdiction_case_grade:
        rank = f"IFERROR(MATCH({grade},{GRADE_NAME},0),0)"  # the table at the loss grade only
    else:
        rank = _case_rank(ctx, row)
    table = ",".join(q(ctx.profile.jurisdiction_for(g).body) for g in vocab.GRADES)
    group_table = ",".join(q(ctx.profile.jurisdiction_for(g).group_body) for g in vocab.GRADES)
    decided = (f'IF({rank}=0,"",IF({named}={q(GROUP_LEVEL)},CHOOSE({rank},{group_table}),'
               f'CHOOSE({rank},{table})))')
    cons = _consequence(ctx, row)
    for rule in reversed(ctx.profile.jurisdiction_rules):
        tests = []
        if rule.unit_levels:
            tests.append(_any_of(named, rule.unit_levels))
        if rule.loss_grades:
            tests.append(_any_of(grade, rule.loss_grades))
        if rule.consequence_grades:
            tests.append(_any_of(cons, rule.consequence_grades))
        if rule.involves_head is not None:
            tests.append(f"{head}={q(vocab.YES)}" if rule.involves_head else f"{head}<>{q(vocab.YES)}")
        test = tests[0] if len(tests) == 1 else f"AND({','.join(tests)})" if tests else "TRUE"
        decided = f"IF({test},{q(rule.body)},{decided})"
    return f'IF(OR({grade}="",LEFT({grade},1)="#"),"",{decided})'


def _initial_check(ctx: Context, row: int, udf: bool) -> str:
    received = ctx.here("received_date", row)
    if udf:
        return f'IF({received}="","",ZZ_INITIAL_CHECK_DEADLINE({received},{PROFILE}))'
    return f'IF({received}="","",{deadline_expr(ctx.profile.deadlines.initial_check, received, INITIAL_CHECK)})'


def _needs_report(ctx: Context, row: int, udf: bool) -> str:
    grade = ctx.here("loss_grade", row)
    if ctx.version >= 2:  # as udfs.handling.needs_event_report: the loss grade, or the consequence grade
        if udf:
            cons = ctx.here("consequence_grade", row)
            return f'IF({_not_grade(grade)},"",ZZ_NEEDS_REPORT({grade},{PROFILE},{cons}))'
        loss = f"IFERROR(INDEX({EVENT_REPORT},MATCH({grade},{GRADE_NAME},0))={q(vocab.YES)},FALSE)"
        grades = ctx.profile.one_event_report.consequence_grades if ctx.profile.has_consequence_rules else []
        test = f"OR({loss},{_any_of(_consequence(ctx, row), grades)})" if grades else loss
        return f'IF({_not_grade(grade)},"",IF({test},{q(vocab.YES)},{q(vocab.NO)}))'
    if udf:
        return f'IF({_not_grade(grade)},"",ZZ_NEEDS_REPORT({grade},{PROFILE}))'
    lookup = f"IFERROR(INDEX({EVENT_REPORT},MATCH({grade},{GRADE_NAME},0)),{q(ERROR_ARGUMENT)})"
    return f'IF({_not_grade(grade)},"",IF({grade}={q(vocab.GRADE_UNASSESSED)},{q(vocab.NO)},{lookup}))'


def _real_time_test(ctx: Context, row: int) -> str | None:
    """In the real-time scope (116号), as ``udfs.handling.in_real_time_scope``: the loss grade
    alone (重大), or a 较大 loss with the consequence grade standing for 严重不良后果; None
    where the profile sets no scope (the day counts follow 需一事一报告)."""
    scope = ctx.profile.real_time_report
    if scope is None:
        return None
    grade = ctx.here("loss_grade", row)
    tests = [_any_of(grade, scope.loss_grades)]
    if scope.serious_loss_grades and scope.serious_consequence_grades and ctx.profile.has_consequence_rules:
        tests.append(f"AND({_any_of(grade, scope.serious_loss_grades)},"
                     f"{_any_of(_consequence(ctx, row), scope.serious_consequence_grades)})")
    return tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"


def _report_deadline(kind: str, name: str, attr: str) -> Callable[[Context, int, bool], str]:
    """快报截止日 / 一事一报告截止日 (the 实时报告's): when 需一事一报告 = 是 and the clue is in the
    real-time scope (116号: 重大, or 较大 with 严重不良后果), 受理日期 + the profile's working days."""
    def build(ctx: Context, row: int, udf: bool) -> str:
        needed, received = ctx.here("event_report_required", row), ctx.here("received_date", row)
        skip = f'OR({needed}<>{q(vocab.YES)},{received}="")'
        rule = getattr(ctx.profile.deadlines, attr, None)
        if udf:
            grade, cons = ctx.here("loss_grade", row), ctx.here("consequence_grade", row)
            return f'IF({skip},"",ZZ_REPORT_DEADLINE({received},{q(kind)},{PROFILE},{grade},{cons}))'
        if rule is None:
            return '""'
        scope = _real_time_test(ctx, row)
        if scope is not None:
            skip = f'OR({needed}<>{q(vocab.YES)},{received}="",NOT({scope}))'
        return f'IF({skip},"",{deadline_expr(rule, received, name)})'
    return build


def _investigation(ctx: Context, row: int, udf: bool) -> str:
    filed, extended = ctx.here("filed_date", row), ctx.here("investigation_extended_to", row)
    if udf:
        return f'IF({filed}="","",ZZ_INVESTIGATION_DEADLINE({filed},{extended},{PROFILE}))'
    rule = ctx.profile.deadlines.investigation
    due = '""' if rule is None else deadline_expr(rule, filed, INVESTIGATION)
    given = extended
    if rule is not None and rule.checked and rule.extension_max_months is not None:
        # as udfs.deadlines.investigation_deadline: beyond the checked bound is an argument error
        given = f'IF({extended}>EDATE({due},{rule.extension_max_months}),{q(ERROR_ARGUMENT)},{extended})'
    return f'IF({filed}="","",IF({extended}<>"",{given},{due}))'


def _review(ctx: Context, row: int, udf: bool) -> str:
    """复核截止日 from 申诉受理日期 (Order 46 Art. 80: 自受理申诉之日起); 2.1 — before it,
    and while it is blank, from 申诉日期."""
    appeal = ctx.here("appeal_date", row)
    accepted = ctx.here("appeal_accepted_date", row) if ctx.version >= 2.1 else None
    if udf:
        extra = f",{accepted}" if accepted else ""
        return f'IF({appeal}="","",ZZ_REVIEW_DEADLINE({appeal},{PROFILE}{extra}))'
    rule = ctx.profile.deadlines.review
    if rule is None:
        return '""'
    start = f'IF({accepted}<>"",{accepted},{appeal})' if accepted else appeal
    return f'IF({appeal}="","",{deadline_expr(rule, start, REVIEW)})'


def _item_grade(ctx: Context, row: int, udf: bool) -> str:
    loss, assets = ctx.here("loss_amount", row), ctx.here("prior_year_assets", row)
    inner = f"ZZ_LOSS_GRADE({loss},{assets},{PROFILE})" if udf else grade_expr(loss, assets, ctx.profile)
    return f'IF({loss}="","",{inner})'


def _clue_grade_lookup(ctx: Context, row: int) -> str:
    clue = ctx.here("clue_id", row)
    lookup = f"INDEX({ctx.column('clues', 'loss_grade')},MATCH({clue},{ctx.column('clues', 'clue_id')},0))"
    return f'IF({clue}="","",IFERROR({lookup}&"",""))'


def handles_at_case_grade(ctx: Context) -> bool:
    """Are people handled at the case grade (the higher of the clue's loss grade and its
    不良后果等级)?  In version 2, where the profile says so (``consequence.handling``)."""
    return ctx.version >= 2 and ctx.profile.case_grade_handling is not None


def binary_found(key: str, keys: str) -> str:
    """TRUE where a binary search (MATCH type 1) lands on ``key`` itself: a few comparisons
    where the column is in order; FALSE where it is not found so (then search exactly)."""
    return f"IFERROR(INDEX({keys},MATCH({key},{keys},1))={key},FALSE)"


def quick_lookup(key: str, keys: str, values: str) -> str:
    """``INDEX(values, MATCH(key, keys, 0))`` with a binary search first.  An exact MATCH
    reads down the column (each row's look-up costs as much as the rows above it, so a
    ledger's look-ups cost the square of its length); MATCH type 1 takes a few
    comparisons where the key column is in order, and the key it lands on is compared, so
    an unsorted column only costs the exact search that follows (same answer)."""
    return f"INDEX({values},IF({binary_found(key, keys)},MATCH({key},{keys},1),MATCH({key},{keys},0)))"


def clue_consequence(ctx: Context, row: int, trim: bool = True, quick: bool = False) -> str:
    """不良后果等级 of this row's clue in 问题线索台账 (by 线索编号, as 损失等级 is looked
    up): its text ("" when blank).  ``trim``: trimmed, and "" when the clue is not found
    (else #N/A: the short form inside a key, where 损失等级 is blank then anyway).
    ``quick``: by ``quick_lookup`` (自查, which needs it many times per row)."""
    clue = ctx.here("clue_id", row)
    if quick:
        lookup = quick_lookup(clue, CLUE_IDS, CLUE_CONSEQUENCE)
    else:
        lookup = f"INDEX({CLUE_CONSEQUENCE},MATCH({clue},{CLUE_IDS},0))"
    return f'IFERROR(TRIM({lookup}),"")' if trim else lookup


def handling_match(ctx: Context, row: int, responsibility: str, trim: bool = True, quick: bool = False) -> str:
    """The row of the 参数 sheet's handling table for this person: by 等级|责任类型, or —
    handled at the case grade — by 损失等级|不良后果等级|责任类型 (``CASE_KEY``: every
    combination, each row holding the entry of the higher grade).  ``quick``: see
    ``clue_consequence``."""
    grade = ctx.here("loss_grade", row)
    if handles_at_case_grade(ctx):
        return f'MATCH({grade}&"|"&{clue_consequence(ctx, row, trim, quick)}&"|"&{responsibility},{CASE_KEY},0)'
    return f'MATCH({grade}&"|"&{responsibility},{HANDLING_KEY},0)'


def case_key_rows(profile: Profile) -> list[tuple[str, str, str]]:
    """The rows of ``CASE_KEY``: (look-up key, grade handled at, 责任类型) for every 损失等级
    (未认定 too) × 不良后果等级 (blank, 无 and the grades) whose case grade is a grade."""
    out = []
    for loss in (*vocab.GRADES, vocab.GRADE_UNASSESSED):
        for consequence in ("", CONSEQUENCE_NONE, *vocab.GRADES):
            at = handling_grade(profile, loss, consequence or None)
            if at in vocab.GRADES:
                out += [(f"{loss}|{consequence}|{r}", at, r) for r in vocab.RESPONSIBILITIES]
    return out


def _handling_lookup(ctx: Context, row: int, udf: bool, name: str, function: str) -> str:
    grade, responsibility = ctx.here("loss_grade", row), ctx.here("responsibility", row)
    if udf:
        extra = ""
        if ctx.version >= 2:  # the engine decides by the profile whether the consequence counts
            extra = (',""' if function.startswith("ZZ_DEDUCTION") else "") + f",{clue_consequence(ctx, row)}"
        return f'IF(OR({_not_grade(grade)},{responsibility}=""),"",{function}({grade},{responsibility},{PROFILE}{extra}))'
    lookup = f"INDEX({name},{handling_match(ctx, row, responsibility)})"
    if handles_at_case_grade(ctx):  # 未认定 with no consequence has no row: blank, as in the engine
        skip = f'OR({grade}="",LEFT({grade},1)="#",{responsibility}="")'
        missing = f'IF({grade}={q(vocab.GRADE_UNASSESSED)},"",{q(ERROR_ARGUMENT)})'
        return f'IF({skip},"",IFERROR({lookup},{missing}))'
    skip = f'OR({grade}="",{grade}={q(vocab.GRADE_UNASSESSED)},LEFT({grade},1)="#",{responsibility}="")'
    return f'IF({skip},"",IFERROR({lookup},{q(ERROR_ARGUMENT)}))'


def _pay_deduction(ctx: Context, row: int) -> str:
    base, ratio = ctx.here("pay_base", row), ctx.here("pay_ratio", row)
    return f'IF(OR({base}="",{ratio}=""),"",IFERROR({base}*{ratio},{q(ERROR_ARGUMENT)}))'


def _influence_end(ctx: Context, row: int, udf: bool) -> str:
    decided, measure = ctx.here("decision_date", row), ctx.here("measure", row)
    if ctx.version >= 2.1:  # with a discipline sanction, the longer period (宜宾办法 第三十条)
        return _influence_end_21(ctx, row, udf)
    if udf:
        return f'IF(OR({decided}="",{measure}=""),"",ZZ_INFLUENCE_END({decided},{measure},{PROFILE}))'
    found = f"MATCH({measure},{INFLUENCE_MEASURE},0)"
    unknown = f'IF(ISNA(MATCH({measure},{MEASURE_LIST},0)),{q(ERROR_ARGUMENT)},"")'
    end = f"IFERROR(EDATE({decided},INDEX({INFLUENCE_MONTHS},{found})),{q(ERROR_ARGUMENT)})"
    none = q(vocab.MEASURE_NONE)
    return f'IF(OR({decided}="",{measure}="",{measure}={none}),"",IF(ISNA({found}),{unknown},{end}))'


def _influence_end_21(ctx: Context, row: int, udf: bool) -> str:
    """影响期截止日 (2.1): EDATE by the longer of the measure's and the sanction's period
    (``handling.influence_months``); a sanction the profile does not list adds none."""
    decided, measure = ctx.here("decision_date", row), ctx.here("measure", row)
    sanction = ctx.here("discipline", row)
    if udf:
        return f'IF(OR({decided}="",{measure}=""),"",ZZ_INFLUENCE_END({decided},{measure},{PROFILE},{sanction}))'
    none = q(vocab.MEASURE_NONE)
    unknown = f"AND({measure}<>{none},ISNA(MATCH({measure},{MEASURE_LIST},0)))"
    months = (f"MAX(IFERROR(INDEX({INFLUENCE_MONTHS},MATCH({measure},{INFLUENCE_MEASURE},0))+0,0),"
              f"IFERROR(INDEX({SANCTION_MONTHS},MATCH(TRIM({sanction}),{SANCTION_KIND},0))+0,0))")
    end = f'IF({months}=0,"",IFERROR(EDATE({decided},{months}),{q(ERROR_ARGUMENT)}))'
    return f'IF(OR({decided}="",{measure}=""),"",IF({unknown},{q(ERROR_ARGUMENT)},{end}))'


def _rectify_deadline(ctx: Context, row: int, udf: bool) -> str:
    issued, extended = ctx.here("issued_date", row), ctx.here("extended_to", row)
    if udf:
        return f'IF({issued}="","",ZZ_RECTIFY_DEADLINE({issued},{extended},{PROFILE}))'
    due = deadline_expr(ctx.profile.deadlines.rectify, issued, RECTIFY_PERIOD)
    return f'IF({issued}="","",IF({extended}<>"",{extended},{due}))'


RECTIFY_FLAGS = ("corrected", "controls_improved", "referred_accepted", "accountability_done", "plan_given",
                 "refused_or_sham")
"""The six 是/否 columns of ZZ_RECTIFY_RESULT, in its argument order (adjacent in the sheet)."""


def _rectify_result(ctx: Context, row: int, udf: bool) -> str:
    flags = ctx.span(RECTIFY_FLAGS[0], RECTIFY_FLAGS[-1], row)
    blank = f'COUNTBLANK({flags})>0'
    corrected_amount, problem_amount = ctx.here("corrected_amount", row), ctx.here("problem_amount", row)
    if udf:
        cells = ",".join(ctx.here(f, row) for f in RECTIFY_FLAGS)
        return f'IF({blank},"",ZZ_RECTIFY_RESULT({cells},{corrected_amount},{problem_amount}))'
    yes = {f: f'{ctx.here(f, row)}={q(vocab.YES)}' for f in RECTIFY_FLAGS}
    c, p = number_or_zero(corrected_amount), number_or_zero(problem_amount)
    known = f"AND(ISNUMBER({problem_amount}),ISNUMBER({corrected_amount}),{p}>0)"
    partly = f"AND({known},{c}>0,{c}<{p})"
    invalid = f'OR(COUNTIF({flags},{q(vocab.YES)})+COUNTIF({flags},{q(vocab.NO)})<6,{c}<0,{p}<0)'
    # with both amounts known they decide whether the amount is corrected, whatever the flag says
    corrected = f"IF({known},{c}>={p},{yes['corrected']})"
    done = f"OR({corrected},{yes['referred_accepted']},AND({yes['accountability_done']},{yes['controls_improved']}))"
    done_text, part_text, none_text = (q(r) for r in vocab.RECTIFY_RESULTS)
    decide = (f"IF({yes['refused_or_sham']},{none_text},IF({done},{done_text},"
              f"IF(OR({yes['plan_given']},{partly}),{part_text},{none_text})))")
    return f'IF({blank},"",IF({invalid},{q(ERROR_ARGUMENT)},{decide}))'


def _overdue(ctx: Context, row: int) -> str:
    deadline, result = ctx.here("deadline", row), ctx.here("result", row)
    late = f"AND({result}<>{q(vocab.RECTIFY_RESULTS[0])},{REPORT_DATE}>{deadline})"
    return (f'IF(OR(NOT(ISNUMBER({deadline})),NOT(ISNUMBER({REPORT_DATE}))),"",'
            f'IF({late},{q(vocab.YES)},{q(vocab.NO)}))')


def _ban_end(ctx: Context, row: int, udf: bool) -> str:
    start, term = ctx.here("start_date", row), ctx.here("term", row)
    if udf:
        return f'IF(OR({start}="",{term}=""),"",ZZ_BAN_END({start},{term},{PROFILE}))'
    # any whole N年 with N from the profile's minimum (5) up, written plainly ("8年"), and 终身
    text = f"TRIM({term})"
    number = f"LEFT({text},LEN({text})-1)"
    plain = (f'AND(RIGHT({text},1)="年",TEXT(VALUE({number}),"0")={number},'
             f'VALUE({number})>={BAN_MIN_YEARS},VALUE({number})<100)')
    endless = (f'OR({text}={q(LIFELONG)},{text}={q(vocab.MEASURE_NONE)})' if ctx.profile.ban.life
               else f'{text}={q(vocab.MEASURE_NONE)}')
    years = f'IF({plain},EDATE({start},12*VALUE({number})),{q(ERROR_ARGUMENT)})'
    return f'IF(OR({start}="",{term}=""),"",IF({endless},"",IFERROR({years},{q(ERROR_ARGUMENT)})))'


def _self_check(ctx: Context, row: int) -> str:
    from addin.workbook import selfcheck  # it builds on this module's names and helpers
    return selfcheck.ledger_formula(ctx, row)


def _self_check_count(ctx: Context, row: int) -> str:
    from addin.workbook import selfcheck
    return selfcheck.total_formula(ctx.rows)


def _both(build: Callable[[Context, int, bool], str]) -> tuple[Builder, Builder]:
    return (lambda ctx, row: build(ctx, row, False)), (lambda ctx, row: build(ctx, row, True))


def _rule(key: str, functions: tuple[str, ...], build: Callable[[Context, int, bool], str]) -> Rule:
    native, udf = _both(build)
    return Rule(key, functions, native, udf)


def _same(key: str, build: Builder) -> Rule:
    """A rule with no engine function: the same native formula in both modes."""
    return Rule(key, (), build, build)


RULES: dict[str, Rule] = {
    rule.key: rule
    for rule in (
        Rule("template_version", (), None, None, constant=STANDARD.template_version),
        _rule("clue_loss_grade", ("ZZ_LOSS_GRADE",), _clue_grade),
        _rule("ZZ_JURISDICTION", ("ZZ_JURISDICTION",), _jurisdiction),
        _rule("ZZ_INITIAL_CHECK_DEADLINE", ("ZZ_INITIAL_CHECK_DEADLINE",), _initial_check),
        _rule("ZZ_NEEDS_REPORT", ("ZZ_NEEDS_REPORT",), _needs_report),
        _rule("ZZ_LOSS_GRADE", ("ZZ_LOSS_GRADE",), _item_grade),
        _same("clue_grade_lookup", _clue_grade_lookup),
        _rule("ZZ_DEDUCTION_MIN", ("ZZ_DEDUCTION_MIN",),
              lambda ctx, row, udf: _handling_lookup(ctx, row, udf, PAY_MIN, "ZZ_DEDUCTION_MIN")),
        _rule("ZZ_DEDUCTION_MAX", ("ZZ_DEDUCTION_MAX",),
              lambda ctx, row, udf: _handling_lookup(ctx, row, udf, PAY_MAX, "ZZ_DEDUCTION_MAX")),
        _same("pay_deduction", _pay_deduction),
        _rule("ZZ_LTI", ("ZZ_LTI",), lambda ctx, row, udf: _handling_lookup(ctx, row, udf, LTI, "ZZ_LTI")),
        _rule("ZZ_INFLUENCE_END", ("ZZ_INFLUENCE_END",), _influence_end),
        _rule("ZZ_RECTIFY_DEADLINE", ("ZZ_RECTIFY_DEADLINE",), _rectify_deadline),
        _rule("ZZ_RECTIFY_RESULT", ("ZZ_RECTIFY_RESULT",), _rectify_result),
        _same("rectify_overdue", _overdue),
        _rule("ZZ_BAN_END", ("ZZ_BAN_END",), _ban_end),
        _rule("flash_deadline", ("ZZ_REPORT_DEADLINE",), _report_deadline("快报", FLASH_REPORT, "flash_report")),
        _rule("full_report_deadline", ("ZZ_REPORT_DEADLINE",),
              _report_deadline("实时报告", FULL_REPORT, "full_report")),
        _rule("investigation_deadline", ("ZZ_INVESTIGATION_DEADLINE",), _investigation),
        _rule("review_deadline", ("ZZ_REVIEW_DEADLINE",), _review),
        _same("self_check", _self_check),
        _same("self_check_count", _self_check_count),
    )
}


def formula(sheet: Sheet, field: str, row: int, mode: Mode, profile: Profile,
            version: float = STANDARD_VERSION) -> str | None:
    """The formula of a computed cell (None for a constant)."""
    column = sheet.column(field)
    assert column.computed_by is not None, f"{sheet.name}.{column.header} 不是计算列"
    return RULES[column.computed_by].formula(Context(sheet, mode, profile, version), row)
