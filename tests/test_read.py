"""The reader: typed records with their origin, from templates and from other tools;
problems as data for what cannot be read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from workbook_cases import fill_with_openpyxl

from addin.workbook import templates
from addin.workbook.formulas import info_row
from addin.workbook.read import Submission, load_workbook, normalise_header
from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS
from addin.workbook.schema import STANDARD, standard_for

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook_templates" / templates.FILE_NAMES["native"]


def inputs(record: Any, key: str) -> dict[str, Any]:
    sheet = STANDARD.sheet(key)
    return {c.field: getattr(record, c.field) for c in sheet.input_columns if getattr(record, c.field) is not None}


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Submission]:
    path = fill_with_openpyxl(TEMPLATE, tmp_path_factory.mktemp("filled") / "填好的.xlsx", SAMPLE_INFO, SAMPLE_RECORDS)
    return path, load_workbook(path)


def test_template_filled_and_read_back_gives_the_same_records(filled: tuple[Path, Submission]) -> None:
    path, submission = filled
    assert submission.problems == []
    assert submission.ok and submission.file == str(path)
    for key, rows in SAMPLE_RECORDS.items():
        got = submission.rows(key)
        assert [inputs(r, key) for r in got] == rows, key
        assert [r.origin.row for r in got] == list(range(2, 2 + len(rows)))
        assert {r.origin.sheet for r in got} == {STANDARD.sheet(key).name}
        assert {r.origin.file for r in got} == {str(path)}
    info = submission.info
    assert {f: getattr(info, f) for f in SAMPLE_INFO} == SAMPLE_INFO
    assert info.template_version == "2.1" and submission.version == 2.1
    assert info.rows["report_date"] == info_row("report_date") == 12


def test_ready_but_empty_rows_are_not_records(filled: tuple[Path, Submission]) -> None:
    _, submission = filled
    # the template has 500 ready rows with formulas and formats in every ledger
    assert len(submission.rows("clues")) == len(SAMPLE_RECORDS["clues"])
    assert len(submission.rows("bans")) == 1


def test_an_empty_template_reads_as_no_rows_and_no_problems() -> None:
    submission = load_workbook(TEMPLATE)
    assert submission.problems == []
    assert all(rows == [] for rows in submission.ledgers.values())
    assert submission.info.profile == "central-2026" and submission.info.unit_name is None
    assert submission.calendar_days is None  # 工作日历 is read when a computation needs it
    days = submission.workbook_days()
    assert len(days) > 5000 and days[0] == dt.date(2004, 1, 2)
    assert submission.calendar_days is days


def _other_tool_workbook(path: Path) -> Path:
    """What another program writes: other column order, extra columns, a title row, spaces."""
    book = openpyxl.Workbook()
    info = book.active
    info.title = "填报信息"
    info.append(["某单位 填报信息"])
    info.append(["  适用标准 ", "yibin-2020"])
    info.append(["上年末资产总额(万元)", 12000])
    info.append(["填报日期", dt.datetime(2026, 6, 30)])
    info.append(["报告年度", "2026"])
    ws = book.create_sheet("问题线索台账")
    ws.append(["问题线索台账（2026年）"])
    ws.append(["内部备注", "受理 日期", "线索编号", "涉及金额(万元)", "简易程序", "损失等级"])
    ws.append(["不读", dt.datetime(2026, 2, 13), "  XS-1\u3000", 120.5, "是", "较大"])
    ws.append([None, None, None, None, None, None])
    ws.append(["x", 46066, "XS-2", "1,200.5", "否", "#参数错误"])
    for _ in range(5):
        ws.append(["", "  ", None, None, "", None])  # trailing rows that only look filled
    book.create_sheet("资产损失认定").append(["线索编号", "损失金额（万元）"])
    book.save(path)
    return path


def test_other_tools_any_order_extra_columns_and_spaces(tmp_path: Path) -> None:
    submission = load_workbook(_other_tool_workbook(tmp_path / "other.xlsx"))
    clues = submission.rows("clues")
    assert [(r.origin.row, r.clue_id, r.received_date, r.amount_involved, r.simplified_procedure) for r in clues] == [
        (3, "XS-1", dt.date(2026, 2, 13), 120.5, True),
        (5, "XS-2", dt.date(2026, 2, 13), 1200.5, False),
    ]
    assert clues[0].loss_grade == "较大" and clues[1].loss_grade is None
    info = submission.info
    assert (info.profile, info.prior_year_assets, info.report_date, info.report_year) == (
        "yibin-2020", 12000.0, dt.date(2026, 6, 30), 2026)
    assert info.rows == {"profile": 2, "prior_year_assets": 3, "report_date": 4, "report_year": 5}
    codes = {(p.sheet, p.cell, p.code, p.severity) for p in submission.problems}
    assert ("问题线索台账", "D5", "ZZ-READ-TEXT-NUMBER", "warning") in codes  # "1,200.5" as text, read as 1200.5
    assert ("问题线索台账", "F5", "ZZ-READ-FORMULA-ERROR", "error") in codes
    assert ("填报信息", "B5", "ZZ-READ-TEXT-NUMBER", "warning") in codes
    missing = {p.message for p in submission.problems if p.code == "ZZ-READ-HEADER-MISSING"}
    assert "「问题线索台账」缺少列“线索来源”，请从标准模板补上这一列" in missing
    sheets = {p.message for p in submission.problems if p.code == "ZZ-READ-SHEET-MISSING"}
    assert sheets == {f"缺少工作表「{n}」" for n in ("责任认定与处理", "审计整改台账", "禁入限制人员", "管理提升建议书")}
    labels = [p for p in submission.problems if p.code == "ZZ-READ-LABEL-MISSING"]
    assert len(labels) == len(standard_for(1).record.input_columns) - 4  # no 模板版本, no v2 line: a v1 file
    assert not submission.ok


def test_missing_computed_column_is_only_a_warning(tmp_path: Path) -> None:
    submission = load_workbook(_other_tool_workbook(tmp_path / "other.xlsx"))
    problems = {p.column: p.severity for p in submission.problems
                if p.sheet == "问题线索台账" and p.code == "ZZ-READ-HEADER-MISSING"}
    assert problems["管辖层级"] == "warning"
    assert "受理日期" not in problems  # present, headed "受理 日期"


def test_renamed_computed_column_is_only_a_warning_and_a_renamed_input_an_error(
        filled: tuple[Path, Submission], tmp_path: Path) -> None:
    book = openpyxl.load_workbook(filled[0])
    sheet = book["问题线索台账"]
    headers = {cell.value: cell.column_letter for cell in sheet[1]}
    sheet[f"{headers['损失等级']}1"] = "损失级别"  # computed
    sheet[f"{headers['线索来源']}1"] = "线索来原"  # an input column
    book.save(tmp_path / "改了列名.xlsx")
    submission = load_workbook(tmp_path / "改了列名.xlsx")
    renamed = sorted((p.column, p.cell, p.severity) for p in submission.problems if p.code == "ZZ-READ-HEADER-RENAMED")
    assert renamed == [("损失等级", f"{headers['损失等级']}1", "warning"), ("线索来源", f"{headers['线索来源']}1", "error")]
    assert all(p.code == "ZZ-READ-HEADER-RENAMED" for p in submission.problems)


@pytest.mark.parametrize(("field", "value", "code", "expected", "severity"), [
    ("estimated_loss", "120万元", "ZZ-READ-NUMBER", None, "error"),
    ("estimated_loss", " 88.5 ", "ZZ-READ-TEXT-NUMBER", 88.5, "warning"),
    ("estimated_loss", True, "ZZ-READ-NUMBER", None, "error"),
    ("received_date", "2026-03-05", "ZZ-READ-TEXT-DATE", dt.date(2026, 3, 5), "warning"),
    ("received_date", "2026年3月5日", "ZZ-READ-TEXT-DATE", dt.date(2026, 3, 5), "warning"),
    ("received_date", "昨天", "ZZ-READ-DATE", None, "error"),
    ("received_date", "2026-02-30", "ZZ-READ-DATE", None, "error"),
    ("simplified_procedure", "Y", "ZZ-READ-FLAG", None, "error"),
    ("amount_involved", "1,000", "ZZ-READ-TEXT-NUMBER", 1000.0, "warning"),
])
def test_unreadable_values_are_problems_at_their_cell(tmp_path: Path, field: str, value: Any, code: str,
                                                      expected: Any, severity: str) -> None:
    row = dict(SAMPLE_RECORDS["clues"][0], **{field: value})
    path = fill_with_openpyxl(TEMPLATE, tmp_path / "t.xlsx", SAMPLE_INFO, {"clues": [SAMPLE_RECORDS["clues"][1], row]})
    submission = load_workbook(path)
    column = STANDARD.sheet("clues").index(field)
    cell = f"{openpyxl.utils.get_column_letter(column + 1)}3"
    (problem,) = submission.problems
    assert (problem.sheet, problem.cell, problem.code, problem.severity) == ("问题线索台账", cell, code, severity)
    assert STANDARD.sheet("clues").column(field).header in problem.message
    assert getattr(submission.rows("clues")[1], field) == expected
    assert str(problem).startswith(f"「问题线索台账」{cell}：")


def test_id_number_stored_as_a_number_is_reported(tmp_path: Path) -> None:
    person = dict(SAMPLE_RECORDS["accountability"][0], id_number=510104198003150010)
    path = fill_with_openpyxl(TEMPLATE, tmp_path / "t.xlsx", SAMPLE_INFO, {"accountability": [person]})
    submission = load_workbook(path)
    (problem,) = submission.problems
    assert (problem.cell, problem.code) == ("C2", "ZZ-READ-TEXT-AS-NUMBER")
    assert "末几位可能已丢失" in problem.message


def test_percent_text_reads_as_a_fraction(tmp_path: Path) -> None:
    person = dict(SAMPLE_RECORDS["accountability"][0], pay_ratio="60%")
    path = fill_with_openpyxl(TEMPLATE, tmp_path / "t.xlsx", SAMPLE_INFO, {"accountability": [person]})
    submission = load_workbook(path)
    assert submission.rows("accountability")[0].pay_ratio == pytest.approx(0.6)
    assert [p.code for p in submission.problems] == ["ZZ-READ-TEXT-NUMBER"]


@pytest.mark.parametrize(("content", "code"), [
    (b"", "ZZ-FILE-EMPTY"),
    (b"not a workbook at all", "ZZ-FILE-NOT-XLSX"),
    (b"PK\x03\x04broken", "ZZ-FILE-CORRUPT"),
])
def test_unreadable_files_are_a_problem_not_an_exception(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "坏文件.xlsx"
    path.write_bytes(content)
    submission = load_workbook(path)
    assert [p.code for p in submission.problems] == [code]
    assert submission.ledgers == {} and submission.info.unit_name is None and not submission.ok


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    submission = load_workbook(tmp_path / "没有这个文件.xlsx")
    assert [p.code for p in submission.problems] == ["ZZ-FILE-IO"]


def _with_part(source: Path, target: Path, part: str, data: bytes) -> Path:
    """A copy of ``source`` whose zip member ``part`` is ``data``."""
    import zipfile

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info, data if info.filename == part else old.read(info.filename))
    return target


@pytest.mark.parametrize("light", [False, True])
def test_a_workbook_whose_styles_are_broken_cannot_be_read(filled: tuple[Path, Submission], tmp_path: Path,
                                                           light: bool) -> None:
    """A sound zip (the preflight passes it) whose styles part is cut short."""
    path = _with_part(filled[0], tmp_path / "样式损坏.xlsx", "xl/styles.xml", b"<styleSheet")
    submission = load_workbook(path, light=light)
    assert [(p.code, p.sheet, p.cell) for p in submission.problems] == [("ZZ-READ-FILE", "", "")]
    assert submission.problems[0].message.startswith("无法读取工作簿（文件可能已损坏）；请用 Excel 或 WPS 打开后另存为新的 .xlsx 再报送")
    assert submission.ledgers == {} and not submission.ok


@pytest.mark.parametrize("light", [False, True])
def test_a_broken_sheet_spoils_only_that_sheet(filled: tuple[Path, Submission], tmp_path: Path, light: bool) -> None:
    from addin.workbook.preflight import sheet_parts

    source, whole = filled
    part = sheet_parts(source)["问题线索台账"][0]
    import zipfile

    with zipfile.ZipFile(source) as archive:
        xml = archive.read(part)
    path = _with_part(source, tmp_path / "台账损坏.xlsx", part, xml[: len(xml) // 2])  # cut mid-way
    submission = load_workbook(path, light=light)
    broken = [p for p in submission.problems if p.code == "ZZ-READ-SHEET"]
    assert [(p.sheet, p.cell) for p in broken] == [("问题线索台账", "")]
    assert broken[0].message.startswith("工作表「问题线索台账」已损坏，无法读取；请用 Excel 或 WPS 打开后另存为新的 .xlsx 再报送")
    assert {p.sheet for p in submission.problems} == {"问题线索台账"}  # the other sheets read as before
    assert len(submission.ledgers["losses"]) == len(whole.ledgers["losses"]) == len(SAMPLE_RECORDS["losses"])
    assert submission.info.unit_name == SAMPLE_INFO["unit_name"]


def test_header_without_known_columns(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "填报信息"
    book.create_sheet("问题线索台账").append(["甲", "乙"])
    book.save(tmp_path / "x.xlsx")
    submission = load_workbook(tmp_path / "x.xlsx")
    problems = [p for p in submission.problems if p.sheet == "问题线索台账"]
    assert [p.code for p in problems] == ["ZZ-READ-HEADER-MISSING"]
    assert "没有找到本表的列标题" in problems[0].message


def test_duplicate_header_uses_the_first(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "禁入限制人员"
    ws.append(["姓名", "禁入期限", "姓名"])
    ws.append(["甲", "5年", "乙"])
    book.save(tmp_path / "x.xlsx")
    submission = load_workbook(tmp_path / "x.xlsx")
    assert [r.name for r in submission.rows("bans")] == ["甲"]
    (dup,) = [p for p in submission.problems if p.code == "ZZ-READ-HEADER-DUPLICATE"]
    assert (dup.cell, dup.severity) == ("C1", "warning")


def test_headers_compare_without_width_or_spaces() -> None:
    assert normalise_header(" 涉及金额(万元) ") == normalise_header("涉及金额（万元）")
    assert normalise_header("受理\n日期") == "受理日期"
