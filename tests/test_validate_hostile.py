"""Hostile and broken files through ``zhuize validate``: each reported per file as
unreadable with a clear reason and a stable code, never a traceback, within bounded
memory and time — and the good file in the same folder is still checked.

The command runs in a subprocess (``addin.cli.main``) under an address-space limit, and
reports its own peak memory, so a parser that inflated a bomb or allocated a million
rows would fail here instead of taking the machine down.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

import pytest

from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS
from addin.workbook.templates import build_template, default_options

ROOT = Path(__file__).resolve().parents[1]
SECRET = "绝密-XXE-目标文件内容-7f3a9c"
MEMORY_LIMIT = 3 * 1024**3  # address space of the subprocess
PEAK_RSS_LIMIT_MB = 600  # its peak resident memory (Python, numpy, pydantic, calamine loaded: ~150 MB)

SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = b"</sheetData></worksheet>"


def _good(folder: Path) -> Path:
    records = {key: [dict(r) for r in rows] for key, rows in SAMPLE_RECORDS.items()}
    records["clues"][3]["event_report_date"] = SAMPLE_INFO["report_date"]
    return build_template(folder / "good.xlsx", default_options("central-2026", rows=10), SAMPLE_INFO, records)


def _replace_part(source: Path, target: Path, part: str, data: bytes | None = None,
                  stream: object = None) -> Path:
    """A copy of ``source`` with one part replaced (``stream``: a callable writing it in chunks)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename != part:
                new.writestr(info, old.read(info.filename))
            elif stream is not None:
                with new.open(part, "w", force_zip64=True) as entry:
                    stream(entry)  # type: ignore[operator]
            else:
                new.writestr(part, data or b"")
    return target


def _sheet_part(source: Path, sheet: str) -> str:
    from addin.workbook.preflight import sheet_parts

    return sheet_parts(source)[sheet][0]


def _million_rows(entry: io.RawIOBase) -> None:
    entry.write(SHEET_HEAD)
    for start in range(1, 1_000_001, 50_000):
        entry.write(b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(start, start + 50_000)))
    entry.write(SHEET_TAIL)


