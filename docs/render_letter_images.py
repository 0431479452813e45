"""Render docs/letter-yishiyibaogao.png and docs/letter-guanlitisheng.png: the first page of
the 一事一报告 and of the 管理提升建议书 the sample workbook calls for (clue XS-2026-001),
as LibreOffice prints them with Noto CJK in place of the official fonts.

    .venv/bin/python docs/render_letter_images.py

Needs LibreOffice (soffice), poppler-utils (pdftoppm) and fonts-noto-cjk.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from addin.documents import preview  # noqa: E402
from addin.documents.letters import EVENT_REPORT, RECOMMENDATION, write_batch  # noqa: E402
from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS  # noqa: E402
from addin.workbook.templates import default_options, build_template  # noqa: E402

TARGETS = {EVENT_REPORT: ROOT / "docs" / "letter-yishiyibaogao.png",
           RECOMMENDATION: ROOT / "docs" / "letter-guanlitisheng.png"}


def main() -> int:
    os.environ.setdefault("ZHUIZE_HOME", tempfile.mkdtemp())  # built-in profiles and calendar only
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        book = build_template(folder / "sample.xlsx", default_options("central-2026"), SAMPLE_INFO, SAMPLE_RECORDS)
        result = write_batch([book], folder / "letters", clues=["XS-2026-001"])
        for letter in result.written:
            (pdf,) = preview.to_pdf([letter.path], folder)
            preview.page_png(pdf, 1, TARGETS[letter.kind])
            print(f"已生成 {TARGETS[letter.kind]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
