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
from addin.plumbing.xlsx_tables import text_lines
from addin.workbook.schema import STANDARD
from addin.workbook.templates import print_rows
from addin.validation.report import FileReport

RESULT_SHEET = "校验结果"
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
WIDTHS = (8, 16, 10, 28, 64)
"""类别, 工作表, 单元格, 代码, 说明: one A4 landscape page wide at a readable scale."""
AUTHOR = "zhuize 校验"


def annotated_name(source: Path) -> str:
    return f"{source.stem}（校验标注）{source.suffix or '.xlsx'}"


def annotate(source: Path, report: FileReport, out_dir: Path, name: str | None = None) -> Path:
    """Write the annotated copy of ``source`` into ``out_dir`` (as ``name``, default
    ``annotated_name(source)``); returns its path.  ``source`` is only read."""
    source = Path(source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. a dynamic print area openpyxl cannot keep
        book = openpyxl.load_workbook(source, keep_vba=source.suffix.lower() == ".xlsm")
    notes: dict[tuple[str, str], list[str]] = {}
    for problem in report.problems:
        if problem.sheet in book.sheetnames and problem.cell:
            notes.setdefault((problem.sheet, problem.cell), []).append(
                f"{'错误' if problem.severity == 'error' else '提醒'}：{problem.message}（{problem.code}）")
    for (sheet, cell), lines in notes.items():
        target = book[sheet][cell]
        is_error = any(line.startswith("错误") for line in lines)
        target.fill = ERROR_FILL if is_error else WARNING_FILL
        comment = Comment("\n".join(lines), AUTHOR)
        comment.width, comment.height = 320, 40 + 30 * len(lines)
        target.comment = comment
    for ledger in STANDARD.ledgers:
        if ledger.name in book.sheetnames:
            _print_filled_rows(book[ledger.name], len(ledger.columns))
    if RESULT_SHEET in book.sheetnames:
        del book[RESULT_SHEET]
    _result_sheet(book.create_sheet(RESULT_SHEET, 0), report, set(book.sheetnames))
    book.active = 0
    from openpyxl.packaging.custom import StringProperty

    book.custom_doc_props.append(StringProperty(name=OUTPUT_PROPERTY, value="校验标注副本"))
    target_path = Path(out_dir) / (name or annotated_name(source))
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


def _result_sheet(sheet: Worksheet, report: FileReport, sheets: set[str]) -> None:
    headers = ("类别", "工作表", "单元格", "代码", "说明")
    sheet.append([f"校验结果：{Path(report.path).name}（错误 {len(report.errors)} 条，提醒 {len(report.warnings)} 条）"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(list(headers))
    for cell in sheet[2]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
    for problem in report.problems:
        sheet.append(["错误" if problem.severity == "error" else "提醒", problem.sheet or "（整个文件）",
                      problem.cell or "", problem.code, problem.message])
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
    sheet.print_area = f"A1:E{max(sheet.max_row, 2)}"
