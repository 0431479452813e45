"""Loss grade (资产损失程度): 一般 / 较大 / 重大 under a profile's thresholds.

A level is reached when the amount test or the share-of-assets test passes; the grade
is the highest level reached (so the higher of the two tests).  The share is computed
as ``loss / assets`` and compared with the profile's fraction, exactly as a
spreadsheet formula ``loss/assets>=0.03`` does, so that native formulas agree.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from udfs import vocab
from udfs.errors import ArgumentError
from udfs.profile import LossLevel, Profile

FloatArray = npt.NDArray[np.float64]


def _reached(level: LossLevel, loss: float, assets: float | None) -> bool:
    by_amount = loss >= level.amount_from if level.amount_inclusive else loss > level.amount_from
    if by_amount or level.share_from is None or assets is None:
        return by_amount
    share = loss / assets
    return share >= level.share_from if level.share_inclusive else share > level.share_from


def check_amounts(loss: float, assets: float | None) -> None:
    if loss < 0:
        raise ArgumentError(f"损失金额不能为负数（现为 {loss:g}）")
    if assets is not None and assets <= 0:
        raise ArgumentError(f"上年末资产总额应大于 0（现为 {assets:g}）")


def loss_grade(loss_wan: float, assets_wan: float | None, profile: Profile) -> str:
    """The grade of one loss (万元) given the loss-making enterprise's prior-year-end assets."""
    check_amounts(loss_wan, assets_wan)
    grade = vocab.GRADES[0]
    for level in profile.loss_grade.levels:
        if _reached(level, loss_wan, assets_wan):
            grade = level.grade
    return grade


def loss_grade_codes(loss: FloatArray, assets: FloatArray, profile: Profile) -> npt.NDArray[np.int8]:
    """Vectorised grades as indexes into ``vocab.GRADES``; assets NaN = no share test.

    Callers check for negative or NaN inputs first (see ``check_amounts``).  A NaN
    share compares False, so a missing asset base simply fails the share test.
    """
    codes = np.zeros(loss.shape, dtype=np.int8)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = loss / assets
        for rank, level in enumerate(profile.loss_grade.levels, start=1):
            hit = loss >= level.amount_from if level.amount_inclusive else loss > level.amount_from
            if level.share_from is not None:
                hit |= share >= level.share_from if level.share_inclusive else share > level.share_from
            np.maximum(codes, np.where(hit, np.int8(rank), np.int8(0)), out=codes)
    return codes
