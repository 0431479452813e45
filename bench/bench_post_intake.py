"""Benchmark: where the roll-up's time goes AFTER the intake (issue 24) — what a rerun after
one changed file pays on top of reading that file.

    .venv/bin/python bench/bench_post_intake.py [--files 300] [--rows 600] [--repeat 2]

The workbooks are bench_rollup.py's (cached under bench/data/).  The first run fills an
intake cache beside them (``post/cache.sqlite``; a change to the intake's code empties
it); then, in this one process, each repetition times the roll-up from the warm cache
(hashing, cache reads, consolidation, 统一编号) and the writers: the group return by part
(汇总, 逾期事项, 校验结果, xlsxwriter's packaging, the ledgers streamed in by
``addin.plumbing.xlsx_tables.add_tables``), the SASAC return and the summary JSON.  Wall
and CPU seconds (CPU counts the deflating thread too).  No target of its own: the rerun's
target (≤ 20% of the full roll-up) is bench_rollup.py's.

A profile of the same part:

    .venv/bin/python -m cProfile -s tottime bench/bench_post_intake.py --files 60 --repeat 1 | head -60
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--rows", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    import bench_rollup
    import machine

    print(machine.load_line("开始"))
    folder = bench_rollup.make_files(args.files, args.rows)
    work = folder / "post"
    (work / "out").mkdir(parents=True, exist_ok=True)
    cache = work / "cache.sqlite"

    import xlsxwriter

    from addin.returns import group
    from addin.returns.sasac import write_sasac_return
    from addin.rollup import consolidate

    parts: dict[str, float] = {}

    def timed(owner: object, name: str, label: str) -> None:
        function = getattr(owner, name)

        @functools.wraps(function)
        def wrapper(*a: object, **k: object) -> object:
            start = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                parts[label] = parts.get(label, 0.0) + time.perf_counter() - start
        setattr(owner, name, wrapper)

    for method, label in (("summary", "汇总"), ("overdue", "逾期事项"), ("results", "校验结果")):
        timed(group.GroupWriter, method, label)
    timed(xlsxwriter.Workbook, "close", "打包")
    timed(group, "add_tables", "台账行")

    def run() -> object:
        return consolidate.rollup([folder / "in"], as_of=dt.date(2026, 11, 23), jobs=2, cache_path=cache)

    start = time.perf_counter()
    result = run()
    if result.cache.misses:  # type: ignore[attr-defined]
        print(f"填充缓存：读取 {result.cache.misses} 个文件 {time.perf_counter() - start:.1f} s")  # type: ignore[attr-defined]
    for _ in range(args.repeat):
        parts.clear()
        line = []
        for old in (work / "out").glob("*.*"):  # the writers make their files afresh
            old.unlink()
        for label, step in (("汇总(缓存)", run),
                            ("集团汇总", lambda: group.write_group_return(result, work / "out" / "GROUP.xlsx")),
                            ("国资委报表", lambda: write_sasac_return(result, work / "out" / "SASAC.xlsx")),
                            ("JSON", lambda: consolidate.write_summary(result, work / "out" / "summary.json"))):
            wall, cpu = time.perf_counter(), time.process_time()
            value = step()
            if label == "汇总(缓存)":
                result = value
            line.append(f"{label} {time.perf_counter() - wall:.2f} s（CPU {time.process_time() - cpu:.2f}）")
        print("；".join(line))
        print("  集团汇总各部分：" + "，".join(f"{k} {v:.2f} s" for k, v in parts.items()))
    print(machine.load_line("结束"))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    main()
