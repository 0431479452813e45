"""The group's barred-persons register (禁入限制人员名册) and the check before an appointment.

    register(archive)                    every 禁入限制人员 row of every accepted submission
    check(archive, id, purpose, who, …)  在禁入期内 / 未查到, and the query logged
    query_log(archive)                   who asked, when, why, the answer — the ID masked

The register is consolidated from the archive.  A unit's 禁入限制人员 sheet is a standing
register: each submission lists everyone the unit has barred.  So for each unit the latest
accepted submission (by 报告期, 填报日期, then order of archiving — the roll-up's own order)
decides: an entry it lists is current; an entry an earlier submission listed and the latest
no longer lists is 已撤销; an entry it lists with other term, dates or document is 已更正
(the earlier version kept in the history).  Entries are matched by 身份证号码 and 决定文号.

Standard v2 adds 作出决定单位 and 违规事实 and any term N年 (N ≥ 5): read when present,
blank when absent.  The 截止日期 is the stored computed cell; when missing it is the
start date plus N years (EDATE), none for 终身.

The log lives in the archive (table ``barred_queries``).  The ID is stored only as an
HMAC-SHA256 under a key kept in the user folder (``barred.key``, never in the archive) and
as a masked text (first 4 and last 4 characters).  The register is never exported: no
function here writes it to a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from addin.plumbing.redact import mask, redact
from addin.rollup.archive import has_submissions, skipped_row, stored_row
from udfs import settings
from udfs.dates import edate

SHEET = "禁入限制人员"
LIFELONG = "终身"
ACTIVE, NOT_FOUND = "在禁入期内", "未查到"
CURRENT, REVOKED, CORRECTED = "有效", "已撤销", "已更正"
KEY_FILE = "barred.key"

LOG_SCHEMA = """
CREATE TABLE IF NOT EXISTS barred_queries (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    channel TEXT NOT NULL,
    purpose TEXT NOT NULL,
    id_hash TEXT NOT NULL,
    id_masked TEXT NOT NULL,
    as_of TEXT NOT NULL,
    answer TEXT NOT NULL,
    end_date TEXT NOT NULL DEFAULT '',
    decision_no TEXT NOT NULL DEFAULT ''
);
"""

_ID = re.compile(r"^\d{17}[\dX]$")


class BarredError(ValueError):
    """A query we cannot answer as asked (bad ID, no purpose), in Chinese."""


@dataclass(frozen=True)
class BarredEntry:
    name: str
    id_number: str
    unit: str
    uscc: str
    former_unit: str
    former_position: str
    term: str
    start: dt.date | None
    end: dt.date | None
    decision_no: str
    deciding_unit: str
    facts: str
    clue_id: str
    period: str
    sha256: str
    status: str = CURRENT

    @property
    def lifelong(self) -> bool:
        return self.term == LIFELONG

    def active_on(self, day: dt.date) -> bool:
        """In force on ``day``: from the start date, up to and including the end date."""
        if self.status != CURRENT or self.start is None or day < self.start:
            return False
        return self.lifelong or (self.end is not None and day <= self.end)

    def _content(self) -> tuple[Any, ...]:
        return (self.term, self.start, self.end, self.decision_no, self.deciding_unit, self.former_unit,
                self.former_position, self.name)


@dataclass(frozen=True)
class Answer:
    answer: str
    masked: str
    as_of: dt.date
    entry: BarredEntry | None = None

    @property
    def found(self) -> bool:
        return self.answer == ACTIVE


# -- the ID: normalised, masked, hashed ------------------------------------------------------------


def normalise_id(text: str) -> str:
    value = re.sub(r"\s+", "", str(text or "")).upper()
    value = value.translate(str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX"))
    if not _ID.match(value):
        raise BarredError("身份证号码应为18位（17位数字加1位数字或X）；请核对后再查询")
    return value


mask_id = mask
"""The project's one mask (``addin.plumbing.redact``): first 4 and last 4 characters kept."""


def clean_purpose(text: str) -> str:
    """The purpose as logged: an ID number written into it, in any form, is masked too."""
    return redact(_text(text))


def key_path() -> Path:
    return settings.user_home() / KEY_FILE


