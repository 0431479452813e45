"""集团汇总 (GROUP.xlsx): every ledger concatenated with its provenance, the indicators
by unit and in total, the validation results, overdue items and native charts.

Written with xlsxwriter's constant_memory row loop (rows stream to disk, so hundreds
of thousands of rows stay within a small, fixed memory), then the Excel Tables are
added to the finished package (``addin.plumbing.xlsx_tables``).  A ledger longer than Excel's
1,048,576 rows continues on numbered sheets — never a silent truncation.
"""

from __future__ import annotations

import datetime as dt
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterable, Sequence

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from addin.plumbing.atomic import atomic_path
from addin.plumbing.outputs import OUTPUT_PROPERTY
from addin.rollup.indicators import INDICATORS
from addin.rollup.intake import PROVENANCE, Row
from addin.rollup.consolidate import RollupResult
from addin.workbook.schema import STANDARD, VIOLATION_CATEGORIES, Sheet
from addin.validation.run import no_gc
from addin.workbook.styles import COLORS, FONT, Formats, display_width
from addin.plumbing.xlsx_tables import RowSource, TableSpec, add_tables, map_distinct
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


def _cells(values: Sequence[Any]) -> list[Any]:
    """``_cell`` of a column's values (a column without flags or dates as it is)."""
    if not set(map(type, values)) & _CONVERTED:
        return list(values)
    return map_distinct(_cell, values)


_CONVERTED = {bool, dt.date, dt.datetime}


def _ledger_blocks(rows: Sequence[Row], fields: Sequence[str], size: int = 4096) -> Iterable[list[Sequence[Any]]]:
    """A ledger's rows as blocks of columns: the provenance, then the standard's columns."""
    pick = itemgetter(*fields)
    for start in range(0, len(rows), size):
        block = rows[start:start + size]
        values = [pick(row.values) for row in block] if len(fields) > 1 else [(pick(row.values),) for row in block]
        yield [[r.unit for r in block], [r.uscc for r in block], [r.period for r in block],
               [r.file for r in block], [r.row for r in block], *(_cells(column) for column in zip(*values))]


