"""Template workbooks from the schema and a rule profile: ``子企业填报模板.xlsx``.

One workbook per profile, written with xlsxwriter (tables, validation, protection,
conditional formats and print setup in one pass, fast):

- 填报说明  every sheet and column in plain Chinese (from the schema);
- 填报信息  the record sheet (label in A, value in B);
- the six ledgers, each an Excel Table with the standard's headers in row 1, drop-downs
  for every closed list, input messages with the column's help, computed columns locked
  (sheet protection without a password) and filled with formulas (``addin.workbook.formulas``);
- 参数      the profile's thresholds, ranges, periods and deadlines (the formulas read them);
- 工作日历  every working day of every year the engine knows (append new years below);
- 列表      (hidden) the drop-down lists.

``build_template`` can also pre-fill rows (tests, demos): values by field name.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import xlsxwriter
from addin.plumbing.pages import A4, INTERNAL_MARK, choose_layout, header_escape
from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from udfs import vocab
from udfs.handling import jurisdiction_entry, needs_event_report, range_text
from udfs.profile import Deadline, Profile, get_profile
from udfs.workcalendar import WorkCalendar, default_calendar

from addin.workbook import formulas as fx
from addin.workbook import cached
from addin.workbook import selfcheck as sc
from addin.plumbing.atomic import atomic_path
from addin.plumbing.outputs import OutputError, free_name
from addin.workbook.styles import COLORS, FONT, Formats, cell_props, display_width
from addin.workbook.schema import (CLUE_STAGES, SELF_CHECK, SELF_CHECK_COUNT, STANDARD, STANDARD_VERSION, TYPE_LABELS,
                                   Column, ColumnType, Sheet, Standard, standard_for)

FILE_NAMES = {"native": "子企业填报模板.xlsx", "udf": "子企业填报模板（函数版）.xlsx"}
DEFAULT_ROWS = 500
"""Rows made ready (formulas, drop-downs, unlocked input cells) in every ledger."""

GUIDE_SHEET = "填报说明"
CHECKS_SHEET = "自查结果"
CHECK_LINKS = 5
"""How many of a sheet's first flagged rows the 自查结果 sheet links to."""
PARAMS_SHEET = "参数"
CALENDAR_SHEET = "工作日历"
LISTS_SHEET = "列表"

FIXED_TIMESTAMP = dt.datetime(2026, 1, 1)
"""Document properties carry this instead of the build time, so a rebuild changes nothing."""

_FIRST_DATE = dt.date(1990, 1, 1)
_LAST_DATE = dt.date(2100, 12, 31)
_WEEKDAYS = "一二三四五六日"

@dataclass
class Options:
    profile: Profile
    mode: fx.Mode = "native"
    rows: int = DEFAULT_ROWS
    calendar: WorkCalendar | None = None
    """The working days for 工作日历; default: the engine's (built-in and the user's years)."""
    version: float = STANDARD_VERSION
    """The standard version of the template: 2, or 1 (the v1 columns only: tests of v1 files)."""
    self_check: bool = True
    """The 自查 formulas (False: the 自查 cells stay blank — the benchmark's baseline); version 1 has no 自查."""


@dataclass
class _Lists:
    """The hidden 列表 sheet: one column per distinct closed list."""

    columns: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def ref(self, title: str, values: tuple[str, ...]) -> str:
        for index, (_, existing) in enumerate(self.columns):
            if existing == values:
                return self._range(index, values)
        self.columns.append((title, values))
        return self._range(len(self.columns) - 1, values)

    @staticmethod
    def _range(index: int, values: tuple[str, ...]) -> str:
        letter = xl_col_to_name(index)
        return f"='{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"


