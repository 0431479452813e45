"""What a user gets on screen and on paper: the returns, an annotated copy and the blank
template printed by LibreOffice (one soffice run), checked page by page from the word
boxes ``pdftotext -bbox`` reports; the charts' grid; the number formats; the Open XML
SDK's validation rules (``openxml-audit``) over every kind of file the project writes."""

from __future__ import annotations

import dataclasses
import html
import re
import shutil
import statistics
import subprocess
import xml.etree.ElementTree as ET
import warnings
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from addin.plumbing.libreoffice import find_soffice, print_workbooks
from addin.returns.group import write_group_return
from addin.returns.sasac import write_sasac_return
from addin.rollup import consolidate as rollup
from addin.rollup.indicators import INDICATOR_KEYS, indicator_header, indicator_kind
from addin.rollup.periods import Period
from addin.validation import validate_paths
from addin.workbook.schema import STANDARD

ROOT = Path(__file__).resolve().parents[1]
needs_print = pytest.mark.skipif(find_soffice() is None or shutil.which("pdftotext") is None,
                                 reason="需要 LibreOffice（soffice）和 poppler（pdftotext）")
EXTRA_UNITS = 14
"""Units cloned from the demo's (indicators only) so 汇总 needs more than one block of units."""
MIN_WORD_HEIGHT = 6.5
BLANK_TEMPLATE_PAGES = 25
"""填报说明 9 (A4 landscape at 90%: its 10-point text prints at 9 points; fitted to A4 portrait it took
3 pages at about 55%, 5.5 points) + 填报信息 1 (A4 landscape at 100%) + 自查结果 1 + the ledgers 10
(责任认定与处理 and 审计整改台账 two A3 pages each at about 70%, 问题线索台账 three since standard 2.1's
统一编号 and 销号 columns: on one page they would print at 37–41%, words about 5 points high) + 情况说明 1
+ 参数 2 (2.1: the sanctions' periods; its 自查 look-up columns and the case-key look-up table at its end
not printed) + the year's holidays 1.  Measured with LibreOffice 7 (pdftotext).  Standard 2.0 at 5.5
points printed 17; the issue's 12 would leave 填报说明, 参数 and 工作日历 unprinted."""
NINE_POINT_WORDS = 11.5
"""The word-box height pdftotext reports for 9-point text: the CJK face measures 1.29 × its size
(10-point text printed at 100%, on 填报信息, measures 12.9–13.0; the old 填报说明 at 55%, 7.1)."""
LEDGER_SHEETS = [sheet.name for sheet in STANDARD.ledgers]
ID_SHEETS = {sheet.name for sheet in STANDARD.ledgers if any(c.check == "id" for c in sheet.columns)}


@dataclasses.dataclass
class Page:
    width: float
    height: float
    words: list[tuple[float, float, float, float, str]]

    def _line(self, top: bool) -> list[tuple[float, float, float, float, str]]:
        if not self.words:
            return []
        edge = min(w[1] for w in self.words) if top else max(w[3] for w in self.words)
        return [w for w in self.words if (w[1] - edge if top else edge - w[3]) < 3]

    @property
    def header(self) -> list[tuple[float, float, float, float, str]]:
        return self._line(top=True)

    @property
    def footer(self) -> list[tuple[float, float, float, float, str]]:
        return self._line(top=False)

    @property
    def body(self) -> list[tuple[float, float, float, float, str]]:
        """The words between the page header and the page footer."""
        edges = set(self.header) | set(self.footer)
        return [w for w in self.words if w not in edges]

    @property
    def title(self) -> str:
        """The page header's centre word (the sheet name)."""
        names = [w for w in self.header if not w[4].startswith(("填报单位：", "报告期：", "（内部资料）"))]
        centre = [w for w in names if w[0] < self.width / 2 < w[2]] or \
            sorted(names, key=lambda w: abs((w[0] + w[2]) / 2 - self.width / 2))
        return centre[0][4] if centre else ""