class GroupWriter:
    def __init__(self, path: Path, result: RollupResult, max_rows: int = EXCEL_MAX_ROWS) -> None:
        self.path = path
        self.result = result
        self.max_rows = max_rows
        self.tables: list[TableSpec] = []
        self.bulk: list[tuple[int, list[Any], list[str], Sequence[Row]]] = []
        """(sheet index, column formats, fields, rows) streamed into the package after close."""
        self.sheet_count = 0
        self.book = xlsxwriter.Workbook(
            str(path),
            {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
             "strings_to_urls": False, "default_format_properties": {"font_name": FONT, "font_size": 10}},
        )
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
        sheet = self.book.add_worksheet(name)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        return sheet

    def _table(self, name: str, headers: Sequence[str], rows: int) -> None:
        self.tables.append(TableSpec(self.sheet_count, name, tuple(headers), rows))

    # -- sheets -------------------------------------------------------------------------------------
    def write(self) -> None:
        self.summary()
        self.charts()
        self.overdue()
        self.results()
        for sheet in STANDARD.ledgers:
            self.ledger(sheet, [row for unit in self.result.units for row in unit.ledgers.get(sheet.key, [])])
        self.book.close()
        sources = [RowSource(index, len(rows), _ledger_blocks(rows, fields), [getattr(f, "xf_index", None) for f in formats])
                   for index, formats, fields, rows in self.bulk]
        add_tables(self.path, self.tables, sources)

    def summary(self) -> None:
        sheet = self._sheet(SUMMARY_SHEET)
        keys = [key for key, _ in INDICATORS]
        headers = ["单位", "统一社会信用代码", "报告期", "来源文件数", *keys]
        period = self.result.period.label if self.result.period else ""
        number = self.formats.get(num_format="#,##0.####", border=1, border_color="#D9D9D9")
        ratio = self.formats.get(num_format="0.00%", border=1, border_color="#D9D9D9")
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 1, 20)
        sheet.set_column(2, 3, 12)
        for index, key in enumerate(keys, start=4):
            sheet.set_column(index, index, max(10, len(key) * 1.6), ratio if key in ("整改率", "管理提升建议书覆盖率") else number)
        sheet.set_row(0, 42)
        sheet.write_row(0, 0, headers, self.plain_header)
        for row, unit in enumerate(self.result.units, start=1):
            sheet.write_row(row, 0, [unit.unit, unit.uscc, unit.period or period, len(unit.sources),
                                     *(unit.indicators[k] for k in keys)])
        total_row = len(self.result.units) + 2
        bold = self.formats.get(bold=True, top=2)
        sheet.write_row(total_row, 0, ["合计", "", period, sum(len(u.sources) for u in self.result.units)], bold)
        sheet.write_row(total_row, 4, [self.result.totals.get(k, 0) for k in keys])
        note_row = total_row + 2
        sheet.write(note_row, 0, f"截至 {self.result.as_of.isoformat()}；指标说明见「图表」表下方及汇总结果 JSON。"
                    "整改率、管理提升建议书覆盖率的合计按分子分母合计重算。")
        sheet.freeze_panes(1, 1)
        sheet.repeat_rows(0)
        self._table("Indicators", headers, max(len(self.result.units), 1))

    def charts(self) -> None:
        sheet = self._sheet(CHARTS_SHEET)
        totals = self.result.totals
        name = CHARTS_SHEET
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 4, 12)
        header = self.plain_header
        # block 1: loss by grade (rows 1-4), block 2: clues by category (rows 6-16)
        sheet.write_row(0, 0, ["损失等级", "损失金额（万元）", "损失笔数"], header)
        for i, grade in enumerate(vocab.GRADES, start=1):
            sheet.write_row(i, 0, [grade, totals.get(f"损失金额_{grade}", 0), totals.get(f"损失笔数_{grade}", 0)])
        start = 5
        sheet.write_row(start, 0, ["违规情形类别", "线索数"], header)
        for i, category in enumerate(VIOLATION_CATEGORIES, start=start + 1):
            sheet.write_row(i, 0, [category, totals.get(f"违规情形_{category}", 0)])
        units = sorted(self.result.units, key=lambda u: -u.indicators.get("整改问题数", 0))[:MAX_CHART_UNITS]
        units = sorted(units, key=lambda u: (u.uscc, u.unit))
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

        loss = self.book.add_chart({"type": "column"})
        loss.add_series({"name": "损失金额（万元）", "categories": [name, 1, 0, 3, 0], "values": [name, 1, 1, 3, 1],
                         "data_labels": {"value": True}, "fill": {"color": "#C00000"}})
        loss.set_title({"name": "资产损失金额（按损失等级）"})
        loss.set_legend({"none": True})
        loss.set_y_axis({"name": "万元"})
        sheet.insert_chart(0, 6, loss, {"x_scale": 1.2, "y_scale": 1.1})

        clues = self.book.add_chart({"type": "bar"})
        clues.add_series({"name": "线索数", "categories": [name, start + 1, 0, start + len(VIOLATION_CATEGORIES), 0],
                          "values": [name, start + 1, 1, start + len(VIOLATION_CATEGORIES), 1],
                          "data_labels": {"value": True}, "fill": {"color": "#1F4E78"}})
        clues.set_title({"name": "问题线索（按违规情形类别）"})
        clues.set_legend({"none": True})
        sheet.insert_chart(0, 15, clues, {"x_scale": 1.2, "y_scale": 1.1})

        if units:
            status = self.book.add_chart({"type": "bar", "subtype": "stacked"})
            for col, (label, color) in enumerate((("整改完毕", "#70AD47"), ("部分整改", "#FFC000"), ("未整改", "#C00000")), start=1):
                status.add_series({"name": [name, unit_start, col], "categories": [name, unit_start + 1, 0, last, 0],
                                   "values": [name, unit_start + 1, col, last, col], "fill": {"color": color}})
            status.set_title({"name": f"审计整改情况（按单位）{scope}"})
            status.set_size({"width": 720, "height": max(300, 22 * len(units) + 120)})
            sheet.insert_chart(17, 6, status)

            rate = self.book.add_chart({"type": "column"})
            rate.add_series({"name": "整改率", "categories": [name, unit_start + 1, 0, last, 0],
                             "values": [name, unit_start + 1, 4, last, 4], "fill": {"color": "#2E75B6"}})
            rate.set_title({"name": f"整改率（按单位）{scope}"})
            rate.set_legend({"none": True})
            rate.set_y_axis({"num_format": "0%", "max": 1, "min": 0})
            rate.set_size({"width": 720, "height": 320})
            sheet.insert_chart(17, 15, rate)

    def overdue(self) -> None:
        sheet = self._sheet(OVERDUE_SHEET)
        headers = ["事项", "单位", "编号", "截止日", "逾期天数", "当前状态", "来源文件", "来源行号"]
        as_of = self.result.as_of
        date = self.formats.get(num_format="yyyy-mm-dd")
        for col, width in enumerate((14, 28, 16, 12, 10, 14, 40, 10)):
            sheet.set_column(col, col, width, date if col == 3 else None)
        sheet.write_row(0, 0, headers, self.plain_header)
        items = list(overdue_items(self.result.units, as_of))
        for row, item in enumerate(items, start=1):
            sheet.write_row(row, 0, [_cell(v) for v in item])
        sheet.freeze_panes(1, 0)
        sheet.repeat_rows(0)
        self._table("OverdueItems", headers, max(len(items), 1))

    def results(self) -> None:
        sheet = self._sheet(RESULTS_SHEET)
        headers = ["文件", "单位", "处理结果", "类别", "工作表", "单元格", "代码", "说明"]
        for col, width in enumerate((40, 24, 10, 8, 16, 8, 28, 90)):
            sheet.set_column(col, col, width)
        sheet.write_row(0, 0, headers, self.plain_header)
        row = 0
        for intake, outcome in outcomes(self.result):
            problems = self.result.problems_of(intake) or [None]
            for problem in problems:
                row += 1
                if problem is None:
                    sheet.write_row(row, 0, [intake.path, intake.unit, outcome, "", "", "", "", ""])
                else:
                    sheet.write_row(row, 0, [intake.path, intake.unit, outcome,
                                             "错误" if problem.severity == "error" else "提醒",
                                             problem.sheet, problem.cell, problem.code, problem.message])
        sheet.freeze_panes(1, 0)
        sheet.repeat_rows(0)
        self._table("ValidationResults", headers, max(row, 1))

    def ledger(self, sheet_def: Sheet, rows: Sequence[Row]) -> None:
        columns = sheet_def.columns
        headers = [*PROVENANCE, *(c.header for c in columns)]
        fields = [c.field for c in columns]
        per_sheet = self.max_rows - 1
        chunks = [rows[i:i + per_sheet] for i in range(0, len(rows), per_sheet)] or [[]]
        for number, chunk in enumerate(chunks, start=1):
            title = sheet_def.name if number == 1 else f"{sheet_def.name}({number})"
            sheet = self._sheet(title)
            formats: list[Any] = [None] * len(PROVENANCE)
            for col, width in enumerate((22, 20, 12, 30, 8)):
                sheet.set_column(col, col, width)
            for col, column in enumerate(columns, start=len(PROVENANCE)):
                cell_format = self.formats.cell(column)
                sheet.set_column(col, col, display_width(column), cell_format)
                formats.append(cell_format)
            sheet.set_row(0, 32)
            sheet.write_row(0, 0, PROVENANCE, self.source_header)
            for col, column in enumerate(columns, start=len(PROVENANCE)):
                sheet.write(0, col, column.header, self.formats.header(column))
            # the rows themselves are streamed into the finished package (addin.plumbing.xlsx_tables)
            self.bulk.append((self.sheet_count, formats, fields, chunk))
            sheet.freeze_panes(1, len(PROVENANCE))
            sheet.repeat_rows(0)
            suffix = "" if number == 1 else str(number)
            self._table(_TABLE_NAMES[sheet_def.key] + suffix, headers, max(len(chunk), 1))


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


