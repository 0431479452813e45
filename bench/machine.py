"""What every benchmark prints at its start and end: the machine's load, so a reader can
tell a quiet figure from a noisy one (the machine is shared; compare ratios within one run).

Profiling (issue 24): where a file's intake time goes, in one process —

    .venv/bin/python -m cProfile -s cumulative -m addin.cli rollup bench/data/files30_rows600/in \\
        --out /tmp/p/GROUP.xlsx --jobs 1 --no-cache | head -60

(``bench/bench_rollup.py --files 30 --rows 600 --only floor`` makes the 30 files.)
"""

from __future__ import annotations

import os


def load_line(when: str) -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return f"机器负载（{when}）：无法读取"
    return f"机器负载（{when}）：1 分钟 {one:.2f}，5 分钟 {five:.2f}，15 分钟 {fifteen:.2f}（{os.cpu_count()} 核）"
