"""Handling by grade × responsibility (宜宾办法第二十七、二十八条), influence periods
(第三十条), 禁入限制 and jurisdiction (实施意见 六（二）).

The yibin-2020 table, in short:
  一般 直接/主管: 批评教育、责令书面检查、通报批评、诫勉; performance pay "50%以下" (0 up to
      but not including 50%); no term-incentive deduction, no LTI consequence.
  一般 领导: not set by the article; the profile's default is the same measures, no deduction.
  较大 直接/主管: 通报批评、诫勉、停职、调离工作岗位、降职; 50%–100% of performance pay and of
      term incentive, pay deferred; LTI: terminate, hand back this year's and last year's
      LTI income, no new LTI for five years.
  较大 领导: 通报批评、诫勉、停职、调离工作岗位; 30%–70%; LTI: terminate, no new LTI for three years.
  重大 直接/主管: 降职、改任非领导职务、责令辞职、免职 and 禁入限制; 100%; LTI: terminate, hand back
      the LTI income of the responsibility year and the three before, never again.
  重大 领导: 调离工作岗位、降职、改任非领导职务、责令辞职、免职 and 禁入限制; 70%–100%; LTI:
      terminate, hand back three years, no new LTI for five years.
"""

from __future__ import annotations

import datetime as dt

import re

import pytest

from udfs import handling, registry
from udfs.dates import edate
from udfs.errors import ArgumentError
from udfs.profile import get_profile

D = dt.date
DIRECT, SUPERVISING, LEADING = "直接责任", "主管责任", "领导责任"

LTI_TERMINATE = "终止尚未行使的其他中长期激励权益"

# grade, responsibility, measures, performance-pay range text, term-incentive range text,
# (pay min, pay max), (term min, term max), LTI text
YIBIN_TABLE = [
    ("一般", DIRECT, "批评教育、责令书面检查、通报批评、诫勉", "0%–50%（不含50%）", "不扣减", (0.0, 0.5), (0.0, 0.0), "无"),
    ("一般", SUPERVISING, "批评教育、责令书面检查、通报批评、诫勉", "0%–50%（不含50%）", "不扣减", (0.0, 0.5), (0.0, 0.0), "无"),
    ("一般", LEADING, "批评教育、责令书面检查、通报批评、诫勉", "不扣减", "不扣减", (0.0, 0.0), (0.0, 0.0), "无"),
    (
        "较大", DIRECT, "通报批评、诫勉、停职、调离工作岗位、降职", "50%–100%", "50%–100%", (0.5, 1.0), (0.5, 1.0),
        f"{LTI_TERMINATE}；上缴责任认定年度及前一年度的全部中长期激励收益；五年内不得参加企业新的中长期激励",
    ),
    (
        "较大", SUPERVISING, "通报批评、诫勉、停职、调离工作岗位、降职", "50%–100%", "50%–100%", (0.5, 1.0), (0.5, 1.0),
        f"{LTI_TERMINATE}；上缴责任认定年度及前一年度的全部中长期激励收益；五年内不得参加企业新的中长期激励",
    ),
    (
        "较大", LEADING, "通报批评、诫勉、停职、调离工作岗位", "30%–70%", "30%–70%", (0.3, 0.7), (0.3, 0.7),
        f"{LTI_TERMINATE}；三年内不得参加企业新的中长期激励",
    ),
    (
        "重大", DIRECT, "降职、改任非领导职务、责令辞职、免职、禁入限制", "100%", "100%", (1.0, 1.0), (1.0, 1.0),
        f"{LTI_TERMINATE}；上缴责任认定年度（含）前三年的全部中长期激励收益；不得参加企业新的中长期激励",
    ),
    (
        "重大", SUPERVISING, "降职、改任非领导职务、责令辞职、免职、禁入限制", "100%", "100%", (1.0, 1.0), (1.0, 1.0),
        f"{LTI_TERMINATE}；上缴责任认定年度（含）前三年的全部中长期激励收益；不得参加企业新的中长期激励",
    ),
    (
        "重大", LEADING, "调离工作岗位、降职、改任非领导职务、责令辞职、免职、禁入限制", "70%–100%", "70%–100%",
        (0.7, 1.0), (0.7, 1.0),
        f"{LTI_TERMINATE}；上缴责任认定年度（含）前三年的全部中长期激励收益；五年内不得参加企业新的中长期激励",
    ),
]

