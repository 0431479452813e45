"""zhuize.xlam built on Linux: the VBA project decodes back to our sources (oletools),
the ribbon's actions resolve, the UDF declarations cover the registry (and match what
xlwings itself would generate), the versions agree, LibreOffice opens it, and installing
lays out the files Windows Excel loads."""

from __future__ import annotations

import functools
import html
import io
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tomllib
import types
import warnings
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

import olefile
import pytest
import xlwings
from python_calamine import CalamineWorkbook

import addin.xlam.handlers
from addin import cli
from addin.xlam import build, cfb, declarations, install, ovba
from udfs.registry import FUNCTIONS, Arg, ZZFunction, TEXT

with warnings.catch_warnings():  # oletools 0.60.2 uses pyparsing names deprecated in pyparsing 3.3
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser, decompress_stream

ROOT = Path(__file__).resolve().parents[1]
UI_NS = "{http://schemas.microsoft.com/office/2009/07/customui}"
BUTTONS = ["新建填报模板", "校验本工作簿", "汇总下级报表", "生成国资委报表", "生成管理提升建议书",
           "生成一事一报告", "更新工作日历", "函数说明"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build.build_addin(tmp_path_factory.mktemp("addin"))


@pytest.fixture(scope="module")
def modules() -> dict[str, ovba.Module]:
    return {m.name: m for m in build.all_modules()}


@pytest.fixture(scope="module")
def decoded(built: Path) -> dict[str, str]:
    parser = VBA_Parser(str(built))
    try:
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def _vba_bin(built: Path) -> bytes:
    with zipfile.ZipFile(built) as archive:
        return archive.read("xl/vbaProject.bin")


# -- the VBA project -----------------------------------------------------------------------------


def test_olevba_decodes_every_module_back_to_our_source(decoded: dict[str, str], modules: dict[str, ovba.Module]) -> None:
    assert sorted(decoded) == sorted(modules) == sorted(
        ["ThisWorkbook", "Sheet1", "Sheet2", "xlwings", "zhuize_udfs", "zhuize_ribbon", "zhuize_setup"]
    )
    for name, module in modules.items():
        assert decoded[name] == module.source, name


def test_module_sources_are_the_repository_files_and_the_pinned_xlwings_module(modules: dict[str, ovba.Module]) -> None:
    vba_dir = ROOT / "addin" / "xlam" / "vba"
    for name in ("zhuize_ribbon", "zhuize_setup"):
        assert modules[name].source == (vba_dir / f"{name}.bas").read_text(encoding="ascii").replace("\n", "\r\n")
    this_workbook = modules["ThisWorkbook"].source
    header = ovba.document_header("ThisWorkbook", ovba.WORKBOOK_BASE)
    assert this_workbook == header + (vba_dir / "ThisWorkbook.cls").read_text(encoding="ascii").replace("\n", "\r\n")
    assert 'Attribute VB_Base = "0{00020819-0000-0000-C000-000000000046}"' in this_workbook
    assert modules["Sheet1"].source == ovba.document_header("Sheet1", ovba.WORKSHEET_BASE)

    package_file = Path(xlwings.__file__).parent / "xlwings_custom_addin.bas"
    original = package_file.read_bytes().decode("ascii")
    expected = original.replace('PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "zhuize"')
    assert modules["xlwings"].source == expected
    assert expected != original
    # xlwings' VBA is read from the package at build time, never kept in the repo
    assert not list((ROOT / "addin").rglob("xlwings_custom_addin.bas"))


def test_every_vba_line_is_ascii_crlf_and_short_enough(modules: dict[str, ovba.Module]) -> None:
    for module in modules.values():
        assert module.source.isascii(), module.name
        assert module.source.endswith("\r\n")
        assert "\n" not in module.source.replace("\r\n", "")
        assert max(len(line) for line in module.source.split("\r\n")) <= 1023


def test_project_streams(built: Path, modules: dict[str, ovba.Module]) -> None:
    ole = olefile.OleFileIO(_vba_bin(built), raise_defects=olefile.DEFECT_INCORRECT)
    assert sorted("/".join(p) for p in ole.listdir()) == sorted(
        ["PROJECT", "PROJECTwm", "VBA/_VBA_PROJECT", "VBA/dir"] + [f"VBA/{name}" for name in modules]
    )
    # version-independent: no performance cache, so Excel compiles the source on first load
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000100")

    project = ole.openstream("PROJECT").read().decode("ascii")
    lines = project.split("\r\n")
    assert lines[0] == f'ID="{ovba.project_id("zhuize")}"'
    assert lines[1:8] == ["Document=ThisWorkbook/&H00000000", "Document=Sheet1/&H00000000", "Document=Sheet2/&H00000000",
                          "Module=xlwings", "Module=zhuize_udfs", "Module=zhuize_ribbon", "Module=zhuize_setup"]
    assert 'Name="zhuize"' in lines
    values = dict(re.findall(r'^(CMG|DPB|GC)="([0-9A-F]+)"\r$', project, re.M))
    assert ovba.decrypt(values["CMG"]) == b"\0\0\0\0"  # not protected
    assert ovba.decrypt(values["DPB"]) == b"\0"  # no password
    assert ovba.decrypt(values["GC"]) == b"\xff"  # visible

    wm = ole.openstream("PROJECTwm").read()
    assert wm.endswith(b"\0\0") and all(name.encode() + b"\0" + name.encode("utf-16-le") + b"\0\0" in wm for name in modules)

    directory = decompress_stream(bytearray(ole.openstream("VBA/dir").read()))
    records = _dir_records(bytes(directory))
    assert records[0] == (0x0001, struct.pack("<I", 1))  # Win32
    assert (0x0003, struct.pack("<H", 936)) in records  # code page
    assert (0x0004, b"zhuize") in records
    assert [data.decode() for rid, data in records if rid == 0x0019] == list(modules)
    assert [data for rid, data in records if rid == 0x0031] == [b"\0\0\0\0"] * len(modules)  # text offset 0
    kinds = [rid for rid, _ in records if rid in (0x0021, 0x0022)]
    assert kinds == [0x0022, 0x0022, 0x0022, 0x0021, 0x0021, 0x0021, 0x0021]
    assert records[-1] == (0x0010, b"")
    libids = [data[4:].decode() for rid, data in records if rid == 0x000D]
    assert any("{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}" in libid for libid in libids)  # Office: IRibbonControl


def _dir_records(data: bytes) -> list[tuple[int, bytes]]:
    records, i = [], 0
    while i < len(data):
        record_id, size = struct.unpack_from("<HI", data, i)
        i += 6
        if record_id == 0x0009:  # PROJECTVERSION: its Size field is 4 but 6 bytes follow
            size = 6
        records.append((record_id, data[i : i + size]))
        i += size
    return records


@pytest.mark.parametrize("size", [0, 1, 3, 100, 4095, 4096, 4097, 12_345, 50_000])
def test_compression_round_trips_through_oletools(size: int) -> None:
    rng = random.Random(size)
    words = [b"Dim ", b"As String", b"\r\n", b"    ", b"RunPython ", b"End Sub", b"x", b"'"]
    text = b"".join(rng.choice(words) for _ in range(size))[:size]
    noise = bytes(rng.randrange(256) for _ in range(size))
    tail = size % 4096
    if tail > 3600:  # random bytes in a short final chunk cannot be stored (VBA text never is)
        with pytest.raises(ovba.OVBAError):
            ovba.compress(noise)
        noise = noise[: size - tail]
    for data in (text, noise, b"a" * size):
        packed = ovba.compress(data)
        assert ovba.decompress(packed) == data
        assert bytes(decompress_stream(bytearray(packed))) == data
    if size >= 4096:
        assert len(ovba.compress(text)) < len(text)


def test_encryption_round_trips() -> None:
    pid = ovba.project_id("zhuize")
    for seed in range(256):
        assert ovba.decrypt(ovba.encrypt(b"\x01\x02\x03\x04", pid, seed)) == b"\x01\x02\x03\x04"


# -- the compound file ----------------------------------------------------------------------------------


def _storage_tree_ok(ole: olefile.OleFileIO, sid: int) -> tuple[int, list[str]]:
    """(black height, in-order names) of the sibling tree rooted at ``sid``."""
    if sid == cfb.NOSTREAM:
        return 1, []
    entry = ole.direntries[sid]
    left_height, left_names = _storage_tree_ok(ole, entry.sid_left)
    right_height, right_names = _storage_tree_ok(ole, entry.sid_right)
    assert left_height == right_height, entry.name
    if entry.color == cfb.RED:
        for child in (entry.sid_left, entry.sid_right):
            assert child == cfb.NOSTREAM or ole.direntries[child].color == cfb.BLACK
    return left_height + (entry.color == cfb.BLACK), left_names + [entry.name] + right_names


def test_compound_file_round_trips_with_olefile() -> None:
    rng = random.Random(7)
    sizes = [0, 1, 63, 64, 65, 4095, 4096, 4097, 70_000] + [rng.randrange(0, 9000) for _ in range(30)]
    tree: dict = {"PROJECT": b"p" * 10, "Storage": {}}
    for i, size in enumerate(sizes):
        target = tree if i % 2 else tree["Storage"]
        target[f"s{i:02d}_{'x' * (i % 7)}"] = bytes(rng.randrange(256) for _ in range(size))
    data = cfb.write_cfb(tree)
    ole = olefile.OleFileIO(data, raise_defects=olefile.DEFECT_INCORRECT)
    for name, value in tree.items():
        if isinstance(value, bytes):
            assert ole.openstream(name).read() == value
    for name, value in tree["Storage"].items():
        assert ole.openstream(f"Storage/{name}").read() == value
    for entry in ole.direntries:
        if entry is not None and entry.entry_type in (olefile.STGTY_STORAGE, olefile.STGTY_ROOT):
            root = ole.direntries[entry.sid_child]
            assert root.color == cfb.BLACK
            _, names = _storage_tree_ok(ole, entry.sid_child)
            assert names == sorted(names, key=cfb.name_key)  # a search tree in MS-CFB's order


def test_vba_project_trees_are_red_black(built: Path) -> None:
    ole = olefile.OleFileIO(_vba_bin(built), raise_defects=olefile.DEFECT_INCORRECT)
    for entry in ole.direntries:
        if entry is not None and entry.entry_type in (olefile.STGTY_STORAGE, olefile.STGTY_ROOT):
            _, names = _storage_tree_ok(ole, entry.sid_child)
            assert names == sorted(names, key=cfb.name_key)


# -- the package -----------------------------------------------------------------------------------------


def test_package_parts_content_types_and_relationships(built: Path) -> None:
    with zipfile.ZipFile(built) as archive:
        names = archive.namelist()
        assert names[0] == "[Content_Types].xml"
        types_xml = ET.fromstring(archive.read("[Content_Types].xml"))
        overrides = {o.get("PartName"): o.get("ContentType") for o in types_xml}
        assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
        assert overrides["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
        for part in names:
            if part.endswith(".xml") or part.endswith(".rels"):
                ET.fromstring(archive.read(part))  # well-formed
            if part == "[Content_Types].xml" or part.endswith(".rels"):
                continue
            # every part has its own content type; the ribbon part is plain XML (the default)
            assert f"/{part}" in overrides or part == "customUI/customUI14.xml", part
        assert {d.get("Extension"): d.get("ContentType") for d in types_xml if d.tag.endswith("Default")}["xml"] == \
            "application/xml"
        package_rels = {r.get("Type"): r.get("Target") for r in ET.fromstring(archive.read("_rels/.rels"))}
        assert package_rels["http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"] == "customUI/customUI14.xml"
        workbook_rels = {r.get("Target"): r.get("Type") for r in ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))}
        assert workbook_rels["vbaProject.bin"] == "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
        for target in list(package_rels.values()) + [f"xl/{t}" for t in workbook_rels]:
            assert target in names, target
        workbook = archive.read("xl/workbook.xml").decode()
        assert '<workbookPr codeName="ThisWorkbook"/>' in workbook
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())


