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


def default_profile_name() -> str:
    """The profile an omitted ``profile`` argument means (config.toml's default_profile)."""
    config = user_home() / "config.toml"
    if not config.is_file():
        return BUILTIN_DEFAULT_PROFILE
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"用户配置 {config} 无法读取：{exc}") from None
    name = data.get("default_profile", BUILTIN_DEFAULT_PROFILE)
    if not isinstance(name, str) or not name.strip():
        raise ProfileError(f"用户配置 {config} 的 default_profile 应为标准名称，如 \"central-2026\"")
    return name.strip()
