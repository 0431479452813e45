"""Validation: every mistake a subsidiary can make, found, located and explained.

    submission ──checks──▶ problems ──▶ FileReport ──▶ ValidationReport (console, JSON)
                                               └──▶ annotated copy (--annotate)

``validate_paths`` is what ``zhuize validate`` and the add-in call (``addin.validation.single``
for one workbook); ``check_submission`` is what the roll-up calls on a workbook it has
already read.  The codes and what each means are listed in ``checks`` and ``deadlines``;
the reader's (ZZ-READ-…) in ``addin.workbook.read``, the preflight's (ZZ-FILE-…) in
``addin.workbook.preflight``.

Speed (100,000 ledger rows in about two seconds on two cores): the preflight and the
reading of a large workbook are split between two processes, rows are read as named
tuples and checked column by column, the engine's answers are memoised per distinct
question, and the input checks run in a forked helper beside the recomputation.
"""

from addin.validation.run import check_submission, validate_paths
from addin.validation.report import FileReport, ValidationReport

__all__ = ["FileReport", "ValidationReport", "check_submission", "validate_paths"]
