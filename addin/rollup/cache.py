"""The intake cache: a rerun of the roll-up reads only the files that changed.

Before a deadline headquarters rolls the same folder up again each time a corrected
workbook arrives.  What one file's intake gives (its validated rows, report and unit
indicators — ``addin.rollup.intake.Intake``) depends only on

- the file's bytes (its sha256) and the path it was read under (the path is part of
  every row's provenance and every problem's location);
- the rules it was checked against: every rule profile a workbook can name (built-in
  and the user folder's, and the user's default profile), the calendar years (the
  built-in ``chinese-calendar`` years and the user folder's), the reporting standard's
  version;
- the code that reads and checks it: every source file of ``udfs/`` and ``addin/`` that
  ``addin.rollup.intake`` imports (found by reading the imports, not kept by hand),
  the data files beside them, and the versions of Python and the libraries they import;
- the as-of date the roll-up was given (the deadline warnings depend on it).

The last three form one fingerprint per run; an entry is used only when its path,
sha256, fingerprint and as-of date all match.  Two things reach beyond them, and an
entry records them itself: a profile a workbook names by file path (its sha256 is kept
and compared again), and today's date for a workbook whose 身份证号码 problems depend on it
(a birth date "in the future" — such an entry holds for the day it was made).

Entries live in one SQLite file: beside the archive (``归档.sqlite`` →
``归档.intake-cache.sqlite``) or, without an archive, in the user folder.  Each batch of
new entries is one transaction, so a crash leaves whole entries or none; an entry is
a compressed pickle of the intake as it crosses from a worker (rows as columns) with
its own sha256.  A damaged entry is ignored — the file is read again and the entry
replaced — and counted, so the roll-up reports it once; a cache file that is no
database any more is set aside under another name (never deleted) and made afresh; one
that cannot be opened at all makes a full run.  Unpickling admits only the classes an
intake is made of.
"""

from __future__ import annotations

import os
import stat

import datetime as dt
import hashlib
import importlib.metadata
import io
import json
import pickle
import re
import sqlite3
import sys
import zlib
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Sequence

from addin.plumbing.guard import die_with_parent, path_text
from addin.problems import Problem
from addin.rollup.intake import Intake, intake_file, largest_first, warm_engine
from addin.validation.run import sha256_of
from addin.workbook.schema import STANDARD_VERSION, TEMPLATE_VERSION
from udfs import settings
from udfs.profile import BUILTIN_DIR

FORMAT = 1
"""The entries' layout; part of the fingerprint."""
CODE_ROOTS = ("addin.rollup.intake", "addin.rollup.cache")
"""The modules whose import closure (within ``addin`` and ``udfs``) decides an intake."""
LOCAL_PACKAGES = ("addin", "udfs")
PROJECT = Path(__file__).resolve().parents[2]
DATA_SUFFIXES = {".toml", ".json", ".csv", ".txt"}
DAY_BOUND_CODES = {"ZZ-ID-INVALID", "ZZ-DATE-FUTURE", "ZZ-ID-IN-TEXT"}
"""Problems whose verdict may depend on today's date (a 身份证号码's birth date must not be
in the future): an entry holding one is valid only on the day it was made."""
BATCH = 32
"""New entries written per transaction."""
LEVEL = 1
"""zlib level: an intake's pickle shrinks to about a third, at ~100 MB/s."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS intakes (
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    as_of TEXT NOT NULL,
    valid_on TEXT NOT NULL,
    depends TEXT NOT NULL,
    checksum TEXT NOT NULL,
    data BLOB NOT NULL,
    stored_at TEXT NOT NULL
);
"""


def cache_path(archive: str | Path | None = None) -> Path:
    """Where the roll-up keeps its cache: beside the archive, else in the user folder."""
    if archive is not None:
        archive = Path(archive)
        return archive.with_name(f"{archive.stem}.intake-cache.sqlite")
    return settings.user_home() / "cache" / "intake-cache.sqlite"


