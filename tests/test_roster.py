"""The unit roster (addin/rollup/roster.py) and what the command line does with it
(``zhuize rollup --roster``), and ``zhuize validate --notices`` (退回通知)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import openpyxl
import pytest

from addin.rollup.roster import (
    ACCEPTED, CONFLICTING, REFUSED, SUPERSEDED, Outcome, Roster, RosterUnit, load_roster, read_roster,
    save_roster, status_of, unit_statuses,
)
from web_cases import MISTAKE, UNIT_A, UNIT_B, UNIT_C, workbook


def _cli(args: list[str]) -> tuple[int, str, str]:
    from addin.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = main(args)
    finally:
        sys.stdout, sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


def _xlsx(path: Path, rows: list[tuple[object, ...]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_roster_from_xlsx_and_csv_in_its_order(tmp_path: Path) -> None:
    rows = [("层级", "单位名称", "统一社会信用代码"), ("三级", "丙", UNIT_C), ("二级", "乙", UNIT_B.lower()),
            (None, None, None), ("集团本部", "集团", UNIT_A)]
    roster, problems = load_roster(_xlsx(tmp_path / "名单.xlsx", rows))
    assert problems == [] and roster is not None
    assert [(u.name, u.uscc, u.level) for u in roster.units] == [("丙", UNIT_C, "三级及以下企业"), ("乙", UNIT_B, "二级企业"),
                                                                ("集团", UNIT_A, "集团公司")]
    assert sorted(roster.units, key=lambda u: roster.order(u.uscc))[0].name == "集团"  # by 层级 first
    save_roster(roster, tmp_path / "roster.csv")
    again, _ = load_roster(tmp_path / "roster.csv")
    assert again == roster
    gbk = "单位名称,统一社会信用代码,层级\n甲,{},二级\n".format(UNIT_A).encode("gb18030")
    assert read_roster(gbk, "名单.csv")[0] == Roster((RosterUnit("甲", UNIT_A, "二级企业"),))


@pytest.mark.parametrize(("text", "expected", "code"), [
    ("单位名称,层级\n甲,二级\n", "缺少列「统一社会信用代码」", "ZZ-ROSTER-COLUMN"),
    ("", "缺少列「单位名称」", "ZZ-ROSTER-COLUMN"),
    (f"单位名称,统一社会信用代码,层级\n甲,{UNIT_A[:-1]}{'1' if UNIT_A[-1] != '1' else '2'},二级\n", "第 2 行「统一社会信用代码」",
     "ZZ-ROSTER-USCC"),
    (f"单位名称,统一社会信用代码,层级\n甲,{UNIT_A[:17]},二级\n", "应为18位，现为17位", "ZZ-ROSTER-USCC"),
    (f"单位名称,统一社会信用代码,层级\n甲,{UNIT_A},二级\n乙,{UNIT_A},二级\n", "与第 2 行重复", "ZZ-ROSTER-DUPLICATE"),
    (f"单位名称,统一社会信用代码,层级\n甲,{UNIT_A},子公司\n", "层级“子公司”不认识", "ZZ-ROSTER-LEVEL"),
    (f"单位名称,统一社会信用代码,层级\n,{UNIT_A},二级\n", "单位名称未填写", "ZZ-ROSTER-BLANK"),
    ("单位名称,统一社会信用代码,层级\n", "名单中没有任何单位", "ZZ-ROSTER-FILE"),
])
def test_bad_roster_is_refused_whole_in_chinese(text: str, expected: str, code: str) -> None:
    roster, problems = read_roster(text.encode("utf-8"), "名单.csv")
    assert roster is None and any(expected in str(p) and p.code == code for p in problems), [str(p) for p in problems]


def test_not_a_roster_file() -> None:
    assert "应为 .xlsx 或 .csv" in str(read_roster(b"x", "名单.txt")[1][0])
    assert "无法打开" in str(read_roster(b"PK not really", "名单.xlsx")[1][0])


def test_one_status_definition() -> None:
    assert status_of([]) == "未报"
    assert status_of([Outcome("x", "", REFUSED)]) == "退回"
    assert status_of([Outcome("x", "", SUPERSEDED)]) == "退回"  # superseded with nothing current: not in
    assert status_of([Outcome("x", "", CONFLICTING), Outcome("x", "", REFUSED)]) == "冲突"
    assert status_of([Outcome("x", "", REFUSED), Outcome("x", "", ACCEPTED)]) == "已报"
    roster = Roster((RosterUnit("甲", UNIT_A, "二级"), RosterUnit("乙", UNIT_B, "三级")))
    found = unit_statuses([Outcome(UNIT_A, "甲", ACCEPTED), Outcome(UNIT_C, "丙", REFUSED)], roster)
    assert [(u.uscc, u.status, u.listed) for u in found] == [(UNIT_A, "已报", True), (UNIT_B, "未报", True),
                                                             (UNIT_C, "退回", False)]


def test_rollup_with_a_roster_lists_who_did_not_report(tmp_path: Path) -> None:
    books = tmp_path / "in"
    books.mkdir()
    workbook(books / "a.xlsx")
    workbook(books / "b.xlsx", uscc=UNIT_B, unit="示例乙建设有限公司", mistake=True)
    roster = tmp_path / "名单.csv"
    roster.write_text(f"单位名称,统一社会信用代码,层级\n示例能源投资有限公司,{UNIT_A},二级\n"
                      f"示例乙建设有限公司,{UNIT_B},二级\n示例丙贸易有限公司,{UNIT_C},三级\n", encoding="utf-8")
    out = tmp_path / "out"
    code, text, err = _cli(["rollup", str(books), "--out", str(out / "G.xlsx"), "--json", str(out / "s.json"),
                            "--roster", str(roster), "--no-cache"])
    assert code == 1, err  # one file refused
    assert "名单 已报 1，退回 1，冲突 0，未报 1 家单位" in text
    assert f"未报：示例丙贸易有限公司（{UNIT_C}，三级及以下企业）" in text
    summary = json.loads((out / "s.json").read_text(encoding="utf-8"))
    assert summary["units"]["counts"] == {"已报": 1, "退回": 1, "冲突": 0, "未报": 1}
    assert summary["units"]["not_reported"] == [{"unit": "示例丙贸易有限公司", "uscc": UNIT_C, "level": "三级及以下企业"}]
    bad = tmp_path / "坏名单.csv"
    bad.write_text("单位名称,层级\n甲,二级\n", encoding="utf-8")
    code, _, err = _cli(["rollup", str(books), "--out", str(out / "G2.xlsx"), "--roster", str(bad)])
    assert code == 2 and "缺少列「统一社会信用代码」" in err and not (out / "G2.xlsx").exists()


def test_validate_writes_a_notice_per_refused_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from docx import Document

    from addin.returns.identity import UnitIdentity, save_identity
    from addin.problems import CATALOGUE

    home = tmp_path / "home"
    monkeypatch.setenv("ZHUIZE_HOME", str(home))
    save_identity(UnitIdentity(name="某某集团有限公司", preparer="王五", phone="028-12345678"))
    books = tmp_path / "in"
    books.mkdir()
    workbook(books / "a.xlsx")
    workbook(books / "b.xlsx", uscc=UNIT_B, unit="示例乙建设有限公司", mistake=True)
    notices = tmp_path / "通知"
    code, text, err = _cli(["validate", str(books), "--notices", str(notices)])
    assert code == 1, err
    written = sorted(notices.iterdir())
    assert [p.name for p in written] == ["退回通知_示例乙建设有限公司_2026年度.docx"] and "退回通知：" in text
    document = Document(str(written[0]))
    body = "\n".join([p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows
                                                                for c in r.cells])
    sheet, cell, problem = MISTAKE
    assert "示例乙建设有限公司：" in body and f"「{sheet}」{cell}" in body and CATALOGUE[problem].fix in body
    assert "某某集团有限公司" in body and "王五" in body and "前重新报送" in body
    before = written[0].read_bytes()
    code, _, err = _cli(["validate", str(books), "--notices", str(notices)])
    assert code == 2 and "已存在" in err and "--force" in err and written[0].read_bytes() == before
    code, _, _ = _cli(["validate", str(books), "--notices", str(notices), "--force"])
    assert code == 1 and sorted(p.name for p in notices.iterdir()) == [written[0].name]
    # --unit-* sign this run's notices (the configuration stays as it is)
    code, _, err = _cli(["validate", str(books), "--notices", str(notices), "--force",
                         "--unit-name", "另一集团有限公司", "--unit-preparer", "赵六"])
    assert code == 1, err
    signed = Document(str(written[0]))
    body = "\n".join(p.text for p in signed.paragraphs)
    assert "另一集团有限公司" in body and "赵六" in body and "某某集团有限公司" not in body and "028-12345678" in body


def test_notice_deadline_is_five_working_days_on_the_calendar() -> None:
    import datetime as dt

    from addin.documents.rejection import RejectionNotice, deadline_of

    monday = RejectionNotice("甲", UNIT_A, "2026-年度", "a.xlsx", (), dt.date(2026, 11, 23))
    friday = RejectionNotice("甲", UNIT_A, "2026-年度", "a.xlsx", (), dt.date(2026, 11, 27))
    assert deadline_of(monday) == dt.date(2026, 11, 30)
    assert deadline_of(friday) == dt.date(2026, 12, 4)  # the weekend does not count
    national = RejectionNotice("甲", UNIT_A, "2026-年度", "a.xlsx", (), dt.date(2026, 9, 30))
    assert deadline_of(national) > dt.date(2026, 10, 7)  # nor the 国庆 holiday
