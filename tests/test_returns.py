"""The returns HQ sends upward, as a desk officer reads them (issue 23 items 1–4).

One two-period run through ``zhuize rollup`` (2025年度 into the archive, then 2026年度)
with the unit's identity partly configured in config.toml and partly on the command line;
both returns read back cell by cell."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from addin.cli import main
from addin.returns.identity import MISSING
from addin.plumbing.libreoffice import find_soffice
from addin.returns.sasac import MISSING_FILL
from addin.rollup.indicators import CATALOGUE, HQ, INDICATOR_KEYS, ORDER_37, indicator


def indicator_at(row: int) -> Any:
    return next(i for i in CATALOGUE if i.row == row)

AS_OF = dt.date(2026, 11, 23)
UNITS = ("条", "件", "人", "家", "万元", "%")
KEY_STYLE = re.compile(r"[A-Za-z]+_|_[A-Za-z\u4e00-\u9fff]|[\u4e00-\u9fff]_")
TOOL_WORDS = ("zhuize", "Zhuize", "JSON", "README", "模板", "版本", "第2版", ".xlsx", "/", "\\")
needs_office = pytest.mark.skipif(find_soffice() is None, reason="需要 LibreOffice（soffice）")


@pytest.fixture(scope="module")
def run(demo_group_10: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("returns")
    home = out / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        '[unit]\nname = "测试省投资集团有限公司"\nuscc = "91510100MA61R8XK49"\nhead = "张三"\n\n'
        '[forms]\nsasac_form_no = "测试统01表"\n', encoding="utf-8")
    archive = out / "archive.sqlite"
    common = ["--archive", str(archive), "--jobs", "1", "--no-cache", "--unit-preparer", "王五"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ZHUIZE_HOME", str(home))
        first = main(["rollup", str(demo_group_10.folder / "2025年度"), "--out", str(out / "G2025.xlsx"),
                      "--sasac", str(out / "S2025.xlsx"), "--period", "2025年度", *common])
        console = io.StringIO()
        with contextlib.redirect_stdout(console):
            second = main(["rollup", str(demo_group_10.folder / "2026年度"), "--out", str(out / "GROUP.xlsx"),
                           "--sasac", str(out / "SASAC.xlsx"), "--json", str(out / "summary.json"),
                           "--period", "2026年度", "--as-of", AS_OF.isoformat(), "--report-date", AS_OF.isoformat(),
                           *common])
    assert first == 0 and second == 2  # 2026 has planted mistakes: rejected files, one unreadable
    import json

    return {"out": out, "console": console.getvalue(), "summary": json.loads((out / "summary.json").read_text(encoding="utf-8")),
            "sasac": openpyxl.load_workbook(out / "SASAC.xlsx"), "last": openpyxl.load_workbook(out / "S2025.xlsx"),
            "group": openpyxl.load_workbook(out / "GROUP.xlsx")}


def _form_rows(book: Any) -> dict[int, tuple[Any, ...]]:
    """行次 → (label, 行次, 计量单位, 本期, 上年同期, 增减) of the SASAC form's indicator rows."""
    sheet = book["国资委报表"]
    return {row[1]: row[:6] for row in sheet.iter_rows(values_only=True) if isinstance(row[1], int)}


def _texts(sheet: Any) -> list[str]:
    return [str(c.value) for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]


def test_sasac_form_has_official_labels_units_and_rows(run: dict[str, Any]) -> None:
    book = run["sasac"]
    rows = _form_rows(book)
    usual = [n for n in rows if indicator_at(n).wording != ORDER_37]
    assert len(usual) >= 80 and sorted(usual) == list(range(1, len(usual) + 1))  # numbered without a gap
    for number in set(rows) - set(usual):  # an Order 37 measure only where a unit recorded it (the demo's planted one)
        assert rows[number][3] or rows[number][4], rows[number]
    for number, (label, _, unit, now, before, change) in rows.items():
        assert unit in UNITS, (number, label)
        item = indicator_at(number)
        assert label.strip("　").endswith(item.label) and item.audience != HQ
        assert isinstance(now, (int, float)) or now == "—"
    for sheet in book.worksheets:
        for text in _texts(sheet):
            assert not KEY_STYLE.search(text), text
            assert text not in INDICATOR_KEYS or text == indicator(text).label, text
            assert not any(word in text for word in TOOL_WORDS), text
            assert "提醒" not in text and "2026-年度" not in text, text
    labels = [r[0].strip("　") for r in rows.values()]
    assert "停职检查" in labels and "停职" not in labels  # Order 46's wording; the demo uses central-2026


