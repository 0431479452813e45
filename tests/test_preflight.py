"""Hostile and broken files are reported as unreadable with a reason, never parsed."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from addin.workbook.preflight import OLE_MAGIC, Limits, check_file

CONTENT_TYPES = b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
WORKBOOK = b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'


def _xlsx(path: Path, sheet: bytes, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def _sheet(rows: int) -> bytes:
    body = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, rows + 1))
    return b'<?xml version="1.0"?><worksheet><sheetData>' + body + b"</sheetData></worksheet>"


def test_a_small_plain_workbook_passes(tmp_path: Path) -> None:
    assert check_file(_xlsx(tmp_path / "ok.xlsx", _sheet(10))) is None


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    problem = check_file(path)
    assert problem is not None and problem.code == "ZZ-FILE-EMPTY"
    assert "空" in problem.message


def test_text_file_renamed_to_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("这不是工作簿", encoding="utf-8")
    problem = check_file(path)
    assert problem is not None and problem.code == "ZZ-FILE-NOT-XLSX"


def test_legacy_xls(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(OLE_MAGIC + b"\0" * 504 + "Workbook".encode("utf-16-le") + b"\0" * 1024)
    problem = check_file(path)
    assert problem is not None and problem.code == "ZZ-FILE-XLS"
    assert ".xls" in problem.message and "另存为 .xlsx" in problem.message


def test_encrypted_workbook(tmp_path: Path) -> None:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(OLE_MAGIC + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 1024)
    problem = check_file(path)
    assert problem is not None and problem.code == "ZZ-FILE-ENCRYPTED"
    assert "密码" in problem.message


def test_truncated_workbook(tmp_path: Path) -> None:
    whole = _xlsx(tmp_path / "whole.xlsx", _sheet(2000)).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    problem = check_file(path)
    assert problem is not None and problem.code == "ZZ-FILE-CORRUPT"
    assert "损坏" in problem.message


def test_zip_without_workbook_parts(tmp_path: Path) -> None:
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.txt", b"x")
    problem = check_file(path)
    assert problem is not None and problem.code == "ZZ-FILE-NOT-XLSX"


def test_xlsb(tmp_path: Path) -> None:
    path = tmp_path / "binary.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.bin", b"\0" * 10)
    problem = check_file(path)
    assert problem is not None and problem.code == "ZZ-FILE-XLSB"


def test_zip_bomb_is_stopped_before_inflating_it_all(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        with archive.open("xl/worksheets/sheet1.xml", "w") as entry:
            entry.write(b"<?xml version='1.0'?><worksheet><sheetData>")
            zeros = b" " * (1 << 20)
            for _ in range(300):  # 300 MiB of blanks, about 300 KiB compressed
                entry.write(zeros)
    assert path.stat().st_size < 2 * 1024 * 1024
    problem = check_file(path)
    assert problem is not None and problem.code == "ZZ-FILE-ZIP-BOMB"


def test_total_inflated_size_is_bounded(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "big.xlsx", _sheet(5000))
    problem = check_file(path, Limits(max_inflated_bytes=50_000))
    assert problem is not None and problem.code == "ZZ-FILE-TOO-LARGE"


def test_xml_external_entity_is_refused_and_its_target_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("绝密内容-XXE-TARGET", encoding="utf-8")
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>'
    ).encode()
    problem = check_file(_xlsx(tmp_path / "xxe.xlsx", sheet))
    assert problem is not None and problem.code == "ZZ-FILE-XML-UNSAFE"
    assert "绝密内容" not in problem.message


def test_entity_expansion_in_a_relationship_part(tmp_path: Path) -> None:
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><Relationships/>'
    problem = check_file(_xlsx(tmp_path / "lol.xlsx", _sheet(1), {"_rels/.rels": laughs}))
    assert problem is not None and problem.code == "ZZ-FILE-XML-UNSAFE"


@pytest.mark.parametrize(("rows", "refused"), [(120_000, False), (120_001, True)])
def test_row_limit_boundary(tmp_path: Path, rows: int, refused: bool) -> None:
    path = tmp_path / "rows.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        with archive.open("xl/worksheets/sheet1.xml", "w") as entry:
            entry.write(b"<worksheet><sheetData>")
            for start in range(1, rows + 1, 10_000):
                stop = min(start + 10_000, rows + 1)
                entry.write(b"".join(b'<row r="%d"/>' % i for i in range(start, stop)))
            entry.write(b"</sheetData></worksheet>")
    problem = check_file(path)
    if refused:
        assert problem is not None and problem.code == "ZZ-FILE-TOO-MANY-ROWS"
        assert "120,000" in problem.message
    else:
        assert problem is None


def test_missing_file(tmp_path: Path) -> None:
    problem = check_file(tmp_path / "nowhere.xlsx")
    assert problem is not None and problem.code == "ZZ-FILE-IO"


# -- the bounding box of a sheet, not only its row count ---------------------------------------------------


def _cells(*refs: str) -> bytes:
    rows = {}
    for ref in refs:
        number = int("".join(ch for ch in ref if ch.isdigit()))
        rows.setdefault(number, []).append(ref)
    body = b"".join(b'<row r="%d">' % n + b"".join(b'<c r="%s"><v>1</v></c>' % r.encode() for r in refs_) + b"</row>"
                    for n, refs_ in sorted(rows.items()))
    return b'<?xml version="1.0"?><worksheet><sheetData>' + body + b"</sheetData></worksheet>"


def test_one_cell_in_a_far_corner_is_refused(tmp_path: Path) -> None:
    """Two cells, A1 and XFD100000: a reader would allocate 100,000 × 16,384 cells."""
    problem = check_file(_xlsx(tmp_path / "far.xlsx", _cells("A1", "XFD100000")))
    assert problem is not None and problem.code == "ZZ-FILE-TOO-LARGE"
    assert "16,384" in problem.message


def test_one_cell_on_a_far_row_is_refused(tmp_path: Path) -> None:
    problem = check_file(_xlsx(tmp_path / "far.xlsx", _cells("A1", "B1000000")))
    assert problem is not None and problem.code == "ZZ-FILE-TOO-MANY-ROWS"


def test_a_normal_wide_sheet_passes(tmp_path: Path) -> None:
    assert check_file(_xlsx(tmp_path / "wide.xlsx", _cells("A1", "AA1", "AZ5000"))) is None


def test_cells_placed_by_position_are_counted(tmp_path: Path) -> None:
    """Cells without a reference take the next column: 20,000 of them in one row."""
    sheet = b"<worksheet><sheetData><row>" + b"<c><v>1</v></c>" * 20_000 + b"</row>" + \
        b"".join(b"<row><c><v>1</v></c></row>" for _ in range(1000)) + b"</sheetData></worksheet>"
    problem = check_file(_xlsx(tmp_path / "refless.xlsx", sheet))
    assert problem is not None and problem.code == "ZZ-FILE-TOO-LARGE"
    small = b"<worksheet><sheetData>" + b"<row><c><v>1</v></c><c><v>2</v></c></row>" * 50 + b"</sheetData></worksheet>"
    assert check_file(_xlsx(tmp_path / "small.xlsx", small)) is None


def test_prefixed_elements_are_followed_exactly(tmp_path: Path) -> None:
    ns = b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    sheet = b"<x:worksheet " + ns + b"><x:sheetData>" + \
        b"".join(b"<x:row><x:c><x:v>%d</x:v></x:c></x:row>" % (i * 7919) for i in range(300_001)) + \
        b"</x:sheetData></x:worksheet>"
    problem = check_file(_xlsx(tmp_path / "prefixed.xlsx", sheet))
    assert problem is not None and problem.code == "ZZ-FILE-TOO-MANY-ROWS"


def test_doctype_hidden_after_a_comment(tmp_path: Path) -> None:
    sheet = (b'<?xml version="1.0"?><!-- <a> not the root --><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/hostname">]>'
             b"<worksheet><sheetData/></worksheet>")
    problem = check_file(_xlsx(tmp_path / "hidden.xlsx", sheet))
    assert problem is not None and problem.code == "ZZ-FILE-XML-UNSAFE"


def test_doctype_in_utf16(tmp_path: Path) -> None:
    sheet = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e "x">]><worksheet/>'.encode("utf-16")
    problem = check_file(_xlsx(tmp_path / "utf16.xlsx", sheet))
    assert problem is not None and problem.code == "ZZ-FILE-XML-UNSAFE"


def test_a_part_that_inflates_beyond_its_declared_size(tmp_path: Path) -> None:
    """Python's zipfile stops at the declared size; the data must not be trusted beyond it."""
    import zlib

    big = b"<worksheet><sheetData>" + b" " * (3 << 20) + b"</sheetData></worksheet>"
    path = _xlsx(tmp_path / "lies.xlsx", big)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        entry = archive.getinfo("xl/worksheets/sheet1.xml")
    claimed, checksum = (100).to_bytes(4, "little"), zlib.crc32(big[:100]).to_bytes(4, "little")
    raw[entry.header_offset + 14:entry.header_offset + 18] = checksum
    raw[entry.header_offset + 22:entry.header_offset + 26] = claimed
    record = raw.find(b"PK\x01\x02")
    while record >= 0:
        length = int.from_bytes(raw[record + 28:record + 30], "little")
        if bytes(raw[record + 46:record + 46 + length]) == b"xl/worksheets/sheet1.xml":
            raw[record + 16:record + 20] = checksum
            raw[record + 24:record + 28] = claimed
            break
        record = raw.find(b"PK\x01\x02", record + 46)
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as archive:
        assert len(archive.read("xl/worksheets/sheet1.xml")) == 100  # zipfile is fooled
    problem = check_file(path)
    assert problem is not None and problem.code == "ZZ-FILE-CORRUPT"


