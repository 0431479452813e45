"""The same wrong decision, twice: against an entry nobody compared with the official text
it is a warning and the roll-up takes the file; against a checked entry it is an error and
the roll-up sends the file back.

XS-2026-001 of the sample (650 + 120.5 万元 of losses, 50,000 万元 prior-year assets) is a
较大 loss under both profiles; 免职 is not among the measures for a 较大 loss's direct or
supervising responsibility in either.  central-2026's handling table (Order 46's numbers
were not read) is unchecked; yibin-2020's 第二十八条（二） is seed text, checked.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from addin.rollup import consolidate as rollup
from addin.rollup.periods import Period
from addin.validation import validate_paths
from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS
from addin.workbook.schema import STANDARD
from addin.workbook.templates import build_template, default_options
from openpyxl.utils import get_column_letter

D = dt.date
AS_OF = SAMPLE_INFO["report_date"]


def _workbook(folder: Path, profile: str, measure: str) -> Path:
    info: dict[str, Any] = dict(SAMPLE_INFO, profile=profile)
    records = copy.deepcopy(SAMPLE_RECORDS)
    records["clues"][3]["event_report_date"] = D(2026, 11, 10)
    records["accountability"][0]["measure"] = measure
    folder.mkdir(parents=True, exist_ok=True)
    return build_template(folder / f"{profile}.xlsx", default_options(profile, rows=10), info, records)


def _cell() -> str:
    sheet = STANDARD.sheet("accountability")
    return f"{get_column_letter(sheet.index('measure') + 1)}2"


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("twice")
    return {key: _workbook(root / key, key, "免职") for key in ("central-2026", "yibin-2020")}


def test_clean_sample_is_valid_under_both(tmp_path: Path) -> None:
    # without the wrong measure neither file has an error: what follows is that measure alone
    for key in ("central-2026", "yibin-2020"):
        (report,) = validate_paths([_workbook(tmp_path / key, key, "诫勉")]).files
        assert report.errors == [], (key, [str(p) for p in report.errors])


def test_unchecked_entry_warns_and_the_rollup_accepts(books: dict[str, Path]) -> None:
    path = books["central-2026"]
    (report,) = validate_paths([path]).files
    assert report.errors == [] and report.status == "valid"
    (warning,) = [p for p in report.warnings if p.code == "ZZ-RULE-UNCHECKED-MEASURE"]
    assert warning.cell == _cell() and warning.severity == "warning"
    assert "免职" in warning.message and "handling[较大×直接责任、主管责任]" in warning.message
    assert "尚未与正式文本核对" in warning.message and "待核对" in warning.message
    assert "宜宾" not in warning.message
    result = rollup.rollup([path.parent], Period.of(2026, "年度"), AS_OF)
    assert [Path(i.path).name for i in result.accepted] == [path.name]
    assert result.rejected == []


def test_checked_entry_is_an_error_and_the_rollup_rejects(books: dict[str, Path]) -> None:
    path = books["yibin-2020"]
    (report,) = validate_paths([path]).files
    assert [(p.code, p.cell) for p in report.errors] == [("ZZ-MEASURE-NOT-ALLOWED", _cell())]
    assert "第二十八条（二）" in report.errors[0].message and "待核对" not in report.errors[0].message
    assert report.status == "invalid"
    result = rollup.rollup([path.parent], Period.of(2026, "年度"), AS_OF)
    assert result.accepted == []
    assert [Path(i.path).name for i in result.rejected] == [path.name]
    codes = {p.code for i in result.rejected for p in result.problems_of(i) if p.severity == "error"}
    assert codes == {"ZZ-MEASURE-NOT-ALLOWED"}


@pytest.mark.parametrize(("change", "code", "column"), [
    ({"pay_ratio": 0.05}, "ZZ-RATIO-OUT-OF-RANGE", "pay_ratio"),  # below the checked range's lower bound
    ({"ban_term": "5年"}, "ZZ-BAN-NOT-ALLOWED", "ban_term"),  # 禁入限制 not allowed for this grade and responsibility
])
def test_checked_handling_entry_rejects_a_ratio_or_ban(tmp_path: Path, change: dict[str, Any], code: str,
                                                      column: str) -> None:
    info: dict[str, Any] = dict(SAMPLE_INFO, profile="yibin-2020")
    records = copy.deepcopy(SAMPLE_RECORDS)
    records["accountability"][0].update(change)
    path = build_template(tmp_path / "yibin.xlsx", default_options("yibin-2020", rows=10), info, records)
    (report,) = validate_paths([path]).files
    sheet = STANDARD.sheet("accountability")
    assert [(p.code, p.cell) for p in report.errors] == [(code, f"{get_column_letter(sheet.index(column) + 1)}2")]
    # the same decision under central-2018, whose handling ratios and bans are not checked: a reminder only
    info["profile"] = "central-2018"
    path = build_template(tmp_path / "c2018.xlsx", default_options("central-2018", rows=10), info, records)
    (report,) = validate_paths([path]).files
    assert report.errors == [] and any(p.code.startswith("ZZ-RULE-UNCHECKED-") for p in report.warnings)
