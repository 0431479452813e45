"""Where one file's intake time goes, without a profiler's overhead (issue 24).

    PYTHONPATH=$PWD .venv/bin/python bench/profile_intake.py DIR [--repeat 3] [--cpu] [--cprofile] [--validate]

Runs ``addin.rollup.intake.intake_file`` over every workbook in DIR in this one process
(``warm_engine`` first, one untimed pass to warm the caches), with the stages wrapped in
``perf_counter`` timers, and prints each stage's milliseconds per file (inclusive: a stage's
time contains the stages it calls) and its ratio to the read floor — python-calamine
reading every sheet of the same files, timed in the same run.  The fastest of ``--repeat``
passes counts.  ``--validate``: the same for ``zhuize validate``'s path instead
(``addin.validation.run._validate_file``), in one process — no reading child, no forked
checks — so the stages add up (DIR may be one workbook: ``bench/bench_validate.py --keep``'s).
``--cpu`` times with the process's CPU clock instead of the wall clock:
steadier on a shared, busy machine (this process does its work in one thread).  ``--cprofile`` prints the top of a cProfile of one more pass instead.

``bench/bench_rollup.py --files 30 --rows 600 --only floor`` makes 30 such files.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
import types
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.machine import load_line  # noqa: E402

TIMES: dict[str, float] = defaultdict(float)
clock = time.perf_counter


def _timed(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            result = function(*args, **kwargs)
            return list(result) if isinstance(result, types.GeneratorType) else result  # a check yields
        finally:
            TIMES[label] += clock() - start
    wrapper.__name__ = getattr(function, "__name__", label)
    return wrapper


def _wrap(owner: Any, name: str, label: str | None = None) -> None:
    setattr(owner, name, _timed(label or name, getattr(owner, name)))


def instrument(validate: bool = False) -> None:
    """Timers around the stages, where their callers look them up."""
    from addin.rollup import intake
    from addin.validation import run
    from addin.workbook import read

    _wrap(intake, "sha256_of", "sha256_of")
    _wrap(intake, "_looks_consolidated", "_looks_consolidated")
    _wrap(run if validate else intake, "load_workbook")
    _wrap(read, "open_book", "  open_book (calamine from_path)")
    _wrap(read._Reader, "copied_sheets", "  read: copied_sheets")
    _wrap(read, "scan_file", "  preflight (scan_file)")
    _wrap(read._Reader, "info", "  read: info sheet")
    _wrap(read._Reader, "ledger", "  read: ledgers")
    _wrap(read._Reader, "_grid", "    calamine _grid")
    _wrap(run if validate else intake, "check_and_compute")
    _wrap(run, "_engine_values", "  engine values")
    _wrap(run, "recompute", "    recompute")
    _wrap(run, "check_deadlines", "    check_deadlines")
    run.INPUT_CHECKS = tuple(_timed(f"  input: {c.__name__}", c) for c in run.INPUT_CHECKS)
    run.ENGINE_CHECKS = tuple(_timed(f"  engine: {c.__name__}", c) for c in run.ENGINE_CHECKS)
    _wrap(run, "apply_explanations", "  apply_explanations")
    _wrap(intake, "_standard")
    _wrap(intake, "unit_indicators", "  unit_indicators")


def floor(files: list[Path]) -> float:
    from python_calamine import CalamineWorkbook

    start = clock()
    for f in files:
        book = CalamineWorkbook.from_path(str(f))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    return clock() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--cpu", action="store_true", help="the CPU clock (time.process_time)")
    parser.add_argument("--validate", action="store_true", help="zhuize validate's path, in one process")
    args = parser.parse_args()
    global clock
    if args.cpu:
        clock = time.process_time
    files = sorted(args.folder.glob("*.xlsx")) if args.folder.is_dir() else [args.folder]
    print(load_line("开始"))
    from addin.rollup.intake import intake_file, warm_engine
    from addin.validation import run

    if args.validate:
        run.HELPER_ROWS = 1 << 62  # the input checks here, not in a forked helper
        loader = run.load_workbook
        run.load_workbook = lambda *a, **k: loader(*a, **{**k, "parallel": False})  # no reading child

    def work(f: Path) -> Any:
        return run._validate_file(f, None, keep=False) if args.validate else intake_file(f, parallel=False)

    warm_engine()
    for f in files:  # untimed: the caches warm
        work(f)
    if args.cprofile:
        profile = cProfile.Profile()
        profile.enable()
        for f in files:
            work(f)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)
        return
    instrument(args.validate)
    best: dict[str, float] | None = None
    floors = []
    for _ in range(args.repeat):
        floors.append(floor(files))
        TIMES.clear()
        start = clock()
        for f in files:
            work(f)
        TIMES["intake_file"] = clock() - start
        if best is None or TIMES["intake_file"] < best["intake_file"]:
            best = dict(TIMES)
    assert best is not None
    low = min(floors)
    n = len(files)
    print(f"{n} 个文件（{'CPU' if args.cpu else '墙钟'}时间，{args.repeat} 次取最快）；读取下限（calamine 读每个表）{low / n * 1000:.1f} ms/文件")
    print(f"{'阶段':<34}{'ms/文件':>9}{'÷下限':>8}")
    total = best["intake_file"]
    if args.validate:
        best["validate (_validate_file)"] = best.pop("intake_file")
    order = ["intake_file", "validate (_validate_file)", "sha256_of", "_looks_consolidated", "load_workbook", "  preflight (scan_file)",
             "  open_book (calamine from_path)", "  read: info sheet", "  read: copied_sheets", "  read: ledgers",
             "    calamine _grid", "check_and_compute", "  engine values", "    recompute", "    check_deadlines"]
    labels = order + sorted(k for k in best if k not in order)
    for label in labels:
        if label in best:
            print(f"{label:<34}{best[label] / n * 1000:>9.1f}{best[label] / low:>8.2f}")
    if args.validate:
        print(f"validate（单进程）÷ 下限：{total / low:.2f}×")
    else:
        print(f"intake ÷ 下限：{total / low:.2f}×（目标 ≤ 1.5×）")
    print(load_line("结束"))


if __name__ == "__main__":
    main()