def test_config_and_help_sheets(built: Path) -> None:
    book = CalamineWorkbook.from_path(str(built))
    assert book.sheet_names == ["zhuize.conf", "zhuize.functions"]
    assert book.get_sheet_by_name("zhuize.conf").to_python() == [
        ["UDF Modules", "udfs.excel"], ["ADD_WORKBOOK_TO_PYTHONPATH", "false"]
    ]
    rows = book.get_sheet_by_name("zhuize.functions").to_python()
    assert rows[0][:4] == ["函数", "类别", "说明", "参数个数"]
    by_name = {row[0]: row for row in rows[1:]}
    assert list(by_name) == list(FUNCTIONS)
    for name, function in FUNCTIONS.items():
        row = by_name[name]
        assert row[1] == "责任追究"
        assert row[2] == function.summary
        assert int(row[3]) == len(function.args)
        assert row[4 : 4 + len(function.args)] == [f"{a.label}：{a.help}" for a in function.args]
        assert all(len(text) <= 255 for text in row[2 : 4 + len(function.args)] if isinstance(text, str))
    loss = by_name["ZZ_LOSS_GRADE"]
    assert loss[4] == "损失金额（万元）：单笔资产损失金额，单位万元"


def test_build_is_deterministic(built: Path, tmp_path: Path) -> None:
    again = build.build_addin(tmp_path)
    assert again.read_bytes() == built.read_bytes()