IDS = [f"{g}-{r}" for g, r, *_ in YIBIN_TABLE]


@pytest.mark.parametrize(("grade", "resp", "measures", "pay", "term", "pay_mm", "term_mm", "lti"), YIBIN_TABLE, ids=IDS)
def test_yibin_handling_table(grade, resp, measures, pay, term, pay_mm, term_mm, lti):
    p = "yibin-2020"
    assert registry.evaluate("ZZ_MEASURES", grade, resp, p) == measures
    assert registry.evaluate("ZZ_DEDUCTION_RANGE", grade, resp, p) == pay
    assert registry.evaluate("ZZ_DEDUCTION_RANGE", grade, resp, p, "绩效年薪") == pay
    assert registry.evaluate("ZZ_DEDUCTION_RANGE", grade, resp, p, "任期激励") == term
    assert registry.evaluate("ZZ_DEDUCTION_MIN", grade, resp, p) == pay_mm[0]
    assert registry.evaluate("ZZ_DEDUCTION_MAX", grade, resp, p) == pay_mm[1]
    assert registry.evaluate("ZZ_DEDUCTION_MIN", grade, resp, p, "任期激励") == term_mm[0]
    assert registry.evaluate("ZZ_DEDUCTION_MAX", grade, resp, p, "任期激励") == term_mm[1]
    assert registry.evaluate("ZZ_LTI", grade, resp, p) == lti


@pytest.mark.parametrize("key", ["central-2018"])  # central-2026 has Order 46's wording: test_central_rules.py
@pytest.mark.parametrize(("grade", "resp", "measures", "pay", "term", "pay_mm", "term_mm", "lti"), YIBIN_TABLE, ids=IDS)
def test_central_profiles_take_the_same_table(key, grade, resp, measures, pay, term, pay_mm, term_mm, lti):
    assert registry.evaluate("ZZ_MEASURES", grade, resp, key) == measures
    assert registry.evaluate("ZZ_DEDUCTION_RANGE", grade, resp, key) == pay
    assert registry.evaluate("ZZ_DEDUCTION_RANGE", grade, resp, key, "任期激励") == term
    assert registry.evaluate("ZZ_LTI", grade, resp, key) == lti


@pytest.mark.parametrize(
    ("grade", "resp", "allowed", "refused"),
    [
        # "50%以下" excludes 50%
        ("一般", DIRECT, [0.0, 0.25, 0.4999], [0.5, 0.6, 1.0]),
        ("一般", SUPERVISING, [0.0, 0.4999], [0.5]),
        # no deduction for the leader under 一般: only 0 is allowed
        ("一般", LEADING, [0.0], [0.01, 0.5]),
        # "50%-100%" includes both ends
        ("较大", DIRECT, [0.5, 0.75, 1.0], [0.4999, 1.0001]),
        ("较大", LEADING, [0.3, 0.5, 0.7], [0.2999, 0.7001]),
        ("重大", DIRECT, [1.0], [0.9999, 0.7]),
        ("重大", LEADING, [0.7, 1.0], [0.6999]),
    ],
)
def test_ratio_allowed_boundaries(grade, resp, allowed, refused):
    bounds = handling.deduction_range(get_profile("yibin-2020"), grade, resp, "绩效年薪")
    for ratio in allowed:
        assert handling.ratio_allowed(bounds, ratio) is True, ratio
    for ratio in refused:
        assert handling.ratio_allowed(bounds, ratio) is False, ratio


