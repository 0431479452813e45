"""Finishing a package xlsxwriter wrote: Excel Tables, and bulk rows streamed in.

xlsxwriter streams rows to disk in constant_memory mode but then refuses ``add_table``,
and its per-cell bookkeeping costs microseconds a cell.  Large outputs (the group
return) need tables and hundreds of thousands of rows, so the workbook is written by
xlsxwriter with everything but the bulk rows (headers, formats, freeze panes, print
setup, charts), and this module rewrites the finished package once:

- ``RowSource``: the data rows of a sheet, streamed as ``<row>`` XML straight into its
  ``<sheetData>``, each cell styled with its column's format (xf index);
- ``TableSpec``: a ``xl/tables/tableN.xml`` part, a relationship from the sheet, a
  ``<tableParts>`` element at the end of the sheet (before ``<extLst>``), and a
  content-type override — following the OOXML spec.

Sheet XML is streamed in chunks, so a sheet of a million rows never sits in memory.
"""

from __future__ import annotations

import datetime as dt
import math
import queue
import re
import shutil
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from itertools import repeat, zip_longest
from typing import Any, Callable, Iterable, Iterator, Sequence
from xml.sax.saxutils import escape, quoteattr

from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import Worksheet

from addin.plumbing.outputs import temporary_beside
from addin.plumbing.redact import redact

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_TABLE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"
_CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
_CHUNK = 1 << 20


TEXT_ONLY: dict[str, bool] = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
"""xlsxwriter options every workbook the project writes uses: a user's text is text — never a
formula (``=``, ``{=…}``), a hyperlink or a number.  Formulas the project means are written
with ``write_formula``."""


class TextSheet(Worksheet):
    """A worksheet whose every string cell, header and footer passes the ID redaction.
    Set ``book.worksheet_class = TextSheet`` after creating the workbook."""

    def __init__(self) -> None:
        super().__init__()
        self._redacted: dict[str, str] = {}
        """Each text redacted once: a sheet's texts repeat (files, units, messages)."""

    def _write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> Any:
        redacted = self._redacted.get(string) if isinstance(string, str) else None
        if redacted is None:
            redacted = redact(string)
            if isinstance(string, str):
                self._redacted[string] = redacted
        return super()._write_string(row, col, redacted, cell_format)

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        """xlsxwriter's own cell XML, its inner loop without the generic attribute list for
        the cells the project streams most in constant_memory mode (text and numbers)."""
        kind = cell.__class__.__name__
        if not self.constant_memory or kind not in _FAST_CELLS:
            return super()._write_cell(row, col, cell)
        string = ""
        if kind == "String":
            string = self._escape_control_characters(cell.string)
            if string.startswith("<r>") and string.endswith("</r>"):  # rich text: as xlsxwriter has it
                return super()._write_cell(row, col, cell)
        attr = f' r="{xl_rowcol_to_cell_fast(row, col)}"'
        if cell.format:
            attr += f' s="{cell.format._get_xf_index()}"'
        elif row in self.row_info and self.row_info[row].row_format:
            attr += f' s="{self.row_info[row].row_format._get_xf_index()}"'
        elif col in self.col_info:
            column_format = self.col_info[col].column_format
            if column_format is not None:
                attr += f' s="{column_format._get_xf_index()}"'
        if kind == "String":
            space = ' xml:space="preserve"' if _preserve_whitespace(string) else ""
            self.fh.write(f'<c{attr} t="inlineStr"><is><t{space}>{self._escape_data(string)}</t></is></c>')
        else:
            self.fh.write(f"<c{attr}><v>{cell.number:.16G}</v></c>")

    def _write_url(self, row: int, col: int, url: Any, cell_format: Any = None, string: Any = None,
                   tip: Any = None) -> Any:
        """A link's shown text and tip are redacted; its target (a file we link to) is kept."""
        return super()._write_url(row, col, url, cell_format, redact(string) if isinstance(string, str) else string,
                                  redact(tip) if isinstance(tip, str) else tip)

    def write_comment(self, row: int, col: int, comment: str, options: Any = None) -> Any:
        return super().write_comment(row, col, redact(comment), options)

    def set_header(self, header: str = "", options: Any = None, margin: Any = None) -> None:
        super().set_header(redact(header), options, margin)

    def set_footer(self, footer: str = "", options: Any = None, margin: Any = None) -> None:
        super().set_footer(redact(footer), options, margin)


