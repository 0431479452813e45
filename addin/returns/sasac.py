"""国资委报表 (SASAC.xlsx): the indicators as a statistical form a desk officer accepts as it is.

Title, 表号 and 制表机关 (configured, blank otherwise), 填报单位, 报告期 and 金额单位; every
indicator row with its 行次 and 计量单位 and the columns 本期 / 上年同期 / 增减; the signature
block and a 填表说明.  Labels, units, 行次 and the hierarchy all come from the indicator
catalogue (``addin.rollup.indicators``); the tool's own counts (HQ only) are not on it.

No personal data at all — no names of the people handled, no 身份证号码 — only counts,
amounts and ratios, in total and by unit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter

from addin.returns.identity import MISSING
from addin.plumbing.atomic import atomic_path
from addin.plumbing.outputs import OUTPUT_PROPERTY
from addin.plumbing.pages import TALL_FIRST, page_setup
from addin.plumbing.xlsx_tables import TEXT_ONLY, TextSheet, text_lines
from addin.returns.forms import FormSettings, chinese_date
from addin.rollup.consolidate import RollupResult, filer_name, profiles_in_use
from addin.rollup.indicators import (NUMBER_FORMATS, RATIO, UPWARD, Indicator, form_indicators, form_value,
                                     indicator, lines, ratio_defined)
from addin.workbook.styles import FONT

TITLE = "违规经营投资责任追究和审计整改工作情况统计表"
DASH = "—"
MISSING_FILL = "#FFFF00"
"""A 待补充 cell: yellow, so nobody sends the form with it."""
BY_UNIT = ("期初在办", "新受理", "线索_办结", "线索_在办", "损失金额_一般", "损失金额_较大", "损失金额_重大", "已挽回金额",
           "追责人数", "扣减薪酬总额", "禁入限制人数", "整改问题数", "整改完毕数", "整改率", "逾期问题数",
           "管理提升建议书覆盖率", "核查逾期数", "快报_逾期", "待销号审核数")
"""The 分单位情况 columns (upward indicators only)."""
WIDTHS = (34, 5, 8, 12, 12, 12)
"""指标名称, 行次, 计量单位, 本期, 上年同期, 增减."""


def write_sasac_return(result: RollupResult, path: str | Path, filer: str = "",
                       settings: FormSettings | None = None) -> Path:
    """The form at ``path``; ``settings`` give the identity, 表号, 制表机关, 报出日期 and
    上年同期 (``addin.returns.forms.form_settings``); ``filer`` is the 填报单位 where the
    identity has no name (the group company among the inputs, by default)."""
    settings = settings or FormSettings()
    filer = settings.name(filer or filer_name(result))
    target = Path(path)
    with atomic_path(target) as temporary:
        book = xlsxwriter.Workbook(str(temporary), {
            "strings_to_numbers": False, "default_format_properties": {"font_name": FONT, "font_size": 11},
            **TEXT_ONLY})  # a unit's name is text, never a formula or link
        book.worksheet_class = TextSheet  # every string cell: 身份证号码 masked
        book.set_custom_property(OUTPUT_PROPERTY, "国资委报表")
        formats = _formats(book)
        _form_sheet(book, formats, result, filer, settings)
        _units_sheet(book, formats, result, filer)
        book.close()
    return target


def _formats(book: Any) -> dict[str, Any]:
    border = {"border": 1, "border_color": "#808080"}
    number = {"valign": "vcenter", **border}
    return {
        "title": book.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}),
        "meta": book.add_format({"font_size": 10, "valign": "vcenter"}),
        "meta_right": book.add_format({"font_size": 10, "align": "right", "valign": "vcenter"}),
        "missing": book.add_format({"font_size": 10, "valign": "vcenter", "bg_color": MISSING_FILL, "bold": True}),
        "head": book.add_format({"bold": True, "align": "center", "valign": "vcenter", "bg_color": "#D9E1F2",
                                 "text_wrap": True, **border}),
        "code": book.add_format({"font_size": 9, "align": "center", "valign": "vcenter", **border}),
        "section": book.add_format({"bold": True, "bg_color": "#F2F2F2", "valign": "vcenter", **border}),
        "group": book.add_format({"valign": "vcenter", **border}),
        "text": book.add_format({"text_wrap": True, "valign": "vcenter", **border}),
        "center": book.add_format({"align": "center", "valign": "vcenter", **border}),
        "dash": book.add_format({"align": "center", "valign": "vcenter", **border}),
        **{kind: book.add_format({"num_format": fmt, **number}) for kind, fmt in NUMBER_FORMATS.items()},
        **{f"signed_{kind}": book.add_format({"num_format": f"+{fmt};-{fmt};0", **number})
           for kind, fmt in NUMBER_FORMATS.items()},
        **{f"total_{kind}": book.add_format({"num_format": fmt, "bold": True, "bg_color": "#F2F2F2", **number})
           for kind, fmt in NUMBER_FORMATS.items()},
        "total_dash": book.add_format({"align": "center", "bold": True, "bg_color": "#F2F2F2", **number}),
        "note": book.add_format({"font_size": 9, "text_wrap": True, "valign": "top"}),
        "note_head": book.add_format({"font_size": 10, "bold": True}),
    }


def _value(sheet: Any, row: int, col: int, item: Indicator, values: dict[str, Any] | None,
           f: dict[str, Any], prefix: str = "") -> float | None:
    """One indicator cell: the number (a ratio as a percentage), or — with nothing to show."""
    if values is None or (item.kind == RATIO and not ratio_defined(item.key, values)):
        sheet.write_string(row, col, DASH, f[f"{prefix}dash"])
        return None
    number = form_value(item.key, values.get(item.key, 0))
    sheet.write_number(row, col, number, f[f"{prefix}{item.kind}"])
    return number


def _labelled(sheet: Any, row: int, col: int, label: str, value: str, f: dict[str, Any], last: int | None = None) -> None:
    """"标签：值" in one cell (merged to ``last``), highlighted where the value is MISSING."""
    text = f"{label}：{value}"
    fmt = f["missing"] if value == MISSING else f["meta"]
    if last is not None and last > col:
        sheet.merge_range(row, col, row, last, text, fmt)
    else:
        sheet.write_string(row, col, text, fmt)


def period_text(result: RollupResult) -> str:
    return result.period.text if result.period else ""


def _form_sheet(book: Any, f: dict[str, Any], result: RollupResult, filer: str, settings: FormSettings) -> None:
    sheet = book.add_worksheet("国资委报表")
    for col, width in enumerate(WIDTHS):
        sheet.set_column(col, col, width)
    last = len(WIDTHS) - 1
    sheet.merge_range(0, 0, 0, last, TITLE, f["title"])
    sheet.set_row(0, 30)
    sheet.merge_range(1, 3, 1, last, f"表　　号：{settings.form_no}", f["meta"])
    sheet.merge_range(2, 3, 2, last, f"制表机关：{settings.authority}", f["meta"])
    _labelled(sheet, 3, 0, "填报单位", filer, f, 2)
    _labelled(sheet, 3, 3, "报告期", period_text(result) or MISSING, f, 4)
    sheet.write_string(3, 5, "金额单位：万元", f["meta_right"])
    _labelled(sheet, 4, 0, "统一社会信用代码", settings.identity.shown("uscc"), f, 2)
    head = 5
    sheet.write_row(head, 0, ["指标名称", "行次", "计量单位", "本期", "上年同期", "增减"], f["head"])
    sheet.write_row(head + 1, 0, ["甲", "乙", "丙", "1", "2", "3=1−2"], f["code"])
    totals, previous = result.totals, settings.previous
    shown = form_indicators(UPWARD, profiles_in_use(result), [totals, *(u.indicators for u in result.units),
                                                               *([previous] if previous else [])])
    row = head + 2
    for line in lines(shown):
        item = line.indicator
        if item is None:
            fmt = f["section"] if line.heading == "section" else f["group"]
            sheet.write_string(row, 0, line.text, fmt)
            for col in range(1, last + 1):
                sheet.write_blank(row, col, None, fmt)
        else:
            sheet.write_string(row, 0, line.text, f["text"])
            sheet.write_number(row, 1, item.row, f["center"])
            sheet.write_string(row, 2, item.unit, f["center"])
            now = _value(sheet, row, 3, item, totals, f)
            before = _value(sheet, row, 4, item, previous, f)
            if now is None or before is None:
                sheet.write_string(row, 5, DASH, f["dash"])
            else:
                sheet.write_number(row, 5, now - before, f[f"signed_{item.kind}"])
        row += 1
    row += 1
    identity = settings.identity
    _labelled(sheet, row, 0, "单位负责人", identity.shown("head"), f)
    _labelled(sheet, row, 2, "审核人（总会计师）", identity.shown("reviewer"), f, last)
    _labelled(sheet, row + 1, 0, "填表人", identity.shown("preparer"), f)
    _labelled(sheet, row + 1, 2, "联系电话", identity.shown("phone"), f, last)
    _labelled(sheet, row + 2, 0, "报出日期", chinese_date(settings.issued), f)
    row += 4
    sheet.merge_range(row, 0, row, last, "填表说明", f["note_head"])
    notes = explanations(result, settings)
    width = (sum(WIDTHS) - 2) * 11 / 9  # the notes are 9-point, the widths in 11-point characters
    for number, note in enumerate(notes, start=1):
        row += 1
        text = f"{number}. {note}"
        sheet.merge_range(row, 0, row, last, text, f["note"])
        sheet.set_row(row, 13 * text_lines(text, width) + 2)
    page_setup(sheet, WIDTHS, row, "", "", "", repeat_columns=0, header_rows=(head, head + 1), papers=TALL_FIRST)
    sheet.center_horizontally()


def explanations(result: RollupResult, settings: FormSettings) -> list[str]:
    """The 填表说明, in plain Chinese, with the 行次 the catalogue gives."""
    r = _row_of
    judged = result.judged_on
    as_of = (f"截至{chinese_date(judged)}" if judged is not None
             else f"截至各单位填报日期（最晚{chinese_date(result.as_of)}）")
    units = len(result.units)
    previous = ("“上年同期”为上年同一报告期的数据" if settings.previous is not None
                else "本期没有上年同一报告期的数据，“上年同期”和“增减”栏填“—”")
    return [
        f"本表反映本单位及所属企业本报告期违规经营投资责任追究和审计整改工作情况，由所属{units}家单位报送并经审核的数据汇总填列。",
        f"“本期”为报告期内的数据；{previous}；“增减”= 本期 − 上年同期。",
        f"期末在办问题线索（{r('线索_在办')}）= 期初在办问题线索（{r('期初在办')}）+ 本期新受理问题线索（{r('新受理')}）"
        f" − 办结问题线索（{r('线索_办结')}）；本期办理问题线索合计（{r('线索总数')}）= 期初在办 + 本期新受理。",
        "金额单位为万元，保留两位小数；比率以百分数填列（计量单位为%），没有可计算的分母时填“—”。",
        f"整改完毕率（{r('整改率')}）= 整改完毕 ÷ 审计发现问题；管理提升建议书覆盖率（{r('管理提升建议书覆盖率')}）"
        "= 形成管理提升建议书的 ÷ 办结核查项目。",
        f"核查、快报和整改是否逾期，{as_of}判断。",
        "零报告单位指本期没有问题线索的单位；零查处单位指没有立项核查的单位；零追责单位指没有追究责任人员的单位。",
        *_carried_over(result, settings),
    ]


def _row_of(key: str) -> str:
    """An indicator's 行次 as the notes cite it: 第5行."""
    return f"第{indicator(key).row}行"