@dataclass
class CacheStats:
    """What the cache did in one roll-up (for the console; never part of the results)."""

    path: str
    hits: int = 0
    misses: int = 0
    stored: int = 0
    corrupt: int = 0
    unusable: str = ""
    """Why the cache file could not be used (then the run read everything)."""
    damaged: str = ""
    """Where a cache file that was no database any more was set aside (a new one was made)."""
    unwritten: str = ""
    """Why new entries could not be kept (the results are not affected)."""

    def text(self) -> str:
        """The console lines: one for the counts, one for damage (reported once)."""
        if self.unusable:
            return (f"缓存不可用（{self.unusable}），本次全部重新读取：{self.path}"
                    f"（可删除该文件，下次汇总时重建）")
        line = f"缓存：{self.hits} 个文件未变，直接取用；读取 {self.misses} 个（{self.path}）"
        if self.unwritten:
            line += f"\n注意：新读取的文件未能存入缓存（{self.unwritten}），下次汇总时将再次读取"
        if self.damaged:
            line += "\n" + self._damage(f"缓存文件已损坏（{CORRUPT}），已改名为 {self.damaged} 并重建，本次全部重新读取")
        if self.corrupt:
            line += "\n" + self._damage(f"缓存中 {self.corrupt} 条记录已损坏（{CORRUPT}），已忽略并重新读取对应文件，"
                                         "记录已更新")
        return line

    def _damage(self, message: str) -> str:
        """A damage line, made as the catalogued problem it is (a warning: the results are
        not affected)."""
        return "注意：" + Problem(file=self.path, code=CORRUPT, message=message, severity="warning").message


CORRUPT = "ZZ-CACHE-CORRUPT"


# -- the fingerprint ---------------------------------------------------------------------------------


