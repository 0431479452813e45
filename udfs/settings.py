"""Where a user's own files live: profiles, calendar years, the default profile.

The user folder is ``$ZHUIZE_HOME`` or ``~/.zhuize``:

    config.toml          default_profile = "central-2026"
    profiles/*.toml      an enterprise's own rule profiles (selected by their key)
    calendar/*.toml      holiday schedules for years the built-in calendar does not know
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from udfs.errors import ProfileError

BUILTIN_DEFAULT_PROFILE = "central-2026"


def user_home() -> Path:
    configured = os.environ.get("ZHUIZE_HOME")
    return Path(configured) if configured else Path.home() / ".zhuize"


def user_profiles_dir() -> Path:
    return user_home() / "profiles"


def user_calendar_dir() -> Path:
    return user_home() / "calendar"


def read_config(path: Path | None = None) -> dict[str, object]:
    """The user folder's ``config.toml`` as a table ({} when there is none); a file that cannot
    be read or parsed is a ProfileError naming it.  Every reader of the file goes through here."""
    config = path or user_home() / "config.toml"
    if not config.is_file():
        return {}
    try:
        return tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"用户配置 {config} 无法读取：{exc}") from None


def config_section(name: str, example: str, path: Path | None = None) -> dict[str, object]:
    """One ``[name]`` table of config.toml ({} when absent; not a table: a ProfileError with ``example``)."""
    section = read_config(path).get(name, {})
    if not isinstance(section, dict):
        config = path or user_home() / "config.toml"
        raise ProfileError(f"用户配置 {config} 的 [{name}] 应为一节，如 {example}")
    return section


def default_profile_name() -> str:
    """The profile an omitted ``profile`` argument means (config.toml's default_profile)."""
    name = read_config().get("default_profile", BUILTIN_DEFAULT_PROFILE)
    if not isinstance(name, str) or not name.strip():
        raise ProfileError(f"用户配置 {user_home() / 'config.toml'} 的 default_profile 应为标准名称，如 \"central-2026\"")
    return name.strip()
