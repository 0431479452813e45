"""Standard version 2: the new columns' rules (one planted defect per file, code and cell),
the computed columns that now take the consequence grade and the enterprise head, and
情况说明 — warnings a filler answers (console, JSON, annotated copy, group return).

Every workbook starts from the clean v2 sample (``test_validate.clean_data``) and gets
ONE change.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Any, Callable

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from test_validate import (
    PERSON, build, cell, clean_data, errors, info_cell, planted, report_of, warning_set,
)

from addin import cli
from addin.rollup.consolidate import rollup
from addin.returns.group import write_group_return
from addin.validation import validate_paths
from addin.validation.annotate import annotated_name
from addin.workbook.read import load_workbook
from addin.workbook.recompute import recompute
from addin.workbook.samples import SAMPLE_RECORDS
from addin.workbook.schema import EXPLANATIONS, STANDARD
from addin.workbook.templates import build_template, default_options

D = dt.date
Records = dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("v2")


def _set(key: str, index: int, **values: Any) -> Callable[[dict[str, Any], Records], None]:
    def change(info: dict[str, Any], records: Records) -> None:
        if key == "info":
            info.update(values)
        else:
            records[key][index].update(values)
    return change


def _explain(sheet: str, where: str, code: str, text: str = "经集团审计部批准延期，文号 集团审计〔2026〕9号",
             **more: Any) -> Callable[[dict[str, Any], Records], None]:
    def change(info: dict[str, Any], records: Records) -> None:
        records.setdefault("explanations", []).append(
            {"sheet_name": sheet, "cell": where, "code": code, "text": text, "author": "李明", "date": D(2026, 11, 19),
             **more})
    return change


def _both(*changes: Callable[[dict[str, Any], Records], None]) -> Callable[[dict[str, Any], Records], None]:
    def change(info: dict[str, Any], records: Records) -> None:
        for one in changes:
            one(info, records)
    return change


def test_the_clean_v2_sample_is_valid(folder: Path) -> None:
    info, records = clean_data()
    report = report_of(build(folder / "clean.xlsx", info, records))
    assert report.errors == [], [str(p) for p in report.errors]
    # XS-2026-002 is still in 初步核实 long after its deadline; 禁入 of an earlier year's clue
    assert {p.code for p in report.warnings} <= {"ZZ-WARN-INITIAL-CHECK-OVERDUE", "ZZ-WARN-REF-CLUE"}


# (name, change, code, cell) — one error each
V2_DEFECTS: list[tuple[str, Callable[..., None], str, str]] = [
    # required in a v2 file (a v1 file has no such column: never an error there)
    ("category-blank", _set("rectification", 1, category=None), "ZZ-REQUIRED", cell("rectification", "category", 1)),
    ("deciding-unit-blank", _set("bans", 0, deciding_unit=None), "ZZ-REQUIRED", cell("bans", "deciding_unit", 0)),
    ("facts-blank", _set("bans", 0, facts=None), "ZZ-REQUIRED", cell("bans", "facts", 0)),
    ("parent-name-blank", _set("info", 0, parent_name=None), "ZZ-REQUIRED", info_cell("parent_name")),
    ("facts-too-long", _set("bans", 0, facts="违" * 201), "ZZ-LENGTH", cell("bans", "facts", 0)),
    # lists
    ("consequence-enum", _set("clues", 1, consequence_grade="严重"), "ZZ-ENUM", cell("clues", "consequence_grade", 1)),
    ("rectify-type-enum", _set("rectification", 1, rectify_type="长期整改"), "ZZ-ENUM",
     cell("rectification", "rectify_type", 1)),
    ("supervision-enum", _set("clues", 0, supervision="督办"), "ZZ-ENUM", cell("clues", "supervision", 0)),
    ("ban-term-3-years", _set("bans", 0, term="3年"), "ZZ-ENUM", cell("bans", "term", 0)),
    ("ban-term-half-year", _set("bans", 0, term="5.5年"), "ZZ-ENUM", cell("bans", "term", 0)),
    # conditional rules
    ("delay-without-reason", _set("rectification", 1, extended_to=D(2027, 1, 31), delay_approver="马超"),
     "ZZ-REQUIRED-DELAY", cell("rectification", "delay_reason", 1)),
    ("delay-without-approver", _set("rectification", 1, extended_to=D(2027, 1, 31), delay_reason="涉及诉讼，需待判决"),
     "ZZ-REQUIRED-DELAY", cell("rectification", "delay_approver", 1)),
    ("closed-awaiting-review", _set("rectification", 0, closing_review="待审核"), "ZZ-CLOSE-NOT-APPROVED",
     cell("rectification", "closing_review", 0)),
    ("closed-without-review", _set("rectification", 0, closing_review=None), "ZZ-CLOSE-NOT-APPROVED",
     cell("rectification", "closing_review", 0)),
    ("rework-but-done", _set("rectification", 0, closing_review="退回重改", closed_date=None, stage="结果认定"),
     "ZZ-REWORK-BUT-DONE", cell("rectification", "closing_review", 0)),
    ("appeal-without-date", _set("accountability", 1, appeal_date=None), "ZZ-REQUIRED-APPEAL-DATE",
     cell("accountability", "appeal_date", 1)),
    ("appeal-before-decision", _set("accountability", 1, appeal_date=D(2026, 6, 17)), "ZZ-DATE-ORDER",
     cell("accountability", "appeal_date", 1)),
    ("flash-before-received", _set("clues", 0, flash_date=D(2026, 1, 9)), "ZZ-DATE-ORDER",
     cell("clues", "flash_date", 0)),
    # 初核报告截止日 of XS-2026-002 is 2026-06-15: an extension must be later
    ("initial-extension-not-later", _set("clues", 1, initial_check_extended_to=D(2026, 6, 15)), "ZZ-EXTENSION-RANGE",
     cell("clues", "initial_check_extended_to", 1)),
    # 立项 2026-02-10 + 6 months = 2026-08-10 (Order 46 Art. 75)
    ("investigation-extension-not-later", _set("clues", 0, investigation_extended_to=D(2026, 8, 10)),
     "ZZ-EXTENSION-RANGE", cell("clues", "investigation_extended_to", 0)),
    # XS-2026-004 is 重大: 尽职合规免责 is ruled out
    ("exempt-at-major", lambda i, r: r["accountability"].append(dict(
        PERSON, clue_id="XS-2026-004", measure="无", pay_ratio=0.0, exempt=True, exempt_situation="改革创新先行先试",
        decision_date=D(2026, 11, 18))),  # 2.1: the situation named (else ZZ-REQUIRED-EXEMPT-SITUATION too)
     "ZZ-EXEMPT-NOT-ALLOWED", cell("accountability", "exempt", len(SAMPLE_RECORDS["accountability"]))),
    ("short-explanation", _explain("问题线索台账", cell("clues", "initial_check_deadline", 1), "ZZ-WARN-INITIAL-CHECK-OVERDUE",
                                   text="已批准"), "ZZ-TOO-SHORT", cell("explanations", "text", 0)),
]


@pytest.mark.parametrize(("name", "change", "code", "where"), V2_DEFECTS, ids=[d[0] for d in V2_DEFECTS])
def test_one_planted_v2_defect(folder: Path, name: str, change: Callable[..., None], code: str, where: str) -> None:
    report = report_of(planted(folder, name, change))
    assert errors(report) == [(code, where)], [str(p) for p in report.errors]
    assert report.status == "invalid"


# (name, change, code or None, cell) — warnings: the file stays valid
V2_WARNINGS: list[tuple[str, Callable[..., None], str | None, str]] = [
    ("no-evidence", _set("rectification", 0, evidence=None), "ZZ-WARN-NO-EVIDENCE", cell("rectification", "evidence", 0)),
    # decided 2026-06-18: the appeal period (one month) ends 2026-07-18 — that day is in time
    ("appeal-on-the-last-day", _set("accountability", 1, appeal_date=D(2026, 7, 18)), None,
     cell("accountability", "appeal_date", 1)),
    ("appeal-a-day-late", _set("accountability", 1, appeal_date=D(2026, 7, 19)), "ZZ-WARN-APPEAL-LATE",
     cell("accountability", "appeal_date", 1)),
    # XS-2026-004 (重大): 快报 due 2026-11-02, not made by 2026-11-20
    ("flash-missing", _set("clues", 3, flash_date=None), "ZZ-WARN-FLASH-OVERDUE", cell("clues", "flash_date", 3)),
    ("investigation-overdue", _set("clues", 0, stage="核查"), "ZZ-WARN-INVESTIGATION-OVERDUE",
     cell("clues", "investigation_deadline", 0)),
    ("investigation-extended", _set("clues", 0, stage="核查", investigation_extended_to=D(2026, 12, 31)), None,
     cell("clues", "investigation_deadline", 0)),
    # the profile's bound (30 more working days) is not checked against the official text: a reminder only
    ("initial-extension-too-far", _set("clues", 1, initial_check_extended_to=D(2026, 9, 30)), "ZZ-EXTENSION-RANGE",
     cell("clues", "initial_check_extended_to", 1)),
    ("stale-explanation", _explain("审计整改台账", "K9", "ZZ-WARN-RECTIFY-OVERDUE"), "ZZ-WARN-EXPLANATION-STALE",
     cell("explanations", "code", 0)),
]


@pytest.mark.parametrize(("name", "change", "code", "where"), V2_WARNINGS, ids=[d[0] for d in V2_WARNINGS])
def test_v2_warnings(folder: Path, name: str, change: Callable[..., None], code: str | None, where: str) -> None:
    info, records = clean_data()
    clean = warning_set(report_of(build(folder / "clean-w.xlsx", info, records)))
    report = report_of(planted(folder, f"w-{name}", change))
    assert errors(report) == [], [str(p) for p in report.errors]
    added = warning_set(report) - clean
    assert added == (set() if code is None else {(code, where)})


@pytest.mark.parametrize(("term", "end"), [("8年", D(2034, 7, 1)), ("5年", D(2031, 7, 1)), ("终身", None)])
def test_any_ban_term_of_five_years_or_more(folder: Path, term: str, end: dt.date | None) -> None:
    path = planted(folder, f"ban-{term}", _set("bans", 0, term=term))
    assert errors(report_of(path)) == []
    assert recompute(load_workbook(path))["bans"][0]["end_date"] == end


def test_exemption_below_major_needs_no_deduction(folder: Path) -> None:
    # XS-2026-001 is 较大: exempt, measure 无 and 0% deduction (below the 50% floor) is allowed
    path = planted(folder, "exempt-ok", lambda i, r: r["accountability"].append(dict(
        PERSON, clue_id="XS-2026-001", measure="无", pay_ratio=0.0, exempt=True, exempt_situation="不可抗力或难以预见")))
    assert errors(report_of(path)) == []  # (2.1: with the situation named)


# -- the consequence grade and the enterprise head in the computed columns ----------------------------------


def test_a_consequence_grade_alone_calls_for_a_report(folder: Path) -> None:
    # XS-2026-002: a 一般 loss (120 万元 estimated) of a 三级 unit; 较大 consequences make it a 较大 case
    path = planted(folder, "consequence", _set("clues", 1, consequence_grade="较大"))
    values = recompute(load_workbook(path))["clues"][1]
    assert values["loss_grade"] == "一般" and values["event_report_required"] is True
    assert values["jurisdiction"] == "上级企业"
    # outside the real-time scope (116号: 重大, or 较大 with 严重不良后果): 一事一报告 第一时间, no day count
    assert values["flash_deadline"] is None and values["full_report_deadline"] is None
    report = report_of(path)
    at = {p.code for p in report.problems if p.cell == cell("clues", "event_report_date", 1)}
    assert at == {"ZZ-WARN-EVENT-REPORT"}


def test_a_larger_loss_with_serious_consequences_runs_the_real_time_deadlines(folder: Path) -> None:
    # XS-2026-002 at 600 万元 (较大) with 重大 consequences (严重不良后果, an unchecked reading): in the scope
    path = planted(folder, "real-time", _set("clues", 1, estimated_loss=600.0, consequence_grade="重大"))
    values = recompute(load_workbook(path))["clues"][1]
    assert values["loss_grade"] == "较大"
    # 受理 2026-04-30: 劳动节 2026-05-01…05 off, Saturday 05-09 a make-up working day: 5th working day 05-11
    assert values["flash_deadline"] == D(2026, 5, 11)
    report = report_of(path)  # the 实时报告 is long overdue (the scope and the days are unchecked: a reminder)
    at = [p for p in report.problems if p.cell == cell("clues", "event_report_date", 1)]
    assert [p.code for p in at] == ["ZZ-RULE-UNCHECKED-EVENT-REPORT"] and "实时报告应于" in at[0].message
    # and with 较大 consequences it is not: no day count
    path = planted(folder, "real-time-no", _set("clues", 1, estimated_loss=600.0, consequence_grade="较大"))
    assert recompute(load_workbook(path))["clues"][1]["flash_deadline"] is None


def test_a_subsidiarys_own_head_does_not_send_the_case_to_the_supervisor(folder: Path) -> None:
    """Order 46 Art. 55: 涉及**中央企业**负责人 (the group's); the filer here is a 二级企业."""
    path = planted(folder, "head", _both(_set("clues", 1, involves_head=True), _set("clues", 2, involves_head=True)))
    values = recompute(load_workbook(path))["clues"]
    assert values[1]["jurisdiction"] == "本企业"  # XS-2026-002, 三级 unit, 一般 loss: the table
    assert values[2]["jurisdiction"] == "上级企业"  # XS-2026-003, 本级 = 二级: 涉及二级子企业负责人 (unchecked fragment)


def test_v1_defaults_of_a_v2_file(folder: Path) -> None:
    """Blank v2 cells read as their stated default."""
    path = planted(folder, "defaults", _both(_set("clues", 1, consequence_grade=None, involves_head=None),
                                             _set("rectification", 2, rectify_type=None)))
    submission = load_workbook(path)
    assert submission.rows("clues")[1].consequence_grade == "无"
    assert submission.rows("clues")[1].involves_head is False
    assert submission.rows("rectification")[2].rectify_type == "限期整改"
    assert errors(report_of(path)) == []


def test_a_v1_template_round_trips(folder: Path) -> None:
    from v1_corpus import v1_clean, v1_options

    info, records = v1_clean()
    path = build_template(folder / "v1.xlsx", v1_options(), info, records)
    book = CalamineWorkbook.from_path(str(path))
    assert EXPLANATIONS.name not in book.sheet_names
    header = book.get_sheet_by_name("问题线索台账").to_python(nrows=1)[0]
    assert header[-1] == "备注" and "不良后果等级" not in header
    submission = load_workbook(path)
    assert submission.version == 1 and submission.info.template_version == "1.0"
    assert submission.problems == []
    assert submission.rows("clues")[0].consequence_grade == "无"  # a v1 file reads as v2 with the defaults
    assert submission.rows("rectification")[0].category is None
    assert validate_paths([path]).files[0].status == "valid"


def test_a_v2_file_must_have_the_v2_columns(folder: Path) -> None:
    info, records = clean_data()
    path = build(folder / "no-category.xlsx", info, records)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path)
    letter = cell("rectification", "category", 0)[:-1]
    book["审计整改台账"][f"{letter}1"].value = None
    book.save(folder / "no-category-edited.xlsx")
    report = report_of(folder / "no-category-edited.xlsx")
    assert errors(report) == [("ZZ-READ-HEADER-MISSING", f"{letter}1")]


