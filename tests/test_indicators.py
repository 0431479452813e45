"""The indicator catalogue (addin/rollup/indicators.py): one entry per indicator, with its
official label, unit, place and 行次; the identity 期初在办 + 新受理 − 办结 = 期末在办."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from addin.rollup import indicators as ind


def test_every_indicator_is_catalogued_once_with_label_unit_and_row() -> None:
    keys = [i.key for i in ind.CATALOGUE]
    assert len(keys) == len(set(keys)) and ind.INDICATOR_KEYS == tuple(keys)
    assert sorted(i.row for i in ind.CATALOGUE) == list(range(1, len(keys) + 1))
    for item in ind.CATALOGUE:
        assert item.unit in ("条", "件", "人", "家", "万元", "%"), item
        assert "_" not in item.label, item
        assert item.level in (ind.ITEM, ind.PART, ind.MEMBER) and item.section in ind.SECTIONS
        assert (item.kind == ind.RATIO) == (item.unit == "%") == (item.ratio_of is not None)
        assert item.meaning and ind.indicator(item.key) is item
    assert ind.indicator("线索_办结").label == "办结问题线索"
    # HQ only: the tool's own warning counts, and standard 2.1's 销号 and 免责 figures (no official form asks for them yet)
    hq = {i.key for i in ind.CATALOGUE if i.audience == ind.HQ}
    assert hq == {"提醒_已说明", "提醒_未说明", "线索_已销号", "线索_办结未销号", "免责人数", "免责人数_其他情形",
                  *(f"免责人数_{s}" for s in ind.EXEMPT_SITUATIONS)}
    with pytest.raises(KeyError):
        ind.indicator("线索_未知")


def test_upward_forms_number_rows_without_gaps_and_order_46_wording_by_default() -> None:
    shown = ind.form_indicators()
    assert [i.row for i in shown] == list(range(1, len(shown) + 1))
    labels = [i.label for i in shown]
    assert "停职检查" in labels and "停职" not in labels and "调离工作岗位" in labels  # central-2026 still has it
    assert not any(i.audience == ind.HQ for i in shown)
    # a profile in use that has Order 37's measures shows them; so does a unit that recorded one
    assert "停职" in [i.label for i in ind.form_indicators(profiles=["central-2018"])]
    assert "停职" in [i.label for i in ind.form_indicators(values=[{"组织处理_停职": 1}])]
    assert "停职" not in [i.label for i in ind.form_indicators(values=[{"组织处理_停职": 0}])]
    assert len(ind.form_indicators(ind.HQ)) > len(shown)


def test_lines_give_the_hierarchy_and_labels_read_back() -> None:
    rows = ind.lines(ind.form_indicators())
    assert rows[0].text == "一、问题线索" and rows[0].heading == "section"
    assert rows[1].text == "（一）期初在办问题线索" and rows[1].indicator.key == "期初在办"
    texts = [r.text for r in rows]
    assert "　　其中：整改完毕" in texts and "（七）按线索来源分" in texts
    for row in rows:
        assert not re.search(r"[A-Za-z_]", row.text)
        if row.indicator is not None and ind.key_of(row.text) is not None:
            assert ind.key_of(row.text) == row.indicator.key
    assert ind.key_of("期初在办") == "期初在办" and ind.key_of("（一）期初在办问题线索") == "期初在办"
    assert ind.key_of("其他") is None  # ambiguous: several breakdowns have 其他


def _clue(stage: str, filed: bool = False) -> SimpleNamespace:
    return SimpleNamespace(clue_id=stage, loss_grade=None, stage=stage, source="其他", violation_category="其他",
                           key_area="无", disposal=None, filed_date="x" if filed else None, recommendation_letter=False,
                           event_report_required=False, event_report_date=None, typical_case=False)


@pytest.mark.parametrize("brought", [0, 2, 3])
def test_brought_forward_plus_received_less_closed_is_still_open(brought: int) -> None:
    clues = [_clue("办结"), _clue("办结"), _clue("核查", True), _clue("受理")]
    values = ind.unit_indicators(ind.UnitLedgers("某公司", "X", clues=clues, brought_forward=brought))
    assert values["新受理"] == 4 - brought
    assert values["期初在办"] + values["新受理"] - values["线索_办结"] == values["线索_在办"] == 2
    total = ind.total_indicators([values, values])
    assert total["期初在办"] + total["新受理"] - total["线索_办结"] == total["线索_在办"]


def test_a_ratio_with_nothing_to_divide_shows_a_dash() -> None:
    values = ind.unit_indicators(ind.UnitLedgers("某公司", "X"))
    assert ind.display_text("整改率", values["整改率"], values) == "—"
    assert ind.display_text("整改率", 0.5, {"整改问题数": 2}) == "50.00%"
    assert ind.display_text("整改率", 0.0, {"整改问题数": 2}) == "0.00%"
    assert ind.display_text("扣减薪酬总额", 5120.345) == "5,120.35 万元"
    assert ind.form_value("整改率", 0.7222) == pytest.approx(72.22)
