"""The one guarded boundary around a user's file, shared by every command (validate,
rollup, letters, the ribbon, a web front end).

    refusal(path)        why a path is not a regular file we may open (without opening it)
    guarded(path, work, unreadable)
                         ``work(path)``; a failure of a parser on the user's bytes becomes
                         ``unreadable(code, message)``, a defect of ours an internal error
                         logged once with the traceback (the message names the log)
    die_with_parent()    a worker process is killed when the process that started it dies

A user's file can make any parser fail in any way (a Rust panic is a ``BaseException``);
none of that may stop the run or reach the console as a traceback.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import os
import signal
import stat
import sys
import traceback
import zipfile
import zlib
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")

PARSER_FAILURES: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, UnicodeError, OSError, MemoryError,
)
"""Exceptions a damaged file makes the zip/XML/spreadsheet parsers raise."""


def refusal(path: str | Path) -> tuple[str, str] | None:
    """(code, Chinese reason) when ``path`` is not a regular file (a folder, a FIFO, a
    device, a socket, a dangling or looping link) or cannot be looked at; None when it is.
    Decided by ``stat`` alone: a FIFO or ``/dev/zero`` is never opened."""
    file = Path(path)
    try:
        info = os.stat(file)
    except OSError as exc:
        try:
            os.lstat(file)
            linked = True
        except OSError:
            linked = False
        if linked:
            return "ZZ-FILE-LINK", "是指向不存在位置（或循环）的快捷方式/链接，无法读取；请换成文件本身"
        return "ZZ-FILE-IO", f"无法访问文件：{exc.strerror or exc}"
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        what = "是一个文件夹，不是工作簿文件"
    elif stat.S_ISFIFO(mode):
        what = "是管道（FIFO），不是普通文件"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        what = "是设备文件，不是普通文件"
    elif stat.S_ISSOCK(mode):
        what = "是套接字，不是普通文件"
    else:
        what = "不是普通文件"
    return "ZZ-FILE-NOT-REGULAR", f"{what}，已跳过（未打开）；请给出 .xlsx 工作簿文件"


def path_text(path: str | Path) -> str:
    """A path as text every writer can take: a name that is not valid UTF-8 (GBK bytes, as
    a zip made on Chinese Windows unpacks them) is shown decoded as GB18030, part by part
    (the file is still opened by its real name)."""
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    parts = []
    for part in text.split(os.sep):
        try:
            part.encode("utf-8")
        except UnicodeEncodeError:
            raw = part.encode("utf-8", "surrogateescape")
            try:
                part = raw.decode("gb18030")
            except UnicodeDecodeError:
                part = raw.decode("utf-8", "replace")
        parts.append(part)
    return os.sep.join(parts)


def error_log() -> Path:
    from udfs import settings

    return settings.user_home() / "logs" / "errors.log"


def log_internal(what: str) -> Path:
    """The current exception's traceback appended to the error log; returns its path."""
    return append_traceback(error_log(), f"pid {os.getpid()} {what}")


def append_traceback(log: Path, heading: str) -> Path:
    """The current exception's traceback appended to ``log`` under a dated heading (a log
    that cannot be written is given up silently: the user's message names it anyway)."""
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"\n=== {dt.datetime.now().isoformat(timespec='seconds')} {heading}\n")
            handle.write(traceback.format_exc())
    except OSError:
        pass
    return log


def _is_panic(exc: BaseException) -> bool:
    return type(exc).__name__ == "PanicException"


def _is_parser_failure(exc: BaseException) -> bool:
    if _is_panic(exc) or isinstance(exc, PARSER_FAILURES):
        return True
    module = type(exc).__module__ or ""
    if module.startswith(("python_calamine", "zipfile", "xml", "lxml", "openpyxl")):
        return True
    if isinstance(exc, RuntimeError) and "password" in str(exc).lower():  # zipfile: an encrypted entry
        return True
    return isinstance(exc, (IndexError, KeyError, ValueError)) and _raised_in_parser(exc)


def _raised_in_parser(exc: BaseException) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and any(part in frames[-1].filename for part in ("zipfile", "calamine", "xml"))


def guarded(path: str | Path, work: Callable[[Path], T], unreadable: Callable[[str, str], T]) -> T:
    """``work(path)``, never raising for the user's file: a parser failing on its bytes is
    ``unreadable("ZZ-FILE-CORRUPT", reason)``; a defect of ours ``unreadable("ZZ-READ-INTERNAL",
    …)`` with the traceback in the error log.  Only Ctrl+C and exit pass through."""
    file = Path(path)
    refused = refusal(file)
    if refused is not None:
        return unreadable(*refused)
    try:
        return work(file)
    except (KeyboardInterrupt, SystemExit):
        raise
    except MemoryError:
        return unreadable("ZZ-FILE-TOO-LARGE", "文件过大，读取时内存不足，请拆分后再报送")
    except BaseException as exc:  # noqa: BLE001 - the boundary: everything becomes this file's problem
        if isinstance(exc, OSError) and not isinstance(exc, zipfile.BadZipFile):
            return unreadable("ZZ-FILE-IO", f"读取文件时出错（{exc.strerror or type(exc).__name__}），请确认文件可以打开后重试")
        if _is_parser_failure(exc):
            return unreadable("ZZ-FILE-CORRUPT",
                              "文件已损坏，无法读取（内部结构不完整或被改动）；请用 Excel 或 WPS 打开后另存为新的 .xlsx 再报送")
        log = log_internal(f"reading {file}")
        return unreadable("ZZ-READ-INTERNAL",
                          f"读取此文件时程序内部出错，其他文件不受影响；详细信息已记入 {log}，请把该日志发给技术支持")


def die_with_parent(parent: int | None = None) -> None:
    """Linux: this process gets SIGKILL when its parent dies (worker processes never
    outlive a killed roll-up).  ``parent``: the pid of the process that forked this one
    (when it is already gone, exit at once); None when a pool or fork server started it.
    Elsewhere nothing."""
    if not sys.platform.startswith("linux"):
        return
    before = os.getppid()  # under a fork server the parent is the server, not the one who asked
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != (before if parent is None else parent):  # the parent died before the request took effect
        os._exit(1)
