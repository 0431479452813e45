"""Ribbon handlers of zhuize.xlam: thin callers of the core, one per button.

Each button's VBA runs ``import addin.xlam.handlers; addin.xlam.handlers.<handler>(...)`` through xlwings'
RunPython.  A handler takes the calling workbook from xlwings (``xw.Book.caller()``) — or,
in tests, any stand-in "book" with the few attributes used here:

    book.name, book.fullname                  the workbook's name and full path
    book.app.status_bar = text | False        progress in Excel's status bar
    book.app.alert(prompt, title=, mode=)     the closing message
    book.app.books.open(path)                 open a written workbook (新建填报模板)
    book.sheets: iterate, [name], .add(name, after=sheet); sheet.clear(); sheet["A1"].value = rows

Every handler ends with one Chinese message saying what was written where and how many
errors were found; a user's mistake or a missing piece of the core is such a message, never
a traceback (unexpected errors are logged to ``~/.zhuize/logs/macros.log`` and the message
says so).  A core function that is not written yet gives "此功能尚未提供（…）".

What each button calls (one ``_core`` call per button below, so rewiring is a one-line change):

    新建填报模板        addin.workbook.templates.build_template(path, default_options())
    校验本工作簿        addin.validation.single.validate_workbook(path) -> report with .issues
                        (each: level 错误/警告, sheet, row, column, message), and
                        .annotated / .report: the annotated copy and JSON beside the book
    汇总下级报表        addin.jobs.rollup_folder(folder, target, progress=) -> Outcome(paths, message)
    生成国资委报表      addin.jobs.sasac_from_workbook(workbook, target) -> Outcome(paths, message)
    生成管理提升建议书  addin.documents.letters.write_batch(workbook, out_dir, progress=, kinds=[RECOMMENDATION])
    生成一事一报告      addin.documents.letters.write_batch(workbook, out_dir, progress=, kinds=[EVENT_REPORT])
    更新工作日历        udfs.workcalendar.load_year_file + copy into the user calendar folder
    函数说明            udfs.registry.FUNCTIONS

The roll-up and return adapters accept a returned Path, a list of Paths, or an object with
``paths`` and ``message``.
"""

from __future__ import annotations

import importlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable, Sequence

from udfs import registry, settings
from udfs.errors import CalendarError, EngineError
from udfs.workcalendar import YearSchedule, load_year_file

from addin.plumbing.guard import append_traceback
from addin.plumbing.outputs import OutputError, free_name, os_error_message

TITLE = "责任追究"
HELP_SHEET = "ZZ函数说明"
CHECK_SHEET = "校验结果"
TEMPLATE_FILE = "子企业填报模板.xlsx"
ROLLUP_FILE = "集团汇总.xlsx"
SASAC_FILE = "国资委报表.xlsx"
DOCUMENTS_DIR = "文书"
LETTER_PROBLEMS_SHEET = "文书问题"


class UserMessage(Exception):
    """Stops a handler with a Chinese message for the user (not an error of the program)."""


class NotProvided(UserMessage):
    """The core function behind a button does not exist yet."""


@dataclass(frozen=True)
class Outcome:
    """What a handler shows at the end: the message and whether it reports a problem."""

    message: str
    ok: bool = True


# -- the entry points RunPython calls ------------------------------------------------------


def new_template(book: Any = None) -> Outcome:
    """新建填报模板: write a blank standard template beside the workbook and open it."""
    return _run(book, "新建填报模板", _new_template)


def validate_book(book: Any = None) -> Outcome:
    """校验本工作簿: validate the saved workbook; issues go to its sheet 校验结果."""
    return _run(book, "校验本工作簿", _validate_book)


def rollup_folder(folder_hex: str, book: Any = None) -> Outcome:
    """汇总下级报表: validate and consolidate every workbook in the chosen folder."""
    return _run(book, "汇总下级报表", lambda b: _rollup_folder(b, Path(decode_hex(folder_hex))))


def sasac_return(book: Any = None) -> Outcome:
    """生成国资委报表: the indicators-only return from this workbook."""
    return _run(book, "生成国资委报表", _sasac_return)


