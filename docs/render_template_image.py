"""Render docs/template-clues.png: the 问题线索台账 of the template filled with the sample,
as LibreOffice prints it (the page with the computed columns); from the same conversion
docs/template-selfcheck.png (the 自查结果 sheet) and docs/template-params.png (the 参数 sheet)
for the 操作手册.

    .venv/bin/python docs/render_template_image.py

Needs LibreOffice (soffice) and poppler-utils (pdftotext, pdftoppm).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS  # noqa: E402
from addin.workbook.templates import Options, build_template  # noqa: E402
from addin.plumbing.libreoffice import convert  # noqa: E402
from udfs.profile import get_profile  # noqa: E402

TARGET = ROOT / "docs" / "template-clues.png"
DPI = 130
CROP = (40, 30, 1350, 210)  # x, y, width, height in pixels at DPI: the page header (填报单位, 报告期), the table header and the first rows
MORE = (  # (target, the page's first word, crop)
    (ROOT / "docs" / "template-selfcheck.png", "自查结果", (40, 50, 1000, 420)),
    (ROOT / "docs" / "template-params.png", "参数", (40, 40, 1400, 560)),
)


def main() -> int:
    os.environ.setdefault("ZHUIZE_HOME", tempfile.mkdtemp())  # built-in profiles and calendar only
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        book = build_template(folder / "sample.xlsx", Options(profile=get_profile("central-2026")),
                              SAMPLE_INFO, SAMPLE_RECORDS)
        (pdf,) = convert([book], "pdf", folder)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        pages = text.split("\f")
        page = next(i for i, p in enumerate(pages, start=1)  # the first line: 填报单位, the sheet, 报告期
                    if "问题线索台账" in p.lstrip().split("\n", 1)[0] and "损失等级" in p)
        x, y, width, height = CROP
        subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(DPI), "-png", "-singlefile",
                        "-x", str(x), "-y", str(y), "-W", str(width), "-H", str(height), str(pdf),
                        str(folder / "page")], check=True)
        TARGET.write_bytes((folder / "page.png").read_bytes())
        print(f"已生成 {TARGET}")
        for target, first, (x, y, width, height) in MORE:
            page = next(i for i, p in enumerate(pages, start=1) if p.lstrip().startswith(first))
            subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(DPI), "-png", "-singlefile",
                            "-x", str(x), "-y", str(y), "-W", str(width), "-H", str(height), str(pdf),
                            str(folder / "more")], check=True)
            target.write_bytes((folder / "more.png").read_bytes())
            print(f"已生成 {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
