"""Build zhuize.xlam from the text sources in addin/xlam/, on any OS, without Excel.

    build_addin(out_dir) -> Path of the written zhuize.xlam

What goes in:
    customUI14.xml         the 责任追究 ribbon tab
    vba/*.bas              standard modules (their first line is ``Attribute VB_Name``)
    vba/ThisWorkbook.cls   the workbook's code (the document Attribute lines are added here)
    config.toml            the config sheet "zhuize.conf"
    xlwings_custom_addin.bas  taken from the installed, pinned xlwings package at build time
                           (PROJECT_NAME set to "zhuize"); never copied into the repo
    zhuize_udfs            generated from udfs.registry (``declarations``)
    sheet zhuize.functions the Chinese wizard help, generated from udfs.registry

The zip has fixed timestamps and a fixed order, so the same sources give the same bytes.
"""

from __future__ import annotations

import re
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence
from xml.sax.saxutils import escape

import xlwings
from xlsxwriter.utility import xl_col_to_name

from addin.xlam import declarations
from addin.xlam.ovba import WORKBOOK_BASE, WORKSHEET_BASE, Module, document_header, vba_project_bin


SOURCE_DIR = Path(__file__).resolve().parent
VBA_DIR = SOURCE_DIR / "vba"
RIBBON_FILE = SOURCE_DIR / "customUI14.xml"
CONFIG_FILE = SOURCE_DIR / "config.toml"

ADDIN_NAME = "zhuize.xlam"
PROJECT_NAME = "zhuize"  # VBA project name and xlwings' PROJECT_NAME (config sheet, user config file)
CONFIG_SHEET = f"{PROJECT_NAME}.conf"
HELP_SHEET = f"{PROJECT_NAME}.functions"
CODEPAGE = 936  # GBK, the code page of the Chinese Windows the add-in is for; the VBA is ASCII anyway
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

XLWINGS_MODULE_FILE = "xlwings_custom_addin.bas"
XLWINGS_PROJECT_LINE = 'Public Const PROJECT_NAME As String = "myaddin"'

CT_ADDIN = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
REL_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
REL_UI14 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
REL_WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
REL_STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
REL_SHARED_STRINGS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_THEME = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme"
CT_THEME = "application/vnd.openxmlformats-officedocument.theme+xml"

TITLE = "责任追究（zhuize）"
DESCRIPTION = "国有企业违规经营投资责任追究与审计整改：ZZ_ 函数、填报模板、校验、汇总、国资委报表和文书。"


class BuildError(RuntimeError):
    """The sources cannot make an add-in (the message says which and why)."""


@dataclass(frozen=True)
class Sheet:
    name: str
    code_name: str
    rows: list[list[object]]


# -- the VBA project ----------------------------------------------------------------------


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def xlwings_version_declared(source: str) -> str:
    """The version xlwings' VBA declares (``XLWINGS_VERSION``)."""
    match = re.search(r'^Public Const XLWINGS_VERSION As String = "([^"]+)"', source, re.M)
    if not match:
        raise BuildError(f"{XLWINGS_MODULE_FILE} does not declare XLWINGS_VERSION")
    return match.group(1)