def test_sasac_form_states_who_reports_and_highlights_what_is_missing(run: dict[str, Any]) -> None:
    sheet = run["sasac"]["国资委报表"]
    cells = {c.value: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert sheet["A1"].value == "违规经营投资责任追究和审计整改工作情况统计表"
    for text in ("填报单位：测试省投资集团有限公司", "统一社会信用代码：91510100MA61R8XK49", "报告期：2026年度",
                 "金额单位：万元", "表　　号：测试统01表", "制表机关：", "单位负责人：张三", "填表人：王五",
                 "报出日期：2026年11月23日", "填表说明"):
        assert text in cells, text
        assert cells[text].fill.fgColor.rgb != "FF" + MISSING_FILL[1:]
    for label in ("审核人（总会计师）", "联系电话"):
        cell = cells[f"{label}：{MISSING}"]
        assert cell.fill.fgColor.rgb == "FF" + MISSING_FILL[1:]
    # the group return names the group in every sheet's page header
    for page in run["group"].worksheets:
        assert "测试省投资集团有限公司" in page.oddHeader.left.text, page.title


def test_previous_period_and_change_columns(run: dict[str, Any]) -> None:
    now, last = _form_rows(run["sasac"]), _form_rows(run["last"])
    assert set(now) == set(last)
    compared = 0
    for number, row in now.items():
        assert row[4] == last[number][3], row  # 上年同期 = 2025年度's 本期
        if isinstance(row[3], (int, float)) and isinstance(row[4], (int, float)):
            assert row[5] == pytest.approx(row[3] - row[4])
            compared += 1
        else:
            assert row[5] == "—"
    assert compared > 50 and any(r[5] for r in now.values() if isinstance(r[5], (int, float)))
    assert {r[4] for r in last.values()} == {"—"}  # 2024 is not in the archive: no 上年同期


def test_brought_forward_received_closed_and_open_reconcile(run: dict[str, Any]) -> None:
    rows = _form_rows(run["sasac"])
    value = {key: rows[indicator(key).row][3] for key in ("期初在办", "新受理", "线索_办结", "线索_在办", "线索总数")}
    assert value["期初在办"] > 0 and value["新受理"] > 0
    assert value["期初在办"] + value["新受理"] - value["线索_办结"] == value["线索_在办"]
    assert value["期初在办"] + value["新受理"] == value["线索总数"]
    for unit in run["summary"]["indicators_by_unit"]:
        assert unit["期初在办"] + unit["新受理"] - unit["线索_办结"] == unit["线索_在办"], unit["unit"]


def test_a_gap_between_last_years_open_clues_and_this_years_brought_forward_is_explained(run: dict[str, Any]) -> None:
    """期初在办 counts only the units in this roll-up: last year's units rejected now take their
    open clues with them, and the 填表说明 says how many and whose (the demo rejects some)."""
    rows = _form_rows(run["sasac"])
    before = rows[indicator("线索_在办").row][4]
    carried = rows[indicator("期初在办").row][3]
    assert before > carried > 0
    notes = [t for t in _texts(run["sasac"]["国资委报表"]) if t.startswith(tuple(f"{n}. " for n in range(1, 20)))]
    gap = next(t for t in notes if "上年同期期末在办问题线索" in t)
    accepted = {u["unit"] for u in run["summary"]["indicators_by_unit"]}
    named = re.search(r"其中 (\d+) 条属于本期未计入汇总的 (\d+) 家单位（(.+?)，报表退回或未报）", gap)
    assert named is not None, gap
    assert f"{before} 条" in gap and f"{carried} 条" in gap and int(named.group(1)) == before - carried
    assert not set(named.group(3).split("、")) & accepted and len(named.group(3).split("、")) == int(named.group(2))
    assert not any("上年同期期末在办" in t for t in _texts(run["last"]["国资委报表"]))  # no 上年同期 in 2025: no note


def test_the_console_names_indicators_as_the_forms_do(run: dict[str, Any]) -> None:
    line = next(t for t in run["console"].splitlines() if t.startswith("主要指标："))
    totals = run["summary"]["indicators"]
    assert f"期初在办问题线索 {totals['期初在办']} 条" in line and "整改完毕率 " in line and "万元" in line
    assert not KEY_STYLE.search(line) and "报告期 2026年度" in run["console"]  # (file names may have _)


def _summary(run: dict[str, Any]) -> tuple[list[Any], dict[str, tuple[Any, ...]]]:
    sheet = run["group"]["汇总"]
    grid = list(sheet.iter_rows(values_only=True))
    return list(grid[0]), {str(r[0]).strip("　").split("）")[-1].removeprefix("其中："): r for r in grid[1:] if r[0]}


def test_group_summary_from_the_catalogue_with_dashes_for_nothing_to_divide(run: dict[str, Any]) -> None:
    header, rows = _summary(run)
    assert header[:4] == ["指标", "行次", "计量单位", "合计"]
    sheet = run["group"]["汇总"]
    texts = [str(r[0]) for r in sheet.iter_rows(values_only=True) if r[0]]
    assert "一、问题线索" in texts and "　　其中：整改完毕" in texts and "（一）期初在办问题线索" in texts
    assert not any(KEY_STYLE.search(t) for t in texts)
    assert "已在情况说明中说明的校验提醒" in rows  # HQ sees the tool's own counts; the SASAC form does not
    projects, coverage = rows[indicator("办结核查项目数").label], rows[indicator("管理提升建议书覆盖率").label]
    zero = [col for col in range(4, len(header)) if projects[col] == 0]
    some = [col for col in range(4, len(header)) if projects[col]]
    assert zero and some
    assert all(coverage[col] == "—" for col in zero)
    assert all(isinstance(coverage[col], (int, float)) for col in some)
    note = next(t for t in texts if t.startswith("截至"))
    assert "JSON" not in note and "README" not in note
    units = run["summary"]["indicators_by_unit"]
    assert header[4:] == [u["unit"] for u in units]
    levels = rows["单位层级"][4:]
    order = {"集团公司": 0, "二级企业": 1, "三级及以下企业": 2}
    keys = [(order.get(level, 3), name) for level, name in zip(levels, header[4:])]
    assert keys == sorted(keys)


def test_overdue_items_list_every_kind_counted_with_relative_paths(run: dict[str, Any]) -> None:
    sheet = run["group"]["逾期事项"]
    grid = list(sheet.iter_rows(values_only=True))
    assert list(grid[0]) == ["事项", "单位", "编号", "截止日", "逾期天数", "当前状态", "承办人/责任人", "来源文件", "来源行号"]
    kinds = [r[0] for r in grid[1:]]
    totals = run["summary"]["indicators"]
    assert kinds.count("核查逾期") == totals["核查逾期数"] > 0
    assert kinds.count("快报逾期") == totals["快报_逾期"] > 0
    assert kinds.count("一事一报告未报") == totals["一事一报告_应报"] - totals["一事一报告_已报"]
    assert kinds.count("整改逾期") > 0
    out = str(run["out"].parent)
    for row in grid[1:]:
        assert row[6], row  # 承办人/责任人
        assert not Path(row[7]).is_absolute() and out not in row[7] and row[7].startswith("2026年度/"), row


def test_validation_results_open_with_the_rejected_files(run: dict[str, Any]) -> None:
    grid = list(run["group"]["校验结果"].iter_rows(values_only=True))[1:]
    rejected = [r[3] in ("退回", "无法读取") and r[4] in ("错误", None) for r in grid]
    assert rejected[0] and sum(rejected) >= 4
    first_other = rejected.index(False)
    assert not any(rejected[first_other:])  # every rejected file's error comes before the warnings
    assert all(r[4] != "错误" for r in grid[first_other:] if r[3] not in ("退回", "无法读取"))


@needs_office
def test_the_sasac_form_prints_one_a4_page_wide(run: dict[str, Any], tmp_path: Path) -> None:
    from addin.plumbing.libreoffice import convert

    (pdf,) = convert([run["out"] / "SASAC.xlsx"], "pdf", tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "595" in info.split("Page size:")[1].split("\n")[0]  # A4 portrait
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    first = pages[0]
    assert "违规经营投资责任追究和审计整改工作情况统计表" in first and "增减" in first and "上年同期" in first
    form_pages = [p for p in pages if "行次" in p and "分单位" not in p]
    assert all("增减" in p for p in form_pages)  # every page of the form carries all its columns
    assert "填表说明" in text and "2026年11月23日" in text


def test_bad_identity_options_stop_before_anything_is_written(demo_group_10: Any, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "G.xlsx"
    folder = str(demo_group_10.folder / "2025年度")
    assert main(["rollup", folder, "--out", str(target), "--unit-name", "长" * 101]) != 0
    assert "不能超过 100 个字" in capsys.readouterr().err and not target.exists()
    assert main(["rollup", folder, "--out", str(target), "--report-date", "十一月"]) != 0
    assert "--report-date" in capsys.readouterr().err and not target.exists()
    (tmp_path / "zhuize-home" / "config.toml").write_text('[forms]\nsasac_form_no = 1\n', encoding="utf-8")
    assert main(["rollup", folder, "--out", str(target)]) != 0
    assert "表号" in capsys.readouterr().err and not target.exists()
