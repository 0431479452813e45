"""集团汇总 (GROUP.xlsx): every ledger concatenated with its provenance, the indicators
by unit and in total, the validation results, overdue items and native charts.

Written with xlsxwriter's constant_memory row loop (rows stream to disk, so hundreds
of thousands of rows stay within a small, fixed memory), then the Excel Tables are
added to the finished package (``addin.plumbing.xlsx_tables``).  A ledger longer than Excel's
1,048,576 rows continues on numbered sheets — never a silent truncation.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from addin.returns.identity import MISSING, UnitIdentity
from addin.plumbing.atomic import atomic_path
from addin.plumbing.outputs import OUTPUT_PROPERTY
from addin.plumbing import palette
from addin.plumbing.pages import ROW_POINTS, TALL_FIRST, page_setup
from addin.rollup.indicators import (HQ, NUMBER_FORMATS, RATIO, Indicator, form_indicators, form_value,
                                     indicator, indicator_kind, lines, ratio_defined)
from addin.rollup.periods import shown as shown_period
from addin.rollup.intake import PROVENANCE, SUMMARY_AS_OF, SUMMARY_HEAD, SUMMARY_LEVEL, Row
from addin.rollup.consolidate import RollupResult, filer_name, profiles_in_use, unit_order
from addin.rollup.indicators import STILL_INVESTIGATING
from addin.returns.reconcile import write_reconcile_sheet
from addin.workbook.schema import STANDARD, VIOLATION_CATEGORIES, Sheet
from addin.validation.report import severity_label
from addin.validation.run import no_gc
from addin.workbook.styles import COLORS, FONT, Formats, display_width, wraps
from addin.plumbing.redact import redact_value
from addin.plumbing.xlsx_tables import TEXT_ONLY, RowSource, TableSpec, TextSheet, add_tables, map_distinct
from udfs.deadlines import deadline_in_force, is_overdue
from udfs import vocab
from udfs.values import EXCEL_EPOCH

EXCEL_MAX_ROWS = 1_048_576
SUMMARY_SHEET = "汇总"
CHARTS_SHEET = "图表"
OVERDUE_SHEET = "逾期事项"
RESULTS_SHEET = "校验结果"
MAX_CHART_UNITS = 40

_TABLE_NAMES = {
    "clues": "ClueLedger", "losses": "LossAssessment", "accountability": "Accountability",
    "rectification": "Rectification", "bans": "BannedPersons", "recommendations": "Recommendations",
    "explanations": "Explanations",
}


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if value is True:
        return vocab.YES
    if value is False:
        return vocab.NO
    if isinstance(value, dt.datetime):
        return (value.date() - EXCEL_EPOCH).days
    if isinstance(value, dt.date):
        return (value - EXCEL_EPOCH).days
    return value


class _FileNames:
    """来源文件 as the ledgers show it: the path below the inputs' common folder (the
    folder's own name first), short enough to read and print, still unambiguous."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.root = _common_folder(paths)
        self.cache: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        shown = self.cache.get(path)
        if shown is None:
            file = Path(path)
            inside = self.root is not None and file.is_absolute()  # rows of an earlier return keep theirs
            shown = self.cache[path] = f"{_relative_folder(file, self.root)}/{file.name}" if inside else path
        return shown


def _ledger_blocks(rows: Sequence[Row], fields: Sequence[str], shown: Any = None,
                   size: int = 4096) -> Iterable[list[Sequence[Any]]]:
    """A ledger's rows as blocks of columns: the provenance, then the standard's columns as
    they are (``ledger_convert`` gives what each passes before it is written)."""
    pick = itemgetter(*fields)
    name = shown or (lambda path: path)
    for start in range(0, len(rows), size):
        block = rows[start:start + size]
        values = [pick(row.values) for row in block] if len(fields) > 1 else [(pick(row.values),) for row in block]
        yield [map_distinct(redact_value, [r.unit for r in block]), [r.uscc for r in block], [r.period for r in block],
               map_distinct(lambda path: redact_value(name(path)), [r.file for r in block]), [r.row for r in block],
               *zip(*values)]


def _redacted_cell(value: Any) -> Any:
    return redact_value(_cell(value))