# -- the ribbon ---------------------------------------------------------------------------------------------


def test_ribbon_parses_and_every_action_resolves(built: Path, modules: dict[str, ovba.Module]) -> None:
    with zipfile.ZipFile(built) as archive:
        ui = ET.fromstring(archive.read("customUI/customUI14.xml"))
    assert ui.tag == f"{UI_NS}customUI"
    tabs = ui.findall(f"./{UI_NS}ribbon/{UI_NS}tabs/{UI_NS}tab")
    assert [tab.get("label") for tab in tabs] == ["责任追究"]
    buttons = tabs[0].findall(f".//{UI_NS}button")
    assert [b.get("label") for b in buttons] == BUTTONS
    assert len({b.get("id") for b in buttons}) == len(buttons)
    python_calls = set()
    for button in buttons:
        assert button.get("imageMso"), button.get("label")
        module_name, sub = button.get("onAction").split(".")
        source = modules[module_name].source
        match = re.search(rf"^Public Sub {sub}\(control As IRibbonControl\)\r\n(.*?)\r\nEnd Sub", source, re.M | re.S)
        assert match, f"{button.get('label')}: no Sub {sub}(control As IRibbonControl) in {module_name}"
        body = match.group(1)
        called = re.findall(r'RunPython "import addin\.xlam\.handlers; addin\.xlam\.handlers\.(\w+)\(', body)
        assert len(called) == 1, sub
        assert callable(getattr(addin.xlam.handlers, called[0])), called[0]
        python_calls.add(called[0])
    assert python_calls == {"new_template", "validate_book", "rollup_folder", "sasac_return", "improvement_letters",
                            "event_reports", "update_calendar", "function_help"}


