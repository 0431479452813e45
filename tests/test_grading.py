"""Loss grade (资产损失程度).

yibin-2020 (宜宾办法第十九条), amounts in 万元:
  一般 — a single loss below 100;
  较大 — 100 up to (not including) 1000, or 1% up to (not including) 3% of the loss-making
         enterprise's total assets at the end of the year before the accountability year;
  重大 — 1000 and above, or 3% and above.
"以上" includes the number, "以下" excludes it; the grade is the higher of the two tests.

central-2018 (国资委令第37号) and central-2026 (国资委令第46号): 一般 below 500, 较大 500
(included) to below 5000, 重大 5000 (included) and above; no share-of-assets test.
"""

from __future__ import annotations

import pytest

from udfs import grading, registry
from udfs.errors import ArgumentError
from udfs.profile import get_profile

# (loss 万元, prior-year-end assets 万元 or None, expected grade)
YIBIN_CASES = [
    # amount test alone
    (0, None, "一般"),
    (99.99, None, "一般"),
    (100, None, "较大"),
    (999.99, None, "较大"),
    (1000, None, "重大"),
    (25000, None, "重大"),
    # share test: 1% boundary (以上 includes 1%)
    (1, 100, "较大"),
    (0.9999, 100, "一般"),
    (10, 1000, "较大"),
    (9.99, 1000, "一般"),
    # share test: 3% boundary, the exact float case 3/100 must reach 重大
    (3, 100, "重大"),
    (2.9999, 100, "较大"),
    (30, 1000, "重大"),
    (29.99, 1000, "较大"),
    (0.3, 10, "重大"),
    # higher of the two tests
    (50, 1000, "重大"),         # amount says 一般, share 5% says 重大
    (50, 2000, "较大"),         # amount 一般, share 2.5% → 较大
    (200, 5000, "重大"),        # amount 较大, share 4% → 重大
    (200, 1_000_000, "较大"),   # amount 较大, share tiny → 较大
    (1500, 1_000_000_000, "重大"),  # amount 重大 although the share is negligible
    (99.99, 100_000, "一般"),   # both tests 一般 (share ≈ 0.1%)
]

CENTRAL_CASES = [
    (0, None, "一般"),
    (499.99, None, "一般"),
    (500, None, "较大"),
    (4999.99, None, "较大"),
    (5000, None, "重大"),
    # no share test: a loss that is 49.999% of assets stays 一般
    (499.99, 1000, "一般"),
    (4999.99, 5000, "较大"),
    (99.99, 100, "一般"),
]


@pytest.mark.parametrize(("loss", "assets", "expected"), YIBIN_CASES)
def test_yibin_loss_grade(loss, assets, expected):
    assert grading.loss_grade(loss, assets, get_profile("yibin-2020")) == expected


@pytest.mark.parametrize(("loss", "assets", "expected"), YIBIN_CASES)
def test_yibin_loss_grade_through_registry(loss, assets, expected):
    assert registry.evaluate("ZZ_LOSS_GRADE", loss, assets, "yibin-2020") == expected


def test_yibin_loss_grade_vectorised_column_matches_rule():
    losses = [[loss] for loss, _, _ in YIBIN_CASES]
    assets = [[a] for _, a, _ in YIBIN_CASES]
    result = registry.evaluate_cells("ZZ_LOSS_GRADE", losses, assets, "yibin-2020")
    assert result == [[expected] for _, _, expected in YIBIN_CASES]


@pytest.mark.parametrize("key", ["central-2018", "central-2026"])
@pytest.mark.parametrize(("loss", "assets", "expected"), CENTRAL_CASES)
def test_central_loss_grade(key, loss, assets, expected):
    assert grading.loss_grade(loss, assets, get_profile(key)) == expected
    assert registry.evaluate("ZZ_LOSS_GRADE", loss, assets, key) == expected


@pytest.mark.parametrize("key", ["central-2018", "central-2026"])
def test_central_loss_grade_vectorised(key):
    losses = [[loss] for loss, _, _ in CENTRAL_CASES]
    assets = [[a] for _, a, _ in CENTRAL_CASES]
    result = registry.evaluate_cells("ZZ_LOSS_GRADE", losses, assets, key)
    assert result == [[expected] for _, _, expected in CENTRAL_CASES]


def test_same_loss_differs_between_profiles():
    # 1 万元 of 100 万元 assets is 1%: 较大 under yibin-2020, 一般 under the central rule
    assert registry.evaluate("ZZ_LOSS_GRADE", 1, 100, "yibin-2020") == "较大"
    assert registry.evaluate("ZZ_LOSS_GRADE", 1, 100, "central-2026") == "一般"


def test_default_profile_is_central_2026():
    # no profile argument, no user config: the factory default central-2026 applies
    assert registry.evaluate("ZZ_LOSS_GRADE", 499.99) == "一般"
    assert registry.evaluate("ZZ_LOSS_GRADE", 500) == "较大"
    assert registry.evaluate("ZZ_LOSS_GRADE", 100, "") == "一般"


@pytest.mark.parametrize(
    ("loss", "assets", "message"),
    [
        (-1, None, "损失金额不能为负数"),
        (10, 0, "上年末资产总额应大于 0"),
        (10, -5, "上年末资产总额应大于 0"),
    ],
)
def test_bad_amounts_are_argument_errors(loss, assets, message):
    with pytest.raises(ArgumentError, match=message):
        grading.loss_grade(loss, assets, get_profile("yibin-2020"))
    cell = registry.evaluate_cells("ZZ_LOSS_GRADE", [[loss], [100]], [[assets], [None]], "yibin-2020")
    assert cell[0][0].startswith("#参数错误: ") and message in cell[0][0]
    assert cell[1][0] == "较大"


def test_text_amount_is_accepted_but_units_are_not():
    assert registry.evaluate("ZZ_LOSS_GRADE", "100", "", "yibin-2020") == "较大"
    with pytest.raises(ArgumentError, match="不是数字"):
        registry.evaluate("ZZ_LOSS_GRADE", "100万元", "", "yibin-2020")


@pytest.mark.parametrize(
    ("loss", "assets", "expected"),
    [
        (128.64, 4288, "重大"),  # exactly 3%: 4288 × 0.03 = 128.64
        (2.01, 67, "重大"),  # exactly 3%
        (0.29, 29, "较大"),  # exactly 1%
        (1.13, 113, "较大"),  # exactly 1%
    ],
)
def test_exact_share_boundaries_in_decimal_amounts(loss, assets, expected):
    assert grading.loss_grade(loss, assets, get_profile("yibin-2020")) == expected


def test_overflowing_text_amount_is_rejected():
    with pytest.raises(ArgumentError):
        registry.evaluate("ZZ_LOSS_GRADE", "1e400", "", "yibin-2020")


def test_exact_share_boundaries_vectorised():
    result = registry.evaluate_cells(
        "ZZ_LOSS_GRADE", [[128.64], [2.01], [0.29], [1.13]], [[4288], [67], [29], [113]], "yibin-2020"
    )
    assert result == [["重大"], ["重大"], ["较大"], ["较大"]]