def ledger_convert(fields: Sequence[str]) -> list[Any]:
    """What each column of ``_ledger_blocks`` passes before it is written: the provenance as it
    is, a ledger's values as cells (``_cell``), redacted but for the 身份证号码 columns."""
    return [None] * len(PROVENANCE) + [_cell if field in HQ_ID_FIELDS else _redacted_cell for field in fields]


HQ_ID_FIELDS = frozenset({"id_number"})
"""The 身份证号码 columns the group return keeps in clear (HQ-internal, like the archive); an ID
number anywhere else in a ledger (a summary, a name) is masked."""


class GroupWriter:
    def __init__(self, path: Path, result: RollupResult, max_rows: int = EXCEL_MAX_ROWS,
                 identity: UnitIdentity | None = None) -> None:
        self.path = path
        self.result = result
        self.max_rows = max_rows
        self.tables: list[TableSpec] = []
        self.bulk: list[tuple[int, list[Any], list[str], Sequence[Row], list[float | None]]] = []
        """(sheet index, column formats, fields, rows, wrapped widths) streamed into the package after close."""
        self.sheet_count = 0
        self.filer = (identity.name if identity is not None else "") or filer_name(result) or MISSING
        """填报单位 in every page header: the configured identity, else the group company among the inputs."""
        self.book = xlsxwriter.Workbook(
            str(path),
            {"constant_memory": True, **TEXT_ONLY, "default_format_properties": {"font_name": FONT, "font_size": 10}},
        )
        self.book.worksheet_class = TextSheet  # every string cell: 身份证号码 masked
        self.book.set_custom_property(OUTPUT_PROPERTY, "集团汇总")  # never taken for a submission
        self.formats = Formats(self.book)
        self.title = self.formats.get(bold=True, font_size=14, font_color=COLORS["title"])
        self.plain_header = self.formats.get(bold=True, font_color="#FFFFFF", bg_color=COLORS["required"],
                                             text_wrap=True, align="center", valign="vcenter", border=1,
                                             border_color="#BFBFBF")
        self.source_header = self.formats.get(bold=True, font_color="#FFFFFF", bg_color="#548235", text_wrap=True,
                                              align="center", valign="vcenter", border=1, border_color="#BFBFBF")

    def _sheet(self, name: str) -> Worksheet:
        self.sheet_count += 1
        return self.book.add_worksheet(name)

    def _setup(self, sheet: Worksheet, widths: Sequence[float], last_row: int, **options: Any) -> None:
        """Page setup by what the sheet holds (``addin.plumbing.pages``): the sheet's name
        as the title, the filer and period in the page header."""
        period = self.result.period.text if self.result.period else ""
        page_setup(sheet, widths, last_row, sheet.name, self.filer, f"报告期 {period}" if period else "", **options)

    def _table(self, name: str, headers: Sequence[str], rows: int) -> None:
        self.tables.append(TableSpec(self.sheet_count, name, tuple(headers), rows))

    def _indicator_format(self, key: str, **props: Any) -> Any:
        return self.formats.get(num_format=NUMBER_FORMATS[indicator_kind(key)], **props)

    # -- sheets -------------------------------------------------------------------------------------
    def write(self) -> None:
        self.summary()
        self.charts()
        self.overdue()
        self.results()
        write_reconcile_sheet(self)  # 对账 (standard 2.1): addin/returns/reconcile.py
        for sheet in STANDARD.ledgers:
            self.ledger(sheet, [row for unit in self.result.units for row in unit.ledgers.get(sheet.key, [])])
        self.book.close()
        shown = _FileNames([intake.path for intake in self.result.intakes])
        sources = [RowSource(index, len(rows), _ledger_blocks(rows, fields, shown), [getattr(f, "xf_index", None) for f in formats],
                             wrap=wrap, convert=ledger_convert(fields))
                   for index, formats, fields, rows, wrap in self.bulk]
        add_tables(self.path, self.tables, sources)

    def summary(self) -> None:
        """Indicators as rows (the catalogue's sections, items, 其中 parts and breakdowns, with
        行次 and 计量单位), the total and then each unit as columns: printed in page-wide
        blocks of units, the indicator names repeated on every page."""
        sheet = self._sheet(SUMMARY_SHEET)
        units = self.result.units
        period = self.result.period.text if self.result.period else ""
        border = {"border": 1, "border_color": "#BFBFBF"}
        head = self.formats.get(bold=True, font_color="#FFFFFF", bg_color=COLORS["required"], text_wrap=True,
                                align="center", valign="vcenter", **border)
        label = self.formats.get(text_wrap=True, valign="vcenter", **border)
        section = self.formats.get(bold=True, bg_color="#F2F2F2", valign="vcenter", **border)
        group = self.formats.get(valign="vcenter", **border)
        center = self.formats.get(align="center", valign="vcenter", font_size=9, **border)
        dash = self.formats.get(align="center", valign="vcenter", **border)
        meta = self.formats.get(font_size=9, align="center", valign="vcenter", text_wrap=True, **border)
        widths = [30, 5, 8, 13, *([12] * len(units))]
        first = len(SUMMARY_HEAD)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        sheet.set_row(0, 44)
        sheet.write_row(0, 0, SUMMARY_HEAD, head)
        for col, unit in enumerate(units, start=first):
            sheet.write_string(0, col, unit.unit, head)
        as_of = self.result.judged_on or "各单位填报日期"
        meta_rows = (("统一社会信用代码", "", "", [u.uscc for u in units]),
                     (SUMMARY_LEVEL, "", "", [u.level for u in units]),
                     ("报告期", "", period, [shown_period(u.period) or period for u in units]),
                     (SUMMARY_AS_OF, "", as_of, [u.as_of or self.result.as_of for u in units]),
                     ("来源文件数", "个", sum(len(u.sources) for u in units), [len(u.sources) for u in units]))
        day = self.formats.get(font_size=9, align="center", valign="vcenter", num_format="yyyy-mm-dd", **border)
        for row, (name, unit_name, total, values) in enumerate(meta_rows, start=1):
            sheet.set_row(row, 26 if row == 1 else None)
            sheet.write_string(row, 0, name, label)
            sheet.write_blank(row, 1, None, center)
            sheet.write_string(row, 2, unit_name, center)
            for col, value in enumerate([total, *values], start=first - 1):
                if isinstance(value, dt.date):  # the day each unit's deadlines were judged on
                    sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), day)
                elif isinstance(value, str):
                    sheet.write_string(row, col, value, meta)  # user text stays text
                else:
                    sheet.write_number(row, col, value, meta)
        row = len(meta_rows)
        shown = form_indicators(HQ, profiles_in_use(self.result), [self.result.totals, *(u.indicators for u in units)])
        for row, line in enumerate(lines(shown), start=len(meta_rows) + 1):
            item = line.indicator
            if item is None:
                fmt = section if line.heading == "section" else group
                sheet.write_string(row, 0, line.text, fmt)
                for col in range(1, len(widths)):
                    sheet.write_blank(row, col, None, fmt)
                continue
            sheet.write_string(row, 0, line.text, label)
            sheet.write_number(row, 1, item.row, center)
            sheet.write_string(row, 2, item.unit, center)
            self._indicator_cell(sheet, row, first - 1, item, self.result.totals, dash, bold=True, **border)
            for col, unit in enumerate(units, start=first):
                self._indicator_cell(sheet, row, col, item, unit.indicators, dash, **border)
        note_row = row + 1
        sheet.merge_range(note_row, 0, note_row, first - 1,
                          f"{self.result.as_of_text}。金额单位万元，单元格保存精确值、显示两位小数；比率以百分数列示"
                          "（计量单位为%），没有可计算的分母时为“—”；整改完毕率、管理提升建议书覆盖率的合计按各单位分子、"
                          "分母的合计重算。期末在办 = 期初在办 + 本期新受理 − 办结。第八部分的校验提醒仅供集团内部掌握，"
                          "不上报。",
                          self.formats.get(font_size=9, font_color="#595959", text_wrap=True, valign="top"))
        sheet.set_row(note_row, 110)
        sheet.freeze_panes(1, first)
        self._setup(sheet, widths, note_row, repeat_columns=first, height=44 + 26 + 110 + ROW_POINTS * note_row,
                    papers=TALL_FIRST)

    def _indicator_cell(self, sheet: Worksheet, row: int, col: int, item: Indicator, values: dict[str, Any],
                        dash: Any, **props: Any) -> None:
        if item.kind == RATIO and not ratio_defined(item.key, values):
            sheet.write_string(row, col, "—", dash)
        else:
            sheet.write_number(row, col, form_value(item.key, values.get(item.key, 0)),
                               self.formats.get(num_format=NUMBER_FORMATS[item.kind], **props))

    def charts(self) -> None:
        """The data the charts draw, at the left; the charts to the right, two to a row of a
        grid (each in a cell block of its own, so none covers another)."""
        sheet = self._sheet(CHARTS_SHEET)
        totals = self.result.totals
        name = CHARTS_SHEET
        widths = [26, 16, 14, 10, 10]
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        sheet.set_column(len(widths), len(widths), 2)
        header = self.plain_header
        money = self._indicator_format("已挽回金额")
        sheet.set_row(0, 30)
        sheet.write_row(0, 0, ["损失等级", "损失金额（万元）", f"损失笔数（{indicator('损失笔数_一般').unit}）"], header)
        for i, grade in enumerate(vocab.GRADES, start=1):
            sheet.write_number(i, 0 + 1, totals.get(f"损失金额_{grade}", 0), money)
            sheet.write(i, 0, grade)
            sheet.write_number(i, 2, totals.get(f"损失笔数_{grade}", 0))
        start = 5
        sheet.write_row(start, 0, ["违规情形类别", "线索数（条）"], header)
        for i, category in enumerate(VIOLATION_CATEGORIES, start=start + 1):
            sheet.write_row(i, 0, [category, totals.get(f"违规情形_{category}", 0)])
        units = sorted(self.result.units, key=lambda u: -u.indicators.get("整改问题数", 0))[:MAX_CHART_UNITS]
        units = sorted(units, key=unit_order)
        unit_start = start + len(VIOLATION_CATEGORIES) + 2
        sheet.write_row(unit_start, 0, ["单位", "整改完毕", "部分整改", "未整改", "整改率"], header)
        percent = self.formats.get(num_format="0.00%")
        for i, unit in enumerate(units, start=unit_start + 1):
            values = unit.indicators
            sheet.write_row(i, 0, [unit.unit, values["整改完毕数"], values["部分整改数"], values["未整改数"]])
            sheet.write_number(i, 4, values["整改率"], percent)
        last = unit_start + len(units)
        more = len(self.result.units) > len(units)
        scope = f"（整改问题最多的 {len(units)} 家单位）" if more else ""

        axis_font = {"name": FONT, "size": 9}
        title_font = {"name": FONT, "size": 12, "bold": True}

        def axis(title: str, **extra: Any) -> dict[str, Any]:
            return {"name": title, "name_font": {"name": FONT, "size": 9, "bold": False}, "num_font": axis_font,
                    "major_gridlines": {"visible": False}, **extra}

        def value_axis(title: str, num_format: str = "#,##0", **extra: Any) -> dict[str, Any]:
            return axis(title, num_format=num_format, major_gridlines={"visible": True, "line": {"color": "#D9D9D9"}},
                        **extra)

        charts = []
        loss = self.book.add_chart({"type": "column"})
        loss.add_series({"name": "损失金额（万元）", "categories": [name, 1, 0, 3, 0], "values": [name, 1, 1, 3, 1],
                         "data_labels": {"value": True, "num_format": "#,##0.00", "font": axis_font},
                         "points": [{"fill": {"color": palette.colour(g)}} for g in vocab.GRADES]})
        loss.set_title({"name": "资产损失金额（按损失等级）", "name_font": title_font})
        loss.set_legend({"none": True})
        loss.set_x_axis(axis("损失等级"))
        loss.set_y_axis(value_axis("损失金额（万元）", "#,##0"))
        charts.append((loss, CHART_HEIGHT))

        clues = self.book.add_chart({"type": "bar"})
        clues.add_series({"name": "线索数", "categories": [name, start + 1, 0, start + len(VIOLATION_CATEGORIES), 0],
                          "values": [name, start + 1, 1, start + len(VIOLATION_CATEGORIES), 1],
                          "data_labels": {"value": True, "num_format": "#,##0", "font": axis_font},
                          "fill": {"color": palette.NEUTRAL}})
        clues.set_title({"name": "问题线索（按违规情形类别）", "name_font": title_font})
        clues.set_legend({"none": True})
        # a bar chart's x axis is its horizontal one (the values), its y axis the categories
        clues.set_y_axis(axis("违规情形类别", interval_unit=1, reverse=True, crossing="max"))
        clues.set_x_axis(value_axis("线索数（条）"))
        charts.append((clues, max(CHART_HEIGHT, 26 * len(VIOLATION_CATEGORIES) + 110)))

        if units:
            height = max(CHART_HEIGHT, 20 * len(units) + 120)
            status = self.book.add_chart({"type": "bar", "subtype": "stacked"})
            for col, label in enumerate(("整改完毕", "部分整改", "未整改"), start=1):
                status.add_series({"name": [name, unit_start, col], "categories": [name, unit_start + 1, 0, last, 0],
                                   "values": [name, unit_start + 1, col, last, col],
                                   "fill": {"color": palette.colour(label)}})
            status.set_title({"name": f"审计整改情况（按单位）{scope}", "name_font": title_font})
            status.set_y_axis(axis("单位", interval_unit=1, reverse=True, crossing="max"))
            status.set_x_axis(value_axis("问题数（个）"))
            status.set_legend({"position": "bottom", "font": axis_font})
            charts.append((status, height))

            rate = self.book.add_chart({"type": "bar"})
            rate.add_series({"name": "整改率", "categories": [name, unit_start + 1, 0, last, 0],
                             "values": [name, unit_start + 1, 4, last, 4], "fill": {"color": palette.NEUTRAL},
                             "data_labels": {"value": True, "num_format": "0%", "font": axis_font}})
            rate.set_title({"name": f"整改率（按单位）{scope}", "name_font": title_font})
            rate.set_legend({"none": True})
            rate.set_y_axis(axis("单位", interval_unit=1, reverse=True, crossing="max"))
            rate.set_x_axis(value_axis("整改率", "0%", max=1, min=0))
            charts.append((rate, height))

        # the grid: two charts a row, each starting below the taller chart of the row above
        first_col = len(widths) + 1
        chart_cols = CHART_WIDTH_COLUMNS
        sheet.set_column(first_col, first_col + 2 * chart_cols - 1, CHART_COLUMN_WIDTH)
        row_pixels = 20
        top = 0
        for index in range(0, len(charts), 2):
            pair = charts[index:index + 2]
            for offset, (chart, height) in enumerate(pair):
                rows = math.ceil(height / row_pixels)
                chart.set_size({"width": chart_cols * CHART_COLUMN_PIXELS - 8, "height": rows * row_pixels - 8})
                # moved and sized with its cells: every application draws it inside its own block
                sheet.insert_chart(top, first_col + offset * chart_cols, chart, {"x_offset": 4, "y_offset": 4,
                                                                                  "object_position": 1})
            top += max(math.ceil(height / row_pixels) for _, height in pair) + 1
        widths_all = [*widths, 2, *([CHART_COLUMN_WIDTH] * (2 * chart_cols))]
        self._setup(sheet, widths_all, max(top, last), repeat_columns=0)

    def overdue(self) -> None:
        """Every overdue item 「汇总」 counts, with who handles it and where it is (the file
        below the inputs' common folder, never a full path)."""
        sheet = self._sheet(OVERDUE_SHEET)
        headers = ["事项", "单位", "编号", "截止日", "逾期天数", "当前状态", "承办人/责任人", "来源文件", "来源行号"]
        date = self.formats.get(num_format="yyyy-mm-dd", valign="top")
        count = self.formats.get(num_format="#,##0", valign="top")
        wrap = self.formats.get(text_wrap=True, valign="top")
        widths = (14, 24, 16, 11, 9, 10, 12, 40, 8)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width, date if col == 3 else count if col in (4, 8) else wrap)
        sheet.write_row(0, 0, headers, self.plain_header)
        shown = _FileNames([intake.path for intake in self.result.intakes])
        order = {kind: n for n, kind in enumerate(OVERDUE_KINDS)}
        items = sorted(overdue_items(self.result.units, self.result.as_of), key=lambda i: order[i.kind])
        for row, item in enumerate(items, start=1):
            for col, value in enumerate((item.kind, item.unit, item.number, item.deadline, item.days, item.status,
                                         item.person, shown(item.file), item.row)):
                value = _cell(value)
                if value is None:
                    sheet.write_blank(row, col, None)
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(row, col, value)
                else:
                    sheet.write_string(row, col, str(value))  # user text stays text
        sheet.freeze_panes(1, 0)
        self._table("OverdueItems", headers, max(len(items), 1))
        self._setup(sheet, widths, max(len(items), 1), repeat_columns=0)

    def results(self) -> None:
        """Every input with its outcome and every problem: the file's name, the folder it
        is in (relative to the inputs' common folder), a link to the cell."""
        sheet = self._sheet(RESULTS_SHEET)
        headers = ["文件", "所在文件夹", "单位", "处理结果", "类别", "工作表", "单元格", "代码", "说明", "情况说明"]
        widths = (30, 18, 20, 8, 6, 14, 7, 24, 60, 40)
        wrap = self.formats.get(text_wrap=True, valign="top")
        plain = self.formats.get(valign="top")
        link = self.formats.get(valign="top", font_color="#0563C1", underline=1)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width, wrap if col in (0, 1, 2, 5, 8, 9) else plain)
        sheet.write_row(0, 0, headers, self.plain_header)
        paths = [intake.path for intake, _ in outcomes(self.result)]
        root = _common_folder(paths)
        out_dir = self.path.resolve().parent
        row = 0
        links = 0
        places: dict[str, tuple[Path, str]] = {}
        targets: dict[str, str] = {}
        for intake, outcome, problem in result_rows(self.result):
            place = places.get(intake.path)
            if place is None:  # a file's problems follow one another: its folder found once
                file = Path(intake.path)
                place = places[intake.path] = (file, _relative_folder(file, root))
            file, folder = place
            row += 1
            if problem is None:
                cells = [file.name, folder, intake.unit, outcome, "", "", "", "", "", ""]
            else:
                cells = [file.name, folder, intake.unit, outcome, severity_label(problem),
                         problem.sheet, problem.cell, problem.code, problem.message, problem.explanation or ""]
            sheet.set_row(row, _row_height(cells, widths))
            for col, value in enumerate(cells):
                if value:
                    sheet.write_string(row, col, str(value))  # names and explanations as typed: text
            if problem is not None and problem.sheet and problem.cell and links < MAX_LINKS:
                target = targets.get(intake.path)
                if target is None:
                    target = targets[intake.path] = _link_target(file, out_dir)
                sheet.write_url(row, 6, f"external:{target}#'{problem.sheet}'!{problem.cell}", link,
                                string=problem.cell, tip=f"打开 {file.name} 的「{problem.sheet}」{problem.cell}")
                links += 1
        sheet.freeze_panes(1, 1)
        self._table("ValidationResults", headers, max(row, 1))
        self._setup(sheet, widths, max(row, 1))

    def ledger(self, sheet_def: Sheet, rows: Sequence[Row]) -> None:
        columns = sheet_def.columns
        headers = [*PROVENANCE, *(c.header for c in columns)]
        fields = [c.field for c in columns]
        per_sheet = self.max_rows - 1
        chunks = [rows[i:i + per_sheet] for i in range(0, len(rows), per_sheet)] or [[]]
        wrap = self.formats.get(text_wrap=True, valign="top", border=1, border_color="#D9D9D9")
        plain = self.formats.get(valign="top", border=1, border_color="#D9D9D9")
        provenance_widths = (20, 20, 11, 30, 8)
        for number, chunk in enumerate(chunks, start=1):
            title = sheet_def.name if number == 1 else f"{sheet_def.name}({number})"
            sheet = self._sheet(title)
            formats: list[Any] = [wrap, plain, plain, wrap, plain]
            for col, width in enumerate(provenance_widths):
                sheet.set_column(col, col, width, formats[col])
            widths: list[float] = list(provenance_widths)
            wrapped: list[float | None] = [provenance_widths[0], None, None, provenance_widths[3], None]
            for col, column in enumerate(columns, start=len(PROVENANCE)):
                cell_format = self.formats.cell(column)
                sheet.set_column(col, col, display_width(column), cell_format)
                formats.append(cell_format)
                widths.append(display_width(column))
                wrapped.append(display_width(column) if wraps(column) else None)
            sheet.set_row(0, 32)
            sheet.write_row(0, 0, PROVENANCE, self.source_header)
            for col, column in enumerate(columns, start=len(PROVENANCE)):
                sheet.write(0, col, column.header, self.formats.header(column))
            # the rows themselves are streamed into the finished package (addin.plumbing.xlsx_tables)
            self.bulk.append((self.sheet_count, formats, fields, chunk, wrapped))
            sheet.freeze_panes(1, 1)
            suffix = "" if number == 1 else str(number)
            self._table(_TABLE_NAMES[sheet_def.key] + suffix, headers, max(len(chunk), 1))
            self._setup(sheet, widths, max(len(chunk), 1), internal=any(c.check == "id" for c in columns))


