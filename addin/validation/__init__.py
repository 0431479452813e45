"""Validation: every mistake a subsidiary can make, found, located and explained.

    submission ──checks──▶ problems ──▶ FileReport ──▶ ValidationReport (console, JSON)
                                               └──▶ annotated copy (--annotate)

``validate_paths`` is what ``zhuize validate`` and the add-in call; ``check_submission``
is what the roll-up calls on a workbook it has already read.
"""

from addin.validation.run import check_submission, validate_paths
from addin.validation.report import FileReport, ValidationReport

__all__ = ["FileReport", "ValidationReport", "check_submission", "validate_paths"]