# -- 情况说明 -----------------------------------------------------------------------------------------------

OVERDUE_CELL = cell("clues", "initial_check_deadline", 1)  # XS-2026-002: initial verification overdue
EXPLAINED = _explain("问题线索台账", OVERDUE_CELL, "ZZ-WARN-INITIAL-CHECK-OVERDUE",
                     "涉事单位正在接受司法审计，初核经集团批准暂缓（集团审计〔2026〕9号）")


@pytest.fixture(scope="module")
def explained(folder: Path) -> Path:
    return planted(folder, "explained", EXPLAINED)


def test_an_explained_warning_is_marked_and_no_longer_open(explained: Path, folder: Path) -> None:
    report = report_of(explained)
    assert report.status == "valid" and errors(report) == []
    (answered,) = report.explained_warnings
    assert (answered.code, answered.cell) == ("ZZ-WARN-INITIAL-CHECK-OVERDUE", OVERDUE_CELL)
    assert answered.explanation == "涉事单位正在接受司法审计，初核经集团批准暂缓（集团审计〔2026〕9号）（李明 2026-11-19）"
    assert all(p.cell != OVERDUE_CELL for p in report.open_warnings)
    # the same file without the row: the warning is open
    info, records = clean_data()
    plain = report_of(build(folder / "plain.xlsx", info, records))
    assert ("ZZ-WARN-INITIAL-CHECK-OVERDUE", OVERDUE_CELL) in {(p.code, p.cell) for p in plain.open_warnings}
    assert plain.explained_warnings == []


