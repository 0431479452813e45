"""A run's outputs, written as one set: all of them or none.

    outputs = OutputSet(inputs=files, archive=db)   # refuses an output that is an input
    outputs.plan(group_path); outputs.plan(json_path)   # checked before any work is done
    with outputs:
        outputs.write(group_path, lambda temporary: write_group_return(result, temporary))
        outputs.write(json_path, lambda temporary: write_summary(result, temporary))
        outputs.commit()        # every temporary file renamed over its target, only now

Every output is first written to a private temporary file (0600) in its target's folder,
named ``.{name}.zhuize-{pid}-{random}.tmp``; they are renamed into place only after
every output succeeded.  A failure removes them all; a run killed with ``kill -9``
leaves its temporary files, and the next run writing into that folder removes them
(those whose process is gone).  An OS error (no permission, no space, a folder where a
file should be) becomes ``OutputError`` with one Chinese line naming the path and what to do.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable

TEMP_PATTERN = re.compile(r"^\..+\.zhuize-(\d+)-[A-Za-z0-9_]+\.tmp$")
OUTPUT_PROPERTY = "zhuize_output"
"""The custom document property our workbooks carry (group return, SASAC return,
annotated copy): a folder scan never takes them for submissions."""


def output_marker(path: str | Path) -> str | None:
    """What kind of our own output a workbook is (its ``zhuize_output`` property), or None.
    Reads only the small docProps/custom.xml part; any trouble is None."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("docProps/custom.xml")
            if info.file_size > 1 << 20 or info.flag_bits & 0x1:
                return None
            text = archive.read(info).decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - not a package, no such part, damaged: not ours
        return None
    match = re.search(r'name="' + OUTPUT_PROPERTY + r'"[^>]*>\s*<(?:[\w.-]+:)?lpwstr\b[^>]*>([^<]*)<', text)
    return match.group(1) if match else None


class OutputError(Exception):
    """An output cannot be written: the message is one Chinese line for the user."""

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = None if path is None else Path(path)

    def __str__(self) -> str:
        return self.message


def os_error_message(exc: BaseException, path: str | Path | None = None, action: str = "写入") -> str:
    """One Chinese line: which path, what went wrong, what to do."""
    where = str(path if path is not None else getattr(exc, "filename", None) or "")
    if isinstance(exc, sqlite3.Error):
        text = str(exc).lower()
        if "full" in text or ("i/o" in text and _low_space(where)):
            return f"磁盘空间不足，无法{action}归档库 {where}：请清理磁盘空间或换一个位置后重试（归档库未改动）"
        if "i/o" in text:
            return f"读写归档库 {where} 时磁盘出错：请检查磁盘空间和磁盘状态后重试（未提交的内容不会留在归档库中）"
        if "locked" in text or "busy" in text:
            return f"归档库 {where} 正被另一个程序（可能是另一次汇总）使用，等待超时：请等它结束后重试"
        if "readonly" in text or "read-only" in text:
            return f"没有权限写入归档库 {where}：请换一个有写入权限的位置，或请管理员开放权限"
        return f"归档库 {where} 无法使用（{exc}）：请确认它是 zhuize 的归档库文件，或换一个新文件名"
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT):
        return f"磁盘空间不足，无法{action} {where}：请清理磁盘空间或换一个位置后重试（未写出任何结果）"
    if code in (errno.EACCES, errno.EPERM):
        return f"没有权限{action} {where}：请换一个有写入权限的文件夹，或请管理员开放权限"
    if code == errno.EROFS:
        return f"{where} 所在的磁盘是只读的，无法{action}：请换一个可写的位置"
    if code == errno.EISDIR:
        return f"{where} 是一个文件夹，不是文件：请给出文件名（如 {Path(where) / '集团汇总.xlsx'}）"
    if code == errno.ENOTDIR:
        return f"{where} 的上级路径中有一项是文件而不是文件夹：请检查输出路径"
    if code == errno.ENOENT:
        return f"找不到 {where}：请检查路径是否正确"
    if code == errno.ENAMETOOLONG:
        return f"路径过长，无法{action} {where}：请换一个较短的文件夹或文件名"
    reason = getattr(exc, "strerror", None) or type(exc).__name__
    return f"无法{action} {where}（{reason}）：请检查该位置后重试"