def test_term_incentive_not_deducted_for_general_loss():
    bounds = handling.deduction_range(get_profile("yibin-2020"), "一般", DIRECT, "任期激励")
    assert bounds is None
    assert handling.ratio_allowed(bounds, 0) is True
    assert handling.ratio_allowed(bounds, 0.1) is False


def test_pay_deferred_only_for_larger_losses():
    profile = get_profile("yibin-2020")
    assert handling.handling(profile, "一般", DIRECT).defer_performance_pay is False
    for grade in ("较大", "重大"):
        for resp in (DIRECT, SUPERVISING, LEADING):
            assert handling.handling(profile, grade, resp).defer_performance_pay is True


@pytest.mark.parametrize("key", ["yibin-2020", "central-2018", "central-2026"])
def test_ban_only_for_major_losses(key):
    profile = get_profile(key)
    for grade in ("一般", "较大", "重大"):
        for resp in (DIRECT, SUPERVISING, LEADING):
            listed = "禁入限制" in handling.measures(profile, grade, resp)
            assert listed == (grade == "重大"), (grade, resp)


def test_unassessed_grade_gives_blank_results():
    for name in ("ZZ_MEASURES", "ZZ_LTI", "ZZ_DEDUCTION_RANGE", "ZZ_DEDUCTION_MIN", "ZZ_DEDUCTION_MAX"):
        assert registry.evaluate(name, "未认定", DIRECT, "yibin-2020") is None, name
    assert registry.evaluate("ZZ_JURISDICTION", "未认定", None, "yibin-2020") is None
    assert registry.evaluate("ZZ_NEEDS_REPORT", "未认定", "yibin-2020") == "否"


def test_bad_grade_and_responsibility_messages():
    with pytest.raises(ArgumentError) as info:
        registry.evaluate("ZZ_MEASURES", "一般", "直接", "yibin-2020")
    assert info.value.cell_text.startswith("#参数错误: 未知责任类型 '直接'")
    assert info.value.code == "ZZ-ARG"
    assert "直接责任、主管责任、领导责任" in info.value.message
    with pytest.raises(ArgumentError, match="未知损失等级 '特大'"):
        registry.evaluate("ZZ_MEASURES", "特大", DIRECT, "yibin-2020")
    with pytest.raises(ArgumentError, match="未知薪酬项目 '奖金'"):
        registry.evaluate("ZZ_DEDUCTION_RANGE", "较大", DIRECT, "yibin-2020", "奖金")


@pytest.mark.parametrize(("grade", "expected"), [("一般", "否"), ("较大", "是"), ("重大", "是")])
def test_needs_event_report(grade, expected):
    assert registry.evaluate("ZZ_NEEDS_REPORT", grade, "yibin-2020") == expected


