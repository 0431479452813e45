"""Preflight: is a file a workbook we can safely read?  Checked before any parser runs.

Subsidiaries' files come from anywhere: an old .xls, an encrypted file, a truncated
download, a zip bomb, XML with external entities, a sheet of a million rows.  Each is
reported as unreadable with a clear Chinese reason and a stable code — never a
traceback — within bounded memory and time: entries are streamed in chunks, inflated
bytes and rows are counted against limits, and no XML is parsed here at all.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Bounds on what one input file may inflate to."""

    max_entries: int = 5_000
    max_inflated_bytes: int = 1_500 * 1024 * 1024
    max_ratio: float = 200.0  # inflated ÷ compressed, per entry larger than 1 MiB
    max_rows_per_sheet: int = 300_000
    prolog_bytes: int = 64 * 1024


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Unreadable:
    """Why a file cannot be read: a stable code and a message a clerk understands."""

    code: str
    message: str


def _entry_problem(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, budget: list[int]) -> Unreadable | None:
    name = info.filename
    is_xml = name.endswith((".xml", ".rels", ".vml"))
    is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
    if not (is_xml or is_sheet):
        return None
    rows = 0
    inflated = 0
    head = b""
    tail = b""
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
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
            if len(head) < limits.prolog_bytes:
                head += chunk[: limits.prolog_bytes - len(head)]
                upper = head.upper()
                if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
                    return Unreadable(
                        "ZZ-FILE-XML-UNSAFE",
                        f"文件中的 {name} 含有 DOCTYPE/ENTITY 声明（可能引用外部实体），为安全起见已拒绝读取；请用 Excel 另存为新的 .xlsx 后再报送",
                    )
            if is_sheet:
                window = tail + chunk
                rows += window.count(b"<row ") + window.count(b"<row>") - tail.count(b"<row ") - tail.count(b"<row>")
                tail = chunk[-8:]
                if rows > limits.max_rows_per_sheet:
                    return Unreadable(
                        "ZZ-FILE-TOO-MANY-ROWS",
                        f"工作表文件 {name} 超过 {limits.max_rows_per_sheet:,} 行的上限，请检查是否误填或误选了整列格式后再报送",
                    )
    return None


def check_file(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Unreadable | None:
    """None when ``path`` looks like a safe .xlsx/.xlsm workbook; else why not."""
    file = Path(path)
    try:
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
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                return Unreadable("ZZ-FILE-NOT-XLSX", "压缩包里没有 Excel 工作簿的内容，不是 .xlsx 文件")
            if any(info.flag_bits & 0x1 for info in infos):
                return Unreadable("ZZ-FILE-ENCRYPTED", "文件已加密，请去掉密码后报送")
            budget = [limits.max_inflated_bytes]
            for info in infos:
                problem = _entry_problem(archive, info, limits, budget)
                if problem is not None:
                    return problem
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, NotImplementedError, ValueError) as exc:
        return Unreadable("ZZ-FILE-CORRUPT", f"文件已损坏或不完整（可能传输中断）：{_zip_reason(exc)}")
    except OSError as exc:
        return Unreadable("ZZ-FILE-IO", f"读取文件出错：{exc.strerror or exc}")
    return None


def _zip_reason(exc: Exception) -> str:
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
