"""Excel Tables (ListObjects) for sheets written in xlsxwriter's constant_memory mode.

xlsxwriter streams rows to disk in constant_memory mode but then refuses ``add_table``.
Large outputs (the group return) need both, so the table parts are added to the
finished package afterwards, following the OOXML spec: a ``xl/tables/tableN.xml``
part, a relationship from the sheet, a ``<tableParts>`` element at the end of the sheet
(before ``<extLst>``), and a content-type override.  Sheet XML is streamed in chunks,
so a sheet of a million rows never sits in memory.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_TABLE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"
_CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class TableSpec:
    sheet_index: int
    """1-based position of the sheet in the workbook (xlsxwriter writes sheetN.xml)."""
    name: str
    headers: tuple[str, ...]
    rows: int
    """Data rows below the header (the table needs at least one; 0 still makes one row)."""
    style: str = "TableStyleMedium2"


def column_letter(index: int) -> str:
    """0-based column index → A, B, …, AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


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


def add_tables(path: str | Path, specs: list[TableSpec]) -> None:
    """Rewrite the package at ``path`` (in place, via a temporary file) with the tables added."""
    if not specs:
        return
    file = Path(path)
    temporary = file.with_name(file.name + ".tables.tmp")
    try:
        with zipfile.ZipFile(file) as source, zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as target:
            names = set(source.namelist())
            existing_tables = sum(1 for n in names if re.fullmatch(r"xl/tables/table\d+\.xml", n))
            by_sheet: dict[str, list[tuple[int, TableSpec]]] = {}
            for offset, spec in enumerate(specs, start=1):
                by_sheet.setdefault(f"xl/worksheets/sheet{spec.sheet_index}.xml", []).append((existing_tables + offset, spec))
            rels_written: set[str] = set()
            for info in source.infolist():
                name = info.filename
                if name in by_sheet:
                    entries = by_sheet[name]
                    rel_ids = [f"rIdZzTable{table_id}" for table_id, _ in entries]
                    parts = (
                        f'<tableParts count="{len(entries)}">'
                        + "".join(f'<tablePart r:id="{rid}"/>' for rid in rel_ids)
                        + "</tableParts>"
                    ).encode()
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
