"""The VBA side of the ZZ_ functions, generated from ``udfs.registry`` at build time.

``udf_module`` writes what xlwings' ``generate_vba_wrapper`` (xlwings/udfs.py) writes when
a user clicks "Import Functions" for an add-in — the same lines, indentation and order — so
the add-in never needs that click (which would also need "Trust access to the VBA project
object model").  ``function_help_rows`` gives the Chinese help that ``zhuize_setup``
registers with ``Application.MacroOptions`` when the add-in opens.

VBA parameter names must be legal identifiers and not reserved words; a registry name that
is not is renamed here only (``p_`` prefix).  The Python call is positional
(``Array(...)``), so a renamed parameter changes nothing on the Python side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from udfs.registry import FUNCTIONS, ZZFunction

UDF_MODULE_NAME = "zhuize_udfs"
PYTHON_MODULE = "udfs.excel"  # what the config sheet's "UDF Modules" names
MACRO_OPTIONS_LIMIT = 255  # Excel's limit for Description and each ArgumentDescription

# MS-VBAL 3.3.5.2 reserved identifiers (statement, marker and operator keywords, special
# forms, reserved names and type identifiers, literals, implementation-reserved and future-
# reserved), plus the statement words VBA still treats specially (Error, Name, Line, Width,
# Mid...).  Compared case-insensitively, as VBA does.
VBA_RESERVED = frozenset(
    word.lower()
    for word in """
    Call Case Close Const Declare DefBool DefByte DefCur DefDate DefDbl DefDec DefInt DefLng DefLngLng
    DefLngPtr DefObj DefSng DefStr DefVar Dim Do Else ElseIf End EndIf Enum Erase Event Exit For Friend
    Function Get Global GoSub GoTo If Implements Input Let Lock Loop LSet Next On Open Option Print
    Private Public Put RaiseEvent ReDim Resume Return RSet Seek Select Set Static Stop Sub Type Unlock
    Wend While With Write
    Any As ByRef ByVal Each In New Shared Until WithEvents Optional ParamArray Preserve Spc Tab Then To
    AddressOf And Eqv Imp Is Like Mod Not Or TypeOf Xor
    Abs CBool CByte CCur CDate CDbl CDec CInt CLng CLngLng CLngPtr CSng CStr CVar CVErr Date Debug
    DoEvents Fix Int Len LenB Me PSet Scale Sgn String
    Array Circle InputB LBound UBound
    Boolean Byte Currency Double Integer Long LongLong LongPtr Single Variant Object Decimal
    True False Nothing Empty Null Rem
    Attribute LineInput VB_Base VB_Control VB_Creatable VB_Customizable VB_Description VB_Exposed
    VB_Ext_KEY VB_GlobalNameSpace VB_HelpID VB_Invoke_Func VB_Invoke_Property VB_Invoke_PropertyPut
    VB_Invoke_PropertyPutRef VB_MemberFlags VB_Name VB_PredeclaredId VB_ProcData VB_TemplateDerived
    VB_UserMemId VB_VarDescription VB_VarHelpID VB_VarMemberFlags VB_VarProcData VB_VarUserMemId
    CDecl Alias Base Binary Compare Explicit Lib Error Name Line Width Mid MidB Class Step Access
    Append Output Random Read Text Database Module Property Let Beep Load Unload Kill MkDir RmDir
    ChDir ChDrive FileCopy SendKeys SetAttr Randomize Reset Time Timer
    """.split()
)

# Names the generated wrapper itself uses: a parameter must not shadow them.
WRAPPER_NAMES = frozenset({"failed", "xlpy", "application", "err", "activeworkbook", "thisworkbook", "range", "k",
                           "argsarray"})

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,254}$")
# An Excel name that looks like a cell reference (A1 or R1C1) cannot be a function name.
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*|[Rr]|[Cc])$")


class DeclarationError(ValueError):
    """A registry entry that cannot be declared in VBA."""


def is_legal_vba_identifier(name: str) -> bool:
    return bool(_IDENTIFIER.match(name)) and name.lower() not in VBA_RESERVED


def vba_parameter_names(function: ZZFunction) -> list[str]:
    """The VBA parameter names for ``function``'s arguments (renamed only where needed)."""
    taken = {function.name.lower()}
    out = []
    for arg in function.args:
        name = arg.name
        if name.lower() in VBA_RESERVED or name.lower() in WRAPPER_NAMES or name.lower() in taken:
            name = f"p_{name}"
        while name.lower() in taken:
            name += "_"
        if not is_legal_vba_identifier(name):
            raise DeclarationError(f"{function.name}: argument {arg.name!r} cannot become a VBA parameter name")
        taken.add(name.lower())
        out.append(name)
    return out


