"""The v1 corpus: version-1 workbooks (no v2 column, 模板版本 1.0) with the defects the
validator tests plant, a large generated workbook, and a few valid units to roll up.

Run through the code of version 1 it gives ``v1_results.json`` (the committed record);
``test_v1_files.py`` runs the same corpus through today's code and compares: the same
status, codes, cells and messages for every file (a required cell's message quotes its
column's help text, which may be reworded: ``HELP_QUOTED``), the same indicators for the roll-up.

To record it again (after a rule change on ``main`` that moves v1 results on purpose),
run this file with the code of the last v1 commit — the branch point of standard
version 2 — on ``PYTHONPATH``::

    git worktree add /tmp/v1 $(git merge-base HEAD main)   # or the commit before version 2
    PYTHONPATH=/tmp/v1 python tests/v1_corpus.py tests/v1_results.json

This module only uses what both versions have (``build_template``, ``validate_paths``,
``rollup``); a v1 template is ``Options.version = 1`` where that exists.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections import Counter
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import openpyxl  # noqa: E402

from udfs import identity  # noqa: E402
from udfs.profile import get_profile  # noqa: E402

from addin.rollup.consolidate import rollup  # noqa: E402
from addin.validation import validate_paths  # noqa: E402
from addin.workbook import samples  # noqa: E402
from addin.workbook.templates import build_template, default_options  # noqa: E402

D = dt.date
PROFILE = "central-2026"
FULL_LIST = 40
"""Files with more problems are recorded by their codes' counts and a digest of the list."""


def v1_options(rows: int = 10, profile: str = PROFILE) -> Any:
    options = default_options(profile, rows=rows)
    if hasattr(options, "version"):
        options.version = 1
    return options


def v1_clean() -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The sample as a v1 file holds it, made valid (XS-2026-004 has its 一事一报告)."""
    if hasattr(samples, "v1_sample"):
        info, records = samples.v1_sample()
    else:
        info, records = dict(samples.SAMPLE_INFO), copy.deepcopy(samples.SAMPLE_RECORDS)
    records["clues"][3]["event_report_date"] = D(2026, 11, 10)
    return info, records


def _uscc(number: int) -> str:
    body = f"91510100MA{number:07d}X"[:17]
    return body + identity.uscc_check_char(body)


def _units() -> list[tuple[str, Callable[[dict[str, Any], dict[str, list[dict[str, Any]]]], None]]]:
    """Valid units for the roll-up: the sample under other names, each a little different."""
    def unit(number: int, change: Callable[..., None] | None = None) -> Callable[..., None]:
        def apply(info: dict[str, Any], records: dict[str, list[dict[str, Any]]]) -> None:
            info.update(unit_name=f"示例单位{number}", uscc=_uscc(number))
            if change is not None:
                change(info, records)
        return apply

    def closed(info: dict[str, Any], records: dict[str, list[dict[str, Any]]]) -> None:
        records["clues"][0].update(stage="办结", closed_date=D(2026, 9, 30))

    def fewer(info: dict[str, Any], records: dict[str, list[dict[str, Any]]]) -> None:
        records["rectification"] = records["rectification"][:1]
        records["accountability"] = []

    def empty(info: dict[str, Any], records: dict[str, list[dict[str, Any]]]) -> None:
        for key in records:
            records[key] = []

    return [("unit-1", unit(1)), ("unit-2", unit(2, closed)), ("unit-3", unit(3, fewer)), ("unit-4", unit(4, empty))]


def build_corpus(folder: Path) -> dict[str, list[Path]]:
    """Every v1 workbook of the corpus: ``files`` to validate, ``units`` to roll up."""
    import test_validate as tv
    from workbook_cases import cases

    folder.mkdir(parents=True, exist_ok=True)
    options = v1_options()

    def build(name: str, change: Callable[..., None] | None = None) -> Path:
        info, records = v1_clean()
        if change is not None:
            change(info, records)
        return build_template(folder / f"{name}.xlsx", options, info, records)

    clean = build("clean")
    files = [clean]
    for name, change, *_ in tv.RECORD_DEFECTS:
        files.append(build(f"record-{name}", change))
    for label, clue, ratio, mitigating, _ in tv.RATIO_CASES:
        measure = "批评教育" if clue == "XS-2026-002" else "通报批评"
        files.append(build(f"ratio-{clue}-{ratio}-{mitigating}", tv._add("accountability", tv.person(
            clue_id=clue, pay_ratio=ratio, mitigating=mitigating, measure=measure))))
    for name, edit, *_ in tv.BOOK_DEFECTS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(clean)
        edit(book)
        target = folder / f"book-{name}.xlsx"
        book.save(target)
        files.append(target)
    info, records = cases(get_profile(PROFILE))
    files.append(build_template(folder / "cases.xlsx", v1_options(rows=10), info, records))
    units = [build(name, change) for name, change in _units()]
    return {"files": files, "units": units}


HELP_QUOTED = {"ZZ-REQUIRED"}
"""Codes whose message quotes the column's help text, which version 2 may reword (禁入期限
now takes any N年): their messages are not compared, their codes and cells are."""


def _message(problem: Any) -> str:
    return "" if problem.code in HELP_QUOTED else problem.message


def results(corpus: dict[str, list[Path]], indicator_keys: tuple[str, ...] | None = None) -> dict[str, Any]:
    """What the code on the path makes of the corpus: per file its status and problems,
    and the roll-up's indicators (total and by unit)."""
    report = validate_paths(corpus["files"])
    files = {}
    for file_report in report.files:
        problems = sorted([p.severity, p.code, p.sheet, p.cell, _message(p)] for p in file_report.problems)
        entry: dict[str, Any] = {"status": file_report.status}
        if len(problems) <= FULL_LIST:
            entry["problems"] = problems
        else:  # a large file: how many of each code, and a digest of the whole list
            entry["codes"] = dict(sorted(Counter(p[1] for p in problems).items()))
            entry["digest"] = hashlib.sha256(json.dumps(problems, ensure_ascii=False).encode()).hexdigest()
        files[Path(file_report.path).name] = entry
    rolled = rollup(corpus["units"], as_of=D(2026, 11, 20))
    keys = indicator_keys or tuple(rolled.totals)
    return {
        "files": files,
        "rollup": {
            "accepted": sorted(Path(i.path).name for i in rolled.accepted),
            "totals": {k: rolled.totals[k] for k in keys},
            "by_unit": {u.unit: {k: u.indicators[k] for k in keys} for u in rolled.units},
        },
    }


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE / "v1_results.json"
    with tempfile.TemporaryDirectory() as folder:
        data = results(build_corpus(Path(folder) / "v1"))
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(data['files'])} files, {len(data['rollup']['totals'])} indicators → {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
