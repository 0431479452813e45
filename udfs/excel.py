"""The xlwings adapter: every ZZ_ function of the registry as an Excel UDF.

This is the only engine-side module that imports xlwings.  Each UDF is generated from
``udfs.registry``: its Python signature carries the registry's argument names (xlwings
reads them with ``inspect.signature``), its docstring and argument docs are the Chinese
help shown in Excel's function wizard, and its body only hands the raw cell values to
``registry.evaluate_cells`` — array in, array out, errors as text in the cell.

Error cells given as arguments: xlwings reads #N/A, #DIV/0! … as blank unless the argument
says ``err_to_str=True`` (xlwings ≥ 0.28); with it they arrive as the texts "#N/A", "#DIV/0!"
and the registry returns them (a function given an error returns it, as Excel's own do).
No traceback ever reaches a cell: whatever escapes the engine becomes a short ``#内部错误``
text, which the templates' ``LEFT(x,1)="#"`` guards catch like every other error text.

On Windows ``xw.func``/``xw.arg`` record the metadata xlwings needs; elsewhere xlwings
makes them no-ops, so anything built on Linux (the add-in's VBA declarations) reads the
registry itself.

In the add-in's config sheet: ``UDF Modules = udfs.excel``.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import xlwings as xw

from udfs.registry import FUNCTIONS, ZZFunction, evaluate_cells

CATEGORY = "责任追究"
ARG_OPTIONS: dict[str, Any] = {"ndim": 2, "err_to_str": True}
"""How xlwings reads every argument: always a 2-D list (ranges broadcast), error cells as
their texts ("#N/A"), not as blank (xlwings' default turns them into None)."""


INTERNAL_ERROR = "#内部错误: 计算时出现意外问题，请将此单元格的公式和参数告知维护人员"


def safe_cells(name: str, *args: Any) -> Any:
    """``evaluate_cells``, with anything unforeseen a short error text instead of the
    traceback xlwings would write into the cell."""
    try:
        return evaluate_cells(name, *args)
    except Exception as exc:  # noqa: BLE001 - the cell is the last place to report it
        return f"{INTERNAL_ERROR}（{type(exc).__name__}）"


def _make_udf(function: ZZFunction) -> Callable[..., Any]:
    def udf(*args: Any) -> Any:
        return safe_cells(function.name, *args)

    udf.__name__ = udf.__qualname__ = function.name
    udf.__doc__ = function.summary
    udf.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                arg.name,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                default=None if arg.optional else inspect.Parameter.empty,
            )
            for arg in function.args
        ]
    )
    decorated: Callable[..., Any] = udf
    for arg in reversed(function.args):
        decorated = xw.arg(arg.name, **ARG_OPTIONS, doc=f"{arg.label}：{arg.help}")(decorated)
    return xw.func(category=CATEGORY)(decorated)


for _function in FUNCTIONS.values():
    globals()[_function.name] = _make_udf(_function)

__all__ = sorted(FUNCTIONS)
