"""Benchmark: the full roll-up against (a) a naive pandas/openpyxl baseline and (b) the
bare read floor, and a rerun after one changed file against the full roll-up — in one
run on the same machine.

    .venv/bin/python bench/bench_rollup.py [--files 1000] [--rows 600] [--jobs 2] [--skip-naive]

Workbooks: ``--files`` standard workbooks of about ``--rows`` ledger rows each, made
from a few generated bases whose unit identity (name, 统一社会信用代码) is rewritten per
copy, so every file is a distinct unit (its 填报信息 and ledger parts distinct bytes too, the
template's own sheets shared, as in real files).  They are cached under bench/data/.

Each measurement runs in its own process; its wall time and peak memory (max RSS of
the process and its workers) are printed, then the ratios.  Targets (issue 5):
end-to-end ≥ 8× faster than (a); intake (read + validate) within 3× of (b); peak
memory under 2 GiB.  (b) reads with as many worker processes as the intake (``--jobs``).

The intake cache (issue 16): ``cold`` is the full roll-up with an empty cache (it fills
it), ``rerun`` the same roll-up after one of the files changed (hard links to the
inputs, one file rewritten with another unit name).  Targets: ``cold`` no slower than
``rollup`` (no cache); ``rerun`` ≤ 25% of ``rollup``.
"""

from __future__ import annotations

import argparse
import json
import random
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
BASES = 8


