"""Every call the 收报台 makes into the core, in one place (the web adds no rule).

    check_upload(blob, annotated, display)   validate one stored upload (in a capped child)
    rollup_period(files, period, archive, out, refused, roster, identity)
                                             the roll-up, both returns, archive, summary (with units)
    read_roster / stored_roster / save_roster / roster_with / unit_statuses   the unit roster (名单)
    identity_of / identity_from / save_identity     the reporting unit's identity (settings page)
    rejection_notice(entry, identity, day)   退回通知 (.docx bytes)
    indicator_rows / indicator_lines         indicators as the returns show them (the catalogue)
    decide_current(items)                    which valid submission the roll-up takes per unit
    templates / profiles / functions / calc  下载模板 and 函数

``check_upload`` and ``rollup_period`` run in a child process (``addin.web.isolate``); the
others are quick and run in the server.  The caps are those of ``zhuize validate``'s
hostile-file boundary (tests/test_validate_hostile.py runs it under the same address-space
limit).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
import tomllib
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from addin.plumbing.redact import redact
from addin.cli_format import format_result
from addin.returns.identity import LABELS as IDENTITY_LABELS, UnitIdentity
from addin.problems import Problem
from addin.rollup import consolidate
from addin.rollup.intake import Intake
from addin.rollup.periods import PERIOD_NAMES, Period
from addin.rollup.roster import (
    HEADERS as ROSTER_HEADERS, LEVELS as ROSTER_LEVELS, Roster, RosterProblem, RosterUnit, roster_csv,
)
from addin.validation.report import FileReport, problem_json
from addin.validation.run import ANNOTATE_MAX_ROWS, validate_file
from udfs import registry
from udfs.errors import EngineError

MEMORY_CAP = 3 * 1024**3
"""Address space of a checking child (as the hostile-file tests give ``zhuize validate``)."""
TIME_CAP = 120.0
"""Seconds one upload may take to check (the hostile corpus takes under 3 s a file)."""
ROLLUP_TIME_CAP = 3600.0
ROLLUP_MEMORY_CAP = 8 * 1024**3

Send = Callable[..., None]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def warm() -> None:
    """Load what every child needs (the fork server calls this once)."""
    import addin.documents.letters  # noqa: F401
    import addin.returns.group  # noqa: F401
    import addin.returns.sasac  # noqa: F401
    import addin.validation.annotate  # noqa: F401
    from addin.rollup.intake import warm_engine

    warm_engine()
    _check_sample()


def _check_sample() -> None:
    """Check one small generated workbook, so that what the validator builds on first use
    (patterns, record models, lookup tables) is built here once and every child inherits it
    (about a sixth of a 600-row upload's check otherwise).  Best effort: warming never fails."""
    try:
        with tempfile.TemporaryDirectory(prefix="zhuize-warm-") as folder:
            check_upload(str(sample_workbook(Path(folder))))
    except Exception:  # noqa: BLE001 - a cold child is slower, not wrong
        pass


def sample_workbook(folder: Path) -> Path:
    """A small, valid filled workbook of the default standard (the demo group's first unit)."""
    import random

    from addin.demo.group import Generator, make_units
    from addin.workbook.templates import build_template, default_options
    from udfs.profile import get_profile

    profile = get_profile()
    parent, units = make_units(1, seed=11)
    made = Generator(units[0], parent, 2026, profile, random.Random(11), dt.date(2026, 11, 20), "XS-2026-99")
    target = folder / "sample.xlsx"
    build_template(target, default_options(profile.key, rows=1), made.info(), made.records(3))
    return target


# -- one upload ---------------------------------------------------------------------------------------


def check_upload(blob: str, send: Send | None = None) -> dict[str, Any]:
    """The validator's verdict on a stored upload (runs in the capped child): the
    ``zhuize validate --json`` file entry (without ``path``) plus unit, uscc, period,
    report_date, rows, and whether an annotated copy can be made (``annotatable``)."""
    report, submission = validate_file(Path(blob))
    info = getattr(submission, "info", None)
    year, name = getattr(info, "report_year", None), getattr(info, "report_period", None)
    verdict = report.to_json()
    verdict.pop("path", None)
    verdict.update(
        unit=_text(getattr(info, "unit_name", None)), uscc=_text(getattr(info, "uscc", None)),
        period=f"{_text(year)}-{name}" if year and name else "",
        report_date=_text(getattr(info, "report_date", None)), rows=report.rows,
        annotatable=report.status == "invalid" and report.rows <= ANNOTATE_MAX_ROWS,
    )
    return verdict


def annotate_upload(blob: str, target: str, display: str, send: Send | None = None) -> bool:
    """The annotated copy, as ``zhuize validate --annotate`` writes it (runs in the capped
    child, on first download): validated again, so the copy is the validator's own."""
    from addin.validation.annotate import annotate

    report, _ = validate_file(Path(blob))
    if report.status != "invalid" or report.rows > ANNOTATE_MAX_ROWS:
        return False
    shown = FileReport(display, report.sha256, report.status, report.problems, report.rows)
    annotate(Path(blob), shown, Path(target).parent, Path(target).name)
    return True


def unreadable_verdict(sha256: str, why: str) -> dict[str, Any]:
    """The verdict for an upload whose check did not come back (memory, time, crash)."""
    message = {
        "memory": "文件过大或结构异常，校验时超出内存上限，无法读取；请检查文件或拆分后再报送",
        "time": f"校验超过 {TIME_CAP:g} 秒仍未完成，无法读取；请检查文件是否异常",
    }.get(why, "校验此文件时读取程序异常退出，无法读取；请确认是用标准填报模板填写并另存的 .xlsx 文件")
    problem = Problem(file="", code="ZZ-FILE-CORRUPT" if why == "crash" else "ZZ-READ-INTERNAL", message=message)
    return {"sha256": sha256, "status": "unreadable", "errors": [problem_json(problem)], "warnings": [],
            "unit": "", "uscc": "", "period": "", "report_date": "", "rows": 0, "annotatable": False}


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, dict[str, Any]]:
    path = Path(__file__).resolve().parents[1] / "problem_codes.toml"
    try:
        return dict(tomllib.loads(path.read_text(encoding="utf-8")).get("codes", {}))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def fix_for(code: str) -> str:
    """How to fix a problem of this code (the problem-code catalogue), "" when not listed."""
    return str(_catalogue().get(code, {}).get("fix", ""))