def test_the_ribbon_onload_registers_the_help_and_nothing_runs_on_open(built: Path, decoded: dict[str, str],
                                                                      modules: dict[str, ovba.Module]) -> None:
    with zipfile.ZipFile(built) as archive:
        ui = ET.fromstring(archive.read("customUI/customUI14.xml"))
    module_name, sub = ui.get("onLoad").split(".")
    assert re.search(rf"^Public Sub {sub}\(ribbon As IRibbonUI\)\r\n    zhuize_setup\.RegisterFunctionHelp\r\nEnd Sub",
                     modules[module_name].source, re.M)
    setup = modules["zhuize_setup"].source
    assert 'HELP_SHEET As String = "zhuize.functions"' in setup
    assert "Application.MacroOptions Macro:=macroName, Description:=" in setup
    assert "ArgumentDescriptions:=argHelp" in setup
    # what macro scanners rate as auto-running code (olevba's AutoExec keywords): none in any module
    parser = VBA_Parser(str(built))
    try:
        parser.analyze_macros()
        autoexec = [(kind, keyword) for kind, keyword, _ in parser.analysis_results if kind == "AutoExec"]
    finally:
        parser.close()
    assert autoexec == []
    assert not any(re.search(r"\b(Workbook_Open|Auto_?Open|Workbook_Activate)\b", code, re.I) for code in decoded.values())


