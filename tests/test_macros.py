"""The ribbon's Python handlers (addin/xlam/handlers.py), each called with a stand-in for the
calling workbook: what they write, what the status bar shows, the closing message."""

from __future__ import annotations

import datetime as dt
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import xlwings

from addin.xlam import handlers as macros
from udfs import registry
from udfs.errors import CalendarError, ProfileError

CALENDAR_2027 = """\
year = 2027
source = "测试用2027年放假安排（虚构）"
holidays = [2027-01-01, [2027-02-06, 2027-02-14]]
workdays = [2027-02-20]
"""


# -- a stand-in for xlwings' Book, App, Sheets, Sheet and Range -------------------------------------


class FakeRange:
    def __init__(self, sheet: "FakeSheet", address: str) -> None:
        self.sheet, self.address = sheet, address

    @property
    def value(self) -> Any:
        return self.sheet.cells.get(self.address)

    @value.setter
    def value(self, rows: Any) -> None:
        self.sheet.cells[self.address] = rows


class FakeSheet:
    def __init__(self, name: str) -> None:
        self.name = name
        self.cells: dict[str, Any] = {}
        self.cleared = 0
        self.autofitted = 0

    def __getitem__(self, address: str) -> FakeRange:
        return FakeRange(self, address)

    def clear(self) -> None:
        self.cells.clear()
        self.cleared += 1

    def autofit(self) -> None:
        self.autofitted += 1


class FakeSheets:
    def __init__(self, names: list[str]) -> None:
        self.items = [FakeSheet(n) for n in names]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.items)

    def __getitem__(self, name: str) -> FakeSheet:
        return next(s for s in self.items if s.name == name)

    def add(self, name: str, before: Any = None, after: Any = None) -> FakeSheet:
        sheet = FakeSheet(name)
        position = self.items.index(after) + 1 if after is not None else 0
        self.items.insert(position, sheet)
        return sheet

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.items]


class FakeBooks:
    def __init__(self) -> None:
        self.opened: list[str] = []

    def open(self, path: str) -> None:
        self.opened.append(path)


class FakeApp:
    def __init__(self) -> None:
        self.status_history: list[Any] = []
        self.alerts: list[dict[str, Any]] = []
        self.books = FakeBooks()

    @property
    def status_bar(self) -> Any:
        return self.status_history[-1] if self.status_history else False

    @status_bar.setter
    def status_bar(self, value: Any) -> None:
        self.status_history.append(value)

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok", mode: str | None = None) -> str:
        self.alerts.append({"prompt": prompt, "title": title, "mode": mode})
        return "ok"


class FakeBook:
    def __init__(self, fullname: str | Path, sheets: list[str] | None = None) -> None:
        self.fullname = str(fullname)
        self.name = Path(self.fullname).name
        self.app = FakeApp()
        self.sheets = FakeSheets(sheets or ["填报信息", "问题线索台账"])