# -- which submission counts ---------------------------------------------------------------------------


def decide_current(items: Iterable[dict[str, Any]]) -> dict[str, str]:
    """For valid submissions (dicts with sha256, unit, uscc, period, report_date): sha256 →
    "current", "superseded" or "conflict" — the roll-up's own decision (``consolidate``)."""
    intakes = []
    for item in items:
        report_date = dt.date.fromisoformat(item["report_date"]) if item.get("report_date") else None
        year, _, name = str(item.get("period") or "").partition("-")
        info = {"unit_name": item.get("unit"), "uscc": item.get("uscc"), "report_year": year or None,
                "report_period": name or None, "report_date": report_date}
        sha = item["sha256"]
        intakes.append(Intake(sha, sha, "standard", FileReport(sha, sha, "valid"), info))
    result = consolidate.RollupResult(None, dt.date.today())
    kept = consolidate.supersede(result, intakes)  # the very rule `zhuize rollup` applies
    verdict = {i.sha256: "current" for i in kept}
    verdict.update({old.sha256: "superseded" for old, _ in result.superseded})
    verdict.update({i.sha256: "conflict" for i in result.rejected})
    return verdict


def period_sort_key(label: str) -> tuple[Any, ...]:
    try:
        period = Period.parse(label)
    except EngineError:
        return (dt.date.min, label)
    return (period.end, period.name)


def parse_period(label: str) -> str:
    """A 报告期 as the roll-up writes it (2026-年度); raises EngineError with a Chinese message."""
    return Period.parse(label).label


def period_choices(year: int) -> list[str]:
    return [f"{y}-{name}" for y in (year, year - 1) for name in PERIOD_NAMES]


# -- the roll-up --------------------------------------------------------------------------------------

GROUP_FILE, SASAC_FILE, SUMMARY_FILE, LETTERS_FILE = "GROUP.xlsx", "SASAC.xlsx", "summary.json", "letters.zip"


def _stored_rejection(path: str, verdict: dict[str, Any]) -> Intake:
    """A submission the 收报台 refused at upload, as the roll-up's rejected input: its stored
    verdict, not read again (an unreadable file may be hostile), so the roll-up result counts
    it as ``zhuize rollup`` would have counted the file."""
    problems = [Problem(file=path, code=e["code"], message=e["message"], sheet=e.get("sheet") or "",
                        cell=e.get("cell") or "", row=e.get("row"), column=e.get("column") or "")
                for e in verdict.get("errors", [])]
    year, _, name = str(verdict.get("period") or "").partition("-")
    info = {"unit_name": verdict.get("unit") or None, "uscc": verdict.get("uscc") or None,
            "report_year": year or None, "report_period": name or None}
    status = "unreadable" if verdict.get("status") == "unreadable" else "invalid"
    report = FileReport(path, verdict.get("sha256", ""), status, problems)  # type: ignore[arg-type]
    return Intake(path, verdict.get("sha256", ""), "unreadable" if status == "unreadable" else "standard", report, info)


