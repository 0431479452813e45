"""Tables added after a constant_memory write: openpyxl and the package see them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import xlsxwriter

from addin.xlsx_tables import TableSpec, add_tables, column_letter


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
