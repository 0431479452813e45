"""An annotated copy of an invalid workbook: every offending cell highlighted and
commented, and a 校验结果 sheet linking to each cell.  The input is never modified —
the copy is written to another folder through a temporary file."""

from __future__ import annotations

import warnings
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from addin.plumbing.atomic import atomic_path
from addin.plumbing.outputs import OUTPUT_PROPERTY
from addin.plumbing.redact import redact
from addin.plumbing.xlsx_tables import text_lines
from addin.workbook.schema import STANDARD
from addin.workbook.templates import holds_ids, ledger_header_parts, print_rows
from addin.validation.report import FileReport
from typing import Any

from addin.validation.explanations import STALE
from addin.validation.report import severity_label
from addin.workbook.read import normalise_header
from addin.workbook.schema import EXPLANATIONS

RESULT_SHEET = "校验结果"
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
WIDTHS = (8, 16, 10, 28, 64)
"""类别, 工作表, 单元格, 代码, 说明: one A4 landscape page wide at a readable scale."""
EXPLAINED_FILL = PatternFill("solid", fgColor="E2EFDA")
AUTHOR = "zhuize 校验"


def annotated_name(source: Path) -> str:
    return f"{source.stem}（校验标注）{source.suffix or '.xlsx'}"


def annotate(source: Path, report: FileReport, out_dir: Path, name: str | None = None,
             writer: Any = None) -> Path:
    """Write the annotated copy of ``source`` into ``out_dir`` (as ``name``, default
    ``annotated_name(source)``); returns its path.  ``source`` is only read.  ``writer``:
    ``OutputSet.write`` (the copy joins a set of outputs), else written atomically here."""
    source = Path(source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. a dynamic print area openpyxl cannot keep
        book = openpyxl.load_workbook(source, keep_vba=source.suffix.lower() == ".xlsm")
    notes: dict[tuple[str, str], list[str]] = {}
    for problem in report.problems:
        if problem.sheet in book.sheetnames and problem.cell:
            answer = f"\n情况说明：{problem.explanation}" if problem.explained else ""
            notes.setdefault((problem.sheet, problem.cell), []).append(
                f"{severity_label(problem)}：{problem.message}（{problem.code}）{answer}")
    for (sheet, cell), lines in notes.items():
        target = book[sheet][cell]
        is_error = any(line.startswith("错误") for line in lines)
        is_open = any(line.startswith("提醒") for line in lines)
        target.fill = ERROR_FILL if is_error else WARNING_FILL if is_open else EXPLAINED_FILL
        comment = Comment("\n".join(lines), AUTHOR)
        comment.width, comment.height = 320, 40 + 30 * len(lines)
        target.comment = comment
    ready = _ready_rows(book, report)
    info = _info_values(book)
    for ledger in STANDARD.ledgers:
        if ledger.name in book.sheetnames:
            _print_filled_rows(book[ledger.name], len(ledger.columns))
            _page_header(book[ledger.name], info, holds_ids(ledger))
    if RESULT_SHEET in book.sheetnames:
        del book[RESULT_SHEET]
    _result_sheet(book.create_sheet(RESULT_SHEET, 0), report, set(book.sheetnames), ready)
    book.active = 0
    from openpyxl.packaging.custom import StringProperty

    book.custom_doc_props.append(StringProperty(name=OUTPUT_PROPERTY, value="校验标注副本"))
    target_path = Path(out_dir) / (name or annotated_name(source))
    if writer is not None:
        writer(target_path, book.save)
        return target_path
    with atomic_path(target_path) as temporary:
        book.save(temporary)
    return target_path


def _print_filled_rows(sheet: Worksheet, width: int) -> None:
    """The print area of a ledger: its header and the rows filled in (column A holds each
    row's key), as the template sets it — a plain range every application honours."""
    last = 1
    for (value,) in sheet.iter_rows(min_row=2, max_col=1, values_only=True):
        if value not in (None, ""):
            last += 1
        else:
            break
    sheet.print_area = f"A1:{get_column_letter(width)}{1 + print_rows(last - 1)}"


def _info_values(book: Any) -> dict[str, Any]:
    """填报单位名称, 报告年度 and 报告期 as the file's 填报信息 holds them (label in A, value in B)."""
    fields = {normalise_header(c.header): c.field for c in STANDARD.record.columns
              if c.field in ("unit_name", "report_year", "report_period")}
    if STANDARD.record.name not in book.sheetnames:
        return {}
    out: dict[str, Any] = {}
    for label, value in book[STANDARD.record.name].iter_rows(min_row=2, max_row=60, max_col=2, values_only=True):
        field = fields.get(normalise_header(label)) if isinstance(label, str) else None
        if field is not None and value not in (None, ""):
            out[field] = value if field != "report_year" or not isinstance(value, float) else int(value)
    return out


def _page_header(sheet: Worksheet, info: dict[str, Any], internal: bool) -> None:
    """The ledger's page header with the file's own 填报单位 and 报告期 (the blank template
    prints lines to write on: a page header cannot refer to a cell)."""
    left, centre, right = ledger_header_parts(info, internal)
    for part, text, size in ((sheet.oddHeader.left, left, 9), (sheet.oddHeader.center, centre, 10),
                             (sheet.oddHeader.right, right, 9)):
        part.text, part.size = text, size


def _ready_rows(book: Any, report: FileReport) -> int:
    """Every open warning typed into 情况说明 (工作表, 单元格, 提醒代码), 说明 left for the
    filler; the sheet is added when the workbook has none.  Returns how many rows."""
    warnings_ = [p for p in report.open_warnings if p.code != STALE]
    if not warnings_:
        return 0
    sheet_def = EXPLANATIONS
    headers = [c.header for c in sheet_def.columns]
    if sheet_def.name in book.sheetnames:
        ws = book[sheet_def.name]
    else:
        ws = book.create_sheet(sheet_def.name)
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = HEADER_FILL
        for letter, column in zip("ABCDEF", sheet_def.columns):
            ws.column_dimensions[letter].width = column.width
    columns = {normalise_header(v): k for k, v in enumerate(next(ws.iter_rows(max_row=1, values_only=True), ()), 1)
               if v is not None}
    place = [columns.get(normalise_header(h)) for h in headers[:3]]
    if None in place:
        return 0
    row = 2
    while any(ws.cell(row, col).value not in (None, "") for col in place):
        row += 1
    for problem in warnings_:
        for col, value in zip(place, (problem.sheet, problem.cell, problem.code)):
            target = ws.cell(row, col)
            _text(target, value)
            target.fill = WARNING_FILL
        text = ws.cell(row, columns.get(normalise_header(headers[3]), 4))
        text.fill = WARNING_FILL
        text.comment = Comment(f"请在此说明这条提醒为什么成立（至少10个字）：{problem.message}", AUTHOR)
        row += 1
    return len(warnings_)


def _result_sheet(sheet: Worksheet, report: FileReport, sheets: set[str], ready: int = 0) -> None:
    headers = ("类别", "工作表", "单元格", "代码", "说明")
    explained = len(report.explained_warnings)
    sheet.append([f"校验结果：{Path(report.path).name}（错误 {len(report.errors)} 条，提醒 {len(report.warnings)} 条"
                  f"{f'，其中已说明 {explained} 条' if explained else ''}）"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(list(headers))
    for cell in sheet[2]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
    for problem in report.problems:
        answer = f"（情况说明：{problem.explanation}）" if problem.explained else ""
        sheet.append([severity_label(problem), problem.sheet or "（整个文件）",
                      problem.cell or "", problem.code, problem.message + answer])
        row = sheet.max_row
        if problem.sheet in sheets:
            link = sheet.cell(row, 3 if problem.cell else 2)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{problem.sheet}'!{problem.cell or 'A1'}",
                                       display=str(link.value))
            link.font = Font(color="0563C1", underline="single")
        sheet.cell(row, 1).fill = ERROR_FILL if problem.severity == "error" else WARNING_FILL
        for col in range(1, 6):
            sheet.cell(row, col).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[row].height = 14 * max(text_lines(problem.message, WIDTHS[-1]),
                                                    text_lines(problem.code, WIDTHS[3])) + 2
    for letter, width in zip("ABCDE", WIDTHS):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:E{max(sheet.max_row, 2)}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1  # the 说明 column on the same page as the cell it explains
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top, sheet.page_margins.bottom = 0.75, 0.6
    sheet.page_margins.header, sheet.page_margins.footer = 0.3, 0.25
    sheet.oddHeader.center.text = "&A"
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
    sheet.print_title_rows = "2:2"
    if ready:
        row = sheet.max_row + 2
        sheet.cell(row, 1, f"「{EXPLANATIONS.name}」表已为 {ready} 条未说明的提醒预填了工作表、单元格和提醒代码："
                           "确有正当理由的，在“说明”列写明理由（至少10个字）并填写说明人和说明日期，"
                           "该提醒即记为“已说明”；情况说明不能使错误通过。")
        note = sheet.cell(row, 1)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(WIDTHS))
        note.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[row].height = 14 * text_lines(str(note.value), sum(WIDTHS)) + 4
    sheet.print_area = f"A1:E{max(sheet.max_row, 2)}"
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                _text(cell, cell.value)


def _text(cell: Any, value: Any) -> None:
    """A cell written as text whatever it starts with (=, +, -, @, {=): openpyxl would
    otherwise make a string starting with = a formula; any 身份证号码 masked."""
    cell.value = value
    if isinstance(value, str):
        cell.value = redact(value)
        cell.data_type = "s"
