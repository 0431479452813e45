"""End to end: a generated group — clean files, a superseding resubmission, planted
errors, an unreadable file, last year in the archive with a dropped open clue — rolled
up into the returns.  The indicators are recomputed here independently: from the
accepted workbooks as LibreOffice evaluates them (forced recalculation), read back
with openpyxl, summed with plain Python.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
import sqlite3
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from addin import jobs
from addin.rollup import consolidate as rollup
from addin.cli import main
from addin.rollup.periods import Period
from addin.returns.group import write_group_return
from addin.plumbing.libreoffice import convert, find_soffice

AS_OF = dt.date(2026, 11, 23)
UNITS = 10
needs_office = pytest.mark.skipif(find_soffice() is None, reason="需要 LibreOffice（soffice）")


@pytest.fixture(scope="module")
def group(demo_group_10: Any) -> Any:
    return demo_group_10


@pytest.fixture(scope="module")
def rolled(group: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("out")
    archive = out / "archive.sqlite"
    last = rollup.rollup([group.folder / "2025年度"], Period.of(2025, "年度"), dt.date(2026, 1, 15), archive)
    assert not last.rejected
    rollup.archive_accepted(last, archive)
    code = main([
        "rollup", str(group.folder / "2026年度"), "--out", str(out / "GROUP.xlsx"), "--sasac", str(out / "SASAC.xlsx"),
        "--json", str(out / "summary.json"), "--archive", str(archive), "--period", "2026-年度",
        "--as-of", AS_OF.isoformat(), "--jobs", "2",
    ])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {"out": out, "archive": archive, "code": code, "summary": summary, "last": last}


def _names(entries: list[dict[str, Any]]) -> set[str]:
    return {Path(e["path"]).name for e in entries}


def test_accepted_rejected_and_superseded_sets(group: Any, rolled: dict[str, Any]) -> None:
    summary = rolled["summary"]
    planted = {name for name, why in group.mistakes.items() if "替代" not in why}
    assert _names(summary["rejected"]) == planted
    older = next(name for name, why in group.mistakes.items() if "替代" in why)
    assert [Path(s["path"]).name for s in summary["superseded"]] == [older]
    assert Path(summary["superseded"][0]["by"]).name == older.replace("_初报", "")
    everything = {p.name for p in (group.folder / "2026年度").iterdir()}
    assert _names(summary["accepted"]) == everything - planted - {older}
    assert rolled["code"] == 2  # an unreadable file is among the inputs


def test_a_wrong_measure_against_central_2026_is_accepted_with_a_warning(group: Any, rolled: dict[str, Any]) -> None:
    # Order 46's handling table is unchecked: the deviation is a reminder, the file goes into the return
    (name,) = group.reminders
    assert "免职" in group.reminders[name] or "批评教育" in group.reminders[name]
    assert name in _names(rolled["summary"]["accepted"])
    assert name not in _names(rolled["summary"]["rejected"])
    from addin.validation import validate_paths

    (report,) = validate_paths([group.folder / "2026年度" / name], as_of=AS_OF).files
    assert report.errors == [], [str(p) for p in report.errors]
    (warning,) = [p for p in report.warnings if p.code == "ZZ-RULE-UNCHECKED-MEASURE"]
    assert "待核对" in warning.message and "宜宾" not in warning.message


def test_each_rejection_says_why(group: Any, rolled: dict[str, Any]) -> None:
    codes = {Path(r["path"]).name: {e["code"] for e in r["errors"]} for r in rolled["summary"]["rejected"]}
    expected = {
        "本期缺失": "ZZ-ROLLUP-CONTINUITY",
        "120万元": "ZZ-READ-NUMBER",
        "不存在的线索编号": "ZZ-REF-CLUE",
        "不完整": "ZZ-FILE-CORRUPT",
    }
    for name, why in group.mistakes.items():
        for marker, code in expected.items():
            if marker in why:
                assert code in codes[name], (name, codes[name])
    continuity = next(r for r in rolled["summary"]["rejected"] if "ZZ-ROLLUP-CONTINUITY" in {e["code"] for e in r["errors"]})
    dropped = re.search(r"XS-2025-\d+-\d+", group.mistakes[Path(continuity["path"]).name]).group(0)
    assert any(e["message"].startswith(f"线索 {dropped} 上期在办，本期缺失") for e in continuity["errors"])
    unreadable = [r for r in rolled["summary"]["rejected"] if r["status"] == "unreadable"]
    assert [Path(r["path"]).name for r in unreadable] == ["损坏的报表.xlsx"]


def test_reconciliation(group: Any, rolled: dict[str, Any]) -> None:
    rec = rolled["summary"]["reconciliation"]
    assert rec["rows_in"] == rec["rows_out"] + rec["rows_rejected"]
    assert rec["balanced"] is True
    # rows_out is what the group return's ledgers hold
    book = openpyxl.load_workbook(rolled["out"] / "GROUP.xlsx", read_only=True)
    ledgers = ("问题线索台账", "资产损失认定", "责任认定与处理", "审计整改台账", "禁入限制人员", "管理提升建议书", "情况说明")
    written = {name: sum(1 for row in book[name].iter_rows(min_row=2, values_only=True) if any(v is not None for v in row))
               for name in ledgers}
    assert written == rolled["summary"]["rows"]
    assert sum(written.values()) == rec["rows_out"]
    # rows_in is every ledger row of every readable input
    total = 0
    for path in (group.folder / "2026年度").iterdir():
        if path.name == "损坏的报表.xlsx":
            continue
        source = openpyxl.load_workbook(path, read_only=True)
        for name in ledgers:
            total += sum(1 for row in source[name].iter_rows(min_row=2, values_only=True) if row[0] is not None)
    assert total == rec["rows_in"]


def _ledger(book: Any, name: str) -> list[dict[str, Any]]:
    rows = list(book[name].iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, r)) for r in rows[1:] if r[0] not in (None, "")]


@needs_office
def test_indicators_recomputed_independently(group: Any, rolled: dict[str, Any], tmp_path: Path) -> None:
    accepted = [Path(a["path"]) for a in rolled["summary"]["accepted"]]
    evaluated = convert(accepted, "xlsx", tmp_path / "recalc")
    expected: Counter[str] = Counter()
    zero_units = 0
    for path in evaluated:
        book = openpyxl.load_workbook(path, data_only=True)
        clues = _ledger(book, "问题线索台账")
        grade = {c["线索编号"]: c["损失等级"] for c in clues}
        expected["线索总数"] += len(clues)
        expected["线索_办结"] += sum(1 for c in clues if c["办理阶段"] == "办结")
        expected["线索_在办"] += sum(1 for c in clues if c["办理阶段"] != "办结")
        losses = _ledger(book, "资产损失认定")
        for loss in losses:
            if grade.get(loss["线索编号"]) in ("一般", "较大", "重大"):
                expected[f"损失金额_{grade[loss['线索编号']]}"] += round(loss["损失金额（万元）"] * 10000)
        expected["已挽回金额"] += sum(round((l["已挽回金额（万元）"] or 0) * 10000) for l in losses)
        people = _ledger(book, "责任认定与处理")
        expected["追责人数"] += len(people)
        expected["扣减薪酬总额"] += sum(
            round(((p["绩效年薪基数（万元）"] or 0) * (p["绩效年薪扣减比例"] or 0)
                   + (p["任期激励基数（万元）"] or 0) * (p["任期激励扣减比例"] or 0)) * 10000) for p in people)
        findings = _ledger(book, "审计整改台账")
        expected["整改问题数"] += len(findings)
        results = Counter(f["整改结果"] for f in findings)
        expected["整改完毕数"] += results["整改完毕"]
        expected["部分整改数"] += results["部分整改"]
        expected["未整改数"] += results["未整改"]
        expected["禁入限制人数"] += len(_ledger(book, "禁入限制人员"))
        expected["管理提升建议书数"] += len(_ledger(book, "管理提升建议书"))
        zero_units += not clues
    got = rolled["summary"]["indicators"]
    for key in ("线索总数", "线索_办结", "线索_在办", "追责人数", "整改问题数", "整改完毕数", "部分整改数", "未整改数",
                "禁入限制人数", "管理提升建议书数"):
        assert got[key] == expected[key], key
    for key in ("损失金额_一般", "损失金额_较大", "损失金额_重大", "已挽回金额", "扣减薪酬总额"):
        assert round(got[key] * 10000) == pytest.approx(expected[key], abs=len(evaluated)), key
    assert got["整改率"] == round(expected["整改完毕数"] / expected["整改问题数"], 4)
    assert got["零报告单位数"] == zero_units == 1
    # 期初在办: last year's open clues of the units accepted now, straight from last year's files
    accepted_units = {a["uscc"] for a in rolled["summary"]["accepted"]}
    brought = 0
    for path in (group.folder / "2025年度").iterdir():
        book = openpyxl.load_workbook(path, read_only=True)
        info = {row[0]: row[1] for row in book["填报信息"].iter_rows(values_only=True)}
        if info["统一社会信用代码"] in accepted_units:
            brought += sum(1 for c in _ledger(book, "问题线索台账") if c["办理阶段"] != "办结")
    assert got["期初在办"] == brought > 0


def test_a_return_rolled_up_again_keeps_every_indicator(rolled: dict[str, Any]) -> None:
    """GROUP.xlsx (made with the archive and --as-of) rolled up again, with neither: the same
    indicators, 期初在办 (read back from its 汇总, the archive is not needed) and 零报告单位数 included."""
    first = rolled["summary"]["indicators"]
    again = rollup.rollup([rolled["out"] / "GROUP.xlsx"])
    assert first["期初在办"] > 0 and again.totals["期初在办"] == first["期初在办"]
    assert again.totals == pytest.approx(first)


def test_no_identity_numbers_in_the_sasac_return(rolled: dict[str, Any]) -> None:
    pattern = re.compile(rb"(?<!\d)\d{17}[\dXx](?!\d)")
    with zipfile.ZipFile(rolled["out"] / "SASAC.xlsx") as archive:
        for name in archive.namelist():
            assert not pattern.search(archive.read(name)), name
    # the group return does keep them (internal), so the pattern is a real test
    with zipfile.ZipFile(rolled["out"] / "GROUP.xlsx") as archive:
        assert any(pattern.search(archive.read(n)) for n in archive.namelist() if n.startswith("xl/worksheets/"))


def test_idempotent_rerun(group: Any, rolled: dict[str, Any], tmp_path: Path) -> None:
    before = sqlite3.connect(rolled["archive"]).execute("SELECT COUNT(*), SUM(LENGTH(data)) FROM rows").fetchone()
    again = rollup.rollup([group.folder / "2026年度"], Period.of(2026, "年度"), AS_OF, rolled["archive"])
    assert rollup.archive_accepted(again, rolled["archive"]) == 0
    after = sqlite3.connect(rolled["archive"]).execute("SELECT COUNT(*), SUM(LENGTH(data)) FROM rows").fetchone()
    assert before == after
    assert rollup.summary_json(again)["indicators"] == rolled["summary"]["indicators"]
    assert {a["sha256"] for a in rollup.summary_json(again)["accepted"]} == {a["sha256"] for a in rolled["summary"]["accepted"]}


@needs_office
def test_libreoffice_opens_the_returns(rolled: dict[str, Any], tmp_path: Path) -> None:
    opened = convert([rolled["out"] / "GROUP.xlsx", rolled["out"] / "SASAC.xlsx"], "xlsx", tmp_path)
    book = openpyxl.load_workbook(opened[0])
    assert book.sheetnames[:4] == ["汇总", "图表", "逾期事项", "校验结果"]
    assert dict(book["问题线索台账"].tables.items())["ClueLedger"].startswith("A1:")
    assert book["问题线索台账"]["A1"].value == "来源单位"
    original = openpyxl.load_workbook(rolled["out"] / "GROUP.xlsx")
    assert len(original["图表"]._charts) == 4


def test_inputs_are_never_modified(group: Any, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(group.folder / "2026年度", folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = rollup.rollup([folder], Period.of(2026, "年度"), AS_OF)
    write_group_return(result, tmp_path / "g.xlsx")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_equal_report_dates_are_a_conflict(rolled: dict[str, Any], tmp_path: Path) -> None:
    source = Path(next(a["path"] for a in rolled["summary"]["accepted"] if "_初报" not in a["path"]))
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    shutil.copy(source, first)
    openpyxl.load_workbook(source).save(second)  # the same unit, period and 填报日期; other bytes
    assert first.read_bytes() != second.read_bytes()
    summary = rollup.summary_json(rollup.rollup([first, second], Period.of(2026, "年度"), AS_OF))
    assert _names(summary["rejected"]) == {"a.xlsx", "b.xlsx"}
    assert all(any(e["code"] == "ZZ-ROLLUP-CONFLICT" for e in r["errors"]) for r in summary["rejected"])
    assert summary["accepted"] == []
    assert summary["reconciliation"]["rows_out"] == 0


def test_the_same_file_twice_counts_once(rolled: dict[str, Any], tmp_path: Path) -> None:
    source = Path(next(a["path"] for a in rolled["summary"]["accepted"] if "_初报" not in a["path"]))
    (tmp_path / "x").mkdir()
    shutil.copy(source, tmp_path / "a.xlsx")
    shutil.copy(source, tmp_path / "x" / "a.xlsx")
    result = rollup.rollup([tmp_path], Period.of(2026, "年度"), AS_OF)
    summary = rollup.summary_json(result)
    assert len(summary["accepted"]) == 1 and len(summary["superseded"]) == 1
    assert summary["reconciliation"]["balanced"]
    notes = [(p.code, p.severity, p.message) for i in result.intakes for p in result.problems_of(i)
             if p.code.startswith("ZZ-ROLLUP-")]
    assert notes == [("ZZ-ROLLUP-DUPLICATE-FILE", "warning", f"与 {tmp_path / 'a.xlsx'} 内容完全相同，只计一次")]


def test_a_resubmission_supersedes_the_earlier_return(group: Any, tmp_path: Path) -> None:
    older = next(name for name, why in group.mistakes.items() if "替代" in why)
    newer = older.replace("_初报", "")
    for name in (older, newer):
        shutil.copy(group.folder / "2026年度" / name, tmp_path / name)
    result = rollup.rollup([tmp_path], Period.of(2026, "年度"), AS_OF)
    assert [Path(i.path).name for i in result.accepted] == [newer]
    notes = {(Path(p.file).name, p.code, p.severity) for i in result.intakes for p in result.problems_of(i)
             if p.code.startswith("ZZ-ROLLUP-")}
    assert notes == {(older, "ZZ-ROLLUP-SUPERSEDED", "warning"), (newer, "ZZ-ROLLUP-SUPERSEDES", "warning")}
    superseded = next(p for p in result.problems_of(result.intakes[0]) + result.problems_of(result.intakes[1])
                      if p.code == "ZZ-ROLLUP-SUPERSEDED")
    assert superseded.message.startswith(f"已被 {tmp_path / newer}（填报日期 2026-11-20）替代")
    assert superseded.message.endswith("）不计入汇总")


def test_a_return_of_another_period_is_rejected(group: Any, tmp_path: Path) -> None:
    last_year = sorted((group.folder / "2025年度").iterdir())[0]
    this_year = next(p for p in sorted((group.folder / "2026年度").iterdir()) if p.name not in group.mistakes)
    shutil.copy(last_year, tmp_path / "2025.xlsx")
    shutil.copy(this_year, tmp_path / "2026.xlsx")
    result = rollup.rollup([tmp_path], Period.of(2026, "年度"), AS_OF)
    assert [Path(i.path).name for i in result.accepted] == ["2026.xlsx"]
    assert [Path(i.path).name for i in result.rejected] == ["2025.xlsx"]
    rejected = result.problems_of(result.rejected[0])
    assert [(p.code, p.severity, p.message) for p in rejected if p.code.startswith("ZZ-ROLLUP-")] == [
        ("ZZ-ROLLUP-PERIOD", "error", "报告期为 2025年度，本次汇总的报告期为 2026年度")]


def test_a_group_return_can_be_rolled_up_again(rolled: dict[str, Any], tmp_path: Path) -> None:
    group_return = rolled["out"] / "GROUP.xlsx"
    result = rollup.rollup([group_return], Period.of(2026, "年度"), AS_OF)
    summary = rollup.summary_json(result)
    assert [a["kind"] for a in summary["accepted"]] == ["consolidated"]
    assert summary["rows"] == rolled["summary"]["rows"]
    assert {u["unit"] for u in summary["indicators_by_unit"]} == {u["unit"] for u in rolled["summary"]["indicators_by_unit"]}
    assert summary["indicators"]["线索总数"] == rolled["summary"]["indicators"]["线索总数"]
    # the same consolidated rows twice are a conflict, never double counted
    copy = tmp_path / "GROUP-copy.xlsx"
    shutil.copy(group_return, copy)
    twice = rollup.summary_json(rollup.rollup([group_return, copy], Period.of(2026, "年度"), AS_OF))
    assert twice["indicators"]["线索总数"] <= rolled["summary"]["indicators"]["线索总数"]
    assert any(e["code"] == "ZZ-ROLLUP-CLUE-CONFLICT" for r in twice["rejected"] for e in r["errors"])


def test_long_ledgers_continue_on_numbered_sheets(rolled: dict[str, Any], group: Any, tmp_path: Path) -> None:
    result = rollup.rollup([group.folder / "2026年度"], Period.of(2026, "年度"), AS_OF)
    clues = sum(len(u.ledgers.get("clues", [])) for u in result.units)
    path = write_group_return(result, tmp_path / "split.xlsx", max_rows=11)  # 10 data rows a sheet
    book = openpyxl.load_workbook(path)
    parts = [n for n in book.sheetnames if n.startswith("问题线索台账")]
    assert len(parts) == -(-clues // 10)
    assert parts[1] == "问题线索台账(2)"
    assert sum(book[n].max_row - 1 for n in parts) == clues
    assert "ClueLedger2" in dict(book[parts[1]].tables.items())


def test_history_lists_a_units_submissions(rolled: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    unit = rolled["summary"]["accepted"][0]["uscc"]
    assert main(["history", unit, "--archive", str(rolled["archive"])]) == 0
    out = capsys.readouterr().out
    assert "2026-年度" in out
    assert main(["history", "不存在的单位", "--archive", str(rolled["archive"])]) == 1


def test_sasac_return_prints_totals(rolled: dict[str, Any], tmp_path: Path) -> None:
    from addin.rollup.indicators import CATALOGUE

    book = openpyxl.load_workbook(rolled["out"] / "SASAC.xlsx")
    sheet = book["国资委报表"]
    key_at = {i.row: i.key for i in CATALOGUE}
    values = {key_at[row[1]]: row[3] for row in sheet.iter_rows(values_only=True) if isinstance(row[1], int)}
    assert values["线索总数"] == rolled["summary"]["indicators"]["线索总数"]
    assert values["整改率"] == pytest.approx(rolled["summary"]["indicators"]["整改率"] * 100)  # unit %
    assert sheet.print_title_rows == "$6:$7"  # the header rows repeat on every printed page
    assert sheet.page_setup.paperSize == 9  # A4


def test_ribbon_rollup_folder_and_sasac_from_a_group_return(group: Any, tmp_path: Path) -> None:
    outcome = jobs.rollup_folder(group.folder / "2026年度", tmp_path / "集团汇总.xlsx")
    assert [p.name for p in outcome.paths] == ["集团汇总.xlsx", "国资委报表_集团汇总.xlsx", "集团汇总.json"]
    assert all(p.is_file() for p in outcome.paths)
    assert "对账：输入" in outcome.message and "（平）" in outcome.message
    again = jobs.sasac_from_workbook(tmp_path / "集团汇总.xlsx", tmp_path / "国资委报表.xlsx")
    assert again.paths == [tmp_path / "国资委报表.xlsx"]
    assert "报告期 2026年度" in again.message
    assert "未配置，报表上显示“（待补充）”" in again.message  # no [unit] in this test's config.toml
    first = openpyxl.load_workbook(outcome.paths[1])["国资委报表"]
    second = openpyxl.load_workbook(again.paths[0])["国资委报表"]
    assert [r[3] for r in first.iter_rows(values_only=True) if isinstance(r[1], int)] == \
        [r[3] for r in second.iter_rows(values_only=True) if isinstance(r[1], int)]


def test_one_as_of_rule_for_the_indicators_and_a_return_rolled_up_again(group: Any, tmp_path: Path) -> None:
    """--as-of if given, else each unit's 填报日期 (never today); a group return rolled up again
    judges each unit on the day its 汇总 records (截至日期), so its indicators do not change."""
    folder = group.folder / "2026年度"
    plain = rollup.rollup([folder], Period.of(2026, "年度"))
    filed = {u.as_of for u in plain.units}
    assert filed == {dt.date(2026, 11, 20)}  # the demo's 填报日期
    on_filing = rollup.rollup([folder], Period.of(2026, "年度"), as_of=dt.date(2026, 11, 20))
    later = rollup.rollup([folder], Period.of(2026, "年度"), as_of=dt.date(2026, 12, 1))
    assert plain.totals == on_filing.totals
    assert plain.totals["核查逾期数"] == 4 < later.totals["核查逾期数"] == 8  # 4 deadlines pass in between
    late = rollup.rollup([folder], Period.of(2026, "年度"), as_of=dt.date(2027, 6, 1))
    for result, name in ((plain, "G1.xlsx"), (late, "G2.xlsx")):
        write_group_return(result, tmp_path / name)
        again = rollup.rollup([tmp_path / name])
        assert [i.kind for i in again.accepted] == ["consolidated"]
        assert again.totals == result.totals, name
        assert {(u.uscc, u.unit): u.as_of for u in again.units} == {(u.uscc, u.unit): u.as_of for u in result.units}
    summary = openpyxl.load_workbook(tmp_path / "G2.xlsx")["汇总"]
    row = next(r for r in summary.iter_rows(values_only=True) if r[0] == "截至日期")
    assert row[3:] == (dt.datetime(2027, 6, 1),) * (len(late.units) + 1)
    assert late.totals["核查逾期数"] == 44
    # the returns say the day when every unit was judged on one: --as-of, the shared 填报日期, or a
    # group return's recorded days (not "各单位填报日期" for a return made with --as-of)
    assert plain.as_of_text == "截至 2026-11-20" and late.as_of_text == "截至 2027-06-01"
    assert rollup.rollup([tmp_path / "G2.xlsx"]).as_of_text == "截至 2027-06-01"
    mixed = dataclasses.replace(plain, units=[dataclasses.replace(plain.units[0], as_of=dt.date(2026, 11, 19)),
                                              *plain.units[1:]])
    assert mixed.judged_on is None and mixed.as_of_text == "截至各单位填报日期（最晚 2026-11-20）"
    assert plain.totals["提醒_未说明"] > 0 and plain.totals["提醒_已说明"] > 0  # kept from the 汇总 as well
    # --as-of given to the second roll-up is the rule's first half, there too
    assert rollup.rollup([tmp_path / "G1.xlsx"], as_of=dt.date(2027, 6, 1)).totals["核查逾期数"] == 44


def test_a_unit_without_rows_stays_in_a_return_rolled_up_again(group: Any, tmp_path: Path) -> None:
    """A unit that filed a workbook with no ledger rows is a unit of the group return (its 汇总
    column); rolling that return up again keeps it, with its 截至日期, instead of rebuilding
    the units from the rows alone."""
    from addin.rollup.indicators import UnitLedgers, unit_indicators
    from addin.workbook.schema import STANDARD

    result = rollup.rollup([group.folder / "2026年度"], Period.of(2026, "年度"))
    source = result.units[0]
    empty = UnitLedgers("示例无线索子公司", "91110000MA0000001X", **{s.key: [] for s in STANDARD.ledgers},
                        as_of=dt.date(2026, 11, 18))
    result.units.append(rollup.UnitReturn(empty.unit, empty.uscc, source.period, {}, unit_indicators(empty),
                                          [str(tmp_path / "无线索.xlsx")], dt.date(2026, 11, 18)))
    write_group_return(result, tmp_path / "G.xlsx")
    again = rollup.rollup([tmp_path / "G.xlsx"])
    kept = {(u.uscc, u.unit): u for u in again.units}
    assert len(again.units) == len(result.units)
    unit = kept[("91110000MA0000001X", "示例无线索子公司")]
    assert unit.ledgers == {} and unit.as_of == dt.date(2026, 11, 18) and unit.indicators["线索总数"] == 0
    assert again.totals == rollup.total_indicators([u.indicators for u in result.units])
    assert again.judged_on is None  # 11-18 and 11-20: the returns say 各单位填报日期


def test_rows_cross_processes_unchanged() -> None:
    """An intake travels from a worker by pickle, its rows packed as columns."""
    import pickle

    from addin.rollup.intake import Intake, Row
    from addin.validation.report import FileReport

    day = dt.date(2026, 3, 31)
    clues = [Row({"clue_id": "XS-1", "received_date": day, "estimated_loss": 12.5, "typical_case": True}, "甲", "911", "2026-年度", "a.xlsx", 5),
             Row({"clue_id": "XS-2", "received_date": None, "estimated_loss": None, "typical_case": False}, "甲", "911", "2026-年度", "a.xlsx", 6),
             Row({"clue_id": "XS-3", "received_date": dt.datetime(2026, 4, 1, 9, 30), "estimated_loss": -0.0, "typical_case": None}, "乙", "912", "2026-年度", "b.xlsx", 7)]
    odd = [Row({"clue_id": "XS-1"}, "甲", "911", "2026-年度", "a.xlsx", 2), Row({"other": 1}, "甲", "911", "2026-年度", "a.xlsx", 3)]
    intake = Intake("a.xlsx", "ab" * 32, "standard", FileReport("a.xlsx", "ab" * 32, "valid", []),
                    {"unit_name": "甲"}, {"clues": clues, "losses": odd, "bans": []}, {"线索总数": 3})
    back = pickle.loads(pickle.dumps(intake))
    assert back.ledgers == intake.ledgers
    assert [type(r.received_date) for r in back.ledgers["clues"]] == [dt.date, type(None), dt.datetime]
    assert back.ledgers["clues"][0].received_date == day and back.ledgers["clues"][0].typical_case is True
    assert (back.path, back.sha256, back.info, back.indicators, back.rows) == ("a.xlsx", "ab" * 32, {"unit_name": "甲"}, {"线索总数": 3}, 5)


def test_parallel_and_serial_rollups_agree(group: Any) -> None:
    inputs = [group.folder / "2026年度"]
    serial = rollup.summary_json(rollup.rollup(inputs, as_of=AS_OF, jobs=1))
    parallel = rollup.summary_json(rollup.rollup(inputs, as_of=AS_OF, jobs=2))
    assert serial == parallel
    assert serial["indicators"]["线索总数"] > 0 and serial["rejected"]


# -- the same words and numbers everywhere -----------------------------------------------------------


def test_json_is_readable_utf8(rolled: dict[str, Any], group: Any, tmp_path: Path) -> None:
    text = (rolled["out"] / "summary.json").read_text(encoding="utf-8")
    assert "\\u" not in text and "线索总数" in text
    report = tmp_path / "report.json"
    main(["validate", str(group.folder / "2026年度"), "--json", str(report)])
    raw = report.read_bytes().decode("utf-8")
    assert "\\u" not in raw and "问题线索台账" in raw


def test_messages_name_each_file_once(group: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    main(["rollup", str(group.folder / "2026年度"), "--out", str(tmp_path / "g.xlsx"), "--as-of", AS_OF.isoformat()])
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.strip().startswith(("退回：", "无法读取："))]
    assert lines and any("损坏" in line or "不完整" in line for line in lines)
    for line in lines:
        path = line.split("：", 1)[1].split(" — ")[0]
        assert line.count(path) == 1 and line.count(Path(path).name) == 1, line


def test_letters_say_when_the_validator_rejects_a_workbook(group: Any, capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    bad = group.folder / "2026年度" / next(n for n, why in group.mistakes.items() if "万元" in why)
    main(["letters", str(bad), "--out", str(tmp_path / "letters")])
    err = capsys.readouterr().err
    assert f"提醒：{bad.name} 未通过校验" in err and "定稿前请先改正" in err


def test_one_name_per_indicator_in_both_returns(rolled: dict[str, Any]) -> None:
    """Both returns list the catalogue's indicators (by 行次, labels from the catalogue), the
    summary JSON keeps the keys; the SASAC return leaves out the HQ-only ones."""
    from addin.rollup.indicators import CATALOGUE, HQ, INDICATOR_KEYS, UPWARD, indicator, lines
    from addin.returns.sasac import BY_UNIT

    key_at = {i.row: i for i in CATALOGUE}
    group = openpyxl.load_workbook(rolled["out"] / "GROUP.xlsx")["汇总"]
    names = [(key_at[r[1]].key, r[0]) for r in group.iter_rows(values_only=True) if isinstance(r[1], int)]
    sasac = openpyxl.load_workbook(rolled["out"] / "SASAC.xlsx")
    totals = [(key_at[r[1]].key, r[0]) for r in sasac["国资委报表"].iter_rows(values_only=True) if isinstance(r[1], int)]
    assert {k for k, _ in names} <= set(INDICATOR_KEYS) == set(rolled["summary"]["indicators"])
    assert [k for k, _ in totals] == [k for k, _ in names if key_at[indicator(k).row].audience == UPWARD]
    assert {k for k, _ in names} - {k for k, _ in totals} == {i.key for i in CATALOGUE if i.audience == HQ}
    printed = {line.indicator.key: line.text for line in lines(CATALOGUE) if line.indicator}
    assert all(text == printed[key] for key, text in names + totals)
    headers = [c.value for c in sasac["分单位情况"][1]][1:]
    assert headers == [indicator(k).header for k in BY_UNIT]
    assert "办结问题线索（条）" in headers and not any("_" in h for h in headers)


def test_one_as_of_rule_for_validate_and_rollup(group: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Without --as-of, validate and rollup both judge each file on its own 填报日期: the
    overdue rectifications the validator warns of are the 逾期事项 of the group return."""
    from addin.returns.group import overdue_items
    from addin.validation import validate_paths

    folder = group.folder / "2026年度"
    result = rollup.rollup([folder], Period.of(2026, "年度"))
    assert not result.as_of_given and rollup.summary_json(result)["as_of_rule"] == "report_date"
    accepted = {i.path for i in result.accepted}
    report = validate_paths([Path(p) for p in accepted])
    warned = sorted((Path(f.path).name, p.row) for f in report.files for p in f.warnings
                    if p.code == "ZZ-WARN-RECTIFY-OVERDUE")
    listed = sorted((Path(item.file).name, item.row) for item in overdue_items(result.units, result.as_of)
                    if item.kind == "整改逾期")
    assert warned and warned == listed
    days = {u.as_of for u in result.units}
    assert None not in days and result.as_of == max(days)  # each unit's own 填报日期, the latest shown
    given = rollup.rollup([folder], Period.of(2026, "年度"), as_of=AS_OF)
    assert given.as_of_given and {u.as_of for u in given.units} == {AS_OF}