def _make_bases(folder: Path, rows: int) -> list[Path]:
    import datetime as dt

    from addin.demo.group import Generator, make_units
    from addin.workbook.templates import build_template, default_options
    from udfs.profile import get_profile

    profile = get_profile("central-2026")
    options = default_options("central-2026", rows=1)
    parent, units = make_units(BASES, seed=7)
    bases = []
    for index, unit in enumerate(units):
        gen = Generator(unit, parent, 2026, profile, random.Random(index), dt.date(2026, 11, 20), f"XS-2026-{index:02d}")
        clues = max(1, rows)  # each clue brings at least its own row: an upper bound
        records = gen.records(clues)
        while (total := sum(len(v) for v in records.values())) > rows and clues > 1:
            # as many clues as keep the ledgers within ``rows`` (the largest such number)
            clues = max(1, min(clues - 1, clues * rows // total))
            gen = Generator(unit, parent, 2026, profile, random.Random(index), dt.date(2026, 11, 20), f"XS-2026-{index:02d}")
            records = gen.records(clues)
        path = folder / f"base{index}.xlsx"
        build_template(path, options, gen.info(), records)
        bases.append((path, unit))
    return bases  # type: ignore[return-value]


def _data_parts(base: Path) -> set[str]:
    """The worksheet parts a unit fills (填报信息 and the ledgers): in real files they differ
    from unit to unit, while the template's own sheets (填报说明, 工作日历, …) are the same
    bytes in every file — so the copies get distinct data parts, or a cache of parts seen
    before would find them all."""
    from addin.workbook.preflight import sheet_parts
    from addin.workbook.schema import STANDARD

    parts = sheet_parts(base)
    return {parts[s.name][0] for s in STANDARD.sheets if s.name in parts}


def make_files(count: int, rows: int) -> Path:
    """``count`` distinct units' workbooks (cached by count and rows)."""
    from addin.demo.group import uscc

    folder = DATA / f"files{count}_rows{rows}"
    marker = folder / "done.json"
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")).get("distinct_sheets"):
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "in").mkdir(parents=True)
    bases = _make_bases(folder, rows)
    data_parts = _data_parts(bases[0][0])
    rng = random.Random(99)
    for number in range(count):
        base, unit = bases[number % len(bases)]
        code = uscc(rng)
        name = f"{unit.name[:-4]}{number:04d}{unit.name[-4:]}"
        target = folder / "in" / f"unit{number:04d}.xlsx"
        with zipfile.ZipFile(base) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == "xl/sharedStrings.xml":
                    text = data.decode("utf-8").replace(unit.uscc, code).replace(f">{unit.name}<", f">{name}<")
                    data = text.encode("utf-8")
                elif info.filename in data_parts:  # each unit's ledgers are its own bytes
                    marked = data.replace(b'defaultRowHeight="15"', b'defaultRowHeight="15.%04d"' % number, 1)
                    assert marked != data, info.filename
                    data = marked
                out.writestr(info, data)
    for base, _ in bases:
        base.unlink()
    marker.write_text(json.dumps({"files": count, "rows": rows, "distinct_sheets": True}), encoding="utf-8")
    return folder


# -- the measured jobs (each runs in a fresh process) ---------------------------------------------------

JOBS = {
    "naive": """
import glob, warnings, pandas as pd
warnings.simplefilter('ignore')
LEDGERS = ['问题线索台账', '资产损失认定', '责任认定与处理', '审计整改台账', '禁入限制人员', '管理提升建议书']
files = sorted(glob.glob(IN + '/*.xlsx'))
frames = {}
for f in files:
    for name, frame in pd.read_excel(f, sheet_name=LEDGERS, engine='openpyxl').items():
        frames.setdefault(name, []).append(frame.assign(来源文件=f))
with pd.ExcelWriter(OUT + '/naive.xlsx', engine='openpyxl') as writer:
    for name, parts in frames.items():
        pd.concat(parts).to_excel(writer, sheet_name=name[:31], index=False)
""",
    "floor": """
import glob
from concurrent.futures import ProcessPoolExecutor
from python_calamine import CalamineWorkbook
def cells_of(f):
    book = CalamineWorkbook.from_path(f)
    return sum(sum(len(r) for r in book.get_sheet_by_name(name).to_python()) for name in book.sheet_names)
files = sorted(glob.glob(IN + '/*.xlsx'))
if JOBS_N > 1:
    with ProcessPoolExecutor(max_workers=JOBS_N) as pool:  # as many processes as the intake
        cells = sum(pool.map(cells_of, files, chunksize=4))
else:
    cells = sum(map(cells_of, files))
print('CELLS', cells)
""",
    "intake": """
from addin.rollup import consolidate as rollup
result = rollup.rollup([IN], jobs=JOBS_N)
assert result.reconciled
""",
    "rollup": """
import datetime as dt
from addin.rollup import consolidate as rollup
from addin.returns.group import write_group_return
from addin.returns.sasac import write_sasac_return
result = rollup.rollup([IN], as_of=dt.date(2026, 11, 23), jobs=JOBS_N)
assert result.reconciled, 'not reconciled'
write_group_return(result, OUT + '/GROUP.xlsx')
write_sasac_return(result, OUT + '/SASAC.xlsx')
rollup.write_summary(result, OUT + '/summary.json')
print('ROWS', result.rows_out, 'ACCEPTED', len(result.accepted), 'REJECTED', len(result.rejected))
""",
}
_CACHED = """
import datetime as dt
from addin.rollup import consolidate as rollup
from addin.returns.group import write_group_return
from addin.returns.sasac import write_sasac_return
result = rollup.rollup([IN], as_of=dt.date(2026, 11, 23), jobs=JOBS_N, cache_path=OUT + '/../cache.sqlite')
assert result.reconciled, 'not reconciled'
write_group_return(result, OUT + '/GROUP.xlsx')
write_sasac_return(result, OUT + '/SASAC.xlsx')
rollup.write_summary(result, OUT + '/summary.json')
print('ROWS', result.rows_out, 'ACCEPTED', len(result.accepted), 'HITS', result.cache.hits, 'READ', result.cache.misses)
"""
JOBS["cold"] = _CACHED
JOBS["rerun"] = _CACHED
WORK = {"cold", "rerun"}
"""Jobs that read the working copy (hard links; the rerun's one changed file rewritten)."""

RUNNER = """
import resource, sys, time
IN, OUT, JOBS_N = sys.argv[1], sys.argv[2], int(sys.argv[3])
start = time.perf_counter()
exec(compile(sys.argv[4], 'job', 'exec'))
elapsed = time.perf_counter() - start
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print('RESULT', elapsed, peak)
"""


def _working_copy(folder: Path) -> Path:
    """Hard links to the inputs and an empty cache, for the cold run and the rerun."""
    work = folder / "work"
    if work.exists():
        shutil.rmtree(work)
    (work / "in").mkdir(parents=True)
    for file in sorted((folder / "in").iterdir()):
        os.link(file, work / "in" / file.name)
    return work


def _change_one(work: Path) -> None:
    """One workbook corrected: the first file rewritten with its unit's name changed."""
    target = sorted((work / "in").glob("*.xlsx"))[0]
    with zipfile.ZipFile(target) as source:
        parts = [(info, source.read(info)) for info in source.infolist()]
    target.unlink()  # a new file: the hard-linked original stays as it was
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in parts:
            if info.filename == "xl/sharedStrings.xml":
                data = data.replace("有限公司<".encode(), "有限公司（更正）<".encode(), 1)
            out.writestr(info, data)


def measure(name: str, folder: Path, jobs: int) -> tuple[float, float, str]:
    if name == "cold":
        _working_copy(folder)
    if name == "rerun":
        _change_one(folder / "work")
    base = folder / "work" if name in WORK else folder
    out = base / f"out-{name}"
    out.mkdir(exist_ok=True)
    run = subprocess.run([sys.executable, "-c", RUNNER, str(base / "in"), str(out), str(jobs), JOBS[name]],
                         capture_output=True, text=True, cwd=ROOT)
    if run.returncode != 0:
        raise SystemExit(f"{name} failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    line = next(l for l in run.stdout.splitlines() if l.startswith("RESULT"))
    _, seconds, peak_kib = line.split()
    extra = " ".join(l for l in run.stdout.splitlines() if not l.startswith("RESULT"))
    return float(seconds), int(peak_kib) / 1024, extra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=600)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-naive", action="store_true", help="skip baseline (a) (it is slow)")
    parser.add_argument("--only", nargs="+", choices=sorted(JOBS), help="measure only these jobs")
    args = parser.parse_args()
    import machine  # bench/machine.py, beside this script
    load_line = machine.load_line
    print(load_line("开始"))

    start = time.perf_counter()
    folder = make_files(args.files, args.rows)
    print(f"数据：{args.files} 个工作簿，每个约 {args.rows} 行（{folder}，准备 {time.perf_counter() - start:.1f} s）")
    results = {}
    names = list(args.only or (("floor", "intake", "rollup", "cold", "rerun") + (() if args.skip_naive else ("naive",))))
    if "rerun" in names and "cold" not in names:
        names.insert(names.index("rerun"), "cold")  # the rerun needs the cache the cold run fills
    for name in names:
        seconds, peak, extra = measure(name, folder, args.jobs)
        results[name] = seconds
        print(f"{name:<7} {seconds:8.2f} s   峰值内存 {peak:8.1f} MiB   {extra}")
    if "intake" in results and "floor" in results:
        print(f"\n读取+校验 ÷ 纯读取下限 (b，{args.jobs} 个进程)：{results['intake'] / results['floor']:.2f}×（目标 ≤ 1.5×）")
    if "cold" in results and "rollup" in results:
        print(f"完整汇总（空缓存，写入缓存）÷ 完整汇总（不用缓存）：{results['cold'] / results['rollup']:.2f}×（目标 ≤ 1×）")
    if "rerun" in results and "rollup" in results:
        print(f"改动 1 个文件后重新汇总 ÷ 完整汇总：{results['rerun'] / results['rollup']:.0%}（目标 ≤ 20%）")
    if "naive" in results and "rollup" in results:
        print(f"朴素基线 (a) ÷ 完整汇总：{results['naive'] / results['rollup']:.2f}×（目标 ≥ 10×）")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
    import machine  # bench/machine.py, beside this script
    load_line = machine.load_line
    print(load_line("结束"))