def _key() -> bytes:
    path = key_path()
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    from addin.plumbing.outputs import temporary_beside

    temporary = temporary_beside(path)  # (0600) named as ours: a kill leaves nothing the clean-up misses
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32))
    try:
        os.link(temporary, path)  # never replace a key another process made meanwhile
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def id_hash(id_number: str) -> str:
    return hmac.new(_key(), normalise_id(id_number).encode("ascii"), hashlib.sha256).hexdigest()


# -- the register ---------------------------------------------------------------------------------


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _end(term: str, start: dt.date | None, stored: Any) -> dt.date | None:
    if term == LIFELONG:
        return None
    end = _date(stored)
    if end is not None:
        return end
    match = re.fullmatch(r"(\d{1,3})\s*年", term)
    if match is None and re.fullmatch(r"\d+\s*年", term):
        raise ValueError("禁入期限不合理")  # 9999年: the row is reported and skipped
    return edate(start, int(match.group(1)) * 12) if start is not None and match else None


def _entry(row: dict[str, Any], unit: str, uscc: str, period: str, sha256: str) -> BarredEntry:
    term = _text(row.get("禁入期限"))
    start = _date(row.get("起始日期"))
    number = _text(row.get("身份证号码")).upper()
    return BarredEntry(
        name=_text(row.get("姓名")), id_number=number, unit=unit, uscc=uscc,
        former_unit=_text(row.get("原任职单位")), former_position=_text(row.get("原任职务")), term=term,
        start=start, end=_end(term, start, row.get("截止日期")), decision_no=_text(row.get("决定文号")),
        deciding_unit=_text(row.get("作出决定单位")) or unit, facts=_text(row.get("违规事实")),
        clue_id=_text(row.get("关联线索编号")), period=period, sha256=sha256,
    )


def _submissions(db: sqlite3.Connection) -> list[tuple[int, str, str, str, str, str]]:
    return db.execute(
        "SELECT id, sha256, uscc, unit, year || '-' || period, path FROM submissions"
        " ORDER BY period_end, filed_on, id").fetchall()


def _entries(db: sqlite3.Connection, sid: int, unit: str, uscc: str, period: str, sha: str,
             where: str) -> list[BarredEntry]:
    """A submission's entries; a row that cannot be read or makes no sense (a damaged byte,
    a term of 9999年 from before the validator refused it) is reported by file and row
    number — never by its content — and skipped."""
    found = []
    for number, data in db.execute("SELECT row_number, data FROM rows WHERE submission_id = ? AND sheet = ?"
                                   " ORDER BY row_number", (sid, SHEET)):
        row = stored_row(data, where, SHEET, number)
        if row is None:
            continue
        try:
            found.append(_entry(row, unit, uscc, period, sha))
        except (ValueError, OverflowError, TypeError, AttributeError):
            skipped_row(where, SHEET, number)
    return found


def register(archive: Path | str, *, history: bool = False) -> list[BarredEntry]:
    """The consolidated register: every unit's current entries (status 有效); with
    ``history`` also the superseded versions (已更正) and the dropped ones (已撤销)."""
    path = Path(archive)
    if not path.exists():
        return []
    db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        by_unit: dict[str, list[tuple[str, list[BarredEntry]]]] = {}
        if not has_submissions(db):
            return []
        for sid, sha, uscc, unit, period, where in _submissions(db):
            by_unit.setdefault(uscc, []).append((sha, _entries(db, sid, unit, uscc, period, sha, where)))
    finally:
        db.close()
    found: list[BarredEntry] = []
    for uscc in sorted(by_unit):
        versions = by_unit[uscc]
        latest = versions[-1][1]
        found.extend(latest)
        if not history:
            continue
        key = lambda e: (e.id_number, e.decision_no)  # noqa: E731
        now = {key(e): e for e in latest}
        seen: set[tuple[Any, ...]] = set()
        for _, entries in reversed(versions[:-1]):
            for old in entries:
                mark = (key(old), old._content())
                if mark in seen:
                    continue
                seen.add(mark)
                current = now.get(key(old)) or next((e for e in latest if e.id_number == old.id_number), None)
                if current is None:
                    found.append(_with(old, REVOKED))
                elif current._content() != old._content():
                    found.append(_with(old, CORRECTED))
    return found


def _with(entry: BarredEntry, status: str) -> BarredEntry:
    from dataclasses import replace

    return replace(entry, status=status)