def build_template(
    path: str | Path,
    options: Options,
    info: Mapping[str, Any] | None = None,
    records: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> Path:
    """Write the template workbook to ``path`` (atomically); optionally pre-filled.

    ``info``: 填报信息 values by field; ``records``: ledger rows by sheet key, each a
    mapping of field → value (dates, numbers, text; flags as True/False or 是/否).
    The ledgers get ``options.rows`` ready rows, or more when ``records`` need them.
    """
    target = Path(path)
    records = records or {}
    rows = max([options.rows] + [len(v) for v in records.values()])
    with atomic_path(target) as temporary:
        book = xlsxwriter.Workbook(
            str(temporary),
            {"default_format_properties": {"font_name": FONT, "font_size": 10}, "strings_to_numbers": False,
             "strings_to_formulas": False, "strings_to_urls": False},
        )
        standard = standard_for(options.version)
        book.set_properties({"title": "子企业填报模板", "subject": "违规经营投资责任追究与审计整改",
                             "author": "zhuize", "created": FIXED_TIMESTAMP,
                             "comments": f"填报模板规范第{standard.version}版，模板版本 {standard.template_version}"})
        book.set_calc_mode("auto")
        _Writer(book, options, rows).write(info or {}, records)
        book.close()
    return target


class _Writer:
    def __init__(self, book: Workbook, options: Options, rows: int) -> None:
        self.book = book
        self.options = options
        self.profile = options.profile
        self.rows = rows
        self.fmt = Formats(book)
        self.lists = _Lists()
        self.calendar = options.calendar or default_calendar()
        self.standard: Standard = standard_for(options.version)
        self.lookup_rows = max(fx.LOOKUP_ROWS, rows)
        self._shared_index = -1

    def context(self, sheet: Sheet) -> fx.Context:
        return fx.Context(sheet, self.options.mode, self.profile, version=self.options.version,
                          rows=self.lookup_rows)

    @property
    def self_check(self) -> bool:
        """自查 is a version-2 feature: a v1 template has no 自查 column, sheet or checks."""
        return self.options.self_check and self.options.version >= 2

    # -- the whole book -------------------------------------------------------------------
    def write(self, info: Mapping[str, Any], records: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        # the cached results of the 自查 formulas, where the values written tell them (addin.workbook.cached)
        self.info_values = info
        written = {} if "profile" in info else {"profile": self.profile.key}
        self.info_checks = cached.info_checks(info, written)
        self.flagged: dict[str, list[int] | None] = {
            sheet.key: cached.flagged_rows(self.info_checks) if sheet.kind == "record"
            else cached.ledger_flagged_rows(records.get(sheet.key, ())) for sheet in sc.checked_sheets()}
        self.filled = {key: any(rows) for key, rows in records.items()}
        guide = self.book.add_worksheet(GUIDE_SHEET)
        self._info_sheet(info)
        checks = self.book.add_worksheet(CHECKS_SHEET) if self.self_check else None
        for sheet in self.standard.ledgers:
            self._ledger(sheet, records.get(sheet.key, ()))
        self._params_sheet()
        self._calendar_sheet()
        self._guide(guide)
        if checks is not None:
            self._checks_sheet(checks)
        self._lists_sheet()
        self._names()
        if self.self_check:
            self._option_names()
        guide.activate()

    def _names(self) -> None:
        define = self.book.define_name
        define(fx.PROFILE, f"={fx.info_cell('profile')}")
        define(fx.UNIT_LEVEL, f"={fx.info_cell('unit_level')}")
        define(fx.ASSETS, f"={fx.info_cell('prior_year_assets')}")
        define(fx.REPORT_DATE, f"={fx.info_cell('report_date')}")
        define(fx.REF_DATE, f"=IF(ISNUMBER({fx.REPORT_DATE}),{fx.REPORT_DATE},TODAY())")
        define(fx.WORKDAYS, workdays_reference())
        define(SOON_DATE, f"=IFERROR({fx.workday_expr(fx.REF_DATE, '5')},{fx.REF_DATE})")
        if self.options.version >= 2:
            define(fx.CLUE_IDS, "=" + fx.column_ref("clues", "clue_id", self.lookup_rows))
            define(fx.CLUE_CONSEQUENCE, "=" + fx.column_ref("clues", "consequence_grade", self.lookup_rows))

    # -- 填报信息 -----------------------------------------------------------------------------
    def _info_sheet(self, values: Mapping[str, Any]) -> None:
        sheet = self.standard.record
        ws = self.book.add_worksheet(sheet.name)
        title = self.fmt.get(bold=True, font_color="#FFFFFF", bg_color=COLORS["title"], border=1,
                             border_color="#BFBFBF", valign="vcenter")
        ws.write_row(0, 0, ["项目", "填写内容", "说明", "自查"], title)
        ws.set_row(0, 22)
        for col, width in enumerate(INFO_WIDTHS):
            ws.set_column(col, col, width)
        check_format = self.fmt.get(text_wrap=True, valign="vcenter", font_color=COLORS["late_font"], locked=True)
        flagged = self.fmt.get(bg_color=COLORS["late_fill"], font_color=COLORS["late_font"])
        for column in sheet.columns:
            row = fx.info_row(column.field) - 1
            label = self.fmt.get(bold=column.required, valign="vcenter", border=1, border_color="#BFBFBF",
                                 bg_color="#F2F2F2" if column.computed else "#DDEBF7")
            ws.write_string(row, 0, column.header, label)
            cell = self.fmt.get(**{**cell_props(column), "valign": "vcenter", "align": "left"})
            rule = fx.RULES[column.computed_by] if column.computed_by else None
            if rule is not None and rule.constant is not None:
                constant = self.standard.template_version if column.field == "template_version" else rule.constant
                ws.write_string(row, 1, constant, cell)
            elif rule is not None and self.self_check:
                result = cached.total([None if r is None else len(r) for r in self.flagged.values()]) \
                    if column.field == SELF_CHECK_COUNT else 0
                ws.write_formula(row, 1, rule.formula(self.context(sheet), row + 1) or "", cell,
                                 cached.cell_value(result))
            elif column.field == "profile" and "profile" not in values:
                ws.write_string(row, 1, self.profile.key, cell)
            else:
                _write_value(ws, row, 1, column, values.get(column.field), cell)
            note = self.fmt.get(text_wrap=True, valign="vcenter", font_color="#595959")
            ws.write_string(row, 2, _info_note(column), note)
            ws.set_row(row, max(20, _height(_info_note(column), INFO_WIDTHS[2])))
            if column.field == "profile" and self.options.mode == "native":
                warn = (f"注意：本模板的计算公式按「{self.profile.key}」编制，与所选适用标准不一致；"
                        f"请改回 {self.profile.key}，或使用所选标准的模板")
                ws.write_formula(row, 2, f'=IF(OR(B{row + 1}="",B{row + 1}={fx.PARAM_PROFILE}),'
                                         f'{fx.q(_info_note(column))},{fx.q(warn)})', note, _info_note(column))
                ws.conditional_format(row, 2, row, 2, {
                    "type": "formula", "criteria": f'=AND(B{row + 1}<>"",B{row + 1}<>{fx.PARAM_PROFILE})',
                    "format": self.fmt.get(bg_color=COLORS["late_fill"], font_color=COLORS["late_font"])})
            if not column.computed:
                self._validate(ws, row, 1, row, 1, column)
            check = sc.info_formula(column.field) if self.self_check else None
            if check is not None:
                ws.write_formula(row, sc.INFO_CHECK_COLUMN, "=" + check, check_format,
                                 cached.cell_value(self.info_checks.get(column.field)))
                ws.conditional_format(row, 1, row, 1, {
                    "type": "formula", "format": flagged,
                    "criteria": f'=${xl_col_to_name(sc.INFO_CHECK_COLUMN)}${row + 1}<>""'})
        ws.freeze_panes(1, 0)
        ws.protect("", _PROTECTION)
        self._print_setup(ws, landscape=True, fit_width=1, repeat_columns=False)

    # -- the ledgers ---------------------------------------------------------------------------
    def _ledger(self, sheet: Sheet, rows_data: Sequence[Mapping[str, Any]]) -> None:
        ws = self.book.add_worksheet(sheet.name, worksheet_class=_PlainFormulas)
        last_row = self.rows  # 0-based: header on 0, data on 1..rows
        columns = [{"header": c.header, "header_format": self.fmt.header(c)} for c in sheet.columns]
        ws.add_table(0, 0, last_row, len(sheet.columns) - 1, {
            "name": sheet.table, "columns": columns, "style": "Table Style Light 1", "autofilter": True,
        })
        ws.set_row(0, 42)
        for index, column in enumerate(sheet.columns):
            ws.set_column(index, index, display_width(column))
            cell = self.fmt.cell(column)
            if column.computed:
                rule = fx.RULES[column.computed_by]  # type: ignore[index]
                pattern = rule.formula(self.context(sheet), _SENTINEL_ROW)
                if column.field == SELF_CHECK and not self.self_check:
                    pattern = None
                if column.field == SELF_CHECK and pattern is not None:
                    self._shared_index += 1
                    ws.shared = {index: (1, last_row, self._shared_index)}  # type: ignore[attr-defined]
                for row in range(1, last_row + 1):
                    text = None if pattern is None else pattern.replace(str(_SENTINEL_ROW), str(row + 1))
                    if text is None:
                        ws.write_string(row, index, rule.constant or "", cell)
                    else:
                        ws.write_formula(row, index, text, cell, "")
            else:
                for row in range(1, last_row + 1):
                    data = rows_data[row - 1] if row - 1 < len(rows_data) else None
                    value = None if data is None else data.get(column.field)
                    _write_value(ws, row, index, column, value, cell)
                self._validate(ws, 1, index, last_row, index, column)
            if column.computed:
                ws.data_validation(1, index, last_row, index, {
                    "validate": "any", "input_title": _title(column.header), "input_message": _clip(column.help),
                })
        self._deadline_formats(ws, sheet, last_row)
        if self.self_check and any(c.field == SELF_CHECK for c in sheet.columns):
            self._check_formats(ws, sheet, last_row)
        self._print_area(ws, sheet, sum(1 for data in rows_data if data))
        ws.freeze_panes(1, 1)
        ws.protect("", _PROTECTION)
        widths = [display_width(c) for c in sheet.columns]
        layout = choose_layout(widths, repeat_columns=1)
        self._print_setup(ws, landscape=layout.landscape, fit_width=layout.pages_wide,
                          repeat_columns=layout.pages_wide > 1, paper=layout.paper,
                          header_text=ledger_header(self.info_values, internal=holds_ids(sheet)))

    def _print_area(self, ws: Worksheet, sheet: Sheet, filled: int) -> None:
        """Print the header and the filled rows (the header and a few blank rows when none
        is filled): a plain range, which Excel, WPS and LibreOffice all honour (LibreOffice
        ignores a formula print area and would print every ready row).  Annotated copies
        set it again from the rows they find filled (``addin.validation.annotate``)."""
        ws.print_area(0, 0, print_rows(filled), len(sheet.columns) - 1)

    def _validate(self, ws: Worksheet, first_row: int, first_col: int, last_row: int, last_col: int,
                  column: Column) -> None:
        rule: dict[str, Any] = {"input_title": _title(column.header), "input_message": _clip(_input_help(column)),
                                "error_title": "输入有误", "error_type": "stop"}
        kind = column.type
        listed = profile_options(self.profile, column)
        if listed:  # 纪律处分, 免责情形 (2.1): the profile's list; another value is a warning, not refused
            rule.update(validate="list", source=self.lists.ref(column.header, listed), error_type="warning",
                        error_message=_clip(f"{column.header}应从下拉列表中选择（适用标准所列）：{'、'.join(listed)}"))
        elif kind in (ColumnType.ENUM, ColumnType.FLAG):
            values = column.options
            rule.update(validate="list", source=self.lists.ref(column.header, values),
                        error_message=_clip(f"{column.header}只能从下拉列表中选择：{'、'.join(values)}"))
            if column.check == "ban_term":  # the list holds common terms: any N年 (N ≥ 5) may be typed
                rule.update(error_type="information",
                            error_message=_clip(f"{column.header}应为5年及以上的整年数（如 8年）或 终身"))
        elif kind is ColumnType.DATE:
            rule.update(validate="date", criteria="between", minimum=_FIRST_DATE, maximum=_LAST_DATE,
                        error_message=f"{column.header}应填写日期，如 2026-11-23")
        elif kind in (ColumnType.NUMBER, ColumnType.PERCENT):
            if column.maximum is not None:
                rule.update(validate="decimal", criteria="between", minimum=column.minimum or 0,
                            maximum=column.maximum,
                            error_message=f"{column.header}应填写 0 到 100% 之间的比例（如 0.5 或 50%）")
            else:
                rule.update(validate="decimal", criteria=">" if column.minimum_exclusive else ">=",
                            value=column.minimum or 0,
                            error_message=f"{column.header}应填写{'大于' if column.minimum_exclusive else '不小于'}0的数字，"
                                          f"单位万元，不带单位和千分位")
        elif kind is ColumnType.INTEGER:
            rule.update(validate="integer", criteria="between", minimum=int(column.minimum or 0),
                        maximum=int(column.maximum or 9999), error_message=f"{column.header}应填写整数，如 2026")
        elif column.check is not None:
            rule.update(validate="length", criteria="==", value=column.max_length or 18,
                        error_message=f"{column.header}应为{column.max_length or 18}位")
        elif column.max_length is not None and column.min_length is not None:
            rule.update(validate="length", criteria="between", minimum=column.min_length, maximum=column.max_length,
                        error_message=f"{column.header}应为{column.min_length}到{column.max_length}个字")
        elif column.max_length is not None:
            rule.update(validate="length", criteria="<=", value=column.max_length,
                        error_message=f"{column.header}不能超过{column.max_length}个字")
        else:
            rule = {"validate": "any", "input_title": rule["input_title"], "input_message": rule["input_message"]}
        ws.data_validation(first_row, first_col, last_row, last_col, rule)

    def _deadline_formats(self, ws: Worksheet, sheet: Sheet, last_row: int) -> None:
        """Overdue deadlines red, those within 5 working days amber (as of 填报日期, else today)."""
        late = self.fmt.get(bg_color=COLORS["late_fill"], font_color=COLORS["late_font"], bold=True)
        soon = self.fmt.get(bg_color=COLORS["soon_fill"], font_color=COLORS["soon_font"])
        watched: list[tuple[str, str]] = []
        extended: dict[str, str] = {}
        if sheet.key == "clues":
            stage = _rel(sheet, "stage")
            received, checking = (fx.q(v) for v in CLUE_STAGES[:2])  # 受理, 初步核实: not yet verified
            open_ = f'OR({stage}="",{stage}={received},{stage}={checking})'
            watched.append(("initial_check_deadline", open_))
            if any(c.field == "initial_check_extended_to" for c in sheet.columns):
                # the deadline in force: a later approved 初核延期至 replaces it (udfs.deadlines.deadline_in_force)
                extended["initial_check_deadline"] = _rel(sheet, "initial_check_extended_to")
        if sheet.key == "rectification":
            watched.append(("deadline", f'{_rel(sheet, "result")}<>{fx.q(vocab.RECTIFY_RESULTS[0])}'))
            col = sheet.index("overdue")
            ws.conditional_format(1, col, last_row, col, {
                "type": "formula", "criteria": f'={_rel(sheet, "overdue")}={fx.q(vocab.YES)}', "format": late})
        for field_name, still_open in watched:
            col = sheet.index(field_name)
            cell = _rel(sheet, field_name)
            due = f"MAX({cell},{extended[field_name]})" if field_name in extended else cell  # MAX skips a blank
            ws.conditional_format(1, col, last_row, col, {
                "type": "formula", "format": late,
                "criteria": f"=AND(ISNUMBER({cell}),{still_open},{due}<{fx.REF_DATE})"})
            ws.conditional_format(1, col, last_row, col, {
                "type": "formula", "format": soon,
                "criteria": f"=AND(ISNUMBER({cell}),{still_open},{due}>={fx.REF_DATE},{due}<={SOON_DATE})"})

    def _check_formats(self, ws: Worksheet, sheet: Sheet, last_row: int) -> None:
        """Mark the cells 自查 names (from its phrases) and a row's 自查 cell when it is not blank."""
        flagged = self.fmt.get(bg_color=COLORS["late_fill"], font_color=COLORS["late_font"])
        check_col = sheet.index(SELF_CHECK)
        check_cell = _rel(sheet, SELF_CHECK)
        ws.conditional_format(1, check_col, last_row, check_col, {
            "type": "formula", "criteria": f'={check_cell}<>""', "format": flagged})
        for field_name, phrases in sc.format_phrases(sheet).items():
            col = sheet.index(field_name)
            ws.conditional_format(1, col, last_row, col, {
                "type": "formula", "criteria": sc.format_criteria(check_cell, phrases), "format": flagged})

    # -- 自查结果 ---------------------------------------------------------------------------------
    def _checks_sheet(self, ws: Worksheet) -> None:
        """Per sheet: how many rows 自查 flags, and links to the first ones."""
        title = self.fmt.get(bold=True, font_size=14, font_color=COLORS["title"])
        head = self.fmt.get(bold=True, font_color="#FFFFFF", bg_color=COLORS["title"], border=1,
                            border_color="#BFBFBF", valign="vcenter", text_wrap=True)
        text = self.fmt.get(border=1, border_color="#D9D9D9", valign="vcenter")
        count = self.fmt.get(border=1, border_color="#D9D9D9", valign="vcenter", num_format="0", bold=True)
        link = self.fmt.get(border=1, border_color="#D9D9D9", valign="vcenter", font_color="#0563C1", underline=1)
        flagged = self.fmt.get(bg_color=COLORS["late_fill"], font_color=COLORS["late_font"], bold=True)
        ws.set_column(0, 0, 18)
        ws.set_column(1, 1, 14)
        ws.set_column(2, 1 + CHECK_LINKS, 10)
        helper_first = 2 + CHECK_LINKS + 1  # hidden columns: the flagged rows' numbers
        ws.set_column(helper_first, helper_first + CHECK_LINKS, 6, None, {"hidden": True})
        ws.write_string(0, 0, "自查结果（由各表「自查」列的公式自动统计；问题数为 0 时再报送）", title)
        ws.write_row(2, 0, ["工作表", "有问题的行数", *[f"第{n}处" for n in range(1, CHECK_LINKS + 1)]], head)
        ws.set_row(2, 30)
        row = 3
        for sheet in sc.checked_sheets():
            ws.write_string(row, 0, sheet.name, text)
            rows_flagged = self.flagged.get(sheet.key)
            ws.write_formula(row, 1, "=" + sc.flagged_count(sheet, self.lookup_rows), count,
                             cached.cell_value(None if rows_flagged is None else len(rows_flagged)))
            for n in range(1, CHECK_LINKS + 1):
                helper = xl_rowcol_to_cell(row, helper_first + n - 1)
                nth = "" if rows_flagged is None or n > len(rows_flagged) else rows_flagged[n - 1]
                ws.write_array_formula(row, helper_first + n - 1, row, helper_first + n - 1,
                                       "{=" + sc.nth_flagged_row(sheet, n, self.lookup_rows) + "}", None, nth)
                column = "A" if sheet.kind == "ledger" else "B"
                target = fx.q(f"#'{sheet.name}'!{column}") + f"&{helper}"
                ws.write_formula(row, 1 + n, f'=IF({helper}="","",HYPERLINK({target},"第"&{helper}&"行"))', link,
                                 f"第{nth}行" if nth != "" else "")
            row += 1
        last = row - 1
        ws.conditional_format(3, 1, last, 1, {"type": "cell", "criteria": ">", "value": 0, "format": flagged})
        ws.write_string(row, 0, "合计", text)
        ws.write_formula(row, 1, f"=SUM(B4:B{last + 1})", count,
                         cached.cell_value(cached.total([None if r is None else len(r) for r in self.flagged.values()])))
        for n, key in enumerate(sc.UNIQUE_FIELDS):  # hidden: are the unique columns in order?
            cell = (3 + n, helper_first + CHECK_LINKS)
            ws.write_formula(*cell, "=" + sc.order_formula(key, self.lookup_rows), None,
                             "" if self.filled.get(key) else 0)
            self.book.define_name(sc.order_name(key), f"='{CHECKS_SHEET}'!{_abs(*cell)}")
        row += 2
        ws.merge_range(row, 0, row + 2, 1 + CHECK_LINKS,
                       "每张台账最后一列「自查」逐行检查：必填、类型、选项、长度、金额和比例的范围、身份证号码和统一社会信用代码的校验位、"
                       "日期先后、金额关系、线索编号引用和重复、按「参数」表的适用标准检查组织处理、扣减比例和禁入限制。"
                       "有问题的单元格标红。自查没有发现问题不等于一定通过，上报后以校验结果为准。",
                       self.fmt.get(text_wrap=True, valign="top"))
        ws.protect("", _PROTECTION)
        self._print_setup(ws, landscape=False, fit_width=1, repeat_columns=False, repeat_header=False)

    def _option_names(self) -> None:
        """A defined name per closed list (自查 checks a value against it)."""
        for sheet in STANDARD.sheets:
            for column in sheet.input_columns:
                if column.type is ColumnType.ENUM and column.options:
                    self.book.define_name(sc.option_name(sheet.key, column.field),
                                          self.lists.ref(column.header, column.options))

    # -- 参数 ------------------------------------------------------------------------------------
    def _handling_rows(self, ws: Any, row: int, table: list[tuple[str, str, str, str]], text: Any,
                       percent: Any) -> tuple[int, int]:
        """The rows of a handling table: (key, what column B shows, grade handled at, 责任类型)
        each; returns (first row, the row after the last)."""
        first = row
        for key, shown, grade, responsibility in table:
            entry = self.profile.handling_for(grade, responsibility)
            pay, term = entry.performance_pay, entry.term_incentive
            ws.write_string(row, 0, key, text)
            ws.write_string(row, 1, shown, text)
            ws.write_string(row, 2, responsibility if shown == grade else grade, text)
            for bounds, at, flags in ((pay, 3, 11), (term, 5, 14)):  # 下限, 上限; 扣减 是/否, 含本数 × 2
                low, high, low_inclusive, high_inclusive = sc.ratio_bounds(bounds)
                ws.write_number(row, at, low, percent)
                ws.write_number(row, at + 1, high, percent)
                ws.write_string(row, flags, _yes(bounds is not None), text)
                ws.write_string(row, flags + 1, _yes(low_inclusive), text)
                ws.write_string(row, flags + 2, _yes(high_inclusive), text)
            ws.write_string(row, 7, _yes(entry.ban_allowed), text)
            ws.write_string(row, 8, f"{'、'.join(entry.measures)}；绩效年薪 {range_text(pay)}，"
                                    f"任期激励 {range_text(term)}", text)
            ws.write_string(row, 9, "；".join(entry.lti) if entry.lti else "无", text)
            ws.write_string(row, 10, "、" + "".join(f"{m}、" for m in entry.measures), text)
            row += 1
        return first, row

    def _params_sheet(self) -> None:
        p = self.profile
        ws = self.book.add_worksheet(PARAMS_SHEET)
        head = self.fmt.get(bold=True, font_color="#FFFFFF", bg_color=COLORS["title"], text_wrap=True,
                            valign="vcenter", border=1, border_color="#BFBFBF")
        section = self.fmt.get(bold=True, font_size=12, font_color=COLORS["title"])
        text = self.fmt.get(text_wrap=True, valign="top", border=1, border_color="#D9D9D9")
        number = self.fmt.get(num_format="#,##0.####", valign="top", border=1, border_color="#D9D9D9")
        percent = self.fmt.get(num_format="0%", valign="top", border=1, border_color="#D9D9D9")
        for col, width in enumerate((16, 14, 14, 16, 14, 16, 14, 14, 40, 60, 30, 10, 10, 10, 10, 10, 10)):
            ws.set_column(col, col, width)
        names: dict[str, str] = {}
        row = 0
        ws.write_string(row, 0, "适用标准参数（由程序按适用标准生成，模板中的计算公式引用本表；请勿修改）", section)
        row += 1
        basics = [(_h("info", "profile"), p.key), ("名称", p.title), ("施行日期", p.effective.isoformat()),
                  ("说明", p.description), ("损失分级", p.loss_grade.text)]
        for label, value in basics:
            ws.write_string(row, 0, label, head)
            ws.merge_range(row, 1, row, 9, value, text)
            if label == _h("info", "profile"):
                names[fx.PARAM_PROFILE] = _abs(row, 1)
            row += 1

        row += 1
        ws.write_string(row, 0, "一、资产损失等级标准（达到金额标准或占上年末资产比例标准之一即达到该等级）", section)
        row += 1
        ws.write_row(row, 0, [_h("clues", "loss_grade"), "金额标准（万元）", "金额含本数", "占上年末资产比例", "比例含本数",
                              "", "", "", "依据", ""], head)
        row += 1
        for rank, level in enumerate(p.loss_grade.levels, start=1):
            ws.write_string(row, 0, level.grade, text)
            ws.write_number(row, 1, level.amount_from, number)
            ws.write_string(row, 2, _yes(level.amount_inclusive), text)
            names[fx.grade_amount_name(rank)] = _abs(row, 1)
            if level.share_from is not None:
                ws.write_number(row, 3, level.share_from, self.fmt.get(num_format="0.00%", border=1,
                                                                       border_color="#D9D9D9"))
                ws.write_string(row, 4, _yes(level.share_inclusive), text)
                names[fx.grade_share_name(rank)] = _abs(row, 3)
            else:
                ws.write_string(row, 3, "不设", text)
                ws.write_string(row, 4, "", text)
            ws.merge_range(row, 8, row, 9, _source(level), text)
            row += 1

        row += 1
        ws.write_string(row, 0, "二、管辖层级和一事一报告（按损失等级）", section)
        row += 1
        ws.write_row(row, 0, [_h("clues", "loss_grade"), _h("clues", "jurisdiction"), "集团公司的管辖层级",
                              _h("clues", "event_report_required"), "", "", "", "", "依据", ""], head)
        row += 1
        first = row
        for grade in vocab.GRADES:
            # a v1 workbook has no consequence grade and no enterprise-head flag: the
            # engine's answer for 无 / 否 at each level is what the formulas look up
            body, body_entry = jurisdiction_entry(p, grade, vocab.UNIT_LEVELS[-1]) or ("", None)
            group, group_entry = jurisdiction_entry(p, grade, fx.GROUP_LEVEL) or ("", None)
            ws.write_string(row, 0, grade, text)
            ws.write_string(row, 1, body, text)
            ws.write_string(row, 2, group, text)
            ws.write_string(row, 3, _yes(needs_event_report(p, grade)), text)
            cited = "；".join(dict.fromkeys(_source(e) for e in (body_entry, group_entry) if e is not None))
            ws.merge_range(row, 8, row, 9, f"{cited}；一事一报告：{_source(p.one_event_report)}", text)
            row += 1
        names[fx.GRADE_NAME] = _abs_range(first, 0, row - 1, 0)
        names[fx.BODY] = _abs_range(first, 1, row - 1, 1)
        names[fx.GROUP_BODY] = _abs_range(first, 2, row - 1, 2)
        names[fx.EVENT_REPORT] = _abs_range(first, 3, row - 1, 3)

        row += 1
        keying = p.case_grade_handling if self.options.version >= 2 else None
        title = "三、处理标准（按损失等级 × 责任类型；比例以小数存储，显示为百分比）"
        if keying is not None:
            title = ("三、处理标准（按案件等级 × 责任类型，案件等级为损失等级与不良后果等级中较高者"
                     f"{'' if keying.checked else '，待核对'}；比例以小数存储，显示为百分比）")
        ws.write_string(row, 0, title, section)
        row += 1
        header = ["查找键", _h("accountability", "loss_grade"), _h("accountability", "responsibility"),
                  _h("accountability", "pay_ratio_min"), _h("accountability", "pay_ratio_max"),
                  "任期激励扣减下限", "任期激励扣减上限", "可禁入限制", "可采取的组织处理 / 扣减范围",
                  _h("accountability", "lti"), "组织处理（自查用）", "扣减绩效年薪", "绩效年薪下限含本数",
                  "绩效年薪上限含本数", "扣减任期激励", "任期激励下限含本数", "任期激励上限含本数"]
        ws.write_row(row, 0, header, head)
        row += 1
        table = [(f"{g}|{r}", g, g, r) for g in vocab.GRADES for r in vocab.RESPONSIBILITIES]
        first, row = self._handling_rows(ws, row, table, text, percent)
        names[fx.HANDLING_KEY] = _abs_range(first, 0, row - 1, 0)
        entries = (first, row)  # the table the formulas read the entries from (below: the case-key one)

        row += 1
        ws.write_string(row, 0, "四、组织处理的影响期", section)
        row += 1
        ws.write_row(row, 0, [_h("accountability", "measure"), "影响期（月）", "不安排职务（月）", "", "", "", "", "", "说明", "依据"], head)
        row += 1
        influence = [(e.measure, e.months, e.no_post_months, e) for e in p.influence]
        first, row = _period_rows(ws, row, influence, text, number)
        names[fx.INFLUENCE_MEASURE] = _abs_range(first, 0, max(row - 1, first), 0)
        names[fx.INFLUENCE_MONTHS] = _abs_range(first, 1, max(row - 1, first), 1)
        if self.options.version >= 2.1:  # 纪律处分: the longer period applies (2.1)
            ws.write_row(row, 0, [_h("accountability", "discipline"), "影响期（月）", "", "", "", "", "", "",
                                  "说明（同时受到纪律处分的，按影响期长的执行）", "依据"], head)
            row += 1
            first, row = _period_rows(ws, row, [(s.kind, s.months, None, s) for s in p.sanctions], text, number)
            names[fx.SANCTION_KIND] = _abs_range(first, 0, max(row - 1, first), 0)
            names[fx.SANCTION_MONTHS] = _abs_range(first, 1, max(row - 1, first), 1)

        row += 1
        ws.write_string(row, 0, "五、期限", section)
        row += 1
        ws.write_row(row, 0, ["事项", "期限", "单位", "可延长（工作日）", "", "", "", "", "说明", "依据"], head)
        row += 1
        v2 = self.options.version >= 2
        deadlines: list[tuple[str, Deadline | None, str | None]] = [
            ("初核报告", p.deadlines.initial_check, fx.INITIAL_CHECK),
            ("实时报告快报", p.deadlines.flash_report, fx.FLASH_REPORT if v2 else None),
            ("实时报告", p.deadlines.full_report, fx.FULL_REPORT if v2 else None),
            ("实时报告初核报告", p.deadlines.initial_report, None),
            ("审计整改", p.deadlines.rectify, fx.RECTIFY_PERIOD),
            ("核查", p.deadlines.investigation, fx.INVESTIGATION if v2 else None),
            ("申诉", p.deadlines.appeal, None),
            ("复核", p.deadlines.review, fx.REVIEW if v2 else None),
        ]
        for label, rule, name in deadlines:
            if rule is None:
                continue
            ws.write_string(row, 0, label, text)
            ws.write_number(row, 1, rule.workdays if rule.workdays is not None else rule.months or 0, number)
            ws.write_string(row, 2, "工作日" if rule.workdays is not None else "月", text)
            if rule.extension_max_workdays is not None:
                ws.write_number(row, 3, rule.extension_max_workdays, number)
            ws.write_string(row, 8, rule.text, text)
            ws.write_string(row, 9, _source(rule), text)
            if name is not None:
                names[name] = _abs(row, 1)
            row += 1

        row += 1
        ws.write_string(row, 0, "六、禁入限制期限", section)
        row += 1
        ws.write_row(row, 0, [_h("bans", "term"), "年数", "", "", "", "", "", "", "说明", "依据"], head)
        row += 1
        first = row
        for term in p.ban.terms:
            ws.write_string(row, 0, term, text)
            if term != fx.LIFELONG:
                ws.write_number(row, 1, int(term.rstrip("年")), number)
            ws.write_string(row, 8, "终身禁入，没有截止日期" if term == fx.LIFELONG else f"起始日期加{term}", text)
            ws.write_string(row, 9, _source(p.ban), text)
            row += 1
        names[fx.BAN_TERM] = _abs_range(first, 0, row - 1, 0)
        names[fx.BAN_YEARS] = _abs_range(first, 1, row - 1, 1)
        ws.write_string(row, 0, "最短年数", text)
        ws.write_number(row, 1, p.ban.min_years, number)
        life = "，或终身" if p.ban.life else ""
        ws.write_string(row, 8, f"禁入期限可填{p.ban.min_years}年及以上的任一整年数（写作“8年”）{life}", text)
        ws.write_string(row, 9, _source(p.ban), text)
        names[fx.BAN_MIN_YEARS] = _abs(row, 1)
        row += 1
        printed = row  # what a reader needs ends here; the case-key look-up table below is not printed

        if keying is not None:  # the formulas look up 损失等级|不良后果等级|责任类型 (fx.CASE_KEY)
            row += 1
            ws.write_string(row, 0, "附：按损失等级和不良后果等级查找处理标准（计算公式用，不打印；取两者中较高者的处理标准，"
                                    f"即上面第三部分中该等级的一行；{keying.text}出处：{_source(keying)}）", section)
            row += 1
            ws.write_row(row, 0, ["查找键", "损失等级|不良后果等级", "案件等级", *header[3:]], head)
            row += 1
            table = [(key, key.rsplit("|", 1)[0], at, r) for key, at, r in fx.case_key_rows(p)]
            entries = self._handling_rows(ws, row, table, text, percent)
            row = entries[1]
            names[fx.CASE_KEY] = _abs_range(entries[0], 0, row - 1, 0)
        first, end = entries
        for name, col in ((fx.PAY_MIN, 3), (fx.PAY_MAX, 4), (fx.TERM_MIN, 5), (fx.TERM_MAX, 6), (fx.LTI, 9),
                          (sc.BAN_ALLOWED, 7), (sc.MEASURES_ALLOWED, 10), (sc.PAY_MIN_INCLUSIVE, 12),
                          (sc.PAY_MAX_INCLUSIVE, 13), (sc.TERM_MIN_INCLUSIVE, 15), (sc.TERM_MAX_INCLUSIVE, 16)):
            names[name] = _abs_range(first, col, end - 1, col)

        for name, ref in names.items():
            self.book.define_name(name, f"='{PARAMS_SHEET}'!{ref}")
        # A profile whose levels have no share test still needs the names the formulas
        # never use; nothing else to define.
        ws.protect("", _PROTECTION)
        self._print_setup(ws, landscape=True, fit_width=1, repeat_columns=False, repeat_header=False)
        # the columns after 依据 are look-ups for the 自查 formulas, not for reading: not printed
        ws.print_area(0, 0, printed - 1, PARAMS_PRINTED_COLUMNS - 1)

    # -- 工作日历 ----------------------------------------------------------------------------------
    def _calendar_sheet(self) -> None:
        ws = self.book.add_worksheet(CALENDAR_SHEET)
        head = self.fmt.get(bold=True, font_color="#FFFFFF", bg_color=COLORS["title"], border=1,
                            border_color="#BFBFBF")
        ws.write_row(0, 0, ["日期", "星期", "说明"], head)
        date_format = self.fmt.get(num_format="yyyy-mm-dd")
        plain = self.fmt.get()
        ws.set_column(0, 0, 12)
        ws.set_column(1, 1, 8)
        ws.set_column(2, 2, 12)
        days = self.calendar.working_days()
        for row, day in enumerate(days, start=1):
            ws.write_datetime(row, 0, dt.datetime.combine(day, dt.time()), date_format)
            ws.write_string(row, 1, f"星期{_WEEKDAYS[day.weekday()]}", plain)
            if day.weekday() >= 5:
                ws.write_string(row, 2, "调休上班", plain)
        ws.freeze_panes(1, 0)
        years = self.calendar.known_years
        self._print_setup(ws, landscape=False, fit_width=1, repeat_columns=False, repeat_header=False, header=False)
        if years:  # every working day since 2004 is a hundred pages: print the latest year's arrangement
            year = years[-1]
            schedule = self.calendar.years[year]
            ws.set_header(f"&C工作日历（本表 A 列是{years[0]}–{year}年的全部工作日；打印{year}年放假和调休安排）")
            ws.set_column(3, 3, 2)
            ws.set_column(4, 5, 13)
            ws.set_column(6, 6, 22)
            ws.merge_range(0, 4, 0, 6, f"{year}年放假和调休上班安排", head)
            ws.write_row(1, 4, ["起", "止", "安排"], head)
            spans = [(first, last, f"放假 {(last - first).days + 1} 天") for first, last in _date_spans(schedule.holidays)]
            spans += [(day, day, f"调休上班（星期{_WEEKDAYS[day.weekday()]}）") for day in sorted(schedule.workdays)]
            for row, (first, last, what) in enumerate(sorted(spans), start=2):
                ws.write_datetime(row, 4, dt.datetime.combine(first, dt.time()), date_format)
                ws.write_datetime(row, 5, dt.datetime.combine(last, dt.time()), date_format)
                ws.write_string(row, 6, what, plain)
            ws.write_string(len(spans) + 3, 4, f"来源：{schedule.source}", plain)
            ws.print_area(0, 4, len(spans) + 3, 6)

    # -- 列表 -------------------------------------------------------------------------------------
    def _lists_sheet(self) -> None:
        ws = self.book.add_worksheet(LISTS_SHEET)
        measure = STANDARD.sheet("accountability").column("measure")
        ref = self.lists.ref(measure.header, measure.options)
        for col, (title, values) in enumerate(self.lists.columns):
            ws.write_string(0, col, title)
            for row, value in enumerate(values, start=1):
                ws.write_string(row, col, value)
            ws.set_column(col, col, 14)
        self.book.define_name(fx.MEASURE_LIST, ref)
        ws.hide()
        ws.protect("", _PROTECTION)

    # -- 填报说明 -----------------------------------------------------------------------------------
    def _guide(self, ws: Worksheet) -> None:
        p = self.profile
        title = self.fmt.get(bold=True, font_size=16, font_color=COLORS["title"])
        # wrapped: a long line would run on past the table, and LibreOffice prints (and shrinks) that far
        section = self.fmt.get(bold=True, font_size=12, font_color="#FFFFFF", bg_color=COLORS["title"],
                               text_wrap=True, valign="vcenter")
        head = self.fmt.get(bold=True, bg_color="#DDEBF7", border=1, border_color="#BFBFBF", text_wrap=True,
                            valign="vcenter")
        text = self.fmt.get(text_wrap=True, valign="top", border=1, border_color="#D9D9D9")
        bullet = self.fmt.get(text_wrap=True, valign="top")
        widths = GUIDE_WIDTHS
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        row = 0
        ws.write_string(row, 0, "子企业填报模板 · 填报说明", title)
        ws.set_row(row, 26)
        row += 2
        for number, line in enumerate(_general_notes(p, self.options, self.rows, self.calendar), start=1):
            ws.merge_range(row, 0, row, 4, f"{number}. {line}", bullet)
            ws.set_row(row, _height(f"{number}. {line}", sum(widths)))
            row += 1
        for sheet in self.standard.sheets:
            ws.set_row(row, GUIDE_GAP)
            row += 1
            ws.merge_range(row, 0, row, 4, f"「{sheet.name}」 {sheet.purpose}", section)
            ws.set_row(row, _height(f"「{sheet.name}」 {sheet.purpose}", sum(widths), line=17))
            row += 1
            ws.write_row(row, 0, ["列名" if sheet.kind == "ledger" else "项目", "类型", "填写要求", "可选值", "说明"], head)
            row += 1
            for column in sheet.columns:
                options = "、".join(column.options or profile_options(p, column))
                if column.choices == "profiles":
                    options += "（适用标准名称）"
                elif column.profile_list is not None and options:
                    options += "（适用标准所列，可按需修改适用标准）"
                help_text = column.help
                if column.computed and self.options.mode == "udf":
                    functions = fx.RULES[column.computed_by].functions  # type: ignore[index]
                    if functions:
                        help_text += f"（公式调用加载项函数 {'、'.join(functions)}）"
                cells = [column.header, TYPE_LABELS[column.type], _requirement(column), options, help_text]
                for col, value in enumerate(cells):
                    ws.write_string(row, col, value, text)
                ws.set_row(row, max(_height(value, width) for value, width in zip(cells, widths)))
                row += 1
        ws.set_row(row, GUIDE_GAP)
        row += 1
        for text in (f"「{PARAMS_SHEET}」 适用标准 {p.key} 的损失分级金额和比例、处理标准、影响期、期限和禁入期限，"
                     "由程序生成，计算公式引用本表，请勿修改",
                     f"「{CALENDAR_SHEET}」 已知年份的全部法定工作日（周一至周五中除去法定节假日，加上调休上班的周末），"
                     "用于计算以工作日计的期限；新年份公布后在末尾按日期顺序追加"):
            ws.merge_range(row, 0, row, 4, text, section)
            ws.set_row(row, _height(text, sum(widths), line=17))
            row += 1
        ws.protect("", _PROTECTION)
        self._print_setup(ws, landscape=True, fit_width=1, repeat_columns=False, repeat_header=False,
                          scale=GUIDE_SCALE)

    # -- print setup ----------------------------------------------------------------------------
    def _print_setup(self, ws: Worksheet, landscape: bool, fit_width: int, repeat_columns: bool,
                     repeat_header: bool = True, header: bool = True, paper: int = A4,
                     header_text: str | None = None, scale: int | None = None) -> None:
        """Paper, orientation, titles, header and footer; fitted to ``fit_width`` pages wide,
        or printed at ``scale`` percent (a sheet whose columns fit at that scale)."""
        ws.set_paper(paper)
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
        if repeat_header:
            ws.repeat_rows(0)
        if repeat_columns:
            ws.repeat_columns(0)
            ws.print_across()  # a wide ledger: the pages of the same rows follow each other
        if scale is not None:
            ws.set_print_scale(scale)
        else:
            ws.fit_to_pages(fit_width, 0)
        if header:
            ws.set_header(header_text or "&C&A", {"margin": 0.3})
        ws.set_footer("&C第 &P 页，共 &N 页")


BLANK_FIELD = "＿＿＿＿＿＿＿＿"
"""What a page header shows for a 填报信息 value not known when the template is made: a page
header cannot refer to a cell (Excel's header codes are the sheet, file, page and date only),
so a blank template prints a line to write on."""


def holds_ids(sheet: Sheet) -> bool:
    """Does the sheet print 身份证号码 (责任认定与处理, 禁入限制人员)?"""
    return any(c.check == "id" for c in sheet.columns)


def _period_rows(ws: Any, row: int, entries: Sequence[tuple[str, float | None, float | None, Any]], text: Any,
                 number: Any) -> tuple[int, int]:
    """The 参数 sheet's rows of a period table — 组织处理 or 纪律处分 (name, 影响期（月）, 不安排职务（月）,
    说明, 依据) — from ``row``; returns (first row, the row after the last)."""
    first = row
    for name, months, no_post, entry in entries:
        ws.write_string(row, 0, name, text)
        if months is not None:
            ws.write_number(row, 1, months, number)
        if no_post is not None:
            ws.write_number(row, 2, no_post, number)
        ws.write_string(row, 8, entry.text, text)
        ws.write_string(row, 9, _source(entry), text)
        row += 1
    return first, row


HEADER_UNIT_CHARS = 120
"""The most of a 填报单位 a ledger's page header shows (the rest of the header is under 60 characters)."""


def ledger_header_parts(info: Mapping[str, Any], internal: bool = False) -> tuple[str, str, str]:
    """A ledger's page header (left, centre, right; header codes, 9/10 points): 填报单位 left,
    the sheet centre, 报告期 right — the values where ``info`` has them, else lines to write
    on — and "（内部资料）" after the sheet name where the sheet prints 身份证号码 (one line: a line break
    in a header does not survive openpyxl, which annotated copies are written with)."""
    unit = str(info.get("unit_name") or "").strip() or BLANK_FIELD
    if len(header_escape(unit)) > HEADER_UNIT_CHARS:  # a bounced file's overlong name: Excel refuses a header over 255 characters
        unit = unit[:HEADER_UNIT_CHARS]
        while len(header_escape(unit + "…")) > HEADER_UNIT_CHARS:
            unit = unit[:-1]
        unit += "…"
    year, period = info.get("report_year"), str(info.get("report_period") or "").strip()
    when = (f"{year}年度" if period == "年度" else f"{year}年{period}") if year and period else BLANK_FIELD
    centre = "&A" + (f" &B（{INTERNAL_MARK}）&B" if internal else "")
    return f"填报单位：{header_escape(unit)}", centre, f"报告期：{header_escape(when)}"


def ledger_header(info: Mapping[str, Any], internal: bool = False) -> str:
    left, centre, right = ledger_header_parts(info, internal)
    return f"&L&9{left}&C&10{centre}&R&9{right}"


def _date_spans(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days as (first, last) spans."""
    spans: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if spans and (day - spans[-1][1]).days == 1:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


BLANK_PRINT_ROWS = 5
"""Blank rows a ledger prints below its header when nothing is filled in yet."""


def print_rows(filled: int) -> int:
    """The last printed row (0-based, the header is row 0) of a ledger with ``filled`` rows."""
    return max(filled, BLANK_PRINT_ROWS)



class _PlainFormulas(Worksheet):
    """A ledger sheet: its formulas use only functions every Excel knows (no _xlfn. prefix
    to add), so xlsxwriter's thirty regular-expression passes per formula are skipped —
    they took most of a template's build time for the long 自查 formulas.

    The columns in ``shared`` are written as one shared formula (``<f t="shared">``, as
    Excel itself saves a filled-down column): the text once, at the first row, and a
    reference to it in every other row.  Their formulas differ only in relative row
    numbers.  LibreOffice then compiles the long 自查 formula once, not once per row —
    most of its loading time.
    """

    shared: dict[int, tuple[int, int, int]]
    """0-based column → (first row, last row, shared index), 0-based rows."""

    def _xml_formula_element(self, formula: str, result: Any, attributes: list[tuple[str, Any]] = []) -> None:
        spans = getattr(self, "shared", None)
        if spans:
            row, col = xl_cell_to_rowcol(attributes[0][1])
            span = spans.get(col)
            if span is not None and span[0] <= row <= span[1]:
                first, last, index = span
                attr = "".join(f' {k}="{self._escape_attributes(v)}"' for k, v in attributes)
                value = self._escape_data(result)
                if row == first:
                    ref = f"{xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)}"
                    self.fh.write(f'<c{attr}><f t="shared" ref="{ref}" si="{index}">{self._escape_data(formula)}</f>'
                                  f"<v>{value}</v></c>")
                else:
                    self.fh.write(f'<c{attr}><f t="shared" si="{index}"/><v>{value}</v></c>')
                return
        super()._xml_formula_element(formula, result, attributes)

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula


_SENTINEL_ROW = 987_659
"""A computed column's formula is made once for this row number, then the number is
replaced by each row's (formulas differ between rows only in their row number)."""

SOON_DATE = "zz_soon_date"
"""The 5th working day after 填报日期 (or today): deadlines up to it are 即将到期."""

_PROTECTION = {
    "objects": True, "scenarios": True, "format_cells": False, "format_columns": True, "format_rows": True,
    "insert_columns": False, "insert_rows": False, "insert_hyperlinks": False, "delete_columns": False,
    "delete_rows": False, "select_locked_cells": True, "sort": False, "autofilter": True, "pivot_tables": False,
    "select_unlocked_cells": True,
}


CALENDAR_LAST_ROW = 20_000
"""The 工作日历 range the formulas search: room below the known years for about 50 more."""


def workdays_reference() -> str:
    """The working days of 工作日历 column A from row 2 (no gaps), with blank rows below
    for the years appended later.  A fixed range, not one ending in INDEX(…): Gnumeric
    cannot evaluate a defined name of that form."""
    return f"='{CALENDAR_SHEET}'!$A$2:$A${CALENDAR_LAST_ROW}"


def _h(sheet_key: str, field_name: str) -> str:
    """A column's header, where the 参数 sheet titles the same thing."""
    return STANDARD.sheet(sheet_key).column(field_name).header


def _height(text: str, width: float, line: float = 14.5) -> float:
    """Row height (points) for ``text`` wrapped in a column ``width`` characters wide: a
    Chinese character takes two widths (Excel draws a column of width w about 1.1 w wide
    in those, LibreOffice 1.15 w), a line of 10-point text 14.5 points (LibreOffice's)."""
    units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return line * max(1, math.ceil(units / max(width * 1.05 - 1, 1))) + 3


GUIDE_WIDTHS = (17, 6, 13, 35, 82)
"""填报说明's columns (列名, 类型, 填写要求, 可选值, 说明): 153 characters, one A4 landscape page
wide printed at ``GUIDE_SCALE`` (784 printable points; ``addin.plumbing.pages.column_points``
draws 153 × 5.6 × 0.9 = 771), so its 10-point text prints at 9 points (the old 171 characters
fitted to A4 portrait printed at about 55%: 5.5 points)."""
GUIDE_SCALE = 90
"""Percent 填报说明 prints at: 10-point text at 9 points, the least a clerk reads comfortably."""
INFO_WIDTHS = (22, 30, 56, 30)
"""填报信息's columns (项目, 填写内容, 说明, 自查): 138 characters, A4 landscape at 100%, as 填报说明."""
PARAMS_PRINTED_COLUMNS = 10
"""参数's columns a reader needs (查找键 … 依据); the 自查 look-ups to their right are not printed."""
GUIDE_GAP = 6
"""Points between 填报说明's sections (each starts with a coloured bar)."""


def _rel(sheet: Sheet, field_name: str) -> str:
    """A cell of row 2 with a fixed column, for conditional formats over a column."""
    return f"${xl_col_to_name(sheet.index(field_name))}2"


def _abs(row: int, col: int) -> str:
    return xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)


def _abs_range(first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    return f"{_abs(first_row, first_col)}:{_abs(last_row, last_col)}"


def _yes(flag: bool) -> str:
    return vocab.YES if flag else vocab.NO


def _source(entry: Any) -> str:
    mark = "已核对" if entry.checked else "未与正式文本核对"
    return f"{entry.source}（{mark}）"


def _title(text: str) -> str:
    return text if len(text) <= 32 else text[:31] + "…"


def _clip(text: str, limit: int = 255) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _requirement(column: Column) -> str:
    if column.computed:
        return "自动计算"
    text = "必填" if column.required else "选填"
    return f"{text}（{column.required_note}）" if column.required_note else text


def _input_help(column: Column) -> str:
    return f"{_requirement(column)}。{column.help}"


def _info_note(column: Column) -> str:
    return f"{_requirement(column)}。{column.help}"


def _write_value(ws: Worksheet, row: int, col: int, column: Column, value: Any, cell_format: Any) -> None:
    """A typed input value (or a formatted blank)."""
    if value is None or value == "":
        ws.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        if column.type is ColumnType.FLAG:
            ws.write_string(row, col, vocab.YES if value else vocab.NO, cell_format)
        else:
            ws.write_boolean(row, col, value, cell_format)
    elif isinstance(value, dt.datetime):
        ws.write_datetime(row, col, value, cell_format)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), cell_format)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, cell_format)
    else:
        ws.write_string(row, col, str(value), cell_format)


