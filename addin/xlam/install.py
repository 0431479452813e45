"""`zhuize addin install`: put zhuize.xlam where Windows Excel opens it, and point it at
this Python.

No registry keys: the add-in goes into the user's Excel startup folder
``%APPDATA%\\Microsoft\\Excel\\XLSTART``, which Excel opens at every start and which is one
of Excel's default trusted locations (so its macros run without a prompt).  The interpreter
is written to xlwings' user config file for this add-in, ``%USERPROFILE%\\.zhuize\\zhuize.conf``
(``"INTERPRETER_WIN","C:\\...\\pythonw.exe"``; VBA reads it with ``Input #`` in the ANSI
code page, hence the "mbcs" encoding).

Everything is a parameter so that tests can run it on any OS against temporary folders.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import xlwings

from addin.xlam.build import ADDIN_NAME, PROJECT_NAME, build_addin


class InstallError(Exception):
    """Installation cannot go on; the message (Chinese) says why and what to do."""


NOT_WINDOWS = (
    "zhuize 加载项需要 Windows 上的桌面版 Excel（2016 或更高版本），当前系统不能安装。\n"
    "macOS、WPS 或 LibreOffice 请使用「标准版」填报模板（内置 Excel 公式，不需要加载项）和命令行 zhuize；\n"
    "如需给 Windows 电脑准备加载项，可运行 zhuize addin build 生成 zhuize.xlam 后复制过去，"
    "再在那台电脑上运行 zhuize addin install。"
)

TRUST_NOTE = (
    "信任设置：XLSTART 是 Excel 默认的受信任位置，放在这里的加载项不需要另外启用宏。\n"
    "如果单位用组策略禁用了受信任位置或全部宏，请管理员把该文件夹加入受信任位置\n"
    "（文件 → 选项 → 信任中心 → 信任中心设置 → 受信任位置）。\n"
    "不需要勾选「信任对 VBA 工程对象模型的访问」：全部 ZZ_ 函数已内置在加载项中，无需 Import Functions。"
)


@dataclass
class Installed:
    addin: Path
    config: Path
    interpreter: Path
    warnings: list[str] = field(default_factory=list)

    def message(self) -> str:
        lines = [
            f"已安装加载项：{self.addin}",
            f"Python 解释器（写入 {self.config}）：{self.interpreter}",
            "请关闭并重新打开 Excel，功能区会出现「责任追究」选项卡，ZZ_ 函数即可在单元格中使用。",
            TRUST_NOTE,
        ]
        lines += [f"注意：{w}" for w in self.warnings]
        return "\n".join(lines)


def default_xlstart() -> Path:
    appdata = os.environ.get("APPDATA")
    if not appdata:
        raise InstallError("找不到 %APPDATA% 环境变量，无法确定 Excel 启动文件夹；请用 --dir 指定 XLSTART 文件夹。")
    return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"


def default_user_config() -> Path:
    profile = os.environ.get("USERPROFILE") or str(Path.home())
    return Path(profile) / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf"


def default_interpreter(executable: str | None = None) -> Path:
    """pythonw.exe beside the running python.exe when there is one (no console window)."""
    python = Path(executable or sys.executable)
    windowless = python.with_name("pythonw.exe")
    if python.name.lower() == "python.exe" and windowless.is_file():
        return windowless
    return python


def write_user_config(path: Path, values: dict[str, str], encoding: str = "mbcs") -> None:
    """Set ``values`` in an xlwings config file (lines ``"KEY","VALUE"``), keeping other keys."""
    entries: dict[str, tuple[str, str]] = {}
    if path.is_file():
        for row in csv.reader(io.StringIO(path.read_bytes().decode(encoding, errors="replace"))):
            if len(row) >= 2 and row[0].strip():
                entries[row[0].strip().upper()] = (row[0].strip(), row[1])
    for key, value in values.items():
        if '"' in value:
            raise InstallError(f"配置值不能包含双引号：{value}")
        entries[key.upper()] = (key, value)
    text = "".join(f'"{key}","{value}"\r\n' for key, value in entries.values())
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        raise InstallError(
            f"路径中有当前系统代码页无法表示的字符：{text.strip()}\n请把 Python 安装到只含中英文字母和数字的路径后重试。"
        ) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


def install(
    xlstart: Path | None = None,
    user_config: Path | None = None,
    interpreter: Path | None = None,
    source: Path | None = None,
    platform: str = sys.platform,
    encoding: str = "mbcs",
) -> Installed:
    """Install the add-in (built now from the sources, or copied from ``source``)."""
    if not platform.startswith("win"):
        raise InstallError(NOT_WINDOWS)
    xlstart = xlstart or default_xlstart()
    user_config = user_config or default_user_config()
    interpreter = interpreter or default_interpreter()
    target = xlstart / ADDIN_NAME
    # Order: build (nothing touched yet), write the configuration, copy the add-in last. Excel
    # opens every file in XLSTART, so the add-in must not be there before the interpreter it
    # needs is set; if the copy fails the configuration is put back as it was.
    with tempfile.TemporaryDirectory(prefix="zhuize-addin-") as staging:
        built = Path(source) if source else build_addin(staging)
        try:
            data = built.read_bytes()
        except OSError as exc:
            raise InstallError(f"无法读取加载项文件 {built}：{exc.strerror or exc}") from None
        previous = _read_or_none(user_config)
        try:
            write_user_config(user_config, {"INTERPRETER_WIN": str(interpreter)}, encoding)
        except OSError as exc:
            _restore(user_config, previous)
            raise InstallError(f"无法写入配置文件 {user_config}：{exc.strerror or exc}。未安装加载项。") from None
        temporary = xlstart / f"~{ADDIN_NAME}.tmp"  # exists only for the rename
        try:
            xlstart.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(data)
            temporary.replace(target)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            _restore(user_config, previous)
            if isinstance(exc, PermissionError):
                raise InstallError(f"无法替换 {target}：Excel 可能正在使用它。请先关闭所有 Excel 窗口再安装。"
                                   "配置文件已恢复原状。") from None
            raise InstallError(f"无法把加载项复制到 {xlstart}：{exc.strerror or exc}。配置文件已恢复原状，"
                               "未安装加载项。") from None
    return Installed(target, user_config, interpreter, _warnings(interpreter))


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def _restore(path: Path, previous: bytes | None) -> None:
    """Put a configuration file back as it was before this run (absent: removed)."""
    try:
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            temporary = path.with_name(path.name + ".tmp")
            temporary.write_bytes(previous)
            temporary.replace(path)
    except OSError:
        pass


def _warnings(interpreter: Path) -> list[str]:
    warnings = []
    dlls = [f"xlwings{bits}-{xlwings.__version__}.dll" for bits in (64, 32)]
    folders = {interpreter.parent, interpreter.parent.parent, Path(sys.prefix)}
    if not any((folder / dll).is_file() for folder in folders for dll in dlls):
        warnings.append(
            f"在 {interpreter.parent} 及其上级文件夹中没有找到 {dlls[0]}：ZZ_ 函数需要它。"
            f"请在该 Python 中重新安装 xlwings=={xlwings.__version__}（pip install --force-reinstall xlwings=={xlwings.__version__}）。"
        )
    return warnings


def uninstall(xlstart: Path | None = None, platform: str = sys.platform) -> Path | None:
    """Remove the add-in from XLSTART; returns the removed path (None if it was not there)."""
    if not platform.startswith("win"):
        raise InstallError(NOT_WINDOWS)
    target = (xlstart or default_xlstart()) / ADDIN_NAME
    if not target.exists():
        return None
    try:
        target.unlink()
    except PermissionError:
        raise InstallError(f"无法删除 {target}：Excel 可能正在使用它。请先关闭所有 Excel 窗口。") from None
    return target