def _carried_over(result: RollupResult, settings: FormSettings) -> list[str]:
    """Why 期初在办 differs from 上年同期's 期末在办, when it does: the units of last year's
    figures that this roll-up does not include (rejected, not yet filed) take their open
    clues with them — a desk officer reading the two columns will ask."""
    if settings.previous is None:
        return []
    before = int(settings.previous.get("线索_在办", 0))
    carried = int(result.totals.get("期初在办", 0))
    if before == carried:
        return []
    included = {u.uscc for u in result.units}
    absent = [(unit, count) for uscc, unit, count in settings.previous_units if uscc not in included and count > 0]
    gap = sum(count for _, count in absent)
    text = (f"上年同期期末在办问题线索（{_row_of('线索_在办')}）{before} 条，"
            f"本期期初在办问题线索（{_row_of('期初在办')}）{carried} 条")
    if absent:
        names = "、".join(unit for unit, _ in absent[:5]) + ("等" if len(absent) > 5 else "")
        text += (f"：其中 {gap} 条属于本期未计入汇总的 {len(absent)} 家单位（{names}，报表退回或未报），"
                 "待其报表审核通过后计入")
        if gap != before - carried:
            text += "；其余差额为各单位上期末在办线索按本期报表核对后的变化"
    else:
        text += "：差额为各单位上期末在办线索按本期报表核对后的变化"
    return [text + "。"]


def _units_sheet(book: Any, f: dict[str, Any], result: RollupResult, filer: str) -> None:
    sheet = book.add_worksheet("分单位情况")
    items = [indicator(k) for k in BY_UNIT]
    widths = [26, *([12] * len(items))]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.write_row(0, 0, ["单位", *(i.header for i in items)], f["head"])
    sheet.write_row(1, 0, ["行次", *(str(i.row) for i in items)], f["code"])
    sheet.set_row(0, 62)
    sheet.freeze_panes(2, 1)
    for row, unit in enumerate(result.units, start=2):
        sheet.write_string(row, 0, unit.unit, f["text"])
        for col, item in enumerate(items, start=1):
            _value(sheet, row, col, item, unit.indicators, f)
    total = len(result.units) + 2
    sheet.write_string(total, 0, "合计", f["section"])
    for col, item in enumerate(items, start=1):
        _value(sheet, total, col, item, result.totals, f, "total_")
    period = period_text(result)
    page_setup(sheet, widths, total, "分单位情况", filer, f"报告期 {period}" if period else "", header_rows=(0, 1))