@pytest.fixture
def saved_book(tmp_path: Path) -> FakeBook:
    path = tmp_path / "单位 A" / "2026年填报.xlsx"
    path.parent.mkdir()
    path.write_bytes(b"stand-in for a saved workbook")
    return FakeBook(path)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    (folder / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.setenv("USERPROFILE", str(folder))
    return folder


def fake_core(monkeypatch: pytest.MonkeyPatch, name: str, **functions: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    for key, value in functions.items():
        setattr(module, key, value)
    monkeypatch.setitem(sys.modules, name, module)
    return module


def assert_frame(book: FakeBook, action: str, ok: bool, doing: str | None = None) -> str:
    """The status bar showed the action and was handed back; exactly one message."""
    assert book.app.status_history[0] == f"责任追究：{doing or '正在' + action}…"
    assert book.app.status_history[-1] is False
    assert len(book.app.alerts) == 1
    alert = book.app.alerts[0]
    assert alert["title"] == "责任追究"
    assert alert["mode"] == ("info" if ok else "critical")
    assert "Traceback" not in alert["prompt"]
    return alert["prompt"]


# -- 函数说明 -----------------------------------------------------------------------------------------


def test_function_help_writes_every_function(saved_book: FakeBook) -> None:
    outcome = macros.function_help(saved_book)
    message = assert_frame(saved_book, "函数说明", ok=True, doing="正在生成函数说明")
    assert outcome.ok and outcome.message == message
    assert message == f"已在「2026年填报.xlsx」的「ZZ函数说明」表列出全部 {len(registry.FUNCTIONS)} 个 ZZ_ 函数的用法和参数说明。"
    assert saved_book.sheets.names == ["填报信息", "问题线索台账", "ZZ函数说明"]
    sheet = saved_book.sheets["ZZ函数说明"]
    rows = sheet.cells["A1"]
    assert rows[0] == ["函数", "用法", "说明", "参数", "结果"]
    assert [row[0] for row in rows[1:]] == list(registry.FUNCTIONS)
    loss = rows[1]
    assert loss[1] == "ZZ_LOSS_GRADE(loss_wan, [prior_year_assets_wan], [profile])"
    assert loss[2] == registry.FUNCTIONS["ZZ_LOSS_GRADE"].summary
    assert loss[3].split("\n")[0] == "loss_wan（损失金额（万元））：单笔资产损失金额，单位万元"
    assert loss[3].split("\n")[1].startswith("prior_year_assets_wan（上年末资产总额（万元），可省略）：")
    assert loss[4] == "文本"
    identity = next(row for row in rows if row[0] == "ZZ_ID_VALID")
    assert identity[1:] == ["ZZ_ID_VALID(id)", registry.FUNCTIONS["ZZ_ID_VALID"].summary,
                            "id（身份证号码）：18位居民身份证号码", "逻辑值"]
    assert all(len(row) == 5 for row in rows)


def test_function_help_replaces_its_own_sheet(saved_book: FakeBook) -> None:
    macros.function_help(saved_book)
    saved_book.sheets["ZZ函数说明"].cells["Z99"] = "旧内容"
    macros.function_help(saved_book)
    assert saved_book.sheets.names.count("ZZ函数说明") == 1
    sheet = saved_book.sheets["ZZ函数说明"]
    assert sheet.cleared == 1 and "Z99" not in sheet.cells
    assert len(sheet.cells["A1"]) == len(registry.FUNCTIONS) + 1


def test_entry_point_takes_the_calling_book_from_xlwings(saved_book: FakeBook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: saved_book))
    assert macros.function_help().ok
    assert "ZZ函数说明" in saved_book.sheets.names


# -- 更新工作日历 ----------------------------------------------------------------------------------------


def test_hex_paths_round_trip_like_the_vba() -> None:
    assert macros.encode_hex("C:\\") == "0043003A005C"  # HexText: 4 hex digits per UTF-16 code unit
    for text in ["C:\\Users\\张三\\日历 it's \"x\"\\2027.toml", "D:\\𠀀\\a&b%PATH%", ""]:
        assert macros.decode_hex(macros.encode_hex(text)) == text


def test_update_calendar_imports_the_year(saved_book: FakeBook, tmp_path: Path, zhuize_home: Path) -> None:
    source = tmp_path / "下载 it's" / "2027.toml"
    source.parent.mkdir()
    source.write_text(CALENDAR_2027, encoding="utf-8")
    with pytest.raises(CalendarError):  # 2027 is unknown before the import
        registry.evaluate("ZZ_WORKDAY", "2027-02-05", 1)

    outcome = macros.update_calendar(macros.encode_hex(str(source)), saved_book)
    message = assert_frame(saved_book, "更新工作日历", ok=True)
    target = zhuize_home / "calendar" / "2027.toml"
    assert message.startswith("已导入 2027 年工作日历：放假 10 天，调休上班 1 天。\n")
    assert f"已保存到 {target}" in message and outcome.ok
    assert target.read_text(encoding="utf-8") == CALENDAR_2027
    assert not list(target.parent.glob("*.tmp"))
    # the engine now counts over the Spring Festival week of the imported year
    assert registry.evaluate("ZZ_WORKDAY", "2027-02-05", 1) == dt.date(2027, 2, 15)
    assert registry.evaluate("ZZ_WORKDAY", "2027-02-19", 1) == dt.date(2027, 2, 20)  # the make-up Saturday


def test_update_calendar_reports_a_broken_file(saved_book: FakeBook, tmp_path: Path, zhuize_home: Path) -> None:
    source = tmp_path / "2028.toml"
    source.write_text('source = "无年份"\nholidays = [2028-01-01]\n', encoding="utf-8")
    outcome = macros.update_calendar(macros.encode_hex(str(source)), saved_book)
    message = assert_frame(saved_book, "更新工作日历", ok=False)
    assert not outcome.ok
    assert message == f"更新工作日历未完成：日历文件 {source} 缺少 year（年份，如 year = 2027）"
    assert not (zhuize_home / "calendar").exists()


def test_update_calendar_wants_a_toml_file(saved_book: FakeBook, tmp_path: Path) -> None:
    other = tmp_path / "2027.xlsx"
    other.write_bytes(b"")
    message = macros.update_calendar(macros.encode_hex(str(other)), saved_book).message
    assert message == "更新工作日历未完成：请选择 .toml 格式的工作日历文件（选中的是 2027.xlsx）"


# -- buttons whose core is not written yet ------------------------------------------------------------------


@pytest.mark.parametrize(
    "handler, module, wanted, action",
    [
        (macros.new_template, "addin.workbook.templates", "addin.workbook.templates.build_template、addin.workbook.templates.default_options",
         "新建填报模板"),
        (macros.validate_book, "addin.validation.single", "addin.validation.single.validate_workbook", "校验本工作簿"),
        (macros.sasac_return, "addin.jobs", "addin.jobs.sasac_from_workbook", "生成国资委报表"),
        (macros.improvement_letters, "addin.documents.letters", "addin.documents.letters.write_batch", "生成管理提升建议书"),
        (macros.event_reports, "addin.documents.letters", "addin.documents.letters.write_batch", "生成一事一报告"),
    ],
)
def test_missing_core_function_says_not_provided_yet(handler: Any, module: str, wanted: str, action: str,
                                                     saved_book: FakeBook, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_core(monkeypatch, module)  # the module exists but the function does not (yet)
    outcome = handler(saved_book)
    message = assert_frame(saved_book, action, ok=False)
    assert message == outcome.message == f"此功能尚未提供（{action}：需要 {wanted}，正在开发中）。"


def test_missing_core_module_says_not_provided_yet(saved_book: FakeBook, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "addin.jobs", None)  # import fails: the module is not there
    outcome = macros.rollup_folder(macros.encode_hex(str(tmp_path)), saved_book)
    assert outcome.message == "此功能尚未提供（汇总下级报表：需要 addin.jobs，正在开发中）。"
    assert_frame(saved_book, "汇总下级报表", ok=False)


# -- buttons wired to a core function (stand-in modules with the expected signatures) ---------------------


def test_new_template_writes_beside_the_book_and_opens_it(saved_book: FakeBook, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Path, Any]] = []

    def build_template(path: Path, options: Any) -> Path:
        calls.append((path, options))
        Path(path).write_bytes(b"template")
        return Path(path)

    fake_core(monkeypatch, "addin.workbook.templates", build_template=build_template, default_options=lambda: "默认选项")
    folder = Path(saved_book.fullname).parent
    macros.new_template(saved_book)
    message = assert_frame(saved_book, "新建填报模板", ok=True)
    first = folder / "子企业填报模板.xlsx"
    assert calls == [(first, "默认选项")]
    assert message == f"已生成填报模板并打开：\n{first}"
    assert saved_book.app.books.opened == [str(first)]
    assert "责任追究：正在生成 子企业填报模板.xlsx…" in saved_book.app.status_history

    macros.new_template(saved_book)  # never overwrites: the second one gets a new name
    assert calls[1][0] == folder / "子企业填报模板(2).xlsx"
    assert first.read_bytes() == b"template"


def test_new_template_for_an_unsaved_book_goes_to_documents(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_core(monkeypatch, "addin.workbook.templates", default_options=lambda: None,
              build_template=lambda path, options: Path(path).write_bytes(b"x") and Path(path))
    book = FakeBook("工作簿1")
    assert macros.new_template(book).ok
    assert book.app.books.opened == [str(home / "Documents" / "子企业填报模板.xlsx")]


def test_new_template_with_the_real_templates_module(home: Path) -> None:
    try:
        from addin.workbook import templates
    except ImportError:
        pytest.skip("addin.workbook.templates is not importable yet")
    if not all(callable(getattr(templates, name, None)) for name in ("build_template", "default_options")):
        pytest.skip("addin.workbook.templates has no build_template/default_options yet")
    from python_calamine import CalamineWorkbook

    book = FakeBook("工作簿1")
    outcome = macros.new_template(book)
    written = home / "Documents" / "子企业填报模板.xlsx"
    assert outcome.ok, outcome.message
    assert book.app.books.opened == [str(written)]
    assert "填报信息" in CalamineWorkbook.from_path(str(written)).sheet_names


class Issue:
    def __init__(self, level: str, sheet: str, row: int, column: str, message: str) -> None:
        self.level, self.sheet, self.row, self.column, self.message = level, sheet, row, column, message


def test_validate_book_writes_the_issues_sheet(saved_book: FakeBook, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Path] = []

    def validate_workbook(path: Path) -> Any:
        seen.append(path)
        return types.SimpleNamespace(issues=[
            Issue("错误", "问题线索台账", 5, "受理日期", "缺少受理日期"),
            Issue("warning", "填报信息", 3, "统一社会信用代码", "校验位不正确"),
            Issue("error", "责任认定与处理", 2, "身份证号码", "身份证号码无效"),
        ])

    fake_core(monkeypatch, "addin.validation.single", validate_workbook=validate_workbook)
    outcome = macros.validate_book(saved_book)
    message = assert_frame(saved_book, "校验本工作簿", ok=True)
    assert seen == [Path(saved_book.fullname)]
    assert message == ("校验未通过：2026年填报.xlsx 有错误 2 条、警告 1 条。\n"
                       "明细已写入本工作簿的「校验结果」表（按已保存的文件校验）。") == outcome.message
    assert saved_book.sheets["校验结果"].cells["A1"] == [
        ["级别", "工作表", "行", "列", "说明"],
        ["错误", "问题线索台账", 5, "受理日期", "缺少受理日期"],
        ["警告", "填报信息", 3, "统一社会信用代码", "校验位不正确"],
        ["错误", "责任认定与处理", 2, "身份证号码", "身份证号码无效"],
    ]


def test_validate_book_passes_with_no_issues(saved_book: FakeBook, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_core(monkeypatch, "addin.validation.single", validate_workbook=lambda path: [])
    assert macros.validate_book(saved_book).message.startswith("校验通过：2026年填报.xlsx 有错误 0 条、警告 0 条。")
    assert saved_book.sheets["校验结果"].cells["A1"] == [["级别", "工作表", "行", "列", "说明"]]


def test_validate_book_needs_a_saved_book(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_core(monkeypatch, "addin.validation.single", validate_workbook=lambda path: [])
    book = FakeBook("工作簿1")
    assert macros.validate_book(book).message == "请先保存本工作簿，再校验（按已保存的文件处理）。"
    assert_frame(book, "校验本工作簿", ok=False)
    assert book.sheets.names == ["填报信息", "问题线索台账"]


def test_validate_book_with_the_real_validator(tmp_path: Path) -> None:
    """校验本工作簿 runs addin.validation: the sheet in the book, the annotated copy and the
    JSON report beside it, and a message saying how many errors and where the copy is."""
    from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS
    from addin.workbook.templates import build_template, default_options

    records = {key: [dict(r) for r in rows] for key, rows in SAMPLE_RECORDS.items()}
    records["clues"][0]["source"] = "审计"  # not in the list: one error
    folder = tmp_path / "单位 A"
    folder.mkdir()
    path = build_template(folder / "2026年填报.xlsx", default_options("central-2026", rows=10), SAMPLE_INFO, records)
    before = path.read_bytes()
    book = FakeBook(path)
    outcome = macros.validate_book(book)
    message = assert_frame(book, "校验本工作簿", ok=True)
    copy = folder / "2026年填报（校验标注）.xlsx"
    report = folder / "2026年填报（校验报告）.json"
    assert message == outcome.message
    # the sample's overdue 一事一报告 rests on central-2026's unchecked trigger and deadline: a warning
    assert message.startswith("校验未通过：2026年填报.xlsx 有错误 1 条、警告 4 条。\n")
    assert f"标注副本（出错的单元格已标红并加批注）：{copy}" in message and f"校验报告：{report}" in message
    assert copy.is_file() and report.is_file() and path.read_bytes() == before
    rows = book.sheets["校验结果"].cells["A1"]
    assert rows[0] == ["级别", "工作表", "行", "列", "说明"]
    assert rows[1][:4] == ["错误", "问题线索台账", 2, "线索来源"] and "审计监督" in rows[1][4]
    assert {r[0] for r in rows[1:]} == {"错误", "警告"}


def test_validate_book_that_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "2026年填报.xlsx"
    path.write_bytes(b"")
    book = FakeBook(path)
    outcome = macros.validate_book(book)
    assert outcome.message == "校验未完成：2026年填报.xlsx 无法读取（文件是空的（0 字节），请重新导出后报送）。"
    assert not (tmp_path / "2026年填报（校验标注）.xlsx").exists()


def test_rollup_folder_reports_what_it_wrote(saved_book: FakeBook, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "下级 报表"
    folder.mkdir()
    (folder / "集团汇总.xlsx").write_bytes(b"an older roll-up")

    def rollup_folder(source: Path, target: Path, progress: Any = None) -> Any:
        progress(1, 12, 0, str(source / "甲.xlsx"))
        Path(target).write_bytes(b"rollup")
        return types.SimpleNamespace(paths=[target], message="读取 12 个文件，其中 2 个未通过校验。")

    fake_core(monkeypatch, "addin.jobs", rollup_folder=rollup_folder)
    outcome = macros.rollup_folder(macros.encode_hex(str(folder)), saved_book)
    message = assert_frame(saved_book, "汇总下级报表", ok=True)
    target = folder / "集团汇总(2).xlsx"
    assert message == outcome.message == f"已汇总 {folder} 中的下级报表：\n{target}\n读取 12 个文件，其中 2 个未通过校验。"
    assert target.read_bytes() == b"rollup" and (folder / "集团汇总.xlsx").read_bytes() == b"an older roll-up"
    assert "责任追究：正在汇总（1/12，退回 0）甲.xlsx" in saved_book.app.status_history


def test_rollup_folder_that_does_not_exist(saved_book: FakeBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_core(monkeypatch, "addin.jobs", rollup_folder=lambda source, target, progress=None: target)
    missing = tmp_path / "没有这个文件夹"
    assert macros.rollup_folder(macros.encode_hex(str(missing)), saved_book).message == f"文件夹不存在：{missing}"


def test_sasac_return(saved_book: FakeBook, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_core(monkeypatch, "addin.jobs", sasac_from_workbook=lambda source, target: Path(target))
    outcome = macros.sasac_return(saved_book)
    assert_frame(saved_book, "生成国资委报表", ok=True)
    assert outcome.message == f"已生成国资委报表：\n{Path(saved_book.fullname).parent / '国资委报表.xlsx'}"


class FakeProblem:
    def __init__(self, document: str, clue_id: str | None, where: str, message: str) -> None:
        self.document, self.unit, self.clue_id, self.where, self.message = document, "甲公司", clue_id, where, message


class FakeLettersResult:
    def __init__(self, written: list[Path], problems: list[FakeProblem]) -> None:
        self.written, self.problems = written, problems

    def summary(self) -> str:
        return f"已生成管理提升建议书{len(self.written)}份、一事一报告0份。"


@pytest.mark.parametrize("handler, action", [(macros.improvement_letters, "生成管理提升建议书"),
                                             (macros.event_reports, "生成一事一报告")])
def test_documents_are_written_beside_the_book(handler: Any, action: str, saved_book: FakeBook,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Path, Path, list[str]]] = []

    def write_batch(source: Path, out_dir: Path, clues: Any = None, progress: Any = None,
                    kinds: Any = None) -> FakeLettersResult:
        calls.append((source, out_dir, list(kinds)))
        out_dir.mkdir()
        paths = [out_dir / "甲公司_XS-001_管理提升建议书.docx", out_dir / "甲公司_XS-002_管理提升建议书.docx"]
        for done, path in enumerate(paths):
            progress(done, len(paths), path.name)
            path.write_bytes(b"docx")
        return FakeLettersResult(paths, [])

    fake_core(monkeypatch, "addin.documents.letters", write_batch=write_batch, RECOMMENDATION="管理提升建议书",
              EVENT_REPORT="一事一报告")
    outcome = handler(saved_book)
    assert_frame(saved_book, action, ok=True)
    out_dir = Path(saved_book.fullname).parent / "文书"
    assert calls == [(Path(saved_book.fullname), out_dir, [action.removeprefix("生成")])]
    assert outcome.message == f"已生成管理提升建议书2份、一事一报告0份。\n文件在 {out_dir}"
    assert f"责任追究：{action}（1/2）甲公司_XS-002_管理提升建议书.docx" in saved_book.app.status_history
    assert "文书问题" not in saved_book.sheets.names


def test_documents_list_what_could_not_be_written(saved_book: FakeBook, monkeypatch: pytest.MonkeyPatch) -> None:
    problems = [FakeProblem("一事一报告", "XS-003", "2026年填报.xlsx「问题线索台账」第4行", "缺少受理日期"),
                FakeProblem("", None, "", "工作簿无法读取")]
    fake_core(monkeypatch, "addin.documents.letters", write_batch=lambda source, out_dir, progress=None, kinds=None:
              FakeLettersResult([], problems), RECOMMENDATION="管理提升建议书", EVENT_REPORT="一事一报告")
    outcome = macros.event_reports(saved_book)
    assert outcome.message.endswith("未能生成的 2 项已列在本工作簿的「文书问题」表。")
    assert saved_book.sheets["文书问题"].cells["A1"] == [
        ["文书", "单位", "线索编号", "位置", "说明"],
        ["一事一报告", "甲公司", "XS-003", "2026年填报.xlsx「问题线索台账」第4行", "缺少受理日期"],
        ["", "甲公司", "", "", "工作簿无法读取"],
    ]


def test_rollup_and_sasac_with_the_real_core(home: Path, tmp_path: Path) -> None:
    from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS
    from addin.workbook.templates import build_template, default_options

    folder = tmp_path / "下级 报表"
    folder.mkdir()
    build_template(folder / "甲公司.xlsx", default_options("central-2026"), SAMPLE_INFO, SAMPLE_RECORDS)
    book = FakeBook(folder / "甲公司.xlsx")
    outcome = macros.rollup_folder(macros.encode_hex(str(folder)), book)
    assert outcome.ok, outcome.message
    assert (folder / "集团汇总.xlsx").is_file() and (folder / "国资委报表_集团汇总.xlsx").is_file()
    assert "对账：输入" in outcome.message
    group_book = FakeBook(folder / "集团汇总.xlsx")
    sasac = macros.sasac_return(group_book)
    assert sasac.ok, sasac.message
    assert (folder / "国资委报表.xlsx").is_file() or "未通过校验" in sasac.message


def test_documents_with_the_real_letters_module(home: Path, tmp_path: Path) -> None:
    try:
        from addin.documents import letters
        from addin.workbook import templates
    except ImportError:
        pytest.skip("addin.documents.letters or addin.workbook.templates is not importable yet")
    if not callable(getattr(letters, "write_batch", None)) or not callable(getattr(templates, "build_template", None)):
        pytest.skip("addin.documents.letters.write_batch or addin.workbook.templates.build_template is not there yet")
    workbook = templates.build_template(tmp_path / "空白.xlsx", templates.default_options())
    book = FakeBook(workbook)
    outcome = macros.improvement_letters(book)
    assert outcome.ok, outcome.message
    assert outcome.message.startswith("已生成管理提升建议书0份、一事一报告0份")
    assert f"文件在 {tmp_path / '文书'}" in outcome.message


# -- errors -------------------------------------------------------------------------------------------------------


def test_engine_error_from_the_core_is_a_chinese_message(saved_book: FakeBook, monkeypatch: pytest.MonkeyPatch) -> None:
    def validate_workbook(path: Path) -> Any:
        raise ProfileError("未知适用标准 'abc'")

    fake_core(monkeypatch, "addin.validation.single", validate_workbook=validate_workbook)
    assert macros.validate_book(saved_book).message == "校验本工作簿未完成：未知适用标准 'abc'"
    assert_frame(saved_book, "校验本工作簿", ok=False)


def test_program_error_is_logged_not_shown_as_a_traceback(saved_book: FakeBook, zhuize_home: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def validate_workbook(path: Path) -> Any:
        raise RuntimeError("boom")

    fake_core(monkeypatch, "addin.validation.single", validate_workbook=validate_workbook)
    outcome = macros.validate_book(saved_book)
    log = zhuize_home / "logs" / "macros.log"
    assert outcome.message == f"校验本工作簿出错：RuntimeError: boom\n详细信息已记入 {log}"
    assert_frame(saved_book, "校验本工作簿", ok=False)
    text = log.read_text(encoding="utf-8")
    assert "校验本工作簿" in text and "Traceback" in text and "RuntimeError: boom" in text


def test_a_garbled_path_from_vba_is_a_message(saved_book: FakeBook) -> None:
    assert macros.update_calendar("not hex", saved_book).message == "收到的路径无法识别，请重新选择。"
