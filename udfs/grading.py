"""Loss grade (资产损失程度): 一般 / 较大 / 重大 under a profile's thresholds.

A level is reached when the amount test or the share-of-assets test passes; the grade
is the higher of the two tests.  The share is ``loss / assets``.  Binary floating point
cannot hold most decimal amounts exactly (128.64 / 4288 comes out a hair under 3%), so
a value within a relative 2⁻⁴⁸ of a bound counts as equal to it — the tolerance
LibreOffice applies in its own comparisons — and "以上" (inclusive) bounds hold there
while "以下" (exclusive) bounds do not.  Amounts summed from several rows
(33.33 + 33.33 + 33.34) get the same treatment.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from udfs import vocab
from udfs.errors import ArgumentError
from udfs.profile import LossLevel, Profile

FloatArray = npt.NDArray[np.float64]


RELATIVE_TOLERANCE = 2.0**-48


def reaches(value: float, bound: float, inclusive: bool) -> bool:
    """value ≥ bound (inclusive) or value > bound (exclusive), equal within the tolerance."""
    close = abs(value - bound) <= abs(bound) * RELATIVE_TOLERANCE
    return (value >= bound or close) if inclusive else (value > bound and not close)


def reaches_many(values: FloatArray, bound: float, inclusive: bool) -> npt.NDArray[np.bool_]:
    """``reaches`` over an array (NaN never reaches)."""
    close = np.abs(values - bound) <= abs(bound) * RELATIVE_TOLERANCE
    return ((values >= bound) | close) if inclusive else ((values > bound) & ~close)


def _reached(level: LossLevel, loss: float, assets: float | None) -> bool:
    if reaches(loss, level.amount_from, level.amount_inclusive):
        return True
    if level.share_from is None or assets is None:
        return False
    return reaches(loss / assets, level.share_from, level.share_inclusive)


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
            hit = reaches_many(loss, level.amount_from, level.amount_inclusive)
            if level.share_from is not None:
                hit |= reaches_many(share, level.share_from, level.share_inclusive)
            np.maximum(codes, np.where(hit, np.int8(rank), np.int8(0)), out=codes)
    return codes