# -- influence periods (第三十条) ---------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "months"),
    [("诫勉", 6), ("调离工作岗位", 12), ("改任非领导职务", 12), ("降职", 24), ("责令辞职", 24), ("免职", 24)],
)
@pytest.mark.parametrize("key", ["yibin-2020", "central-2026"])
def test_influence_periods(key, measure, months):
    decision = D(2026, 3, 15)
    expected = D(2026 + (3 + months - 1) // 12, (3 + months - 1) % 12 + 1, 15)
    assert handling.influence_end(get_profile(key), decision, measure) == expected
    assert registry.evaluate("ZZ_INFLUENCE_END", "2026-03-15", measure, key) == expected


def test_influence_period_values_spelled_out():
    p = "yibin-2020"
    assert registry.evaluate("ZZ_INFLUENCE_END", "2026-03-15", "诫勉", p) == D(2026, 9, 15)
    assert registry.evaluate("ZZ_INFLUENCE_END", "2026-03-15", "调离工作岗位", p) == D(2027, 3, 15)
    assert registry.evaluate("ZZ_INFLUENCE_END", "2026-03-15", "降职", p) == D(2028, 3, 15)
    assert registry.evaluate("ZZ_INFLUENCE_END", "2026-03-15", "免职", p) == D(2028, 3, 15)


def test_dismissal_has_one_year_without_post():
    profile = get_profile("yibin-2020")
    for measure in ("责令辞职", "免职"):
        entry = profile.influence_for(measure)
        assert (entry.no_post_months, entry.months) == (12, 24)


@pytest.mark.parametrize("measure", ["通报批评", "批评教育", "责令书面检查", "停职", "无"])
def test_measures_without_influence_period_are_blank(measure):
    # 第三十条 sets no period for these measures
    assert registry.evaluate("ZZ_INFLUENCE_END", "2026-03-15", measure, "yibin-2020") is None


def test_unknown_measure_is_an_error():
    with pytest.raises(ArgumentError, match="未知组织处理 '警告'"):
        registry.evaluate("ZZ_INFLUENCE_END", "2026-03-15", "警告", "yibin-2020")


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 8, 31), 6, D(2027, 2, 28)),  # clipped to February's end
        (D(2027, 8, 31), 6, D(2028, 2, 29)),  # leap year
        (D(2026, 3, 31), 6, D(2026, 9, 30)),  # 30-day month
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),  # year rollover
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 5, 10), 0, D(2026, 5, 10)),
    ],
)
def test_edate_month_end_semantics(start, months, expected):
    assert edate(start, months) == expected


@pytest.mark.parametrize(
    ("decision", "expected"),
    [("2026-08-31", D(2027, 2, 28)), ("2027-08-31", D(2028, 2, 29)), ("2026-03-31", D(2026, 9, 30))],
)
def test_influence_end_uses_edate(decision, expected):
    # 诫勉: six months; no calendar is needed, so 2027/2028 work without a holiday file
    assert registry.evaluate("ZZ_INFLUENCE_END", decision, "诫勉", "yibin-2020") == expected


# -- 禁入限制 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "term", "expected"),
    [
        ("2026-03-31", "5年", D(2031, 3, 31)),
        ("2024-02-29", "5年", D(2029, 2, 28)),
        ("2026-03-31", "10年", D(2036, 3, 31)),
        ("2026-03-31", "终身", None),
    ],
)
def test_ban_end(start, term, expected):
    assert registry.evaluate("ZZ_BAN_END", start, term, "yibin-2020") == expected


def test_ban_end_unknown_term():
    with pytest.raises(ArgumentError, match="未知禁入期限 '3年'"):
        registry.evaluate("ZZ_BAN_END", "2026-03-31", "3年", "yibin-2020")


# -- jurisdiction -----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["yibin-2020", "central-2018", "central-2026"])
@pytest.mark.parametrize(
    ("grade", "unit_level", "expected"),
    [
        ("一般", None, "本企业"),
        ("一般", "二级企业", "本企业"),
        ("一般", "集团公司", "本企业"),
        ("较大", None, "上级企业"),
        ("较大", "二级企业", "上级企业"),
        ("较大", "三级及以下企业", "上级企业"),
        ("重大", "三级及以下企业", "上级企业"),
        # a group company has no superior enterprise: the supervising body runs the case
        ("重大", "集团公司", "出资人机构"),
        ("重大", "集团", "出资人机构"),
        ("较大", "二级", "上级企业"),
    ],
)
def test_jurisdiction(key, grade, unit_level, expected):
    assert registry.evaluate("ZZ_JURISDICTION", grade, unit_level, key) == expected


def test_jurisdiction_of_a_larger_loss_at_the_group_company():
    # central-2018 (unchecked, 实施意见 六（二）): the supervising body takes a group company's 较大 loss
    # (central-2026: Art. 57 gives it to the central enterprise itself, see test_central_rules.py;
    # yibin-2020: Art. 37, below)
    assert registry.evaluate("ZZ_JURISDICTION", "较大", "集团公司", "central-2018") == "出资人机构"


