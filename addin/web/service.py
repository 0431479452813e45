"""What the pages and the JSON API both do: take an upload, list what a user may see,
run a roll-up.  Everything about workbooks is asked of ``addin.web.core``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from addin.web import core
from addin.web.isolate import run_capped
from addin.web.security import Signer, Throttle
from addin.web.store import LOCAL_USER, ROLE_GROUP, Store, User

ROSTER_FILE, CONFIG_FILE = "roster.csv", "config.toml"
"""In the data folder: the unit roster, and the 收报台's own config ([unit], the identity)."""
STATUS_LABELS = {"valid": "通过", "invalid": "有错误", "unreadable": "无法读取"}
CURRENT_LABELS = {"current": "当前报表", "superseded": "被替代", "conflict": "冲突（填报日期相同）"}


class Refused(Exception):
    """A request we answer with a status and a Chinese message (403, 404, 409, 413…)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class Config:
    data: Path
    max_upload: int = 20 * 1024 * 1024
    session_lifetime: float = 12 * 3600
    token_lifetime: float = 12 * 3600
    local_mode: bool = False
    """No account yet and bound to 127.0.0.1: the one-time token logs in as 本机 (集团)."""
    parallel_checks: int = field(default_factory=lambda: cores())
    """Uploads checked at once (the others wait their turn): one per core, as more only
    share the cores and each check then takes as much longer."""
    memory_cap: int = core.MEMORY_CAP
    time_cap: float = core.TIME_CAP


@dataclass
class RollupJob:
    number: int
    period: str
    done: int = 0
    total: int = 1
    rejected: int = 0
    state: str = "running"
    message: str = ""
    finished: threading.Event = field(default_factory=threading.Event)


class Service:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.store = Store(config.data)
        self.store.interrupted_rollups()
        self.signer = Signer(self.store.secret_key())
        self.throttle = Throttle()
        self.local_token: str | None = None
        self._checks = threading.BoundedSemaphore(max(1, config.parallel_checks))
        self._rollup_lock = threading.Lock()
        self.jobs: dict[int, RollupJob] = {}
        self._annotating: dict[str, threading.Lock] = {}

    # -- who ----------------------------------------------------------------------------------------

    def user(self, name: str) -> User | None:
        if name == LOCAL_USER:
            if self.config.local_mode and not self.store.has_accounts():
                return User(LOCAL_USER, ROLE_GROUP)
            return None
        found = self.store.user(name)
        return None if found is None or found.disabled else found

    @staticmethod
    def may_see(user: User, submission: dict[str, Any]) -> bool:
        return user.is_group or (bool(user.uscc) and submission["uscc"] == user.uscc)

    # -- uploads ------------------------------------------------------------------------------------

    def ingest(self, user: User, source: BinaryIO, display: str, ip: str) -> tuple[dict[str, Any], bool]:
        """Store and check one upload; (its verdict, whether it was new).  Raises ``Refused``."""
        temporary = self.store.incoming()
        digest, size = hashlib.sha256(), 0
        try:
            with temporary.open("wb") as out:
                while chunk := source.read(1 << 20):
                    size += len(chunk)
                    if size > self.config.max_upload:
                        raise Refused(413, self.too_large())
                    digest.update(chunk)
                    out.write(chunk)
            sha = digest.hexdigest()
            known = self.store.submission(sha)
            if known is not None:
                temporary.unlink()
                if not self.may_see(user, known):
                    self.store.audit(user.name, ip, "上报被拒", "另一单位的报表", sha)
                    raise Refused(403, self.other_unit(known["uscc"]))
                self.store.audit(user.name, ip, "重复上报", "内容与已上报的文件完全相同", sha)
                return known["verdict"] | {"sha256": sha}, False
            verdict = self._check(temporary, sha)
            if not user.is_group:
                if verdict["uscc"] and verdict["uscc"] != user.uscc:
                    self.store.audit(user.name, ip, "上报被拒", f"工作簿的统一社会信用代码为 {verdict['uscc']}", sha)
                    raise Refused(403, self.other_unit(verdict["uscc"]))
                if not verdict["uscc"]:
                    verdict["uscc"] = user.uscc
                    verdict["unit"] = verdict["unit"] or user.name
            self.store.keep_blob(temporary, sha)
            added = self.store.add_submission(verdict, user.name, size, display[:200])
            self.store.audit(user.name, ip, "上报", f"{STATUS_LABELS[verdict['status']]}；{verdict['unit']} {verdict['period']}", sha)
            return verdict, added
        finally:
            temporary.unlink(missing_ok=True)

    def _check(self, path: Path, sha: str) -> dict[str, Any]:
        with self._checks:
            outcome = run_capped(core.check_upload, (str(path),), self.config.memory_cap, self.config.time_cap,
                                 env=_env())
        if outcome.failed or not isinstance(outcome.value, dict):
            return core.unreadable_verdict(sha, outcome.failed)
        verdict = outcome.value
        verdict["sha256"] = sha
        return verdict

    def annotated(self, entry: dict[str, Any]) -> Path | None:
        """The annotated copy of an invalid submission, made on first request (capped child)."""
        sha = entry["sha256"]
        target = self.store.annotated_path(sha)
        if not entry["verdict"].get("annotatable"):
            return None
        with self._annotating.setdefault(sha, threading.Lock()):
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                with self._checks:
                    outcome = run_capped(core.annotate_upload, (str(self.store.blob_path(sha)), str(target),
                                                                entry["display"] or entry["unit"]),
                                         self.config.memory_cap, self.config.time_cap, env=_env())
                if outcome.failed or not outcome.value:
                    target.unlink(missing_ok=True)
                    return None
        return target if target.is_file() else None

    def too_large(self) -> str:
        return (f"文件超过上传上限 {self.config.max_upload / 1024 / 1024:g} MB，未接收；"
                "请确认上传的是本单位的填报工作簿（.xlsx），过大的工作簿请删除多余的空行和图片后再上传")

    @staticmethod
    def other_unit(uscc: str) -> str:
        return (f"该工作簿「填报信息」中的统一社会信用代码为 {uscc}，不是本账户所属单位；"
                "只能上报本单位的报表，请核对后重新上传")

    # -- listings -----------------------------------------------------------------------------------

    def listing(self, user: User, period: str | None = None) -> list[dict[str, Any]]:
        """What the user may see, newest first, each marked ``current`` as the roll-up decides."""
        mine = self.store.submissions(None if user.is_group else user.uscc, period)
        # every (unit, period) shown has all its submissions here: the decision needs no other
        decision = core.decide_current([s for s in mine if s["status"] == "valid"])
        for entry in mine:
            entry["decision"] = decision.get(entry["sha256"], "")
            entry["current"] = entry["decision"] == "current"
        return mine

    def is_current(self, user: User, verdict: dict[str, Any]) -> bool:
        """Whether this upload is the one the roll-up takes for its unit and period (as
        ``listing`` marks it), from that unit's submissions of the period alone."""
        if verdict.get("status") != "valid":
            return False
        period = verdict.get("period") or ""
        same = [s for s in self.store.submissions(verdict.get("uscc") or "", period or None)
                if s["period"] == period and s["status"] == "valid" and self.may_see(user, s)]
        return core.decide_current(same).get(verdict["sha256"]) == "current"

    def periods(self) -> list[str]:
        labels = {s["period"] for s in self.store.submissions() if s["period"]}
        return sorted(labels, key=core.period_sort_key, reverse=True)

    # -- the roster, the identity (the data folder's own files) -------------------------------------

    @property
    def roster_file(self) -> Path:
        return self.config.data / ROSTER_FILE

    @property
    def config_file(self) -> Path:
        return self.config.data / CONFIG_FILE

    def stored_roster(self) -> core.Roster | None:
        """The roster HQ uploaded or maintains (None when none yet)."""
        return core.stored_roster(self.roster_file)

    def roster(self) -> core.Roster:
        """Who must report: the stored roster, else the 填报单位 accounts."""
        stored = self.stored_roster()
        if stored is not None:
            return stored
        return core.Roster(tuple(core.RosterUnit(name, uscc) for uscc, name in self.store.units()))

    def save_roster(self, roster: core.Roster) -> None:
        core.save_roster(roster, self.roster_file)

    def identity(self) -> core.UnitIdentity:
        """The reporting unit's identity as the 收报台 keeps it (never the user's ~/.zhuize)."""
        return core.identity_of(self.config_file)

    def save_identity(self, identity: core.UnitIdentity) -> None:
        core.save_identity(identity, self.config_file)

    # -- status --------------------------------------------------------------------------------------

    def rollup_summary(self, period: str) -> dict[str, Any] | None:
        path = self.output("summary", period)
        if path is None:
            return None
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) else None

    def units_status(self, period: str, summary: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The period's units — every roster unit, every unit that sent something: 已报 / 退回 /
        冲突 / 未报 (``addin.rollup.roster.status_of``, the roll-up's own definition), last upload,
        and how many were superseded.  A submission the period's latest roll-up took in has the
        outcome the roll-up gave it; one sent since, the outcome the upload check and the
        supersession rule give it."""
        subs = self.listing(User("", ROLE_GROUP), period)
        statuses = core.unit_statuses(subs, summary, self.roster())
        by_unit: dict[str, list[dict[str, Any]]] = {}
        for sub in subs:
            by_unit.setdefault(sub["uscc"], []).append(sub)
        rows = []
        for entry in statuses:
            subs_of = by_unit.get(entry.uscc, [])
            rows.append({"unit": entry.unit, "uscc": entry.uscc, "level": entry.level, "status": entry.status,
                         "listed": entry.listed, "last": subs_of[0]["uploaded_at"] if subs_of else "",
                         "superseded": sum(1 for s in subs_of if s["outcome"] == "superseded"),
                         "uploads": len(subs_of),
                         "current": next((s for s in subs_of if s["outcome"] == "accepted"), None),
                         "latest": subs_of[0] if subs_of else None,
                         "refused": next((s for s in subs_of if s["status"] != "valid"), None)
                         if entry.status == "退回" else None})
        return rows

    # -- roll-up ------------------------------------------------------------------------------------

    def start_rollup(self, user: User, period: str | None, ip: str) -> RollupJob:
        """Start a roll-up in the background (one at a time); raises ``Refused``."""
        chosen = core.parse_period(period) if period else (self.periods() or [None])[0]
        if chosen is None:
            raise Refused(409, "还没有任何单位上报通过校验的报表，无法汇总")
        stored = self.store.submissions(period=chosen)
        files = [str(self.store.blob_path(s["sha256"])) for s in stored if s["status"] == "valid"]
        refused = [(str(self.store.blob_path(s["sha256"])), s["verdict"] | {"sha256": s["sha256"]})
                   for s in stored if s["status"] != "valid"]
        if not files:
            raise Refused(409, f"报告期 {chosen} 还没有通过校验的报表，无法汇总")
        if not self._rollup_lock.acquire(blocking=False):
            raise Refused(409, "已有一次汇总正在进行，请等它完成后再试")
        try:
            number, folder = self.store.start_rollup(user.name, chosen)
        except BaseException:
            self._rollup_lock.release()
            raise
        job = RollupJob(number, chosen, total=len(files) + 1)
        self.jobs[number] = job
        self.store.audit(user.name, ip, "汇总", f"{chosen}：{len(files)} 份通过校验的报表")
        extra = (refused, self.roster(), self.identity())
        threading.Thread(target=self._run_rollup, args=(job, files, folder, extra), daemon=True).start()
        return job

    def _run_rollup(self, job: RollupJob, files: list[str], folder: Path, extra: tuple[Any, ...] = ((), None, None)) -> None:
        def progress(kind: str, done: int, total: int, rejected: int) -> None:
            job.done, job.total, job.rejected = done, total, rejected

        try:
            outcome = run_capped(core.rollup_period, (files, job.period, str(self.store.archive), str(folder), *extra),
                                 core.ROLLUP_MEMORY_CAP, core.ROLLUP_TIME_CAP, progress, env=_env())
            value = outcome.value if isinstance(outcome.value, dict) else {}
            if outcome.failed:
                job.state, job.message = "failed", f"汇总未完成（{outcome.failed} {outcome.detail}）"
            elif not value.get("ok"):
                job.state, job.message = "failed", str(value.get("message", "汇总未完成"))
            else:
                job.state, job.message = "done", str(value.get("text", ""))
        except Exception as exc:  # noqa: BLE001 - the job's failure is its state
            job.state, job.message = "failed", f"汇总未完成（{type(exc).__name__}）"
        finally:
            job.done = job.total
            self.store.finish_rollup(job.number, job.state, job.message)
            self._rollup_lock.release()
            job.finished.set()

    def job(self, number: int) -> RollupJob | None:
        if number in self.jobs:
            return self.jobs[number]
        entry = self.store.rollup(number)
        if entry is None:
            return None
        job = RollupJob(number, entry["period"], 1, 1, 0, entry["state"], entry["message"])
        job.finished.set()
        return job

    def output(self, kind: str, period: str | None = None) -> Path | None:
        """The latest finished roll-up's file of this kind."""
        entry = self.store.latest_rollup(period)
        names = {"group": core.GROUP_FILE, "sasac": core.SASAC_FILE, "summary": core.SUMMARY_FILE,
                 "letters": core.LETTERS_FILE}
        if entry is None or kind not in names:
            return None
        path = entry["folder"] / names[kind]
        if kind == "letters" and not path.is_file():
            with self._annotating.setdefault(f"letters-{entry['id']}", threading.Lock()):
                if not path.is_file():
                    run_capped(core.letters_bundle, (str(entry["folder"]),), core.ROLLUP_MEMORY_CAP,
                               core.ROLLUP_TIME_CAP, env=_env())
        return path if path.is_file() else None

    def template(self, profile: str) -> Path:
        choices = core.profiles()
        if profile not in choices:
            raise Refused(404, f"没有名为“{profile}”的适用标准")
        folder = self.config.data / "templates" / f"p{sorted(choices).index(profile)}"
        found = sorted(folder.glob("*.xlsx")) if folder.is_dir() else []
        marker = folder / "profile.txt"
        if found and marker.is_file() and marker.read_text(encoding="utf-8") == profile:
            return found[0]
        path = core.write_template(folder, profile)
        marker.write_text(profile, encoding="utf-8")
        return path


def cores() -> int:
    """The cores this process may run on (its affinity where the system tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k.startswith("ZHUIZE_")}


def today() -> dt.date:
    return dt.date.today()