def xlwings_module() -> Module:
    """xlwings' own VBA for custom add-ins, from the installed package, for project "zhuize"."""
    path = Path(xlwings.__file__).resolve().parent / XLWINGS_MODULE_FILE
    source = path.read_text(encoding="ascii")
    declared = xlwings_version_declared(source)
    if declared != xlwings.__version__:
        raise BuildError(f"{path} declares xlwings {declared}, but xlwings {xlwings.__version__} is installed")
    if source.count(XLWINGS_PROJECT_LINE) != 1:
        raise BuildError(f"{path}: expected the line {XLWINGS_PROJECT_LINE!r} exactly once")
    source = source.replace(XLWINGS_PROJECT_LINE, f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"')
    return Module("xlwings", "standard", crlf(source))


def source_modules(vba_dir: Path = VBA_DIR) -> list[Module]:
    """The hand-written modules: every ``*.bas`` (standard) and ``ThisWorkbook.cls``."""
    modules = []
    for path in sorted(vba_dir.glob("*.bas")):
        text = path.read_text(encoding="ascii")
        match = re.match(r'Attribute VB_Name = "([A-Za-z][A-Za-z0-9_]*)"\r?\n', text)
        if not match or match.group(1) != path.stem:
            raise BuildError(f"{path} must start with Attribute VB_Name = \"{path.stem}\"")
        modules.append(Module(path.stem, "standard", crlf(text)))
    return modules


def this_workbook_module(vba_dir: Path = VBA_DIR) -> Module:
    code = (vba_dir / "ThisWorkbook.cls").read_text(encoding="ascii")
    return Module("ThisWorkbook", "document", document_header("ThisWorkbook", WORKBOOK_BASE) + crlf(code))


def sheet_module(code_name: str) -> Module:
    return Module(code_name, "document", document_header(code_name, WORKSHEET_BASE))


def all_modules() -> list[Module]:
    """Every module of the add-in's VBA project, in project order."""
    return [
        this_workbook_module(),
        *(sheet_module(sheet.code_name) for sheet in sheets()),
        xlwings_module(),
        Module(declarations.UDF_MODULE_NAME, "standard", declarations.udf_module_source()),
        *source_modules(),
    ]


# -- the workbook -------------------------------------------------------------------------------


def config_rows(path: Path = CONFIG_FILE) -> list[list[object]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [[key, value] for key, value in data.get("sheet", {}).items()]


def help_rows() -> list[list[object]]:
    from udfs.excel import CATEGORY

    helps = declarations.function_help()
    width = max(len(h.arguments) for h in helps)
    header: list[object] = ["函数", "类别", "说明", "参数个数"] + [f"参数{i + 1}" for i in range(width)]
    return [header] + [[h.name, CATEGORY, h.description, len(h.arguments), *h.arguments] for h in helps]


def sheets() -> list[Sheet]:
    return [Sheet(CONFIG_SHEET, "Sheet1", config_rows()), Sheet(HELP_SHEET, "Sheet2", help_rows())]


class _Strings:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.index: dict[str, int] = {}

    def get(self, text: str) -> int:
        if text not in self.index:
            self.index[text] = len(self.items)
            self.items.append(text)
        return self.index[text]

    def xml(self) -> str:
        items = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in self.items)
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<sst xmlns="{NS_MAIN}" count="{len(self.items)}" uniqueCount="{len(self.items)}">{items}</sst>')


_column = xl_col_to_name


def _sheet_xml(sheet: Sheet, strings: _Strings) -> str:
    rows = []
    for r, row in enumerate(sheet.rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_column(c)}{r}"
            if isinstance(value, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float)):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif value is not None:
                cells.append(f'<c r="{ref}" t="s"><v>{strings.get(str(value))}</v></c>')
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}"><sheetPr codeName="{sheet.code_name}"/>'
            f'<cols><col min="1" max="1" width="28" customWidth="1"/><col min="2" max="3" width="40" customWidth="1"/></cols>'
            f'<sheetData>{"".join(rows)}</sheetData></worksheet>')


STYLES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{NS_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
)


def _theme_xml() -> str:
    """The workbook's theme, which the Open XML SDK lists as a required part of a workbook:
    Office's colours, 等线 for the East Asian text, the three fill, line, effect and
    background styles the schema asks for."""
    colors = (("dk1", '<a:sysClr val="windowText" lastClr="000000"/>'), ("lt1", '<a:sysClr val="window" lastClr="FFFFFF"/>'),
              ("dk2", '<a:srgbClr val="44546A"/>'), ("lt2", '<a:srgbClr val="E7E6E6"/>'),
              ("accent1", '<a:srgbClr val="4472C4"/>'), ("accent2", '<a:srgbClr val="ED7D31"/>'),
              ("accent3", '<a:srgbClr val="A5A5A5"/>'), ("accent4", '<a:srgbClr val="FFC000"/>'),
              ("accent5", '<a:srgbClr val="5B9BD5"/>'), ("accent6", '<a:srgbClr val="70AD47"/>'),
              ("hlink", '<a:srgbClr val="0563C1"/>'), ("folHlink", '<a:srgbClr val="954F72"/>'))
    scheme = "".join(f"<a:{name}>{value}</a:{name}>" for name, value in colors)
    font = '<a:latin typeface="{0}"/><a:ea typeface="等线"/><a:cs typeface=""/>'
    fill = '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>'
    line = '<a:ln w="6350"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:ln>'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="Office"><a:themeElements>'
        f'<a:clrScheme name="Office">{scheme}</a:clrScheme>'
        f'<a:fontScheme name="Office"><a:majorFont>{font.format("等线 Light")}</a:majorFont>'
        f'<a:minorFont>{font.format("等线")}</a:minorFont></a:fontScheme>'
        f'<a:fmtScheme name="Office"><a:fillStyleLst>{fill * 3}</a:fillStyleLst><a:lnStyleLst>{line * 3}</a:lnStyleLst>'
        f'<a:effectStyleLst>{"<a:effectStyle><a:effectLst/></a:effectStyle>" * 3}</a:effectStyleLst>'
        f'<a:bgFillStyleLst>{fill * 3}</a:bgFillStyleLst></a:fmtScheme>'
        '</a:themeElements></a:theme>'
    )


