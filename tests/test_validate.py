"""The validator: one planted defect per file, asserting exactly its code at its cell.

Every workbook here starts from one clean filled template (the sample, made fully valid)
and gets ONE defect — by changing the records before ``build_template`` or by editing the
written file with openpyxl, as a clerk or another program would.  Each test asserts the
expected code at the expected cell and no other error.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Any, Callable

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from addin import cli
from addin.workbook.formulas import info_row
from addin.workbook.read import load_workbook
from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS
from addin.workbook.schema import STANDARD
from addin.workbook.templates import build_template, default_options
from addin.validation import check_submission, validate_paths
from addin.validation.report import FileReport

D = dt.date
PROFILE = "central-2026"
REPORT_DATE = SAMPLE_INFO["report_date"]  # 2026-11-20: the default as-of date


# -- the clean workbook -----------------------------------------------------------------------------


def clean_data() -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The sample, made fully valid: XS-2026-004 (重大) has its 一事一报告 date."""
    info = dict(SAMPLE_INFO)
    records = copy.deepcopy(SAMPLE_RECORDS)
    records["clues"][3]["event_report_date"] = D(2026, 11, 10)
    return info, records


def build(path: Path, info: dict[str, Any], records: dict[str, list[dict[str, Any]]]) -> Path:
    return build_template(path, default_options(PROFILE, rows=10), info, records)


def cell(key: str, field: str, index: int) -> str:
    """The cell of a ledger row's field: ``index`` is the 0-based record number."""
    sheet = STANDARD.sheet(key)
    return f"{get_column_letter(sheet.index(field) + 1)}{index + 2}"


def info_cell(field: str) -> str:
    return f"B{info_row(field)}"


def report_of(path: Path, as_of: dt.date | None = None) -> FileReport:
    (report,) = validate_paths([path], as_of=as_of).files
    return report


def errors(report: FileReport) -> list[tuple[str, str | None]]:
    return [(p.code, p.cell or None) for p in report.errors]


def warning_set(report: FileReport) -> set[tuple[str, str | None]]:
    return {(p.code, p.cell or None) for p in report.warnings}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("validate")


@pytest.fixture(scope="module")
def clean(folder: Path) -> Path:
    info, records = clean_data()
    return build(folder / "clean.xlsx", info, records)


@pytest.fixture(scope="module")
def clean_warnings(clean: Path) -> set[tuple[str, str | None]]:
    return warning_set(report_of(clean))


def planted(folder: Path, name: str, change: Callable[[dict[str, Any], dict[str, list[dict[str, Any]]]], None]) -> Path:
    info, records = clean_data()
    change(info, records)
    return build(folder / f"{name}.xlsx", info, records)