def _low_space(where: str) -> bool:
    """Less than 1 MiB free where ``where`` lives (SQLite reports a full disk under WAL as an I/O error)."""
    try:
        info = os.statvfs(Path(where).parent if where else ".")
    except OSError:
        return False
    return info.f_bavail * info.f_frsize < 1 << 20


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: leave its files alone
    return True


def clean_stale(folder: str | Path) -> list[Path]:
    """Remove our temporary files in ``folder`` whose writing process is gone; returns them."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = TEMP_PATTERN.match(entry.name)
        if match and not _alive(int(match.group(1))):
            try:
                if entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            except OSError:
                pass
    return removed


def temporary_beside(target: str | Path) -> Path:
    """A new empty private (0600) temporary file in ``target``'s folder, named as ours."""
    final = Path(target)
    handle, name = tempfile.mkstemp(prefix=f".{final.name}.zhuize-{os.getpid()}-", suffix=".tmp", dir=final.parent)
    os.close(handle)
    return Path(name)


def free_name(folder: str | Path, name: str) -> Path:
    """``folder/name``, or ``name(2)``, ``name(3)``… when taken: never overwrite a user's file."""
    candidate = Path(folder) / name
    stem, suffix = candidate.stem, candidate.suffix
    number = 2
    while candidate.exists() or candidate.is_symlink():
        candidate = Path(folder) / f"{stem}({number}){suffix}"
        number += 1
    return candidate


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.abspath(a) == os.path.abspath(b)


class OutputRefused(OutputError):
    """An output path refused before any work was done (an input, the archive, the cache,
    an existing file this run did not create): a usage error, exit code 2."""


def existing_refusal(final: Path) -> str:
    return (f"{final} 已存在，且不是本次运行生成的文件：为免覆盖他人的文件，未写出任何结果；"
            f"请换一个文件名或文件夹，确需替换时加 --force")


def check_target(target: str | Path, *, force: bool = False, inputs: Iterable[str | Path] = (),
                 archive: str | Path | None = None, protect: Iterable[str | Path] = ()) -> Path:
    """The one check of an output path, for every command: never an input, never the
    archive or the intake cache (``protect``), never a folder, and an existing file is
    replaced only with ``force``.  Raises ``OutputRefused`` (one Chinese line)."""
    final = Path(target)
    for source in inputs:
        if _same(final, Path(source)):
            raise OutputRefused(f"输出文件 {final} 就是输入的报表之一，不能覆盖报送的文件：请换一个输出文件名或文件夹", final)
    if archive is not None and _same(final, Path(archive)):
        raise OutputRefused(f"输出文件 {final} 与归档库是同一个文件：请换一个输出文件名", final)
    for kept in protect:
        if _same(final, Path(kept)):
            raise OutputRefused(f"输出文件 {final} 是本程序保存数据的文件（汇总缓存）：不能覆盖，请换一个输出文件名", final)
    if final.is_dir():
        raise OutputRefused(f"{final} 是一个文件夹，不是文件：请在路径后加上输出文件名（如 {final / ('汇总' + (final.suffix or '.xlsx'))}）",
                            final)
    if not force and (final.exists() or final.is_symlink()):
        raise OutputRefused(existing_refusal(final), final)
    return final