def _workbook_xml(sheet_list: Sequence[Sheet]) -> str:
    entries = "".join(
        f'<sheet name="{escape(s.name)}" sheetId="{i}" r:id="rId{i}"/>' for i, s in enumerate(sheet_list, start=1)
    )
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}"><workbookPr codeName="ThisWorkbook"/>'
            f'<bookViews><workbookView/></bookViews><sheets>{entries}</sheets><calcPr calcId="191029"/></workbook>')


def _relationships(rels: Sequence[tuple[str, str, str]]) -> str:
    items = "".join(f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>' for rid, kind, target in rels)
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{NS_PKG_REL}">{items}</Relationships>'


def _content_types(sheet_count: int) -> str:
    overrides = [
        ("/xl/workbook.xml", CT_ADDIN),
        ("/xl/styles.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"),
        ("/xl/theme/theme1.xml", CT_THEME),
        ("/xl/sharedStrings.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"),
        ("/xl/vbaProject.bin", "application/vnd.ms-office.vbaProject"),
        ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
    ] + [
        (f"/xl/worksheets/sheet{i}.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml")
        for i in range(1, sheet_count + 1)
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{part}" ContentType="{ctype}"/>' for part, ctype in overrides)
        + "</Types>"
    )


def _core_xml() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{escape(TITLE)}</dc:title><dc:description>{escape(DESCRIPTION)}</dc:description>"
        "<dc:creator>zhuize</dc:creator></cp:coreProperties>"
    )


def addin_parts() -> dict[str, bytes]:
    """Every part of the .xlam, by zip path, in the order they are written."""
    sheet_list = sheets()
    strings = _Strings()
    sheet_parts = {f"xl/worksheets/sheet{i}.xml": _sheet_xml(s, strings) for i, s in enumerate(sheet_list, start=1)}
    workbook_rels = [(f"rId{i}", REL_WORKSHEET, f"worksheets/sheet{i}.xml") for i in range(1, len(sheet_list) + 1)]
    n = len(sheet_list)
    workbook_rels += [
        (f"rId{n + 1}", REL_STYLES, "styles.xml"),
        (f"rId{n + 2}", REL_SHARED_STRINGS, "sharedStrings.xml"),
        (f"rId{n + 3}", REL_VBA, "vbaProject.bin"),
        (f"rId{n + 4}", REL_THEME, "theme/theme1.xml"),
    ]
    ribbon = RIBBON_FILE.read_bytes()
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": _content_types(len(sheet_list)),
        "_rels/.rels": _relationships(
            [
                ("rId1", REL_OFFICE_DOCUMENT, "xl/workbook.xml"),
                ("rId2", REL_CORE, "docProps/core.xml"),
                ("rId3", REL_UI14, "customUI/customUI14.xml"),
            ]
        ),
        "docProps/core.xml": _core_xml(),
        "customUI/customUI14.xml": ribbon,
        "xl/workbook.xml": _workbook_xml(sheet_list),
        "xl/_rels/workbook.xml.rels": _relationships(workbook_rels),
        **sheet_parts,
        "xl/theme/theme1.xml": _theme_xml(),
        "xl/styles.xml": STYLES_XML,
        "xl/sharedStrings.xml": strings.xml(),
        "xl/vbaProject.bin": vba_project_bin(PROJECT_NAME, all_modules(), CODEPAGE),
    }
    return {name: (value.encode("utf-8") if isinstance(value, str) else value) for name, value in parts.items()}


def write_zip(parts: dict[str, bytes], target: Path) -> None:
    """Write the package to ``target`` through a temporary file, with fixed timestamps."""
    temporary = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(temporary, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            archive.writestr(info, data, compresslevel=9)
    temporary.replace(target)


def build_addin(out_dir: str | Path) -> Path:
    """Build ``zhuize.xlam`` into ``out_dir`` (created if missing); returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / ADDIN_NAME
    write_zip(addin_parts(), target)
    return target
