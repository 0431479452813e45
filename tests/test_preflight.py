"""Hostile and broken files are reported as unreadable with a reason, never parsed."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from addin.preflight import OLE_MAGIC, Limits, check_file

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


@pytest.mark.parametrize(("rows", "refused"), [(300_000, False), (300_001, True)])
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
        assert "300,000" in problem.message
    else:
        assert problem is None


def test_missing_file(tmp_path: Path) -> None:
    problem = check_file(tmp_path / "nowhere.xlsx")
    assert problem is not None and problem.code == "ZZ-FILE-IO"
