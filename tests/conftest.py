"""Shared fixtures for the rule-engine tests.

Every test runs with ``ZHUIZE_HOME`` pointing at its own empty folder, so a user's real
``~/.zhuize`` (profiles, calendar years, default profile) can never change a result.

The session also takes a census of problem codes: the code (and severity) of every
``Problem``, ``LetterProblem``, ``RosterProblem``, preflight ``Unreadable`` and ``EngineError`` made while the
tests run.  A code the catalogue refuses fails the session; when the whole suite ran and
passed with nothing skipped, so does a catalogued code no test raised (or a severity the
catalogue allows that none raised).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

import addin.problems as problems_module
from addin.documents.facts import LetterProblem
from addin.rollup.roster import RosterProblem
from addin.problems import CATALOGUE, Problem
from addin.workbook.preflight import Unreadable
from udfs.errors import EngineError
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


# -- the census of problem codes ----------------------------------------------------------------------

RAISED: set[tuple[str, str]] = set()
"""(code, severity) of every problem made in this process (and every one unpickled from a
forked worker); the preflight's findings, letters and engine errors count as errors."""
REFUSED: list[str] = []
"""What the catalogue refused (each a message), wherever the refusal was caught."""
_DESELECTED = [0]
_SKIPPED = [0]


def _census() -> None:
    quick, init, setstate, copy = Problem.quick, Problem.__init__, Problem.__setstate__, Problem.model_copy
    letter_check, engine_init, refuse = LetterProblem.__post_init__, EngineError.__init__, problems_module._refuse
    unreadable_check = Unreadable.__post_init__
    roster_check = RosterProblem.__post_init__

    def counted_quick(*args: Any, **kwargs: Any) -> Problem:
        problem = quick(*args, **kwargs)
        RAISED.add((problem.code, problem.severity))
        return problem

    def counted_init(self: Problem, /, **data: Any) -> None:
        init(self, **data)
        RAISED.add((self.code, self.severity))

    def counted_setstate(self: Problem, state: Any) -> None:
        setstate(self, state)
        RAISED.add((self.code, self.severity))

    def counted_copy(self: Problem, *args: Any, **kwargs: Any) -> Problem:
        problem = copy(self, *args, **kwargs)
        RAISED.add((problem.code, problem.severity))
        return problem

    def counted_letter(self: LetterProblem) -> None:
        letter_check(self)
        RAISED.add((self.code, "error"))

    def counted_unreadable(self: Unreadable) -> None:
        unreadable_check(self)
        RAISED.add((self.code, "error"))

    def counted_roster(self: RosterProblem) -> None:
        roster_check(self)
        RAISED.add((self.code, "error"))

    def counted_engine(self: EngineError, *args: Any, **kwargs: Any) -> None:
        engine_init(self, *args, **kwargs)
        RAISED.add((self.code, "error"))

    def recorded_refusal(code: str, severity: str | None) -> None:
        try:
            refuse(code, severity)
        except problems_module.ProblemCodeError as exc:
            REFUSED.append(str(exc))
            raise

    Problem.quick = staticmethod(counted_quick)  # type: ignore[method-assign, assignment]
    Problem.__init__ = counted_init  # type: ignore[method-assign]
    Problem.__setstate__ = counted_setstate  # type: ignore[method-assign]
    Problem.model_copy = counted_copy  # type: ignore[method-assign]
    LetterProblem.__post_init__ = counted_letter  # type: ignore[method-assign]
    Unreadable.__post_init__ = counted_unreadable  # type: ignore[method-assign]
    RosterProblem.__post_init__ = counted_roster  # type: ignore[method-assign]
    EngineError.__init__ = counted_engine  # type: ignore[method-assign]
    problems_module._refuse = recorded_refusal  # type: ignore[assignment]
    counted_quick.census = True  # type: ignore[attr-defined]


if not getattr(Problem.quick, "census", False):  # once, though a test imports tests.conftest again
    _census()


@pytest.fixture
def expect_refusals() -> Iterator[None]:
    """For a test that makes the catalogue refuse on purpose: its refusals are not held
    against the session (and it must have made some: the census saw them)."""
    start = len(REFUSED)
    yield
    made = REFUSED[start:]
    del REFUSED[start:]
    assert made, "the catalogue refused nothing"


def pytest_deselected(items: list[pytest.Item]) -> None:
    _DESELECTED[0] += len(items)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _SKIPPED[0] += 1


def whole_suite(session: pytest.Session) -> bool:
    """Every test of tests/ collected and none deselected (no -k, -m, node ids or --lf)."""
    config = session.config
    tests = Path(__file__).parent.resolve()
    given = [Path(str(arg).split("::")[0]).resolve() for arg in config.args]
    return (not config.option.collectonly and _DESELECTED[0] == 0 and session.testscollected > 0
            and all("::" not in str(arg) for arg in config.args)
            and any(path in (tests, tests.parent) for path in given))


PENDING: set[str] = set()
"""Codes allowed to be raised by no test (none: ZZ-EVENT-REPORT-MISSING, which no built-in
profile can raise since its 一事一报告 deadline is unchecked, is raised under the checked
enterprise profile of tests/test_selfcheck.py)."""


def unraised_codes() -> list[str]:
    """Catalogued codes (or the severities of one) that nothing made in this session."""
    missing = []
    for code, info in CATALOGUE.items():
        if code in PENDING:
            continue
        seen = {severity for raised, severity in RAISED if raised == code}
        if not seen:
            missing.append(code)
        elif len(info.severities) > 1 and seen != set(info.severities):
            missing += [f"{code}（{problems_module.SEVERITY_LABELS[s]}）" for s in info.severities if s not in seen]
    return missing


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if exitstatus != 0:
        return
    lines = []
    if REFUSED:
        lines.append("问题代码目录拒绝了这些问题（代码未登记或严重程度不符）：")
        lines += [f"  {message}" for message in dict.fromkeys(REFUSED)]
    missing = unraised_codes() if session.testsfailed == 0 and whole_suite(session) else []
    if missing and _SKIPPED[0]:  # e.g. no LibreOffice here: say so, but the full run decides
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"（跳过了 {_SKIPPED[0]} 个测试，未核对问题代码是否都有测试报出："
                                f"{'、'.join(missing)}）", yellow=True)
    elif missing:
        lines.append(f"问题代码目录中有 {len(missing)} 个代码（或严重程度）没有任何测试报出，请补测试：")
        lines += [f"  {code}" for code in missing]
    if lines:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        for line in lines:
            if reporter is not None:
                reporter.write_line(line, red=True)
            else:
                print(line)
