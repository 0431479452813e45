"""Benchmark: vectorised ZZ_LOSS_GRADE and ZZ_WORKDAY over N rows against a per-row
Python loop of the same engine, in one run on the same machine.

    .venv/bin/python bench/bench_engine.py [--rows 1000000]

Prints times and ratios.  Targets (issue 2): 1,000,000 loss grades in well under a
second, and the vectorised path ≥ 20× the loop.  The loop is timed on a slice and
scaled, so the run stays short; both paths' results are compared on that slice.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from udfs import registry


def make_rows(n: int, seed: int = 20261123) -> tuple[list[float], list[float], list[dt.date], list[float]]:
    rng = random.Random(seed)
    losses = [round(rng.uniform(0, 8000), 2) for _ in range(n)]
    assets = [round(rng.uniform(1000, 500000), 2) for _ in range(n)]
    base = dt.date(2026, 1, 1)
    starts = [base + dt.timedelta(days=rng.randrange(0, 300)) for _ in range(n)]
    days = [float(rng.randrange(-20, 40)) for _ in range(n)]
    return losses, assets, starts, days


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--loop-rows", type=int, default=50_000, help="rows timed in the per-row loop, then scaled")
    parser.add_argument("--profile", default="yibin-2020")
    args = parser.parse_args()
    import machine  # bench/machine.py, beside this script
    load_line = machine.load_line
    print(load_line("开始"))

    losses, assets, starts, days = make_rows(args.rows)
    ctx = registry.Context()
    registry.evaluate_rows("ZZ_WORKDAY", [starts[:10], days[:10]], ctx=ctx)  # build the calendar once
    profiles = [args.profile]
    m = min(args.loop_rows, args.rows)
    scale = args.rows / m

    print(f"行数 {args.rows:,}；逐行循环计时 {m:,} 行后按比例换算；适用标准 {args.profile}")
    for name, columns in (
        ("ZZ_LOSS_GRADE", [losses, assets, profiles]),
        ("ZZ_WORKDAY", [starts, days]),
    ):
        vector_time, vector_out = timed(lambda: registry.evaluate_rows(name, columns, ctx=ctx))
        sliced = [c[:m] if len(c) > 1 else c * m for c in columns]
        loop_time, loop_out = timed(
            lambda: [registry.evaluate(name, *row, ctx=ctx) for row in zip(*sliced)]
        )
        loop_full = loop_time * scale
        agree = vector_out[:m] == loop_out
        print(
            f"{name:<15} 向量化 {vector_time:7.3f} s   逐行循环 {loop_full:7.3f} s（{loop_time:.3f} s × {scale:g}）"
            f"   倍数 {loop_full / vector_time:6.1f}×   结果一致 {agree}"
        )
        if not agree:
            raise SystemExit(f"{name}: 向量化结果与逐行结果不一致")


if __name__ == "__main__":
    main()
    import machine  # bench/machine.py, beside this script
    load_line = machine.load_line
    print(load_line("结束"))