# Excel's own control ids (Office Fluent UI command identifiers, Excel): the icons of its ribbon buttons.
# ImportExcel and CreateReport are Access's, DateAndTimeInsert is Word's: Excel draws nothing for them.
EXCEL_IMAGE_MSO = {"FileNew": "文件 › 新建", "DataValidation": "数据 › 数据验证", "Consolidate": "数据 › 合并计算",
                   "PivotTableInsert": "插入 › 数据透视表", "ReviewNewComment": "审阅 › 新建批注",
                   "FileSendAsAttachment": "文件 › 共享 › 电子邮件", "FunctionsDateTimeInsertGallery": "公式 › 日期和时间",
                   "FunctionWizard": "公式 › 插入函数"}


def test_every_ribbon_icon_is_one_of_excels_own(built: Path) -> None:
    with zipfile.ZipFile(built) as archive:
        ui = ET.fromstring(archive.read("customUI/customUI14.xml"))
    icons = [b.get("imageMso") for b in ui.iter(f"{UI_NS}button")]
    assert len(icons) == len(BUTTONS) and set(icons) <= set(EXCEL_IMAGE_MSO), icons
    assert not set(icons) & {"ImportExcel", "CreateReport", "DateAndTimeInsert"}


# -- versions --------------------------------------------------------------------------------------------------


def test_pinned_xlwings_is_the_version_the_vba_declares(decoded: dict[str, str]) -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in pyproject["project"]["dependencies"] if d.startswith("xlwings")]
    assert pins == [f"xlwings=={xlwings.__version__}"]
    vba = decoded["xlwings"]
    assert build.xlwings_version_declared(vba) == xlwings.__version__
    assert f"'Version: {xlwings.__version__}\r\n" in vba
    assert f'"xlwings64-{xlwings.__version__}.dll"' in vba
    assert 'Public Const PROJECT_NAME As String = "zhuize"' in vba


# -- the UDF declarations ---------------------------------------------------------------------------------------


def test_udf_declarations_cover_the_registry_with_legal_names(decoded: dict[str, str]) -> None:
    source = decoded["zhuize_udfs"]
    assert '#Const App = "Microsoft Excel"' in source
    declared = re.findall(r"^Function (\w+)\(([^)]*)\)\r$", source, re.M)
    assert [name for name, _ in declared] == sorted(FUNCTIONS)
    for name, params in declared:
        function = FUNCTIONS[name]
        parts = [p.strip() for p in params.split(",")] if params else []
        assert len(parts) == len(function.args)
        names = []
        for part, arg in zip(parts, function.args):
            words = part.split()
            assert (words[0] == "Optional") == arg.optional, (name, part)
            names.append(words[-1])
        for param in names:
            assert declarations.is_legal_vba_identifier(param), (name, param)
            assert param.lower() not in declarations.VBA_RESERVED
        assert len({n.lower() for n in names}) == len(names)
        array = f"Array({', '.join(names)})"
        assert f'{name} = XLPy.CallUDF("udfs.excel", "{name}", {array}, ActiveWorkbook, Application.Caller)' in source
        assert f'{name} = XLPy.CallUDF("udfs.excel", "{name}", {array})' in source