def test_matching_ignores_case_and_dollar_signs(folder: Path) -> None:
    path = planted(folder, "explained-loose", _explain(" 问题线索台账", "$" + OVERDUE_CELL.lower(),
                                                       "zz-warn-initial-check-overdue"))
    assert [p.cell for p in report_of(path).explained_warnings] == [OVERDUE_CELL]


def test_an_explanation_never_clears_an_error(folder: Path) -> None:
    where = cell("rectification", "closed_date", 1)
    path = planted(folder, "explained-error", _both(_set("rectification", 1, closed_date=D(2026, 10, 30)),
                                                    _explain("审计整改台账", where, "ZZ-CLOSE-NOT-DONE")))
    report = report_of(path)
    assert errors(report) == [("ZZ-CLOSE-NOT-DONE", where)] and report.status == "invalid"
    stale = [p for p in report.warnings if p.code == "ZZ-WARN-EXPLANATION-STALE"]
    assert [p.cell for p in stale] == [cell("explanations", "code", 0)] and "错误" in stale[0].message


def test_console_and_json_show_the_explanation(explained: Path, folder: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    target = folder / "report.json"
    cli.main(["validate", str(explained), "--json", str(target)])
    text = capsys.readouterr().out
    assert "已说明" in text and "涉事单位正在接受司法审计" in text
    (file_json,) = json.loads(target.read_text(encoding="utf-8"))["files"]
    by_cell = {w["cell"]: w for w in file_json["warnings"]}
    assert by_cell[OVERDUE_CELL]["explained"] is True
    assert by_cell[OVERDUE_CELL]["explanation"].startswith("涉事单位正在接受司法审计")
    others = [w for w in file_json["warnings"] if w["cell"] != OVERDUE_CELL]
    assert others and all(w["explained"] is False and w["explanation"] is None for w in others)
    assert all("explained" not in e for e in file_json["errors"])


def test_the_annotated_copy_offers_a_ready_row(folder: Path) -> None:
    # an invalid file (one error) with the explained warning and an open one
    path = planted(folder, "annotate", _both(EXPLAINED, _set("clues", 0, handler=None)))
    out = folder / "annotated"
    report = validate_paths([path], annotate_dir=out)
    copy = Path(report.annotated[str(path)])
    assert copy.name == annotated_name(path)
    book = openpyxl.load_workbook(copy)
    ws = book[EXPLANATIONS.name]
    rows = [row[:4] for row in ws.iter_rows(min_row=2, values_only=True) if row[0]]
    file_report = report.files[0]
    open_ones = [(p.sheet, p.cell, p.code) for p in file_report.open_warnings]
    assert open_ones and rows[0][:3] == ("问题线索台账", OVERDUE_CELL, "ZZ-WARN-INITIAL-CHECK-OVERDUE")
    assert [r[:3] for r in rows[1:]] == open_ones  # one ready row per open warning, 说明 left blank
    assert all(r[3] is None for r in rows[1:])
    comment = book["问题线索台账"][OVERDUE_CELL].comment.text
    assert comment.startswith("已说明") and "涉事单位正在接受司法审计" in comment


def test_a_v1_annotated_copy_gets_the_sheet(folder: Path) -> None:
    from v1_corpus import v1_clean, v1_options

    info, records = v1_clean()
    records["clues"][0]["handler"] = None  # an error: the copy is written
    path = build_template(folder / "v1-annotate.xlsx", v1_options(), info, records)
    report = validate_paths([path], annotate_dir=folder / "annotated-v1")
    book = openpyxl.load_workbook(report.annotated[str(path)])
    ws = book[EXPLANATIONS.name]
    assert [c.value for c in ws[1]] == [c.header for c in EXPLANATIONS.columns]
    assert ws.max_row - 1 == len(report.files[0].open_warnings) > 0


def test_group_return_shows_explanations_and_accepts_the_file(explained: Path, folder: Path) -> None:
    """End to end: the file with an explained warning is accepted, and its explanation is
    in 校验结果 of the group return; the same file without the 情况说明 row has it open."""
    info, records = clean_data()
    for path, expect in ((explained, "已说明"), (build(folder / "open.xlsx", info, records), "提醒")):
        result = rollup([path], as_of=D(2026, 11, 20))
        assert [i.path for i in result.accepted] == [str(path)]
        target = write_group_return(result, folder / f"GROUP-{path.stem}.xlsx")
        book = CalamineWorkbook.from_path(str(target))
        rows = book.get_sheet_by_name("校验结果").to_python()
        header = rows[0]
        assert header[-1] == "情况说明"
        line = next(r for r in rows[1:] if r[header.index("单元格")] == OVERDUE_CELL
                    and r[header.index("代码")] == "ZZ-WARN-INITIAL-CHECK-OVERDUE")
        assert line[header.index("处理结果")] == "已汇总"
        assert line[header.index("类别")] == expect
        if expect == "已说明":
            assert line[-1].startswith("涉事单位正在接受司法审计")
            assert result.totals["提醒_已说明"] == 1
        else:
            assert line[-1] == "" and result.totals["提醒_已说明"] == 0
        assert result.totals["提醒_未说明"] == len([p for p in result.accepted[0].report.warnings if not p.explained])


# -- indicators v2 ------------------------------------------------------------------------------------------


def test_indicators_v2(folder: Path) -> None:
    info, records = clean_data()
    records["rectification"][1]["closing_review"] = "待审核"
    records["clues"][0]["stage"] = "核查"  # 核查截止日 2026-08-10 passed
    records["clues"][3]["flash_date"] = None  # 快报 due 2026-11-02: overdue
    path = build(folder / "indicators.xlsx", info, records)
    result = rollup([path], as_of=D(2026, 11, 20))
    totals = result.totals
    assert (totals["不良后果_一般"], totals["不良后果_较大"], totals["不良后果_重大"]) == (1, 1, 0)
    # XS-2026-001 (较大, 一般 consequences) is outside the real-time scope (116号): no 快报 day count
    assert (totals["快报_应报"], totals["快报_已报"], totals["快报_逾期"]) == (1, 0, 1)
    assert totals["核查逾期数"] == 1
    assert (totals["整改类型_立行立改"], totals["整改类型_限期整改"], totals["整改类型_持续整改"]) == (1, 1, 1)
    assert (totals["问题分类_资产管理"], totals["问题分类_工程项目"], totals["问题分类_其他"]) == (2, 1, 0)
    assert totals["待销号审核数"] == 1
    assert totals["提醒_未说明"] == len(result.accepted[0].report.warnings) > 0
    from addin.rollup.consolidate import summary_json

    summary = summary_json(result)
    assert summary["indicators"]["快报_逾期"] == 1 and summary["indicators_by_unit"][0]["核查逾期数"] == 1


def test_the_demo_group_fills_the_v2_columns(tmp_path: Path) -> None:
    from addin.demo.group import make_demo_group

    group = make_demo_group(tmp_path / "demo", units=8)
    assert len(group.explanations) == 2
    books = [load_workbook(p) for p in group.current if p.name != "损坏的报表.xlsx"]
    assert all(b.version == 2.1 for b in books)  # made from today's (2.1) template
    clues = [c for b in books for c in b.rows("clues")]
    findings = [f for b in books for f in b.rows("rectification")]
    assert {c.consequence_grade for c in clues} >= {"无", "一般"}
    assert any(c.flash_date for c in clues) and any(c.investigation_extended_to for c in clues)
    lasting = [f for f in findings if f.rectify_type == "持续整改"]
    assert lasting and all(f.evidence for f in lasting)
    assert all(f.category for f in findings)
    report = validate_paths(group.current)
    by_name = {Path(f.path).name: f for f in report.files}
    explained, stale = (by_name[name] for name in group.explanations)
    assert [p.code for p in explained.explained_warnings] == ["ZZ-WARN-NO-EVIDENCE"]
    assert explained.status == stale.status == "valid"
    assert [p.code for p in stale.warnings if p.code == "ZZ-WARN-EXPLANATION-STALE"] == ["ZZ-WARN-EXPLANATION-STALE"]


# issue 27 fix 9: XS-2026-002's 初核报告截止日 is 2026-06-15; an approved 初核延期至 2026-07-20
# (within the 30 more working days) holds the overdue warning off until it passes too
@pytest.mark.parametrize(("extended", "as_of", "overdue"), [
    (None, D(2026, 7, 10), True),
    (D(2026, 7, 20), D(2026, 7, 10), False),
    (D(2026, 7, 20), D(2026, 7, 20), False),
    (D(2026, 7, 20), D(2026, 7, 21), True),
])
def test_initial_check_overdue_honours_the_extension(folder: Path, extended: dt.date | None, as_of: dt.date,
                                                     overdue: bool) -> None:
    path = planted(folder, f"ext-{extended}", _set("clues", 1, initial_check_extended_to=extended))
    report = report_of(path, as_of=as_of)
    where = cell("clues", "initial_check_deadline", 1)
    found = [p for p in report.warnings if p.code == "ZZ-WARN-INITIAL-CHECK-OVERDUE" and p.cell == where]
    assert bool(found) is overdue
    if found and extended is not None:
        assert "经批准延期至 2026-07-20" in found[0].message
    # the group return's 逾期事项 judges the same way (one core rule: udfs.deadlines.is_overdue)
    from addin.returns.group import overdue_items
    from types import SimpleNamespace
    values = {"clue_id": "XS-2026-002", "stage": "初步核实", "initial_check_deadline": D(2026, 6, 15),
              "initial_check_extended_to": extended}
    unit = SimpleNamespace(unit="某单位", as_of=as_of, ledgers={"clues": [SimpleNamespace(values=values, file="f", row=3)]})
    assert bool(list(overdue_items([unit], as_of))) is overdue


# issue 27 fix 5: central-2018's investigation (62号 Art. 29, checked): 立项 2026-02-10 → 2026-08-10,
# one extension of at most 3 months → 2026-11-10; central-2026 (Art. 75) sets no bound
@pytest.mark.parametrize(("key", "extended", "severity"), [
    ("central-2018", D(2026, 11, 10), None),
    ("central-2018", D(2026, 11, 11), "error"),
    ("central-2026", D(2026, 11, 11), None),
])
def test_investigation_extension_bound(folder: Path, key: str, extended: dt.date, severity: str | None) -> None:
    path = planted(folder, f"inv-{key}-{extended}", _both(_set("info", 0, profile=key),
                                                          _set("clues", 0, investigation_extended_to=extended)))
    report = report_of(path)
    where = cell("clues", "investigation_extended_to", 0)
    found = [p for p in report.errors + report.warnings if p.code == "ZZ-EXTENSION-RANGE" and p.cell == where]
    assert [p.severity for p in found] == ([] if severity is None else [severity])
    if found:
        assert "核查工作方案批准之日" in found[0].message and "不得超过3个月" in found[0].message


def _v1_without_version(folder: Path, name: str, edit: Callable[[openpyxl.Workbook], None]) -> Path:
    """A v1 template whose 模板版本 line is blank, edited (openpyxl)."""
    from v1_corpus import v1_clean, v1_options

    info, records = v1_clean()
    path = build_template(folder / f"{name}-src.xlsx", v1_options(), info, records)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path)
    ws = book[STANDARD.record.name]
    line = next(r for r in ws.iter_rows() if r[0].value == "模板版本")
    line[1].value = None
    edit(book)
    book.save(folder / f"{name}.xlsx")
    return folder / f"{name}.xlsx"


