"""Render docs/print-*.png: the first printed page of each kind of sheet a user gets —
the group return (汇总, 图表, 校验结果, a ledger), the SASAC return (both sheets), an
annotated copy's 校验结果 and the blank template's ledger — as LibreOffice prints them
through the project's own helper (``addin.plumbing.libreoffice.print_workbooks``).

    .venv/bin/python docs/render_print_images.py

Needs LibreOffice (soffice) and poppler-utils (pdftotext, pdftoppm).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from addin.demo.group import make_demo_group  # noqa: E402
from addin.demo.main import AS_OF, demo_identity  # noqa: E402
from addin.returns.forms import FormSettings  # noqa: E402
from addin.rollup.recall import previous_totals  # noqa: E402
from addin.documents.preview import page_png  # noqa: E402
from addin.plumbing.libreoffice import print_workbooks  # noqa: E402
from addin.returns.group import write_group_return  # noqa: E402
from addin.returns.sasac import write_sasac_return  # noqa: E402
from addin.rollup import consolidate as rollup  # noqa: E402
from addin.rollup.periods import Period  # noqa: E402
from addin.validation import validate_paths  # noqa: E402

DPI = 60
PAGES = {  # image name: (file, the sheet name in the page header)
    "print-group-summary.png": ("GROUP", "汇总"),
    "print-group-charts.png": ("GROUP", "图表"),
    "print-group-results.png": ("GROUP", "校验结果"),
    "print-group-ledger.png": ("GROUP", "问题线索台账"),
    "print-sasac-totals.png": ("SASAC", "工作情况统计表"),  # the form's own title: no page header
    "print-sasac-units.png": ("SASAC", "分单位情况"),
    "print-annotated-results.png": ("ANNOTATED", "校验结果"),
    "print-template-ledger.png": ("TEMPLATE", "问题线索台账"),
}


def header_titles(pdf: Path) -> list[str]:
    """Each page's topmost words (the page header, which names the sheet)."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    titles = []
    for page in re.findall(r"<page [^>]*>(.*?)</page>", out, re.S):
        words = [(float(y), html.unescape(t)) for y, t in re.findall(r'yMin="([\d.]+)"[^>]*>(.*?)</word>', page)]
        top = min((y for y, _ in words), default=0)
        titles.append(" ".join(t for y, t in words if y - top < 3))
    return titles


def main() -> int:
    os.environ.setdefault("ZHUIZE_HOME", tempfile.mkdtemp())  # built-in profiles and calendar only
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        group = make_demo_group(folder / "group", units=12)
        archive = folder / "archive.sqlite"  # last year first, as the demo: 上年同期 on the SASAC return
        last = rollup.rollup([group.folder / "2025年度"], Period.of(2025, "年度"), AS_OF.replace(month=1, day=15),
                             archive)
        rollup.archive_accepted(last, archive)
        result = rollup.rollup([group.folder / "2026年度"], Period.of(2026, "年度"), AS_OF, archive)
        identity = demo_identity(12)
        forms = FormSettings(identity, date=AS_OF, previous=previous_totals(archive, result.period))
        files = {"GROUP": write_group_return(result, folder / "GROUP.xlsx", identity=identity),
                 "SASAC": write_sasac_return(result, folder / "SASAC.xlsx", settings=forms)}
        rejected = next(Path(i.path) for i in result.rejected if i.kind == "standard")
        report = validate_paths([rejected], annotate_dir=folder / "annotated")
        files["ANNOTATED"] = Path(shutil.copy(report.annotated[str(rejected)], folder / "ANNOTATED.xlsx"))
        files["TEMPLATE"] = Path(shutil.copy(ROOT / "workbook_templates" / "子企业填报模板.xlsx", folder / "TEMPLATE.xlsx"))
        pdfs = dict(zip(files, print_workbooks(list(files.values()), folder / "pdf")))
        titles = {key: header_titles(pdf) for key, pdf in pdfs.items()}
        for image, (key, sheet) in PAGES.items():
            page = next(i for i, title in enumerate(titles[key], start=1) if sheet in title)
            page_png(pdfs[key], page, ROOT / "docs" / image, dpi=DPI)
            print(f"已生成 docs/{image}（{key} 第 {page} 页）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