def test_error_values_are_listed(tmp_path: Path) -> None:
    from addin.workbook.preflight import scan_file

    sheet = ('<worksheet><sheetData><row r="1"><c r="A1" t="e"><v>#REF!</v></c><c r="B1" t="str"><f>X()</f>'
             '<v>#参数错误</v></c><c r="C1" s="2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row></sheetData></worksheet>'
             ).encode()
    scan = scan_file(_xlsx(tmp_path / "errors.xlsx", sheet))
    assert scan.unreadable is None
    assert scan.error_cells == {"xl/worksheets/sheet1.xml": {"A1": "#REF!", "C1": "#DIV/0!"}}


def test_the_formula_cells_of_one_column_are_listed_across_blocks() -> None:
    """自查's column: cells with a formula (own or shared) are listed; a value typed over it
    or an empty cell is not; a cell whose formula starts in the next block counts as one."""
    from addin.workbook.preflight import DEFAULT_LIMITS, _SheetScan

    scan = _SheetScan("工作表", DEFAULT_LIMITS, "AE")
    assert scan.feed(b'<row r="2"><c r="AD2"><f>1</f><v>1</v></c><c r="AE2" s="1"><f>1+1</f><v>2</v></c></row>'
                     b'<row r="3"><c r="AE3" s="1"><v>5</v></c><c r="AE30"><v>1</v></c></row>'
                     b'<row r="4"><c r="AE4" s="1"/></row><row r="5"><c r="AE5" t="str">') is None
    assert scan.feed(b'<f t="shared" si="0"/><v></v></c></row><row r="6"><c r="AEB6"><f>1</f></c></row>') is None
    assert scan.formula_rows == {2, 5}


