"""The reporting unit's identity — entered once, read by every form, header, title and signature.

Kept in the user folder's ``config.toml`` under ``[unit]``::

    [unit]
    name = "某某集团有限公司"          # 填报单位 / 发文机关
    uscc = "91510100MA61R8XK49"       # 统一社会信用代码
    head = "张三"                      # 单位负责人（签发人）
    reviewer = "李四"                  # 审核人（总会计师）
    preparer = "王五"                  # 填表人
    phone = "028-12345678"             # 联系电话

Any field may be overridden for one run (command-line options, the 收报台's settings page).
Where a field is missing, a form shows ``MISSING`` in a highlighted cell rather than a blank
line: nothing is invented.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Mapping

from udfs.errors import ProfileError
from udfs.settings import config_section, user_home

MISSING = "（待补充）"
"""What a form shows where an identity field is not configured (highlighted)."""

LABELS: dict[str, str] = {
    "name": "单位名称",
    "uscc": "统一社会信用代码",
    "head": "单位负责人",
    "reviewer": "审核人（总会计师）",
    "preparer": "填表人",
    "phone": "联系电话",
}
"""Each field's label, in the order forms list them."""

MAX_LENGTH = 100


@dataclass(frozen=True)
class UnitIdentity:
    name: str = ""
    uscc: str = ""
    head: str = ""
    reviewer: str = ""
    preparer: str = ""
    phone: str = ""

    def shown(self, field: str) -> str:
        """The field as a form prints it: its value, or ``MISSING``."""
        value = getattr(self, field)
        return value if value else MISSING

    def missing(self) -> list[str]:
        """Labels of the fields not configured."""
        return [LABELS[f] for f in LABELS if not getattr(self, f)]

    def with_overrides(self, overrides: Mapping[str, str | None] | None) -> "UnitIdentity":
        """This identity with the given fields replaced (None or absent leaves a field as it is)."""
        if not overrides:
            return self
        changes = {k: _clean(k, v) for k, v in overrides.items() if k in LABELS and v is not None}
        return replace(self, **changes)


def _clean(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise ProfileError(f"用户配置 [unit] 的 {field}（{LABELS[field]}）应为文字")
    text = " ".join(value.split())
    if len(text) > MAX_LENGTH:
        raise ProfileError(f"用户配置 [unit] 的 {field}（{LABELS[field]}）不能超过 {MAX_LENGTH} 个字")
    return text


def config_path() -> Path:
    return user_home() / "config.toml"


def load_identity(overrides: Mapping[str, str | None] | None = None, path: Path | None = None) -> UnitIdentity:
    """The identity from ``config.toml``'s ``[unit]`` (empty when absent), with ``overrides``."""
    unit = config_section("unit", "name = \"某某集团有限公司\"", path or config_path())
    identity = UnitIdentity(**{f.name: _clean(f.name, unit[f.name]) for f in fields(UnitIdentity) if f.name in unit})
    return identity.with_overrides(overrides)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def save_identity(identity: UnitIdentity, path: Path | None = None) -> Path:
    """Write ``[unit]`` into ``config.toml``, keeping every other line of the file as it is."""
    config = path or config_path()
    lines = config.read_text(encoding="utf-8").splitlines() if config.is_file() else []
    kept: list[str] = []
    inside = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped == "[unit]"
            if inside:
                continue
        if not inside:
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    block = ["[unit]"] + [f"{f} = {_toml_string(getattr(identity, f))}" for f in LABELS]
    text = "\n".join(kept + ([""] if kept else []) + block) + "\n"
    config.parent.mkdir(parents=True, exist_ok=True)
    temporary = config.with_name(config.name + ".zhuize-tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(config)
    return config
