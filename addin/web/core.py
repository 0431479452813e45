"""Every call the 收报台 makes into the core, in one place (the web adds no rule).

    check_upload(blob, annotated, display)   validate one stored upload (in a capped child)
    rollup_period(files, period, archive, out) the roll-up, both returns, archive, summary, letters
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

from addin.cli_format import format_result
from addin.problems import Problem
from addin.rollup import consolidate
from addin.rollup.intake import Intake
from addin.rollup.periods import PERIOD_NAMES, Period
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


def rollup_period(files: list[str], period: str | None, archive: str, out: str,
                  send: Send | None = None) -> dict[str, Any]:
    """What ``zhuize rollup FILES --out GROUP.xlsx --sasac SASAC.xlsx --json summary.json
    --archive A --period P`` does (the letters come later: ``letters_bundle``)."""
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
    text = consolidate.summary_text(result)
    if not result.reconciled:
        return {"ok": False, "text": text, "message": "对账不平：输入行数 ≠ 汇总行数 + 退回行数，未写出任何结果，请报告此问题"}
    from addin.plumbing.outputs import OutputSet

    with OutputSet(files, archive) as outputs:  # all three returns or none, the archive committed with them
        outputs.write(folder / GROUP_FILE, lambda temporary: write_group_return(result, temporary))
        outputs.write(folder / SASAC_FILE,
                      lambda temporary: write_sasac_return(result, temporary, consolidate.filer_name(result)))
        consolidate.archive_accepted(result, archive)  # before the summary, which counts what it archived
        outputs.write(folder / SUMMARY_FILE, lambda temporary: consolidate.write_summary(result, temporary))
        outputs.commit()
    cache = result.cache
    reused = {"hits": cache.hits, "misses": cache.misses} if cache is not None else {"hits": 0, "misses": len(files)}
    return {"ok": True, "text": text, "exit_code": result.exit_code, "cache": reused}


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
        partial = folder / f".{LETTERS_FILE}.tmp"
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
            for letter in letters.written:
                path = Path(letter.path)
                bundle.write(path, path.relative_to(scratch).as_posix())
            if letters.problems:
                bundle.writestr("未生成的文书.txt", "\n".join(str(p) for p in letters.problems) + "\n")
        partial.replace(folder / LETTERS_FILE)
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
