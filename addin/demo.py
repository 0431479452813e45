"""The main job on bundled demo data.  For now: the rule engine at work on worked
examples (addin/demo_data/engine_cases.csv); the roll-up replaces this later."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TextIO

from addin.cli_format import format_result
from udfs import registry
from udfs.errors import EngineError

CASES = Path(__file__).with_name("demo_data") / "engine_cases.csv"


def run(out: TextIO) -> int:
    with CASES.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ctx = registry.Context()
    print(f"zhuize 规则引擎演示（{len(rows)} 个示例，数据：{CASES.name}）\n", file=out)
    for number, row in enumerate(rows, start=1):
        args = row["参数（以 | 分隔）"].split("|") if row["参数（以 | 分隔）"] else []
        call = f"{row['函数']}({', '.join(args)})"
        try:
            result = format_result(registry.evaluate(row["函数"], *args, ctx=ctx))
        except EngineError as exc:
            result = exc.cell_text
        print(f"{number:>2}. {row['说明']}\n    {call} → {result}", file=out)
    return 0
