"""Preflight: is a file a workbook we can safely read?  Checked before any parser runs.

Subsidiaries' files come from anywhere: an old .xls, an encrypted file, a truncated
download, a zip bomb, XML with external entities, a sheet of a million rows.  Each is
reported as unreadable with a clear Chinese reason and a stable code — never a
traceback — within bounded memory and time: entries are streamed in chunks, inflated
bytes are counted against limits, and no XML is parsed here at all.

What a worksheet costs the reader is its bounding box (calamine allocates every cell
between the first and the last), so a sheet is judged by its rows *and* the extent its
cell references span: one cell at A1 and one at XFD1048576 is as costly as a full sheet.
The scan works on bytes with C-speed searches; an unusual writer (cells without their
reference first, namespace prefixes) gets an exact but slower pass.

The scan also lists cells whose cached value is a spreadsheet error (``t="e"``, e.g.
``#REF!``): the reader sees them as blank, the validator reports them.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np

from addin.problems import check_code

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1 << 20
_TAIL = 32 * 1024
"""Bytes of the previous chunk kept in front of the next: no tag is missed at a boundary."""


@dataclass(frozen=True)
class Limits:
    """Bounds on what one input file may inflate to."""

    max_entries: int = 5_000
    max_inflated_bytes: int = 1024 * 1024 * 1024
    max_ratio: float = 200.0  # inflated ÷ compressed, per entry larger than 1 MiB
    max_rows_per_sheet: int = 120_000
    """Issue 26: a 2.3 MB file of 299,000 rows needed 87 s and 8 GB to validate; the
    benchmark's 100,000-row workbook is the largest a unit is expected to send."""
    max_cells_per_sheet: int = 6_000_000
    """Rows × columns of a sheet's bounding box (what the reader allocates): 120,000 rows
    of the widest ledger (45 columns) fit."""
    max_repeated_rows: int = 1_000
    """Row elements listed per sheet whose number repeats an earlier one (the rest are refused)."""
    max_shared_strings_bytes: int = 256 * 1024 * 1024
    max_error_cells: int = 2_000
    """Error-valued cells listed per sheet (the rest are counted, not listed)."""


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Unreadable:
    """Why a file cannot be read: a stable code (an error of the catalogue) and a message
    a clerk understands."""

    code: str
    message: str

    def __post_init__(self) -> None:
        check_code(self.code, "error")


@dataclass
class Scan:
    """What the preflight found: why the file cannot be read (None: it can), and the
    cells whose cached value is a spreadsheet error, by worksheet part and by sheet name."""

    unreadable: Unreadable | None = None
    error_cells: dict[str, dict[str, str]] = field(default_factory=dict)
    """Worksheet part (``xl/worksheets/sheet3.xml``) → cell (``K7``) → error text (``#REF!``)."""
    sheet_parts: dict[str, str] = field(default_factory=dict)
    """Sheet name → worksheet part."""
    bad_cells: dict[str, dict[str, str]] = field(default_factory=dict)
    """Worksheet part → cell → what is wrong with its stored value (NaN, ±inf, an impossible
    shared-string index): the reader reports them at their cell and reads a copy without them."""
    repeated_rows: dict[str, list[int]] = field(default_factory=dict)
    """Worksheet part → the numbers of row elements that repeat (or go back before) an
    earlier row's number: a reader keeps one of them, so their cells would be lost."""
    formula_rows: dict[str, set[int]] = field(default_factory=dict)
    """Worksheet part → the rows whose cell in the column asked for (``scan_file``'s
    ``formula_columns``) holds a formula; absent where the part was not scanned so."""
    part_keys: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    """Part → a key of its contents: (CRC-32, inflated size) from the zip directory, and for a
    large worksheet a digest of its stored bytes — the same key means the same bytes (two
    files from one template share their 工作日历 part), for caches of what a part holds."""

    def bad_cells_of_sheet(self, name: str) -> dict[str, str]:
        part = self.sheet_parts.get(name)
        return self.bad_cells.get(part, {}) if part else {}

    def repeated_rows_of_sheet(self, name: str) -> list[int]:
        part = self.sheet_parts.get(name)
        return self.repeated_rows.get(part, []) if part else []

    def errors_of_sheet(self, name: str) -> dict[str, str]:
        part = self.sheet_parts.get(name)
        return self.error_cells.get(part, {}) if part else {}


# -- byte patterns --------------------------------------------------------------------------

_LEAD = 8
"""Zero bytes put in front of a block, so a look behind a tag at the block's start stays inside the array."""
_HEAD_PAD = bytes(_LEAD)
_TAG_WINDOW = np.arange(64)
"""How far a cell's opening tag is looked along for its end (``<c r="AL12" s="31" t="str">``)."""
_TAIL_PAD = bytes(96)
"""Zero bytes after a block: the byte comparisons after a tag at its end stay inside the array."""


def _byte_table(chars: bytes) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[list(chars)] = True
    return table