CHART_COLUMN_WIDTH = 8.43
CHART_COLUMN_PIXELS = 64
CHART_WIDTH_COLUMNS = 8
CHART_HEIGHT = 300
MAX_LINKS = 65_000
"""Excel keeps at most 65,530 hyperlinks a sheet: problems past these show the cell as text."""


def _common_folder(paths: Sequence[str]) -> Path | None:
    folders = [str(Path(p).resolve().parent) for p in paths]
    if not folders:
        return None
    try:
        return Path(os.path.commonpath(folders))
    except ValueError:  # different drives
        return None


def _relative_folder(file: Path, root: Path | None) -> str:
    """The file's folder as the user gave it: the common folder's name, then the way down."""
    folder = file.resolve().parent
    if root is None or not folder.is_relative_to(root):
        return str(folder)
    relative = folder.relative_to(root)
    parts = [root.name or str(root), *relative.parts]
    return "/".join(parts)


def _link_target(file: Path, out_dir: Path) -> str:
    """A link from the return to an input: relative to the return's folder (so the pair
    can move together), absolute when they are on different drives."""
    try:
        return os.path.relpath(file.resolve(), out_dir)
    except ValueError:
        return str(file.resolve())


def _row_height(cells: Sequence[Any], widths: Sequence[float]) -> float:
    """Points for the wrapped cells of a row: a CJK character is about two widths."""
    lines = 1
    for value, width in zip(cells, widths):
        if value:
            lines = max(lines, _text_lines(str(value), width))
    return 14.0 * min(lines, 12) + 2


