"""A letter as LibreOffice Writer prints it: PDF (and PNG pages) for previews and tests.

The official fonts (仿宋_GB2312, 方正小标宋简体, 楷体_GB2312, 黑体, 宋体) are Windows fonts; where
they are missing, a private fontconfig file puts the Noto CJK faces in their place (Song
for 仿宋, 楷体 and 宋体, bold Song for 小标宋, Sans for 黑体) so the page still reads like an
official document.  Each run uses its own LibreOffice profile and never touches the
user's.  Debian packages: libreoffice-writer, poppler-utils, fonts-noto-cjk.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable

from addin.plumbing.libreoffice import LibreOfficeError, convert
from addin.plumbing.libreoffice import fonts_conf as plumbing_fonts_conf

SUBSTITUTES = {
    "仿宋_GB2312": ("Noto Serif CJK SC", None),
    "楷体_GB2312": ("Noto Serif CJK SC", None),
    "宋体": ("Noto Serif CJK SC", None),
    "方正小标宋简体": ("Noto Serif CJK SC", "bold"),
    "黑体": ("Noto Sans CJK SC", None),
}

class PreviewError(LibreOfficeError):
    pass


def fonts_conf() -> str:
    """A fontconfig file: the system's, plus the official font names mapped to Noto CJK."""
    return plumbing_fonts_conf(SUBSTITUTES)


def available() -> bool:
    return all(shutil.which(tool) for tool in ("soffice", "pdftoppm"))


def to_pdf(documents: Iterable[str | Path], out_dir: str | Path, timeout: float = 300) -> list[Path]:
    """Print .docx files to PDF with LibreOffice Writer (one soffice run); same names, .pdf."""
    with tempfile.TemporaryDirectory(prefix="zhuize-letters-") as work:
        conf = Path(work) / "fonts.conf"
        conf.write_text(fonts_conf(), encoding="utf-8")
        try:
            return convert(documents, "docx-pdf", out_dir, timeout, env={"FONTCONFIG_FILE": str(conf)})
        except LibreOfficeError as exc:
            raise PreviewError(str(exc)) from exc


def page_png(pdf: str | Path, page: int, target: str | Path, dpi: int = 110) -> Path:
    """One page of a PDF as a PNG."""
    out = Path(target)
    stem = out.with_suffix("")
    subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(dpi), "-png", "-singlefile",
                    str(pdf), str(stem)], check=True, capture_output=True)
    produced = stem.with_suffix(".png")
    if produced != out:
        produced.replace(out)
    return out
