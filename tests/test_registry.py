"""The ZZ_ registry as Excel sees it: coercion, arrays in → arrays out, errors in cells,
and the xlwings adapter generated from it."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
from pathlib import Path

import pytest

import udfs
from udfs import registry
from udfs.errors import ArgumentError

D = dt.date
UDFS_DIR = Path(udfs.__file__).parent


# -- coercion ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        D(2025, 12, 9),
        dt.datetime(2025, 12, 9),
        dt.datetime(2025, 12, 9, 17, 45),
        46000,  # Excel serial: 1899-12-30 + 46000 days
        46000.0,
        46000.6,  # the time of day is dropped
        "46000",
        "2025-12-09",
        "2025/12/9",
        "2025年12月9日",
        " 2025-12-09 ",
    ],
)
def test_date_forms(value):
    # n = 0: WORKDAY returns its start, so the result is the coerced date itself
    assert registry.evaluate("ZZ_WORKDAY", value, 0) == D(2025, 12, 9)


@pytest.mark.parametrize("value", ["2025.12.09", "２０２５-12-09", "2025-１２-09", "2025-12-09 10:30", "12/9/2025"])
def test_dates_readme_does_not_promise_are_refused(value):
    with pytest.raises(ArgumentError, match="不是日期，应为 2026-11-23 这样的日期"):
        registry.evaluate("ZZ_WORKDAY", value, 0)


@pytest.mark.parametrize("value", ["１２０", "120万元", "1,200"])
def test_numbers_readme_does_not_promise_are_refused(value):
    with pytest.raises(ArgumentError, match="不是数字"):
        registry.evaluate("ZZ_LOSS_GRADE", value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "开始日期 '2026-02-30' 不是存在的日期"),
        ("下周一", "不是日期"),
        (True, "开始日期不能是逻辑值"),
        (0, "超出 Excel 的日期范围"),
        (3_000_000, "超出 Excel 的日期范围"),
    ],
)
def test_bad_dates(value, message):
    with pytest.raises(ArgumentError, match=message):
        registry.evaluate("ZZ_WORKDAY", value, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [("五", "工作日数 '五' 不是数字"), (True, "工作日数不能是逻辑值"), ("1,000", "不带单位和千分位")],
)
def test_bad_numbers(value, message):
    with pytest.raises(ArgumentError, match=message):
        registry.evaluate("ZZ_WORKDAY", "2026-02-13", value)


def test_unknown_function_and_too_many_arguments():
    with pytest.raises(ArgumentError, match="未知函数 'ZZ_NOPE'"):
        registry.evaluate("ZZ_NOPE", 1)
    with pytest.raises(ArgumentError, match="最多有 2 个参数，给了 3 个"):
        registry.evaluate("ZZ_WORKDAY", "2026-02-13", 1, 2)
    assert registry.evaluate("zz_loss_grade", 100, None, "yibin-2020") == "较大"  # any case


def test_missing_required_argument():
    with pytest.raises(ArgumentError, match="缺少工作日数"):
        registry.evaluate("ZZ_WORKDAY", "2026-02-13", None)
    with pytest.raises(ArgumentError, match="缺少开始日期"):
        registry.evaluate("ZZ_WORKDAY", "", 1)


# -- cells and ranges ---------------------------------------------------------------------


def test_scalar_cell():
    assert registry.evaluate_cells("ZZ_LOSS_GRADE", 100, None, "yibin-2020") == "较大"
    # xlwings hands even a single cell over as a 1×1 2-D list (ndim=2)
    assert registry.evaluate_cells("ZZ_LOSS_GRADE", [[100]], [[None]], [["yibin-2020"]]) == "较大"


def test_column_stays_a_column():
    result = registry.evaluate_cells("ZZ_LOSS_GRADE", [[100], [99.99], [1000]], None, "yibin-2020")
    assert result == [["较大"], ["一般"], ["重大"]]


def test_row_stays_a_row():
    result = registry.evaluate_cells("ZZ_LOSS_GRADE", [[100, 99.99, 1000]], None, "yibin-2020")
    assert result == [["较大", "一般", "重大"]]


def test_two_dimensional_block():
    result = registry.evaluate_cells("ZZ_LOSS_GRADE", [[100, 99.99], [1000, 999.99]], None, "yibin-2020")
    assert result == [["较大", "一般"], ["重大", "较大"]]


def test_column_of_losses_with_column_of_assets():
    result = registry.evaluate_cells(
        "ZZ_LOSS_GRADE", [[1], [0.9999], [3], [2.9999]], [[100], [100], [100], [100]], "yibin-2020"
    )
    assert result == [["较大"], ["一般"], ["重大"], ["较大"]]


def test_column_of_profiles():
    result = registry.evaluate_cells(
        "ZZ_LOSS_GRADE", [[100], [100], [500]], None, [["yibin-2020"], ["central-2026"], ["central-2018"]]
    )
    assert result == [["较大"], ["一般"], ["较大"]]


def test_non_vectorised_function_over_a_column():
    result = registry.evaluate_cells(
        "ZZ_DEDUCTION_RANGE", [["一般"], ["较大"], ["重大"]], [["直接责任"], ["领导责任"], ["领导责任"]], "yibin-2020"
    )
    assert result == [["0%–50%（不含50%）"], ["30%–70%"], ["70%–100%"]]


def test_bad_element_only_spoils_its_own_cell():
    result = registry.evaluate_cells(
        "ZZ_MEASURES", [["一般"], ["较大"], ["重大"]], [["直接责任"], ["直接"], ["领导责任"]], "yibin-2020"
    )
    assert result[0][0] == "批评教育、责令书面检查、通报批评、诫勉"
    assert result[1][0].startswith("#参数错误: 未知责任类型 '直接'")
    assert result[1][0] == "#参数错误: 未知责任类型 '直接'（可选：直接责任、主管责任、领导责任）"
    assert result[2][0] == "调离工作岗位、降职、改任非领导职务、责令辞职、免职、禁入限制"


def test_engine_errors_carry_a_stable_code_and_a_cell_text():
    from udfs.errors import CalendarError, EngineError, ProfileError

    cases = [(EngineError("未知错误"), "ZZ-ENGINE", "#参数错误: 未知错误"),
             (ArgumentError("未知责任类型 '直接'"), "ZZ-ARG", "#参数错误: 未知责任类型 '直接'"),
             (ProfileError("未知适用标准 'x'"), "ZZ-PROFILE", "#标准错误: 未知适用标准 'x'"),
             (CalendarError("2027年的法定节假日尚未导入", year=2027), "ZZ-CALENDAR", "#日历错误: 2027年的法定节假日尚未导入")]
    assert [(e.code, e.cell_text) for e, _, _ in cases] == [(code, text) for _, code, text in cases]
    assert EngineError("x", code="ZZ-PROFILE").code == "ZZ-PROFILE"  # a caller may name the kind


def test_bad_element_in_vectorised_columns():
    grades = registry.evaluate_cells("ZZ_LOSS_GRADE", [[100], ["一百"], [-5], [1000]], None, "yibin-2020")
    assert grades[0][0] == "较大" and grades[3][0] == "重大"
    assert grades[1][0].startswith("#参数错误: 损失金额（万元） '一百' 不是数字")
    assert grades[1][0] == registry.evaluate_cells("ZZ_LOSS_GRADE", "一百", None, "yibin-2020")
    assert grades[2][0].startswith("#参数错误: 损失金额不能为负数")
    days = registry.evaluate_cells("ZZ_WORKDAY", [["2026-02-13"], ["2026-02-30"], [D(2026, 2, 13)]], [[1], [1], ["x"]])
    assert days[0][0] == D(2026, 2, 14)
    assert days[1][0].startswith("#参数错误: 开始日期 '2026-02-30'")
    assert days[2][0].startswith("#参数错误: 工作日数 'x'")


def test_blank_rows_give_blank_cells():
    grades = registry.evaluate_cells("ZZ_LOSS_GRADE", [[100], [None], [""], [1000]], None, "yibin-2020")
    assert grades == [["较大"], [None], [None], ["重大"]]
    days = registry.evaluate_cells("ZZ_WORKDAY", [[D(2026, 2, 13)], [None], [""]], [[1], [None], [""]])
    assert days == [[D(2026, 2, 14)], [None], [None]]
    measures = registry.evaluate_cells("ZZ_MEASURES", [["较大"], [None]], [["领导责任"], [None]], "yibin-2020")
    assert measures == [["通报批评、诫勉、停职、调离工作岗位"], [None]]


def test_half_blank_row_is_an_error():
    days = registry.evaluate_cells("ZZ_WORKDAY", [[D(2026, 2, 13)], [None]], [[None], [1]])
    assert days[0][0] == "#参数错误: 缺少工作日数"
    assert days[1][0] == "#参数错误: 缺少开始日期"


def test_mismatched_ranges():
    result = registry.evaluate_cells("ZZ_LOSS_GRADE", [[100], [99.99]], [[1], [2], [3]], "yibin-2020")
    assert result == "#参数错误: 各参数区域的行列数不一致"


def test_flags_in_cells():
    yes_forms = [["是"], ["TRUE"], [True], [1]]
    result = registry.evaluate_cells("ZZ_RECTIFY_RESULT", yes_forms, "否", "否", "否", "否", "否")
    assert result == [["整改完毕"]] * 4
    no_forms = [["否"], ["FALSE"], [False], [0]]
    result = registry.evaluate_cells("ZZ_RECTIFY_RESULT", no_forms, "否", "否", "否", "否", "否")
    assert result == [["未整改"]] * 4


def test_date_column_of_mixed_forms():
    starts = [[D(2026, 2, 13)], [dt.datetime(2026, 2, 13, 8)], [46066], ["2026-02-13"], ["2026年2月13日"]]
    result = registry.evaluate_cells("ZZ_WORKDAY", starts, 1)
    assert result == [[D(2026, 2, 14)]] * 5


def test_vectorised_and_scalar_paths_agree():
    losses = [0, 99.99, 100, 999.99, 1000, 1, 0.9999, 3, 2.9999, 50, None, 100, 1000]
    assets = [None, None, None, None, None, 100, 100, 100, 100, 1000, None, "", 1e9]
    column = registry.evaluate_cells("ZZ_LOSS_GRADE", [[x] for x in losses], [[a] for a in assets], "yibin-2020")
    one_by_one = [[registry.evaluate_cells("ZZ_LOSS_GRADE", x, a, "yibin-2020")] for x, a in zip(losses, assets)]
    assert column == one_by_one
    assert column[2] == ["较大"] and column[10] == [None]


@pytest.mark.parametrize(("loss", "assets"), [("abc", None), (100, "abc")])
def test_vectorised_and_scalar_errors_both_name_the_argument(loss, assets):
    column = registry.evaluate_cells("ZZ_LOSS_GRADE", [[loss], [100]], [[assets], [None]], "yibin-2020")
    single = registry.evaluate_cells("ZZ_LOSS_GRADE", loss, assets, "yibin-2020")
    what = "损失金额" if loss == "abc" else "上年末资产总额"
    for text in (column[0][0], single):
        assert text.startswith(f"#参数错误: {what}") and "'abc' 不是数字" in text


def test_vectorised_and_scalar_error_texts_are_identical():
    column = registry.evaluate_cells("ZZ_LOSS_GRADE", [["abc"], [100]], None, "yibin-2020")
    assert column[0][0] == registry.evaluate_cells("ZZ_LOSS_GRADE", "abc", None, "yibin-2020")


def test_evaluate_rows_fast_path():
    result = registry.evaluate_rows("ZZ_LOSS_GRADE", [[100, 99.99, None], [None, None, None], ["yibin-2020"] * 3])
    assert result == ["较大", "一般", None]


# -- the xlwings adapter --------------------------------------------------------------------


def test_every_function_is_an_excel_udf_with_the_registry_arguments():
    excel = pytest.importorskip("udfs.excel")
    assert sorted(excel.__all__) == sorted(registry.FUNCTIONS)
    for name, function in registry.FUNCTIONS.items():
        udf = getattr(excel, name)
        parameters = inspect.signature(udf).parameters
        assert list(parameters) == [arg.name for arg in function.args], name
        for arg in function.args:
            has_default = parameters[arg.name].default is not inspect.Parameter.empty
            assert has_default == arg.optional, (name, arg.name)


def test_excel_udf_calls_the_registry():
    excel = pytest.importorskip("udfs.excel")
    assert excel.ZZ_LOSS_GRADE([[100], [99.99]], None, "yibin-2020") == [["较大"], ["一般"]]
    assert excel.ZZ_MEASURES("一般", "直接", "yibin-2020").startswith("#参数错误: 未知责任类型 '直接'")


def test_every_function_has_help_and_a_basis():
    for name, function in registry.FUNCTIONS.items():
        assert name.startswith("ZZ_")
        assert function.summary and all(arg.help and arg.label for arg in function.args)
        assert registry.evaluate("ZZ_BASIS", name, "yibin-2020"), name


def _imports_xlwings(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "xlwings" for a in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "xlwings":
            lines.append(node.lineno)
        elif isinstance(node, ast.Call) and any(
            isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.split(".")[0] == "xlwings"
            for a in node.args
        ):
            lines.append(node.lineno)  # importlib.import_module("xlwings") / __import__("xlwings")
    return lines


def test_engine_never_imports_xlwings():
    sources = sorted(p for p in UDFS_DIR.rglob("*.py") if p.name != "excel.py")
    assert {p.name for p in sources} >= {"grading.py", "handling.py", "registry.py", "workcalendar.py"}
    offenders = {}
    for path in sources:
        lines = _imports_xlwings(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            offenders[str(path.relative_to(UDFS_DIR))] = lines
    assert offenders == {}


def test_the_ast_check_would_catch_an_import():
    assert _imports_xlwings(ast.parse("import xlwings as xw")) == [1]
    assert _imports_xlwings(ast.parse("from xlwings import func")) == [1]
    assert _imports_xlwings(ast.parse("import importlib\nimportlib.import_module('xlwings')")) == [2]
    assert _imports_xlwings(ast.parse("import numpy")) == []
    # the adapter itself does import it
    assert _imports_xlwings(ast.parse((UDFS_DIR / "excel.py").read_text(encoding="utf-8")))


# -- error cells and broken user files (issue 26: no traceback in a cell, errors propagate) -------------------


@pytest.mark.parametrize("error", ["#N/A", "#DIV/0!", "#VALUE!", "#REF!"])
def test_an_error_cell_given_as_an_argument_is_returned_not_read_as_blank(error):
    # xlwings hands error cells over as these texts (ARG_OPTIONS' err_to_str); blank would be wrong:
    # ZZ_LOSS_GRADE(#N/A) would be "" and ZZ_WORKDAY(start, #DIV/0!) the start itself
    assert registry.evaluate_cells("ZZ_LOSS_GRADE", error) == error
    assert registry.evaluate_cells("ZZ_WORKDAY", D(2026, 2, 13), error) == error
    assert registry.evaluate_cells("ZZ_MEASURES", "一般", error, "yibin-2020") == error
    # a range: only the row holding the error gets it, on the vectorised path and the other
    assert registry.evaluate_cells("ZZ_LOSS_GRADE", [[100], [error], [99.99]], None, "yibin-2020") == \
        [["较大"], [error], ["一般"]]
    assert registry.evaluate_cells("ZZ_WORKDAY", [[D(2026, 2, 13)], [D(2026, 2, 13)]], [[0], [error]]) == \
        [[D(2026, 2, 13)], [error]]
    assert registry.evaluate_cells("ZZ_MEASURES", [["一般"], ["一般"]], [[error], ["直接责任"]], "yibin-2020")[0] == \
        [error]


def test_another_zz_cells_error_text_propagates_and_plain_hash_text_does_not():
    upstream = registry.evaluate_cells("ZZ_LOSS_GRADE", "abc")
    assert upstream.startswith("#参数错误:")
    assert registry.evaluate_cells("ZZ_JURISDICTION", upstream, "集团") == upstream
    # a text that merely starts with # is an argument like any other (here: not a grade)
    assert registry.evaluate_cells("ZZ_JURISDICTION", "#1", "集团").startswith("#参数错误: ")


@pytest.fixture
def broken_home(tmp_path, monkeypatch):
    home = tmp_path / "zhuize-home"
    (home / "profiles").mkdir(parents=True)
    (home / "calendar").mkdir()
    monkeypatch.setenv("ZHUIZE_HOME", str(home))
    return home


@pytest.mark.parametrize(("relative", "data", "function", "args", "kind"), [
    ("config.toml", b"default_profile = \n", "ZZ_LOSS_GRADE", (100.0, 1000.0), "#标准错误: "),
    ("config.toml", b'default_profile = "nope"\n', "ZZ_LOSS_GRADE", (100.0, 1000.0), "#标准错误: "),
    ("profiles/central-2026.toml", b"[[[\n", "ZZ_LOSS_GRADE", (100.0, 1000.0), "#标准错误: "),
    ("calendar/2031.toml", b"\xff\xfe", "ZZ_WORKDAY", (D(2026, 1, 5), 5.0), "#日历错误: "),
    ("calendar/2031.toml", b"[[[\n", "ZZ_WORKDAY", (D(2026, 1, 5), 5.0), "#日历错误: "),
])
def test_a_broken_user_file_is_a_short_error_text_in_every_cell(broken_home, relative, data, function, args, kind):
    (broken_home / relative).write_bytes(data)
    excel = pytest.importorskip("udfs.excel")
    udf = getattr(excel, function)
    cell = udf(*args)
    assert isinstance(cell, str) and cell.startswith(kind) and "Traceback" not in cell, cell
    # a range goes the vectorised path: it raised here before (the cell showed xlwings' traceback)
    block = udf(*[[[a], [a]] for a in args])
    assert block == [[cell], [cell]]


def test_anything_unforeseen_is_a_short_error_text(monkeypatch):
    excel = pytest.importorskip("udfs.excel")

    def boom(*args, **kwargs):
        raise KeyError("x")
    monkeypatch.setattr(excel, "evaluate_cells", boom)
    cell = excel.ZZ_LOSS_GRADE(100.0)
    assert cell.startswith("#内部错误: ") and "KeyError" in cell and "\n" not in cell