def test_reserved_argument_names_are_renamed_in_vba_only() -> None:
    odd = ZZFunction("ZZ_ODD", "测试", (Arg("date", "日期", TEXT, ""), Arg("String", "文本", TEXT, "", optional=True),
                                       Arg("failed", "标记", TEXT, ""), Arg("zz_odd", "同名", TEXT, "")),
                     "文本", lambda ctx, *a: None, lambda p: "")
    assert declarations.vba_parameter_names(odd) == ["p_date", "p_String", "p_failed", "p_zz_odd"]
    text = declarations.udf_declaration(odd)
    assert text.startswith("Function ZZ_ODD(p_date, Optional p_String, p_failed, p_zz_odd)\n")
    assert "Array(p_date, p_String, p_failed, p_zz_odd)" in text  # positional: Python sees the same order
    assert declarations.vba_parameter_names(FUNCTIONS["ZZ_ID_VALID"]) == ["id"]  # "id" is not reserved in VBA


@pytest.fixture
def xlwings_udfs(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """xlwings' own udfs.py, importable on Linux with stand-ins for the pywin32 modules."""
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client", "xlwings.udfs"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None  # type: ignore[attr-defined]
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.com_error = type("com_error", (Exception,), {})  # type: ignore[attr-defined]
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *args, **kwargs: None  # type: ignore[attr-defined]
    win32com = types.ModuleType("win32com")
    win32com.client = client  # type: ignore[attr-defined]
    for name, module in [("pythoncom", pythoncom), ("pywintypes", pywintypes), ("win32com", win32com),
                         ("win32com.client", client)]:
        monkeypatch.setitem(sys.modules, name, module)
    import importlib

    module = importlib.import_module("xlwings.udfs")
    yield module
    sys.modules.pop("xlwings.udfs", None)
    if hasattr(xlwings, "udfs"):
        delattr(xlwings, "udfs")


def test_declarations_equal_what_xlwings_generates(xlwings_udfs: types.ModuleType) -> None:
    """Run xlwings' generate_vba_wrapper on udfs.excel decorated as on Windows."""
    import udfs.excel

    fake = types.ModuleType("udfs_excel_as_on_windows")
    for name in FUNCTIONS:
        original = getattr(udfs.excel, name)
        wrapper = functools.wraps(original)(lambda *args, _f=original: _f(*args))
        wrapper = xlwings_udfs.xlfunc(category=udfs.excel.CATEGORY)(wrapper)
        for arg in FUNCTIONS[name].args:
            wrapper = xlwings_udfs.xlarg(arg.name, **udfs.excel.ARG_OPTIONS, doc=f"{arg.label}：{arg.help}")(wrapper)
        setattr(fake, name, wrapper)
    out = io.StringIO()
    xlam = types.SimpleNamespace(Name="zhuize.xlam")
    xlwings_udfs.generate_vba_wrapper("udfs.excel", fake, out, xlam)
    assert declarations.udf_module_body() == out.getvalue()
    # every argument is read with err_to_str: xlwings (_xlwindows._clean_value_data_element) then
    # hands an error cell over as "#N/A", "#DIV/0!" …, which the registry returns, instead of None
    for name in FUNCTIONS:
        for info in getattr(fake, name).__xlfunc__["args"]:
            assert info["options"].get("err_to_str") is True and info["options"].get("ndim") == 2, (name, info)


# -- LibreOffice ------------------------------------------------------------------------------------------------


def test_libreoffice_opens_the_addin_and_lists_the_same_modules(built: Path, modules: dict[str, ovba.Module],
                                                               tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: cannot check that it opens the add-in")
    profile = (tmp_path / "lo-profile").as_uri()
    result = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation={profile}",
         "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods", "--outdir", str(tmp_path), str(built)],
        capture_output=True, text=True, timeout=240, env={**os.environ, "HOME": str(tmp_path)},
    )
    converted = tmp_path / "zhuize.ods"
    assert converted.is_file(), result.stdout + result.stderr
    with zipfile.ZipFile(converted) as archive:
        library = archive.read("Basic/zhuize/script-lb.xml").decode()
        listed = re.findall(r'library:element library:name="([^"]+)"', library)
        assert sorted(listed) == sorted(modules)
        for name, module in modules.items():
            xml = archive.read(f"Basic/zhuize/{name}.xml").decode()
            kind = re.search(r'script:moduleType="(\w+)"', xml).group(1)
            assert kind == ("document" if module.kind == "document" else "normal"), name
            body = html.unescape(re.search(r"<script:module[^>]*>(.*)</script:module>", xml, re.S).group(1))
            code = [line for line in module.source.split("\r\n")[:-1] if not line.startswith("Attribute VB_")]
            header = "VBADocumentModule" if module.kind == "document" else "VBAModule"
            assert body == f"Rem Attribute VBA_ModuleType={header}\nOption VBASupport 1\n" + "".join(
                line + "\n" for line in code) + "\n", name
        content = archive.read("content.xml").decode()
        assert re.findall(r'<table:table table:name="([^"]+)"', content) == ["zhuize.conf", "zhuize.functions"]


