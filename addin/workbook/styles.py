"""The look shared by every workbook zhuize writes: fonts, header colours, number
formats, input versus computed cells (templates and returns alike)."""

from __future__ import annotations

from typing import Any

from xlsxwriter.workbook import Workbook

from addin.workbook.schema import Column, ColumnType

FONT = "等线"

COLORS = {
    "required": "#1F4E78",  # header of a column that must be filled
    "optional": "#5B9BD5",  # header of a column that may be left blank
    "computed": "#7F7F7F",  # header of a computed column
    "computed_fill": "#F2F2F2",
    "computed_font": "#1F3864",
    "late_fill": "#FFC7CE",
    "late_font": "#9C0006",
    "soon_fill": "#FFEB9C",
    "soon_font": "#9C5700",
    "title": "#1F4E78",
}

NUM_FORMATS = {
    ColumnType.TEXT: "@",
    ColumnType.ENUM: "@",
    ColumnType.FLAG: "@",
    ColumnType.DATE: "yyyy-mm-dd",
    ColumnType.NUMBER: "#,##0.00##",
    ColumnType.PERCENT: "0.00%",
    ColumnType.INTEGER: "0",
}


class Formats:
    def __init__(self, book: Workbook) -> None:
        self.book = book
        self._cache: dict[tuple[Any, ...], Any] = {}

    def get(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            self._cache[key] = self.book.add_format(props)
        return self._cache[key]

    def header(self, column: Column) -> Any:
        kind = "computed" if column.computed else ("required" if column.required else "optional")
        return self.get(bold=True, font_color="#FFFFFF", bg_color=COLORS[kind], text_wrap=True, align="center",
                        valign="vcenter", border=1, border_color="#BFBFBF")

    def cell(self, column: Column) -> Any:
        props = cell_props(column)
        if wraps(column):
            props["text_wrap"] = True
        return self.get(**props)


def cell_props(column: Column) -> dict[str, Any]:
    """Number format and protection of a column's cells: inputs unlocked, computed grey."""
    props: dict[str, Any] = {"num_format": NUM_FORMATS[column.type], "valign": "top", "border": 1,
                             "border_color": "#D9D9D9"}
    if column.computed:
        props.update(bg_color=COLORS["computed_fill"], font_color=COLORS["computed_font"], locked=True)
    else:
        props.update(locked=False)
    return props


def wraps(column: Column) -> bool:
    """A wide text column wraps its text (long names, descriptions) instead of running on."""
    return column.type is ColumnType.TEXT and column.width >= 24


def display_width(column: Column) -> float:
    """The column width: the schema's, widened so the header fits on two lines."""
    return max(column.width, len(column.header) + 2)