def pages(pdf: Path) -> list[Page]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = []
    for match in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S):
        words = [(float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', match.group(3))]
        found.append(Page(float(match.group(1)), float(match.group(2)), words))
    return found


@pytest.fixture(scope="module")
def outputs(demo_group_10: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("print")
    result = rollup.rollup([demo_group_10.folder / "2026年度"], Period.of(2026, "年度"))
    for number, unit in enumerate(list(result.units[:EXTRA_UNITS]), start=1):
        result.units.append(dataclasses.replace(unit, unit=f"{unit.unit}第{number}分公司", uscc=f"{unit.uscc}-{number}",
                                                ledgers={}))
    write_group_return(result, out / "GROUP.xlsx")
    write_sasac_return(result, out / "SASAC.xlsx", rollup.filer_name(result))
    rejected = next(Path(i.path) for i in result.rejected if i.kind == "standard")
    report = validate_paths([rejected], annotate_dir=out / "annotated")
    annotated = out / "ANNOTATED.xlsx"
    shutil.copy(report.annotated[str(rejected)], annotated)
    template = out / "TEMPLATE.xlsx"
    shutil.copy(ROOT / "workbook_templates" / "子企业填报模板.xlsx", template)
    return {"out": out, "result": result, "group": out / "GROUP.xlsx", "sasac": out / "SASAC.xlsx",
            "annotated": annotated, "template": template, "rejected": rejected}


@pytest.fixture(scope="module")
def printed(outputs: dict[str, Any]) -> dict[str, list[Page]]:
    files = [outputs[k] for k in ("group", "sasac", "annotated", "template")]
    pdfs = print_workbooks(files, outputs["out"] / "pdf")  # one soffice run for all four
    return {key: pages(pdf) for key, pdf in zip(("group", "sasac", "annotated", "template"), pdfs)}


@needs_print
@pytest.mark.parametrize("kind", ["group", "sasac", "annotated", "template"])
def test_every_page_is_readable(printed: dict[str, list[Page]], kind: str) -> None:
    assert printed[kind]
    for number, page in enumerate(printed[kind], start=1):
        where = f"{kind} 第 {number} 页（{page.title}）"
        assert page.body, f"{where}：除页眉页脚外没有文字"
        heights = [w[3] - w[1] for w in page.words]
        assert statistics.median(heights) >= MIN_WORD_HEIGHT, f"{where}：字太小"
        cut = [w[4] for w in page.words if w[2] > page.width - 1]
        assert not cut, f"{where}：右边缘截断 {cut[:5]}"
        assert "第" in "".join(w[4] for w in page.footer) and page.footer[-1][4].endswith("页"), where


@needs_print
def test_page_counts(printed: dict[str, list[Page]], outputs: dict[str, Any]) -> None:
    units = len(outputs["result"].units)
    summary = [p for p in printed["group"] if p.title == "汇总"]
    assert summary and len(summary) <= 2 * -(-units // 10), (units, len(summary))
    assert 1 < len(summary)  # the units run on across pages: indicators as rows, units in page-wide blocks
    assert len(printed["template"]) <= BLANK_TEMPLATE_PAGES
    # the annotated copy prints its 校验结果 first, the 说明 column on the same page as the cell
    first = printed["annotated"][0]
    assert first.title == "校验结果"
    assert {"类别", "单元格", "说明"} <= {w[4] for w in first.words}
    # the template's ledgers print the header and a few blank rows, never the ready rows
    ledgers = [p for p in printed["template"] if p.title in ("问题线索台账", "资产损失认定", "审计整改台账")]
    assert ledgers and all(len(p.body) < 60 for p in ledgers)


def _top(page: Page, points: float = 60) -> str:
    """The text of the page header (everything printed in the top ``points``)."""
    return "".join(w[4] for w in sorted(page.words, key=lambda w: (round(w[1]), w[0])) if w[3] < points)


@needs_print
def test_the_guide_and_the_filing_sheet_print_at_nine_points_or_more(printed: dict[str, list[Page]]) -> None:
    for title in ("填报说明", "填报信息"):
        sheet_pages = [p for p in printed["template"] if p.title == title]
        assert sheet_pages, title
        for page in sheet_pages:
            heights = [w[3] - w[1] for w in page.body]
            assert statistics.median(heights) >= NINE_POINT_WORDS, (title, statistics.median(heights))
            assert not [w for w in page.words if w[2] > page.width - 1], title  # nothing cut at the edge
    # the 说明 column wraps: its long help texts stay inside the page, on several lines
    guide = [p for p in printed["template"] if p.title == "填报说明"]
    assert len(guide) <= 9


@needs_print
def test_every_ledger_page_names_the_unit_and_period_and_marks_ids(printed: dict[str, list[Page]],
                                                                   outputs: dict[str, Any]) -> None:
    from addin.validation.annotate import _info_values

    ledgers = [p for p in printed["template"] if p.title in LEDGER_SHEETS]
    assert {p.title for p in ledgers} == set(LEDGER_SHEETS)
    for page in ledgers:  # the blank template: lines to write on (a page header cannot show a cell)
        top = _top(page)
        assert "填报单位：＿＿＿" in top and "报告期：＿＿＿" in top, top
        assert ("内部资料" in top) == (page.title in ID_SHEETS), (page.title, top)
    # the annotated copy knows the file's unit and period: its ledgers print them
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        info = _info_values(openpyxl.load_workbook(outputs["annotated"]))
    assert info["unit_name"] and info["report_period"] == "年度"
    annotated = [p for p in printed["annotated"] if p.title in LEDGER_SHEETS]
    assert annotated
    for page in annotated:
        top = _top(page)
        assert f"填报单位：{info['unit_name']}" in top and f"报告期：{info['report_year']}年度" in top, top
        assert ("内部资料" in top) == (page.title in ID_SHEETS), (page.title, top)
    # the group return: the group's name and period on every page; 内部资料 where 身份证号码 prints
    group = [p for p in printed["group"] if p.title in LEDGER_SHEETS]
    assert {p.title for p in group} >= ID_SHEETS
    for page in group:
        assert ("内部资料" in _top(page)) == (page.title in ID_SHEETS), (page.title, _top(page))
    assert not any("内部资料" in _top(p) for p in printed["group"] if p.title not in LEDGER_SHEETS)


@needs_print
def test_summary_pages_repeat_the_indicator_names(printed: dict[str, list[Page]]) -> None:
    summary = [p for p in printed["group"] if p.title == "汇总"]
    seen: set[str] = set()
    for page in summary:  # version 2's indicators make the table run on down as well as across
        words = {w[4] for w in page.body}
        assert {"指标", "行次", "计量单位", "合计"} <= words
        seen |= words
    assert {"（三）本期办理问题线索合计", "（二）整改完毕率"} <= seen


def _anchors(path: Path) -> list[tuple[tuple[int, int, int, int], tuple[int, int, int, int]]]:
    ns = {"xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"}
    with zipfile.ZipFile(path) as archive:
        drawing = ET.fromstring(archive.read("xl/drawings/drawing1.xml"))
    boxes = []
    for anchor in drawing.findall("xdr:twoCellAnchor", ns):
        corner = []
        for end in ("from", "to"):
            node = anchor.find(f"xdr:{end}", ns)
            corner.append(tuple(int(node.find(f"xdr:{tag}", ns).text) for tag in ("col", "colOff", "row", "rowOff")))
        boxes.append((corner[0], corner[1]))
    return boxes


def test_charts_sit_on_a_grid_without_overlap(outputs: dict[str, Any]) -> None:
    book = openpyxl.load_workbook(outputs["group"])
    assert book.sheetnames.index("图表") == 1
    boxes = _anchors(outputs["group"])
    assert len(boxes) == 4
    for i, (a_from, a_to) in enumerate(boxes):
        for b_from, b_to in boxes[i + 1:]:
            apart_cols = (a_to[0], a_to[1]) <= (b_from[0], b_from[1]) or (b_to[0], b_to[1]) <= (a_from[0], a_from[1])
            apart_rows = (a_to[2], a_to[3]) <= (b_from[2], b_from[3]) or (b_to[2], b_to[3]) <= (a_from[2], a_from[3])
            assert apart_cols or apart_rows, (a_from, a_to, b_from, b_to)
    # two a row: the first two share their top row, the next two start below both
    assert boxes[0][0][2] == boxes[1][0][2] == 0
    assert boxes[2][0][2] == boxes[3][0][2] > max(boxes[0][1][2], boxes[1][1][2])
    # every chart has a Chinese title and axis titles; unit labels are all shown
    with zipfile.ZipFile(outputs["group"]) as archive:
        charts = [archive.read(n).decode() for n in sorted(archive.namelist()) if n.startswith("xl/charts/chart")]
    for chart in charts:
        titles = re.findall(r"<a:t>([^<]*)</a:t>", chart)
        assert len(titles) >= 3 and all(re.search(r"[\u4e00-\u9fff]", t) for t in titles), titles
    assert sum('<c:tickLblSkip val="1"/>' in chart for chart in charts) >= 3
    assert all('formatCode="#,##0' in chart or 'formatCode="0%"' in chart for chart in charts)


def test_number_formats_of_both_returns(outputs: dict[str, Any]) -> None:
    """Money 2 decimals with separators, ratios as percentages (unit %, the cell holding ×100),
    counts as integers — in both returns, the units of 计量单位 from the catalogue."""
    from addin.rollup.indicators import CATALOGUE, form_value, indicator

    result = outputs["result"]
    expected = {"money": "#,##0.00", "ratio": "0.00", "count": "#,##0"}
    kinds = {"损失金额_一般": "money", "扣减薪酬总额": "money", "已挽回金额": "money", "整改率": "ratio",
             "管理提升建议书覆盖率": "ratio", "线索总数": "count", "追责人数": "count", "损失笔数_较大": "count"}
    assert {key: indicator_kind(key) for key in kinds} == kinds
    key_at = {i.row: i.key for i in CATALOGUE}
    group = openpyxl.load_workbook(outputs["group"])["汇总"]
    rows = {key_at[row[1].value]: row for row in group.iter_rows(min_row=2) if isinstance(row[1].value, int)}
    assert set(rows) <= set(INDICATOR_KEYS) and len(rows) >= len(INDICATOR_KEYS) - 2  # one row each (停职 hidden)
    assert [c.value for c in group[1][:4]] == ["指标", "行次", "计量单位", "合计"]
    for key, kind in kinds.items():
        total, first_unit = rows[key][3], rows[key][4]
        assert total.number_format == expected[kind], key
        assert first_unit.value == "—" or first_unit.number_format == expected[kind], key
        assert total.value == pytest.approx(form_value(key, result.totals[key]))  # the exact value stays in the cell
        assert rows[key][2].value == indicator(key).unit
    sasac = openpyxl.load_workbook(outputs["sasac"])
    totals = {key_at[row[1].value]: row for row in sasac["国资委报表"].iter_rows() if isinstance(row[1].value, int)}
    for key, kind in kinds.items():
        assert totals[key][3].number_format == expected[kind], key
        assert totals[key][3].value == pytest.approx(form_value(key, result.totals[key]))
    units = sasac["分单位情况"]
    headers = [c.value for c in units[1]]
    assert "一般资产损失（万元）" in headers and "整改完毕率（%）" in headers and "办结问题线索（条）" in headers
    for key in ("损失金额_一般", "扣减薪酬总额", "整改率", "线索_办结"):
        col = headers.index(indicator_header(key))
        formats = {units.cell(r, col + 1).number_format for r in range(3, units.max_row + 1)
                   if units.cell(r, col + 1).value != "—"}
        assert formats == {expected[indicator_kind(key)]}, key
    # the money total prints with two decimals and separators: what the console says
    from addin.rollup.indicators import display_text

    money = result.totals["扣减薪酬总额"]
    assert display_text("扣减薪酬总额", money) == f"{money:,.2f} 万元" or abs(money * 100 % 1 - 0.5) < 1e-9
    assert display_text("扣减薪酬总额", 5120.345) == "5,120.35 万元"  # half up, as a cell format rounds
    assert display_text("整改率", 0.4444) == "44.44%" and display_text("线索总数", 1234) == "1,234"


def test_results_sheet_names_the_file_and_links_the_cell(outputs: dict[str, Any]) -> None:
    sheet = openpyxl.load_workbook(outputs["group"])["校验结果"]
    assert [c.value for c in sheet[1]] == ["文件", "所在文件夹", "单位", "处理结果", "类别", "工作表", "单元格", "代码", "说明",
                                            "情况说明"]
    rows = list(sheet.iter_rows(min_row=2))
    assert all("/" not in (r[0].value or "") for r in rows)  # the name, not the path
    assert {r[1].value for r in rows} == {"2026年度"}
    rejected = [r for r in rows if r[0].value == outputs["rejected"].name and r[6].value]
    assert rejected
    link = rejected[0][6].hyperlink
    assert link is not None
    assert link.location == f"'{rejected[0][5].value}'!{rejected[0][6].value}"
    assert (link.target or "").replace("\\", "/").endswith("/" + outputs["rejected"].name)
    assert all(r[8].alignment.wrap_text for r in rows if r[8].value)


def test_template_print_areas_are_plain_ranges(outputs: dict[str, Any]) -> None:
    book = openpyxl.load_workbook(outputs["template"])
    sheet = book["问题线索台账"]
    last = get_column_letter(len(STANDARD.sheet("clues").columns))
    assert sheet.print_area == f"'问题线索台账'!$A$1:${last}$6"  # the header and five blank rows
    annotated = openpyxl.load_workbook(outputs["annotated"])
    filled = annotated["问题线索台账"]
    rows = sum(1 for (value,) in filled.iter_rows(min_row=2, max_col=1, values_only=True) if value)
    assert filled.print_area == f"'问题线索台账'!$A$1:${last}${1 + max(rows, 5)}"
    assert annotated["校验结果"].page_setup.fitToWidth == 1


# -- the Open XML SDK's rules ------------------------------------------------------------------------

# openpyxl writes a font's children (b, color, sz, name, …) in its own order, which the
# SDK's schema (a strict sequence) reports; Excel reads them in any order and opens the
# file without repair, so these findings in openpyxl's styles part are allowed
OPENPYXL_STYLES = re.compile(r"Unexpected element '(b|i|u|color|sz|name|family|charset|scheme|vertAlign|strike|outline|shadow|condense|extend)' found")


def _findings(path: Path) -> list[str]:
    from openxml_audit import OpenXmlValidator, ValidationSeverity

    result = OpenXmlValidator(max_errors=0).validate(str(path))
    return [f"{e.part_uri}: {e.description}" for e in result.errors if e.severity == ValidationSeverity.ERROR]


def test_office_opens_every_file_without_repair(outputs: dict[str, Any], tmp_path: Path) -> None:
    from addin.documents.letters import write_batch
    from addin.xlam.build import build_addin

    letters = write_batch([Path(i.path) for i in outputs["result"].accepted[:4]], tmp_path / "letters")
    kinds = {w.kind: w.path for w in letters.written}
    assert len(kinds) == 2
    files = [*kinds.values(), outputs["group"], outputs["sasac"], outputs["template"], build_addin(tmp_path / "xlam")]
    for path in files:
        assert _findings(Path(path)) == [], path
    annotated = _findings(outputs["annotated"])
    assert all(f.startswith("/xl/styles.xml: ") and OPENPYXL_STYLES.search(f) for f in annotated), annotated


def test_narrative_columns_wrap(outputs: dict[str, Any]) -> None:
    # 问题摘要 and 情况说明's 说明 run to hundreds of characters: wrapped, the rows grow (no fixed height)
    narrative = [(STANDARD.sheet("clues"), "summary"), (STANDARD.sheet("explanations"), "text")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        template = openpyxl.load_workbook(outputs["template"])
        group = openpyxl.load_workbook(outputs["group"])
    for sheet, field in narrative:
        letter = get_column_letter(sheet.index(field) + 1)
        ws = template[sheet.name]
        assert all(ws[f"{letter}{row}"].alignment.wrap_text for row in (2, 3, 500)), (sheet.name, field)
        assert ws.row_dimensions[2].height is None
    clues = group["问题线索台账"]
    headers = [c.value for c in clues[1]]
    column = headers.index(STANDARD.sheet("clues").column("summary").header) + 1
    filled = [row for row in range(2, clues.max_row + 1) if clues.cell(row, column).value]
    assert filled and all(clues.cell(row, column).alignment.wrap_text for row in filled)


@pytest.mark.parametrize("unit", ["四川省" + "某" * 300 + "集团有限公司", "A&B 有限公司"])
def test_a_page_header_never_exceeds_excels_limit(tmp_path: Path, unit: str) -> None:
    """A unit name longer than Excel's 255-character header limit is shortened with “…”
    (xlsxwriter would drop the whole header with a warning); a short one stays whole."""
    import xlsxwriter

    from addin.plumbing.pages import HEADER_LIMIT, page_setup

    path = tmp_path / "h.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("汇总")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        page_setup(sheet, [20, 12], 3, "集团汇总", unit, "2026年度")
        book.close()
    header = openpyxl.load_workbook(path)["汇总"].oddHeader
    left = header.left.text.replace("&&", "&")  # openpyxl keeps the header code's doubled &
    assert header.center.text == "集团汇总" and header.right.text.strip() == "2026年度"  # not read as font size 92026
    if len(unit) > HEADER_LIMIT:
        assert left.startswith("四川省某") and left.endswith("…") and len(left) < HEADER_LIMIT
    else:
        assert left == unit


def test_a_ledgers_page_header_shortens_an_overlong_unit_name() -> None:
    """A bounced file's 填报单位 may be any length; its annotated copy's page header stays
    within Excel's 255 characters (``&`` counts twice, escaped)."""
    from addin.plumbing.pages import HEADER_LIMIT
    from addin.workbook.templates import ledger_header

    for name in ("某" * 400, "&" * 400):
        header = ledger_header({"unit_name": name, "report_year": 2026, "report_period": "年度"}, internal=True)
        assert len(header) <= HEADER_LIMIT and "…&C" in header and "报告期：2026年度" in header
    assert "填报单位：甲乙公司&C" in ledger_header({"unit_name": "甲乙公司", "report_year": 2026, "report_period": "年度"})
