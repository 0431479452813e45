"""管理提升建议书 and 一事一报告 as Word documents (GB/T 9704-2012) — the entry point.

    write_letters(submission, out_dir, clues=None, progress=None, *, kinds=KINDS) -> LettersResult
    write_batch(folder_or_submissions, out_dir, clues=None, progress=None, *, kinds=KINDS) -> LettersResult

The command line (``zhuize letters``) and the Excel ribbon call these; the work is in
``addin.documents``.  Problems are data (``LettersResult.problems``), never exceptions.
"""

from __future__ import annotations

from addin.documents.batch import (
    KINDS, LettersResult, Progress, WrittenLetter, workbooks_in, write_batch, write_letters,
)
from addin.documents.facts import EVENT_REPORT, RECOMMENDATION, LetterProblem

__all__ = [
    "EVENT_REPORT", "KINDS", "RECOMMENDATION", "LetterProblem", "LettersResult", "Progress", "WrittenLetter",
    "workbooks_in", "write_batch", "write_letters",
]
