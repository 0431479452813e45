"""Clean filled workbooks for the 自查 tests: realistic rows that satisfy every rule
(the demo group's generator asks the engine for each grade before it chooses measures
and ratios), and single defects planted into them one at a time.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from addin.demo.group import Generator, make_units
from udfs.profile import get_profile

REPORT_DATE = dt.date(2026, 11, 20)
MIN_ROWS = 500


def clean_case(profile_key: str, clues: int = 560, findings: int = 520,
               seed: int = 14) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """(info, records) without a single error; clues, losses, accountability and
    rectification have at least ``MIN_ROWS`` rows with the default sizes."""
    profile = get_profile(profile_key)
    group, units = make_units(3, seed)
    unit = units[0]
    gen = Generator(unit, group, 2026, profile, random.Random(seed), REPORT_DATE, "XS-2026")
    records = gen.records(clues)
    while len(records["losses"]) < MIN_ROWS or len(records["accountability"]) < MIN_ROWS:
        extra = gen.records(60)
        start = len(records["clues"])
        for offset, clue in enumerate(extra["clues"], start=1):
            old = clue["clue_id"]
            new = f"XS-2026-B{start + offset:04d}"
            clue["clue_id"] = new
            for key in ("losses", "accountability", "recommendations", "bans"):
                for row in extra[key]:
                    if row.get("clue_id") == old:
                        row["clue_id"] = new
        for key in ("clues", "losses", "accountability", "recommendations", "bans"):
            records[key].extend(extra[key])
    ids = [c["clue_id"] for c in records["clues"]]
    rng = random.Random(seed + 1)
    records["rectification"] = [gen._finding(f"SJ-2026-{n:04d}", rng.choice(ids)) for n in range(1, findings + 1)]
    for finding in records["rectification"]:
        gen._finding_v2(finding)  # the v2 columns, as the demo fills them (问题分类 is required in version 2)
    return gen.info(), records