def _module_file(name: str) -> Path | None:
    base = PROJECT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]+)|import[ \t]+([^\n#]+))",
                     re.MULTILINE)


def _imports(text: str, name: str, is_package: bool) -> Iterator[str]:
    """Every module a source file imports, at any depth (imports inside functions count);
    read line by line — an import written in a docstring counts too, which can only
    widen the closure."""
    package = name if is_package else name.rpartition(".")[0]
    for found in _IMPORT.finditer(text):
        module, names, plain = found.groups()
        if plain is not None:
            yield from (part.split()[0] for part in plain.split(",") if part.strip())
            continue
        if module.startswith("."):
            level = len(module) - len(module.lstrip("."))
            parts = package.split(".")
            base = ".".join(parts[:len(parts) - level + 1])
            module = f"{base}.{module.lstrip('.')}" if module.strip(".") else base
        yield module
        for part in names.strip("()").split(","):  # ``from addin.x import y`` may name a module y
            if part.split():
                yield f"{module}.{part.split()[0]}"


def code_closure(roots: Sequence[str] = CODE_ROOTS) -> tuple[dict[str, Path], set[str]]:
    """The local modules the roots import, transitively (name → file), and the
    top-level names of the other modules they import."""
    local: dict[str, Path] = {}
    others: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in local:
            continue
        top = name.partition(".")[0]
        if top not in LOCAL_PACKAGES:
            others.add(top)
            continue
        file = _module_file(name)
        if file is None:
            continue  # ``from addin.x import function``: not a module
        local[name] = file
        parent = name.rpartition(".")[0]
        if parent:
            pending.append(parent)  # importing a module runs its packages' __init__
        text = file.read_text(encoding="utf-8")
        pending.extend(_imports(text, name, file.name == "__init__.py"))
    others -= set(sys.stdlib_module_names) | {"__future__"}
    return local, others


def _versions(tops: set[str]) -> list[tuple[str, str]]:
    """(distribution, version) of the libraries behind these top-level modules."""
    found = set()
    owners: dict[str, list[str]] | None = None
    for top in tops:
        try:  # most distributions are named as their module (the lookup normalises - and _)
            found.add((top, importlib.metadata.version(top)))
            continue
        except importlib.metadata.PackageNotFoundError:
            pass
        if owners is None:
            owners = importlib.metadata.packages_distributions()
        for dist in owners.get(top, []):
            found.add((dist, importlib.metadata.version(dist)))
        if top not in owners:
            found.add((top, "?"))
    return sorted(found)


@lru_cache(maxsize=1)
def code_version() -> str:
    """sha256 over the intake's source files, the data files beside them, and the
    Python and library versions: derived from the code as it is, never kept by hand."""
    local, others = code_closure()
    digest = hashlib.sha256(f"format {FORMAT}\npython {sys.version}\n".encode())
    folders = set()
    for name in sorted(local):
        file = local[name]
        folders.add(file.parent)
        digest.update(f"\0module {name}\0".encode() + file.read_bytes())
    for folder in sorted(folders):
        for file in sorted(folder.iterdir()):
            if file.suffix in DATA_SUFFIXES and file.is_file():
                digest.update(f"\0data {file.relative_to(PROJECT)}\0".encode() + file.read_bytes())
    for dist, version in _versions(others):
        digest.update(f"\0library {dist} {version}".encode())
    return digest.hexdigest()


def _folder_files(digest: Any, label: str, folder: Path, pattern: str = "*.toml") -> None:
    if folder.is_dir():
        for file in sorted(folder.glob(pattern)):
            try:
                data = file.read_bytes()
            except OSError as exc:
                data = f"unreadable {exc}".encode()
            digest.update(f"\0{label} {file.name}\0".encode() + data)


@lru_cache(maxsize=1)
def _builtin_calendar_digest() -> str:
    import chinese_calendar

    digest = hashlib.sha256(f"chinese-calendar {getattr(chinese_calendar, '__version__', '')}".encode())
    for kind, days in (("holidays", chinese_calendar.holidays), ("workdays", chinese_calendar.workdays)):
        digest.update(f"\0{kind}\0".encode() + " ".join(str(d.toordinal()) for d in sorted(days)).encode())
    return digest.hexdigest()


def rules_version() -> str:
    """sha256 over every profile a workbook can name by key (built-in and the user
    folder's), the user's configuration (the default profile), the calendar years
    (built-in and the user folder's) and the standard's version.  Read afresh each run."""
    digest = hashlib.sha256(f"standard {STANDARD_VERSION} template {TEMPLATE_VERSION}\n".encode())
    _folder_files(digest, "builtin-profile", BUILTIN_DIR)
    _folder_files(digest, "user-profile", settings.user_profiles_dir())
    _folder_files(digest, "user-config", settings.user_home(), "config.toml")
    digest.update(f"\0builtin-calendar {_builtin_calendar_digest()}".encode())
    _folder_files(digest, "user-calendar", settings.user_calendar_dir())
    return digest.hexdigest()


def fingerprint() -> str:
    return hashlib.sha256(f"{code_version()} {rules_version()}".encode()).hexdigest()


def _named_profile_file(intake: Intake) -> str | None:
    """The profile a workbook names by file path (``udfs.profile.get_profile``'s rule)."""
    name = str(intake.info.get("profile") or "").strip()
    if name.endswith(".toml") or "/" in name or "\\" in name:
        return name
    return None


def _file_digest(name: str) -> str:
    try:
        return sha256_of(Path(name))
    except OSError:
        return ""


# -- entries -----------------------------------------------------------------------------------------


_ALLOWED = {
    ("addin.rollup.intake", "Intake"), ("addin.rollup.intake", "Row"), ("addin.rollup.intake", "SummaryUnit"),
    ("addin.validation.report", "FileReport"), ("addin.problems", "Problem"),
    ("datetime", "date"), ("datetime", "datetime"), ("datetime", "time"), ("datetime", "timedelta"),
    ("copyreg", "_reconstructor"), ("copyreg", "__newobj__"), ("builtins", "object"), ("builtins", "set"),
    ("builtins", "frozenset"),
}


class _Unpickler(pickle.Unpickler):
    """Only the classes an intake is made of: a cache file is data, never code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of an intake")
        return super().find_class(module, name)


def dumps(intake: Intake) -> bytes:
    return zlib.compress(pickle.dumps(intake, protocol=pickle.HIGHEST_PROTOCOL), LEVEL)


def loads(data: bytes) -> Intake:
    intake = _Unpickler(io.BytesIO(zlib.decompress(data))).load()
    if not isinstance(intake, Intake):
        raise pickle.UnpicklingError("not an intake")
    return intake


def intake_packed(path: Path, as_of: dt.date | None) -> bytes:
    """A worker's intake of one file, as a cache entry's bytes (also how it crosses to the
    roll-up: a third of the pickle's size)."""
    return dumps(intake_file(path, as_of, False))


class IntakeCache:
    """One roll-up's view of the cache file (open for the intake, then closed)."""

    def __init__(self, path: str | Path, as_of: dt.date | None) -> None:
        self.path = Path(path)
        self.as_of = as_of.isoformat() if as_of else ""
        self.today = dt.date.today().isoformat()
        self.stats = CacheStats(str(self.path))
        self.fingerprint = fingerprint()
        self._pending: list[tuple[Any, ...]] = []
        self._broken: list[str] = []
        self._db: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._db = self._open()
            except sqlite3.DatabaseError:  # not a database (any more): set it aside, start afresh
                self.stats.damaged = self._set_aside()
                self._db = self._open()
        except (sqlite3.Error, OSError) as exc:
            self.stats.unusable = str(exc)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            db.execute("SELECT path, sha256, fingerprint, as_of, valid_on, depends, checksum, data, stored_at"
                       " FROM intakes LIMIT 0")
        except BaseException:
            db.close()
            raise
        return db

    def _set_aside(self) -> str:
        """A damaged cache file keeps its bytes under another name (never deleted)."""
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.stem}.damaged-{stamp}{self.path.suffix}")
        self.path.rename(aside)
        for suffix in ("-wal", "-shm"):
            companion = self.path.with_name(self.path.name + suffix)
            if companion.exists():
                companion.rename(aside.with_name(aside.name + suffix))
        return str(aside)

    def close(self) -> None:
        if self._db is not None:
            self._flush()
            self._db.close()
            self._db = None

    def __enter__(self) -> "IntakeCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lookup(self, path: Path, sha256: str) -> Intake | None:
        """The cached intake of these bytes under this path and these rules, or None."""
        if self._db is None or not sha256:
            return None
        try:
            found = self._db.execute(
                "SELECT sha256, fingerprint, as_of, valid_on, depends, checksum, data FROM intakes WHERE path = ?",
                (path_text(path),)).fetchone()
        except sqlite3.Error:
            self.stats.corrupt += 1
            self._broken.append(path_text(path))
            return None
        if found is None:
            return None
        digest, print_, as_of, valid_on, depends, checksum, data = found
        if (digest, print_, as_of) != (sha256, self.fingerprint, self.as_of) or valid_on not in ("", self.today):
            return None
        try:
            if not isinstance(data, bytes) or hashlib.sha256(data).hexdigest() != checksum:
                raise ValueError("checksum")
            named = json.loads(depends)
            intake = loads(data)
            if (intake.path, intake.sha256) != (path_text(path), sha256):
                raise ValueError("another file's entry")
        except Exception:  # noqa: BLE001 — any damage at all: read the file again
            self.stats.corrupt += 1
            self._broken.append(path_text(path))
            return None
        if any(_file_digest(name) != digest for name, digest in named):
            return None  # a profile named by path changed
        return intake

    def store(self, intake: Intake, data: bytes | None = None) -> None:
        """Keep a fresh intake (``data``: its entry bytes when a worker made them)."""
        if self._db is None or not intake.sha256 or intake.kind == "unreadable":
            return  # an unreadable file may be a passing failure: read it again next time
        if data is None:
            data = dumps(intake)
        codes = {p.code for p in intake.report.problems}
        valid_on = self.today if codes & DAY_BOUND_CODES else ""
        named = _named_profile_file(intake)
        depends = json.dumps([[named, _file_digest(named)]] if named else [], ensure_ascii=False)
        self._pending.append((intake.path, intake.sha256, self.fingerprint, self.as_of, valid_on, depends,
                              hashlib.sha256(data).hexdigest(), data, dt.datetime.now().isoformat(timespec="seconds")))
        if len(self._pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        """One transaction for the pending entries; a failure to write loses only the cache."""
        if not (self._pending or self._broken) or self._db is None:
            return
        batch, self._pending = self._pending, []
        broken, self._broken = self._broken, []
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:  # a damaged entry goes (its file's fresh one, if any, replaces it)
                self._db.executemany("DELETE FROM intakes WHERE path = ?", [(p,) for p in broken])
                self._db.executemany("INSERT OR REPLACE INTO intakes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self.stats.stored += len(batch)
        except sqlite3.Error as exc:
            self.stats.unwritten = str(exc)

    def intakes(self, files: Sequence[Path], as_of: dt.date | None, jobs: int) -> Iterator[Intake]:
        """Every file's intake, in order: from the cache where it holds, read (by ``jobs``
        worker processes) where it does not."""
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as hashing:
            digests = list(hashing.map(_digest_or_blank, files))
        found = [self.lookup(path, digest) for path, digest in zip(files, digests)]
        missing = [path for path, intake in zip(files, found) if intake is None]
        self.stats.hits = len(files) - len(missing)
        self.stats.misses = len(missing)
        if jobs > 1 and len(missing) > 1:
            # the roll-up's workers: the collector on (each file's reading turns it off for
            # itself), killed with the roll-up
            warm_engine()  # before the workers fork: they start with it
            with ProcessPoolExecutor(max_workers=min(jobs, len(missing)), initializer=worker_start) as pool:
                fresh = largest_first(pool, intake_packed, missing, as_of)
                yield from self._merge(found, fresh, packed=True)
        else:
            yield from self._merge(found, (intake_file(path, as_of) for path in missing), packed=False)
        self._flush()

    def _merge(self, found: list[Intake | None], fresh: Iterator[Any], packed: bool) -> Iterator[Intake]:
        for intake in found:
            if intake is None:
                item = next(fresh)
                intake = loads(item) if packed else item
                self.store(intake, item if packed else None)
            yield intake


def worker_start() -> None:
    """A roll-up worker: the collector on (each file's reading turns it off for itself), and
    killed with the roll-up (kill -9 of the main process leaves no worker behind)."""
    import gc

    gc.enable()
    die_with_parent()


def _digest_or_blank(path: Path) -> str:
    """The file's sha256, "" for what the per-file guard refuses unopened (a FIFO or a device
    would never end) or cannot read: such a file is never taken from the cache."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return ""
        return sha256_of(path)
    except OSError:
        return ""