_FAST_CELLS = frozenset({"String", "Number", "Datetime"})


@dataclass(frozen=True)
class TableSpec:
    sheet_index: int
    """1-based position of the sheet in the workbook (xlsxwriter writes sheetN.xml)."""
    name: str
    headers: tuple[str, ...]
    rows: int
    """Data rows below the header (the table needs at least one; 0 still makes one row)."""
    style: str = "TableStyleMedium2"


@dataclass
class RowSource:
    """Data rows to stream into a sheet after its header rows, given by columns."""

    sheet_index: int
    count: int
    """How many rows the blocks hold in all."""
    blocks: Iterable[Sequence[Sequence[Any]]]
    """Consecutive blocks of rows, each as its columns (equally long sequences of cell
    values: str, int, float, bool or None for no cell); read once, as the sheet is written."""
    styles: Sequence[int | None]
    """The xf index of each column's format (from xlsxwriter, after ``close``)."""
    first_row: int = 2
    """1-based number of the first data row."""
    wrap: Sequence[float | None] = ()
    """The width (in characters) of each column whose text wraps, None for the others: a
    row whose wrapped text needs more than one line gets a height to show it all (not
    every application sizes the rows of a file it opens)."""
    convert: Sequence[Callable[[Any], Any] | None] = ()
    """For each column, a function its values pass before they are written and measured
    (None: as they are) — applied once per distinct value of a block, together with the
    rendering (a writer's conversions and redaction cost a pass of their own otherwise)."""


def column_blocks(rows: Sequence[Sequence[Any]], size: int = 4096) -> Iterator[list[Sequence[Any]]]:
    """Rows (sequences of cell values) as blocks of columns, for ``RowSource``."""
    for start in range(0, len(rows), size):
        yield list(zip_longest(*rows[start:start + size]))


_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ROW_NUMBER = "\x00"
"""Stands for the row number while a row's cells are put together: a raw NUL can't come
from a value (control characters are escaped as ``_x0000_``), so one ``replace`` per row
numbers the row and all its cells."""


def _text(value: str) -> str:
    if not _NEEDS_ESCAPE.search(value):
        return value
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", value)