@lru_cache(maxsize=4096)
def _text_lines(text: str, width: float) -> int:
    """The lines ``text`` needs in a column of ``width`` (a file's name, folder, unit and a
    code's message repeat from row to row: each counted once)."""
    units = len(text) + sum(1 for ch in text if ord(ch) > 0x2E80)
    return math.ceil(units / max(width - 1, 1))


REJECTED = ("退回", "无法读取")


def result_rows(result: RollupResult) -> list[tuple[Any, str, Any]]:
    """(input, outcome, problem or None) as 「校验结果」 lists them: first the rejected files
    with their errors, then every warning (and each file without a problem), in input order."""
    first, then = [], []
    for intake, outcome in outcomes(result):
        problems = result.problems_of(intake)
        rejected = outcome in REJECTED
        errors = [p for p in problems if p.severity == "error"]
        if rejected:
            first.extend((intake, outcome, p) for p in errors or [None])
        elif errors:  # not rejected for them (an earlier return's own notes): still an error, shown first
            first.extend((intake, outcome, p) for p in errors)
        rest = [p for p in problems if p.severity != "error"]
        then.extend((intake, outcome, p) for p in rest)
        if not problems and not rejected:
            then.append((intake, outcome, None))
    return first + then


def outcomes(result: RollupResult) -> Iterable[tuple[Any, str]]:
    """Every input with what became of it, in input order."""
    rejected = {id(i) for i in result.rejected}
    superseded = {id(old) for old, _ in result.superseded}
    for intake in result.intakes:
        if intake.kind == "unreadable":
            yield intake, "无法读取"
        elif id(intake) in rejected:
            yield intake, "退回"
        elif id(intake) in superseded:
            yield intake, "被替代"
        else:
            yield intake, "已汇总"


