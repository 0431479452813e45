"""The template workbooks: structure, drop-downs, protection, parameters, formulas, and
that the committed files under workbook_templates/ are what the generator makes."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from xlsxwriter.utility import xl_col_to_name
from openpyxl.utils import get_column_letter

from udfs import handling, registry, vocab
from udfs.profile import get_profile
from udfs.workcalendar import default_calendar

from addin import cli

from addin.workbook import formulas

from addin.workbook import templates
from addin.workbook.schema import STANDARD, ColumnType
from addin.plumbing.pages import choose_layout
from addin.workbook.styles import display_width

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbook_templates"
REGENERATE = ("重新生成：zhuize templates --out workbook_templates；"
              "zhuize templates --out workbook_templates --formulas udf（用空的 ZHUIZE_HOME）")

SHEET_ORDER = ["填报说明", "填报信息", "自查结果", "问题线索台账", "资产损失认定", "责任认定与处理", "审计整改台账", "禁入限制人员",
               "管理提升建议书", "情况说明", "参数", "工作日历", "列表"]


def load(path: Path) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl cannot keep a formula print area; it says so
        return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def native() -> openpyxl.Workbook:
    return load(COMMITTED / templates.FILE_NAMES["native"])


@pytest.fixture(scope="module")
def udf() -> openpyxl.Workbook:
    return load(COMMITTED / templates.FILE_NAMES["udf"])


@pytest.fixture(scope="module")
def yibin(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("yibin") / "t.xlsx"
    templates.build_template(path, templates.Options(profile=get_profile("yibin-2020"), rows=20))
    return load(path)


def fingerprint(path: Path) -> dict[str, Any]:
    """Everything a user sees or a formula uses, without zip bytes or timestamps."""
    book = load(path)
    out: dict[str, Any] = {
        "sheets": book.sheetnames,
        "names": sorted((name, item.attr_text) for name, item in book.defined_names.items()),
    }
    for ws in book.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None or c.has_style:
                    cells[c.coordinate] = (getattr(c.value, "text", c.value), c.number_format, c.protection.locked, c.fill.fgColor.rgb,
                                           c.font.b, c.alignment.wrap_text)
        out[ws.title] = {
            "cells": cells,
            "validations": sorted((str(d.sqref), d.type, d.formula1, d.formula2, d.operator, d.prompt, d.promptTitle,
                                   d.error) for d in ws.data_validations.dataValidation),
            "conditional": sorted((str(r.sqref), tuple(x.formula)) for r in ws.conditional_formatting for x in r.rules),
            "tables": sorted((t.name, t.ref, tuple(c.name for c in t.tableColumns)) for t in ws.tables.values()),
            "protection": (ws.protection.sheet, ws.protection.password, ws.protection.autoFilter),
            "layout": (ws.freeze_panes, ws.sheet_state, ws.print_title_rows, ws.print_title_cols,
                       ws.page_setup.orientation, ws.page_setup.paperSize, ws.page_setup.fitToWidth,
                       ws.oddHeader.center.text, ws.oddFooter.center.text),
            "widths": {k: v.width for k, v in ws.column_dimensions.items()},
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
        }
    return out


@pytest.mark.parametrize("mode", ["native", "udf"])
def test_committed_templates_are_what_the_generator_makes(mode: str, tmp_path: Path) -> None:
    fresh = templates.write_templates(tmp_path, "central-2026", (mode,))[0]  # type: ignore[arg-type]
    committed = COMMITTED / templates.FILE_NAMES[mode]
    assert committed.is_file(), REGENERATE
    old, new = fingerprint(committed), fingerprint(fresh)
    for key in new:
        if old.get(key) != new[key]:
            detail = key
            if isinstance(new[key], dict) and isinstance(old.get(key), dict):
                part = next(k for k in new[key] if old[key].get(k) != new[key][k])
                detail = f"{key}.{part}"
                if part == "cells":
                    cell = next(c for c in sorted(set(new[key]["cells"]) | set(old[key]["cells"]))
                                if old[key]["cells"].get(c) != new[key]["cells"].get(c))
                    detail += f" {cell}: {old[key]['cells'].get(cell)!r} → {new[key]['cells'].get(cell)!r}"
            pytest.fail(f"{committed.name} 与生成器不一致（{detail}）。{REGENERATE}")
    assert old == new


def test_sheets_in_order_and_lists_hidden(native: openpyxl.Workbook) -> None:
    assert native.sheetnames == SHEET_ORDER
    assert [ws.sheet_state for ws in native.worksheets] == ["visible"] * 12 + ["hidden"]
    assert native.active.title == "填报说明"


@pytest.mark.parametrize("sheet", STANDARD.ledgers, ids=lambda s: s.key)
def test_ledger_is_a_table_with_the_standard_headers(native: openpyxl.Workbook, sheet) -> None:
    ws = native[sheet.name]
    last = get_column_letter(len(sheet.columns))
    headers = [c.header for c in sheet.columns]
    assert [c.value for c in ws[1]] == headers
    assert list(ws.tables) == [sheet.table]
    table = ws.tables[sheet.table]
    assert table.ref == f"A1:{last}{templates.DEFAULT_ROWS + 1}"
    assert [c.name for c in table.tableColumns] == headers
    assert ws.freeze_panes == "B2"
    assert ws.protection.sheet and not ws.protection.password and ws.protection.autoFilter is False  # filter allowed
    assert ws.print_title_rows == "$1:$1" and ws.page_setup.orientation == "landscape"
    # 资产损失认定 with its 自查 column (width 30) no longer fits A4 landscape: A3 like 问题线索台账
    layout = choose_layout([display_width(c) for c in sheet.columns])
    assert ws.page_setup.paperSize == layout.paper == {"clues": 8, "losses": 8}.get(sheet.key, layout.paper)
    assert (ws.page_setup.fitToWidth or 1) == layout.pages_wide  # A3 for the wide ledgers, never below a readable scale
    assert ws.print_area == f"'{sheet.name}'!$A$1:${last}${1 + templates.BLANK_PRINT_ROWS}"  # header and 5 blank rows
    for index, column in enumerate(sheet.columns, start=1):
        for row in (2, templates.DEFAULT_ROWS + 1):
            cell = ws.cell(row, index)
            assert cell.protection.locked is column.computed, (column.header, row)
        assert ws.column_dimensions[get_column_letter(index)].width >= len(column.header) + 2


@pytest.mark.parametrize("sheet", STANDARD.ledgers, ids=lambda s: s.key)
def test_every_closed_list_is_a_drop_down_from_the_lists_sheet(native: openpyxl.Workbook, sheet) -> None:
    ws = native[sheet.name]
    lists = native["列表"]
    by_column = {str(d.sqref).split(":")[0].rstrip("0123456789"): d for d in ws.data_validations.dataValidation}
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        rule = by_column[letter]
        assert str(rule.sqref) == f"{letter}2:{letter}{templates.DEFAULT_ROWS + 1}"
        assert rule.prompt and column.help[:20] in rule.prompt
        if column.computed:
            assert rule.type is None and rule.prompt.startswith("自动计算")
        elif column.type in (ColumnType.ENUM, ColumnType.FLAG):
            assert rule.type == "list" and rule.showErrorMessage
            match = re.fullmatch(r"'列表'!\$([A-Z]+)\$2:\$\1\$(\d+)", rule.formula1)
            assert match, rule.formula1
            values = tuple(c.value for c in lists[f"{match[1]}2:{match[1]}{match[2]}"] for c in c)  # noqa: B020
            assert values == column.options
        elif column.type is ColumnType.DATE:
            assert rule.type == "date"
        elif column.type in (ColumnType.NUMBER, ColumnType.PERCENT):
            assert rule.type == "decimal"
            assert (rule.operator or "between") == ("between" if column.type is ColumnType.PERCENT else
                                     "greaterThan" if column.minimum_exclusive else "greaterThanOrEqual")
        elif column.check is not None:
            assert (rule.type, rule.operator, rule.formula1) == ("textLength", "equal", "18")


def test_record_sheet_has_labels_in_a_and_values_in_b(native: openpyxl.Workbook) -> None:
    ws = native["填报信息"]
    labels = [ws.cell(r, 1).value for r in range(2, 2 + len(STANDARD.record.columns))]
    assert labels == [c.header for c in STANDARD.record.columns]
    assert ws.cell(formulas.info_row("profile"), 2).value == "central-2026"
    version = ws.cell(formulas.info_row("template_version"), 2)
    assert version.value == STANDARD.template_version == "2.1" and version.protection.locked
    assert ws.cell(formulas.info_row("unit_name"), 2).protection.locked is False
    assert ws.protection.sheet and not ws.protection.password
    profiles = [d for d in ws.data_validations.dataValidation if str(d.sqref) == f"B{formulas.info_row('profile')}"]
    assert profiles and profiles[0].type == "list"


def test_defined_names_point_at_the_record_sheet(native: openpyxl.Workbook) -> None:
    names = {name: item.attr_text for name, item in native.defined_names.items()}
    assert names[formulas.PROFILE] == f"'填报信息'!$B${formulas.info_row('profile')}"
    assert names[formulas.ASSETS] == f"'填报信息'!$B${formulas.info_row('prior_year_assets')}"
    assert names[formulas.REPORT_DATE] == f"'填报信息'!$B${formulas.info_row('report_date')}"
    assert names[formulas.WORKDAYS] == f"'工作日历'!$A$2:$A${templates.CALENDAR_LAST_ROW}"  # not INDEX(…): Gnumeric


def _name_values(book: openpyxl.Workbook, name: str) -> list[Any]:
    sheet, ref = book.defined_names[name].attr_text.split("!")
    cells = book[sheet.strip("'")][ref.replace("$", "")]
    if not isinstance(cells, tuple):
        return [cells.value]
    return [c.value for row in cells for c in row]


@pytest.mark.parametrize("key", ["central-2026", "yibin-2020"])
def test_parameters_sheet_holds_the_profile(key: str, native: openpyxl.Workbook, yibin: openpyxl.Workbook) -> None:
    book = native if key == "central-2026" else yibin
    profile = get_profile(key)
    assert _name_values(book, formulas.PARAM_PROFILE) == [key]
    for rank, level in enumerate(profile.loss_grade.levels, start=1):
        assert _name_values(book, formulas.grade_amount_name(rank)) == [level.amount_from]
        if level.share_from is None:
            assert formulas.grade_share_name(rank) not in book.defined_names
        else:
            assert _name_values(book, formulas.grade_share_name(rank)) == [level.share_from]
    keys = _name_values(book, formulas.HANDLING_KEY)
    assert keys == [f"{g}|{r}" for g in vocab.GRADES for r in vocab.RESPONSIBILITIES]
    lows, highs = _name_values(book, formulas.PAY_MIN), _name_values(book, formulas.PAY_MAX)
    ltis = _name_values(book, formulas.LTI)
    graded = [k.split("|") for k in keys]
    if profile.case_grade_handling is not None:  # the formulas look up 损失等级|不良后果等级|责任类型
        keys = _name_values(book, formulas.CASE_KEY)
        assert "一般|重大|直接责任" in keys and "未认定|较大|领导责任" in keys and "未认定|无|直接责任" not in keys
        graded = [[handling.handling_grade(profile, loss, consequence or None), responsibility]
                  for loss, consequence, responsibility in (k.split("|") for k in keys)]
        assert graded[keys.index("一般|重大|直接责任")][0] == "重大"
        assert graded[keys.index("较大|较大|主管责任")][0] == graded[keys.index("较大||主管责任")][0] == "较大"
    else:
        assert formulas.CASE_KEY not in book.defined_names
    assert len(lows) == len(highs) == len(ltis) == len(keys)
    for i, (grade, responsibility) in enumerate(graded):
        bounds = handling.deduction_range(profile, grade, responsibility, "绩效年薪")
        assert (lows[i], highs[i]) == ((bounds.min, bounds.max) if bounds else (0, 0))
        assert ltis[i] == handling.lti_text(profile, grade, responsibility)
    assert _name_values(book, formulas.INFLUENCE_MEASURE) == [e.measure for e in profile.influence]
    assert _name_values(book, formulas.INFLUENCE_MONTHS) == [e.months for e in profile.influence]
    assert _name_values(book, formulas.BODY) == [profile.jurisdiction_for(g).body for g in vocab.GRADES]
    assert _name_values(book, formulas.GROUP_BODY) == [profile.jurisdiction_for(g).group_body for g in vocab.GRADES]
    assert _name_values(book, formulas.EVENT_REPORT) == [
        "是" if g in profile.one_event_report.grades else "否" for g in vocab.GRADES]
    assert _name_values(book, formulas.INITIAL_CHECK) == [profile.deadlines.initial_check.workdays]
    assert _name_values(book, formulas.RECTIFY_PERIOD) == [profile.deadlines.rectify.months]
    assert _name_values(book, formulas.BAN_TERM) == list(profile.ban.terms)
    assert _name_values(book, formulas.BAN_YEARS) == [5, 10, None]


def test_calendar_sheet_lists_every_working_day_the_engine_knows(native: openpyxl.Workbook) -> None:
    ws = native["工作日历"]
    days = [row[0] for row in ws.iter_rows(min_row=2, max_col=1, values_only=True)]
    expected = default_calendar().working_days()
    assert [d.date() for d in days] == expected
    assert expected[0] == dt.date(2004, 1, 2) and expected[-1] == dt.date(2026, 12, 31)
    notes = {row[0].date(): row[2] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert notes[dt.date(2026, 2, 14)] == "调休上班" and notes[dt.date(2026, 2, 13)] is None
    assert dt.date(2026, 10, 1) not in notes


def test_native_formulas_use_no_add_in_and_blank_rows_guard(native: openpyxl.Workbook) -> None:
    for sheet in STANDARD.ledgers:
        ws = native[sheet.name]
        for column in sheet.computed_columns:
            index = sheet.index(column.field) + 1
            for row in (2, 3, templates.DEFAULT_ROWS + 1):
                text = ws.cell(row, index).value
                assert text == formulas.formula(sheet, column.field, row, "native", get_profile("central-2026"))
                assert "ZZ_" not in text
                assert text.startswith('=IF(') and '""' in text  # blank inputs → blank


def _calls(text: str) -> list[tuple[str, list[str]]]:
    """Every ZZ_ call in a formula with its top-level arguments."""
    found = []
    for match in re.finditer(r"(ZZ_[A-Z_]+)\(", text):
        depth, args, current, quoted = 1, [], "", False
        for char in text[match.end():]:
            if char == '"':
                quoted = not quoted
            elif not quoted and char == "(":
                depth += 1
            elif not quoted and char == ")":
                depth -= 1
                if depth == 0:
                    args.append(current)
                    break
            elif not quoted and char == "," and depth == 1:
                args.append(current)
                current = ""
                continue
            current += char
        found.append((match[1], args))
    return found


def test_udf_formulas_call_registry_functions_correctly(udf: openpyxl.Workbook) -> None:
    seen: set[str] = set()
    for sheet in STANDARD.ledgers:
        ws = udf[sheet.name]
        for column in sheet.computed_columns:
            text = ws.cell(2, sheet.index(column.field) + 1).value
            rule = formulas.RULES[column.computed_by]  # type: ignore[index]
            calls = _calls(text)
            assert sorted({name for name, _ in calls}) == sorted(rule.functions), column.header
            for name, args in calls:
                function = registry.FUNCTIONS[name]
                required = sum(1 for a in function.args if not a.optional)
                assert required <= len(args) <= len(function.args), (name, args)
                names = [a.name for a in function.args]
                if "profile" in names and len(args) > names.index("profile"):
                    assert args[names.index("profile")] == formulas.PROFILE
                seen.add(name)
    assert seen == {"ZZ_LOSS_GRADE", "ZZ_JURISDICTION", "ZZ_INITIAL_CHECK_DEADLINE", "ZZ_NEEDS_REPORT",
                    "ZZ_DEDUCTION_MIN", "ZZ_DEDUCTION_MAX", "ZZ_LTI", "ZZ_INFLUENCE_END", "ZZ_RECTIFY_DEADLINE",
                    "ZZ_RECTIFY_RESULT", "ZZ_BAN_END", "ZZ_REPORT_DEADLINE", "ZZ_INVESTIGATION_DEADLINE",
                    "ZZ_REVIEW_DEADLINE"}
    # arguments in the registry's order: ZZ_RECTIFY_RESULT(flags…, corrected_amount, problem_amount)
    ws, sheet = udf["审计整改台账"], STANDARD.sheet("rectification")
    (_, args), = _calls(ws.cell(2, sheet.index("result") + 1).value)
    letters = [get_column_letter(sheet.index(f) + 1) for f in (*formulas.RECTIFY_FLAGS, "corrected_amount",
                                                                "problem_amount")]
    assert args == [f"${letter}2" for letter in letters]


def test_deadline_conditional_formats(native: openpyxl.Workbook) -> None:
    clues = native["问题线索台账"]
    rules = {str(r.sqref): [x.formula[0] for x in r.rules] for r in clues.conditional_formatting}
    (late, soon), = [v for k, v in rules.items() if k.startswith("O")]  # 初核报告截止日 (the others mark 自查's cells)
    assert f"<{formulas.REF_DATE}" in late and f"<={templates.SOON_DATE}" in soon
    rect = native["审计整改台账"]
    rect_sheet = STANDARD.sheet("rectification")
    formulas_by_range = {str(r.sqref): [x.formula[0] for x in r.rules] for r in rect.conditional_formatting}
    deadline_cols = {xl_col_to_name(rect_sheet.index(f)) for f in ("deadline", "overdue")}
    assert len([k for k in formulas_by_range if k[0] in deadline_cols]) == 2  # 整改期限 (late, soon) and 是否逾期
    names = {n: i.attr_text for n, i in native.defined_names.items()}
    assert "TODAY()" in names[formulas.REF_DATE] and formulas.REPORT_DATE in names[formulas.REF_DATE]


def test_guide_explains_every_sheet_and_column(native: openpyxl.Workbook) -> None:
    ws = native["填报说明"]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    for sheet in STANDARD.sheets:
        assert f"「{sheet.name}」" in text
        for column in sheet.columns:
            assert column.help in text
    assert "没有密码" in text and "撤销工作表保护" in text  # the protection is documented
    assert "central-2026" in text and "工作日历" in text


def test_prefilled_values_are_typed(tmp_path: Path) -> None:
    path = templates.build_template(
        tmp_path / "f.xlsx", templates.Options(profile=get_profile("central-2026"), rows=3),
        info={"unit_name": "某公司", "report_year": 2026, "report_date": dt.date(2026, 6, 30)},
        records={"clues": [{"clue_id": "XS-1", "received_date": dt.date(2026, 2, 13), "estimated_loss": 600.0,
                            "simplified_procedure": True}] * 5})
    book = load(path)
    ws = book["问题线索台账"]
    assert ws.tables["ClueLedger"].ref == "A1:AL6"  # grown to the rows given (自查 after the v2 and 2.1 columns)
    assert ws["A6"].value == "XS-1" and ws["B2"].value == dt.datetime(2026, 2, 13)
    assert ws["J2"].value == 600.0 and ws["T2"].value == "是"
    info = book["填报信息"]
    assert info.cell(formulas.info_row("report_year"), 2).value == 2026


def test_templates_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["templates", "--out", str(tmp_path), "--profile", "yibin-2020", "--formulas", "udf"]) == 0
    written = tmp_path / templates.FILE_NAMES["udf"]
    assert written.is_file() and "已生成填报模板" in capsys.readouterr().out
    book = load(written)
    assert book["填报信息"].cell(formulas.info_row("profile"), 2).value == "yibin-2020"
    assert not list(tmp_path.glob(".*.tmp"))  # written through a temporary file, nothing left behind
    assert cli.main(["templates", "--out", str(tmp_path), "--profile", "no-such"]) == 1
    assert "未知适用标准" in capsys.readouterr().err


def _cached(path: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path, data_only=True)


def test_cached_results_are_what_the_formulas_give(tmp_path: Path) -> None:
    # a viewer that does not recalculate shows the cached results (LibreOffice's default for .xlsx):
    # the blank template's 11 required lines are unfilled, and it says so without recalculating
    # (tests/test_libreoffice.py compares every formula cell with LibreOffice's own recalculation)
    options = templates.default_options("central-2026", rows=5)
    blank = _cached(templates.build_template(tmp_path / "blank.xlsx", options))
    info, checks = blank["填报信息"], blank["自查结果"]
    count = f"B{formulas.info_row('self_check_count')}"
    assert info[count].value == 11 and checks["B4"].value == 11 and checks["B11"].value == 11
    assert info[f"D{formulas.info_row('unit_name')}"].value == "填报单位名称未填"
    assert info[f"D{formulas.info_row('profile')}"].value in (None, "")  # written by the generator: valid
    assert [checks.cell(4, col).value for col in range(3, 8)] == ["第2行", "第3行", "第4行", "第5行", "第6行"]
    assert checks["B5"].value == 0  # 问题线索台账: no row filled, none flagged
    # 集团公司 has no superior enterprise: one line fewer
    group = _cached(templates.build_template(tmp_path / "group.xlsx", options, {"unit_level": "集团公司"}))
    assert group["填报信息"][f"D{formulas.info_row('parent_uscc')}"].value in (None, "")
    # a row the caller filled: only the formula can tell, so no number is cached (computed on open), never a stale 0
    filled = _cached(templates.build_template(tmp_path / "filled.xlsx", options, {"unit_name": "某公司"},
                                              {"clues": [{"clue_id": "XS-1"}]}))
    assert filled["填报信息"][count].value in (None, "") and filled["自查结果"]["B5"].value in (None, "")