def profile_options(profile: Profile, column: Column) -> tuple[str, ...]:
    """The drop-down of a column whose list is the profile's (``Column.profile_list``)."""
    if column.profile_list == "sanctions":
        return profile.sanction_kinds
    if column.profile_list == "exemptions":
        return profile.exempt_situations
    return ()


def _general_notes(profile: Profile, options: Options, rows: int, calendar: WorkCalendar) -> list[str]:
    years = calendar.known_years
    standard = standard_for(options.version)
    span = f"{years[0]}–{years[-1]}年" if years else "（无）"
    notes = [
        f"本模板依据《填报模板规范》第{standard.version}版编制（模板版本 {standard.template_version}），"
        f"计算所用的适用标准为：{profile.title}（{profile.key}），详见「{PARAMS_SHEET}」表。",
        "先填「填报信息」，再逐表填写各台账：每行一条记录，从第2行开始连续填写；不要修改表头、插入空行或合并单元格，"
        "也不要改动工作表名称。没有内容的台账保留表头即可。",
        "表头颜色：深蓝色为必填列，浅蓝色为选填列，灰色为自动计算列。灰底单元格由公式自动计算，不需要填写，也不能修改；"
        "选中单元格时会显示该列的填写提示。",
        "金额单位一律为万元，填纯数字（最多4位小数），不带单位和千分位；日期填真正的日期（如 2026-11-23）；"
        "比例填小数或百分数（0.5 或 50%）；是/否列只能填 是 或 否；带下拉箭头的列请从列表中选择。",
        "工作表保护：「填报信息」和各台账设置了工作表保护，没有密码，只锁定自动计算的单元格和表格以外的区域。"
        "确需修改时，在“审阅 → 撤销工作表保护”后操作，改完后再“保护工作表”（不设密码）。",
        f"每个台账预留了 {rows} 行。不够用时撤销工作表保护，选中表格最后一行，整行复制后在下方粘贴，"
        "公式会随行自动调整，然后重新保护工作表。",
        f"期限按法定工作日计算：「{CALENDAR_SHEET}」表列出 {span} 的全部工作日（含调休上班日）。"
        f"国务院办公厅公布新一年的放假安排后，把该年的全部工作日按日期顺序追加到表的末尾；"
        "缺少所需年份时，期限列显示“#日历错误”。",
        "到期提醒：尚未完成初步核实的线索的初核报告截止日、尚未整改完毕的问题的整改期限，已过期的显示为红色，"
        "5个工作日内到期的显示为黄色；以「填报信息」的填报日期为准，未填时以今天为准。",
        "打印：台账横向打印（列多的用A3纸、分几页宽并重复第一列），每页重复标题行；打印区域是标题行和生成时已填写的行"
        "（空模板为标题行加5行空行），填写了更多行后在“页面布局 → 打印区域”中重设。",
        "“是否逾期”按「填报信息」的填报日期判断：整改结果不是 整改完毕 且填报日期已过整改期限的为 是。",
        "损失等级：线索在「资产损失认定」表中有认定记录的，按各行损失金额之和及首行的发生损失企业上年末资产总额分级；"
        "没有认定记录的按预估损失金额和「填报信息」的上年末资产总额分级；都没有的为 未认定。"
        "“以上”包含本数，“以下”不包含本数。",
        "管辖层级：涉事单位层级为 本级 的，按「填报信息」的单位层级判断（集团公司本级的较大、重大损失由出资人机构开展）。",
        "自动计算列显示“#参数错误”时，说明所依据的填报内容不符合要求（如金额为负数、选项不在列表中），请检查同一行的填报内容。",
    ]
    if options.mode == "udf":
        notes.insert(1, "本文件的自动计算列调用 zhuize 加载项的 ZZ_ 函数：请先安装并启用加载项，打开后按 Ctrl+Alt+F9 "
                        "重新计算；未启用加载项时这些单元格显示 #NAME?。不能安装加载项的单位请使用标准版模板。")
    else:
        notes.insert(1, "自动计算列使用 Excel 内置函数，在 Excel、WPS 和 LibreOffice 中都能直接计算，不需要安装任何加载项。")
    return notes


def default_options(profile_key: str | None = None, mode: fx.Mode = "native", rows: int = DEFAULT_ROWS) -> Options:
    return Options(profile=get_profile(profile_key), mode=mode, rows=rows)


def write_templates(out_dir: str | Path, profile_key: str | None = None,
                    modes: Iterable[fx.Mode] = ("native",), rows: int = DEFAULT_ROWS, force: bool = False) -> list[Path]:
    """Write the template(s) into ``out_dir``: ``子企业填报模板.xlsx`` (and the 函数版).  An existing
    file (perhaps a template the user filled) is never overwritten: the new one is
    ``子企业填报模板(2).xlsx``; ``force`` replaces it."""
    folder = Path(out_dir)
    written = []
    for mode in modes:
        target = folder / FILE_NAMES[mode] if force else free_name(folder, FILE_NAMES[mode])
        if target.is_dir():
            raise OutputError(f"{target} 是一个文件夹，无法写入模板：请换一个输出文件夹", target)
        written.append(build_template(target, default_options(profile_key, mode, rows)))
    return written