def failure_message(exc: BaseException, path: str | Path | None) -> str:
    """One Chinese line for any failure while writing ``path``: an OS error (also one
    wrapped by a library, as xlsxwriter's FileCreateError wraps ENOSPC) says what to do;
    anything else is logged with its traceback and the line names the log."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, (OSError, sqlite3.Error)):
            return os_error_message(cause, path)
        wrapped = next((a for a in getattr(cause, "args", ()) if isinstance(a, OSError)), None)
        if wrapped is not None:
            return os_error_message(wrapped, path)
        cause = cause.__cause__ or cause.__context__
    if _low_space(str(path or "")):
        return os_error_message(OSError(errno.ENOSPC, "No space left on device"), path)
    from addin.plumbing.guard import log_internal

    log = log_internal(f"writing {path}")
    return f"写出 {path} 时程序内部出错，未写出任何结果；详细信息已记入 {log}，请把该日志发给技术支持"


class OutputSet:
    """The outputs of one run (see the module's docstring).

    ``force``: an existing file at an output path may be replaced (else ``plan`` refuses
    it); ``protect``: files no output may be (the intake cache)."""

    def __init__(self, inputs: Iterable[str | Path] = (), archive: str | Path | None = None, *,
                 force: bool = False, protect: Iterable[str | Path] = ()) -> None:
        self.inputs = [Path(p) for p in inputs]
        self.archive = Path(archive) if archive is not None else None
        self.force = force
        self.protect = [Path(p) for p in protect if p is not None]
        self.planned: list[Path] = []
        self.pending: list[tuple[Path, Path]] = []  # (temporary, target)
        self.cleaned: set[str] = set()
        self.undo_log: list[tuple[Path, Path | None]] = []  # (target, backup of what it replaced)

    def plan(self, target: str | Path) -> Path:
        """Check one output before anything is written: not an input, not the archive, not
        the cache, not a folder, not named twice, not an existing file (without ``force``)."""
        final = Path(target)
        if any(_same(final, other) for other in self.planned):
            raise OutputRefused(f"两个输出用了同一个文件名 {final}：请分别指定不同的文件", final)
        check_target(final, force=self.force, inputs=self.inputs, archive=self.archive, protect=self.protect)
        self.planned.append(final)
        return final

    def write(self, target: str | Path, work: Callable[[Path], Any]) -> None:
        """``work(temporary)`` writes the output; it takes ``target``'s place at ``commit``.
        Any failure (an OS error, a library's own error type) removes the temporary file
        and becomes ``OutputError``."""
        final = Path(target)
        if final not in self.planned:
            self.plan(final)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            folder = str(final.parent.resolve())
            if folder not in self.cleaned:
                self.cleaned.add(folder)
                clean_stale(final.parent)
            temporary = temporary_beside(final)
        except OSError as exc:
            raise OutputError(os_error_message(exc, final.parent), final) from None
        self.pending.append((temporary, final))
        try:
            work(temporary)
        except BaseException as exc:  # noqa: BLE001 - a full disk may surface as any library's error
            self._drop(temporary)
            if isinstance(exc, (KeyboardInterrupt, SystemExit, OutputError)):
                raise
            raise OutputError(failure_message(exc, final), final) from None

    def _drop(self, temporary: Path) -> None:
        """A failed output's temporary file: removed, never committed."""
        self.pending = [(t, f) for t, f in self.pending if t != temporary]
        try:
            temporary.unlink()
        except OSError:
            pass

    def commit(self, undoable: bool = False) -> None:
        """Every output into place (after all of them were written): all or none — a rename
        that fails puts back what the earlier ones replaced.  ``undoable``: keep what was
        replaced until ``finish`` (``undo`` puts it back: the archive's commit failed)."""
        mode = 0o666 & ~_umask()
        try:
            for temporary, _ in self.pending:
                os.chmod(temporary, mode)  # written private; the outputs themselves are for sharing
            while self.pending:
                temporary, final = self.pending[0]
                backup = None
                if final.exists() and not final.is_dir():
                    backup = temporary_beside(final)
                    os.replace(final, backup)
                self.undo_log.append((final, backup))
                os.replace(temporary, final)
                self.pending.pop(0)
        except OSError as exc:
            where = self.pending[0][1] if self.pending else None
            self.undo()
            raise OutputError(os_error_message(exc, where)) from None
        if not undoable:
            self.finish()

    def undo(self) -> None:
        """Put back what ``commit`` replaced (and remove what it added)."""
        while self.undo_log:
            final, backup = self.undo_log.pop()
            try:
                if backup is not None:
                    os.replace(backup, final)
                else:
                    final.unlink(missing_ok=True)
            except OSError:
                pass

    def finish(self) -> None:
        """The committed outputs stay: the copies of what they replaced go."""
        for _, backup in self.undo_log:
            if backup is not None:
                try:
                    backup.unlink()
                except OSError:
                    pass
        self.undo_log = []

    def discard(self) -> None:
        for temporary, _ in self.pending:
            try:
                temporary.unlink()
            except OSError:
                pass
        self.pending = []

    def __enter__(self) -> "OutputSet":
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self.discard()  # after commit nothing is pending
        if kind is not None:
            self.undo()  # a failure after an undoable commit (the archive): the outputs go too
        else:
            self.finish()
