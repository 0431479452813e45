"""The 收报台's data folder: accounts, sessions, stored submissions, roll-ups, audit log.

    DATA/web.sqlite         users, sessions, API tokens, submissions, roll-ups, audit
    DATA/archive.sqlite     the roll-up's archive (``addin.rollup.archive``), as ``zhuize rollup --archive``
    DATA/blobs/ab/<sha256>.xlsx        every upload, named by its content, never modified
    DATA/annotated/ab/<sha256>.xlsx    the annotated copy of an invalid upload
    DATA/rollups/<n>/       one roll-up's GROUP.xlsx, SASAC.xlsx, summary.json, letters.zip
    DATA/templates/<profile>/子企业填报模板.xlsx
    DATA/secret.key         the key that signs session cookies (0600)

No name a user typed or uploaded ever becomes a path: files are named by sha256, by
a number we chose, or by a profile key that is first looked up in the list of profiles.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from addin.plumbing.redact import redact

ROLE_UNIT, ROLE_GROUP = "填报单位", "集团"
ROLES = (ROLE_UNIT, ROLE_GROUP)
LOCAL_USER = "本机"
"""The one 集团 user of the no-account mode (127.0.0.1 only, while no account exists)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, uscc TEXT NOT NULL DEFAULT '',
    hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    sid TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL, expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    digest TEXT PRIMARY KEY, user TEXT NOT NULL, expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, unit TEXT NOT NULL, uscc TEXT NOT NULL,
    period TEXT NOT NULL, report_date TEXT NOT NULL, status TEXT NOT NULL, uploaded_at TEXT NOT NULL,
    uploaded_by TEXT NOT NULL, size INTEGER NOT NULL, display TEXT NOT NULL, verdict TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_unit ON submissions (uscc, period);