# -- the command line and installing -----------------------------------------------------------------------------


def test_cli_build_writes_the_addin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["addin", "build", "--out", str(tmp_path / "dist")]) == 0
    target = tmp_path / "dist" / "zhuize.xlam"
    assert target.is_file()
    assert f"已生成加载项：{target}" in capsys.readouterr().out
    assert not list((tmp_path / "dist").glob("*.tmp"))


@pytest.mark.skipif(sys.platform.startswith("win"), reason="checks the message on non-Windows systems")
def test_cli_install_explains_that_windows_is_needed(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["addin", "install"]) == 1
    captured = capsys.readouterr()
    assert "需要 Windows 上的桌面版 Excel" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert cli.main(["addin", "uninstall"]) == 1


def test_install_lays_out_addin_and_user_config(tmp_path: Path, built: Path) -> None:
    xlstart = tmp_path / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART"
    config = tmp_path / "张三" / ".zhuize" / "zhuize.conf"
    config.parent.mkdir(parents=True)
    config.write_bytes('"SHOW CONSOLE","True"\r\n"INTERPRETER_WIN","C:\\old\\pythonw.exe"\r\n'.encode("gbk"))
    python_dir = tmp_path / "用户" / "venv" / "Scripts"
    python_dir.mkdir(parents=True)
    interpreter = python_dir / "pythonw.exe"

    done = install.install(xlstart=xlstart, user_config=config, interpreter=interpreter, platform="win32", encoding="gbk")
    assert done.addin == xlstart / "zhuize.xlam"
    assert done.addin.read_bytes() == built.read_bytes()
    assert sorted(p.name for p in xlstart.iterdir()) == ["zhuize.xlam"]  # nothing else for Excel to open
    assert config.read_bytes().decode("gbk") == f'"SHOW CONSOLE","True"\r\n"INTERPRETER_WIN","{interpreter}"\r\n'
    assert len(done.warnings) == 1 and f"xlwings64-{xlwings.__version__}.dll" in done.warnings[0]
    message = done.message()
    assert "XLSTART 是 Excel 默认的受信任位置" in message
    assert "不需要勾选「信任对 VBA 工程对象模型的访问」" in message

    (python_dir.parent / f"xlwings64-{xlwings.__version__}.dll").write_bytes(b"")  # a venv: the DLL is in its root
    again = install.install(xlstart=xlstart, user_config=config, interpreter=interpreter, source=built,
                            platform="win32", encoding="gbk")
    assert again.warnings == []
    assert install.uninstall(xlstart=xlstart, platform="win32") == xlstart / "zhuize.xlam"
    assert install.uninstall(xlstart=xlstart, platform="win32") is None