def _cell_xml(head: str, value: Any) -> str:
    """One cell; ``head`` is ``<c r="K\x00" s="7"`` (its reference with the row to come)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
        return f'{head} t="inlineStr"><is><t{space}>{_text(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'{head} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, float):
        if not math.isfinite(value):
            return f'{head} t="inlineStr"><is><t>{value!r}</t></is></c>'
        return f'{head}><v>{value + 0.0!r}</v></c>'  # + 0.0: -0.0 is written as 0.0
    return f'{head}><v>{value}</v></c>'


def map_distinct(function: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
    """``[function(v) for v in values]``, calling ``function`` once per distinct value: a
    column repeats its values (units, files, options, dates).  Only when the column holds
    one type besides None — True == 1 == 1.0 would otherwise share an entry."""
    distinct = _distinct(values)
    if distinct is not None:
        table = {value: function(value) for value in distinct}
        return list(map(table.__getitem__, values))
    return [function(value) for value in values]


_NONE = type(None)
_UNMIXED = frozenset({str, dt.date, dt.datetime, dt.time})
"""Types no value of another type equals: a set of them keeps every distinct value."""


def _distinct(values: Sequence[Any]) -> set[Any] | None:
    """The distinct values when they may stand for all (one type besides None), else None.
    The types are read from the distinct values when those are all text or dates (nothing
    of another type can hide behind an equal one); numbers are checked value by value."""
    distinct = set(values)
    kinds = set(map(type, distinct))
    kinds.discard(_NONE)
    if not kinds or (len(kinds) == 1 and kinds <= _UNMIXED):
        return distinct
    kinds = set(map(type, values))
    kinds.discard(_NONE)
    return distinct if len(kinds) <= 1 else None


LINE_POINTS = 13.5
"""The height of a line of 10-point text, in points."""


def text_lines(value: Any, width: float) -> int:
    """The lines a wrapped cell of ``width`` characters needs (a CJK character is two)."""
    if not isinstance(value, str) or not value:
        return 1
    units = len(value) + sum(1 for ch in value if ord(ch) >= 0x2E80)
    return min(15, -(-units // max(int(width) - 1, 1)))


def _row_heads(lines: Sequence[int]) -> list[bytes]:
    """Each row's opening tag (UTF-8), with a height where its wrapped text needs more than a line."""
    plain = f'<row r="{_ROW_NUMBER}">'.encode()
    heads = {n: f'<row r="{_ROW_NUMBER}" ht="{n * LINE_POINTS + 2:g}" customHeight="1">'.encode()
             for n in set(lines) if n > 1}
    return [heads.get(n, plain) for n in lines] if heads else [plain] * len(lines)


def _column(values: Sequence[Any], head: str, convert: Callable[[Any], Any] | None,
            width: float | None) -> tuple[list[bytes], list[int] | None]:
    """One column of a block: its cells (UTF-8) and, for a wrapped column, the lines each
    needs — each distinct value converted, rendered and measured once."""
    distinct = _distinct(values)
    if distinct is None:  # several types: value by value
        shown = [convert(v) for v in values] if convert is not None else values
        cells = [_cell_xml(head, v).encode("utf-8") for v in shown]
        return cells, [text_lines(v, width) for v in shown] if width else None
    converted = {v: convert(v) for v in distinct} if convert is not None else {v: v for v in distinct}
    table = {v: _cell_xml(head, c).encode("utf-8") for v, c in converted.items()}
    cells = list(map(table.__getitem__, values))
    if not width:
        return cells, None
    measured = {v: text_lines(c, width) for v, c in converted.items()}
    return cells, list(map(measured.__getitem__, values))


_ROW_END = b"</row>"
_NUMBER_BYTE = _ROW_NUMBER.encode()


def _rows_xml(source: RowSource, width: int) -> Iterator[bytes]:
    """``<row>`` elements for the rows (UTF-8), a block at a time."""
    letters = [column_letter(i) for i in range(width)]
    styles = [f' s="{s}"' if s else "" for s in source.styles] + [""] * max(0, width - len(source.styles))
    heads = [f'<c r="{letters[col]}{_ROW_NUMBER}"{styles[col]}' for col in range(width)]
    number = source.first_row
    join, end, mark = b"".join, _ROW_END, _NUMBER_BYTE
    for block in source.blocks:
        if not block or not len(block[0]):
            continue
        while len(heads) < len(block):
            heads.append(f'<c r="{column_letter(len(heads))}{_ROW_NUMBER}"')
        convert = list(source.convert) + [None] * max(0, len(block) - len(source.convert))
        wrap = list(source.wrap) + [None] * max(0, len(block) - len(source.wrap))
        columns = []
        lines = [1] * len(block[0])
        for col, values in enumerate(block):
            cells, needed = _column(values, heads[col], convert[col], wrap[col])
            columns.append(cells)
            if needed is not None:
                lines = list(map(max, lines, needed))
        count = min(map(len, columns))  # as many rows as the shortest column (a short one is caught below)
        # each row: its tag, cells and end joined, then numbered — the loop runs in C (map)
        rows = map(join, zip(_row_heads(lines), *columns, repeat(end, count)))
        yield join(map(bytes.replace, rows, repeat(mark, count), map(b"%d".__mod__, range(number, number + count))))
        number += count
    if number != source.first_row + source.count:
        raise ValueError(f"sheet{source.sheet_index}: {number - source.first_row} rows written, {source.count} announced")