def test_a_v1_file_without_version_may_carry_the_explanations_sheet(folder: Path) -> None:
    """Issue 27 fix 8: README promises a v1 file may carry 情况说明; it is no v2 column."""
    def add_sheet(book: openpyxl.Workbook) -> None:
        ws = book.create_sheet(EXPLANATIONS.name)
        ws.append([c.header for c in EXPLANATIONS.columns])
        ws.append(["问题线索台账", "O3", "ZZ-WARN-INITIAL-CHECK-OVERDUE", "经集团审计部批准延期，文号 集团审计〔2026〕9号",
                  "李明", dt.datetime(2026, 11, 19)])

    path = _v1_without_version(folder, "v1-explained", add_sheet)
    submission = load_workbook(path)
    assert submission.version == 1
    assert submission.problems == [], [str(p) for p in submission.problems]
    assert len(submission.rows("explanations")) == 1
    assert errors(report_of(path)) == []


def test_a_file_without_version_with_a_v2_column_is_v2(folder: Path) -> None:
    """The other side: a v2 column (not 情况说明) still makes it a v2 file, bounced for the rest."""
    def add_column(book: openpyxl.Workbook) -> None:
        ws = book["问题线索台账"]
        ws.cell(row=1, column=ws.max_column + 1, value="不良后果等级")

    submission = load_workbook(_v1_without_version(folder, "v1-plus-column", add_column))
    assert submission.version == 2
    assert any(p.code == "ZZ-READ-HEADER-MISSING" for p in submission.problems)


