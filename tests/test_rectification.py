"""Rectification result (审计整改结果认定, 督办机制（七）).

整改完毕 — the amount or fact is adjusted or corrected; or the violation was corrected at
    once and controls improved; or it was referred to the discipline body and accepted;
    or it cannot be undone but accountability is complete and controls are improved.
部分整改 — cannot be finished in time for objective reasons but a definite plan with dates
    exists; or the amount/number is partly corrected.
未整改 — audit opinion rejected without reason, no measures, sham rectification; or cannot
    be undone, accountability not complete, controls not improved.
A refusal or sham wins over everything.
"""

from __future__ import annotations

import pytest

from udfs import registry
from udfs.errors import ArgumentError
from udfs.rectification import RectifyFacts, rectify_result

FIELDS = ("corrected", "controls_improved", "referred_accepted", "accountability_done", "plan_given", "refused_or_sham")


def facts(*true_fields: str, corrected_amount=None, problem_amount=None) -> RectifyFacts:
    flags = {name: name in true_fields for name in FIELDS}
    return RectifyFacts(**flags, corrected_amount=corrected_amount, problem_amount=problem_amount)


def cell_args(*true_fields: str) -> list[str]:
    return ["是" if name in true_fields else "否" for name in FIELDS]


CASES = [
    # the paths to 整改完毕
    (("corrected",), None, None, "整改完毕"),
    (("corrected", "controls_improved"), None, None, "整改完毕"),
    (("referred_accepted",), None, None, "整改完毕"),
    (("accountability_done", "controls_improved"), None, None, "整改完毕"),
    # accountability alone, or controls alone, is not enough
    (("accountability_done",), None, None, "未整改"),
    (("controls_improved",), None, None, "未整改"),
    # 部分整改
    (("plan_given",), None, None, "部分整改"),
    (("accountability_done", "plan_given"), None, None, "部分整改"),
    ((), 60, 100, "部分整改"),
    (("corrected",), 60, 100, "部分整改"),  # the amount shows only part was corrected
    (("corrected", "controls_improved"), 99.99, 100, "部分整改"),
    # fully corrected amount
    ((), 100, 100, "整改完毕"),
    (("corrected",), 100, 100, "整改完毕"),
    ((), 120, 100, "整改完毕"),
    # partly corrected but another path to 整改完毕 holds
    (("referred_accepted",), 60, 100, "整改完毕"),
    (("accountability_done", "controls_improved"), 60, 100, "整改完毕"),
    # refusal or sham wins over everything
    (("refused_or_sham",), None, None, "未整改"),
    (("refused_or_sham", "corrected"), None, None, "未整改"),
    (("refused_or_sham", "referred_accepted"), None, None, "未整改"),
    (("refused_or_sham", "accountability_done", "controls_improved", "plan_given"), None, None, "未整改"),
    (tuple(FIELDS), 100, 100, "未整改"),
    # nothing at all
    ((), None, None, "未整改"),
    ((), 0, 100, "未整改"),
]


@pytest.mark.parametrize(("true_fields", "corrected_amount", "problem_amount", "expected"), CASES)
def test_rectify_result(true_fields, corrected_amount, problem_amount, expected):
    assert rectify_result(facts(*true_fields, corrected_amount=corrected_amount, problem_amount=problem_amount)) == expected
    assert registry.evaluate("ZZ_RECTIFY_RESULT", *cell_args(*true_fields), corrected_amount, problem_amount) == expected


def test_rectify_result_as_a_column():
    rows = [cell_args(*t) + [c, p] for t, c, p, _ in CASES]
    columns = [[[row[i]] for row in rows] for i in range(8)]
    assert registry.evaluate_cells("ZZ_RECTIFY_RESULT", *columns) == [[e] for *_, e in CASES]


@pytest.mark.parametrize(
    ("yes", "no"),
    [("是", "否"), ("TRUE", "FALSE"), ("true", "false"), (True, False), (1, 0), (1.0, 0.0)],
)
def test_flags_accept_every_spelling(yes, no):
    assert registry.evaluate("ZZ_RECTIFY_RESULT", yes, no, no, no, no, no) == "整改完毕"
    assert registry.evaluate("ZZ_RECTIFY_RESULT", no, no, no, no, yes, no) == "部分整改"
    assert registry.evaluate("ZZ_RECTIFY_RESULT", yes, no, no, no, no, yes) == "未整改"
    assert registry.evaluate("ZZ_RECTIFY_RESULT", no, no, no, no, no, no) == "未整改"


@pytest.mark.parametrize("word", ["Y", "N", "yes", "no", "T", "1", "真"])
def test_flags_refuse_what_readme_does_not_promise(word):
    with pytest.raises(ArgumentError, match="应填 是 或 否"):
        registry.evaluate("ZZ_RECTIFY_RESULT", word, "否", "否", "否", "否", "否")


def test_bad_flag_message():
    with pytest.raises(ArgumentError) as info:
        registry.evaluate("ZZ_RECTIFY_RESULT", "也许", "否", "否", "否", "否", "否")
    assert info.value.cell_text == "#参数错误: 金额或事实已纠正 应填 是 或 否（或 TRUE/FALSE），而不是 '也许'"
    with pytest.raises(ArgumentError, match="已完善管控措施 应填 是 或 否"):
        registry.evaluate("ZZ_RECTIFY_RESULT", "是", 2, "否", "否", "否", "否")


def test_missing_flag_is_an_error_but_a_blank_row_is_blank():
    with pytest.raises(ArgumentError, match="缺少已提出整改计划"):
        registry.evaluate("ZZ_RECTIFY_RESULT", "是", "否", "否", "否", None, "否")
    assert registry.evaluate("ZZ_RECTIFY_RESULT", None, None, None, None, None, None) is None
    assert registry.evaluate("ZZ_RECTIFY_RESULT", "", "", "", "", "", "", "", "") is None


def test_negative_amounts_are_errors():
    with pytest.raises(ArgumentError, match="已纠正金额不能为负数"):
        rectify_result(facts("corrected", corrected_amount=-1, problem_amount=100))
    with pytest.raises(ArgumentError, match="问题金额不能为负数"):
        rectify_result(facts("corrected", corrected_amount=1, problem_amount=-100))


def test_corrected_flag_with_nothing_corrected_is_not_complete():
    assert rectify_result(facts("corrected", corrected_amount=0, problem_amount=100)) == "未整改"