def test_install_refuses_paths_the_ansi_code_page_cannot_hold(tmp_path: Path) -> None:
    with pytest.raises(install.InstallError, match="代码页"):
        install.write_user_config(tmp_path / "zhuize.conf", {"INTERPRETER_WIN": "C:\\Users\\Zoë\\pythonw.exe"}, "gbk")
    assert not (tmp_path / "zhuize.conf").exists()


def test_install_writes_no_addin_when_the_configuration_cannot_be_written(tmp_path: Path, built: Path) -> None:
    # the add-in in XLSTART without its interpreter setting would be a half-install Excel opens at every start
    xlstart = tmp_path / "XLSTART"
    with pytest.raises(install.InstallError, match="代码页"):
        install.install(xlstart=xlstart, user_config=tmp_path / "zhuize.conf", interpreter=Path("C:\\Zoë\\pythonw.exe"),
                        source=built, platform="win32", encoding="gbk")
    blocked = tmp_path / "blocked"
    blocked.write_bytes(b"")  # a file where the configuration's folder should be
    with pytest.raises(install.InstallError, match="无法写入配置文件"):
        install.install(xlstart=xlstart, user_config=blocked / "zhuize.conf", interpreter=Path("C:\\py\\pythonw.exe"),
                        source=built, platform="win32", encoding="gbk")
    assert not xlstart.exists() or list(xlstart.iterdir()) == []


@pytest.mark.parametrize("existed", [True, False])
def test_install_puts_the_configuration_back_when_the_copy_fails(tmp_path: Path, built: Path, existed: bool) -> None:
    config = tmp_path / "zhuize.conf"
    before = '"SHOW CONSOLE","True"\r\n"INTERPRETER_WIN","C:\\old\\pythonw.exe"\r\n'.encode("gbk")
    if existed:
        config.write_bytes(before)
    xlstart = tmp_path / "XLSTART"
    (xlstart / "zhuize.xlam").mkdir(parents=True)  # cannot be replaced by a file
    with pytest.raises(install.InstallError, match="配置文件已恢复原状"):
        install.install(xlstart=xlstart, user_config=config, interpreter=Path("C:\\new\\pythonw.exe"), source=built,
                        platform="win32", encoding="gbk")
    assert (config.read_bytes() == before) if existed else not config.exists()
    assert [p.name for p in xlstart.iterdir()] == ["zhuize.xlam"] and (xlstart / "zhuize.xlam").is_dir()


def test_install_refuses_non_windows(tmp_path: Path) -> None:
    xlstart = tmp_path / "XLSTART"
    with pytest.raises(install.InstallError, match="需要 Windows"):
        install.install(xlstart=xlstart, user_config=tmp_path / "zhuize.conf", platform="linux")
    assert not xlstart.exists() and not (tmp_path / "zhuize.conf").exists()


def test_default_interpreter_prefers_pythonw(tmp_path: Path) -> None:
    python = tmp_path / "python.exe"
    python.write_bytes(b"")
    assert install.default_interpreter(str(python)) == python
    (tmp_path / "pythonw.exe").write_bytes(b"")
    assert install.default_interpreter(str(python)) == tmp_path / "pythonw.exe"


def test_no_procedure_is_defined_in_two_modules(modules: dict[str, ovba.Module]) -> None:
    """Unqualified calls (RunPython, XLPy, the ZZ_ functions) must resolve to one module."""
    owners: dict[str, set[str]] = {}
    for module in modules.values():
        for name in re.findall(r"^(?:Public |Private )?(?:Sub|Function) (\w+)", module.source, re.M):
            owners.setdefault(name.lower(), set()).add(module.name)
    assert {name: mods for name, mods in owners.items() if len(mods) > 1} == {}
    assert owners["runpython"] == {"xlwings"} and owners["xlpy"] == {"xlwings"}