# -- issue 27, seed 000: 管理提升建议书 for 一半以上 of the year's closed projects; 典型案例 1–2 a year -----------

_CLOSE_0 = _set("clues", 0, stage="办结", closed_date=D(2026, 10, 1), recommendation_letter=True)
_CLOSE_3 = _set("clues", 3, stage="办结", closed_date=D(2026, 11, 10), recommendation_letter=False)
_CLOSE_1 = _set("clues", 1, stage="办结", filed_date=D(2026, 5, 10), closed_date=D(2026, 6, 1),
                recommendation_letter=False)


@pytest.mark.parametrize(("name", "change", "warned"), [
    ("half", _both(_CLOSE_0, _CLOSE_3), False),                                   # 1 of 2: 一半以上 includes a half
    ("third", _both(_CLOSE_0, _CLOSE_3, _CLOSE_1), True),                         # 1 of 3
    ("other-year", _both(_CLOSE_0, _CLOSE_3, _CLOSE_1, _set("info", 0, report_year=2027)), False),  # none closed in 2027
])
def test_letter_coverage_counts_the_years_closures_and_accepts_half(folder: Path, name: str,
                                                                     change: Callable[..., None], warned: bool) -> None:
    report = report_of(planted(folder, f"letters-{name}", change))
    found = [p for p in report.warnings if p.code == "ZZ-WARN-LETTER-COVERAGE"]
    assert bool(found) is warned
    if found:
        assert "2026年办结的核查项目 3 个" in found[0].message and "一半以上含一半" in found[0].message