YIBIN_JURISDICTION = [
    # (loss, unit level, consequence, head) → body, checked
    ("较大", "集团公司", "", "", "本企业", True),        # Art. 37(一): the rest is the enterprise's
    ("较大", "集团公司", "较大", "否", "本企业", True),  # not 严重: still the enterprise's
    ("较大", "集团公司", "重大", "", "出资人机构", False),  # Art. 36(二): 严重不良后果 (记为 重大: a reading)
    ("一般", "集团公司", "重大", "", "本企业", True),    # a 一般 loss with 严重 consequences: not in Art. 36(二)
    ("重大", "集团公司", "", "", "出资人机构", True),    # Art. 36(二): 重大资产损失
    ("一般", "集团公司", "", "是", "出资人机构", True),  # Art. 36(二): 涉及市属国有企业负责人
    ("较大", "集团公司", "无", "是", "出资人机构", True),
    ("一般", "二级企业", "", "是", "本企业", True),      # a subsidiary's own head is no 市属国有企业负责人
    ("较大", "三级及以下企业", "重大", "是", "上级企业", True),
    ("一般", "三级及以下企业", "重大", "", "本企业", True),  # the table looks at the loss grade only
]


@pytest.mark.parametrize(("loss", "level", "consequence", "head", "body", "checked"), YIBIN_JURISDICTION)
def test_yibin_jurisdiction_articles_36_and_37(loss, level, consequence, head, body, checked):
    assert registry.evaluate("ZZ_JURISDICTION", loss, level, "yibin-2020", consequence, head) == body
    profile = get_profile("yibin-2020")
    found = handling.jurisdiction_entry(profile, loss, level, consequence or None, head == "是")
    assert found is not None and found[0] == body and found[1].checked is checked
    if checked and level == "集团公司":
        assert re.search(r"宜宾办法第三十[六七]条", found[1].source), found[1].source


def test_yibin_serious_consequence_mapping_is_unchecked_and_says_so():
    profile = get_profile("yibin-2020")
    assert profile.consequence is not None and profile.consequence.checked is False
    assert "严重不良后果" in profile.consequence.text and "本配置的读法" in profile.consequence.source
    assert profile.case_grade_handling is None  # handling stays at the loss grade
    basis = str(registry.evaluate("ZZ_BASIS", "ZZ_JURISDICTION", "yibin-2020"))
    assert "第三十六条" in basis and "第三十七条" in basis and "待核对" in basis
    assert "较高者" not in basis


def test_jurisdiction_blank_unit_level_cell_means_not_given():
    assert registry.evaluate("ZZ_JURISDICTION", "较大", "", "yibin-2020") == "上级企业"


def test_jurisdiction_bad_unit_level():
    with pytest.raises(ArgumentError) as info:
        registry.evaluate("ZZ_JURISDICTION", "较大", "四级企业", "yibin-2020")
    assert "未知单位层级 '四级企业'" in info.value.message
    assert "集团公司、二级企业、三级及以下企业" in info.value.message
    cell = registry.evaluate_cells("ZZ_JURISDICTION", [["较大"], ["重大"]], [["四级企业"], ["集团公司"]], "yibin-2020")
    assert cell[0][0].startswith("#参数错误: 未知单位层级")
    assert cell[1][0] == "出资人机构"


def test_range_text_formats():
    from udfs.profile import Range

    assert handling.range_text(None) == "不扣减"
    assert handling.range_text(Range(min=0.5, max=1)) == "50%–100%"
    assert handling.range_text(Range(min=0, max=0.5, max_inclusive=False)) == "0%–50%（不含50%）"
    assert handling.range_text(Range(min=1, max=1)) == "100%"
    assert handling.range_text(Range(min=0.125, max=0.3, min_inclusive=False)) == "12.5%–30%（不含12.5%）"