def edited(clean: Path, target: Path, edit: Callable[[openpyxl.Workbook], None]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(clean)
    edit(book)
    book.save(target)
    return target


def test_the_clean_workbook_is_valid(clean: Path) -> None:
    report = report_of(clean)
    assert report.errors == [], [str(p) for p in report.errors]
    assert report.status == "valid"
    assert report.rows == sum(len(rows) for rows in SAMPLE_RECORDS.values())
    # what a clean file may still be reminded of (warnings never block)
    assert {p.code for p in report.warnings} <= {"ZZ-WARN-INITIAL-CHECK-OVERDUE", "ZZ-WARN-REF-CLUE"}


# -- one defect per file, planted in the records ---------------------------------------------------------


def _set(key: str, index: int, **values: Any) -> Callable[..., None]:
    def change(info: dict[str, Any], records: dict[str, list[dict[str, Any]]]) -> None:
        if key == "info":
            info.update(values)
        else:
            records[key][index].update(values)
    return change


def _add(key: str, row: dict[str, Any]) -> Callable[..., None]:
    def change(info: dict[str, Any], records: dict[str, list[dict[str, Any]]]) -> None:
        records[key].append(row)
    return change


PERSON = {  # a person for the handling-rule cases; clue and ratios set per case
    "name": "测试人", "id_number": "110101199003070011", "unit": "示例能源销售公司", "position": "副经理",
    "is_enterprise_head": False, "responsibility": "直接责任", "employment_status": "在职", "measure": "批评教育",
    "pay_base": 50.0, "pay_ratio": 0.0, "ban_term": "无", "referred_judicial": False, "aggravating": False,
    "mitigating": False, "decision_date": D(2026, 8, 3), "appealed": False,
}


def person(**values: Any) -> dict[str, Any]:
    return {**PERSON, **values}


# (name, change, expected code, expected cell, a text the message must contain)
RECORD_DEFECTS: list[tuple[str, Callable[..., None], str, str, str]] = [
    # types: what the cell should hold
    ("number-with-unit", _set("clues", 0, amount_involved="120万元"), "ZZ-READ-NUMBER",
     cell("clues", "amount_involved", 0), "应填写数字 120"),
    ("number-with-separators", _set("clues", 0, amount_involved="1,200.5"), "ZZ-READ-TEXT-NUMBER",
     cell("clues", "amount_involved", 0), "应填写数字 1200.5"),
    ("full-width-digits", _set("clues", 1, amount_involved="１２０"), "ZZ-READ-TEXT-NUMBER",
     cell("clues", "amount_involved", 1), "应填写数字 120"),
    ("number-as-text", _set("losses", 0, recovered_amount="80"), "ZZ-READ-TEXT-NUMBER",
     cell("losses", "recovered_amount", 0), "应填写数字 80"),
    ("percent-as-text", _set("accountability", 0, pay_ratio="60%"), "ZZ-READ-TEXT-NUMBER",
     cell("accountability", "pay_ratio", 0), "应填写数字 0.6"),
    ("date-as-text", _set("clues", 0, received_date="2026.1.12"), "ZZ-READ-TEXT-DATE",
     cell("clues", "received_date", 0), "应填写日期 2026-01-12"),
    ("not-a-date", _set("clues", 2, received_date="昨天"), "ZZ-READ-DATE",
     cell("clues", "received_date", 2), "应填写真正的日期"),
    ("flag-not-yes-no", _set("clues", 0, typical_case="Y"), "ZZ-READ-FLAG",
     cell("clues", "typical_case", 0), "应填 是 或 否"),
    ("year-as-text", _set("info", 0, report_year="2026年"), "ZZ-READ-INTEGER", info_cell("report_year"), "2026"),
    ("id-stored-as-number", _set("accountability", 0, id_number=510104198003150010), "ZZ-READ-TEXT-AS-NUMBER",
     cell("accountability", "id_number", 0), "设为文本格式"),
    # required values and conditional requirements
    ("required-blank", _set("clues", 1, handler=None), "ZZ-REQUIRED", cell("clues", "handler", 1), "承办人"),
    ("required-info", _set("info", 0, phone=None), "ZZ-REQUIRED", info_cell("phone"), "联系电话"),
    ("closed-without-date", _set("clues", 0, stage="办结"), "ZZ-REQUIRED-CLOSED-DATE",
     cell("clues", "closed_date", 0), "办结日期"),
    ("decision-date-missing", _set("accountability", 0, decision_date=None), "ZZ-REQUIRED-DECISION-DATE",
     cell("accountability", "decision_date", 0), "处理决定日期"),
    # enumerations, lengths, ranges
    ("enum", _set("clues", 0, source="审计"), "ZZ-ENUM", cell("clues", "source", 0), "审计监督"),
    ("enum-info", _set("info", 0, report_period="全年"), "ZZ-ENUM", info_cell("report_period"), "年度"),
    ("too-long", _set("clues", 0, summary="违" * 501), "ZZ-LENGTH", cell("clues", "summary", 0), "501"),
    ("negative-amount", _set("clues", 1, amount_involved=-5.0), "ZZ-RANGE", cell("clues", "amount_involved", 1), "-5"),
    ("zero-loss", _set("losses", 1, loss_amount=0.0), "ZZ-RANGE", cell("losses", "loss_amount", 1), "大于 0"),
    ("ratio-above-100%", _set("accountability", 0, term_ratio=1.5), "ZZ-RANGE",
     cell("accountability", "term_ratio", 0), "0–100%"),
    ("five-decimals", _set("clues", 0, amount_involved=6800.12345), "ZZ-DECIMALS",
     cell("clues", "amount_involved", 0), "4位小数"),
    ("unknown-profile", _set("info", 0, profile="no-such-profile"), "ZZ-PROFILE-UNKNOWN", info_cell("profile"),
     "no-such-profile"),
    # identity codes
    ("id-check-digit", _set("accountability", 1, id_number="510105198507220024"), "ZZ-ID-INVALID",
     cell("accountability", "id_number", 1), "校验位应为 3"),  # the number itself never in a message
    ("id-in-bans", _set("bans", 0, id_number="51010619781123003"), "ZZ-ID-INVALID", cell("bans", "id_number", 0), "18位"),
    ("uscc-check-char", _set("info", 0, uscc="91510100MA61R8XK48"), "ZZ-USCC-INVALID", info_cell("uscc"),
     "91510100MA61R8XK48"),
    ("uscc-of-parent", _set("info", 0, parent_uscc="91510000MA62A1B23O"), "ZZ-USCC-INVALID",
     info_cell("parent_uscc"), "91510000MA62A1B23O"),
    # references and uniqueness
    ("unknown-clue-in-losses", _set("losses", 1, clue_id="XS-2026-009"), "ZZ-REF-CLUE", cell("losses", "clue_id", 1),
     "XS-2026-009"),
    ("unknown-clue-in-letters", _set("recommendations", 0, clue_id="XS-2026-01"), "ZZ-REF-CLUE",
     cell("recommendations", "clue_id", 0), "XS-2026-01"),
    ("duplicate-clue", _set("clues", 2, clue_id="XS-2026-002"), "ZZ-DUPLICATE", cell("clues", "clue_id", 2),
     "第 3 行"),
    ("duplicate-finding", _set("rectification", 2, finding_id="SJ-2026-001"), "ZZ-DUPLICATE",
     cell("rectification", "finding_id", 2), "SJ-2026-001"),
    ("duplicate-person", _set("accountability", 1, id_number="510104198003150010", name="张伟"), "ZZ-DUPLICATE",
     cell("accountability", "id_number", 1), "第 2 行"),
    # date order
    ("filed-before-received", _set("clues", 0, filed_date=D(2026, 1, 5)), "ZZ-DATE-ORDER",
     cell("clues", "filed_date", 0), "早于“受理日期”"),
    ("closed-before-filed", _set("clues", 3, stage="办结", closed_date=D(2026, 11, 2)), "ZZ-DATE-ORDER",
     cell("clues", "closed_date", 3), "早于“立项日期”"),
    ("closed-before-issued", _set("rectification", 0, closed_date=D(2026, 3, 1)), "ZZ-DATE-ORDER",
     cell("rectification", "closed_date", 0), "早于“下达日期”"),
    ("stage-not-closed", _set("clues", 0, closed_date=D(2026, 9, 30)), "ZZ-STAGE-CLOSED", cell("clues", "stage", 0),
     "应为“办结”"),
    ("closed-but-not-done", _set("rectification", 1, closed_date=D(2026, 10, 30)), "ZZ-CLOSE-NOT-DONE",
     cell("rectification", "closed_date", 1), "部分整改"),
    # amounts
    ("recovered-above-loss", _set("losses", 0, recovered_amount=700.0), "ZZ-AMOUNT-RECOVERED",
     cell("losses", "recovered_amount", 0), "700"),
    ("corrected-above-problem", _set("rectification", 0, corrected_amount=500.0), "ZZ-AMOUNT-CORRECTED",
     cell("rectification", "corrected_amount", 0), "500"),
    ("contingent-without-report", _set("losses", 1, loss_type="或有损失"), "ZZ-CONTINGENT-BASIS",
     cell("losses", "basis", 1), "中介机构报告"),
    ("assets-differ-in-a-clue", _set("losses", 1, prior_year_assets=51000.0), "ZZ-ASSETS-MISMATCH",
     cell("losses", "prior_year_assets", 1), "51000"),
]


@pytest.mark.parametrize(("name", "change", "code", "where", "text"), RECORD_DEFECTS, ids=[d[0] for d in RECORD_DEFECTS])
def test_one_planted_defect(folder: Path, name: str, change: Callable[..., None], code: str, where: str,
                            text: str) -> None:
    report = report_of(planted(folder, name, change))
    assert errors(report) == [(code, where)], [str(p) for p in report.errors]
    (problem,) = report.errors
    assert text in problem.message
    assert report.status == "invalid"


# -- defects against central-2026 entries nobody checked: warnings, never errors ---------------------------

UNCHECKED_DEFECTS = [
    # the 一事一报告 trigger and its 15 working days are unchecked entries of central-2026
    ("event-report-overdue", _set("clues", 3, event_report_date=None), "ZZ-RULE-UNCHECKED-EVENT-REPORT",
     cell("clues", "event_report_date", 3), "2026-11-16"),
    # handling rules (XS-2026-001 is 较大 under central-2026: 650 + 120.5 万元); Order 46's table is unchecked
    ("measure-not-allowed", _set("accountability", 0, measure="免职"), "ZZ-RULE-UNCHECKED-MEASURE",
     cell("accountability", "measure", 0), "免职"),
    ("ban-not-allowed", _set("accountability", 0, ban_term="5年"), "ZZ-RULE-UNCHECKED-BAN",
     cell("accountability", "ban_term", 0), "较大"),
    ("term-ratio-below", _set("accountability", 0, term_ratio=0.3), "ZZ-RULE-UNCHECKED-RATIO",
     cell("accountability", "term_ratio", 0), "50%–100%"),
]


@pytest.mark.parametrize(("name", "change", "code", "where", "text"), UNCHECKED_DEFECTS,
                         ids=[d[0] for d in UNCHECKED_DEFECTS])
def test_a_defect_against_an_unchecked_entry_is_a_warning(folder: Path, name: str, change: Callable[..., None],
                                                          code: str, where: str, text: str) -> None:
    report = report_of(planted(folder, name, change))
    assert errors(report) == [], [str(p) for p in report.errors]
    (problem,) = [p for p in report.warnings if p.code == code]
    assert problem.cell == where and problem.severity == "warning"
    assert text in problem.message and "待核对" in problem.message and "central-2026" in problem.message
    assert "宜宾" not in problem.message
    assert report.status == "valid"


# -- handling boundaries: 以上 includes its number, 以下 excludes it ---------------------------------------


# XS-2026-002 is 一般 (120 万元 estimated), XS-2026-001 较大
RATIO_CASES = [
    ("一般 直接 50% is outside 0%–50%（不含50%）", "XS-2026-002", 0.5, False, "ZZ-RULE-UNCHECKED-RATIO"),
    ("一般 直接 49.99% is inside", "XS-2026-002", 0.4999, False, None),
    ("一般 直接 0% is inside", "XS-2026-002", 0.0, False, None),
    ("较大 直接 50% is inside 50%–100%", "XS-2026-001", 0.5, False, None),
    ("较大 直接 49.99% is outside", "XS-2026-001", 0.4999, False, "ZZ-RULE-UNCHECKED-RATIO"),
    ("较大 直接 49.99% with 从轻减轻免除情节 is allowed", "XS-2026-001", 0.4999, True, None),
    ("较大 直接 100% is inside", "XS-2026-001", 1.0, False, None),
]


@pytest.mark.parametrize(("label", "clue", "ratio", "mitigating", "code"), RATIO_CASES, ids=[c[0] for c in RATIO_CASES])
def test_deduction_ratio_boundaries(folder: Path, label: str, clue: str, ratio: float, mitigating: bool,
                                    code: str | None) -> None:
    measure = "批评教育" if clue == "XS-2026-002" else "通报批评"
    index = len(SAMPLE_RECORDS["accountability"])
    path = planted(folder, f"ratio-{clue}-{ratio}-{mitigating}",
                   _add("accountability", person(clue_id=clue, pay_ratio=ratio, mitigating=mitigating, measure=measure)))
    report = report_of(path)
    # central-2026's ranges are unchecked: outside them is a warning, never an error
    assert errors(report) == [], [str(p) for p in report.errors]
    ratio_warnings = [(p.code, p.cell) for p in report.warnings if p.code == "ZZ-RULE-UNCHECKED-RATIO"]
    assert ratio_warnings == ([] if code is None else [(code, cell("accountability", "pay_ratio", index))])


def test_ban_is_allowed_where_the_profile_allows_it(folder: Path) -> None:
    # XS-2026-004 is 重大 (5200 万元): 直接责任 may be banned, deduction 100%
    path = planted(folder, "ban-allowed", _add("accountability", person(
        clue_id="XS-2026-004", measure="降职", pay_ratio=1.0, ban_term="5年", decision_date=D(2026, 11, 18))))
    assert errors(report_of(path)) == []


def test_corrected_flag_with_a_smaller_amount_is_a_warning(folder: Path,
                                                           clean_warnings: set[tuple[str, str | None]]) -> None:
    assert not any(code == "ZZ-FLAG-AMOUNT" for code, _ in clean_warnings)  # SJ-2026-001: 480 of 480, 是
    report = report_of(planted(folder, "flag-amount", _set("rectification", 1, corrected=True)))  # 100 of 260
    assert errors(report) == []
    assert warning_set(report) - clean_warnings == {("ZZ-FLAG-AMOUNT", cell("rectification", "corrected", 1))}
    (warning,) = [p for p in report.warnings if p.code == "ZZ-FLAG-AMOUNT"]
    assert warning.message == "“金额或事实已纠正”为 是，但已纠正金额 100 万元少于问题金额 260 万元，按部分纠正认定"
    assert report.status == "valid"


def test_a_defect_while_validating_one_file_spares_the_others(clean: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A parser that panics or runs out of memory on one file: that file is reported, the rest go on."""
    import addin.validation.run as run

    read = run.load_workbook
    failures = {"a.xlsx": MemoryError(), "b.xlsx": RuntimeError("解析器崩溃")}

    def flaky(path: Any, *args: Any, **kwargs: Any) -> Any:
        if Path(path).name in failures:
            raise failures[Path(path).name]
        return read(path, *args, **kwargs)

    monkeypatch.setattr(run, "load_workbook", flaky)
    for name in ("a.xlsx", "b.xlsx", "c.xlsx"):
        (tmp_path / name).write_bytes(clean.read_bytes())
    reports = {Path(r.path).name: r for r in validate_paths([tmp_path]).files}
    assert {n: r.status for n, r in reports.items()} == {"a.xlsx": "unreadable", "b.xlsx": "unreadable", "c.xlsx": "valid"}
    assert [(p.code, p.message) for p in reports["a.xlsx"].errors] == [
        ("ZZ-FILE-TOO-LARGE", "文件过大，读取时内存不足，请拆分后再报送")]
    (internal,) = reports["b.xlsx"].errors  # our bug: reported once, the traceback in the log
    assert internal.code == "ZZ-READ-INTERNAL"
    assert internal.message.startswith("读取此文件时程序内部出错，其他文件不受影响；详细信息已记入 ")
    assert internal.message.endswith("errors.log，请把该日志发给技术支持")


def test_event_report_not_yet_due_is_a_warning(folder: Path, clean_warnings: set[tuple[str, str | None]]) -> None:
    path = planted(folder, "event-report-soon", _set("clues", 3, event_report_date=None))
    report = report_of(path, as_of=D(2026, 11, 13))
    assert errors(report) == []
    assert ("ZZ-WARN-EVENT-REPORT", cell("clues", "event_report_date", 3)) in warning_set(report)
    assert report.status == "valid"


# -- one defect per file, planted with openpyxl in the written workbook -------------------------------------


def _rename(sheet: str, address: str, text: str | None) -> Callable[[openpyxl.Workbook], None]:
    def edit(book: openpyxl.Workbook) -> None:
        book[sheet][address].value = text
    return edit


def _delete(sheet: str) -> Callable[[openpyxl.Workbook], None]:
    def edit(book: openpyxl.Workbook) -> None:
        del book[sheet]
    return edit


def _error_value(sheet: str, address: str, text: str) -> Callable[[openpyxl.Workbook], None]:
    def edit(book: openpyxl.Workbook) -> None:
        target = book[sheet][address]
        target.value = text
        target.data_type = "e"
    return edit


BOOK_DEFECTS: list[tuple[str, Callable[[openpyxl.Workbook], None], str, str | None, str]] = [
    ("missing-sheet", _delete("资产损失认定"), "ZZ-READ-SHEET-MISSING", None, "资产损失认定"),
    ("renamed-header", _rename("问题线索台账", "C1", "线索来原"), "ZZ-READ-HEADER-RENAMED", "C1", "应为“线索来源”"),
    ("renamed-header-2", _rename("责任认定与处理", "L1", "扣减比例"), "ZZ-READ-HEADER-RENAMED", "L1",
     "应为“绩效年薪扣减比例”"),
    ("blank-header", _rename("审计整改台账", "D1", None), "ZZ-READ-HEADER-MISSING", "D1", "下达日期"),
    ("renamed-label", _rename("填报信息", "A12", "报送日期"), "ZZ-READ-LABEL-RENAMED", "A12", "应为“填报日期”"),
    ("overwritten-formula", _rename("问题线索台账", "K2", "一般"), "ZZ-COMPUTED-MISMATCH", "K2", "应为“较大”"),
    # 核查截止日 rests on central-2026's deadlines.investigation (Order 46 Art. 75, checked): still an error
    ("overwritten-checked-deadline", _rename("问题线索台账", "AG5", dt.datetime(2027, 1, 1)), "ZZ-COMPUTED-MISMATCH",
     "AG5", "应为“2027-05-06”"),
    ("broken-formula", _error_value("问题线索台账", "K3", "#REF!"), "ZZ-READ-FORMULA-ERROR", "K3", "#REF!"),
    ("error-in-an-input", _error_value("资产损失认定", "G2", "#N/A"), "ZZ-READ-ERROR-VALUE", "G2", "应填写日期"),
]


@pytest.mark.parametrize(("name", "edit", "code", "where", "text"), BOOK_DEFECTS, ids=[d[0] for d in BOOK_DEFECTS])
def test_one_defect_in_the_written_book(clean: Path, folder: Path, name: str, edit: Callable[[openpyxl.Workbook], None],
                                        code: str, where: str | None, text: str) -> None:
    report = report_of(edited(clean, folder / f"{name}.xlsx", edit))
    assert errors(report) == [(code, where)], [str(p) for p in report.errors]
    assert text in report.errors[0].message


# central-2026's rectification period (an audit-rectification rule, not Order 46) and its influence
# periods (Order 37's, unchecked for Order 46) are unchecked entries: an overwritten value is a reminder
UNCHECKED_BOOK_DEFECTS = [
    ("overwritten-deadline", _rename("审计整改台账", "K3", dt.datetime(2026, 12, 31)), "K3", "2026-11-30",
     "deadlines.rectify"),
    ("overwritten-blank-result", _rename("责任认定与处理", "Y3", dt.datetime(2027, 1, 1)), "Y3", "2028-06-18",
     "influence["),
    # 快报截止日 and 一事一报告截止日 rest on the 快报/全面报告 periods and the 一事一报告 trigger, all unchecked
    ("overwritten-flash-deadline", _rename("问题线索台账", "AC5", dt.datetime(2026, 12, 31)), "AC5", "2026-11-02",
     "deadlines.flash_report"),
    ("overwritten-full-report-deadline", _rename("问题线索台账", "AE5", dt.datetime(2026, 12, 31)), "AE5",
     "2026-11-16", "deadlines.full_report"),
    ("overwritten-report-flag", _rename("问题线索台账", "R5", "否"), "R5", "应为“是”", "one_event_report"),
]


@pytest.mark.parametrize(("name", "edit", "where", "text", "entry"), UNCHECKED_BOOK_DEFECTS,
                         ids=[d[0] for d in UNCHECKED_BOOK_DEFECTS])
def test_an_overwritten_value_of_an_unchecked_rule_is_a_warning(clean: Path, folder: Path, name: str,
                                                                edit: Callable[[openpyxl.Workbook], None],
                                                                where: str, text: str, entry: str) -> None:
    report = report_of(edited(clean, folder / f"{name}.xlsx", edit))
    assert errors(report) == [], [str(p) for p in report.errors]
    (problem,) = [p for p in report.warnings if p.code == "ZZ-RULE-UNCHECKED-COMPUTED"]
    assert problem.cell == where and text in problem.message and entry in problem.message
    assert "待核对" in problem.message


def test_blank_computed_cells_are_filled_by_the_engine(clean: Path) -> None:
    submission = load_workbook(clean)
    assert submission.rows("clues")[0].loss_grade is None  # xlsxwriter leaves formulas uncomputed
    assert [p for p in check_submission(submission) if p.severity == "error"] == []
    first = submission.rows("clues")[0]
    assert (first.loss_grade, first.jurisdiction, first.event_report_required) == ("较大", "上级企业", True)
    assert submission.rows("rectification")[1].result == "部分整改"
    assert submission.rows("accountability")[0].influence_end == D(2026, 12, 18)


# -- deadline warnings as of a date ------------------------------------------------------------------------------


def test_initial_verification_overdue_as_of(clean: Path) -> None:
    where = ("ZZ-WARN-INITIAL-CHECK-OVERDUE", cell("clues", "initial_check_deadline", 1))  # XS-2026-002, due 06-15
    assert where not in warning_set(report_of(clean, as_of=D(2026, 6, 15)))
    assert where in warning_set(report_of(clean, as_of=D(2026, 6, 16)))


def test_rectification_overdue_as_of(clean: Path) -> None:
    where = ("ZZ-WARN-RECTIFY-OVERDUE", cell("rectification", "deadline", 1))  # SJ-2026-002 部分整改, due 11-30
    assert where not in warning_set(report_of(clean, as_of=D(2026, 11, 30)))
    late = report_of(clean, as_of=D(2026, 12, 1))
    assert where in warning_set(late)
    assert late.status == "valid"  # warnings never block


def _closed(*covered: bool) -> Callable[..., None]:
    """Close the first clues (立项 and 办结), with or without a 管理提升建议书."""
    def change(info: dict[str, Any], records: dict[str, list[dict[str, Any]]]) -> None:
        records["recommendations"] = []
        for index, letter in enumerate(covered):
            clue = records["clues"][index]
            clue.update(stage="办结", recommendation_letter=letter, filed_date=clue.get("filed_date") or D(2026, 11, 10),
                        closed_date=D(2026, 11, 18), disposal="立项核查")
    return change


@pytest.mark.parametrize(("covered", "warns"), [
    ((True, False), False),  # exactly half: 一半以上 includes a half (seed 000 二(三))
    ((True, True), False),
    ((True, True, False), False),  # two of three: more than half
    ((True, False, False), True),
])
def test_letter_coverage(folder: Path, covered: tuple[bool, ...], warns: bool) -> None:
    report = report_of(planted(folder, f"coverage-{'-'.join(map(str, covered))}", _closed(*covered)))
    assert errors(report) == []
    assert (("ZZ-WARN-LETTER-COVERAGE", None) in warning_set(report)) is warns


# -- the report, the annotated copy, the command ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_defects(folder: Path) -> Path:
    def change(info: dict[str, Any], records: dict[str, list[dict[str, Any]]]) -> None:
        records["clues"][0]["source"] = "审计"
        records["losses"][0]["recovered_amount"] = 700.0
    return planted(folder, "两处错误", change)


def test_json_report_shape(clean: Path, two_defects: Path, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = folder / "report.json"
    code = cli.main(["validate", str(clean), str(two_defects), "--json", str(target)])
    assert code == 1
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["summary"] == {"valid": 1, "invalid": 1, "unreadable": 0}
    by_path = {f["path"]: f for f in data["files"]}
    bad = by_path[str(two_defects)]
    assert bad["status"] == "invalid" and len(bad["sha256"]) == 64
    assert set(bad) == {"path", "sha256", "status", "errors", "warnings"}
    first = bad["errors"][0]
    assert set(first) == {"code", "sheet", "cell", "row", "column", "message"}
    assert (first["code"], first["sheet"], first["cell"], first["row"], first["column"]) == (
        "ZZ-ENUM", "问题线索台账", "C2", 2, "线索来源")
    assert [e["code"] for e in bad["errors"]] == ["ZZ-ENUM", "ZZ-AMOUNT-RECOVERED"]
    assert by_path[str(clean)]["status"] == "valid" and by_path[str(clean)]["errors"] == []
    out = capsys.readouterr().out
    assert "ZZ-ENUM" in out and "共 2 个文件：通过 1，有错误 1，无法读取 0" in out


def test_python_api_returns_the_same_report(clean: Path, two_defects: Path, folder: Path) -> None:
    target = folder / "same.json"
    cli.main(["validate", str(clean), str(two_defects), "--json", str(target)])
    assert validate_paths([clean, two_defects]).to_json() == json.loads(target.read_text(encoding="utf-8"))


def test_whole_sheet_problems_have_no_cell(clean: Path, folder: Path) -> None:
    path = edited(clean, folder / "no-losses.xlsx", _delete("资产损失认定"))
    data = validate_paths([path]).to_json()
    (problem,) = data["files"][0]["errors"]
    assert (problem["cell"], problem["row"], problem["column"], problem["sheet"]) == (None, None, None, "资产损失认定")


def test_exit_codes(clean: Path, two_defects: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(clean)]) == 0  # warnings allowed
    assert cli.main(["validate", str(two_defects)]) == 1
    assert cli.main(["validate", str(tmp_path / "没有这个文件.xlsx")]) == 2
    assert cli.main(["validate", str(clean), "--as-of", "明天"]) == 2
    assert cli.main(["validate"]) == 2
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    assert cli.main(["validate", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "找不到" in err and "--as-of" in err and "没有找到" in err and "Traceback" not in err


def test_as_of_option(clean: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(clean), "--as-of", "2026-12-01"]) == 0
    assert "ZZ-WARN-RECTIFY-OVERDUE" in capsys.readouterr().out


def test_annotated_copy(two_defects: Path, clean: Path, folder: Path) -> None:
    before = two_defects.read_bytes(), clean.read_bytes()
    out_dir = folder / "标注"
    report = validate_paths([two_defects, clean], annotate_dir=out_dir)
    assert (two_defects.read_bytes(), clean.read_bytes()) == before  # the inputs are never modified
    assert list(report.annotated) == [str(two_defects)]  # only invalid workbooks get a copy
    copy_path = Path(report.annotated[str(two_defects)])
    assert copy_path.parent == out_dir and copy_path.name == "两处错误（校验标注）.xlsx"
    book = openpyxl.load_workbook(copy_path)
    assert book.sheetnames[0] == "校验结果"
    for sheet, address, code in (("问题线索台账", "C2", "ZZ-ENUM"), ("资产损失认定", "H2", "ZZ-AMOUNT-RECOVERED")):
        target = book[sheet][address]
        assert target.comment is not None and code in target.comment.text
        assert target.fill.fgColor.rgb.endswith("FFC7CE")
    results = book["校验结果"]
    links = {c.value: c.hyperlink.location or c.hyperlink.target for c in results["C"] if c.hyperlink}
    assert links["C2"] == "'问题线索台账'!C2" and links["H2"] == "'资产损失认定'!H2"
    assert "错误 2 条" in results["A1"].value


def test_annotated_copies_of_files_with_the_same_name(two_defects: Path, tmp_path: Path) -> None:
    for folder in ("甲", "乙"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "填报.xlsx").write_bytes(two_defects.read_bytes())
    report = validate_paths([tmp_path / "甲", tmp_path / "乙"], annotate_dir=tmp_path / "out")
    assert len(set(report.annotated.values())) == 2


def test_folders_are_searched_recursively(clean: Path, two_defects: Path, tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.xlsx").write_bytes(clean.read_bytes())
    (tmp_path / "a" / "y.xlsx").write_bytes(two_defects.read_bytes())
    (tmp_path / "a" / "~$y.xlsx").write_bytes(b"lock")
    (tmp_path / "a" / "notes.txt").write_text("x")
    report = validate_paths([tmp_path / "a"])
    assert [Path(f.path).name for f in report.files] == ["x.xlsx", "y.xlsx"]
    assert report.exit_code == 1


# -- the fast paths give the same answers -----------------------------------------------------------------------------


def test_parallel_and_light_reading_give_the_same_problems(two_defects: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from addin.validation import run

    plain = check_submission(load_workbook(two_defects, parallel=False))
    forked = load_workbook(two_defects, parallel=True)
    assert forked.problems == load_workbook(two_defects, parallel=False).problems
    assert check_submission(forked) == plain
    monkeypatch.setattr(run, "HELPER_ROWS", 0)  # the input checks in a forked helper too
    from addin.validation.checks import precheck_cells

    light = load_workbook(two_defects, parallel=True, light=True, cell_checks=precheck_cells)
    assert check_submission(light, fill=False) == plain
    assert [r.clue_id for r in light.rows("clues")] == [r["clue_id"] for r in SAMPLE_RECORDS["clues"]]


def test_check_submission_keeps_its_signature(clean: Path) -> None:
    """The roll-up calls ``check_submission(submission, as_of)`` on ``load_workbook(path)``."""
    submission = load_workbook(clean)
    problems = check_submission(submission, D(2026, 12, 1))
    assert any(p.code == "ZZ-WARN-RECTIFY-OVERDUE" for p in problems)
    assert not any(p.severity == "error" for p in problems)


def test_a_workbook_recalculated_by_libreoffice_is_valid(clean: Path, tmp_path: Path) -> None:
    """Every computed cell now shows LibreOffice's value: all agree with the engine."""
    from addin.plumbing.libreoffice import convert, find_soffice

    if find_soffice() is None:
        pytest.skip("LibreOffice is not installed")
    (recalculated,) = convert([clean], "xlsx", tmp_path)
    submission = load_workbook(recalculated)
    assert submission.rows("clues")[0].loss_grade == "较大"  # cached by LibreOffice, not filled by the engine
    report = report_of(recalculated)
    assert report.errors == [], [str(p) for p in report.errors]
    assert warning_set(report) == warning_set(report_of(clean))


def test_large_workbooks_get_no_annotated_copy(two_defects: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from addin.validation import run

    monkeypatch.setattr(run, "ANNOTATE_MAX_ROWS", 5)
    report = validate_paths([two_defects], annotate_dir=tmp_path / "out")
    assert report.annotated == {} and "未生成标注副本" in report.annotation_errors[str(two_defects)]
    assert not (tmp_path / "out").exists()


def test_ban_term_outside_the_profile(folder: Path, write_user_profile: Callable[[str, str], Path]) -> None:
    """An enterprise's own profile may allow fewer 禁入期限 (here no 5年)."""
    from udfs.profile import BUILTIN_DIR

    text = (BUILTIN_DIR / f"{PROFILE}.toml").read_text(encoding="utf-8")
    old = 'terms = ["5年", "10年", "终身"]\nmin_years = 5\nlife = true\nsource'
    assert old in text
    strict = text.replace(old, 'terms = ["10年", "终身"]\nmin_years = 10\nlife = true\nsource')
    # the enterprise checked its own rule: breaking it rejects the file
    checked = strict.replace('（令第37号此项亦仅见于照录该令的地方规定）"\nchecked = false', '"\nchecked = true')
    assert checked != strict
    write_user_profile("strict-bans", checked.replace(f'key = "{PROFILE}"', 'key = "strict-bans"'))
    path = planted(folder, "ban-term", _set("info", 0, profile="strict-bans"))
    report = report_of(path)
    assert errors(report) == [("ZZ-BAN-TERM", cell("bans", "term", 0))], [str(p) for p in report.errors]
    assert "10年及以上" in report.errors[0].message
    # the same rule unchecked: a reminder only
    write_user_profile("loose-bans", strict.replace(f'key = "{PROFILE}"', 'key = "loose-bans"'))
    report = report_of(planted(folder, "ban-term-unchecked", _set("info", 0, profile="loose-bans")))
    assert errors(report) == [], [str(p) for p in report.errors]
    assert ("ZZ-RULE-UNCHECKED-BAN-TERM", cell("bans", "term", 0)) in warning_set(report)


# -- the workbook's own 工作日历: read only when a computation needs a year the engine lacks ----------


def _workbook_with_clue(path: Path, received: dt.date, with_2027: bool) -> Path:
    import dataclasses

    from udfs.workcalendar import default_calendar, parse_year_file

    from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS
    from addin.workbook.templates import build_template, default_options
    from tests.conftest import CALENDAR_2027

    calendar = default_calendar()
    if with_2027:
        calendar = calendar.with_years([parse_year_file(CALENDAR_2027, "测试")])
    options = dataclasses.replace(default_options("central-2026", rows=20), calendar=calendar)
    records = {key: [dict(r) for r in rows] for key, rows in SAMPLE_RECORDS.items()}
    records["clues"][0]["received_date"] = received
    return build_template(path, options, SAMPLE_INFO, records)


def _first_deadline(path: Path, read_first: bool = False, when: dt.date = dt.date(2026, 12, 30)) -> tuple[Any, Any]:
    from addin.validation.run import check_and_compute

    submission = load_workbook(path, light=True)
    if read_first:
        submission.workbook_days()
    _, computed = check_and_compute(submission, when)
    return computed["clues"][0]["initial_check_deadline"], submission.calendar_days


def test_a_year_only_the_workbooks_calendar_lists_is_read_from_it(tmp_path: Path) -> None:
    path = _workbook_with_clue(tmp_path / "含2027年日历.xlsx", dt.date(2026, 12, 28), with_2027=True)
    deadline, days = _first_deadline(path)
    # 30 working days after 2026-12-28 under the workbook's 2027: 1 Jan and 6–14 Feb off
    assert deadline == dt.date(2027, 2, 16)
    assert days is not None and dt.date(2027, 2, 20) in days  # the sheet was read for it
    assert _first_deadline(path, read_first=True)[0] == deadline  # the same as reading it first


def test_without_that_year_the_deadline_says_which_year_is_missing(tmp_path: Path) -> None:
    path = _workbook_with_clue(tmp_path / "无2027年日历.xlsx", dt.date(2026, 12, 28), with_2027=False)
    deadline, days = _first_deadline(path)
    assert isinstance(deadline, str) and deadline.startswith("#日历错误") and "2027" in deadline
    assert days is not None and max(days).year == 2026


def test_a_workbook_within_the_known_years_leaves_its_calendar_unread(tmp_path: Path) -> None:
    """Judged in a year whose next year the engine knows (2025 → 2026): the sheet is not read.
    (Judged in the engine's last year, a file reads it first — its deadlines run into the next
    year — once per template and process: issue 24.)"""
    path = _workbook_with_clue(tmp_path / "年内.xlsx", dt.date(2025, 3, 2), with_2027=True)
    deadline, days = _first_deadline(path, when=dt.date(2025, 12, 30))
    assert deadline == dt.date(2025, 4, 14) and days is None
    path = _workbook_with_clue(tmp_path / "年内2026.xlsx", dt.date(2026, 3, 2), with_2027=True)
    deadline, days = _first_deadline(path)
    assert deadline == dt.date(2026, 4, 14) and days is not None  # read first: the same answer


# -- handling at the case grade: the higher of the loss grade and 不良后果等级 (central-2026) ------------
# XS-2026-002 is 一般 (120 万元 estimated), XS-2026-001 较大.  central-2026 keys handling on the case
# grade (consequence.handling), a reading of Order 46's fragments nobody checked: what only that
# keying forbids warns and names it; with 不良后果等级 无 everything is as at the loss grade.


def _case_person(folder: Path, name: str, clue: int, consequence: str | None, **values: Any) -> FileReport:
    def change(info: dict[str, Any], records: dict[str, list[dict[str, Any]]]) -> None:
        records["clues"][clue]["consequence_grade"] = consequence
        records["accountability"].append(person(clue_id=records["clues"][clue]["clue_id"], **values))
    return report_of(planted(folder, name, change))


def _handling_problems(report: FileReport, index: int) -> dict[str, tuple[str, str, str]]:
    """The handling problems of the added person: field → (code, severity, message)."""
    sheet = STANDARD.sheet("accountability")
    out = {}
    for p in report.problems:
        if p.sheet == sheet.name and p.row == index + 2 and p.code.endswith(
                ("MEASURE", "MEASURE-NOT-ALLOWED", "RATIO", "RATIO-OUT-OF-RANGE", "BAN", "BAN-NOT-ALLOWED")):
            field = next(c.field for c in sheet.columns if c.header == p.column)
            out[field] = (p.code, p.severity, p.message)
    return out


NEW_PERSON = len(SAMPLE_RECORDS["accountability"])


def test_a_major_consequence_handles_a_minor_loss_as_major(folder: Path) -> None:
    # 一般 loss, 重大 consequence: 重大's measures and 100%; 一般's 批评教育 and 30% only warn, naming the keying
    report = _case_person(folder, "case-major-1", 1, "重大", measure="批评教育", pay_ratio=0.3)
    assert errors(report) == [], [str(p) for p in report.errors]
    found = _handling_problems(report, NEW_PERSON)
    assert set(found) == {"measure", "pay_ratio"}
    code, severity, message = found["measure"]
    assert (code, severity) == ("ZZ-RULE-UNCHECKED-MEASURE", "warning")
    assert "按案件等级重大（损失等级一般" in message and "可采取：调整职务、降职、改任非领导职务、责令辞职、免职" in message
    assert "consequence.handling" in message and "全文未能读到" in message and "待核对" in message
    code, severity, message = found["pay_ratio"]
    assert (code, severity) == ("ZZ-RULE-UNCHECKED-RATIO", "warning") and "允许范围为 100%" in message
    assert "consequence.handling" in message
    # the computed columns are 重大's too (the engine; the template's formulas agree: test_libreoffice)
    from addin.workbook.recompute import recompute
    values = recompute(load_workbook(planted(folder, "case-major-1c", lambda i, r: (
        r["clues"][1].update(consequence_grade="重大"),
        r["accountability"].append(person(clue_id="XS-2026-002", measure="降职", pay_ratio=1.0))))))
    row = values["accountability"][NEW_PERSON]
    assert (row["loss_grade"], row["case_grade"], row["pay_ratio_min"], row["pay_ratio_max"]) == ("一般", "重大", 1.0, 1.0)
    assert "终止尚未行使" in row["lti"]


def test_what_the_case_grade_allows_is_no_finding(folder: Path) -> None:
    # 降职, 100% and 禁入 5年 are not allowed for 一般 but are for 重大: no handling problem at all
    report = _case_person(folder, "case-major-2", 1, "重大", measure="降职", pay_ratio=1.0, ban_term="5年")
    assert errors(report) == [] and _handling_problems(report, NEW_PERSON) == {}


def test_without_a_consequence_the_loss_grade_decides_as_before(folder: Path) -> None:
    for consequence in ("无", None):  # blank reads as 无
        report = _case_person(folder, f"case-none-{consequence}", 1, consequence, measure="降职", pay_ratio=0.3)
        found = _handling_problems(report, NEW_PERSON)
        assert set(found) == {"measure"}, found
        code, severity, message = found["measure"]
        assert (code, severity) == ("ZZ-RULE-UNCHECKED-MEASURE", "warning")
        assert message.startswith("一般损失的直接责任人不能给予“降职”") and "handling[一般×直接责任、主管责任]" in message
        assert "consequence.handling" not in message


def test_equal_grades_are_that_grade(folder: Path) -> None:
    # 较大 loss and 较大 consequence: 较大 (50%–100%, 通报批评 allowed; 免职 is not, as at the loss grade)
    report = _case_person(folder, "case-equal", 0, "较大", measure="通报批评", pay_ratio=0.5)
    assert _handling_problems(report, NEW_PERSON) == {}
    report = _case_person(folder, "case-equal-2", 0, "较大", measure="免职", pay_ratio=0.49)
    found = _handling_problems(report, NEW_PERSON)
    assert {f: c for f, (c, _, _) in found.items()} == {"measure": "ZZ-RULE-UNCHECKED-MEASURE",
                                                        "pay_ratio": "ZZ-RULE-UNCHECKED-RATIO"}
    assert all(m.startswith("较大损失的直接责任人") and "consequence.handling" not in m for _, _, m in found.values())


def test_what_both_grades_forbid_rests_on_both_entries(folder: Path) -> None:
    # 一般 loss, 较大 consequence: 免职 is allowed at neither; the warning cites the handling entry, not the keying
    report = _case_person(folder, "case-both", 1, "较大", measure="免职", pay_ratio=0.5)
    found = _handling_problems(report, NEW_PERSON)
    assert set(found) == {"measure"}
    code, severity, message = found["measure"]
    assert (code, severity) == ("ZZ-RULE-UNCHECKED-MEASURE", "warning")
    assert "按案件等级较大" in message and "handling[较大×直接责任、主管责任]" in message


CHECKED_COPY = "qiye-checked"


def _checked_copy(keying_checked: bool) -> str:
    from udfs.profile import BUILTIN_DIR
    text = (BUILTIN_DIR / f"{PROFILE}.toml").read_text(encoding="utf-8").replace(
        f'key = "{PROFILE}"', f'key = "{CHECKED_COPY}"', 1).replace("checked = false", "checked = true")
    if not keying_checked:  # every entry checked but the keying
        start = text.index("[consequence.handling]")
        end = text.index("checked = true", start)
        text = text[:end] + "checked = false" + text[end + len("checked = true"):]
    return text


@pytest.mark.parametrize("keying_checked", [False, True])
def test_only_a_checked_keying_makes_the_case_grade_an_error(folder: Path, keying_checked: bool,
                                                             write_user_profile: Callable[[str, str], Path]) -> None:
    write_user_profile(CHECKED_COPY, _checked_copy(keying_checked))
    tag = "checked" if keying_checked else "unchecked"

    def change(info: dict[str, Any], records: dict[str, list[dict[str, Any]]]) -> None:
        info["profile"] = CHECKED_COPY
        records["clues"][1]["consequence_grade"] = "重大"
        records["accountability"].append(person(clue_id="XS-2026-002", measure="批评教育", pay_ratio=1.0,
                                                ban_term="无"))
        records["accountability"].append(person(clue_id="XS-2026-002", measure="停职", pay_ratio=1.0,
                                                id_number="110101199003070038", ban_term="无"))
    info, records = clean_data()
    change(info, records)
    report = report_of(build_template(folder / f"case-{tag}.xlsx", default_options(CHECKED_COPY, rows=10), info,
                                      records))
    only_case = _handling_problems(report, NEW_PERSON)  # 批评教育: allowed at 一般, not at 重大
    both = _handling_problems(report, NEW_PERSON + 1)  # 停职: allowed at neither (both entries checked)
    assert both["measure"][:2] == ("ZZ-MEASURE-NOT-ALLOWED", "error")
    if keying_checked:
        assert only_case["measure"][:2] == ("ZZ-MEASURE-NOT-ALLOWED", "error")
    else:
        assert only_case["measure"][:2] == ("ZZ-RULE-UNCHECKED-MEASURE", "warning")
        assert f"适用标准 {CHECKED_COPY} 的 consequence.handling" in only_case["measure"][2]


def test_a_loss_grade_value_in_a_computed_column_warns_naming_the_keying(folder: Path, tmp_path: Path) -> None:
    # a workbook whose 绩效年薪扣减下限 still shows the loss grade's 0% (a template made before the keying)
    def change(info: dict[str, Any], records: dict[str, list[dict[str, Any]]]) -> None:
        records["clues"][1]["consequence_grade"] = "重大"
        records["accountability"].append(person(clue_id="XS-2026-002", measure="降职", pay_ratio=1.0))
    source = planted(folder, "case-computed", change)
    where = cell("accountability", "pay_ratio_min", NEW_PERSON)

    def edit(book: openpyxl.Workbook) -> None:
        book[STANDARD.sheet("accountability").name][where].value = 0.0
    report = report_of(edited(source, tmp_path / "case-computed-old.xlsx", edit))
    assert errors(report) == [], [str(p) for p in report.errors]
    (problem,) = [p for p in report.warnings if p.cell == where]
    assert problem.code == "ZZ-RULE-UNCHECKED-COMPUTED" and "应为“1”" in problem.message
    assert "consequence.handling" in problem.message


def test_decimals_prefilter_agrees_with_itself_in_both_paths() -> None:
    """``_off_decimals`` takes numpy from 24 numbers on, Python below: the numbers whose
    decimals exceed 4 places (``_decimals_exceed``) are the same either way."""
    from addin.validation.checks import MONEY_DECIMALS, _decimals_exceed, _off_decimals

    tricky = [6800.12345, 0.1 + 0.2, 1.00005, 12.1234, 999999999.9999, 2.675, 1e-5, 0.0]
    numbers = list(enumerate(tricky * 4))  # 32: the numpy path
    exceeding = {v for _, v in _off_decimals(numbers) if _decimals_exceed(v, MONEY_DECIMALS)}
    assert exceeding == {6800.12345, 1.00005, 1e-5}
    for k, v in numbers[:len(tricky)]:  # one at a time: the Python path
        assert bool([x for _, x in _off_decimals([(k, v)]) if _decimals_exceed(x, MONEY_DECIMALS)]) == (v in exceeding)