def rollup_period(files: list[str], period: str | None, archive: str, out: str,
                  refused: Iterable[tuple[str, dict[str, Any]]] = (), roster: Roster | None = None,
                  identity: UnitIdentity | None = None, send: Send | None = None) -> dict[str, Any]:
    """What ``zhuize rollup FILES --out GROUP.xlsx --sasac SASAC.xlsx --json summary.json
    --archive A --period P --roster R`` does (the letters come later: ``letters_bundle``).
    ``refused``: (path, stored verdict) of the period's submissions refused at upload, counted
    as rejected inputs; ``identity``: the 收报台's reporting unit (the SASAC return's 填报单位)."""
    from addin.returns.group import write_group_return
    from addin.returns.sasac import write_sasac_return

    folder = Path(out)

    def progress(done: int, total: int, rejected: int, path: str) -> None:
        if send is not None:
            send("progress", done, total + 1, rejected)

    from addin.rollup.cache import cache_path

    result = consolidate.rollup(files, period=Period.parse(period) if period else None, archive_path=archive,
                                jobs=consolidate.default_jobs(), progress=progress,
                                cache_path=cache_path(archive))  # as `zhuize rollup`: unchanged files from the cache
    for path, verdict in refused:
        intake = _stored_rejection(path, verdict)
        result.intakes.append(intake)
        result.rejected.append(intake)
    text = consolidate.summary_text(result)
    if not result.reconciled:
        return {"ok": False, "text": text, "message": "对账不平：输入行数 ≠ 汇总行数 + 退回行数，未写出任何结果，请报告此问题"}
    from addin.plumbing.outputs import OutputSet

    from addin.returns.forms import form_settings

    forms = form_settings(result.period, archive, identity=identity)  # the 收报台's [unit]; 上年同期 before this period is archived
    # all three returns or none, the archive committed only after them (its own folder: replaced each time)
    with OutputSet(files, archive, force=True, protect=[cache_path(archive)]) as outputs:
        outputs.write(folder / GROUP_FILE, lambda temporary: write_group_return(result, temporary,
                                                                                identity=forms.identity))
        outputs.write(folder / SASAC_FILE,
                      lambda temporary: write_sasac_return(result, temporary, consolidate.filer_name(result), forms))

        def finish() -> None:  # the summary counts what was archived
            outputs.write(folder / SUMMARY_FILE, lambda temporary: consolidate.write_summary(result, temporary, roster))
            outputs.commit(undoable=True)

        consolidate.archive_accepted(result, archive, before_commit=finish)
    cache = result.cache
    reused = {"hits": cache.hits, "misses": cache.misses} if cache is not None else {"hits": 0, "misses": len(files)}
    return {"ok": True, "text": text.splitlines()[0], "exit_code": result.exit_code, "cache": reused}