CREATE TABLE IF NOT EXISTS rollups (
    id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT, user TEXT NOT NULL, period TEXT NOT NULL,
    state TEXT NOT NULL, message TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL, ip TEXT NOT NULL, action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '', sha256 TEXT NOT NULL DEFAULT ''
);
"""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    uscc: str = ""
    disabled: bool = False
    created: str = ""

    @property
    def is_group(self) -> bool:
        return self.role == ROLE_GROUP


def now_text() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Store:
    """One SQLite file, one connection per thread (WAL: readers never wait for the writer)."""

    def __init__(self, data: str | Path) -> None:
        self.data = Path(data)
        self.data.mkdir(parents=True, exist_ok=True)
        self.db_path = self.data / "web.sqlite"
        self.archive = self.data / "archive.sqlite"
        self._local = threading.local()
        self._db().executescript(SCHEMA)

    # -- plumbing -----------------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.db_path, isolation_level=None, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
        return db

    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> sqlite3.Connection:
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, kind: object, *rest: object) -> None:
            self.db.execute("ROLLBACK" if kind else "COMMIT")

    def _tx(self) -> "Store._Tx":
        return Store._Tx(self._db())

    def secret_key(self) -> bytes:
        path = self.data / "secret.key"
        if not path.exists():
            from addin.plumbing.outputs import temporary_beside

            temporary = temporary_beside(path)  # (0600) named as ours: the clean-up finds it after a kill
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
            try:
                os.link(temporary, path)  # first writer wins
            except FileExistsError:
                pass
            temporary.unlink()
        return path.read_bytes()

    # -- users --------------------------------------------------------------------------------------

    def has_accounts(self) -> bool:
        return self._db().execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def add_user(self, name: str, role: str, uscc: str, password_hash: str) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO users (name, role, uscc, hash, created) VALUES (?, ?, ?, ?, ?)",
                       (name, role, uscc, password_hash, now_text()))

    def user(self, name: str) -> User | None:
        row = self._db().execute("SELECT name, role, uscc, disabled, created FROM users WHERE name = ?",
                                 (name,)).fetchone()
        return None if row is None else User(row[0], row[1], row[2], bool(row[3]), row[4])

    def password_hash(self, name: str) -> str | None:
        row = self._db().execute("SELECT hash FROM users WHERE name = ? AND disabled = 0", (name,)).fetchone()
        return None if row is None else str(row[0])

    def users(self) -> list[User]:
        rows = self._db().execute("SELECT name, role, uscc, disabled, created FROM users ORDER BY role, name")
        return [User(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]

    def set_disabled(self, name: str, disabled: bool) -> bool:
        with self._tx() as db:
            changed = db.execute("UPDATE users SET disabled = ? WHERE name = ?", (int(disabled), name)).rowcount
            if disabled:
                db.execute("DELETE FROM sessions WHERE user = ?", (name,))
                db.execute("DELETE FROM tokens WHERE user = ?", (name,))
        return bool(changed)

    def set_password(self, name: str, password_hash: str) -> bool:
        with self._tx() as db:
            changed = db.execute("UPDATE users SET hash = ?, disabled = 0 WHERE name = ?",
                                 (password_hash, name)).rowcount
            db.execute("DELETE FROM sessions WHERE user = ?", (name,))
            db.execute("DELETE FROM tokens WHERE user = ?", (name,))
        return bool(changed)

    def units(self) -> list[tuple[str, str]]:
        """(uscc, account name) of every enabled 填报单位 account."""
        rows = self._db().execute("SELECT uscc, name FROM users WHERE role = ? AND disabled = 0 ORDER BY uscc",
                                  (ROLE_UNIT,))
        return [(r[0], r[1]) for r in rows]

    # -- sessions and tokens -----------------------------------------------------------------------

    def new_session(self, user: str, lifetime: float) -> tuple[str, str]:
        sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._tx() as db:
            db.execute("DELETE FROM sessions WHERE expires < ?", (time.time(),))
            db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)", (sid, user, csrf, time.time() + lifetime))
        return sid, csrf

    def session(self, sid: str) -> tuple[str, str] | None:
        """(user, csrf token) of a live session."""
        row = self._db().execute("SELECT user, csrf FROM sessions WHERE sid = ? AND expires > ?",
                                 (sid, time.time())).fetchone()
        return None if row is None else (row[0], row[1])

    def end_session(self, sid: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM sessions WHERE sid = ?", (sid,))

    def new_token(self, user: str, lifetime: float) -> str:
        token = secrets.token_urlsafe(32)
        with self._tx() as db:
            db.execute("DELETE FROM tokens WHERE expires < ?", (time.time(),))
            db.execute("INSERT INTO tokens VALUES (?, ?, ?)", (_digest(token), user, time.time() + lifetime))
        return token

    def token_user(self, token: str) -> str | None:
        row = self._db().execute("SELECT user FROM tokens WHERE digest = ? AND expires > ?",
                                 (_digest(token), time.time())).fetchone()
        return None if row is None else str(row[0])

    # -- submissions --------------------------------------------------------------------------------

    def blob_path(self, sha256: str) -> Path:
        return self.data / "blobs" / sha256[:2] / f"{sha256}.xlsx"

    def annotated_path(self, sha256: str) -> Path:
        return self.data / "annotated" / sha256[:2] / f"{sha256}.xlsx"

    def incoming(self) -> Path:
        folder = self.data / "incoming"
        folder.mkdir(parents=True, exist_ok=True)
        # a name we chose, with our process id (``clear_incoming``); the reader wants the suffix
        return folder / f"{os.getpid()}-{secrets.token_hex(16)}.xlsx"

    def clear_incoming(self, mine: bool = False) -> int:
        """Remove uploads left in ``incoming/``: those of processes that are gone (at start),
        or also this process's own (``mine``: at shutdown).  How many were removed."""
        from addin.plumbing.outputs import _alive

        folder = self.data / "incoming"
        removed = 0
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return 0
        for entry in entries:
            head = entry.name.split("-", 1)[0]
            owner = int(head) if head.isdigit() and "-" in entry.name else None
            if owner is not None and _alive(owner) and not (mine and owner == os.getpid()):
                continue  # another 收报台's upload in progress
            try:
                if entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                    removed += 1
            except OSError:
                pass
        return removed

    def keep_blob(self, temporary: Path, sha256: str) -> Path:
        """Move an upload to its content address; the first copy stays, never rewritten."""
        target = self.blob_path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            temporary.unlink()
        else:
            os.chmod(temporary, 0o440)
            os.replace(temporary, target)
        return target

    def submission(self, sha256: str) -> dict[str, Any] | None:
        row = self._db().execute(f"SELECT {_COLUMNS} FROM submissions WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else _submission(row)

    def add_submission(self, verdict: dict[str, Any], uploaded_by: str, size: int, display: str) -> bool:
        """Record an upload's verdict; False when the same content was recorded before."""
        with self._tx() as db:
            if db.execute("SELECT 1 FROM submissions WHERE sha256 = ?", (verdict["sha256"],)).fetchone():
                return False
            db.execute(
                "INSERT INTO submissions (sha256, unit, uscc, period, report_date, status, uploaded_at, uploaded_by,"
                " size, display, verdict) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (verdict["sha256"], verdict["unit"], verdict["uscc"], verdict["period"], verdict["report_date"],
                 verdict["status"], now_text(), uploaded_by, size, display, json.dumps(verdict, ensure_ascii=False)))
        return True

    def submissions(self, uscc: str | None = None, period: str | None = None) -> list[dict[str, Any]]:
        """Newest first; only one unit's when ``uscc`` is given."""
        where, params = [], []
        if uscc is not None:
            where.append("uscc = ?")
            params.append(uscc)
        if period is not None:
            where.append("period = ?")
            params.append(period)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._db().execute(f"SELECT {_COLUMNS} FROM submissions{clause} ORDER BY id DESC", params)
        return [_submission(r) for r in rows]

    def count_submissions(self) -> int:
        return int(self._db().execute("SELECT COUNT(*) FROM submissions").fetchone()[0])

    # -- roll-ups -----------------------------------------------------------------------------------

    def start_rollup(self, user: str, period: str) -> tuple[int, Path]:
        with self._tx() as db:
            number = db.execute("INSERT INTO rollups (started, user, period, state) VALUES (?, ?, ?, 'running')",
                                (now_text(), user, period)).lastrowid
        folder = self.data / "rollups" / str(number)
        folder.mkdir(parents=True, exist_ok=True)
        return int(number), folder  # type: ignore[arg-type]

    def finish_rollup(self, number: int, state: str, message: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE rollups SET finished = ?, state = ?, message = ? WHERE id = ?",
                       (now_text(), state, message, number))

    def rollup(self, number: int) -> dict[str, Any] | None:
        row = self._db().execute("SELECT id, started, finished, user, period, state, message FROM rollups WHERE id = ?",
                                 (number,)).fetchone()
        return None if row is None else self._rollup(row)

    def latest_rollup(self, period: str | None = None) -> dict[str, Any] | None:
        sql = "SELECT id, started, finished, user, period, state, message FROM rollups WHERE state = 'done'"
        params: list[Any] = []
        if period:
            sql += " AND period = ?"
            params.append(period)
        row = self._db().execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
        return None if row is None else self._rollup(row)

    def _rollup(self, row: tuple[Any, ...]) -> dict[str, Any]:
        keys = ("id", "started", "finished", "user", "period", "state", "message")
        entry = dict(zip(keys, row))
        entry["folder"] = self.data / "rollups" / str(entry["id"])
        return entry

    def interrupted_rollups(self) -> None:
        """Roll-ups left 'running' by a server that stopped: marked failed at start-up."""
        with self._tx() as db:
            db.execute("UPDATE rollups SET state = 'failed', message = '服务停止，汇总未完成' WHERE state = 'running'")

    # -- audit --------------------------------------------------------------------------------------

    def audit(self, user: str, ip: str, action: str, detail: str = "", sha256: str = "") -> None:
        with self._tx() as db:
            db.execute("INSERT INTO audit (at, user, ip, action, detail, sha256) VALUES (?, ?, ?, ?, ?, ?)",
                       (now_text(), redact(user), ip, action, redact(detail), sha256))  # the log: IDs masked

    def audit_entries(self, limit: int = 500) -> Iterator[dict[str, Any]]:
        keys = ("at", "user", "ip", "action", "detail", "sha256")
        for row in self._db().execute(f"SELECT {', '.join(keys)} FROM audit ORDER BY id DESC LIMIT ?", (limit,)):
            yield dict(zip(keys, row))


_COLUMNS = "sha256, unit, uscc, period, report_date, status, uploaded_at, uploaded_by, size, display, verdict"


def _submission(row: tuple[Any, ...]) -> dict[str, Any]:
    keys = _COLUMNS.split(", ")
    entry = dict(zip(keys, row))
    entry["verdict"] = json.loads(entry["verdict"])
    return entry