_NAME_END = _byte_table(b" \t\r\n>/")
"""Bytes that end an element's name (``<c`` is a cell, ``<col`` is not)."""
_IS_UPPER = _byte_table(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_IS_DIGIT = _byte_table(b"0123456789")
_IS_SPACE = _byte_table(b" \t\r\n\f\v")
_F_END = _byte_table(b" \t\r\n\f\v>/")
"""What may follow ``<f`` in a formula element (``\\s``, ``>`` or ``/``)."""
_PREFIXED_TAG = re.compile(rb"<[\w.-]+:(?:c|row)[\s>/]")
_REF_AT = re.compile(rb'<c r="([A-Z]{1,3})0*(\d{1,12})"')
_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\sr="(\d{1,12})"')
_ERROR_CELL = re.compile(rb'<((?:[\w.-]+:)?)c\s([^>]*?)\bt="e"([^>]*)>')
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3}\d{1,12})"')
_ERROR_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>([^<]{1,64})</")
_TAG = re.compile(rb"<((?:[\w.-]+:)?)(row|c)\b([^>]*)>")
_ODD_VALUE = re.compile(rb'<v>(?:[^0-9.<#]|(?<=t="s"><v>)(?!\d{1,9}</v>))')
"""The values the scan flags as odd, found again in a window to be looked at (a
positive overflow such as 1e400 arrives as inf and is refused by the reader at its cell)."""
_CELL_OPEN = re.compile(rb"<(?:[\w.-]+:)?c\s[^>]*")
_ATTR_T = re.compile(rb'\st="(\w+)"')
NEGATIVE_LIMIT = -1e10
"""Values below this are refused (no amount or date is so negative; a date reader panics)."""
_ATTR_R = re.compile(rb'(?:^|\s)r="([A-Z]{0,7})(\d{1,12})"')
_SHEET_DECL = re.compile(r'<(?:[\w.-]+:)?sheet\s[^>]*?>')
_ATTR = re.compile(r'([\w.:-]+)="([^"]*)"')
_DOCTYPE_MESSAGE = (
    "含有 DOCTYPE/ENTITY 声明（可能引用外部实体），为安全起见已拒绝读取；请用 Excel 另存为新的 .xlsx 后再报送"
)


class _Mismatch(Exception):
    """A part's compressed data does not match the archive's directory (size or checksum)."""


