"""Rectification result (整改结果) by the recognition criteria for audit rectification.

整改完毕 — the amount or fact is corrected; or corrected at once with controls improved;
or referred to the discipline body and accepted; or it cannot be undone but
accountability is complete and controls are improved.
部分整改 — a definite plan with dates for what cannot be done in time; or the amount
is partly corrected.
未整改 — rejection without valid reason, no measures, sham rectification; or anything
else (cannot be undone, accountability not done, controls not improved).
A refusal or sham wins over everything.  Where both amounts are given (问题金额 > 0),
the amounts decide whether the amount is corrected: all of it → corrected, part of it →
部分整改, none of it → not corrected, whatever the 金额或事实已纠正 flag says (the
validator reports a flag that contradicts the amounts).
"""

from __future__ import annotations

from dataclasses import dataclass

from udfs.errors import ArgumentError


@dataclass(frozen=True)
class RectifyFacts:
    corrected: bool
    controls_improved: bool
    referred_accepted: bool
    accountability_done: bool
    plan_given: bool
    refused_or_sham: bool
    corrected_amount: float | None = None
    problem_amount: float | None = None


def rectify_result(facts: RectifyFacts) -> str:
    corrected_amount, problem_amount = facts.corrected_amount, facts.problem_amount
    for value, label in ((corrected_amount, "已纠正金额"), (problem_amount, "问题金额")):
        if value is not None and value < 0:
            raise ArgumentError(f"{label}不能为负数（现为 {value:g}）")
    amount_known = problem_amount is not None and problem_amount > 0 and corrected_amount is not None
    partly = amount_known and 0 < corrected_amount < problem_amount  # type: ignore[operator]
    fully = amount_known and corrected_amount >= problem_amount  # type: ignore[operator]
    if facts.refused_or_sham:
        return "未整改"
    corrected = fully if amount_known else facts.corrected
    if corrected or facts.referred_accepted or (facts.accountability_done and facts.controls_improved):
        return "整改完毕"
    if facts.plan_given or partly:
        return "部分整改"
    return "未整改"