def _copy_sheet_with_rows(source_zip: zipfile.ZipFile, name: str, target: zipfile.ZipFile, rows: RowSource,
                          parts: bytes) -> None:
    """A sheet written by xlsxwriter with only its header: insert the streamed rows."""
    text = source_zip.read(name).decode("utf-8")
    end = text.index("</sheetData>")
    head, tail = text[:end], text[end:]
    width_match = re.search(r'<dimension ref="[A-Z]+\d+:([A-Z]+)\d+"/>', head)
    width = _column_index(width_match.group(1)) + 1 if width_match else len(rows.styles)
    width = max(width, len(rows.styles))
    last_row = rows.first_row + rows.count - 1
    if rows.count:
        head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{column_letter(width - 1)}{last_row}"/>', head, count=1)
    if parts:
        marker = "<extLst>" if "<extLst>" in tail else "</worksheet>"
        tail = tail.replace(marker, parts.decode() + marker, 1)
    with target.open(name, "w", force_zip64=True) as writer:
        writer.write(head.encode("utf-8"))
        with _Behind(writer.write) as write:  # deflating runs beside the next rows' rendering
            for chunk in _rows_xml(rows, width):
                write(chunk)
        writer.write(tail.encode("utf-8"))


class _Behind:
    """Calls ``consume`` on a thread of its own, in order: zlib and crc32 release the GIL,
    so the archive deflates one block while Python renders the next."""

    def __init__(self, consume: Callable[[bytes], Any]) -> None:
        self.consume = consume
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while (data := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.consume(data)
                except BaseException as exc:  # handed to the caller in __exit__
                    self.error = exc

    def __enter__(self) -> Callable[[bytes], None]:
        self.thread.start()
        return self._put

    def _put(self, data: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(data)

    def __exit__(self, *exc: object) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and exc[0] is None:
            raise self.error


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


column_letter = xl_col_to_name
"""0-based column index → A, B, …, AA."""


def _table_xml(table_id: int, spec: TableSpec) -> bytes:
    last = f"{column_letter(len(spec.headers) - 1)}{spec.rows + 1 if spec.rows else 2}"
    ref = f"A1:{last}"
    columns = "".join(
        f'<tableColumn id="{i}" name={quoteattr(_clean_header(h))}/>' for i, h in enumerate(spec.headers, start=1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<table xmlns="{_MAIN}" id="{table_id}" name={quoteattr(spec.name)} displayName={quoteattr(spec.name)} ref="{ref}" totalsRowShown="0">'
        f'<autoFilter ref="{ref}"/><tableColumns count="{len(spec.headers)}">{columns}</tableColumns>'
        f'<tableStyleInfo name={quoteattr(spec.style)} showFirstColumn="0" showLastColumn="0" showRowStripes="1" showColumnStripes="0"/>'
        f"</table>"
    ).encode("utf-8")


def _clean_header(header: str) -> str:
    # table column names must match the header cell text; line breaks are stored as _x000a_
    return header.replace("\n", "_x000a_")


def _rels_xml(existing: bytes | None, new_ids: list[tuple[str, str]]) -> bytes:
    additions = "".join(f'<Relationship Id="{rid}" Type="{_REL_TABLE}" Target="{escape(target)}"/>' for rid, target in new_ids)
    if existing:
        text = existing.decode("utf-8")
        return text.replace("</Relationships>", additions + "</Relationships>").encode("utf-8")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{additions}</Relationships>"
    ).encode("utf-8")


def _copy_sheet_with_parts(source: zipfile.ZipFile, name: str, target: zipfile.ZipFile, parts: bytes) -> None:
    """Stream a sheet's XML, inserting ``parts`` before ``<extLst>`` or ``</worksheet>``."""
    with source.open(name) as reader, target.open(name, "w", force_zip64=True) as writer:
        tail = b""
        while True:
            chunk = reader.read(_CHUNK)
            if not chunk:
                break
            buffer = tail + chunk
            tail = buffer[-64:]
            writer.write(buffer[:-64])
        for marker in (b"<extLst>", b"</worksheet>"):
            position = tail.rfind(marker)
            if position >= 0:
                writer.write(tail[:position] + parts + tail[position:])
                return
        raise ValueError(f"{name}: no end of worksheet found")


def add_tables(path: str | Path, specs: list[TableSpec], rows: Sequence[RowSource] = ()) -> None:
    """Rewrite the package at ``path`` (in place, via a temporary file) with the tables
    added and the rows streamed in."""
    if not specs and not rows:
        return
    file = Path(path)
    temporary = temporary_beside(file)  # private (0600): the rows may hold personal data
    try:
        rows_by_sheet = {f"xl/worksheets/sheet{r.sheet_index}.xml": r for r in rows}
        with zipfile.ZipFile(file) as source, zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
            names = set(source.namelist())
            existing_tables = sum(1 for n in names if re.fullmatch(r"xl/tables/table\d+\.xml", n))
            by_sheet: dict[str, list[tuple[int, TableSpec]]] = {}
            for offset, spec in enumerate(specs, start=1):
                by_sheet.setdefault(f"xl/worksheets/sheet{spec.sheet_index}.xml", []).append((existing_tables + offset, spec))
            rels_written: set[str] = set()
            for info in source.infolist():
                name = info.filename
                if name in by_sheet or name in rows_by_sheet:
                    entries = by_sheet.get(name, [])
                    rel_ids = [f"rIdZzTable{table_id}" for table_id, _ in entries]
                    parts = (
                        f'<tableParts count="{len(entries)}">'
                        + "".join(f'<tablePart r:id="{rid}"/>' for rid in rel_ids)
                        + "</tableParts>"
                    ).encode() if entries else b""
                    if name in rows_by_sheet:
                        _copy_sheet_with_rows(source, name, target, rows_by_sheet[name], parts)
                    else:
                        _copy_sheet_with_parts(source, name, target, parts)
                elif name == "[Content_Types].xml":
                    text = source.read(name).decode("utf-8")
                    overrides = "".join(
                        f'<Override PartName="/xl/tables/table{table_id}.xml" ContentType="{_CT_TABLE}"/>'
                        for entries in by_sheet.values() for table_id, _ in entries
                    )
                    target.writestr(info, text.replace("</Types>", overrides + "</Types>"))
                elif name.startswith("xl/worksheets/_rels/") and name.replace("_rels/", "").removesuffix(".rels") in by_sheet:
                    sheet = name.replace("_rels/", "").removesuffix(".rels")
                    rels = [(f"rIdZzTable{t}", f"../tables/table{t}.xml") for t, _ in by_sheet[sheet]]
                    target.writestr(info, _rels_xml(source.read(name), rels))
                    rels_written.add(sheet)
                else:
                    with source.open(info) as reader, target.open(info.filename, "w", force_zip64=True) as writer:
                        shutil.copyfileobj(reader, writer, _CHUNK)
            for sheet, entries in by_sheet.items():
                if sheet not in names:
                    raise ValueError(f"{sheet} does not exist")
                for table_id, spec in entries:
                    target.writestr(f"xl/tables/table{table_id}.xml", _table_xml(table_id, spec))
                if sheet not in rels_written:
                    rels_name = sheet.replace("worksheets/", "worksheets/_rels/") + ".rels"
                    rels = [(f"rIdZzTable{t}", f"../tables/table{t}.xml") for t, _ in entries]
                    target.writestr(rels_name, _rels_xml(None, rels))
        temporary.replace(file)
    finally:
        if temporary.exists():
            temporary.unlink()