@pytest.mark.parametrize("cell", [b'<c\tr="XFD1048576">', b'<c\nr="XFD1048576">', b'<c r="ABCD7">'])
def test_a_far_cell_written_unusually_is_measured_too(tmp_path: Path, cell: bytes) -> None:
    """A tab or newline after ``<c``, or a four-letter column, is still a cell to a reader
    (calamine places it where its reference says): the box it spans is measured."""
    body = b'<row r="1"><c r="A1"><v>1</v></c></row>' + b'<row r="2">' + cell + b"<v>1</v></c></row>"
    far = b'<row r="99990"><c r="A99990"><v>1</v></c></row>'
    sheet = b'<?xml version="1.0"?><worksheet><sheetData>' + body + far + b"</sheetData></worksheet>"
    problem = check_file(_xlsx(tmp_path / "far.xlsx", sheet))
    assert problem is not None and problem.code in ("ZZ-FILE-TOO-MANY-ROWS", "ZZ-FILE-TOO-LARGE"), problem


def test_a_large_sheet_seen_before_is_not_scanned_again_but_keeps_its_findings(tmp_path: Path) -> None:
    """Files made from one template share their large unchanging sheets: the second file's
    copy is known by a digest of its stored bytes and keeps the first one's findings; one
    byte different is another sheet, scanned in full."""
    from addin.workbook import preflight
    from addin.workbook.preflight import scan_file

    body = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(1, 4000))
    error = b'<row r="4000"><c r="B4000" t="e"><v>#REF!</v></c></row>'
    sheet = b'<?xml version="1.0"?><worksheet><sheetData>' + body + error + b"</sheetData></worksheet>"
    assert len(sheet) > preflight._REUSE_BYTES
    first = scan_file(_xlsx(tmp_path / "a.xlsx", sheet))
    scanned = dict(preflight._SEEN_PARTS)
    second = scan_file(_xlsx(tmp_path / "b.xlsx", sheet))
    assert first.unreadable is None and second.unreadable is None
    assert second.error_cells == first.error_cells == {"xl/worksheets/sheet1.xml": {"B4000": "#REF!"}}
    assert len(second.part_keys["xl/worksheets/sheet1.xml"]) == 3 and preflight._SEEN_PARTS == scanned
    far = sheet.replace(b'<c r="A3999">', b'<c r="A150000">')
    problem = scan_file(_xlsx(tmp_path / "c.xlsx", far)).unreadable
    assert problem is not None and problem.code == "ZZ-FILE-TOO-MANY-ROWS"
