"""Shared fixtures for the rule-engine tests.

Every test runs with ``ZHUIZE_HOME`` pointing at its own empty folder, so a user's real
``~/.zhuize`` (profiles, calendar years, default profile) can never change a result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from udfs.profile import BUILTIN_DIR

# A made-up 2027 schedule in the user-file format (the real one is not published yet):
# New Year's Day (a Friday) off, a Spring Festival week off, one make-up Saturday.
CALENDAR_2027 = """\
year = 2027
source = "测试用2027年放假安排（虚构）"
holidays = [2027-01-01, [2027-02-06, 2027-02-14]]
workdays = [2027-02-20]
"""


@pytest.fixture(autouse=True)
def zhuize_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated, empty user folder for every test."""
    home = tmp_path / "zhuize-home"
    home.mkdir()
    monkeypatch.setenv("ZHUIZE_HOME", str(home))
    return home


@pytest.fixture
def calendar_2027_text() -> str:
    return CALENDAR_2027


def _user_file_writer(folder: Path) -> Callable[[str, str], Path]:
    """A writer of ``<folder>/<name>.toml`` files in the user folder."""

    def write(name: str, text: str) -> Path:
        folder.mkdir(exist_ok=True)
        path = folder / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_user_calendar(zhuize_home: Path) -> Callable[[str, str], Path]:
    """Write ``$ZHUIZE_HOME/calendar/<name>.toml``."""
    return _user_file_writer(zhuize_home / "calendar")


@pytest.fixture
def write_user_profile(zhuize_home: Path) -> Callable[[str, str], Path]:
    """Write ``$ZHUIZE_HOME/profiles/<name>.toml``."""
    return _user_file_writer(zhuize_home / "profiles")


@pytest.fixture
def yibin_text() -> str:
    """The shipped yibin-2020 profile's TOML text, as a base for edited copies."""
    return (BUILTIN_DIR / "yibin-2020.toml").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def demo_group_10(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo group with 10 units (both years, the planted mistakes), made once for the
    roll-up and print tests; tests copy what they change."""
    from addin.demo.group import make_demo_group

    return make_demo_group(tmp_path_factory.mktemp("group"), units=10)
