"""The computed columns recomputed by the engine (what the validator compares against)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from workbook_cases import fill_with_openpyxl

from udfs.workcalendar import default_calendar

from addin.workbook import templates
from addin.workbook.read import load_workbook
from addin.workbook.recompute import recompute, workbook_calendar
from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook_templates" / templates.FILE_NAMES["native"]
D = dt.date


def _submission(tmp_path: Path, info: dict | None = None, **records: list[dict]):
    data = {**SAMPLE_RECORDS, **records}
    return load_workbook(fill_with_openpyxl(TEMPLATE, tmp_path / "t.xlsx", info or SAMPLE_INFO, data))


def test_sample_values(tmp_path: Path) -> None:
    values = recompute(_submission(tmp_path))
    assert values["info"] == [{"template_version": "2.1"}]
    # 立项 2026-02-10 + 6 months.  A 较大 loss with 一般 consequences needs a 一事一报告 but is outside
    # the real-time scope (116号: 重大, or 较大 with 严重不良后果): no 快报 / 实时报告 day count
    assert values["clues"][0] == {"loss_grade": "较大", "jurisdiction": "上级企业",
                                  "initial_check_deadline": D(2026, 2, 28), "event_report_required": True,
                                  "flash_deadline": None, "full_report_deadline": None,
                                  "investigation_deadline": D(2026, 8, 10)}
    assert values["clues"][2] == {"loss_grade": "未认定", "jurisdiction": None,
                                  "initial_check_deadline": D(2026, 11, 17), "event_report_required": False,
                                  "flash_deadline": None, "full_report_deadline": None, "investigation_deadline": None}
    # 申诉 2026-06-25 (Thu) + 30 working days (no holiday in between): 2026-08-06
    assert [v["review_deadline"] for v in values["accountability"]] == [None, D(2026, 8, 6)]
    assert [v["item_grade"] for v in values["losses"]] == ["较大", "一般"]
    assert values["accountability"][1]["influence_end"] == D(2028, 6, 18)
    assert values["accountability"][0]["pay_deduction"] == pytest.approx(37.2)
    assert [v["result"] for v in values["rectification"]] == ["整改完毕", "部分整改", "未整改"]
    assert values["bans"] == [{"end_date": D(2031, 7, 1)}]
    assert values["recommendations"] == [{}]


def test_assessed_losses_are_summed_per_clue_ignoring_case(tmp_path: Path) -> None:
    clue = dict(SAMPLE_RECORDS["clues"][1], estimated_loss=None)  # XS-2026-002, 一般 by estimate otherwise
    losses = [
        dict(SAMPLE_RECORDS["losses"][0], clue_id="XS-2026-002", loss_amount=333.3333, prior_year_assets=None),
        dict(SAMPLE_RECORDS["losses"][0], clue_id="xs-2026-002", loss_amount=166.6667, prior_year_assets=9e9),
    ]
    values = recompute(_submission(tmp_path, clues=[clue], losses=losses))
    assert values["clues"][0]["loss_grade"] == "较大"  # 333.3333 + 166.6667 = 500, the first row's base (none)
    assert [v["item_grade"] for v in values["losses"]] == ["一般", "一般"]


def test_own_level_uses_the_filers_level(tmp_path: Path) -> None:
    clue = dict(SAMPLE_RECORDS["clues"][3], unit_level="本级")  # 重大 by estimate
    group = dict(SAMPLE_INFO, unit_level="集团公司", parent_uscc=None)
    assert recompute(_submission(tmp_path, group, clues=[clue]))["clues"][0]["jurisdiction"] == "出资人机构"
    assert recompute(_submission(tmp_path, SAMPLE_INFO, clues=[clue]))["clues"][0]["jurisdiction"] == "上级企业"


def test_errors_are_the_engines_cell_text(tmp_path: Path) -> None:
    clue = dict(SAMPLE_RECORDS["clues"][0], clue_id="XS-9", received_date=D(2026, 12, 20), estimated_loss=-1.0)
    values = recompute(_submission(tmp_path, clues=[clue], losses=[]))["clues"][0]
    assert values["loss_grade"].startswith("#参数错误") and values["jurisdiction"] is None
    assert values["initial_check_deadline"].startswith("#日历错误") and "2027" in values["initial_check_deadline"]


def test_a_year_added_to_the_workbooks_calendar_is_used() -> None:
    base = default_calendar()
    assert 2027 not in base.years
    listed = [D(2027, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    listed = [d for d in listed if d.weekday() < 5 and d not in (D(2027, 1, 1), D(2027, 2, 8))] + [D(2027, 2, 20)]
    calendar = workbook_calendar(base.working_days() + sorted(listed))
    assert calendar.years[2026] is base.years[2026]  # known years keep the engine's schedule
    assert calendar.is_workday(D(2027, 2, 20)) and not calendar.is_workday(D(2027, 2, 8))
    assert calendar.workday(D(2026, 12, 31), 1) == D(2027, 1, 4)


def test_the_shared_memo_notes_a_missing_year_for_every_file() -> None:
    """Files of one process share the engine's answers (``recompute._shared_memo``); a probe
    calendar still learns, on an answer from the memo, the year that answer lacked — so a
    second file whose workbook supplies that year is computed again with it."""
    from types import SimpleNamespace

    from addin.workbook.recompute import Recompute

    base = default_calendar()
    info = SimpleNamespace(profile="central-2026")
    answers = []
    for _ in range(2):
        probe = base.recording()
        engine = Recompute(info, {}, probe)
        answers.append((engine.call("ZZ_INITIAL_CHECK_DEADLINE", D(2026, 12, 20)), set(probe.missed)))
        assert engine.call("ZZ_INITIAL_CHECK_DEADLINE", D(2026, 3, 2)) == D(2026, 4, 14)
        assert probe.missed == {2027}  # the known year's answer notes nothing
    assert answers[0] == answers[1] and answers[0][0].startswith("#日历错误") and answers[0][1] == {2027}
    # a calendar with 2027 is another memo: the real answer
    listed = [D(2027, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    calendar = workbook_calendar(base.working_days() + [d for d in listed if d.weekday() < 5])
    assert isinstance(Recompute(info, {}, calendar).call("ZZ_INITIAL_CHECK_DEADLINE", D(2026, 12, 20)), dt.date)