def improvement_letters(book: Any = None) -> Outcome:
    """生成管理提升建议书: the letters of the saved workbook, into the folder 文书 beside it."""
    return _run(book, "生成管理提升建议书", lambda b: _documents(b, "生成管理提升建议书"))


def event_reports(book: Any = None) -> Outcome:
    """生成一事一报告: the reports of the saved workbook, into the folder 文书 beside it."""
    return _run(book, "生成一事一报告", lambda b: _documents(b, "生成一事一报告"))


def update_calendar(file_hex: str, book: Any = None) -> Outcome:
    """更新工作日历: import a year's holidays (a .toml file) into the user calendar folder."""
    return _run(book, "更新工作日历", lambda b: _update_calendar(b, Path(decode_hex(file_hex))))


def function_help(book: Any = None) -> Outcome:
    """函数说明: a sheet listing every ZZ_ function with its usage and arguments."""
    return _run(book, "函数说明", _function_help, doing="正在生成函数说明")


# -- the frame every handler shares ---------------------------------------------------------


def _run(book: Any, action: str, work: Callable[[Any], str], doing: str | None = None) -> Outcome:
    if book is None:
        import xlwings as xw

        book = xw.Book.caller()
    app = book.app
    try:
        app.status_bar = f"{TITLE}：{doing or '正在' + action}…"
        outcome = Outcome(work(book))
    except (UserMessage, OutputError) as exc:
        outcome = Outcome(str(exc), ok=False)
    except OSError as exc:
        outcome = Outcome(f"{action}未完成：{os_error_message(exc)}", ok=False)
    except EngineError as exc:
        outcome = Outcome(f"{action}未完成：{exc.message}", ok=False)
    except Exception as exc:  # a program error: log it, tell the user in Chinese
        log = _log_exception(action)
        outcome = Outcome(f"{action}出错：{type(exc).__name__}: {exc}\n详细信息已记入 {log}", ok=False)
    finally:
        try:
            app.status_bar = False
        except Exception:
            pass
    app.alert(outcome.message, title=TITLE, mode="info" if outcome.ok else "critical")
    return outcome


def _progress(book: Any, text: str) -> None:
    book.app.status_bar = f"{TITLE}：{text}"


def _log_exception(action: str) -> Path:
    return append_traceback(settings.user_home() / "logs" / "macros.log", action)


def _core(label: str, module_name: str, *names: str) -> ModuleType:
    """The core module behind a button, or ``NotProvided`` when it (or a name) is missing."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise NotProvided(f"此功能尚未提供（{label}：需要 {module_name}，正在开发中）。") from None
    missing = [name for name in names if not callable(getattr(module, name, None))]
    if missing:
        wanted = "、".join(f"{module_name}.{name}" for name in missing)
        raise NotProvided(f"此功能尚未提供（{label}：需要 {wanted}，正在开发中）。")
    return module


# -- paths ----------------------------------------------------------------------------------------


def encode_hex(text: str) -> str:
    """What the ribbon's VBA HexText sends: UTF-16 code units, 4 hex digits each."""
    return text.encode("utf-16-be").hex().upper()


def decode_hex(text: str) -> str:
    """A path the ribbon's VBA sent as hex UTF-16 code units (see zhuize_ribbon.HexText)."""
    try:
        return bytes.fromhex(text).decode("utf-16-be")
    except ValueError:
        raise UserMessage("收到的路径无法识别，请重新选择。") from None


def _saved_path(book: Any, action: str) -> Path:
    path = Path(str(book.fullname))
    if not path.is_file():
        raise UserMessage(f"请先保存本工作簿，再{action}（按已保存的文件处理）。")
    return path


def _output_folder(book: Any) -> Path:
    """Beside the workbook if it is saved, else the user's Documents (or home) folder."""
    path = Path(str(book.fullname))
    if path.is_file():
        return path.parent
    documents = Path.home() / "Documents"
    return documents if documents.is_dir() else Path.home()


def _free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name(2)``, ``name(3)``… when taken: never overwrite a user's file."""
    return free_name(folder, name)


def _paths_text(paths: Iterable[Path]) -> str:
    items = [str(p) for p in paths]
    return "\n".join(items) if items else "（无）"


