"""自查: the template checks its own rows with native formulas, before anything is sent.

Every ledger row ends in a computed 自查 cell: blank while the row is fine, otherwise
short Chinese phrases joined by "；" ("受理日期不是日期；线索编号重复").  The checks are
generated, not listed by hand:

- **cell checks** from each input column's metadata in the schema — required, type
  (number, date, 是/否, integer), closed list, length, minimum / percent range, decimals,
  身份证号码 (GB 11643) and 统一社会信用代码 (GB 32100) check characters;
- **row rules** from ``ROW_RULES`` below — the standard's conditional requirements, date
  order, amounts, references between the ledgers, uniqueness, and the handling rules of
  the profile read from the template's 参数 sheet (so they follow the 适用标准).

The validator stays the authority: every check here mirrors one of its error codes
(``Finding.code``) and is written so that it never fires where the validator passes —
a check whose inputs cannot be compared (text in a date column, a grade that is not
assessed, a 参数 sheet for another 适用标准) stays silent, and the cell check reports the
cause.  A row with a cell showing a spreadsheet error says only that.

Portability: only functions Excel 2016, WPS, LibreOffice and Gnumeric compute alike —
IF/AND/OR/NOT, ISNUMBER/ISERROR/ISNA/ISLOGICAL, TRIM/LEN/MID/LEFT/RIGHT/UPPER/FIND,
MATCH/INDEX over bounded ranges, SUMPRODUCT over array constants, DATE/YEAR/MONTH/DAY,
ROUND/ABS/MOD, COUNTIF.  Sums are written out term by term (Gnumeric does not
array-evaluate SUMPRODUCT over MID(x,{1,2,…},1)).  No LET, LAMBDA, XLOOKUP, FILTER, TEXTJOIN; phrases are joined with "&".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from xlsxwriter.utility import xl_col_to_name

from udfs import vocab
from udfs.profile import Range

from udfs.values import EXCEL_EPOCH

from addin.workbook import formulas as fx
from addin.workbook.read import FIRST_DATE, LAST_DATE
from addin.workbook.schema import (CLOSING_REVIEWS, CLUE_STAGES, SELF_CHECK, STANDARD, Column, ColumnType, Sheet)

SEPARATOR = "；"
ERROR_PHRASE = "有单元格显示错误值"

# defined names the template adds to the 参数 sheet for these checks
MEASURES_ALLOWED = "zz_measures_allowed"  # "、批评教育、诫勉、" per 等级|责任类型
BAN_ALLOWED = "zz_ban_allowed"  # 是/否 per 等级|责任类型
PAY_MIN_INCLUSIVE = "zz_pay_min_inc"
PAY_MAX_INCLUSIVE = "zz_pay_max_inc"
TERM_MIN_INCLUSIVE = "zz_term_min_inc"
TERM_MAX_INCLUSIVE = "zz_term_max_inc"
FULL_REPORT = fx.FULL_REPORT  # 参数: 实时报告期限 (defined in version-2 templates)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
DATE_LIMIT = 2958466  # the first serial number the reader no longer takes for a date
LAST_SERIAL = (LAST_DATE - EXCEL_EPOCH).days  # the reader's last plausible date (ZZ-READ-DATE-RANGE beyond)
CLOSING_APPROVED, CLOSING_REWORK = CLOSING_REVIEWS[1], CLOSING_REVIEWS[2]


def option_name(sheet_key: str, field: str) -> str:
    """The defined name of a closed list (the 列表 sheet's range) for one column."""
    return f"zz_opt_{sheet_key}_{field}"


@dataclass(frozen=True)
class Finding:
    """One check of one row: TRUE when the row has the problem."""

    field: str
    """The column the validator points at (the cell the conditional format marks)."""
    test: str
    phrase: str
    code: str
    """The validator's error code this check mirrors."""


q = fx.q


def _array(values: Iterable[int]) -> str:
    return "{" + ",".join(str(v) for v in values) + "}"


def _t(x: str) -> str:
    return f"TRIM({x})"


def _filled(x: str) -> str:
    return f'TRIM({x})<>""'


def _blank(x: str) -> str:
    return f'TRIM({x})=""'


def _yes(x: str) -> str:
    return f"TRIM({x})={q(vocab.YES)}"


def _when_numbers(cells: Iterable[str], test: str) -> str:
    """``test`` only when every cell holds a number (no arithmetic on text)."""
    guard = ",".join(f"ISNUMBER({c})" for c in cells)
    return f"IF(AND({guard}),{test},FALSE)"


def _plain(x: str) -> str:
    """No wildcard characters: MATCH(…,0) would treat * ? ~ as patterns."""
    return f'AND(ISERROR(FIND("*",{x})),ISERROR(FIND("?",{x})),ISERROR(FIND("~",{x})))'


def _weighted(terms: Iterable[str]) -> str:
    """A sum written out term by term: Gnumeric does not evaluate SUMPRODUCT over an
    array made from a cell (MID(x,{1,2,…},1)) as Excel and LibreOffice do."""
    return "(" + "+".join(terms) + ")"


def id_valid_expr(x: str) -> str:
    """TRUE when the cell holds a valid 18-character 身份证号码 (GB 11643-1999) as text."""
    t = _t(x)
    total = _weighted(f"MID({t},{i},1)*{w}" for i, w in enumerate(ID_WEIGHTS, start=1))
    born = f"DATE(MID({t},7,4),MID({t},11,2),MID({t},13,2))"
    # a real date from 1900 on (the validator's rule): the year compared as text (four digits, so
    # as numbers), and a month or day out of range rolls DATE over into another month or day
    ok = (f'AND(LEN({t})=18,LEFT({t},1)<>"0",MID({q(ID_CHECK)},MOD({total},11)+1,1)=UPPER(RIGHT({t},1)),'
          f'MID({t},7,4)>="1900",MONTH({born})=VALUE(MID({t},11,2)),DAY({born})=VALUE(MID({t},13,2)))')
    return f"AND(NOT(ISNUMBER({x})),IFERROR({ok},FALSE))"


def uscc_valid_expr(x: str) -> str:
    """TRUE when the cell holds a valid 统一社会信用代码 (GB 32100-2015) as text."""
    t = _t(x)
    chars = q(USCC_CHARS)
    total = _weighted(f"(FIND(MID({t},{i},1),{chars})-1)*{w}" for i, w in enumerate(USCC_WEIGHTS, start=1))
    region = ",".join(f'ISNUMBER(FIND(MID({t},{i},1),"0123456789"))' for i in range(3, 9))
    ok = f"AND(LEN({t})=18,{region},MID({chars},MOD(31-MOD({total},31),31)+1,1)=RIGHT({t},1))"
    return f"AND(NOT(ISNUMBER({x})),IFERROR({ok},FALSE))"


# -- cell checks from the schema ----------------------------------------------------------------


@dataclass(frozen=True)
class CellChecks:
    """The checks of one input cell, nested as they are evaluated: the blank test first,
    then (for a filled cell) the type test, then (for a value of the right type) the
    value tests — a blank or mistyped cell costs one or two comparisons."""

    blank: Finding | None
    """When the cell is blank (required); its test is the extra condition, or TRUE."""
    type: Finding | None
    """When the filled cell does not hold the column's type."""
    values: tuple[Finding, ...]
    """Value tests, evaluated only for a filled cell of the right type."""

    @property
    def findings(self) -> list[Finding]:
        return [f for f in (self.blank, self.type, *self.values) if f is not None]


def cell_checks(sheet: Sheet, column: Column, x: str, required: str | None = None) -> CellChecks:
    """The checks of one input cell ``x``, from the column's metadata.

    ``required``: a condition under which the cell is required (填报信息's exceptions);
    default: the column's ``required``.
    """
    h, f = column.header, column.field
    # a required column with a stated default (不良后果等级 无, 涉及企业负责人 否 …) reads blank as it
    blank = Finding(f, required or "TRUE", f"{h}未填", "ZZ-REQUIRED") \
        if column.required and column.default is None else None
    kind = column.type
    mistyped: Finding | None = None
    values: list[Finding] = []
    if kind is ColumnType.DATE:
        mistyped = Finding(f, f"IF(ISNUMBER({x}),OR({x}<1,{x}>={DATE_LIMIT}),TRUE)", f"{h}不是日期", "ZZ-READ-DATE")
        values.append(Finding(f, f"{x}>{LAST_SERIAL}", f"{h}年份不合理", "ZZ-READ-DATE-RANGE"))
    elif kind in (ColumnType.NUMBER, ColumnType.PERCENT):
        mistyped = Finding(f, f"NOT(ISNUMBER({x}))", f"{h}不是数字", "ZZ-READ-NUMBER")
        if kind is ColumnType.PERCENT:
            values.append(Finding(f, f"OR({x}<0,{x}>1)", f"{h}应在0至100%之间", "ZZ-RANGE"))
        elif column.minimum is not None:
            low = f"{column.minimum:g}"
            if column.minimum_exclusive:
                values.append(Finding(f, f"{x}<={low}", f"{h}应大于{low}", "ZZ-RANGE"))
            else:
                values.append(Finding(f, f"{x}<{low}", f"{h}不能小于{low}", "ZZ-RANGE"))
        if kind is ColumnType.NUMBER:
            values.append(Finding(f, f"ABS(ROUND({x},4)-{x})>1E-9*MAX(1,ABS({x}))", f"{h}超过4位小数", "ZZ-DECIMALS"))
    elif kind is ColumnType.INTEGER:
        mistyped = Finding(f, f"IF(ISNUMBER({x}),{x}<>INT({x}),TRUE)", f"{h}不是整数", "ZZ-READ-INTEGER")
        if f.endswith("year"):
            values.append(Finding(f, f"OR({x}<{FIRST_DATE.year},{x}>{LAST_DATE.year})", f"{h}不合理",
                                  "ZZ-READ-DATE-RANGE"))
    elif kind is ColumnType.FLAG:
        mistyped = Finding(f, f"AND(NOT(ISLOGICAL({x})),{_t(x)}<>{q(vocab.YES)},{_t(x)}<>{q(vocab.NO)})",
                           f"{h}应填是或否", "ZZ-READ-FLAG")
    elif kind is ColumnType.ENUM and column.options:
        code = "ZZ-PROFILE-UNKNOWN" if column.choices == "profiles" else "ZZ-ENUM"
        mistyped = Finding(f, f"ISNA(MATCH({_t(x)},{option_name(sheet.key, f)},0))", f"{h}不在可选范围内", code)
    elif kind is ColumnType.TEXT:
        if column.check == "id":
            mistyped = Finding(f, f"NOT({id_valid_expr(x)})", f"{h}有误", "ZZ-ID-INVALID")
        elif column.check == "uscc":
            mistyped = Finding(f, f"NOT({uscc_valid_expr(x)})", f"{h}有误", "ZZ-USCC-INVALID")
        elif column.max_length is not None:
            n = column.max_length
            mistyped = Finding(f, f"LEN({_t(x)})>{n}", f"{h}超过{n}字", "ZZ-LENGTH")
    return CellChecks(blank, mistyped, tuple(values))


def cell_findings(sheet: Sheet, column: Column, x: str, required: str | None = None) -> list[Finding]:
    return cell_checks(sheet, column, x, required).findings


def _phrase(finding: Finding) -> str:
    return q(SEPARATOR + finding.phrase)


def cell_expr(checks: CellChecks, x: str) -> str | None:
    """The phrases of one cell's checks, evaluated nested (None when it has none)."""
    if checks.blank is None:
        when_blank = '""'
    elif checks.blank.test == "TRUE":
        when_blank = _phrase(checks.blank)
    else:
        when_blank = f'IF({checks.blank.test},{_phrase(checks.blank)},"")'
    value = "&".join(f'IF({f.test},{_phrase(f)},"")' for f in checks.values) or '""'
    if checks.type is not None:
        when_filled = f"IF({checks.type.test},{_phrase(checks.type)},{value})"
    else:
        when_filled = value
    if when_blank == '""' and when_filled == '""':
        return None
    return f'IF({x}="",{when_blank},{when_filled})'


# -- row rules ------------------------------------------------------------------------------------

RowRule = Callable[["Row"], list[Finding]]


@dataclass(frozen=True)
class Row:
    """One row of a ledger as the rules see it: cells by field, look-up ranges."""

    ctx: fx.Context
    row: int

    def __call__(self, field: str) -> str:
        return self.ctx.here(field, self.row)

    def header(self, field: str) -> str:
        return self.ctx.sheet.column(field).header

    def column(self, sheet_key: str, field: str) -> str:
        return self.ctx.column(sheet_key, field)


def profile_ok() -> str:
    """The 参数 sheet is the one of the 适用标准 filled in (else the validator applies another)."""
    return f"{fx.PROFILE}={fx.PARAM_PROFILE}"


def date_order(earlier: str, later: str, when: Callable[[Row], str] | None = None) -> RowRule:
    def rule(r: Row) -> list[Finding]:
        test = _when_numbers([r(earlier), r(later)], f"{r(later)}<{r(earlier)}")
        if when is not None:
            test = f"AND({when(r)},{test})"
        return [Finding(later, test, f"{r.header(later)}早于{r.header(earlier)}", "ZZ-DATE-ORDER")]
    return rule


def not_more(part: str, whole: str, code: str) -> RowRule:
    def rule(r: Row) -> list[Finding]:
        test = _when_numbers([r(part), r(whole)], f"{r(part)}>{r(whole)}")
        name = r.header(part).split("（")[0]
        whole_name = r.header(whole).split("（")[0]
        return [Finding(part, test, f"{name}超过{whole_name}", code)]
    return rule


UNIQUE_FIELDS = {"clues": "clue_id", "rectification": "finding_id"}
"""The identifiers that must be unique in their ledger (``unique``), by sheet key."""


def order_name(sheet_key: str) -> str:
    """The defined name of the cell counting where a unique column is out of order."""
    return f"zz_order_{sheet_key}"


def order_formula(sheet_key: str, rows: int = fx.LOOKUP_ROWS) -> str:
    """How many filled cells of the unique column sort before the cell above them (or
    follow a blank): 0 when the ledger is in ascending order without gaps, so a repeated
    value can only sit right below its first occurrence."""
    sheet = STANDARD.sheet(sheet_key)
    letter = xl_col_to_name(sheet.index(UNIQUE_FIELDS[sheet_key]))
    here = f"'{sheet.name}'!${letter}$3:${letter}${rows + 1}"
    above = f"'{sheet.name}'!${letter}$2:${letter}${rows}"
    return f'SUMPRODUCT(({here}<>"")*((({above}="")+({here}<{above}))>0))'


def unique(field: str) -> RowRule:
    """An identifier that must be unique in the file: flagged on the later rows, as the
    validator does (MATCH finds the first row with the same value, ignoring case).  Where
    the ledger is in order (``order_formula`` is 0) the cell above is the only candidate:
    one comparison instead of a search down the column."""
    def rule(r: Row) -> list[Finding]:
        x = r(field)
        first = f"MATCH({x},{r.column(r.ctx.sheet.key, field)},0)"
        above = f"INDEX({r.column(r.ctx.sheet.key, field)},ROW({x})-1)"  # no row arithmetic in the text: the
        # template writes one formula for a sentinel row and replaces that row's number
        ordered = f"IFERROR({order_name(r.ctx.sheet.key)}=0,FALSE)"
        test = (f"IF(AND({_filled(x)},{_plain(x)}),IF({ordered},{above}={x},IFERROR({first}<ROW({x}),FALSE)),"
                "FALSE)")
        return [Finding(field, test, f"{r.header(field)}重复", "ZZ-DUPLICATE")]
    return rule


def clue_exists(field: str) -> RowRule:
    """The 线索编号 must be in 问题线索台账 (a number-like code may be stored as a number)."""
    def rule(r: Row) -> list[Finding]:
        x = r(field)
        ids = r.column("clues", "clue_id")
        # a binary search first (MATCH type 1: a few comparisons where 问题线索台账 is in order, and
        # the value it lands on is compared, so an unsorted ledger only costs the exact search that follows)
        quick = fx.binary_found(_t(x), ids)
        as_text = f"ISNA(MATCH({_t(x)},{ids},0))"
        as_number = f"ISNA(IFERROR(MATCH(--{_t(x)},{ids},0),NA()))"
        # nested IFs: each later look-up only runs where the earlier ones found nothing (AND evaluates all)
        test = f"IF(AND({_filled(x)},{_plain(x)}),IF({quick},FALSE,IF({as_text},{as_number},FALSE)),FALSE)"
        return [Finding(field, test, f"{r.header(field)}在问题线索台账中不存在", "ZZ-REF-CLUE")]
    return rule


def _clue_rules(r: Row) -> list[Finding]:
    stage, closed = r("stage"), r("closed_date")
    open_stages = ",".join(f"{_t(stage)}={q(s)}" for s in CLUE_STAGES if s != "办结")
    # the row's 一事一报告截止日 (the 实时报告's): blank outside the real-time scope (116号), where
    # 一事一报告 is 第一时间 with no day count, as the validator has it
    report = r("full_report_deadline")
    late = (f"IF(AND({_yes(r('event_report_required'))},{_blank(r('event_report_date'))},"
            f"ISNUMBER({report}),ISNUMBER({fx.REPORT_DATE}),{profile_ok()}),"
            f"{fx.REPORT_DATE}>{report},FALSE)")
    return [
        Finding("closed_date", f'AND({_t(stage)}="办结",{_blank(closed)})', "办结日期未填", "ZZ-REQUIRED-CLOSED-DATE"),
        Finding("stage", f"AND(ISNUMBER({closed}),OR({open_stages}))", "已填办结日期但办理阶段不是办结",
                "ZZ-STAGE-CLOSED"),
        Finding("event_report_date", late, "一事一报告逾期未报", "ZZ-EVENT-REPORT-MISSING"),
        Finding("initial_check_extended_to",
                _when_numbers([r("initial_check_extended_to"), r("initial_check_deadline")],
                              f"{r('initial_check_extended_to')}<={r('initial_check_deadline')}"),
                "初核延期至不晚于初核报告截止日", "ZZ-EXTENSION-RANGE"),
        *_investigation_extension(r),
    ]


def _investigation_extension(r: Row) -> list[Finding]:
    """核查延期至 beyond the profile's checked bound (62号 Art. 29: one extension of at most
    3 months after the unextended 核查截止日), as ``udfs.deadlines.investigation_deadline``;
    an unchecked bound is the validator's warning only."""
    rule = r.ctx.profile.deadlines.investigation
    if rule is None or not rule.checked or rule.extension_max_months is None:
        return []
    filed, extended = r("filed_date"), r("investigation_extended_to")
    limit = f"EDATE({fx.deadline_expr(rule, filed, fx.INVESTIGATION)},{rule.extension_max_months})"
    test = f"IF({profile_ok()},{_when_numbers([filed, extended], f'{extended}>{limit}')},FALSE)"
    return [Finding("investigation_extended_to", test,
                    f"核查延期至超过最长延期（只可延长一次，不超过{rule.extension_max_months}个月）", "ZZ-EXTENSION-RANGE")]


def _loss_rules(r: Row) -> list[Finding]:
    kind, basis = r("loss_type"), r("basis")
    contingent = f'AND({_t(kind)}="或有损失",{_filled(basis)},{_t(basis)}<>"中介机构报告")'
    clue, assets = r("clue_id"), r("prior_year_assets")
    first = f"INDEX({r.column('losses', 'prior_year_assets')},MATCH({_t(clue)},{r.column('losses', 'clue_id')},0))"
    # one look-up: --(v&"") is the number v, and an error for a blank or text first row (then silent)
    mismatch = (f"IF(AND({_filled(clue)},{_plain(clue)},ISNUMBER({assets})),"
                f'IFERROR(--({first}&"")<>{assets},FALSE),FALSE)')
    return [
        Finding("basis", contingent, "或有损失的认定依据应为中介机构报告", "ZZ-CONTINGENT-BASIS"),
        Finding("prior_year_assets", mismatch, "上年末资产总额与本线索第一行不一致", "ZZ-ASSETS-MISMATCH"),
    ]


def _handling_rules(r: Row) -> list[Finding]:
    # the row of 参数's handling table (at the case grade where the profile handles so); written
    # out wherever an entry is read (no LET), so each test reads as few entries as it can
    at = fx.handling_match(r.ctx, r.row, _t(r("responsibility")), trim=False, quick=True)

    def entry(name: str) -> str:
        return f"INDEX({name},{at})"

    measure, ban = r("measure"), r("ban_term")
    listed_measure = f"ISNUMBER(MATCH({_t(measure)},{fx.MEASURE_LIST},0))"
    measure_test = (f"IF(AND({profile_ok()},{_filled(measure)},{_t(measure)}<>{q(vocab.MEASURE_NONE)},"
                    f"{listed_measure}),IF(ISNUMBER({at}),"
                    f'ISERROR(FIND("、"&{_t(measure)}&"、",{entry(MEASURES_ALLOWED)})),FALSE),FALSE)')
    listed_ban = f"ISNUMBER(MATCH({_t(ban)},{option_name('accountability', 'ban_term')},0))"
    # an entry that cannot be read (no row for this grade) is an error: silent
    ban_test = (f"IF(AND({profile_ok()},{_filled(ban)},{_t(ban)}<>{q(vocab.MEASURE_NONE)},{listed_ban}),"
                f"IFERROR({entry(BAN_ALLOWED)}={q(vocab.NO)},FALSE),FALSE)")
    mitigating, aggravating = _yes(r("mitigating")), _yes(r("aggravating"))
    out = [
        Finding("measure", measure_test, "组织处理超出该等级和责任类型允许的范围", "ZZ-MEASURE-NOT-ALLOWED"),
        Finding("ban_term", ban_test, "该等级和责任类型不适用禁入限制", "ZZ-BAN-NOT-ALLOWED"),
    ]
    # the 绩效年薪 range is in the row already (扣减下限/上限: the same entry); 任期激励's is not
    for field, low, high, low_inc, high_inc in (
            ("pay_ratio", r("pay_ratio_min"), r("pay_ratio_max"), PAY_MIN_INCLUSIVE, PAY_MAX_INCLUSIVE),
            ("term_ratio", entry(fx.TERM_MIN), entry(fx.TERM_MAX), TERM_MIN_INCLUSIVE, TERM_MAX_INCLUSIVE)):
        x = r(field)
        # x ≥ low where 含本数 (SIGN 0 or 1, plus 1), else x > low (SIGN 1, plus 0); the same
        # above.  A grade with no deduction is the range 0–0, both 含本数 (``ratio_bounds``).
        lower_ok = f"OR(SIGN({x}-{low})+({entry(low_inc)}={q(vocab.YES)})>0,{mitigating})"
        upper_ok = f"OR(SIGN({high}-{x})+({entry(high_inc)}={q(vocab.YES)})>0,{aggravating})"
        test = (f"IF(AND({profile_ok()},ISNUMBER({x})),IF(AND({x}>=0,{x}<=1),"
                f"IFERROR(NOT(AND({lower_ok},{upper_ok})),FALSE),FALSE),FALSE)")
        out.append(Finding(field, test, f"{r.header(field)}超出允许范围", "ZZ-RATIO-OUT-OF-RANGE"))
    return out


def ratio_bounds(bounds: Range | None) -> tuple[float, float, bool, bool]:
    """What 参数 holds for 自查 about one deduction: (下限, 上限, 下限含本数, 上限含本数);
    no deduction at this grade is 0–0 with both ends included (only 0 passes, as the
    validator has it: a positive ratio is outside unless 从重加重)."""
    if bounds is None:
        return 0.0, 0.0, True, True
    return bounds.min, bounds.max, bounds.min_inclusive, bounds.max_inclusive


def _accountability_rules(r: Row) -> list[Finding]:
    measure, decided = r("measure"), r("decision_date")
    acted = (f"OR(AND({_filled(measure)},{_t(measure)}<>{q(vocab.MEASURE_NONE)}),"
             f"IF(ISNUMBER({r('pay_ratio')}),{r('pay_ratio')}>0,FALSE),IF(ISNUMBER({r('term_ratio')}),{r('term_ratio')}>0,FALSE))")
    clue, number = r("clue_id"), r("id_number")
    first = f"MATCH({number},{r.column('accountability', 'id_number')},0)"
    first_clue = f"INDEX({r.column('accountability', 'clue_id')},{first})"
    twice = (f"IF(AND({_filled(number)},{_filled(clue)},{_plain(number)}),"
             f"IFERROR(IF({first}<ROW({number}),{_t(first_clue)}={_t(clue)},FALSE),FALSE),FALSE)")
    return [
        Finding("decision_date", f"AND({_blank(decided)},{acted})", "处理决定日期未填", "ZZ-REQUIRED-DECISION-DATE"),
        Finding("id_number", twice, "同一线索的同一责任人重复", "ZZ-DUPLICATE"),
        Finding("appeal_date", f"AND({_yes(r('appealed'))},{_blank(r('appeal_date'))})", "申诉日期未填",
                "ZZ-REQUIRED-APPEAL-DATE"),
        *_exemption_rules(r),
        *_handling_rules(r),
    ]


def _exemption_rules(r: Row) -> list[Finding]:
    """尽职合规免责 is ruled out by the clue's loss or consequence grade (the profile's list)."""
    excluded = r.ctx.profile.exemption_excluded_grades
    if not excluded:
        return []
    clue = r("clue_id")
    consequence = f'IFERROR(TRIM({fx.quick_lookup(_t(clue), fx.CLUE_IDS, fx.CLUE_CONSEQUENCE)}),"")'
    grade = r("loss_grade")
    hit = ",".join([*(f"{grade}={q(g)}" for g in excluded), *(f"{consequence}={q(g)}" for g in excluded)])
    test = f"IF(AND({profile_ok()},{_yes(r('exempt'))},{_filled(clue)},{_plain(clue)}),OR({hit}),FALSE)"
    return [Finding("exempt", test, "该线索的等级不适用尽职合规免责", "ZZ-EXEMPT-NOT-ALLOWED")]


def _rectification_rules(r: Row) -> list[Finding]:
    result, review, extended = r("result"), r("closing_review"), r("extended_to")
    unfinished = ",".join(f"{result}={q(v)}" for v in vocab.RECTIFY_RESULTS[1:])
    done = f"{result}={q(vocab.RECTIFY_RESULTS[0])}"
    unapproved = f"OR({_blank(review)},{','.join(f'{_t(review)}={q(v)}' for v in CLOSING_REVIEWS if v != CLOSING_APPROVED)})"
    out = [
        Finding("closed_date", f"AND(ISNUMBER({r('closed_date')}),OR({unfinished}))",
                "未整改完毕不能填销号日期", "ZZ-CLOSE-NOT-DONE"),
        Finding("closing_review", f"AND(ISNUMBER({r('closed_date')}),{done},{unapproved})",
                "未经审计方同意销号不能填销号日期", "ZZ-CLOSE-NOT-APPROVED"),
        Finding("closing_review", f"AND({_t(review)}={q(CLOSING_REWORK)},{done})",
                "退回重改的问题不能是整改完毕", "ZZ-REWORK-BUT-DONE"),
    ]
    for field in ("delay_reason", "delay_approver"):
        out.append(Finding(field, f"AND({_filled(extended)},{_blank(r(field))})", f"{r.header(field)}未填",
                           "ZZ-REQUIRED-DELAY"))
    return out


def _ban_rules(r: Row) -> list[Finding]:
    term = r("term")
    listed = f"ISNUMBER(MATCH({_t(term)},{option_name('bans', 'term')},0))"
    test = f"AND({profile_ok()},{_filled(term)},{listed},ISNA(MATCH({_t(term)},{fx.BAN_TERM},0)))"
    return [Finding("term", test, "禁入期限不是适用标准允许的期限", "ZZ-BAN-TERM")]


def since_21(*rules: RowRule) -> RowRule:
    """Rules of standard 2.1's columns: none in an older template (it has no such columns)."""
    def rule(r: Row) -> list[Finding]:
        return [f for one in rules for f in one(r)] if r.ctx.version >= 2.1 else []
    return rule


def _clue_rules_21(r: Row) -> list[Finding]:
    """销号 of a clue (2.1): only with 同意销号, only once it is closed (standard21.py)."""
    off, review, stage = r("closed_off_date"), r("closing_review"), r("stage")
    return [
        Finding("closing_review", f"AND({_filled(off)},{_t(review)}<>{q(CLOSING_APPROVED)})",
                "未经同意销号不能填销号日期", "ZZ-CLUE-CLOSEOFF-NOT-APPROVED"),
        Finding("closed_off_date", f'AND({_filled(off)},{_t(stage)}<>"办结")', "未办结的线索不能销号",
                "ZZ-CLUE-CLOSEOFF-NOT-CLOSED"),
    ]


def _accountability_rules_21(r: Row) -> list[Finding]:
    """免责情形 is required with 尽职合规免责 = 是, where the profile lists situations (2.1)."""
    if not r.ctx.profile.exempt_situations:
        return []
    return [Finding("exempt_situation", f"AND({_yes(r('exempt'))},{_blank(r('exempt_situation'))})", "免责情形未填",
                    "ZZ-REQUIRED-EXEMPT-SITUATION")]


ROW_RULES: dict[str, tuple[RowRule, ...]] = {
    "clues": (
        unique("clue_id"),
        date_order("received_date", "filed_date"),
        date_order("filed_date", "closed_date"),
        date_order("received_date", "closed_date", when=lambda r: _blank(r("filed_date"))),
        date_order("received_date", "event_report_date"),
        _clue_rules,
        since_21(date_order("closed_date", "closed_off_date"), _clue_rules_21),
    ),
    "losses": (
        clue_exists("clue_id"),
        not_more("recovered_amount", "loss_amount", "ZZ-AMOUNT-RECOVERED"),
        _loss_rules,
    ),
    "accountability": (clue_exists("clue_id"), _accountability_rules,
                       since_21(date_order("decision_date", "served_date"),
                                date_order("appeal_date", "appeal_accepted_date"), _accountability_rules_21)),
    "rectification": (
        unique("finding_id"),
        date_order("issued_date", "closed_date"),
        date_order("issued_date", "extended_to"),
        not_more("corrected_amount", "problem_amount", "ZZ-AMOUNT-CORRECTED"),
        _rectification_rules,
    ),
    "bans": (_ban_rules,),
    "recommendations": (clue_exists("clue_id"),),
}
"""The standard's rules between the cells of a row and between the sheets, per ledger
(mirroring ``addin.validation.checks``); the cell checks come from the schema."""


def ledger_findings(ctx: fx.Context, row: int) -> list[Finding]:
    """Every check of one ledger row: the cell checks column by column, then the rules."""
    out: list[Finding] = []
    for column in ctx.sheet.input_columns:
        out.extend(cell_findings(ctx.sheet, column, ctx.here(column.field, row)))
    out.extend(rule_findings(ctx, row))
    return out


def rule_findings(ctx: fx.Context, row: int) -> list[Finding]:
    r = Row(ctx, row)
    return [f for rule in ROW_RULES.get(ctx.sheet.key, ()) for f in rule(r)]


def ledger_formula(ctx: fx.Context, row: int) -> str:
    """The 自查 cell of one ledger row (without the leading "=")."""
    sheet = ctx.sheet
    inputs = "&".join(ctx.here(c.field, row) for c in sheet.input_columns)
    last = sheet.columns[sheet.index(SELF_CHECK) - 1].field
    errors = f"ISERROR(SUM({ctx.span(sheet.columns[0].field, last, row)}))"  # SUM passes on any error
    parts = [e for c in sheet.input_columns
             if (e := cell_expr(cell_checks(sheet, c, ctx.here(c.field, row)), ctx.here(c.field, row))) is not None]
    parts += [f'IF({f.test},{_phrase(f)},"")' for f in rule_findings(ctx, row)]
    return (f'IF({errors},{q(ERROR_PHRASE)},IF(LEN(TRIM({inputs}))=0,"",'
            f"MID({'&'.join(parts)},2,1000)))")


# -- 填报信息 ----------------------------------------------------------------------------------------

INFO_CHECK_COLUMN = 3
"""0-based column of 填报信息 holding each line's 自查 (D; A label, B value, C note)."""


def info_formula(field: str) -> str | None:
    """The 自查 cell of one 填报信息 line (None for computed lines)."""
    column = STANDARD.record.column(field)
    if column.computed:
        return None
    x = f"$B{fx.info_row(field)}"
    # 上级单位统一社会信用代码: 集团公司 has no superior enterprise
    required = f"{fx.UNIT_LEVEL}<>{q(fx.GROUP_LEVEL)}" if field == "parent_uscc" else None
    expr = cell_expr(cell_checks(STANDARD.record, column, x, required), x)
    if expr is None:
        return None
    return f"IF(ISERROR({x}),{q(ERROR_PHRASE)},MID({expr},2,1000))"


# -- counts and the summary ------------------------------------------------------------------------


def check_range(sheet: Sheet, rows: int = fx.LOOKUP_ROWS) -> str:
    """The 自查 cells of a ledger's rows (or the 自查 column of 填报信息)."""
    if sheet.kind == "record":
        letter = xl_col_to_name(INFO_CHECK_COLUMN)
        return f"'{sheet.name}'!${letter}$2:${letter}${len(sheet.columns) + 1}"
    letter = xl_col_to_name(sheet.index(SELF_CHECK))
    return f"'{sheet.name}'!${letter}$2:${letter}${rows + 1}"


def flagged_count(sheet: Sheet, rows: int = fx.LOOKUP_ROWS) -> str:
    """The flagged rows of a sheet: 自查 cells holding text ("?*": at least one character)."""
    return f'COUNTIF({check_range(sheet, rows)},"?*")'


def checked_sheets() -> tuple[Sheet, ...]:
    """填报信息 and the ledgers that end in 自查 (情况说明 has no 自查: it explains the validator's
    warnings and is prefilled by the annotated copy)."""
    return tuple(s for s in STANDARD.sheets
                 if s.kind == "record" or any(c.field == SELF_CHECK for c in s.columns))


def total_formula(rows: int = fx.LOOKUP_ROWS) -> str:
    """填报信息's 自查问题数: the flagged rows (and lines) over all sheets."""
    return "+".join(flagged_count(s, rows) for s in checked_sheets())


def nth_flagged_row(sheet: Sheet, n: int, rows: int = fx.LOOKUP_ROWS) -> str:
    """An array formula: the row number of the n-th flagged row ("" when fewer)."""
    cells = check_range(sheet, rows)
    return f'IFERROR(SMALL(IF(LEN({cells})>0,ROW({cells})),{n}),"")'


def format_phrases(sheet: Sheet) -> dict[str, list[str]]:
    """The phrases that mark each column's cell (for conditional formats), by field."""
    version = max((c.since for c in sheet.columns), default=2)  # a 2.0 template's sheet has no 2.1 column
    ctx = fx.Context(sheet, "native", _any_profile(), version=max(version, 2))
    out: dict[str, list[str]] = {}
    for finding in ledger_findings(ctx, 2):
        out.setdefault(finding.field, [])
        if finding.phrase not in out[finding.field]:
            out[finding.field].append(finding.phrase)
    return out


def format_criteria(check_cell: str, phrases: list[str]) -> str:
    """A conditional format's formula: the 自查 cell lists one of the phrases."""
    wrapped = f'"{SEPARATOR}"&{check_cell}&"{SEPARATOR}"'
    tests = [f"ISNUMBER(FIND({q(SEPARATOR + p + SEPARATOR)},{wrapped}))" for p in phrases]
    return "=" + (tests[0] if len(tests) == 1 else f"OR({','.join(tests)})")


def _any_profile():  # type: ignore[no-untyped-def]
    from udfs.profile import get_profile
    return get_profile(None)
