"""Headless LibreOffice: recalculate a workbook independently of Excel, or print it to PDF.

LibreOffice keeps the cached formula results of an .xlsx by default ("never
recalculate" for Excel files), so a conversion alone proves nothing about the formulas.
Each run here uses a private user profile (``-env:UserInstallation``) whose
``registrymodifications.xcu`` sets ``org.openoffice.Office.Calc/Formula/Load``
``OOXMLRecalcMode`` and ``ODFRecalcMode`` to 0 (always recalculate on load), so every
formula is evaluated by LibreOffice's own engine before it writes the output.  The
user's own LibreOffice settings are never touched.

Debian packages: libreoffice-calc (soffice), poppler-utils (pdfinfo, pdftotext,
pdftoppm); a CJK font such as fonts-noto-cjk for legible Chinese in PDFs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""

FILTERS = {
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "pdf": "pdf:calc_pdf_Export",
    "docx-pdf": "pdf:writer_pdf_Export",
    "csv": "csv:Text - txt - csv (StarCalc):44,34,76,1",  # the first sheet only: load and recalculate, little to write
}


class LibreOfficeError(RuntimeError):
    pass


SHEET_FONTS = {"等线": "Noto Sans CJK SC", "DengXian": "Noto Sans CJK SC"}
"""The workbooks' font (Excel's CJK default) where it is missing, by a face of close
metrics: left to fontconfig, 等线 becomes DejaVu Sans, whose wide Latin digits make every
column 40% wider than Excel draws it — and the printed pages differ from Excel's."""

_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
{matches}
</fontconfig>
"""


def fonts_conf(substitutes: dict[str, tuple[str, str | None]]) -> str:
    """A fontconfig file: the system's, plus each font name mapped to (family, weight)."""
    matches = []
    for name, (family, weight) in substitutes.items():
        edit = f'<edit name="family" mode="assign" binding="strong"><string>{family}</string></edit>'
        if weight:
            edit += f'<edit name="weight" mode="assign" binding="strong"><const>{weight}</const></edit>'
        matches.append(f'  <match target="pattern"><test name="family"><string>{name}</string></test>{edit}</match>')
    return _FONTS_CONF.format(matches="\n".join(matches))


def print_workbooks(files: Iterable[str | Path], out_dir: str | Path, timeout: float = 600) -> list[Path]:
    """Print workbooks to PDF as a user of LibreOffice would (every sheet, its print setup),
    with 等线 drawn by a CJK face of close metrics when it is not installed; one soffice run."""
    with tempfile.TemporaryDirectory(prefix="zhuize-print-") as work:
        conf = Path(work) / "fonts.conf"
        conf.write_text(fonts_conf({name: (family, None) for name, family in SHEET_FONTS.items()}), encoding="utf-8")
        return convert(files, "pdf", out_dir, timeout, env={"FONTCONFIG_FILE": str(conf)})


def find_soffice() -> str | None:
    """The soffice executable, or None when LibreOffice is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def convert(files: Iterable[str | Path], to: str, out_dir: str | Path, timeout: float = 600,
            env: dict[str, str] | None = None, recalculate: bool = True) -> list[Path]:
    """Open each file in LibreOffice (recalculating every formula) and save it as ``to``.

    ``recalculate=False`` keeps LibreOffice's default instead (an .xlsx shows the cached
    results it was saved with): what a reader who opens the file in LibreOffice sees.

    ``to`` is ``xlsx`` or ``pdf`` (spreadsheets), or ``docx-pdf`` (Word documents to PDF);
    the results keep the input file names.  One soffice process converts all files, with
    a private profile; ``env`` adds environment variables (e.g. a fontconfig file).
    """
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeError("未安装 LibreOffice（soffice）")
    sources = [Path(f).resolve() for f in files]
    target = Path(out_dir).resolve()
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zhuize-lo-") as work:
        profile = Path(work) / "profile"
        (profile / "user").mkdir(parents=True)
        if recalculate:
            (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
        command = [
            soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nolockcheck",
            "--nodefault", "--convert-to", FILTERS[to], "--outdir", str(target), *map(str, sources),
        ]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                 env=dict(os.environ, HOME=work, **(env or {})))
        except subprocess.TimeoutExpired as exc:
            raise LibreOfficeError(f"LibreOffice 转换超时（{timeout:g} 秒）") from exc
    suffix = FILTERS[to].split(":", 1)[0]
    results = [target / (source.stem + "." + suffix) for source in sources]
    missing = [r.name for r in results if not r.is_file()]
    if run.returncode != 0 or missing:
        raise LibreOfficeError(f"LibreOffice 转换失败（{run.returncode}）：{' '.join(missing)}\n{run.stdout}\n{run.stderr}")
    return results