def _check_function_name(name: str) -> None:
    if not is_legal_vba_identifier(name) or _CELL_LIKE.match(name):
        raise DeclarationError(f"{name} is not usable as a VBA function name in Excel")


def udf_declaration(function: ZZFunction, module_name: str = PYTHON_MODULE) -> str:
    """One function's VBA, line for line as xlwings' generate_vba_wrapper writes it for an
    .xlam (``ActiveWorkbook``), with "\\n" line ends (the module joins with CRLF)."""
    _check_function_name(function.name)
    name = function.name
    params = vba_parameter_names(function)
    signature = ", ".join(
        f"Optional {param}" if arg.optional else param for param, arg in zip(params, function.args)
    )
    args_vba = f"Array({', '.join(params)})"
    lines = [
        f"Function {name}({signature})",
        '    #If App = "Microsoft Excel" Then',
        "        If TypeOf Application.Caller Is Range Then On Error GoTo failed",
        f'        {name} = XLPy.CallUDF("{module_name}", "{name}", {args_vba}, ActiveWorkbook, Application.Caller)',
        "        Exit Function",
        "    #Else",
        f'        {name} = XLPy.CallUDF("{module_name}", "{name}", {args_vba})',
        "        Exit Function",
        "    #End If",
        "failed:",
        f"    {name} = Err.Description",
        "End Function",
        "",
    ]
    for line in lines:
        if len(line) > 1023:
            raise DeclarationError(f"{name}: a generated VBA line is longer than VBA allows")
    return "\n".join(lines) + "\n"


def udf_module_body(functions: dict[str, ZZFunction] | None = None) -> str:
    """The declarations of every function, in the order xlwings uses (``dir(module)``: sorted)."""
    functions = FUNCTIONS if functions is None else functions
    return "".join(udf_declaration(functions[name]) for name in sorted(functions))


def udf_module_source(functions: dict[str, ZZFunction] | None = None) -> str:
    """The whole ``zhuize_udfs`` module (CRLF line ends), as stored in the VBA project."""
    header = (
        f'Attribute VB_Name = "{UDF_MODULE_NAME}"\n'
        "'Generated by `zhuize addin build` from udfs.registry, mirroring xlwings' generate_vba_wrapper.\n"
        "'Do not edit: rebuild the add-in instead.\n"
        "#Const App = \"Microsoft Excel\" 'Adjust when using outside of Excel\n"
    )
    return (header + udf_module_body(functions)).replace("\n", "\r\n")


@dataclass(frozen=True)
class FunctionHelp:
    name: str
    description: str
    arguments: tuple[str, ...]


def function_help(functions: dict[str, ZZFunction] | None = None) -> list[FunctionHelp]:
    """The wizard help of every function: its summary and "label：help" per argument, as
    ``udfs.excel`` declares them for xlwings (cut to Excel's 255-character limit)."""
    functions = FUNCTIONS if functions is None else functions
    return [
        FunctionHelp(
            function.name,
            function.summary[:MACRO_OPTIONS_LIMIT],
            tuple(f"{arg.label}：{arg.help}"[:MACRO_OPTIONS_LIMIT] for arg in function.args),
        )
        for function in functions.values()
    ]
