"""Standard 2.1: the new columns (统一编号, 销号, 送达日期, 申诉受理日期, 纪律处分 from the profile,
免责情形, 特殊事由), Order 46 Arts. 78/80's start points, the longer influence period
(宜宾办法 第三十条) and seed 004 (十二)'s 6-month flag — both sides of each boundary.

Workbooks start from the clean v2 sample (``test_validate.clean_data``) with 2.1's values
added (``clean21``) and get ONE change each.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

import pytest

from test_validate import build, cell, clean_data, errors, report_of, warning_set

from udfs import deadlines, handling, registry
from udfs.profile import get_profile
from udfs.workcalendar import default_calendar

from addin.rollup.numbering import numbering_regex
from addin.workbook.read import load_workbook
from addin.workbook.recompute import recompute
from addin.workbook.schema import standard_for
from addin.workbook.templates import Options, build_template, default_options

D = dt.date
Records = dict[str, list[dict[str, Any]]]
CENTRAL = get_profile("central-2026")


def clean21() -> tuple[dict[str, Any], Records]:
    info, records = clean_data()
    records["clues"][0]["unified_id"] = "MA61R8XK4-2026-GX-0001"
    records["accountability"][0].update(served_date=D(2026, 6, 20), discipline="记过")
    records["accountability"][1].update(served_date=D(2026, 6, 19), appeal_accepted_date=D(2026, 6, 29))
    records["rectification"][1].update(extended_to=D(2027, 3, 31), delay_reason="涉及诉讼，待法院判决",
                                       delay_approver="集团审计部", special_cause="工程款追回涉及诉讼，法院尚未判决")
    return info, records


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("v21")


def planted(folder: Path, name: str, change: Callable[[dict[str, Any], Records], None]) -> Path:
    info, records = clean21()
    change(info, records)
    return build(folder / f"{name}.xlsx", info, records)


def _set(key: str, index: int, **values: Any) -> Callable[[dict[str, Any], Records], None]:
    def change(info: dict[str, Any], records: Records) -> None:
        records[key][index].update(values)
    return change


@pytest.fixture(scope="module")
def clean(folder: Path) -> Path:
    info, records = clean21()
    return build(folder / "clean.xlsx", info, records)


# -- the engine ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("measure", "sanction", "end"), [
    ("诫勉", None, D(2026, 12, 18)),  # 诫勉 6 months
    ("诫勉", "警告", D(2026, 12, 18)),  # 警告 6 months: as long, same end
    ("诫勉", "记过", D(2027, 6, 18)),  # 记过 12 months: longer, it applies
    ("降职", "记过", D(2028, 6, 18)),  # 降职 24 months stays the longer
    ("降职", "记大过", D(2028, 6, 18)),  # 18 < 24
    ("无", "记大过", D(2027, 12, 18)),  # a sanction alone
    ("无", "无", None),
    ("诫勉", "党内严重警告处分（旧文件的原文）", D(2026, 12, 18)),  # not in the list: no period of its own
    ("无", "开除", None),  # listed, but no period set
])
def test_influence_end_takes_the_longer_period(measure: str, sanction: str | None, end: dt.date | None) -> None:
    decided = D(2026, 6, 18)
    assert handling.influence_end(CENTRAL, decided, measure, sanction) == end
    assert registry.evaluate("ZZ_INFLUENCE_END", decided, measure, "central-2026", sanction) == end
    if sanction is None:
        assert registry.evaluate("ZZ_INFLUENCE_END", decided, measure, "central-2026") == end


def test_sanction_periods_are_unchecked_entries_with_their_source() -> None:
    for key in ("central-2018", "central-2026", "yibin-2020"):
        profile = get_profile(key)
        periods = {s.kind: s.months for s in profile.sanctions}
        assert periods["警告"] == 6 and periods["记过"] == 12 and periods["记大过"] == 18
        assert periods["降级"] == periods["撤职"] == 24
        assert all(not s.checked and s.source for s in profile.sanctions)  # not SEEN in the shared texts
        assert all(not e.checked and e.source for e in profile.exemptions) and len(profile.exemptions) >= 3
    assert "纪律处分" in registry.evaluate("ZZ_BASIS", "ZZ_INFLUENCE_END", "yibin-2020")


def test_appeal_month_runs_from_service_and_review_from_acceptance() -> None:
    calendar = default_calendar()
    decided, served = D(2026, 6, 18), D(2026, 6, 22)
    # Art. 78: 自处理决定送达之日起一个月
    assert deadlines.appeal_deadline(CENTRAL, decided, calendar, served) == D(2026, 7, 22)
    assert deadlines.appeal_deadline(CENTRAL, decided, calendar) == D(2026, 7, 18)  # no 送达日期: the decision stands in
    # Art. 80: 自受理申诉之日起30个工作日
    appealed, accepted = D(2026, 6, 25), D(2026, 7, 1)
    from_acceptance = registry.evaluate("ZZ_REVIEW_DEADLINE", appealed, "central-2026", accepted)
    assert from_acceptance == calendar.workday(accepted, 30) == D(2026, 8, 12)
    assert registry.evaluate("ZZ_REVIEW_DEADLINE", appealed, "central-2026") == calendar.workday(appealed, 30)
    assert registry.evaluate("ZZ_REVIEW_DEADLINE", appealed, "central-2026", None) == calendar.workday(appealed, 30)
    assert "送达之日" in CENTRAL.deadlines.appeal.text and "受理申诉之日" in CENTRAL.deadlines.review.text


def test_the_numbering_pattern() -> None:
    pattern = numbering_regex(CENTRAL.numbering)
    assert pattern.match("MA61R8XK4-2026-GX-0001")
    assert pattern.match("MA61R8XK4-2026-GX-12345")  # more than 9999 in a year: still a number
    for bad in ("MA61R8XK4-26-GX-0001", "MA61R8XK4-2026-GX-001", "XS-2026-001", "MA61R8XK4-2026-GX-000A"):
        assert not pattern.match(bad), bad


# -- the workbook: round trip, and one defect per file -------------------------------------------


def test_a_2_1_workbook_round_trips(clean: Path) -> None:
    submission = load_workbook(clean)
    assert submission.version == 2.1 and submission.info.template_version == "2.1"
    person, appellant = submission.ledgers["accountability"][:2]
    assert (person.served_date, person.discipline) == (D(2026, 6, 20), "记过")
    assert appellant.appeal_accepted_date == D(2026, 6, 29)
    assert submission.ledgers["clues"][0].unified_id == "MA61R8XK4-2026-GX-0001"
    assert submission.ledgers["rectification"][1].special_cause.startswith("工程款")
    computed = recompute(submission)["accountability"]
    assert computed[0]["influence_end"] == D(2027, 6, 18)  # 记过 (12) over 诫勉 (6)
    assert computed[1]["review_deadline"] == default_calendar().workday(D(2026, 6, 29), 30)
    report = report_of(clean)
    assert report.errors == [], [str(p) for p in report.errors]
    codes = {p.code for p in report.warnings}
    assert not codes & {"ZZ-WARN-SANCTION-UNLISTED", "ZZ-WARN-UNIFIED-ID-FORMAT", "ZZ-WARN-RECTIFY-SIX-MONTHS"}


def test_a_2_0_template_reads_and_computes_as_before(folder: Path) -> None:
    info, records = clean_data()
    records["accountability"][0]["discipline"] = "记过"  # v1 free text: 2.0's formula ignores it
    path = build_template(folder / "v20.xlsx", Options(profile=CENTRAL, rows=10, version=2), info, records)
    submission = load_workbook(path)
    assert submission.version == 2 and submission.info.template_version == "2.0"
    assert not [p for p in submission.problems if p.severity == "error"]
    assert recompute(submission)["accountability"][0]["influence_end"] == D(2026, 12, 18)  # 诫勉 only
    assert {c.header for c in standard_for(2).sheet("accountability").columns}.isdisjoint({"送达日期", "免责情形"})


# (name, change, code, cell, severity)
DEFECTS: list[tuple[str, Callable[..., None], str, str, str]] = [
    ("closeoff-not-approved", _set("clues", 0, stage="办结", closed_date=D(2026, 10, 9),
                                   closed_off_date=D(2026, 10, 20), closing_review="待审核"),
     "ZZ-CLUE-CLOSEOFF-NOT-APPROVED", cell("clues", "closing_review", 0), "error"),
    ("closeoff-before-closing", _set("clues", 0, stage="办结", closed_date=D(2026, 10, 9),
                                     closed_off_date=D(2026, 10, 8), closing_review="同意销号"),
     "ZZ-DATE-ORDER", cell("clues", "closed_off_date", 0), "error"),
    ("closeoff-open-clue", _set("clues", 0, closed_off_date=D(2026, 10, 20), closing_review="同意销号"),
     "ZZ-CLUE-CLOSEOFF-NOT-CLOSED", cell("clues", "closed_off_date", 0), "error"),
    ("served-before-decision", _set("accountability", 0, served_date=D(2026, 6, 17)),
     "ZZ-DATE-ORDER", cell("accountability", "served_date", 0), "error"),
    ("accepted-before-appeal", _set("accountability", 1, appeal_accepted_date=D(2026, 6, 24)),
     "ZZ-DATE-ORDER", cell("accountability", "appeal_accepted_date", 1), "error"),
    ("exempt-without-situation", _set("accountability", 0, exempt=True, measure="无", pay_ratio=0.0, term_ratio=0.0),
     "ZZ-REQUIRED-EXEMPT-SITUATION", cell("accountability", "exempt_situation", 0), "error"),
    ("exempt-unlisted", _set("accountability", 0, exempt_situation="领导同意"),
     "ZZ-WARN-EXEMPT-UNLISTED", cell("accountability", "exempt_situation", 0), "warning"),
    ("sanction-unlisted", _set("accountability", 0, discipline="党内严重警告处分"),
     "ZZ-WARN-SANCTION-UNLISTED", cell("accountability", "discipline", 0), "warning"),
    ("unified-id-format", _set("clues", 0, unified_id="XS-2026-001"),
     "ZZ-WARN-UNIFIED-ID-FORMAT", cell("clues", "unified_id", 0), "warning"),
]


@pytest.mark.parametrize(("name", "change", "code", "where", "severity"), DEFECTS, ids=[d[0] for d in DEFECTS])
def test_each_defect_is_found_at_its_cell(folder: Path, name: str, change: Callable[..., None], code: str,
                                          where: str, severity: str) -> None:
    report = report_of(planted(folder, name, change))
    if severity == "error":
        assert (code, where) in errors(report), [str(p) for p in report.problems]
    else:
        assert (code, where) in warning_set(report), [str(p) for p in report.problems]


def test_an_approved_close_off_passes(folder: Path) -> None:
    report = report_of(planted(folder, "closeoff-ok", _set(
        "clues", 0, stage="办结", closed_date=D(2026, 10, 9), closed_off_date=D(2026, 10, 9), closing_review="同意销号")))
    codes = {p.code for p in report.problems}
    assert not codes & {"ZZ-CLUE-CLOSEOFF-NOT-APPROVED", "ZZ-CLUE-CLOSEOFF-NOT-CLOSED", "ZZ-DATE-ORDER"}, codes


@pytest.fixture(scope="module")
def appeals(folder: Path) -> dict[str, Path]:
    """Decision 2026-06-18; served 2026-06-20 → the month ends 2026-07-20."""
    return {
        "on-the-day": planted(folder, "appeal-on-day", _set("accountability", 1, served_date=D(2026, 6, 20),
                                                             appeal_date=D(2026, 7, 20), appeal_accepted_date=None)),
        "a-day-late": planted(folder, "appeal-late", _set("accountability", 1, served_date=D(2026, 6, 20),
                                                           appeal_date=D(2026, 7, 21), appeal_accepted_date=None)),
        "unserved": planted(folder, "appeal-unserved", _set("accountability", 1, served_date=None,
                                                             appeal_date=D(2026, 7, 20), appeal_accepted_date=None)),
    }


def test_the_appeal_month_runs_from_service(appeals: dict[str, Path]) -> None:
    where = ("ZZ-WARN-APPEAL-LATE", cell("accountability", "appeal_date", 1))
    assert where not in warning_set(report_of(appeals["on-the-day"]))
    late = report_of(appeals["a-day-late"])
    assert where in warning_set(late)
    assert "送达日期 2026-06-20 起" in next(p.message for p in late.warnings if p.code == where[0])
    unserved = report_of(appeals["unserved"])  # the decision date stands in: 07-18, so 07-20 is late, and it says so
    message = next(p.message for p in unserved.warnings if p.code == where[0])
    assert "未填送达日期，按处理决定日期 2026-06-18 起推算" in message


@pytest.fixture(scope="module")
def extended(folder: Path) -> Path:
    """SJ-2026-002 (部分整改), issued 2026-05-31, extended to 2027-03-31 with no 特殊事由."""
    return planted(folder, "extended-no-cause", _set("rectification", 1, special_cause=None))


def test_an_extension_without_special_cause_keeps_the_six_month_flag(folder: Path, extended: Path) -> None:
    where = ("ZZ-WARN-RECTIFY-SIX-MONTHS", cell("rectification", "special_cause", 1))
    assert where not in warning_set(report_of(extended, as_of=D(2026, 11, 30)))  # 6 months end on 11-30
    assert where in warning_set(report_of(extended, as_of=D(2026, 12, 1)))
    with_cause = build(folder / "extended-cause.xlsx", *clean21())
    assert where not in warning_set(report_of(with_cause, as_of=D(2026, 12, 1)))


def test_exempt_people_are_counted_by_situation(folder: Path) -> None:
    from addin.rollup.consolidate import rollup

    path = planted(folder, "exempt-listed", _set("accountability", 0, exempt=True, exempt_situation="改革创新先行先试",
                                                  measure="无", pay_ratio=0.0, term_ratio=0.0))
    result = rollup([path])
    assert not result.rejected, [p.message for i in result.rejected for p in result.problems_of(i) if p.severity == "error"]
    totals = result.totals
    assert totals["免责人数"] == 1 and totals["免责人数_改革创新先行先试"] == 1 and totals["免责人数_其他情形"] == 0


def test_an_influence_end_that_ignores_an_unchecked_sanction_only_warns(folder: Path, clean: Path) -> None:
    """影响期截止日 typed over with the measure's end (诫勉 6 months) while 记过 (12, unchecked) is
    the longer: a warning naming the unchecked entry, never an error."""
    import warnings

    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(clean)
    where = cell("accountability", "influence_end", 0)
    book["责任认定与处理"][where] = dt.datetime(2026, 12, 18)
    book.save(folder / "influence-typed.xlsx")
    report = report_of(folder / "influence-typed.xlsx")
    assert ("ZZ-COMPUTED-MISMATCH", where) not in errors(report)
    assert ("ZZ-RULE-UNCHECKED-COMPUTED", where) in warning_set(report)
    message = next(p.message for p in report.warnings if p.code == "ZZ-RULE-UNCHECKED-COMPUTED" and p.cell == where)
    assert "政务处分法" in message
