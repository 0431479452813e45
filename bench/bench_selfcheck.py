"""Benchmark: LibreOffice's recalculation of a filled template with and without 自查.

    .venv/bin/python bench/bench_selfcheck.py [--rows 5000] [--repeat 1]

Builds the native template for central-2026 filled with ``--rows`` clean rows in every
ledger (the demo group's generator: rows that satisfy every rule), once with the 自查
formulas and once without them (the same workbook, the 自查 cells blank), and times one
headless LibreOffice conversion of each with recalculation on load forced (fastest of
``--repeat``): to CSV (the recalculation: every formula of every sheet is computed on
load; only the first sheet is written) and to xlsx (the same plus writing every formula
back).  Prints the times and the ratios.  Target (issue 14): recalculation at most 2×.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from addin.demo.group import Generator, make_units  # noqa: E402
from addin.plumbing.libreoffice import convert  # noqa: E402
from addin.workbook import templates  # noqa: E402
from addin.workbook.schema import STANDARD  # noqa: E402
from udfs.profile import get_profile  # noqa: E402

PROFILE = "central-2026"


def make_records(rows: int, seed: int = 14) -> tuple[dict, dict[str, list[dict]]]:
    """Clean (info, records) with ``rows`` rows in every ledger (repeating generated rows
    under new keys where a ledger comes out shorter)."""
    profile = get_profile(PROFILE)
    group, units = make_units(2, seed)
    gen = Generator(units[0], group, 2026, profile, random.Random(seed), templates.dt.date(2026, 11, 20), "XS-2026")
    records = gen.records(rows)
    ids = [c["clue_id"] for c in records["clues"]]
    rng = random.Random(seed)
    records["rectification"] = [gen._finding(f"SJ-2026-{n:05d}", rng.choice(ids)) for n in range(1, rows + 1)]
    for sheet in STANDARD.ledgers:
        got = records[sheet.key]
        base = list(got)
        while got and len(got) < rows:
            got.extend(dict(r) for r in base[: rows - len(got)])
        if sheet.key == "accountability":  # a repeated person under the same clue is a duplicate: new numbers
            from addin.demo.group import id_number
            for row in got[len(base):]:
                row["id_number"] = id_number(rng)
        if sheet.key == "bans":
            from addin.demo.group import id_number
            for row in got[len(base):]:
                row["id_number"] = id_number(rng)
        del got[rows:]
    return gen.info(), records


def timed_conversion(source: Path, out: Path, repeat: int, to: str = "csv") -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        convert([source], to, out, timeout=3600)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--to", choices=("csv", "xlsx", "both"), default="both",
                        help="csv: only the recalculation (the target); xlsx: only the save; both (default)")
    args = parser.parse_args()
    import machine  # bench/machine.py, beside this script
    load_line = machine.load_line
    print(load_line("开始"))
    info, records = make_records(args.rows)
    print("行数：" + "，".join(f"{s.name} {len(records[s.key])}" for s in STANDARD.ledgers))
    with tempfile.TemporaryDirectory(prefix="zhuize-bench-") as work:
        folder = Path(work)
        paths = {}
        for label, on in (("without", False), ("with", True)):
            options = templates.Options(profile=get_profile(PROFILE), self_check=on)
            paths[label] = templates.build_template(folder / f"{label}.xlsx", options, info, records)
        times = {}
        kinds = ("csv", "xlsx") if args.to == "both" else (args.to,)
        for to in kinds:
            for label in ("without", "with"):
                times[(to, label)] = timed_conversion(paths[label], folder / f"out-{label}-{to}", args.repeat, to)
    for to, what in (("csv", "打开并重算（强制重算，写出第一张表的 CSV）"), ("xlsx", "打开、重算并另存为 xlsx（写出全部公式）")):
        if (to, "without") not in times:
            continue
        without, with_check = times[(to, "without")], times[(to, "with")]
        print(f"LibreOffice {what}：无自查 {without:.1f} s，有自查 {with_check:.1f} s，比值 {with_check / without:.2f}"
              + ("（目标 ≤ 2）" if to == "csv" else ""))


if __name__ == "__main__":
    main()
    import machine  # bench/machine.py, beside this script
    load_line = machine.load_line
    print(load_line("结束"))