def _written(result: Any, fallback: Path) -> list[Path]:
    """The paths a core function reports having written (a Path, a list, or an object)."""
    if isinstance(result, (str, Path)):
        return [Path(result)]
    if isinstance(result, (list, tuple)):
        return [Path(p) for p in result]
    for attribute in ("paths", "written", "outputs"):
        value = getattr(result, attribute, None)
        if value is not None:
            return [Path(p) for p in value]
    return [fallback]


def _summary(result: Any) -> str:
    text = getattr(result, "message", None) or getattr(result, "summary", None)
    return f"\n{text}" if isinstance(text, str) and text else ""


# -- the handlers' logic ---------------------------------------------------------------------------


def _new_template(book: Any) -> str:
    templates = _core("新建填报模板", "addin.workbook.templates", "build_template", "default_options")
    target = _free_name(_output_folder(book), TEMPLATE_FILE)
    _progress(book, f"正在生成 {target.name}…")
    written = Path(templates.build_template(target, templates.default_options()))
    book.app.books.open(str(written))
    return f"已生成填报模板并打开：\n{written}"


@dataclass(frozen=True)
class _Issue:
    level: str
    sheet: str
    row: object
    column: str
    message: str


def _issues(report: Any) -> list[_Issue]:
    items = getattr(report, "issues", report)
    out = []
    for item in items or ():
        level = str(getattr(item, "level", None) or getattr(item, "severity", None) or "错误")
        if level.lower() in ("error", "err"):
            level = "错误"
        elif level.lower() in ("warning", "warn"):
            level = "警告"
        out.append(_Issue(level, str(getattr(item, "sheet", "") or ""), getattr(item, "row", "") or "",
                          str(getattr(item, "column", "") or ""), str(getattr(item, "message", item))))
    return out


def _validate_book(book: Any) -> str:
    validate = _core("校验本工作簿", "addin.validation.single", "validate_workbook")
    path = _saved_path(book, "校验")
    _progress(book, f"正在校验 {path.name}…")
    result = validate.validate_workbook(path)
    issues = _issues(result)
    errors = sum(1 for issue in issues if issue.level != "警告")
    warnings = len(issues) - errors
    rows: list[list[object]] = [["级别", "工作表", "行", "列", "说明"]]
    rows += [[i.level, i.sheet, i.row, i.column, i.message] for i in issues]
    write_sheet(book, CHECK_SHEET, rows)
    if getattr(result, "status", None) == "unreadable":
        reason = issues[0].message if issues else "文件无法读取"
        return f"校验未完成：{path.name} 无法读取（{reason}）。"
    verdict = "校验通过" if errors == 0 else "校验未通过"
    lines = [f"{verdict}：{path.name} 有错误 {errors} 条、警告 {warnings} 条。",
             f"明细已写入本工作簿的「{CHECK_SHEET}」表（按已保存的文件校验）。"]
    annotated = getattr(result, "annotated", None)
    if annotated:
        lines.append(f"标注副本（出错的单元格已标红并加批注）：{annotated}")
    report = getattr(result, "report", None)
    if isinstance(report, (str, Path)):
        lines.append(f"校验报告：{report}")
    return "\n".join(lines)


def _rollup_folder(book: Any, folder: Path) -> str:
    rollup = _core("汇总下级报表", "addin.jobs", "rollup_folder")
    if not folder.is_dir():
        raise UserMessage(f"文件夹不存在：{folder}")
    target = _free_name(folder, ROLLUP_FILE)
    _progress(book, f"正在汇总 {folder} 中的工作簿…")

    def progress(done: int, total: int, rejected: int, path: str) -> None:
        _progress(book, f"正在汇总（{done}/{total}，退回 {rejected}）{Path(path).name}")

    result = rollup.rollup_folder(folder, target, progress=progress)
    return f"已汇总 {folder} 中的下级报表：\n{_paths_text(_written(result, target))}{_summary(result)}"