def _at_stored_data(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Any:
    """The archive's file, positioned at the first byte of ``info``'s stored (compressed)
    data, past its local header."""
    handle = archive.fp
    if handle is None:
        raise _Mismatch("archive closed")
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise _Mismatch("bad local header")
    name_length = int.from_bytes(header[26:28], "little")
    extra_length = int.from_bytes(header[28:30], "little")
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    return handle


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The inflated bytes of one part, chunk by chunk, read from the raw compressed data.

    Python's zipfile stops at the size the directory declares; other readers (the Rust
    zip crate under calamine) may not.  So the stream is inflated here for real, and a
    part that inflates to more (or less) than declared, or fails its checksum, is refused.
    """
    handle = _at_stored_data(archive, info)
    remaining = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        inflater = None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
    else:
        raise NotImplementedError(f"compression {info.compress_type}")
    produced = 0
    crc = 0
    while True:
        if inflater is not None and inflater.unconsumed_tail:
            data = inflater.unconsumed_tail
        elif remaining > 0:
            data = handle.read(min(_CHUNK, remaining))
            if not data:
                raise _Mismatch("truncated")
            remaining -= len(data)
        elif inflater is not None and not inflater.eof:
            data = b""
        else:
            break
        if inflater is None:
            chunk = data
        else:
            try:
                chunk = inflater.decompress(data, _CHUNK) if data else inflater.flush()
            except zlib.error as exc:
                raise _Mismatch(str(exc)) from None
            if not data and not chunk:
                break
        if chunk:
            produced += len(chunk)
            if produced > info.file_size:
                raise _Mismatch("inflates beyond the declared size")
            crc = zlib.crc32(chunk, crc)
            yield chunk
        if inflater is not None and inflater.eof and not inflater.unconsumed_tail:
            break
    if produced != info.file_size or crc != info.CRC:
        raise _Mismatch("size or checksum")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ch - 64)
    return number


class _Prolog:
    """Watches an XML part's prolog (before the root element) for a DOCTYPE or ENTITY.

    A document type declaration can only stand before the root element, so the rest of
    the part is not searched.  The prolog is tokenised (declaration, processing
    instructions, comments), so a comment cannot hide a declaration after it.
    """

    MAX_PROLOG = 4 * _CHUNK

    def __init__(self) -> None:
        self.head = b""
        self.done = False

    def feed(self, chunk: bytes) -> bool:
        """False when the prolog declares a DOCTYPE or an ENTITY (or never ends)."""
        if self.done:
            return True
        self.head += chunk
        head = self.head
        if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:4]:
            head = head.decode("utf-16", "ignore").encode("utf-8", "replace")
        if head.startswith(b"\xef\xbb\xbf"):
            head = head[3:]
        verdict = _prolog_verdict(head)
        if verdict is None:  # the prolog goes on in the next chunk
            if len(self.head) > self.MAX_PROLOG:
                return False
            return True
        self.done = True
        self.head = b""
        return verdict


def _prolog_verdict(head: bytes) -> bool | None:
    """True: the root element starts without a declaration before it; False: a ``<!``
    declaration (DOCTYPE, ENTITY, …) stands in the prolog; None: not decided yet."""
    pos = 0
    size = len(head)
    while True:
        while pos < size and head[pos] in b" \t\r\n":
            pos += 1
        if pos >= size:
            return None
        if head.startswith(b"<?", pos):
            end = head.find(b"?>", pos + 2)
            if end < 0:
                return None
            pos = end + 2
        elif head.startswith(b"<!--", pos):
            end = head.find(b"-->", pos + 4)
            if end < 0:
                return None
            pos = end + 3
        elif head.startswith(b"<!", pos):
            return False
        elif size - pos < 4 and b"<!--".startswith(head[pos:]):
            return None
        else:
            return True  # the root element (or text a parser will reject)


class _SheetScan:
    """The bounding box and the error cells of one worksheet part, block by block.

    Blocks end before a ``<``, so no tag is split between two blocks.  Cells normally
    start with their reference (``<c r="K7"``); references within A–Z and rows below
    100,000 give a box of at most 99,999 × 26 cells, well inside the limit, so only the
    unusual ones are parsed.  A cell placed by position (no reference first) or an
    element with a namespace prefix sends the part to the exact pass.
    """

    def __init__(self, name: str, limits: Limits, formula_column: str | None = None) -> None:
        self.name = name
        self.limits = limits
        self.formula_pattern = None if formula_column is None else _formula_pattern(formula_column)
        self.formula_column = None if formula_column is None else _column_number(formula_column.encode("ascii"))
        self.formula_rows: set[int] = set()
        self.row_tags = 0
        self.last_row = 0
        self.repeated: list[int] = []
        self.max_row = 0
        self.max_col = 26  # references within A–Z
        self.odd = False
        self.errors: dict[str, str] = {}
        self.error_count = 0
        self.previous = b""
        self.bad: dict[str, str] = {}

    def feed(self, data: bytes, start: int = 0, end: int | None = None) -> Unreadable | None:
        """Scan ``data[start:end]`` (no tag crosses its ends).

        The block is looked at as an array of bytes (numpy): every ``<`` is found at
        once, and the bytes after each are compared column-wise — the kind of tag, a
        cell's reference, a row's number, a value's first character — so a normal part
        costs a few array operations, not a Python step per tag.  What is unusual (a cell
        without its reference first, a prefixed element, a row beyond 99,999, an odd
        value) is looked at closely, as before."""
        end = len(data) if end is None else end
        if end <= start:
            return None
        raw = data[start:end]
        size = end - start
        block = np.frombuffer(_HEAD_PAD + raw + _TAIL_PAD, dtype=np.uint8)
        body = block[_LEAD:_LEAD + size]
        opens = np.flatnonzero(body == 0x3C) + _LEAD  # every "<", as positions in ``block``
        first, second = block[opens + 1], block[opens + 2]
        problem = self._rows(block, raw, opens[(first == 0x72) & (second == 0x6F) & (block[opens + 3] == 0x77)
                                              & _NAME_END[block[opens + 4]]])
        if problem is not None:
            return problem
        problem = self._cells(block, raw, opens[(first == 0x63) & _NAME_END[second]])
        if problem is not None:
            return problem
        errors, odd_values = self._values(block, opens[(first == 0x76) & (second == 0x3E)])
        if not self.odd:
            self._prefixed(block, raw, body)
        if odd_values:
            self._bad_values(self.previous + raw)
        if errors:
            window = self.previous + raw
            if b't="e"' in window:
                self._error_cells(window)
            self.previous = window[-_TAIL:]
        else:
            self.previous = raw[-_TAIL:]
        return None

    def _rows(self, block: np.ndarray, raw: bytes, rows: np.ndarray) -> Unreadable | None:
        """Row elements: counted against the limit; their numbers must go up (a repeated
        number means a reader keeps one of the rows)."""
        limit = self.limits.max_rows_per_sheet
        self.row_tags += len(rows)
        if self.row_tags > limit:
            return _too_many_rows(self.name, self.limits)
        if not len(rows):
            return None
        # the usual form: <row r="123" ...> — the number read column-wise, up to 7 digits
        plain = ((block[rows + 4] == 0x20) & (block[rows + 5] == 0x72) & (block[rows + 6] == 0x3D)
                 & (block[rows + 7] == 0x22))
        number = np.zeros(len(rows), dtype=np.int64)
        alive = plain.copy()
        digits = np.zeros(len(rows), dtype=np.int64)
        for k in range(8):
            byte = block[rows + 8 + k]
            alive &= _IS_DIGIT[byte]
            number = np.where(alive, number * 10 + (byte.astype(np.int64) - 0x30), number)
            digits += alive
        closed = block[rows + 8 + digits] == 0x22
        if bool((plain & (digits >= 1) & (digits <= 7) & closed).all()):
            numbers = number
        else:  # another attribute first, or an unusual number: the exact pattern
            found = _ROW_NUMBER.findall(raw)
            numbers = np.array([int(v) for v in found], dtype=np.int64) if found else np.zeros(0, dtype=np.int64)
        if not len(numbers):
            return None
        if int(numbers[0]) > self.last_row and bool((numbers[1:] > numbers[:-1]).all()):
            self.last_row = int(numbers[-1])
            return None
        for value in numbers.tolist():
            if value <= self.last_row:
                if len(self.repeated) >= self.limits.max_repeated_rows:
                    return Unreadable("ZZ-FILE-CORRUPT", f"{self.name}中有大量重复编号的行，文件内部结构已损坏；"
                                                         "请用 Excel 或 WPS 打开后另存为新的 .xlsx 再报送")
                self.repeated.append(value)
            else:
                self.last_row = value
        return None

    def _cells(self, block: np.ndarray, raw: bytes, cells: np.ndarray) -> Unreadable | None:
        """Cell elements: each must start with its reference (``<c r="AB12"``); the widest
        column and any row beyond 99,999 bound the box a reader allocates."""
        if not len(cells):
            return None
        plain = ((block[cells + 2] == 0x20) & (block[cells + 3] == 0x72) & (block[cells + 4] == 0x3D)
                 & (block[cells + 5] == 0x22))
        if not bool(plain.all()):
            self.odd = True  # placed by position, or another attribute (or other spacing) first
            cells = cells[plain]
            if not len(cells):
                return None
        c6, c7, c8 = block[cells + 6], block[cells + 7], block[cells + 8]
        u6, u7, u8 = _IS_UPPER[c6], _IS_UPPER[c7], _IS_UPPER[c8]
        letters = u6.astype(np.int64) + (u6 & u7) + (u6 & u7 & u8)
        if not bool(u6.all()) or bool((u6 & u7 & u8 & _IS_UPPER[block[cells + 9]]).any()):
            self.odd = True  # a reference without a column, or of four letters: the exact pass
        one, two, three = c6.astype(np.int64) - 64, c7.astype(np.int64) - 64, c8.astype(np.int64) - 64
        column = np.where(letters >= 3, one * 676 + two * 26 + three, np.where(letters == 2, one * 26 + two, one))
        widest = int(column.max())
        if widest > self.max_col:
            self.max_col = widest
        at = cells + 6 + letters
        digits = np.zeros(len(cells), dtype=np.int64)
        alive = np.ones(len(cells), dtype=bool)
        for k in range(6):
            alive &= _IS_DIGIT[block[at + k]]
            digits += alive
        if not bool((digits >= 1).all()):
            self.odd = True
        short = digits < 6
        if not bool((block[(at + digits)[short]] == 0x22).all()):
            self.odd = True  # a reference that does not end where its digits do
        if self.formula_column is not None:
            self._formulas(block, raw, cells, column, at, digits)
        limit = self.limits.max_rows_per_sheet
        for position in cells[~short].tolist():  # six digits or more: read exactly
            ref = _REF_AT.match(raw, position - _LEAD)
            if ref is None:
                self.odd = True
                continue
            row = int(ref.group(2))
            if row > self.max_row:
                self.max_row = row
                if row > limit:
                    return _too_many_rows(self.name, self.limits)
        return None

    def _formulas(self, block: np.ndarray, raw: bytes, cells: np.ndarray, column: np.ndarray, at: np.ndarray,
                  digits: np.ndarray) -> None:
        """The rows whose cell in the column asked for holds a formula (``<f``, its own or a
        shared one, right after the cell's opening tag; an empty cell ``<c …/>`` has none).
        Anything unusual about those cells — a row beyond 99,999, a tag longer than the
        window, space before the ``<f`` — is left to the pattern (``_formula_pattern``)."""
        mine = column == self.formula_column
        position, start, count = cells[mine], at[mine], digits[mine]
        if not len(position):
            return
        window = block[position[:, None] + _TAG_WINDOW]
        closing = window == 0x3E
        end = position + closing.argmax(axis=1)
        after = end + 1
        last = _LEAD + len(raw)
        if not bool(closing.any(axis=1).all()) or not bool((count < 6).all()) or bool(
                (_IS_SPACE[block[after]] & (after < last)).any()):
            assert self.formula_pattern is not None
            for match in self.formula_pattern.finditer(raw):
                # a cell whose formula would begin in the next block counts as having one
                if not match.group(2) and (match.group(3) or match.end() >= len(raw)):
                    self.formula_rows.add(int(match.group(1)))
            return
        number = np.zeros(len(position), dtype=np.int64)
        for k in range(5):
            number = np.where(k < count, number * 10 + (block[start + k].astype(np.int64) - 0x30), number)
        formula = (block[after] == 0x3C) & (block[after + 1] == 0x66) & _F_END[block[after + 2]]
        held = (block[end - 1] != 0x2F) & (formula | (after >= last))  # at the block's end: the next may begin with one
        self.formula_rows.update(number[held].tolist())

    def _values(self, block: np.ndarray, values: np.ndarray) -> tuple[bool, bool]:
        """(an error value is among them, an odd value is among them): ``<v>#…`` is an error;
        a value not starting as a number does (NaN, -inf, -1e12) is looked at; a shared-string
        index must be 1–9 digits."""
        if not len(values):
            return False, False
        head = block[values + 3]
        ok = _IS_DIGIT[head] | (head == 0x2E) | (head == 0x3C)
        errors = odd = False
        if not bool(ok.all()):
            rest = head[~ok]
            errors = bool((rest == 0x23).any())
            odd = bool((rest != 0x23).any())
        shared = values[(block[values - 6] == 0x74) & (block[values - 5] == 0x3D) & (block[values - 4] == 0x22)
                        & (block[values - 3] == 0x73) & (block[values - 2] == 0x22) & (block[values - 1] == 0x3E)]
        if len(shared) and not odd:
            digits = np.zeros(len(shared), dtype=np.int64)
            alive = np.ones(len(shared), dtype=bool)
            for k in range(10):
                alive &= _IS_DIGIT[block[shared + 3 + k]]
                digits += alive
            end = shared + 3 + digits
            fine = ((digits >= 1) & (digits <= 9) & (block[end] == 0x3C) & (block[end + 1] == 0x2F)
                    & (block[end + 2] == 0x76) & (block[end + 3] == 0x3E))
            odd = not bool(fine.all())
        return errors, odd

    def _prefixed(self, block: np.ndarray, raw: bytes, body: np.ndarray) -> None:
        """A row or cell element with a namespace prefix (``<x:c``) sends the part to the exact pass."""
        colons = np.flatnonzero(body == 0x3A) + _LEAD
        if not len(colons):
            return
        after = block[colons + 1]
        near = colons[((after == 0x63) & _NAME_END[block[colons + 2]])
                      | ((after == 0x72) & (block[colons + 2] == 0x6F) & (block[colons + 3] == 0x77)
                         & _NAME_END[block[colons + 4]])]
        for position in near.tolist():
            at = position - _LEAD
            if _PREFIXED_TAG.search(raw, max(0, at - 256), at + 5):
                self.odd = True
                return

    def _bad_values(self, window: bytes) -> None:
        """Cells whose stored value no reader should be given (see ``_ODD_NUMBER``)."""
        for pattern in (_ODD_VALUE,):
            for match in pattern.finditer(window):
                at = match.start()
                opening = None
                for candidate in _CELL_OPEN.finditer(window, max(0, at - 4096), at + 4096):
                    if candidate.start() > at:
                        break
                    opening = candidate
                if opening is None:
                    continue
                ref = _CELL_REF.search(opening.group(0))
                if ref is None or len(self.bad) >= self.limits.max_error_cells:
                    continue
                kind = _ATTR_T.search(opening.group(0))
                kind_text = kind.group(1) if kind else b"n"
                value_start = window.find(b"<v>", opening.end()) + 3
                value_end = window.find(b"<", value_start)
                raw = window[value_start:value_end if value_end >= 0 else value_start + 64].strip()[:64]
                why = _bad_value(kind_text, raw)
                if why is not None:
                    self.bad[ref.group(1).decode("ascii")] = why

    def _error_cells(self, window: bytes) -> None:
        for match in _ERROR_CELL.finditer(window):
            ref = _CELL_REF.search(match.group(2) + b" " + match.group(3))
            if ref is None:
                continue
            cell = ref.group(1).decode("ascii")
            if cell in self.errors:
                continue
            prefix = match.group(1)
            end = window.find(b"</" + prefix + b"c>", match.end(), match.end() + 65536)
            value = _ERROR_VALUE.search(window, match.end(), end if end >= 0 else match.end() + 65536)
            if value is None and end < 0:
                continue  # the rest of this cell is in the next block
            self.error_count += 1
            if len(self.errors) < self.limits.max_error_cells:
                self.errors[cell] = value.group(1).decode("utf-8", "replace") if value else "#错误"

    def finish(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Unreadable | None:
        rows = max(self.max_row, self.row_tags, 99_999)
        if rows * self.max_col <= self.limits.max_cells_per_sheet and not self.odd:
            return None
        rows, cols = _exact_extent(archive, info, self.limits)
        if rows > self.limits.max_rows_per_sheet:
            return _too_many_rows(self.name, self.limits)
        if rows * cols > self.limits.max_cells_per_sheet:
            return Unreadable(
                "ZZ-FILE-TOO-LARGE",
                f"{self.name}的数据区域达 {rows:,} 行 × {cols:,} 列，超过上限，"
                "疑似异常文件（或误在很远的单元格填了内容），请检查后再报送",
            )
        return None


def _bad_value(kind: bytes, raw: bytes) -> str | None:
    """Why a stored value is refused (None: it is fine)."""
    text = raw.decode("ascii", "replace")
    if kind == b"s":
        if text.isdigit():
            return None
        return f"单元格存放的文本编号“{text[:20]}”无效（文件内部结构已损坏），无法读出内容"
    if kind != b"n":
        return None
    try:
        value = float(text)
    except ValueError:
        return None  # not a number at all: the reader reports it as it is
    if math.isnan(value):
        return "单元格中的数值为 NaN（不是数字），文件可能被其他软件改动过"
    if math.isinf(value):
        return "单元格中的数值溢出（无穷大），不是有效数字"
    if value < NEGATIVE_LIMIT:
        return f"单元格中的数值 {text[:24]} 超出合理范围"
    return None


def _too_many_rows(name: str, limits: Limits) -> Unreadable:
    return Unreadable(
        "ZZ-FILE-TOO-MANY-ROWS",
        f"{name}超过 {limits.max_rows_per_sheet:,} 行的上限，请检查是否误填或误选了整列格式后再报送",
    )


def _exact_extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> tuple[int, int]:
    """Rows and columns a reader allocates, following every row and cell tag (slow path)."""
    row = 0
    col = 0
    max_row = max_col = 0
    tail = b""
    for chunk in _inflate(archive, info):
        data = tail + chunk
        cut = data.rfind(b"<")
        data, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
        if len(tail) > _TAIL:
            tail = b""
        for match in _TAG.finditer(data):
            ref = _ATTR_R.search(match.group(3))
            if match.group(2) == b"row":
                row = int(ref.group(2)) if ref and not ref.group(1) else row + 1
                col = 0
                max_row = max(max_row, row)
            else:
                if ref and ref.group(1):
                    r, c = int(ref.group(2)), _column_number(ref.group(1))
                else:
                    r, c = row, col + 1
                col = c
                max_row, max_col = max(max_row, r), max(max_col, c)
            if max_row > limits.max_rows_per_sheet or max_row * max_col > limits.max_cells_per_sheet:
                return max_row, max_col
    return max_row, max_col


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml") and "/_rels/" not in name


def _entry_problem(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, budget: list[int],
                   scan: Scan, shown: str | None = None, formula_column: str | None = None) -> Unreadable | None:
    name = info.filename
    is_xml = name.endswith((".xml", ".rels", ".vml"))
    is_sheet = _is_sheet(name)
    if name == "xl/sharedStrings.xml" and info.file_size > limits.max_shared_strings_bytes:
        return _shared_strings_too_large(limits)
    prolog = _Prolog() if is_xml else None
    sheet = _SheetScan(shown or f"工作表文件 {name}", limits, formula_column) if is_sheet else None
    inflated = 0
    tail = b""
    for chunk in _inflate(archive, info):
        inflated += len(chunk)
        budget[0] -= len(chunk)
        if budget[0] < 0:
            return Unreadable(
                "ZZ-FILE-TOO-LARGE",
                f"文件解压后超过 {limits.max_inflated_bytes // (1024 * 1024)} MB 的上限，疑似异常文件（压缩炸弹），已拒绝读取",
            )
        if inflated > _CHUNK and inflated > limits.max_ratio * max(info.compress_size, 1):
            return Unreadable(
                "ZZ-FILE-ZIP-BOMB",
                f"文件中的 {name} 压缩比异常（超过 {limits.max_ratio:g} 倍），疑似压缩炸弹，已拒绝读取",
            )
        if name == "xl/sharedStrings.xml" and inflated > limits.max_shared_strings_bytes:
            return _shared_strings_too_large(limits)
        if prolog is not None and not prolog.feed(chunk):
            return Unreadable("ZZ-FILE-XML-UNSAFE", f"文件中的 {name} {_DOCTYPE_MESSAGE}")
        if sheet is not None:
            first = chunk.find(b"<")
            if first < 0:
                first = len(chunk)
            if tail or first:
                head = tail + chunk[:first]  # the tag cut at the end of the previous chunk
                problem = sheet.feed(head) if head else None
                if problem is not None:
                    return problem
            cut = chunk.rfind(b"<")
            if cut < first or len(chunk) - cut > _TAIL:
                cut = len(chunk)
            problem = sheet.feed(chunk, first, cut)
            if problem is not None:
                return problem
            tail = chunk[cut:]
    if sheet is not None:
        problem = sheet.feed(tail) if tail else None
        if problem is None:
            problem = sheet.finish(archive, info)
        if problem is not None:
            return problem
        if sheet.errors:
            scan.error_cells[name] = sheet.errors
        if sheet.bad:
            scan.bad_cells[name] = sheet.bad
        if sheet.repeated:
            scan.repeated_rows[name] = sheet.repeated
        if sheet.formula_pattern is not None and not sheet.odd:  # odd cells: not this byte pattern's
            scan.formula_rows[name] = sheet.formula_rows
    return None


def _shared_strings_too_large(limits: Limits) -> Unreadable:
    return Unreadable("ZZ-FILE-TOO-LARGE",
                      f"文件中的共享文本超过 {limits.max_shared_strings_bytes // (1024 * 1024)} MB 的上限，疑似异常文件，已拒绝读取")


def scan_file(path: str | Path, limits: Limits = DEFAULT_LIMITS, skip: frozenset[str] = frozenset(),
              formula_columns: Mapping[str, str] | None = None) -> Scan:
    """Everything the preflight learns about ``path`` (``unreadable`` is None when it is safe).

    ``skip``: parts whose contents another process scans (their declared sizes still count).
    ``formula_columns``: sheet name → column letter whose formula cells to list (``Scan.formula_rows``)."""
    scan = Scan()
    scan.unreadable = _scan(Path(path), limits, scan, skip, formula_columns or {})
    return scan


def sheet_parts(path: str | Path) -> dict[str, tuple[str, int]]:
    """Sheet name → (worksheet part, its declared inflated size), read before any scan
    (bytes and regular expressions only, at most 16 MB of each part); {} when unsure."""
    try:
        with zipfile.ZipFile(path) as archive:
            sizes = {info.filename: info.file_size for info in archive.infolist()}
            if max(sizes.get("xl/workbook.xml", 0), sizes.get("xl/_rels/workbook.xml.rels", 0)) > 16 << 20:
                return {}
            return {name: (part, sizes.get(part, 0)) for name, part in _sheet_parts(archive).items()}
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, NotImplementedError, ValueError, KeyError, OSError,
            RuntimeError, zlib.error):  # RuntimeError: an entry flagged encrypted
        return {}


def check_file(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Unreadable | None:
    """None when ``path`` looks like a safe .xlsx/.xlsm workbook; else why not."""
    return scan_file(path, limits).unreadable


def _scan(file: Path, limits: Limits, scan: Scan, skip: frozenset[str] = frozenset(),
          formula_columns: Mapping[str, str] | None = None) -> Unreadable | None:
    try:
        if not file.is_file():
            return Unreadable("ZZ-FILE-IO", "不是普通文件（可能是文件夹或设备），无法作为工作簿读取")
        size = file.stat().st_size
        with file.open("rb") as handle:
            magic = handle.read(8)
    except OSError as exc:
        return Unreadable("ZZ-FILE-IO", f"无法打开文件：{exc.strerror or exc}")
    if size == 0:
        return Unreadable("ZZ-FILE-EMPTY", "文件是空的（0 字节），请重新导出后报送")
    if magic.startswith(OLE_MAGIC):
        return _ole_problem(file)
    if not magic.startswith(ZIP_MAGIC):
        return Unreadable("ZZ-FILE-NOT-XLSX", "不是 Excel 工作簿（.xlsx）文件，请用 Excel 或 WPS 另存为 .xlsx 后报送")
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if len(infos) > limits.max_entries:
                return Unreadable("ZZ-FILE-TOO-LARGE", f"文件包含 {len(infos)} 个部件，超过上限，疑似异常文件")
            if "xl/workbook.bin" in names:
                return Unreadable("ZZ-FILE-XLSB", "这是二进制工作簿（.xlsb），请在 Excel 中另存为 .xlsx 后报送")
            if any(info.flag_bits & 0x1 for info in infos):
                return Unreadable("ZZ-FILE-ENCRYPTED", "文件已加密，请去掉密码后报送")
            if "mimetype" in names and b"opendocument" in archive.open("mimetype").read(200):
                return Unreadable("ZZ-FILE-NOT-XLSX", "这是 OpenDocument 表格（.ods），请用 WPS 或 Excel 另存为 .xlsx 后报送")
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                return Unreadable("ZZ-FILE-NOT-XLSX", "压缩包里没有 Excel 工作簿的内容，不是 .xlsx 文件")
            if any(info.flag_bits & 0x1 for info in infos):
                return Unreadable("ZZ-FILE-ENCRYPTED", "文件已加密，请去掉密码后报送")
            if sum(info.file_size for info in infos) > limits.max_inflated_bytes:
                return Unreadable(
                    "ZZ-FILE-TOO-LARGE",
                    f"文件解压后超过 {limits.max_inflated_bytes // (1024 * 1024)} MB 的上限，疑似异常文件（压缩炸弹），已拒绝读取",
                )
            budget = [limits.max_inflated_bytes]
            declared = {n: i.file_size for n, i in ((i.filename, i) for i in infos)}
            small = max(declared.get("xl/workbook.xml", 0), declared.get("xl/_rels/workbook.xml.rels", 0)) < 16 << 20
            parts = _sheet_parts(archive) if small else {}
            names = {part: f"工作表「{sheet}」（{part}）" for sheet, part in parts.items()}
            wanted = {part: formula_columns[sheet] for sheet, part in parts.items() if sheet in (formula_columns or {})}
            scan.part_keys = {info.filename: (info.CRC, info.file_size) for info in infos}
            for info in infos:
                if info.is_dir() or info.filename in skip:
                    continue
                key = _content_key(archive, info, limits, wanted.get(info.filename)) if _is_sheet(info.filename) else None
                if key is not None:
                    scan.part_keys[info.filename] = (info.CRC, info.file_size, key)
                    if _reuse(key, info, scan, budget):
                        continue
                problem = _entry_problem(archive, info, limits, budget, scan, names.get(info.filename),
                                         wanted.get(info.filename))
                if problem is not None:
                    return problem
                if key is not None:
                    _remember(key, info.filename, scan)
            scan.sheet_parts = parts if small else _sheet_parts(archive)
    except NotImplementedError:
        return Unreadable("ZZ-FILE-CORRUPT", "文件使用了不支持的压缩方式，请用 Excel 另存为 .xlsx 后报送")
    except RuntimeError:  # zipfile: an entry that needs a password
        return Unreadable("ZZ-FILE-ENCRYPTED", "文件已加密，请去掉密码后报送")
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, ValueError, KeyError, _Mismatch, zlib.error) as exc:
        return Unreadable("ZZ-FILE-CORRUPT", f"文件已损坏或不完整（可能传输中断）：{_zip_reason(exc)}")
    except OSError as exc:
        return Unreadable("ZZ-FILE-IO", f"读取文件出错：{exc.strerror or exc}")
    return None


_SEEN_PARTS: dict[bytes, tuple[Any, ...]] = {}
"""Worksheet parts this process has scanned and found readable, by ``_content_key``: what the
scan found in each (error cells, bad values, repeated rows, formula rows).  Files made from
one template share their large unchanging sheets (工作日历, 填报说明), scanned once."""
_SEEN_LIMIT = 64
_REUSE_BYTES = 64 * 1024
"""Worksheets inflating to less are scanned every time (hashing them would save nothing)."""


def _content_key(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits,
                 formula_column: str | None) -> bytes | None:
    """A digest of a large worksheet part's stored bytes and what they must inflate to
    (method, size, CRC-32), and of what is asked of the scan: the same digest, the same
    findings.  None for a small part or one whose stored bytes cannot be read as declared."""
    if info.file_size < _REUSE_BYTES or info.compress_size > limits.max_inflated_bytes:
        return None
    try:
        handle = _at_stored_data(archive, info)
    except _Mismatch:
        return None  # the full scan refuses it
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{info.compress_type}:{info.file_size}:{info.CRC}:{formula_column}:{limits!r}".encode())
    remaining = info.compress_size
    while remaining > 0:
        data = handle.read(min(_CHUNK, remaining))
        if not data:
            return None
        digest.update(data)
        remaining -= len(data)
    return digest.digest()


def _reuse(key: bytes, info: zipfile.ZipInfo, scan: Scan, budget: list[int]) -> bool:
    """The findings of a part scanned before with the same contents, entered for ``info``."""
    seen = _SEEN_PARTS.get(key)
    if seen is None:
        return False
    budget[0] -= info.file_size
    errors, bad, repeated, formulas = seen
    name = info.filename
    if errors:
        scan.error_cells[name] = dict(errors)
    if bad:
        scan.bad_cells[name] = dict(bad)
    if repeated:
        scan.repeated_rows[name] = list(repeated)
    if formulas is not None:
        scan.formula_rows[name] = set(formulas)
    return True


def _remember(key: bytes, name: str, scan: Scan) -> None:
    if len(_SEEN_PARTS) >= _SEEN_LIMIT:
        _SEEN_PARTS.pop(next(iter(_SEEN_PARTS)))
    formulas = scan.formula_rows.get(name)
    _SEEN_PARTS[key] = (dict(scan.error_cells.get(name, {})), dict(scan.bad_cells.get(name, {})),
                        list(scan.repeated_rows.get(name, [])), None if formulas is None else frozenset(formulas))


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part, from xl/workbook.xml and its relationships (already
    checked above: no DOCTYPE).  Only needed when some cell holds an error value."""
    try:
        workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets: dict[str, str] = {}
    for tag in re.findall(r"<(?:[\w.-]+:)?Relationship\s[^>]*>", rels):
        attrs = dict(_ATTR.findall(tag))
        target = attrs.get("Target", "")
        if target.startswith("/"):
            target = target[1:]
        elif target:
            target = "xl/" + target
        targets[attrs.get("Id", "")] = target
    parts: dict[str, str] = {}
    for tag in _SHEET_DECL.findall(workbook):
        attrs = _ATTR.findall(tag)
        name = next((v for k, v in attrs if k == "name"), None)
        rid = next((v for k, v in attrs if k.endswith(":id")), None)
        if name is not None and rid in targets:
            parts[_unescape(name)] = targets[rid]
    return parts


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))