def _lying_sizes(source: Path, target: Path, part: str) -> Path:
    """A part whose data inflates to 60 MB while the directory claims 200 bytes (with the
    checksum of those 200): a reader that trusts the directory sees a small, valid part."""
    big = SHEET_HEAD + b"<row>" + b" " * (60 << 20) + b"</row>" + SHEET_TAIL
    _replace_part(source, target, part, big)
    raw = bytearray(target.read_bytes())
    with zipfile.ZipFile(target) as archive:
        entry = archive.getinfo(part)
    claimed = len(big[:200]).to_bytes(4, "little")
    checksum = zlib.crc32(big[:200]).to_bytes(4, "little")
    local = entry.header_offset
    raw[local + 14:local + 18] = checksum
    raw[local + 22:local + 26] = claimed
    name = part.encode()
    record = raw.find(b"PK\x01\x02")
    while record >= 0:
        length = int.from_bytes(raw[record + 28:record + 30], "little")
        if bytes(raw[record + 46:record + 46 + length]) == name:
            raw[record + 16:record + 20] = checksum
            raw[record + 24:record + 28] = claimed
            break
        record = raw.find(b"PK\x01\x02", record + 46)
    target.write_bytes(bytes(raw))
    with zipfile.ZipFile(target) as archive:  # Python's zipfile is fooled: 200 valid bytes
        assert archive.read(part) == big[:200]
    return target


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[str, str]], Path]:
    """The folder, and per file name its expected (status, code)."""
    base = tmp_path_factory.mktemp("hostile")
    folder = base / "下级报表"
    folder.mkdir()
    work = base / "work"
    work.mkdir()
    good = _good(work)
    expected: dict[str, tuple[str, str]] = {}

    shutil.copy(good, folder / "good.xlsx")
    expected["good.xlsx"] = ("valid", "")

    (folder / "not-a-workbook.xlsx").write_text("这不是工作簿，只是一段文字。", encoding="utf-8")
    expected["not-a-workbook.xlsx"] = ("unreadable", "ZZ-FILE-NOT-XLSX")

    data = good.read_bytes()
    (folder / "truncated.xlsx").write_bytes(data[: len(data) * 2 // 3])
    expected["truncated.xlsx"] = ("unreadable", "ZZ-FILE-CORRUPT")

    (folder / "empty.xlsx").write_bytes(b"")
    expected["empty.xlsx"] = ("unreadable", "ZZ-FILE-EMPTY")

    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    with good.open("rb") as plain, (folder / "encrypted.xlsx").open("wb") as locked:
        OOXMLFile(plain).encrypt("密码1234", locked)
    assert msoffcrypto.OfficeFile(io.BytesIO((folder / "encrypted.xlsx").read_bytes())).is_encrypted()
    expected["encrypted.xlsx"] = ("unreadable", "ZZ-FILE-ENCRYPTED")

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is needed to write a real .xls")
    profile = (base / "lo-profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "xls",
                    "--outdir", str(work), str(good)], check=True, capture_output=True, timeout=300)
    shutil.copy(work / "good.xls", folder / "old-format.xls")
    expected["old-format.xls"] = ("unreadable", "ZZ-FILE-XLS")

    clues = _sheet_part(good, "问题线索台账")

    def bomb(entry: io.RawIOBase) -> None:
        entry.write(SHEET_HEAD)
        blank = b" " * (1 << 20)
        for _ in range(64):  # 64 MiB of blanks: about 64 KiB compressed
            entry.write(blank)
        entry.write(SHEET_TAIL)

    _replace_part(good, folder / "zip-bomb.xlsx", clues, stream=bomb)
    expected["zip-bomb.xlsx"] = ("unreadable", "ZZ-FILE-ZIP-BOMB")

    _lying_sizes(good, folder / "lying-sizes.xlsx", clues)
    expected["lying-sizes.xlsx"] = ("unreadable", "ZZ-FILE-CORRUPT")

    secret = base / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    with zipfile.ZipFile(good) as archive:
        strings = archive.read("xl/sharedStrings.xml").decode("utf-8")
    declaration = f'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    head, _, rest = strings.partition("?>")
    poisoned = f"{head}?>{declaration}{rest}".replace("<t>XS-2026-001</t>", "<t>&xxe;</t>", 1)
    _replace_part(good, folder / "xxe.xlsx", "xl/sharedStrings.xml", poisoned.encode("utf-8"))
    expected["xxe.xlsx"] = ("unreadable", "ZZ-FILE-XML-UNSAFE")

    hidden = f"{head}?><!-- <a> a comment first -->{declaration}{rest}".replace("<t>XS-2026-001</t>", "<t>&xxe;</t>", 1)
    _replace_part(good, folder / "xxe-after-comment.xlsx", "xl/sharedStrings.xml", hidden.encode("utf-8"))
    expected["xxe-after-comment.xlsx"] = ("unreadable", "ZZ-FILE-XML-UNSAFE")

    _replace_part(good, folder / "million-rows.xlsx", clues, stream=_million_rows)
    expected["million-rows.xlsx"] = ("unreadable", "ZZ-FILE-TOO-MANY-ROWS")

    far = SHEET_HEAD + b'<row r="1"><c r="A1"><v>1</v></c></row><row r="100000"><c r="XFD100000"><v>1</v></c></row>' \
        + SHEET_TAIL
    _replace_part(good, folder / "far-corner.xlsx", clues, far)
    expected["far-corner.xlsx"] = ("unreadable", "ZZ-FILE-TOO-LARGE")

    refless = SHEET_HEAD + b"<row>" + b"<c><v>1</v></c>" * 20_000 + b"</row>" * 1 + \
        b"".join(b"<row><c><v>1</v></c></row>" for _ in range(1000)) + SHEET_TAIL
    _replace_part(good, folder / "cells-by-position.xlsx", clues, refless)
    expected["cells-by-position.xlsx"] = ("unreadable", "ZZ-FILE-TOO-LARGE")
    return folder, expected, secret


RUNNER = textwrap.dedent("""\
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    from addin.cli import main
    code = main(sys.argv[2:])
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    open(sys.argv[1], "w").write(json.dumps({{"code": code, "peak_mb": peak // 1024}}))
    sys.exit(code)
""")


@pytest.fixture(scope="module")
def run(corpus: tuple[Path, dict[str, tuple[str, str]], Path],
        tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder, _, _ = corpus
    out = tmp_path_factory.mktemp("out")
    runner = out / "runner.py"
    runner.write_text(RUNNER.format(limit=MEMORY_LIMIT), encoding="utf-8")
    stats = out / "stats.json"
    report = out / "report.json"
    annotated = out / "annotated"
    done = subprocess.run(
        [sys.executable, str(runner), str(stats), "validate", str(folder), "--json", str(report),
         "--annotate", str(annotated)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    return {"done": done, "stats": json.loads(stats.read_text()), "report": json.loads(report.read_text(encoding="utf-8")),
            "annotated": annotated}


def test_every_file_is_reported_with_its_reason(run: dict[str, object],
                                                corpus: tuple[Path, dict[str, tuple[str, str]], Path]) -> None:
    _, expected, _ = corpus
    report = run["report"]
    assert isinstance(report, dict)
    got = {}
    for entry in report["files"]:
        name = Path(entry["path"]).name
        codes = [e["code"] for e in entry["errors"]]
        got[name] = (entry["status"], codes[0] if entry["status"] == "unreadable" else "")
        if entry["status"] == "unreadable":
            assert len(codes) == 1 and entry["errors"][0]["cell"] is None
            assert entry["errors"][0]["message"] and not entry["errors"][0]["message"].isascii()
    assert got == expected
    assert report["summary"] == {"valid": 1, "invalid": 0, "unreadable": len(expected) - 1}


def test_exit_code_and_no_traceback(run: dict[str, object]) -> None:
    done = run["done"]
    assert isinstance(done, subprocess.CompletedProcess)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "无法读取" in done.stdout and "good.xlsx：通过" in done.stdout


def test_memory_stays_bounded(run: dict[str, object]) -> None:
    stats = run["stats"]
    assert isinstance(stats, dict)
    assert stats["code"] == 2
    assert stats["peak_mb"] < PEAK_RSS_LIMIT_MB, stats


def test_the_xxe_target_never_appears(run: dict[str, object],
                                      corpus: tuple[Path, dict[str, tuple[str, str]], Path]) -> None:
    done = run["done"]
    assert isinstance(done, subprocess.CompletedProcess)
    assert SECRET not in done.stdout and SECRET not in done.stderr
    assert SECRET not in json.dumps(run["report"], ensure_ascii=False)
    annotated = run["annotated"]
    assert isinstance(annotated, Path)
    for path in annotated.rglob("*") if annotated.exists() else []:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                assert SECRET.encode() not in archive.read(name)
    _, _, secret = corpus
    assert secret.read_text(encoding="utf-8") == SECRET


def test_the_hostile_files_are_never_annotated(run: dict[str, object]) -> None:
    annotated = run["annotated"]
    assert isinstance(annotated, Path)
    assert not annotated.exists() or list(annotated.iterdir()) == []
