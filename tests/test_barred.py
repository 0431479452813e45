"""The group's barred-persons register, the check before an appointment and its log —
on the command line and in the 收报台."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from starlette.testclient import TestClient

from addin.cli import main
from addin.rollup import barred
from addin.rollup.archive import Archive, SubmissionInfo
from addin.rollup.periods import Period
from addin.web.app import create_app
from addin.web.service import Config
from web_cases import UNIT_A, UNIT_B, add_accounts, csrf_of, login, token

D = dt.date
ACTIVE_ID = "110101198001010011"   # 5年 from 2021-01-15, 截止日期 2026-01-15
EXPIRED_ID = "110101197502020022"  # 5年 from 2020-03-01, 截止日期 2025-03-01
LIFE_ID = "11010119700303003X"     # 终身 from 2024-06-30
REVOKED_ID = "110101198504040044"  # 10年, listed in 2025, no longer in 2026: 已撤销
V2_ID = "110101199005050055"       # unit B, standard v2: 7年, 作出决定单位, no stored 截止日期
UNKNOWN_ID = "110101199512120066"  # in no register: asked about, so only ever hashed and masked
ALL_IDS = (ACTIVE_ID, EXPIRED_ID, LIFE_ID, REVOKED_ID, V2_ID, UNKNOWN_ID)


def ban(name: str, number: str, term: str, start: D, end: D | None, doc: str, **extra: Any) -> dict[str, Any]:
    row = {"姓名": name, "身份证号码": number, "原任职单位": "示例销售公司", "原任职务": "副总经理", "禁入期限": term,
           "起始日期": start.isoformat(), "截止日期": end.isoformat() if end else None, "决定文号": doc,
           "关联线索编号": "XS-2024-001"}
    row.update(extra)
    return row


def record(archive: Path, sha: str, uscc: str, unit: str, period: Period, filed: D,
           bans: list[dict[str, Any]], clues: list[dict[str, Any]] | None = None) -> None:
    sheets = {"禁入限制人员": [(i + 2, b) for i, b in enumerate(bans)]}
    if clues is not None:
        sheets["问题线索台账"] = [(i + 2, c) for i, c in enumerate(clues)]
    with Archive(archive) as store:
        assert store.record(SubmissionInfo(sha, uscc, unit, period, filed, f"/in/{sha}.xlsx"), sheets)


def two_periods(archive: Path) -> None:
    """Unit A in 2025 and 2026 (one revocation, one correction), unit B once with v2 columns."""
    first = [
        ban("甲一", ACTIVE_ID, "5年", D(2021, 1, 15), D(2026, 1, 15), "某发〔2021〕1号"),
        ban("乙二", EXPIRED_ID, "5年", D(2020, 3, 1), D(2025, 3, 1), "某发〔2020〕2号"),
        ban("丙三", LIFE_ID, "10年", D(2024, 6, 30), D(2034, 6, 30), "某发〔2024〕3号"),
        ban("丁四", REVOKED_ID, "10年", D(2023, 5, 1), D(2033, 5, 1), "某发〔2023〕4号"),
    ]
    record(archive, "a2025", UNIT_A, "示例甲公司", Period.of(2025, "年度"), D(2026, 1, 10), first)
    second = first[:2] + [ban("丙三", LIFE_ID, "终身", D(2024, 6, 30), None, "某发〔2024〕3号")]  # corrected, 丁四 gone
    record(archive, "a2026", UNIT_A, "示例甲公司", Period.of(2026, "年度"), D(2026, 11, 20), second)
    record(archive, "b2026", UNIT_B, "示例乙公司", Period.of(2026, "年度"), D(2026, 11, 21),
           [ban("戊五", V2_ID, "7年", D(2022, 8, 31), None, "某发〔2022〕5号", 作出决定单位="某市国资委",
                违规事实="违规决策造成重大资产损失")])


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "archive.sqlite"
    two_periods(path)
    return path


def test_register_consolidates_two_periods_with_a_revocation_and_a_correction(archive: Path) -> None:
    current = {e.id_number: e for e in barred.register(archive)}
    assert set(current) == {ACTIVE_ID, EXPIRED_ID, LIFE_ID, V2_ID}  # 丁四 revoked by the 2026 submission
    assert current[LIFE_ID].term == "终身" and current[LIFE_ID].end is None and current[LIFE_ID].period == "2026-年度"
    assert current[ACTIVE_ID].unit == "示例甲公司" and current[ACTIVE_ID].deciding_unit == "示例甲公司"  # v1: the unit
    v2 = current[V2_ID]
    assert (v2.term, v2.end, v2.deciding_unit, v2.facts) == ("7年", D(2029, 8, 31), "某市国资委", "违规决策造成重大资产损失")
    history = [(e.id_number, e.status, e.term) for e in barred.register(archive, history=True) if e.status != "有效"]
    assert sorted(history) == sorted([(REVOKED_ID, "已撤销", "10年"), (LIFE_ID, "已更正", "10年")])
    assert [e.id_number for e in barred.active(archive, D(2026, 1, 1))].count(REVOKED_ID) == 0


@pytest.mark.parametrize(("number", "day", "answer"), [
    (ACTIVE_ID, D(2021, 1, 14), "未查到"), (ACTIVE_ID, D(2021, 1, 15), "在禁入期内"),
    (ACTIVE_ID, D(2026, 1, 15), "在禁入期内"), (ACTIVE_ID, D(2026, 1, 16), "未查到"),
    (EXPIRED_ID, D(2025, 3, 1), "在禁入期内"), (EXPIRED_ID, D(2025, 3, 2), "未查到"),
    (LIFE_ID, D(2024, 6, 29), "未查到"), (LIFE_ID, D(2024, 6, 30), "在禁入期内"), (LIFE_ID, D(2099, 12, 31), "在禁入期内"),
    (REVOKED_ID, D(2026, 1, 1), "未查到"),
    (V2_ID, D(2029, 8, 31), "在禁入期内"), (V2_ID, D(2029, 9, 1), "未查到"),
])
def test_check_at_the_boundaries(archive: Path, number: str, day: D, answer: str) -> None:
    result = barred.check(archive, number, "拟任董事", "tester", as_of=day)
    assert result.answer == answer
    assert result.masked == number[:4] + "*" * 10 + number[-4:]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_check_and_log(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "barred", "check", LIFE_ID.lower(), "--purpose", "拟任子公司董事", "--as-of", "2026-11-30",
                       "--archive", str(archive))
    assert code == 0
    assert "在禁入期内" in out and "禁入期限 终身" in out and "截止日期 终身" in out and "某发〔2024〕3号" in out
    code, out, _ = run(capsys, "barred", "check", ACTIVE_ID, "--purpose", "拟任监事", "--as-of", "2026-01-16",
                       "--archive", str(archive))
    assert code == 0 and "未查到" in out
    code, out, _ = run(capsys, "barred", "check", ACTIVE_ID, "--purpose", "拟任监事", "--as-of", "2026-01-15",
                       "--archive", str(archive))
    assert "在禁入期内" in out and "截止日期 2026-01-15" in out and "某发〔2021〕1号" in out
    code, _, err = run(capsys, "barred", "check", "12345", "--purpose", "x", "--archive", str(archive))
    assert code == 2 and "18位" in err
    code, _, err = run(capsys, "barred", "check", ACTIVE_ID, "--purpose", "  ", "--archive", str(archive))
    assert code == 2 and "用途" in err
    code, out, _ = run(capsys, "barred", "log", "--archive", str(archive))
    lines = out.strip().splitlines()[1:]
    assert len(lines) == 3  # the refused ones are not answers and not logged
    assert lines[0].split("\t")[3:7] == ["拟任子公司董事", "1101**********003X", "2026-11-30", "在禁入期内"]
    assert lines[1].split("\t")[6] == "未查到"
    for number in ALL_IDS:
        assert number not in out and number.lower() not in out
    code, _, err = run(capsys, "barred", "check", ACTIVE_ID, "--purpose", "x", "--archive", str(archive.parent / "no.db"))
    assert code == 2 and "找不到归档库" in err


def written_forms(number: str) -> list[bytes]:
    """The ID as it may be written: plain, lower-case x, spaced, 17 leading digits, UTF-16,
    full-width, and unkeyed hashes of it (reversible by trying every birth date)."""
    forms = {number, number.lower(), number[:17], f"{number[:6]} {number[6:14]} {number[14:]}"}
    encoded = [f.encode("utf-8") for f in forms] + [number.encode("utf-16-le"), number.encode("utf-16-be")]
    encoded.append(number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")).encode("utf-8"))
    for digest in (hashlib.sha256, hashlib.md5, hashlib.sha1):
        encoded.append(digest(number.encode()).hexdigest().encode())
    return encoded


def everything_in(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_the_log_holds_only_a_keyed_hash_and_a_mask(archive: Path, tmp_path: Path) -> None:
    for number in ALL_IDS:
        barred.check(archive, number, "拟任高级管理人员", "tester", as_of=D(2026, 12, 1))
    barred.check(archive, UNKNOWN_ID, f"核对 {UNKNOWN_ID.lower()} 的任职资格", "tester")  # an ID typed into the purpose
    assert barred.query_log(archive)[-1]["purpose"] == "核对 1101**********0066 的任职资格"
    assert barred.queries_of(archive, UNKNOWN_ID) == 2 and barred.queries_of(archive, ACTIVE_ID) == 1
    key = barred.key_path()
    assert key.is_file() and key.parent != archive.parent and oct(key.stat().st_mode & 0o777) == "0o600"
    import sqlite3

    db = sqlite3.connect(archive)
    logged = repr(db.execute("SELECT * FROM barred_queries").fetchall()).encode("utf-8")
    db.close()
    assert len(re.findall(rb"\*{10}", logged)) == len(ALL_IDS) + 2
    for number in ALL_IDS:
        for form in written_forms(number):
            assert form not in logged, (number, form)
    # the archive keeps the register's own rows, but an ID asked about and in no register is nowhere
    for form in written_forms(UNKNOWN_ID):
        assert form not in everything_in(archive.parent), form
    # a fresh key gives other hashes: the stored one is keyed
    key.unlink()
    assert barred.queries_of(archive, UNKNOWN_ID) == 0


# -- the 收报台 ---------------------------------------------------------------------------------


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    data = tmp_path / "data"
    app = create_app(Config(data=data))
    add_accounts(app.state.service)
    two_periods(app.state.service.store.archive)
    with TestClient(app) as client:
        yield client, data


def test_group_user_gets_the_entry_and_a_unit_user_only_yes_no_and_the_end_date(web: tuple[TestClient, Path]) -> None:
    client, data = web
    group = client.get("/api/barred", params={"id": LIFE_ID, "purpose": "拟任董事", "as_of": "2026-11-30"},
                       headers=token(client, "hq"))
    assert group.status_code == 200
    assert group.json()["answer"] == "在禁入期内" and group.json()["term"] == "终身"
    assert group.json()["decision_no"] == "某发〔2024〕3号" and group.json()["end_date"] == "终身"
    unit_headers = token(client, "unit-b")
    asked = client.get("/api/barred", params={"id": ACTIVE_ID, "purpose": "拟任监事", "as_of": "2026-01-15"},
                       headers=unit_headers)
    assert asked.json() == {"answer": "在禁入期内", "barred": True, "id_masked": "1101**********0011",
                            "as_of": "2026-01-15", "end_date": "2026-01-15", "purpose": "拟任监事",
                            "text": "1101**********0011：在禁入期内（截止日期 2026-01-15）"}
    missing = client.get("/api/barred", params={"id": UNKNOWN_ID, "purpose": f"拟任监事{UNKNOWN_ID}"}, headers=unit_headers)
    assert missing.json()["answer"] == "未查到" and missing.json()["end_date"] is None
    assert client.get("/api/barred", params={"id": ACTIVE_ID}, headers=unit_headers).status_code == 400
    assert client.get("/api/barred", params={"id": ACTIVE_ID, "purpose": "x"}).status_code == 401
    # the page: the unit sees its answer, no other entry and no log
    login(client, "unit-a")
    page = client.get("/barred")
    assert page.status_code == 200 and "barred-log" not in page.text
    answer = client.post("/barred", data={"csrf": csrf_of(page.text), "id": EXPIRED_ID, "purpose": "拟任经理",
                                          "as_of": "2025-03-01"})
    assert "在禁入期内" in answer.text and "截止日期 2025-03-01" in answer.text
    for other in ("某发", "甲一", "乙二", "丙三", "戊五", "示例甲公司", "示例乙公司", "5年", "终身", "1101**********"
                  "003X", "拟任董事"):
        assert other not in answer.text, other
    refused = client.post("/barred", data={"id": EXPIRED_ID, "purpose": "x"})
    assert refused.status_code == 403  # no CSRF token
    assert client.get("/reports/periodic?period=2026-年度").status_code == 403
    # 集团 sees the whole log, every query from both channels
    client.post("/logout", data={"csrf": csrf_of(page.text)})
    login(client, "hq")
    listing = client.get("/barred").text
    assert listing.count("<tr><td>") == 4 and "拟任经理" in listing and "收报台" in listing
    audit = client.get("/audit").text
    assert audit.count("<td>禁入查询</td>") == 4 and "1101**********0066" in audit
    client.get("/api/barred", params={"id": V2_ID, "purpose": "p"}, headers=token(client, "hq"))
    stored = everything_in(data)
    for form in written_forms(UNKNOWN_ID):
        assert form not in stored, form
    import sqlite3

    db = sqlite3.connect(data / "web.sqlite")
    web_rows = repr(db.execute("SELECT * FROM audit").fetchall()).encode("utf-8")
    db.close()
    for number in ALL_IDS:
        for form in written_forms(number):
            assert form not in web_rows, (number, form)


def test_group_downloads_the_periodic_draft(web: tuple[TestClient, Path]) -> None:
    client, _ = web
    headers = token(client, "hq")
    answer = client.get("/api/reports/periodic", params={"period": "2026-年度"}, headers=headers)
    assert answer.status_code == 200 and answer.content[:2] == b"PK"
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(answer.content)).paragraphs)
    assert "禁入限制人员信息录入、查询、使用情况" in text and "纳入本次报告的单位共2家" in text
    assert client.get("/api/reports/periodic", params={"period": "2024-年度"}, headers=headers).status_code == 404
    assert client.get("/api/reports/periodic", params={"period": "2026-年度"},
                      headers=token(client, "unit-a")).status_code == 403


def test_an_archive_path_with_uri_characters(tmp_path: Path) -> None:
    path = tmp_path / "归档 #1 %20" / "archive.sqlite"
    two_periods(path)
    assert len(barred.register(path)) == 4
    assert barred.check(path, LIFE_ID, "拟任董事", "tester", as_of=D(2030, 1, 1)).answer == "在禁入期内"


def test_cli_check_reads_the_number_from_standard_input(archive: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Given as - or not at all, the number comes from standard input and never sits in argv
    (a shell's history); an empty input is a usage error, not a query."""
    for argv in (["-"], []):
        monkeypatch.setattr("sys.stdin", io.StringIO(LIFE_ID + "\n"))
        code, out, _ = run(capsys, "barred", "check", *argv, "--purpose", "拟任董事", "--as-of", "2026-11-30",
                           "--archive", str(archive))
        assert code == 0 and "在禁入期内" in out and LIFE_ID not in out
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run(capsys, "barred", "check", "--purpose", "拟任董事", "--archive", str(archive))
    assert code == 2 and "没有读到身份证号码" in err
    code, out, _ = run(capsys, "barred", "log", "--archive", str(archive))
    assert len(out.strip().splitlines()[1:]) == 2  # the two answers; the empty input was not logged