@pytest.mark.parametrize(("name", "change", "codes"), [
    ("clean", _set("clues", 0), set()),                                                 # one, from 直接核查
    ("joint", _set("clues", 0, supervision="联合核查"), set()),
    ("flagged-clue", _set("clues", 0, supervision="挂牌督办"), {("ZZ-WARN-TYPICAL-CASE", cell("clues", "typical_case", 0))}),
    ("three", _both(*(_set("clues", k, typical_case=True, supervision="直接核查") for k in (1, 2, 3))),
     {("ZZ-WARN-TYPICAL-CASES-COUNT", None)}),
    ("two", _set("clues", 3, typical_case=True, supervision="联合核查"), set()),
    ("none-in-a-year", _set("clues", 0, typical_case=False), {("ZZ-WARN-TYPICAL-CASES-COUNT", None)}),
    ("none-in-a-half-year", _both(_set("clues", 0, typical_case=False), _set("info", 0, report_period="上半年")), set()),
])
def test_typical_cases_are_warnings(folder: Path, name: str, change: Callable[..., None],
                                    codes: set[tuple[str, str | None]]) -> None:
    report = report_of(planted(folder, f"typical-{name}", change))
    found = {(p.code, p.cell or None) for p in report.problems if p.code.startswith("ZZ-WARN-TYPICAL")}
    assert found == codes
    assert all(p.severity == "warning" for p in report.problems if p.code.startswith("ZZ-WARN-TYPICAL"))