def _zip_reason(exc: Exception) -> str:
    if isinstance(exc, _Mismatch):
        return "压缩数据与文件目录不符"
    text = str(exc)
    if "CRC" in text or "Bad CRC" in text:
        return "校验失败"
    if "not a zip file" in text.lower() or "End-of-central-directory" in text:
        return "找不到压缩包目录"
    return "无法解压"


def _ole_problem(file: Path) -> Unreadable:
    """An OLE compound file is either a legacy .xls or an encrypted OOXML package."""
    try:
        with file.open("rb") as handle:
            data = handle.read(4 * 1024 * 1024)
    except OSError as exc:
        return Unreadable("ZZ-FILE-IO", f"无法打开文件：{exc.strerror or exc}")
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
        return Unreadable("ZZ-FILE-ENCRYPTED", "文件设置了打开密码（已加密），请去掉密码后报送")
    return Unreadable("ZZ-FILE-XLS", "这是旧版 Excel 97-2003 工作簿（.xls），请在 Excel 中另存为 .xlsx 后报送")


def open_book(path: str | Path):  # -> CalamineWorkbook
    """The calamine reader of ``path``: by name, or — a name that is not valid UTF-8 (GBK
    names, as a zip made on Chinese Windows unpacks them) — from the open file."""
    from python_calamine import CalamineWorkbook

    name = str(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        with open(path, "rb") as handle:
            return CalamineWorkbook.from_filelike(handle)
    return CalamineWorkbook.from_path(name)


@contextlib.contextmanager
def readable_copy(path: str | Path, scan: Scan) -> Iterator[Path]:
    """``path`` itself, or — when the scan found cells no reader should be given (NaN,
    ±inf, impossible shared-string indexes) — a private temporary copy with those cells
    blank (they are reported at their cell).  The copy is removed afterwards."""
    if not scan.bad_cells:
        yield Path(path)
        return
    handle, name = tempfile.mkstemp(prefix="zhuize-read-", suffix=".xlsx")  # 0600: the copy holds the file's data
    os.close(handle)
    try:
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(name, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                data = source.read(info)  # parts are bounded by the scan's limits
                cells = scan.bad_cells.get(info.filename)
                if cells:
                    data = _blank_cells(data, set(cells))
                target.writestr(info, data, zipfile.ZIP_DEFLATED)
        yield Path(name)
    finally:
        os.unlink(name)


def _blank_cells(data: bytes, cells: set[str]) -> bytes:
    refs = b"|".join(re.escape(c.encode("ascii")) for c in sorted(cells))
    pattern = re.compile(rb'<c\s(?=[^>]*?\br="(' + refs + rb')")[^>]*?(?:/>|>.*?</c>)', re.DOTALL)
    return pattern.sub(lambda m: b'<c r="' + m.group(1) + b'"/>', data)


def formula_rows(path: str | Path, part: str, column: str) -> set[int] | None:
    """The rows (1-based) of worksheet ``part`` whose cell in ``column`` (``AE``) holds a
    formula (its own or a shared one); None when the part cannot be read or uses an XML
    prefix this byte pattern does not follow.  Reads the part whole (the scan bounded its size)."""
    try:
        with zipfile.ZipFile(path) as archive:
            data = archive.read(part)
    except (KeyError, zipfile.BadZipFile, OSError, RuntimeError, ValueError, zlib.error, EOFError):
        return None
    if _PREFIXED_CELL.search(data) or b'<c r="' not in data:
        return None  # prefixed elements or cells without their reference first: not this pattern's
    return {int(m.group(1)) for m in _formula_pattern(column).finditer(data) if not m.group(2) and m.group(3)}


_PREFIXED_CELL = re.compile(rb"<[\w.-]+:c[\s>/]")


def _formula_pattern(column: str) -> re.Pattern[bytes]:
    """A cell of ``column`` opened with its reference first: (row, "/" when empty, "<f" when a formula)."""
    return re.compile(rb'<c r="' + re.escape(column.encode("ascii")) + rb'(\d+)"[^>]*?(/?)>\s*(<f[\s>/])?')
_SHARED_CELL = re.compile(rb'<c\s[^>]*?\bt="s"[^>]*>\s*<v>\s*(\d+)\s*</v>')
_SHARED_ITEM = re.compile(rb"<(?:[\w.-]+:)?si[\s>/]")


def shared_index_cells(path: str | Path, parts: list[str]) -> dict[str, dict[str, str]]:
    """Cells of these worksheet parts whose shared-string index lies beyond the shared-string
    table (the parser refuses the whole sheet for one of them): part → cell → why.  Only
    called for a sheet that failed; reads the parts whole (the scan bounded their size)."""
    found: dict[str, dict[str, str]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            table = archive.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in names else b""
            count = len(_SHARED_ITEM.findall(table))
            for part in parts:
                if part not in names:
                    continue
                data = archive.read(part)
                for match in _SHARED_CELL.finditer(data):
                    if int(match.group(1)) >= count:
                        ref = _CELL_REF.search(match.group(0))
                        if ref is not None:
                            found.setdefault(part, {})[ref.group(1).decode("ascii")] = (
                                f"单元格存放的文本编号 {int(match.group(1))} 超出文件中的文本表（共 {count} 项），"
                                "文件内部结构已损坏，无法读出内容")
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, zlib.error, EOFError):
        return {}
    return found
