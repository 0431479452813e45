"""Tables added after a constant_memory write: openpyxl and the package see them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from addin.plumbing.xlsx_tables import RowSource, TableSpec, _Behind, add_tables, column_blocks, column_letter


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_tables_are_added_to_streamed_sheets(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    clues = book.add_worksheet("问题线索台账")
    summary = book.add_worksheet("汇总")
    headers = ("线索编号", "金额（万元）", "来源行号")
    clues.write_row(0, 0, headers)
    for row in range(1, 2001):
        clues.write_row(row, 0, (f"XS-{row:04d}", row * 1.5, row + 1))
    summary.write_row(0, 0, ("指标", "数值"))
    summary.write_row(1, 0, ("线索总数", 2000))
    summary.write_url(2, 0, "internal:'问题线索台账'!A2", string="查看")
    book.close()

    add_tables(path, [TableSpec(1, "ClueLedger", headers, 2000), TableSpec(2, "Indicators", ("指标", "数值"), 2)])

    loaded = openpyxl.load_workbook(path)
    assert dict(loaded["问题线索台账"].tables.items()) == {"ClueLedger": "A1:C2001"}
    assert dict(loaded["汇总"].tables.items()) == {"Indicators": "A1:B3"}
    assert loaded["问题线索台账"]["A2001"].value == "XS-2000"
    assert loaded["汇总"]["A3"].hyperlink is not None  # the existing relationship survived
    with zipfile.ZipFile(path) as archive:
        types = archive.read("[Content_Types].xml").decode()
        assert types.count("spreadsheetml.table+xml") == 2
        assert archive.testzip() is None


def _header_only(path: Path, headers: tuple[str, ...]) -> None:
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("台账")
    sheet.write_row(0, 0, headers)
    book.close()


def test_streamed_rows_keep_each_values_type(tmp_path: Path) -> None:
    """Columns are written each distinct value once; a column mixing True, 1 and 1.0
    (equal in Python) must still give a boolean, an integer and a number."""
    path = tmp_path / "rows.xlsx"
    headers = ("混合", "文本", "零", "日期序号")
    _header_only(path, headers)
    columns = [
        [True, 1, 1.0, False, None],
        [" 前有空格", "甲<乙>&丙", "控制\x01符", "", "甲<乙>&丙"],
        [-0.0, 0.0, 2.5, None, float("inf")],
        [46349, 46349, None, 46350, 46349],
    ]
    add_tables(path, [TableSpec(1, "Ledger", headers, 5)], [RowSource(1, 5, [columns], [None] * 4)])

    sheet = openpyxl.load_workbook(path)["台账"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2, max_row=6)]
    assert [type(v) for v in (values[0][0], values[1][0], values[2][0])] == [bool, int, float]
    assert [row[0] for row in values] == [True, 1, 1.0, False, None]
    assert [row[1] for row in values] == [" 前有空格", "甲<乙>&丙", "控制_x0001_符", None, "甲<乙>&丙"]
    assert [row[2] for row in values[:4]] == [0, 0, 2.5, None]
    assert values[4][2] == "inf"  # not a number Excel can hold: kept as its text
    assert [row[3] for row in values] == [46349, 46349, None, 46350, 46349]
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert '<t xml:space="preserve"> 前有空格</t>' in xml
    assert "<v>-0.0</v>" not in xml and '<row r="6">' in xml and 'r="D6"' in xml
    assert '<dimension ref="A1:D6"/>' in xml


def test_rows_in_several_blocks_are_numbered_on(tmp_path: Path) -> None:
    path = tmp_path / "blocks.xlsx"
    _header_only(path, ("编号", "金额"))
    rows = [(f"XS-{n:05d}", n * 0.5) for n in range(1, 10_001)]
    add_tables(path, [TableSpec(1, "Ledger", ("编号", "金额"), len(rows))],
               [RowSource(1, len(rows), column_blocks(rows, size=3000), [None, None])])
    sheet = openpyxl.load_workbook(path, read_only=True)["台账"]
    read = [tuple(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert read == rows


def test_a_short_row_source_leaves_the_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "short.xlsx"
    _header_only(path, ("编号",))
    before = path.read_bytes()
    with pytest.raises(ValueError, match="3 announced"):
        add_tables(path, [], [RowSource(1, 3, [[["甲", "乙"]]], [None])])
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.glob("*.xlsx*")) == ["short.xlsx"]


def test_a_failing_writer_thread_fails_the_write() -> None:
    def consume(data: bytes) -> None:
        if data == b"bad":
            raise OSError("磁盘已满")

    with pytest.raises(OSError, match="磁盘已满"):
        with _Behind(consume) as write:
            for chunk in (b"ok", b"bad", b"more", b"more"):
                write(chunk)


def test_text_sheet_writes_xlsxwriters_own_cell_xml(tmp_path: Path) -> None:
    """TextSheet's quicker cell loop gives the bytes xlsxwriter gives: styles from the cell, the
    row and the column, spaces kept, control characters and markup escaped, rich text, numbers,
    blanks and booleans (no ID among the texts, so the redaction changes nothing)."""
    from addin.plumbing.xlsx_tables import TextSheet

    texts = ["甲", " 前有空格", "后有空格 ", "a&b<c>d\"e", "控制\x01符\x1f", "_x0041_ 字面", "<r>像富文本</r>",
             "换行\n之后", "", "\ufffe"]
    numbers = [0, -0.0, 1.5, 1e20, 123456789012345678, 2 ** 0.5]

    def written(sheet_class: type | None) -> bytes:
        path = tmp_path / f"{sheet_class is not None}.xlsx"
        book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False})
        if sheet_class is not None:
            book.worksheet_class = sheet_class
        bold = book.add_format({"bold": True})
        sheet = book.add_worksheet("表")
        sheet.set_column(2, 2, 12, book.add_format({"italic": True}))
        sheet.set_row(3, None, book.add_format({"underline": 1}))
        for row in range(6):
            for col, text in enumerate(texts):
                sheet.write_string(row, col, text, bold if (row + col) % 3 == 0 else None)
            for col, number in enumerate(numbers, start=len(texts)):
                sheet.write_number(row, col, number, bold if col % 2 else None)
            sheet.write_blank(row, 20, None, bold)
            sheet.write_boolean(row, 21, row % 2 == 0)
            sheet.write_rich_string(row, 22, "普通", bold, "加粗")
            sheet.write_datetime(row, 23, __import__("datetime").datetime(2026, 11, 23, 12))
        book.close()
        with zipfile.ZipFile(path) as archive:
            return archive.read("xl/worksheets/sheet1.xml")

    assert written(TextSheet) == written(None)