def overdue_items(units: Sequence[Any], as_of: dt.date) -> Iterable[tuple[Any, ...]]:
    """(事项, 单位, 编号, 截止日, 逾期天数, 当前状态, 来源文件, 来源行号) as of a date."""
    for unit in units:
        for clue in unit.ledgers.get("clues", []):
            values = clue.values
            deadline = values.get("initial_check_deadline")
            if values.get("stage") in ("受理", "初步核实") and isinstance(deadline, dt.date) and as_of > deadline:
                yield ("初核报告逾期", unit.unit, values.get("clue_id"), deadline, (as_of - deadline).days,
                       values.get("stage"), clue.file, clue.row)
        for finding in unit.ledgers.get("rectification", []):
            values = finding.values
            deadline = values.get("deadline")
            if isinstance(deadline, dt.date) and as_of > deadline and values.get("result") in vocab.RECTIFY_RESULTS[1:]:
                yield ("整改逾期", unit.unit, values.get("finding_id"), deadline, (as_of - deadline).days,
                       values.get("result"), finding.file, finding.row)


def write_group_return(result: RollupResult, path: str | Path, max_rows: int = EXCEL_MAX_ROWS) -> Path:
    target = Path(path)
    with atomic_path(target) as temporary, no_gc():
        GroupWriter(temporary, result, max_rows).write()
    return target