def letters_bundle(out: str, send: Send | None = None) -> int:
    """The letters (管理提升建议书, 一事一报告) of a roll-up's accepted workbooks, zipped, as
    ``zhuize letters`` writes them; made on first download.  Returns how many."""
    from addin.documents.letters import write_batch

    folder = Path(out)
    summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    sources = [Path(a["path"]) for a in summary.get("accepted", []) if a.get("kind") == "standard"]
    scratch = Path(tempfile.mkdtemp(prefix=".letters-", dir=folder))
    try:
        letters = write_batch(sources, scratch)
        from addin.plumbing.atomic import atomic_path

        # named as ours (a kill leaves nothing the clean-up misses); removed on any failure
        with atomic_path(folder / LETTERS_FILE) as partial, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
            for letter in letters.written:
                path = Path(letter.path)
                bundle.write(path, path.relative_to(scratch).as_posix())
            if letters.problems:
                bundle.writestr("未生成的文书.txt", redact("\n".join(str(p) for p in letters.problems) + "\n"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # only the bundle is kept
    return len(letters.written)


# -- 下载模板 and 函数 ----------------------------------------------------------------------------------


def profiles() -> dict[str, str]:
    """适用标准 key → title."""
    from udfs import profile as profile_module

    found = {}
    for key, path in profile_module.available_profiles().items():
        try:
            found[key] = profile_module.load_profile(path).title
        except EngineError:
            continue
    return found


def default_profile() -> str:
    from udfs import settings

    return settings.default_profile_name()


def write_template(folder: Path, profile: str) -> Path:
    from addin.workbook.templates import write_templates

    (path,) = write_templates(folder, profile, ("native",))
    return path


def functions() -> list[dict[str, Any]]:
    return [{"name": f.name, "signature": f.signature, "summary": f.summary, "returns": f.returns,
             "args": [{"name": a.name, "label": a.label, "help": a.help, "optional": a.optional} for a in f.args]}
            for f in registry.FUNCTIONS.values()]


def calc(name: str, args: list[str]) -> tuple[bool, str]:
    """(ok, the line ``zhuize calc NAME ARGS…`` prints — or its Chinese error)."""
    try:
        return True, format_result(registry.evaluate(name, *args))
    except EngineError as exc:
        return False, exc.cell_text


# -- 禁入查询 and the year-end drafts (addin.rollup.barred, addin.documents.yearend) ------------------


def barred_check(archive: str, id_number: str, purpose: str, who: str, full: bool,
                 as_of: dt.date | None = None) -> dict[str, Any]:
    """``zhuize barred check`` as the 收报台 asks it (the same log, channel 收报台).  ``full``
    = False (a 填报单位): only the yes/no and the end date, nothing of the entry else.
    Raises ``BarredQueryError`` with a Chinese message for a bad ID or no purpose."""
    from addin.rollup import barred

    try:
        answer = barred.check(archive, id_number, purpose, who, as_of=as_of, channel="收报台")
    except barred.BarredError as exc:
        raise BarredQueryError(str(exc)) from None
    shaped: dict[str, Any] = {"answer": answer.answer, "barred": answer.found, "id_masked": answer.masked,
                              "as_of": answer.as_of.isoformat(), "text": barred.describe(answer, full),
                              "purpose": barred.clean_purpose(purpose)}
    entry = answer.entry
    shaped["end_date"] = None if entry is None else ("终身" if entry.lifelong else _text(entry.end))
    if full and entry is not None:
        shaped |= {"term": entry.term, "start_date": _text(entry.start), "decision_no": entry.decision_no,
                   "deciding_unit": entry.deciding_unit, "unit": entry.unit}
    return shaped


class BarredQueryError(ValueError):
    pass


def barred_log(archive: str) -> list[dict[str, str]]:
    from addin.rollup import barred

    return barred.query_log(archive)


def periodic_report(archive: str, period: str, folder: str, kind: str = "定期报告") -> Path:
    """``zhuize report periodic --period P --archive A --out FOLDER`` (made again on each call).
    Raises ``addin.documents.yearend.ReportError`` (a ValueError, Chinese) when nothing is archived."""
    from addin.documents import yearend

    return yearend.write_periodic(archive, Period.parse(period), folder, kind, force=True).path


# -- the unit roster, the status of each unit (addin.rollup.roster) ----------------------------------


def read_roster(data: bytes, name: str, send: Send | None = None) -> tuple[Roster | None, list[RosterProblem]]:
    """An uploaded roster (.xlsx or .csv); run in a capped child (an .xlsx is a zip)."""
    from addin.rollup.roster import read_roster as read

    return read(data, name)


def stored_roster(path: Path) -> Roster | None:
    from addin.rollup.roster import load_roster

    if not path.is_file():
        return None
    found, _ = load_roster(path)
    return found


def save_roster(roster: Roster, path: Path) -> None:
    from addin.rollup.roster import save_roster as save

    save(roster, path)


def roster_with(roster: Roster, name: str, uscc: str, level: str) -> tuple[Roster | None, list[RosterProblem]]:
    """The roster with one more unit, checked as an uploaded one is (problems of the new row)."""
    from addin.rollup.roster import roster_from_rows

    rows = [ROSTER_HEADERS, *((u.name, u.uscc, u.level) for u in roster.units), (name, uscc, level)]
    found, problems = roster_from_rows(rows)
    return found, [p for p in problems if p.row == len(rows)] or problems


def unit_statuses(submissions: list[dict[str, Any]], summary: dict[str, Any] | None, roster: Roster) -> list[Any]:
    """Each unit's status for a period (``addin.rollup.roster``'s one definition), from its
    submissions (dicts with sha256, unit, uscc, status, decision); a submission the period's
    latest roll-up took in has the outcome the roll-up gave it (``summary``).  Sets each
    submission's ``outcome``."""
    from addin.rollup import roster as core_roster

    decided = {o.key: o.outcome for o in core_roster.outcomes_of_summary(summary)} if summary else {}
    outcomes = []
    for sub in submissions:
        outcome = decided.get(sub["sha256"])
        if outcome is None:
            if sub["status"] != "valid":
                outcome = core_roster.REFUSED
            else:
                outcome = {"current": core_roster.ACCEPTED, "conflict": core_roster.CONFLICTING}.get(
                    sub.get("decision", ""), core_roster.SUPERSEDED)
        sub["outcome"] = outcome
        outcomes.append(core_roster.Outcome(sub["uscc"], sub["unit"], outcome, sub["sha256"]))
    return core_roster.unit_statuses(outcomes, roster)


# -- the reporting unit's identity (addin.returns.identity), kept in the data folder -------------------------

class IdentityError(ValueError):
    """A value the settings page cannot take; the message is Chinese."""


def identity_of(path: Path) -> UnitIdentity:
    from addin.returns.identity import load_identity

    try:
        return load_identity(path=path)
    except EngineError:
        return UnitIdentity()


def identity_from(values: dict[str, str]) -> UnitIdentity:
    """An identity from the settings form; ``IdentityError`` for a value it cannot take."""
    from udfs.identity import uscc_problem

    try:
        identity = UnitIdentity().with_overrides(values)
    except EngineError as exc:
        raise IdentityError(exc.message) from None
    identity = identity.with_overrides({"uscc": identity.uscc.upper()})
    wrong = uscc_problem(identity.uscc) if identity.uscc else None
    if wrong:
        raise IdentityError(wrong)
    return identity


def save_identity(identity: UnitIdentity, path: Path) -> None:
    from addin.returns.identity import save_identity as save

    save(identity, path)


# -- 退回通知 (addin.documents.rejection) ---------------------------------------------------------------


def rejection_notice(entry: dict[str, Any], identity: UnitIdentity, issued: dt.date) -> tuple[bytes, str]:
    """The 退回通知 of a refused submission (a stored entry: unit, uscc, period, display,
    uploaded_at, verdict): (.docx bytes, file name)."""
    from addin.documents.rejection import RejectionNotice, notice_bytes, notice_name

    notice = RejectionNotice(entry.get("unit") or "", entry.get("uscc") or "", entry.get("period") or "",
                             entry.get("display") or "报表.xlsx", tuple(entry["verdict"].get("errors", [])), issued,
                             received=entry.get("uploaded_at") or "")
    return notice_bytes(notice, identity), notice_name(notice)


def period_text(label: str) -> str:
    """2026-年度 → 2026年度 (as a reader writes a 报告期)."""
    from addin.documents.rejection import period_text as text

    return text(label)


# -- indicators as the returns show them (addin.rollup.indicators, the catalogue) ------------------------


def indicator_shown(key: str, value: Any, values: dict[str, Any]) -> str:
    """An indicator's value with its unit: 45.76%, 5,120.35 万元, 184 条."""
    from addin.rollup.indicators import COUNT, display_text, indicator

    found = indicator(key)
    text = display_text(key, value, values)
    return f"{text} {found.unit}" if found.kind == COUNT and found.unit and text != "—" else text


def indicator_rows(indicators: dict[str, Any], keys: Iterable[str]) -> list[tuple[str, str]]:
    """(official label, value with unit) of the given indicators."""
    from addin.rollup.indicators import INDICATOR_KEYS, indicator

    return [(indicator(key).label, indicator_shown(key, indicators[key], indicators)) for key in keys
            if key in INDICATOR_KEYS and isinstance(indicators.get(key), (int, float))]


def indicator_lines(indicators: dict[str, Any]) -> list[tuple[str, str | None]]:
    """Every indicator as the forms list them (一、/（一）/其中：), HQ-only ones included:
    (row text, value) — None for a heading row."""
    from addin.rollup.indicators import HQ, form_indicators, lines

    rows: list[tuple[str, str | None]] = []
    for line in lines(form_indicators(HQ, values=[indicators])):
        key = line.indicator.key if line.indicator is not None else None
        rows.append((line.text, None if key is None else indicator_shown(key, indicators.get(key, 0), indicators)))
    return rows


def indicator_unit(key: str) -> str:
    from addin.rollup.indicators import indicator

    return indicator(key).unit