class OverdueItem(NamedTuple):
    kind: str
    """初核报告逾期, 核查逾期, 快报逾期, 一事一报告未报, 整改逾期."""
    unit: str
    number: Any
    """线索编号 or 问题编号."""
    deadline: dt.date | None
    days: int | None
    status: str
    person: str
    """承办人 (a clue) or 整改责任人 (a finding)."""
    file: str
    row: int


OVERDUE_KINDS = ("初核报告逾期", "核查逾期", "快报逾期", "一事一报告未报", "整改逾期")


def overdue_items(units: Sequence[Any], default_as_of: dt.date) -> Iterable[OverdueItem]:
    """Every overdue item 「汇总」 counts, each unit judged on its own as-of day (--as-of, else
    its 填报日期, as ``validate`` does): 初核报告 and 核查 past their deadlines while the clue
    is still at that stage, 快报 late or not made (a v2 file: a v1 file cannot record it, as
    快报_逾期 counts), 一事一报告 due and not made, 整改 past its deadline and not 整改完毕."""
    for unit in units:
        as_of = getattr(unit, "as_of", None) or default_as_of
        v2 = getattr(unit, "version", 2) >= 2
        for clue in unit.ledgers.get("clues", []):
            values = clue.values
            stage, handler = values.get("stage"), str(values.get("handler") or "")

            def item(kind: str, deadline: Any, late: int | None) -> OverdueItem:
                return OverdueItem(kind, unit.unit, values.get("clue_id"), deadline if isinstance(deadline, dt.date)
                                   else None, late, str(stage or ""), handler, clue.file, clue.row)

            # the deadline in force: an approved extension counts (udfs.deadlines, as the validator)
            deadline = deadline_in_force(values.get("initial_check_deadline"), values.get("initial_check_extended_to"))
            if stage in ("受理", "初步核实") and deadline is not None and is_overdue(as_of, deadline):
                yield item("初核报告逾期", deadline, (as_of - deadline).days)
            deadline = deadline_in_force(values.get("investigation_deadline"), values.get("investigation_extended_to"))
            if v2 and stage in STILL_INVESTIGATING and deadline is not None and is_overdue(as_of, deadline):
                yield item("核查逾期", deadline, (as_of - deadline).days)
            deadline, made = values.get("flash_deadline"), values.get("flash_date")
            if v2 and isinstance(deadline, dt.date):
                if isinstance(made, dt.date) and made > deadline:
                    yield item("快报逾期", deadline, (made - deadline).days)
                elif made is None and as_of > deadline:
                    yield item("快报逾期", deadline, (as_of - deadline).days)
            if values.get("event_report_required") and values.get("event_report_date") is None:
                yield item("一事一报告未报", None, None)
        for finding in unit.ledgers.get("rectification", []):
            values = finding.values
            deadline = deadline_in_force(values.get("deadline"), values.get("extended_to"))
            if deadline is not None and is_overdue(as_of, deadline) and values.get("result") in vocab.RECTIFY_RESULTS[1:]:
                yield OverdueItem("整改逾期", unit.unit, values.get("finding_id"), deadline, (as_of - deadline).days,
                                  str(values.get("result") or ""), str(values.get("responsible_person") or ""),
                                  finding.file, finding.row)


def write_group_return(result: RollupResult, path: str | Path, max_rows: int = EXCEL_MAX_ROWS,
                       identity: UnitIdentity | None = None) -> Path:
    """The group return at ``path``; ``identity`` names the group in every page header (else the
    group company among the inputs, else 待补充)."""
    target = Path(path)
    with atomic_path(target) as temporary, no_gc():
        GroupWriter(temporary, result, max_rows, identity).write()
    return target
