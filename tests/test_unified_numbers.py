"""统一分类编号 and 对账 (standard 2.1): a roll-up of two periods gives each clue the same
统一编号 in both (kept in the archive, keyed on unit + 线索编号), and the second group return's
对账 sheet lists every clue of the first period with its state in the second.

Two units file for 2025-年度; in 2026-年度 unit A files again (one clue closed and 销号, one
closed without 销号, one still open, one closed clue dropped, one new) and unit B does not.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from addin.rollup.archive import Archive
from addin.rollup.consolidate import archive_accepted, rollup
from addin.rollup.numbering import Numberer, numbering_regex
from addin.returns.group import write_group_return
from addin.returns.reconcile import RECONCILE_SHEET
from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS
from addin.workbook.templates import build_template, default_options
from udfs.identity import uscc_check_char
from udfs.profile import get_profile

D = dt.date
UNIT_A = "91510100MA61R8XK49"
UNIT_B_BODY = "91510100MA6CB2QK7"
UNIT_B = UNIT_B_BODY + uscc_check_char(UNIT_B_BODY)


def _workbook(path: Path, uscc: str, name: str, year: int, clues: list[dict[str, Any]]) -> Path:
    info = dict(SAMPLE_INFO, uscc=uscc, unit_name=name, report_year=year, report_date=D(year, 11, 20))
    records = {key: [] for key in SAMPLE_RECORDS}
    records["clues"] = clues
    return build_template(path, default_options("central-2026", rows=8), info, records)


def _clue(clue_id: str, received: dt.date, stage: str, **more: Any) -> dict[str, Any]:
    base = copy.deepcopy(SAMPLE_RECORDS["clues"][1])  # 初步核实, 一般, no report needed
    base.update(clue_id=clue_id, received_date=received, stage=stage, estimated_loss=10.0, **more)
    if stage in ("立项", "核查", "处理", "整改", "办结"):
        base.update(disposal="立项核查", filed_date=received + dt.timedelta(days=5))
    if stage == "办结":
        base["closed_date"] = received + dt.timedelta(days=40)
    return base


@pytest.fixture(scope="module")
def periods(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("numbers")
    archive = folder / "archive.db"
    first = folder / "2025"
    first.mkdir()
    _workbook(first / "a.xlsx", UNIT_A, "甲公司", 2025, [
        _clue("A-1", D(2025, 3, 2), "核查"),
        _clue("A-2", D(2025, 4, 1), "核查"),
        _clue("A-3", D(2025, 5, 6), "整改"),
        _clue("A-4", D(2025, 2, 2), "办结"),
    ])
    _workbook(first / "b.xlsx", UNIT_B, "乙公司", 2025, [
        _clue("B-1", D(2025, 6, 1), "核查", violation_category="投资并购"),
        _clue("A-1", D(2025, 6, 2), "核查"),  # the same 线索编号 as unit A's: another clue
    ])
    one = rollup([first], archive_path=archive)
    assert not one.rejected, [p.message for i in one.rejected for p in one.problems_of(i)]
    write_group_return(one, folder / "GROUP-2025.xlsx")
    archive_accepted(one, archive)
    second = folder / "2026"
    second.mkdir()
    closed = D(2026, 3, 1)
    _workbook(second / "a.xlsx", UNIT_A, "甲公司", 2026, [
        _clue("A-1", D(2025, 3, 2), "办结", closed_date=closed, closing_review="同意销号", closed_off_date=closed),
        _clue("A-2", D(2025, 4, 1), "办结", closed_date=closed),
        _clue("A-3", D(2025, 5, 6), "整改"),
        _clue("A-5", D(2026, 1, 8), "核查"),  # new this year; A-4 (办结 last year) is gone
    ])
    two = rollup([second], archive_path=archive)
    assert not two.rejected, [p.message for i in two.rejected for p in two.problems_of(i)]
    write_group_return(two, folder / "GROUP-2026.xlsx")
    archive_accepted(two, archive)
    return {"one": one, "two": two, "folder": folder, "archive": archive}


def _numbers(result: Any) -> dict[tuple[str, str], str]:
    return {(row.uscc, row.values["clue_id"]): row.values["unified_id"]
            for unit in result.units for row in unit.ledgers.get("clues", [])}


def test_every_clue_gets_one_number_unique_across_units(periods: dict[str, Any]) -> None:
    numbers = _numbers(periods["one"])
    assert len(numbers) == 6 and len(set(numbers.values())) == 6
    pattern = numbering_regex(get_profile("central-2026").numbering)
    assert all(pattern.match(n) for n in numbers.values())
    assert numbers[(UNIT_A, "A-4")] == "MA61R8XK4-2025-GC-0001"  # unit A's earliest 工程承包建设 clue of 2025
    assert numbers[(UNIT_A, "A-1")] == "MA61R8XK4-2025-GC-0002"
    assert numbers[(UNIT_B, "A-1")].startswith("MA6CB2QK7-2025-")  # the same 线索编号 in another unit: its own
    assert numbers[(UNIT_B, "B-1")] == "MA6CB2QK7-2025-TZ-0001"


def test_a_clue_keeps_its_number_next_period(periods: dict[str, Any]) -> None:
    one, two = _numbers(periods["one"]), _numbers(periods["two"])
    for key in [(UNIT_A, "A-1"), (UNIT_A, "A-2"), (UNIT_A, "A-3")]:
        assert two[key] == one[key], key
    assert two[(UNIT_A, "A-5")] == "MA61R8XK4-2026-GC-0001"
    assert set(two.values()).isdisjoint({one[(UNIT_A, "A-4")], one[(UNIT_B, "B-1")]})
    with Archive(periods["archive"]) as archive:
        kept = archive.unified_ids()
    assert len(kept) == 7 and kept[(UNIT_A, "A-1")] == one[(UNIT_A, "A-1")]


def test_the_group_return_carries_the_numbers(periods: dict[str, Any]) -> None:
    book = openpyxl.load_workbook(periods["folder"] / "GROUP-2026.xlsx", read_only=True)
    rows = list(book["问题线索台账"].iter_rows(values_only=True))
    header = list(rows[0])
    got = {r[header.index("线索编号")]: r[header.index("统一编号")] for r in rows[1:] if r[header.index("线索编号")]}
    two = _numbers(periods["two"])
    assert got == {clue: number for (_, clue), number in two.items()}


def test_the_reconcile_sheet_lists_every_clue_of_the_first_period(periods: dict[str, Any]) -> None:
    one = _numbers(periods["one"])
    book = openpyxl.load_workbook(periods["folder"] / "GROUP-2026.xlsx", read_only=True)
    rows = list(book[RECONCILE_SHEET].iter_rows(values_only=True))
    header = list(rows[0])
    listed = {(r[0], r[2]): (r[3], r[4], r[7]) for r in rows[1:] if r[0]}
    assert set(listed) == set(one)  # every clue of 2025, once
    states = {key: state for key, (_, _, state) in listed.items()}
    assert states == {
        (UNIT_A, "A-1"): "办结并销号", (UNIT_A, "A-2"): "办结未销号", (UNIT_A, "A-3"): "在办",
        (UNIT_A, "A-4"): "本期缺失", (UNIT_B, "B-1"): "本期缺失", (UNIT_B, "A-1"): "本期缺失",
    }
    assert all(listed[key][0] == number for key, number in one.items())  # with its 统一编号
    assert all(previous == "2025-年度" for _, previous, _ in listed.values())
    counts = {r[9]: r[10] for r in rows if len(r) > 10 and r[9]}
    assert counts["办结并销号"] == 1 and counts["办结未销号"] == 1 and counts["在办"] == 1 and counts["本期缺失"] == 3
    assert counts["合计"] == 6
    first = openpyxl.load_workbook(periods["folder"] / "GROUP-2025.xlsx", read_only=True)
    assert RECONCILE_SHEET in first.sheetnames  # nothing earlier in the archive: an empty list
    assert periods["one"].reconciliation == []


def test_a_number_filled_by_the_unit_is_kept_when_it_fits_and_is_free() -> None:
    numbering = get_profile("central-2026").numbering
    numberer = Numberer(numbering, {("U", "X-0"): "MA61R8XK4-2025-GX-0001"})
    assert numberer.number(UNIT_A, "X-0", 2025, "购销管理", "MA61R8XK4-2025-GX-0009") == "MA61R8XK4-2025-GX-0009"
    assert numberer.number(UNIT_A, "X-1", 2025, "购销管理", "MA61R8XK4-2025-GX-0001") == "MA61R8XK4-2025-GX-0002"
    assert numberer.number(UNIT_A, "X-2", 2025, "购销管理", "乱填") == "MA61R8XK4-2025-GX-0003"
    assert numberer.number(UNIT_A, "X-0", 2025, "购销管理") == "MA61R8XK4-2025-GX-0009"  # once given, kept
    assert numberer.number("U", "X-0", 2025, "购销管理") == "MA61R8XK4-2025-GX-0001"  # the archive's wins


def test_indicators_and_the_special_report_count_close_offs(periods: dict[str, Any], tmp_path: Path) -> None:
    from docx import Document

    from addin.documents.yearend import SPECIAL, TOLERANCE_HEADING, write_periodic
    from addin.rollup.periods import Period

    totals = periods["two"].totals
    assert (totals["线索_已销号"], totals["线索_办结未销号"], totals["免责人数"]) == (1, 1, 0)
    written = write_periodic(periods["archive"], Period.of(2026, "年度"), tmp_path, SPECIAL, D(2026, 12, 20))
    text = "\n".join(p.text for p in Document(str(written.path)).paragraphs)
    assert TOLERANCE_HEADING in text and "本期没有尽职合规免责的情形" in text
    assert "办结的问题线索2条，已对账销号1条，办结未销号1条" in text