def _sasac_return(book: Any) -> str:
    rollup = _core("生成国资委报表", "addin.jobs", "sasac_from_workbook")
    path = _saved_path(book, "生成国资委报表")
    target = _free_name(path.parent, SASAC_FILE)
    _progress(book, "正在生成国资委报表…")
    result = rollup.sasac_from_workbook(path, target)
    return f"已生成国资委报表：\n{_paths_text(_written(result, target))}{_summary(result)}"


def _documents(book: Any, action: str) -> str:
    """The document buttons: ``addin.documents.letters.write_batch`` writes the 管理提升建议书 or the
    一事一报告 the saved workbook calls for, each button its own kind."""
    letters = _core(action, "addin.documents.letters", "write_batch")
    path = _saved_path(book, action)
    out_dir = path.parent / DOCUMENTS_DIR
    _progress(book, f"正在{action}…")

    def progress(done: int, total: int, what: str) -> None:
        _progress(book, f"{action}（{done}/{total}）{what}")

    kind = letters.RECOMMENDATION if action == "生成管理提升建议书" else letters.EVENT_REPORT
    result = letters.write_batch(path, out_dir, progress=progress, kinds=[kind])
    problems = list(getattr(result, "problems", []))
    text = result.summary() if callable(getattr(result, "summary", None)) else f"已生成 {len(result.written)} 份文书。"
    lines = [text, f"文件在 {out_dir}"]
    if problems:
        rows: list[list[object]] = [["文书", "单位", "线索编号", "位置", "说明"]]
        rows += [[p.document, p.unit, p.clue_id or "", p.where, p.message] for p in problems]
        write_sheet(book, LETTER_PROBLEMS_SHEET, rows)
        lines.append(f"未能生成的 {len(problems)} 项已列在本工作簿的「{LETTER_PROBLEMS_SHEET}」表。")
    return "\n".join(lines)


def import_calendar_year(source: Path) -> tuple[YearSchedule, Path]:
    """Check a year file and copy it into the user calendar folder (via a temporary file)."""
    schedule = load_year_file(source)
    target_dir = settings.user_calendar_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{schedule.year}.toml"
    temporary = target.with_name(target.name + ".tmp")
    shutil.copyfile(source, temporary)
    temporary.replace(target)
    return schedule, target


def _update_calendar(book: Any, source: Path) -> str:
    if source.suffix.lower() != ".toml":
        raise CalendarError(f"请选择 .toml 格式的工作日历文件（选中的是 {source.name}）")
    _progress(book, f"正在导入 {source.name}…")
    schedule, target = import_calendar_year(source)
    return (f"已导入 {schedule.year} 年工作日历：放假 {len(schedule.holidays)} 天，"
            f"调休上班 {len(schedule.workdays)} 天。\n已保存到 {target}\n"
            f"重新计算（Ctrl+Alt+F9）后，ZZ_ 日期函数即按新日历计算。")


def function_help_rows() -> list[list[object]]:
    """The help sheet: one row per ZZ_ function, from ``udfs.registry`` (the single list)."""
    rows: list[list[object]] = [["函数", "用法", "说明", "参数", "结果"]]
    for function in registry.FUNCTIONS.values():
        args = "\n".join(
            f"{arg.name}（{arg.label}{'，可省略' if arg.optional else ''}）：{arg.help}" for arg in function.args
        )
        rows.append([function.name, function.signature, function.summary, args, function.returns])
    return rows


def _function_help(book: Any) -> str:
    rows = function_help_rows()
    write_sheet(book, HELP_SHEET, rows)
    return f"已在「{book.name}」的「{HELP_SHEET}」表列出全部 {len(rows) - 1} 个 ZZ_ 函数的用法和参数说明。"


def write_sheet(book: Any, name: str, rows: Sequence[Sequence[object]]) -> Any:
    """Write ``rows`` from A1 of sheet ``name`` (cleared first if it exists, else added last)."""
    names = [sheet.name for sheet in book.sheets]
    if name in names:
        sheet = book.sheets[name]
        sheet.clear()
    else:
        sheet = book.sheets.add(name, after=book.sheets[names[-1]] if names else None)
    width = max(len(row) for row in rows)
    sheet["A1"].value = [list(row) + [None] * (width - len(row)) for row in rows]
    autofit = getattr(sheet, "autofit", None)
    if callable(autofit):
        autofit()
    return sheet
