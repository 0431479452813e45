"""The xlwings adapter: every ZZ_ function of the registry as an Excel UDF.

This is the only engine-side module that imports xlwings.  Each UDF is generated from
``udfs.registry``: its Python signature carries the registry's argument names (xlwings
reads them with ``inspect.signature``), its docstring and argument docs are the Chinese
help shown in Excel's function wizard, and its body only hands the raw cell values to
``registry.evaluate_cells`` — array in, array out, errors as text in the cell.

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


def _make_udf(function: ZZFunction) -> Callable[..., Any]:
    def udf(*args: Any) -> Any:
        return evaluate_cells(function.name, *args)

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
        decorated = xw.arg(arg.name, ndim=2, doc=f"{arg.label}：{arg.help}")(decorated)
    return xw.func(category=CATEGORY)(decorated)


for _function in FUNCTIONS.values():
    globals()[_function.name] = _make_udf(_function)

__all__ = sorted(FUNCTIONS)