def active(archive: Path | str, day: dt.date) -> list[BarredEntry]:
    return [e for e in register(archive) if e.active_on(day)]


# -- the check and its log ------------------------------------------------------------------------


def _log_db(archive: Path | str) -> sqlite3.Connection:
    path = Path(archive)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(LOG_SCHEMA)
    return db


def check(archive: Path | str, id_number: str, purpose: str, who: str, *, as_of: dt.date | None = None,
          channel: str = "命令行") -> Answer:
    """在禁入期内 (with the entry in force on ``as_of``, today by default) or 未查到; the
    query is logged before the answer is returned."""
    number = normalise_id(id_number)
    purpose = clean_purpose(purpose)
    if not purpose:
        raise BarredError("请写明查询用途（如：拟任某公司董事）；每次查询都会登记用途")
    day = as_of or dt.date.today()
    matches = [e for e in active(archive, day) if e.id_number == number]
    matches.sort(key=lambda e: (not e.lifelong, -(e.end or dt.date.max).toordinal()))
    entry = matches[0] if matches else None
    answer = Answer(ACTIVE if entry else NOT_FOUND, mask_id(number), day, entry)
    db = _log_db(archive)
    try:
        db.execute(
            "INSERT INTO barred_queries (at, who, channel, purpose, id_hash, id_masked, as_of, answer, end_date,"
            " decision_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (dt.datetime.now().isoformat(timespec="seconds"), who, channel, purpose, id_hash(number), answer.masked,
             day.isoformat(), answer.answer, entry.end.isoformat() if entry and entry.end else
             (LIFELONG if entry else ""), entry.decision_no if entry else ""))
    finally:
        db.close()
    return answer


def query_log(archive: Path | str) -> list[dict[str, str]]:
    path = Path(archive)
    if not path.exists():
        return []
    db = _log_db(path)
    try:
        keys = ("at", "who", "channel", "purpose", "id_masked", "as_of", "answer", "end_date", "decision_no")
        return [dict(zip(keys, row)) for row in db.execute(
            f"SELECT {', '.join(keys)} FROM barred_queries ORDER BY id")]
    finally:
        db.close()


def queries_of(archive: Path | str, id_number: str) -> int:
    """How often this ID was asked about (by its keyed hash)."""
    db = _log_db(archive)
    try:
        return int(db.execute("SELECT COUNT(*) FROM barred_queries WHERE id_hash = ?",
                              (id_hash(id_number),)).fetchone()[0])
    finally:
        db.close()


def describe(answer: Answer, full: bool = True) -> str:
    """The answer as a clerk reads it; ``full`` = False gives only yes/no and the end date
    (what a 填报单位 may see)."""
    if answer.entry is None:
        return f"{answer.masked}：{NOT_FOUND}（截至 {answer.as_of.isoformat()}，集团禁入限制人员名册中没有在禁入期内的记录）"
    entry = answer.entry
    end = "终身" if entry.lifelong else (entry.end.isoformat() if entry.end else "—")
    if not full:
        return f"{answer.masked}：{ACTIVE}（截止日期 {end}）"
    return (f"{answer.masked}：{ACTIVE}（禁入期限 {entry.term}，截止日期 {end}，决定文号 {entry.decision_no or '—'}，"
            f"作出决定单位 {entry.deciding_unit or '—'}）")


def usage(archive: Path | str, start: dt.date, end: dt.date) -> dict[str, int]:
    """For the 定期报告: entries recorded, in force at ``end``, queries and hits in [start, end]."""
    entries = register(archive)
    log = [q for q in query_log(archive) if start.isoformat() <= q["at"][:10] <= end.isoformat()]
    return {
        "在册人数": len(entries),
        "本期录入人数": sum(1 for e in entries if e.start is not None and start <= e.start <= end),
        "期末在禁入期内人数": sum(1 for e in entries if e.active_on(end)),
        "终身禁入人数": sum(1 for e in entries if e.lifelong),
        "查询次数": len(log),
        "查询命中次数": sum(1 for q in log if q["answer"] == ACTIVE),
    }


def entries_for(archive: Path | str, ids: Iterable[str]) -> list[BarredEntry]:
    wanted = {i.upper() for i in ids}
    return [e for e in register(archive) if e.id_number in wanted]
