"""国资委报表 (SASAC.xlsx): the indicators only, in a print-ready layout.

No personal data at all — no names, no 身份证号码 — only counts, amounts and ratios,
in total and by unit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter

from addin.plumbing.atomic import atomic_path
from addin.plumbing.outputs import OUTPUT_PROPERTY
from addin.returns.group import INDICATOR_FORMATS
from addin.plumbing.pages import page_setup
from addin.plumbing.xlsx_tables import TEXT_ONLY, TextSheet, text_lines
from addin.rollup.indicators import INDICATORS, UNITS, indicator_header, indicator_kind
from addin.rollup.consolidate import RollupResult
from addin.workbook.styles import FONT

SECTIONS: tuple[tuple[str, str], ...] = (
    ("一、问题线索", "期初在办"),
    ("二、资产损失", "损失笔数_一般"),
    ("三、责任追究", "追责人数"),
    ("四、审计整改", "整改问题数"),
    ("五、管理提升建议书", "管理提升建议书数"),
    ("六、一事一报告与典型案例", "一事一报告_应报"),
    ("七、零报告、零查处、零追责", "零报告单位数"),
)
BY_UNIT = ("线索总数", "线索_办结", "线索_在办", "损失金额_一般", "损失金额_较大", "损失金额_重大", "已挽回金额",
           "追责人数", "扣减薪酬总额", "禁入限制人数", "整改问题数", "整改完毕数", "整改率", "逾期问题数",
           "管理提升建议书覆盖率", "核查逾期数", "快报_逾期", "待销号审核数", "提醒_未说明")


def write_sasac_return(result: RollupResult, path: str | Path, filer: str = "") -> Path:
    target = Path(path)
    with atomic_path(target) as temporary:
        book = xlsxwriter.Workbook(str(temporary), {"default_format_properties": {"font_name": FONT, "font_size": 11},
                                                    **TEXT_ONLY})  # a unit's name is text, never a formula or link
        book.worksheet_class = TextSheet  # every string cell: 身份证号码 masked
        book.set_custom_property(OUTPUT_PROPERTY, "国资委报表")
        formats = _formats(book)
        _totals_sheet(book, formats, result, filer)
        _units_sheet(book, formats, result, filer)
        book.close()
    return target


def _formats(book: Any) -> dict[str, Any]:
    border = {"border": 1, "border_color": "#808080"}
    number = {"valign": "vcenter", **border}
    return {
        "title": book.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}),
        "meta": book.add_format({"font_size": 11}),
        "meta_right": book.add_format({"font_size": 11, "align": "right"}),
        "head": book.add_format({"bold": True, "align": "center", "valign": "vcenter", "bg_color": "#D9E1F2",
                                 "text_wrap": True, **border}),
        "section": book.add_format({"bold": True, "bg_color": "#F2F2F2", **border}),
        "text": book.add_format({"text_wrap": True, "valign": "vcenter", **border}),
        "center": book.add_format({"align": "center", "valign": "vcenter", **border}),
        **{kind: book.add_format({"num_format": fmt, **number}) for kind, fmt in INDICATOR_FORMATS.items()},
        **{f"total_{kind}": book.add_format({"num_format": fmt, "bold": True, "bg_color": "#F2F2F2", **number})
           for kind, fmt in INDICATOR_FORMATS.items()},
        "note": book.add_format({"font_size": 9, "font_color": "#595959", "text_wrap": True, "valign": "top"}),
    }


def _totals_sheet(book: Any, f: dict[str, Any], result: RollupResult, filer: str) -> None:
    sheet = book.add_worksheet("国资委报表")
    widths = (5, 24, 13, 7, 38)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    period = result.period.label if result.period else ""
    sheet.merge_range(0, 0, 0, 4, "违规经营投资责任追究和审计整改工作情况统计表", f["title"])
    sheet.set_row(0, 30)
    sheet.merge_range(1, 0, 1, 4, f"填报单位：{filer or '＿＿＿＿＿＿＿＿'}", f["meta"])
    sheet.merge_range(2, 0, 2, 4, f"报告期：{period}　{result.as_of_text}", f["meta"])
    sheet.write_row(3, 0, ["序号", "指标", "本期数", "计量单位", "说明"], f["head"])
    starts = {first: title for title, first in SECTIONS}
    row, number = 4, 0
    for key, meaning in INDICATORS:
        if key in starts:
            sheet.merge_range(row, 0, row, 4, starts[key], f["section"])
            row += 1
        number += 1
        kind = indicator_kind(key)
        sheet.write(row, 0, number, f["center"])
        sheet.write(row, 1, key, f["text"])
        sheet.write_number(row, 2, result.totals.get(key, 0), f[kind])
        sheet.write(row, 3, UNITS[kind], f["center"])
        sheet.write(row, 4, meaning, f["text"])
        lines = text_lines(meaning, widths[4])
        if lines > 1:
            sheet.set_row(row, 15 * lines + 2)
        row += 1
    sheet.merge_range(row + 1, 0, row + 1, 4,
                      f"说明：本表由 zhuize 根据 {len(result.accepted)} 份经校验通过的报表汇总生成；金额单位万元，"
                      "单元格保存精确值、显示两位小数；整改率 = 整改完毕数 ÷ 整改问题数；"
                      "管理提升建议书覆盖率 = 办结项目有建议书数 ÷ 办结核查项目数。",
                      f["note"])
    sheet.set_row(row + 1, 36)
    page_setup(sheet, widths, row + 1, "国资委报表", filer, f"报告期 {period}" if period else "", repeat_columns=0,
               header_rows=(3, 3))
    sheet.center_horizontally()


def _units_sheet(book: Any, f: dict[str, Any], result: RollupResult, filer: str) -> None:
    sheet = book.add_worksheet("分单位情况")
    widths = [26, *([11] * len(BY_UNIT))]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.write_row(0, 0, ["单位", *(indicator_header(k) for k in BY_UNIT)], f["head"])
    sheet.set_row(0, 48)
    sheet.freeze_panes(1, 1)
    for row, unit in enumerate(result.units, start=1):
        sheet.write_string(row, 0, unit.unit, f["text"])
        for col, key in enumerate(BY_UNIT, start=1):
            sheet.write_number(row, col, unit.indicators.get(key, 0), f[indicator_kind(key)])
    total = len(result.units) + 1
    sheet.write(total, 0, "合计", f["section"])
    for col, key in enumerate(BY_UNIT, start=1):
        sheet.write_number(total, col, result.totals.get(key, 0), f[f"total_{indicator_kind(key)}"])
    period = result.period.label if result.period else ""
    page_setup(sheet, widths, total, "分单位情况", filer, f"报告期 {period}" if period else "")
