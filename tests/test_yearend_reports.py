"""定期报告 / 专项报告 and 典型案例 drafts from the archive: sections, numbers equal to the
roll-up's indicators, no ID number anywhere, rendered to PDF by LibreOffice."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn

from addin.cli import main
from addin.documents import preview, yearend
from addin.rollup import barred, consolidate
from addin.rollup.indicators import MONEY, RATIO, lines, ratio_defined
from addin.rollup.periods import Period
from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS
from web_cases import UNIT_B, workbook

PERIOD = Period.of(2026, "年度")
IDS = [p["id_number"] for p in SAMPLE_RECORDS["accountability"]] + [b["id_number"] for b in SAMPLE_RECORDS["bans"]]
NAMES = [p["name"] for p in SAMPLE_RECORDS["accountability"]]

needs_office = pytest.mark.skipif(
    not (preview.available() and shutil.which("pdftotext")),
    reason="需要 LibreOffice 和 poppler-utils（sudo apt-get install libreoffice-writer poppler-utils fonts-noto-cjk）",
)


@pytest.fixture(scope="module")
def rolled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], Path]:
    folder = tmp_path_factory.mktemp("yearend")
    books = [workbook(folder / "a.xlsx"), workbook(folder / "b.xlsx", uscc=UNIT_B, unit="示例乙建设有限公司")]
    archive = folder / "archive.sqlite"
    result = consolidate.rollup(books, PERIOD, dt.date(2026, 11, 23), archive)
    assert len(result.accepted) == 2
    consolidate.archive_accepted(result, archive)
    return archive, dict(result.totals), folder


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_every_table_number_is_the_rollups_indicator(rolled: tuple[Path, dict[str, Any], Path], tmp_path: Path) -> None:
    archive, totals, _ = rolled
    report = yearend.write_periodic(archive, PERIOD, tmp_path, today=dt.date(2026, 11, 30))
    tables = Document(str(report.path)).tables
    assert len(tables) == len(yearend.PERIODIC_TABLES) + 1  # and the 禁入 usage table
    checked = 0
    for table, (_, keys) in zip(tables, yearend.PERIODIC_TABLES):
        rows = [[c.text for c in r.cells] for r in table.rows]
        assert rows[0] == ["项目", "计量单位", "本期", "上年同期"]
        shown = [line for line in lines(yearend.table_indicators(keys, [totals])) if line.heading != "section"]
        assert [row[0] for row in rows[1:]] == [line.text for line in shown]  # the catalogue's labels, as the forms
        for (label, unit, value, before), line in zip(rows[1:], shown):
            if line.indicator is None:
                assert unit == value == before == ""  # a breakdown's heading
                continue
            item = line.indicator
            assert unit == item.unit and unit, label
            if not ratio_defined(item.key, totals):
                assert value == "—", label  # nothing to divide
                continue
            expected = totals[item.key] * (100 if item.kind == RATIO else 1)
            assert _number(value) == pytest.approx(expected, abs=0.005), (label, value, expected)
            if item.kind == MONEY:
                assert re.fullmatch(r"[\d,]+\.\d\d", value), value  # 2 decimals, as the returns
            assert before == "—"  # nothing archived for 2025
            checked += 1
        # the header row repeats on every page; no row breaks across a page
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)
    assert checked > 60
    assert totals["线索总数"] == 8 and totals["追责人数"] == 4 and totals["典型案例数"] == 2  # two sample units
    assert totals["禁入限制人数"] == 2


def test_the_periodic_report_names_the_unit_period_and_data_date(rolled: tuple[Path, dict[str, Any], Path],
                                                                tmp_path: Path) -> None:
    """Titled and signed with the identity's name (highlighted 待补充 where none); the period
    written 2026年度; the data date the roll-up's as-of (the units' latest 填报日期), not 12月31日."""
    from addin.returns.identity import MISSING, UnitIdentity

    archive = rolled[0]
    doc, _ = yearend.build_periodic(archive, PERIOD, today=dt.date(2026, 11, 30),
                                    identity=UnitIdentity(name="示例能源集团有限公司"))
    paragraphs = [p.text for p in doc.doc.paragraphs]
    assert paragraphs[0].replace("\n", "") == "示例能源集团有限公司关于2026年度违规经营投资责任追究工作情况的报告"
    body = "\n".join(paragraphs)
    filed = SAMPLE_INFO["report_date"]
    assert f"现将2026年度违规经营投资责任追究工作情况报告如下（数据截至{filed.year}年{filed.month}月{filed.day}日" in body
    assert "2026-年度" not in body and "12月31日" not in body and "集团公司" not in paragraphs[0]
    assert paragraphs[-2:] == ["示例能源集团有限公司", "2026年11月30日"]
    given, _ = yearend.build_periodic(archive, PERIOD, today=dt.date(2026, 11, 30), as_of=dt.date(2026, 11, 23))
    assert "数据截至2026年11月23日" in "\n".join(p.text for p in given.doc.paragraphs)
    # two units and no identity: the name is a highlighted 待补充, in the title and the signature
    title = given.doc.paragraphs[0]
    marked = [run for run in title.runs if run.text == MISSING]
    assert marked and all(run.font.highlight_color is not None for run in marked)
    assert given.doc.paragraphs[-2].text == MISSING and given.doc.paragraphs[-2].runs[0].font.highlight_color


def test_last_years_column_shows_the_previous_totals(rolled: tuple[Path, dict[str, Any], Path]) -> None:
    totals = rolled[1]
    keys = yearend.PERIODIC_TABLES[3][1]  # 资产损失: counts and money
    rows = yearend.table_rows(keys, totals, dict(totals))
    assert [r for r in rows if r[1]] and all(r[2] == r[3] for r in rows)
    assert all(r[3] == "—" for r in yearend.table_rows(keys, totals, None) if r[1])


def test_cli_writes_both_kinds_and_never_overwrites(rolled: tuple[Path, dict[str, Any], Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    archive = rolled[0]
    args = ["report", "periodic", "--period", "2026-年度", "--archive", str(archive), "--out", str(tmp_path)]
    assert main(args) == 0 and main([*args, "--kind", "专项报告"]) == 0
    out = capsys.readouterr().out
    assert "已生成定期报告" in out and "已生成专项报告" in out
    assert main(args) == 2 and "不覆盖" in capsys.readouterr().err  # refused before writing: exit 2
    assert main([*args, "--force"]) == 0
    special = "\n".join(p.text for p in Document(str(tmp_path / "专项报告_2026年度.docx")).paragraphs)
    assert "专项报告" in special
    assert main(["report", "periodic", "--period", "2024年度", "--archive", str(archive), "--out", str(tmp_path)]) == 1
    assert "没有 2024年度 已通过的报表" in capsys.readouterr().err
    assert main(["report", "cases", "--period", "2026-年度", "--archive", str(archive), "--out", str(tmp_path / "c"),
                 "--mask-names"]) == 0
    assert len(list((tmp_path / "c").glob("典型案例_*.docx"))) == 2  # XS-2026-001 of each unit


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


@needs_office
def test_rendered_reports_have_their_sections_and_no_id(rolled: tuple[Path, dict[str, Any], Path],
                                                        tmp_path: Path) -> None:
    archive, totals, _ = rolled
    barred.check(archive, IDS[-1], "拟任董事", "tester", as_of=dt.date(2026, 11, 30))
    barred.check(archive, "110101199512120066", "拟任监事", "tester", as_of=dt.date(2026, 11, 30))
    periodic = yearend.write_periodic(archive, PERIOD, tmp_path, today=dt.date(2026, 11, 30)).path
    cases = yearend.write_cases(archive, PERIOD, tmp_path, mask_names=True)
    plain = yearend.write_cases(archive, PERIOD, tmp_path / "plain", limit=1)
    pdfs = preview.to_pdf([periodic, cases[0].path], tmp_path / "pdf") + preview.to_pdf([plain[0].path], tmp_path / "pdf2")
    texts = [re.sub(r"\s+", "", subprocess.run(["pdftotext", "-layout", str(p), "-"], check=True,
                                               capture_output=True, text=True).stdout) for p in pdfs]
    report, case, unmasked = texts
    # a table longer than a page repeats its header row on the next: more headers than tables
    assert report.count("项目计量单位本期上年同期") > len(yearend.PERIODIC_TABLES)
    for number, heading in enumerate(yearend.PERIODIC_HEADINGS, start=1):
        assert f"{'一二三四五六七'[number - 1]}、{heading}" in report
    for caption, _ in yearend.PERIODIC_TABLES:
        assert caption in report
    opening, new, closed, still = (totals[k] for k in ("期初在办", "新受理", "线索_办结", "线索_在办"))
    assert opening + new - closed == still and new == totals["线索总数"] - opening
    assert f"期初在办问题线索{opening}条，本期新受理问题线索{new}条，办结问题线索{closed}条，期末在办问题线索{still}条" in report
    assert "本期任用董事、监事、高级管理人员前查询2次，查到在禁入期内的1次" in report
    assert "待承办部门补充：工作成效和经验做法" in report and "XS-2026-001" in report
    for number, heading in enumerate(yearend.CASE_HEADINGS, start=1):
        assert f"{'一二三四五'[number - 1]}、{heading}" in case
    assert "张某" in case and "刘某" in case and "待承办部门补充：本案的警示意义和教训" in case
    assert all(name not in case for name in NAMES)
    assert "张伟" in unmasked
    for text in texts:
        for number in IDS + ["110101199512120066"]:
            assert number not in text and number.lower() not in text and number[:17] not in text
    for path in (periodic, cases[0].path, plain[0].path):
        xml = _docx_text(path)
        assert not any(number[:17] in xml for number in IDS)


def test_a_period_without_audit_findings_says_so_instead_of_a_zero_rate(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """整改率 has nothing to divide when no finding was recorded: the report's opening says
    there were none (not “整改率0%”); with findings it gives the rate."""
    from addin.rollup.indicators import UnitLedgers, unit_indicators
    from addin.rollup.recall import RecalledUnit

    ledgers = UnitLedgers("甲能源有限公司", "91510100MA61R8XK49", as_of=dt.date(2026, 11, 23))
    unit = RecalledUnit("甲能源有限公司", "91510100MA61R8XK49", "0" * 64, ledgers, unit_indicators(ledgers),
                        dt.date(2026, 11, 23))
    monkeypatch.setattr(yearend, "_units", lambda archive, period: [unit])
    monkeypatch.setattr(yearend, "previous_totals", lambda archive, period: None)
    monkeypatch.setattr(yearend, "_known_ids", lambda units, archive: [])
    doc, totals = yearend.build_periodic(tmp_path / "none.sqlite", Period.of(2026, "年度"), today=dt.date(2026, 12, 1))
    text = "\n".join(p.text for p in doc.doc.paragraphs)
    assert totals["整改问题数"] == 0 and "本期没有审计发现问题" in text and "整改率0%" not in text
