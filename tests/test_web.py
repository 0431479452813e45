"""收报台 over HTTP (Starlette's test client): every page and API call, the roles, the
session and CSRF rules, the upload cap, hostile files, and supersession as the roll-up decides."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest
from starlette.testclient import TestClient

from addin.web.app import create_app
from addin.web.service import Config
from web_cases import (
    MISTAKE, PASSWORDS, UNIT_A, UNIT_B, UNIT_C, add_accounts, csrf_of, login, token, workbook,
)
from test_validate_hostile import corpus  # noqa: F401 - the hostile-file corpus, as a fixture

D = dt.date


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("books")
    return {
        "a_bad": workbook(folder / "a_bad.xlsx", mistake=True),
        "a_good": workbook(folder / "a_good.xlsx"),
        "a_older": workbook(folder / "a_older.xlsx", report_date=D(2026, 11, 10)),
        "a_later": workbook(folder / "a_later.xlsx", report_date=D(2026, 11, 25)),
        "a_tie": workbook(folder / "a_tie.xlsx", report_date=D(2026, 11, 25), unit="示例能源投资有限公司（重报）"),
        "b_good": workbook(folder / "b_good.xlsx", uscc=UNIT_B, unit="示例乙建设有限公司"),
        "b_bad": workbook(folder / "b_bad.xlsx", uscc=UNIT_B, unit="示例乙建设有限公司", mistake=True),
    }


def make_client(data: Path, **config: Any) -> TestClient:
    app = create_app(Config(data=data, **config))
    add_accounts(app.state.service)
    return TestClient(app)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path / "zz-data-folder") as c:  # a name no page may show
        yield c


def upload(client: TestClient, headers: dict[str, str], path: Path, name: str | None = None) -> Any:
    with path.open("rb") as handle:
        return client.post("/api/submissions", files={"file": (name or path.name, handle)}, headers=headers)


# -- signing in, sessions, CSRF ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/upload", "/dashboard", "/functions", "/templates", "/audit",
                                  "/submissions/" + "0" * 64, "/rollup/1", "/downloads/group", "/roster",
                                  "/roster/download", "/settings", "/submissions/" + "0" * 64 + "/notice"])
def test_no_session_goes_to_login(client: TestClient, path: str) -> None:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")
    page = client.get(path)
    assert page.url.path == "/login" and "登录收报台" in page.text


def test_login_sets_a_signed_httponly_samesite_cookie(client: TestClient) -> None:
    login(client, "unit-a")
    cookie = next(c for c in client.cookies.jar if c.name == "zhuize_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite").lower() == "lax"
    assert cookie.value.count(".") == 2  # itsdangerous: value.timestamp.signature
    assert client.get("/upload").status_code == 200
    value, stamp, signature = cookie.value.split(".")
    forged = ("B" if signature[0] == "A" else "A") + signature[1:]  # the first character: all its bits count
    client.cookies.set("zhuize_session", f"{value}.{stamp}.{forged}")  # a forged signature
    assert client.get("/upload", follow_redirects=False).status_code == 303


def test_wrong_password_then_throttled(client: TestClient) -> None:
    page = client.get("/login")
    for _ in range(5):
        wrong = client.post("/login", data={"csrf": csrf_of(page.text), "name": "unit-a", "password": "wrong-pass"})
        assert wrong.status_code == 401 and "账户名或密码不正确" in wrong.text
        page = wrong
    right = client.post("/login", data={"csrf": csrf_of(page.text), "name": "unit-a",
                                        "password": PASSWORDS["unit-a"]}, follow_redirects=False)
    assert right.status_code == 429 and "登录失败次数过多" in right.text
    api = client.post("/api/token", json={"name": "unit-a", "password": PASSWORDS["unit-a"]})
    assert api.status_code == 429
    assert client.post("/api/token", json={"name": "unit-b", "password": PASSWORDS["unit-b"]}).status_code == 200


def test_forms_without_their_csrf_token_are_refused(client: TestClient, books: dict[str, Path]) -> None:
    page = client.get("/login")
    refused = client.post("/login", data={"name": "hq", "password": PASSWORDS["hq"]})
    assert refused.status_code == 403 and "校验码" in refused.text
    assert csrf_of(page.text)
    login(client, "hq")
    with books["a_good"].open("rb") as handle:
        answer = client.post("/upload", files={"file": ("a.xlsx", handle)}, data={"csrf": "forged"})
    assert answer.status_code == 403 and "校验码" in answer.text
    assert client.post("/rollup", data={"period": "2026-年度"}).status_code == 403
    assert client.post("/functions", data={"name": "ZZ_LOSS_GRADE", "arg0": "100"}).status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/dashboard").status_code == 200  # still signed in: nothing was done
    with client.app.state.service.store._db() as db:  # type: ignore[attr-defined]
        assert db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0
    log = [e["action"] for e in client.app.state.service.store.audit_entries()]  # type: ignore[attr-defined]
    assert log.count("拒绝无校验码的表单") == 4


@pytest.mark.parametrize(("given", "safe"), [("/upload", "/upload"), ("//evil.example/x", "/"),
                                             ("/\t/evil.example", "/"), ("https://evil.example/", "/"),
                                             ("/\\evil.example", "/")])
def test_login_goes_back_only_inside_the_site(given: str, safe: str) -> None:
    from addin.web.auth import safe_next

    assert safe_next(given) == safe


def test_no_id_number_in_the_audit_log(client: TestClient) -> None:
    login(client, "hq")
    page = client.get("/functions", params={"name": "ZZ_ID_VALID"})
    number = "11010519491231002X"
    answer = client.post("/functions", data={"csrf": csrf_of(page.text), "name": "ZZ_ID_VALID", "arg0": number})
    assert "TRUE" in answer.text
    entries = list(client.app.state.service.store.audit_entries())  # type: ignore[attr-defined]
    assert entries[0]["detail"] == "ZZ_ID_VALID" and not any(number in json.dumps(e) for e in entries)


def test_logout_ends_the_session(client: TestClient) -> None:
    login(client, "unit-a")
    page = client.get("/upload")
    assert client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False).status_code == 303
    assert client.get("/upload", follow_redirects=False).status_code == 303


def test_security_headers_and_no_outside_sources(client: TestClient) -> None:
    login(client, "hq")
    for path in ("/login", "/dashboard", "/functions", "/templates", "/upload"):
        page = client.get(path)
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        assert not re.search(r'(src|href)="(https?:)?//', page.text), path
    assert client.get("/static/style.css").status_code == 200


def test_forwarded_headers_are_ignored_by_the_app(client: TestClient) -> None:
    answer = client.post("/api/token", json={"name": "hq", "password": PASSWORDS["hq"]},
                         headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert answer.status_code == 200
    entry = next(client.app.state.service.store.audit_entries())  # type: ignore[attr-defined]
    assert entry["action"] == "取得令牌" and entry["ip"] == "testclient"


# -- the API: tokens, roles -----------------------------------------------------------------------------


def test_api_needs_a_bearer_token(client: TestClient) -> None:
    for method, path in (("GET", "/api/submissions"), ("POST", "/api/submissions"), ("POST", "/api/rollup"),
                         ("GET", "/api/returns/group"), ("GET", f"/api/submissions/{'0' * 64}/file")):
        answer = client.request(method, path)
        assert answer.status_code == 401, path
        assert answer.headers["www-authenticate"] == "Bearer" and "Bearer" in answer.json()["error"]
        forged = client.request(method, path, headers={"Authorization": "Bearer not-a-token"})
        assert forged.status_code == 401 and "令牌无效" in forged.json()["error"]
    wrong = client.post("/api/token", json={"name": "hq", "password": "nope"})
    assert wrong.status_code == 401 and "密码不正确" in wrong.json()["error"]
    assert client.post("/api/token", content=b"[1", headers={"content-type": "application/json"}).status_code == 400


def test_a_unit_may_not_roll_up_or_fetch_returns(client: TestClient) -> None:
    unit = token(client, "unit-a")
    assert client.post("/api/rollup", headers=unit).status_code == 403
    for kind in ("group", "sasac", "summary"):
        answer = client.get(f"/api/returns/{kind}", headers=unit)
        assert answer.status_code == 403 and "集团" in answer.json()["error"]
    login(client, "unit-a")
    assert client.get("/dashboard").status_code == 403
    assert client.get("/audit").status_code == 403


def test_disabled_account_loses_its_token(client: TestClient) -> None:
    unit = token(client, "unit-a")
    assert client.get("/api/submissions", headers=unit).status_code == 200
    client.app.state.service.store.set_disabled("unit-a", True)  # type: ignore[attr-defined]
    assert client.get("/api/submissions", headers=unit).status_code == 401


# -- uploads ---------------------------------------------------------------------------------------------


def test_upload_findings_and_units_apart(client: TestClient, books: dict[str, Path]) -> None:
    a, b = token(client, "unit-a"), token(client, "unit-b")
    bad = upload(client, a, books["a_bad"]).json()
    assert set(bad) >= {"sha256", "status", "unit", "uscc", "period", "errors", "warnings"}
    assert (bad["status"], bad["uscc"], bad["period"], bad["current"]) == ("invalid", UNIT_A, "2026-年度", False)
    sheet, cell, code = MISTAKE
    planted = [e for e in bad["errors"] if e["code"] == code]
    assert [(e["sheet"], e["cell"], e["row"], e["column"]) for e in planted] == [(sheet, cell, 2, "损失金额（万元）")]
    assert "120" in planted[0]["message"] and set(planted[0]) == {"code", "sheet", "cell", "row", "column", "message"}

    other = upload(client, a, books["b_good"])
    assert other.status_code == 403 and UNIT_B in other.json()["error"] and "本单位" in other.json()["error"]
    b_bad = upload(client, b, books["b_bad"]).json()
    assert b_bad["status"] == "invalid"

    for suffix in ("file", "annotated"):
        assert client.get(f"/api/submissions/{b_bad['sha256']}/{suffix}", headers=a).status_code == 404
    annotated = client.get(f"/api/submissions/{bad['sha256']}/annotated", headers=a)
    assert annotated.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(annotated.content))
    assert book.sheetnames[0] == "校验结果"
    assert code in (book[sheet][cell].comment.text if book[sheet][cell].comment else "")
    original = client.get(f"/api/submissions/{bad['sha256']}/file", headers=a)
    assert original.content == books["a_bad"].read_bytes()

    good = upload(client, a, books["a_good"]).json()
    assert (good["status"], good["errors"], good["current"]) == ("valid", [], True)
    assert client.get(f"/api/submissions/{good['sha256']}/annotated", headers=a).status_code == 404
    mine = client.get("/api/submissions", headers=a).json()
    assert [(s["sha256"], s["status"], s["current"]) for s in mine] == [
        (good["sha256"], "valid", True), (bad["sha256"], "invalid", False)]
    assert set(mine[0]) == {"sha256", "unit", "uscc", "period", "status", "uploaded_at", "current"}
    everything = client.get("/api/submissions", headers=token(client, "hq")).json()
    assert {s["uscc"] for s in everything} == {UNIT_A, UNIT_B} and len(everything) == 3

    login(client, "unit-a")  # the same rules on the pages
    assert client.get(f"/submissions/{b_bad['sha256']}").status_code == 404
    assert client.get(f"/submissions/{b_bad['sha256']}/annotated").status_code == 404
    page = client.get(f"/submissions/{bad['sha256']}")
    assert page.status_code == 200 and "退回" in page.text
    row = re.search(r"<tr><td>资产损失认定</td><td class=\"cell\">(\w+)</td>", page.text)
    assert row and row.group(1) == cell
    listing = client.get("/upload")
    assert listing.text.count("/submissions/") >= 2 and "当前报表" in listing.text and UNIT_B not in listing.text


def test_upload_page_form_and_duplicate(client: TestClient, books: dict[str, Path]) -> None:
    login(client, "unit-a")
    page = client.get("/upload")
    with books["a_bad"].open("rb") as handle:
        answer = client.post("/upload", files={"file": ("../../etc/passwd.xlsx", handle)},
                             data={"csrf": csrf_of(page.text), "period": "2025-年度"})
    assert answer.status_code == 200 and answer.url.path.startswith("/submissions/")
    assert "退回" in answer.text and "2025-年度" in answer.text and "以工作簿为准" in answer.text
    data = client.app.state.service.config.data  # type: ignore[attr-defined]
    names = {p.name for p in data.rglob("*") if p.is_file()}
    assert "passwd.xlsx" not in names and not any("passwd" in n for n in names)
    stored = list((data / "blobs").rglob("*.xlsx"))
    assert [p.stem for p in stored] == [answer.url.path.split("/")[-1]]
    assert stored[0].read_bytes() == books["a_bad"].read_bytes() and not stored[0].stat().st_mode & 0o222
    again = upload(client, token(client, "unit-a"), books["a_bad"])
    assert again.status_code == 200 and again.json()["sha256"] == stored[0].stem
    assert client.app.state.service.store.count_submissions() == 1  # type: ignore[attr-defined]
    assert not list((data / "incoming").iterdir())


def test_oversized_upload_is_refused_in_chinese(tmp_path: Path, books: dict[str, Path]) -> None:
    with make_client(tmp_path / "data", max_upload=64 * 1024) as small:
        padding = books["a_good"].read_bytes() + b"\0" * (400 * 1024)  # over the cap and its envelope
        answer = small.post("/api/submissions", files={"file": ("a.xlsx", padding)}, headers=token(small, "unit-a"))
        assert answer.status_code == 413 and "超过上传上限 0.0625 MB" in answer.json()["error"]
        just_over = small.post("/api/submissions", files={"file": ("a.xlsx", b"x" * (64 * 1024 + 1))},
                               headers=token(small, "unit-a"))
        assert just_over.status_code == 413 and "未接收" in just_over.json()["error"]
        login(small, "unit-a")
        page = small.get("/upload")
        form = small.post("/upload", files={"file": ("a.xlsx", padding)}, data={"csrf": csrf_of(page.text)})
        assert form.status_code == 413 and "文件过大" in form.text and "未接收" in form.text
        assert small.app.state.service.store.count_submissions() == 0  # type: ignore[attr-defined]
        assert small.get("/upload").status_code == 200


def test_every_hostile_file_is_unreadable_and_the_server_goes_on(
        client: TestClient, corpus: tuple[Path, dict[str, tuple[str, str]], Path]) -> None:  # noqa: F811
    folder, expected, secret = corpus
    hq = token(client, "hq")
    for name, (status, code) in sorted(expected.items()):
        answer = upload(client, hq, folder / name)
        assert answer.status_code == 200, name
        verdict = answer.json()
        got_code = verdict["errors"][0]["code"] if verdict["status"] == "unreadable" else ""
        assert (verdict["status"], got_code) == (status, code), name
        assert secret.read_text(encoding="utf-8") not in answer.text
        assert client.get("/api/submissions", headers=hq).status_code == 200  # the next request succeeds
    listed = client.get("/api/submissions", headers=hq).json()
    assert len(listed) == len(expected)
    assert sum(s["status"] == "unreadable" for s in listed) == len(expected) - 1


def test_a_check_that_dies_is_unreadable(tmp_path: Path, books: dict[str, Path]) -> None:
    with make_client(tmp_path / "data", memory_cap=64 * 1024 * 1024, time_cap=3) as starved:
        verdict = upload(starved, token(starved, "unit-a"), books["a_good"]).json()
        assert verdict["status"] == "unreadable"
        assert re.search("内存|异常退出|秒仍未完成", verdict["errors"][0]["message"])
        assert starved.get("/api/submissions", headers=token(starved, "hq")).status_code == 200


# -- supersession and roll-up -----------------------------------------------------------------------------


def test_resubmission_supersedes_as_the_rollup_decides(client: TestClient, books: dict[str, Path]) -> None:
    a, hq = token(client, "unit-a"), token(client, "hq")
    first = upload(client, a, books["a_good"]).json()  # 填报日期 11-20
    older = upload(client, a, books["a_older"]).json()  # uploaded later, but dated 11-10
    assert (first["current"], older["current"]) == (True, False)
    later = upload(client, a, books["a_later"]).json()  # 11-25: now this one counts
    assert later["current"] is True
    listed = {s["sha256"]: s["current"] for s in client.get("/api/submissions", headers=a).json()}
    assert listed == {first["sha256"]: False, older["sha256"]: False, later["sha256"]: True}
    upload(client, token(client, "unit-b"), books["b_good"])

    summary = client.post("/api/rollup", headers=hq, json={"period": "2026-年度"})
    assert summary.status_code == 200, summary.text
    result = summary.json()
    by_path = {Path(e["path"]).stem: e for e in result["accepted"]}
    assert set(by_path) == {later["sha256"], upload(client, hq, books["b_good"]).json()["sha256"]}
    assert {Path(e["path"]).stem for e in result["superseded"]} == {first["sha256"], older["sha256"]}
    assert {Path(e["by"]).stem for e in result["superseded"]} == {later["sha256"]}
    assert result["reconciliation"]["balanced"] is True
    assert result["period"] == "2026-年度" and result["indicators"]["线索总数"] == 8

    # an equal 填报日期 is a conflict in the roll-up: then neither counts, here as there
    tie = upload(client, a, books["a_tie"]).json()
    assert tie["current"] is False
    listed = {s["sha256"]: s["current"] for s in client.get("/api/submissions", headers=a).json()}
    assert not any(listed.values())
    again = client.post("/api/rollup", headers=hq).json()
    assert UNIT_A not in {e["uscc"] for e in again["accepted"]}
    assert {Path(e["path"]).stem for e in again["rejected"]} == {later["sha256"], tie["sha256"]}


UNIT_D = "91110000MA01ABCD0X"
"""On the roster, no account, never uploads (its check character is made right below)."""


def _roster_text() -> str:
    from udfs.identity import uscc_check_char

    d = UNIT_D[:17] + uscc_check_char(UNIT_D[:17])
    return ("单位名称,统一社会信用代码,层级\n"
            f"示例能源投资有限公司,{UNIT_A},二级\n示例乙建设有限公司,{UNIT_B},二级\n"
            f"示例丙贸易有限公司,{UNIT_C},三级\n示例丁物流有限公司,{d},三级\n")


def _visible(html: str) -> str:
    """What a reader sees: the text, without tags, scripts or inline pictures."""
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _no_server_path(client: TestClient, html: str, where: str) -> None:
    data = client.app.state.service.config.data  # type: ignore[attr-defined]
    for text in (str(data), data.name, "blobs/", "rollups/", ".xlsx\u00a0→"):
        assert text not in html, (where, text)
    found = re.search(r"(?:^|[\s：:（(=\"'])/(?:[\w.-]+/)+[\w.-]+\.(?:xlsx|json|sqlite|zip|docx)", html)
    assert not found, (where, found.group(0) if found else "")
    assert not re.search(r"(?:^|\s)/(?:tmp|home|var|srv|data)/", _visible(html)), where


def _counts(text: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"(已报|退回|未报|冲突) (\d+)", text)}


def test_dashboard_rollup_progress_and_downloads(client: TestClient, books: dict[str, Path]) -> None:
    from addin.plumbing import palette

    upload(client, token(client, "unit-a"), books["a_good"])
    bad = upload(client, token(client, "unit-b"), books["b_bad"]).json()
    login(client, "hq")
    page = client.get("/roster")
    answer = client.post("/roster", data={"csrf": csrf_of(page.text), "action": "upload"},
                         files={"file": ("名单.csv", _roster_text().encode("utf-8"))})
    assert answer.status_code == 200 and "示例丁物流有限公司" in answer.text
    page = client.get("/settings")
    client.post("/settings", data={"csrf": csrf_of(page.text), "name": "某某集团有限公司", "phone": "028-12345678"})
    page = client.get("/dashboard")
    units = {m.group(1): m.group(2) for m in re.finditer(
        r"<tr class=\"status-\S+\"><td>[^<]*</td><td>(\w+)</td><td>[^<]*</td><td class=\"status\">(\S+)</td>", page.text)}
    d = _roster_text().splitlines()[-1].split(",")[1]
    assert units == {UNIT_A: "已报", UNIT_B: "退回", UNIT_C: "未报", d: "未报"}
    assert re.search(r"id=\"counts\">已报 1 · 退回 1 · 未报 2", page.text)
    assert client.get("/downloads/group").status_code == 404  # nothing rolled up yet
    started = client.post("/rollup", data={"csrf": csrf_of(page.text), "period": "2026-年度"}, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"].startswith("/rollup/")
    job = client.app.state.service.jobs[int(started.headers["location"].rsplit("/", 1)[1])]  # type: ignore[attr-defined]
    assert job.finished.wait(300) and job.state == "done", job.message
    done = client.get(started.headers["location"])
    assert done.url.path == "/dashboard" and "<svg" in done.text and "损失金额（按损失等级）" in done.text
    assert "对账" in done.text and "线索总数" not in done.text  # the catalogue's label, never the key

    # one definition: the status table, the roll-up box and the summary JSON count alike
    hq = token(client, "hq")
    summary = client.get("/api/returns/summary", headers=hq).json()
    table = _counts(re.search(r'id="counts">([^<]*)', done.text).group(1))
    box = _counts(re.search(r'id="rollup-counts">([^<]*)', done.text).group(1))
    assert table == box == {k: v for k, v in summary["units"]["counts"].items() if v or k != "冲突"}
    assert table == {"已报": 1, "退回": 1, "未报": 2}
    assert {u["uscc"] for u in summary["units"]["not_reported"]} == {UNIT_C, d}
    assert [e["sha256"] for e in summary["rejected"]] == [bad["sha256"]]  # refused at upload, counted here
    assert re.search(r'id="not-reported"><strong>未报：</strong>示例丙贸易有限公司、示例丁物流有限公司', done.text)
    assert "资产损失认定 C2" in done.text and "/notice" in done.text

    # values as the returns show them: percentages, 万元; charts in the category's colour
    from addin.rollup.indicators import INDICATOR_KEYS, indicator

    table_html = done.text.split('id="indicators"')[1].split("</table>")[0]
    shown = {indicator(k).key: v for label, v in re.findall(r"<tr><th>([^<]+)</th><td>([^<]+)</td></tr>", table_html)
             for k in INDICATOR_KEYS if indicator(k).label == label}
    assert re.fullmatch(r"\d+\.\d\d%", shown["整改率"]) and not shown["整改率"].startswith("0.")
    assert shown["损失金额_重大"].endswith(" 万元") and re.search(r"\.\d\d 万元$", shown["已挽回金额"])
    assert shown["线索总数"] == "4 条" and shown["追责人数"].endswith(" 人")  # unit A alone: B was refused
    assert not any("_" in label for label in re.findall(r"<th>([^<]*)</th>", done.text))  # no key-style name
    everything = done.text.split('id="all-indicators"')[1].split("</table>")[0]
    assert "一、问题线索" in everything and indicator("提醒_未说明").label in everything
    for category in ("重大", "未整改"):
        bar = re.search(rf"<title>{category}</title>{category}</text><rect [^>]*fill=\"([^\"]+)\"", done.text)
        assert bar and bar.group(1) == palette.WARNING == palette.colour(category)
    assert palette.colour("一般") != palette.WARNING and palette.colour("整改完毕") != palette.WARNING

    # no server path on any page
    for path in ("/dashboard", f"/submissions/{bad['sha256']}", "/roster", "/settings", "/audit", "/upload", "/barred",
                 "/functions", "/templates",
                 started.headers["location"]):
        _no_server_path(client, client.get(path).text, path)

    group = client.get("/downloads/group")
    assert group.status_code == 200 and "filename*=utf-8''" in group.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(group.content))
    assert "汇总" in book.sheetnames and "问题线索台账" in book.sheetnames
    import zipfile

    with zipfile.ZipFile(io.BytesIO(group.content)) as package:
        charts = [package.read(n).decode() for n in package.namelist() if n.startswith("xl/charts/chart")]
    loss = next(c for c in charts if "资产损失金额" in c)
    fills = re.findall(r"<c:dPt>.*?<a:srgbClr val=\"(\w+)\"", loss, flags=re.S)
    assert fills == [palette.colour(g).lstrip("#") for g in ("一般", "较大", "重大")]
    assert [e["uscc"] for e in summary["accepted"]] == [UNIT_A]
    sasac = openpyxl.load_workbook(io.BytesIO(client.get("/api/returns/sasac", headers=hq).content))
    assert any("某某集团有限公司" in str(c.value) for ws in sasac.worksheets for row in ws.iter_rows() for c in row
               if c.value)  # the 收报台's identity is the return's 填报单位
    assert client.get("/downloads/letters").content[:2] == b"PK"
    assert client.get("/api/returns/nonsense", headers=hq).status_code == 404
    import sqlite3

    with sqlite3.connect(client.app.state.service.store.archive) as db:  # type: ignore[attr-defined]
        assert db.execute("SELECT uscc FROM submissions").fetchall() == [(UNIT_A,)]

    # the 退回通知 of B's refused upload: to the unit, the cell, the fix, signed with the identity
    from docx import Document

    notice = client.get(f"/submissions/{bad['sha256']}/notice")
    assert notice.status_code == 200 and notice.content[:2] == b"PK"
    text = "\n".join([p.text for p in Document(io.BytesIO(notice.content)).paragraphs] + [
        c.text for t in Document(io.BytesIO(notice.content)).tables for r in t.rows for c in r.cells])
    sheet, cell, code = MISTAKE
    from addin.problems import CATALOGUE

    assert "示例乙建设有限公司：" in text and f"「{sheet}」{cell}" in text and CATALOGUE[code].fix in text
    assert "某某集团有限公司" in text and "028-12345678" in text and "前重新报送" in text
    assert client.get(f"/submissions/{summary['accepted'][0]['sha256']}/notice").status_code == 404
    assert client.get(f"/api/submissions/{bad['sha256']}/notice", headers=token(client, "unit-b")).content[:2] == b"PK"
    assert client.get(f"/api/submissions/{bad['sha256']}/notice", headers=token(client, "unit-a")).status_code == 404


def test_roster_upload_refuses_bad_input_in_chinese(client: TestClient) -> None:
    login(client, "hq")
    page = client.get("/roster")
    assert "暂以填报单位账户（3 家）" in page.text
    missing = client.post("/roster", data={"csrf": csrf_of(page.text), "action": "upload"},
                          files={"file": ("名单.csv", "单位名称,统一社会信用代码\n甲,{}\n".format(UNIT_A).encode())})
    assert missing.status_code == 400 and "缺少列「层级」" in missing.text and "未更新" in missing.text
    wrong = UNIT_A[:-1] + ("0" if UNIT_A[-1] != "0" else "1")
    bad = client.post("/roster", data={"csrf": csrf_of(page.text), "action": "upload"},
                      files={"file": ("名单.csv", f"单位名称,统一社会信用代码,层级\n甲,{wrong},二级\n".encode())})
    assert bad.status_code == 400 and "第 2 行「统一社会信用代码」" in bad.text and "校验位" in bad.text
    assert not (client.app.state.service.config.data / "roster.csv").exists()  # type: ignore[attr-defined]
    assert client.post("/roster", data={"action": "upload"}, files={"file": ("a.csv", b"x")}).status_code == 403
    added = client.post("/roster", data={"csrf": csrf_of(page.text), "action": "add", "name": "示例能源投资有限公司",
                                         "uscc": UNIT_A, "level": "二级"})
    assert added.status_code == 200 and UNIT_A in added.text
    again = client.post("/roster", data={"csrf": csrf_of(page.text), "action": "add", "name": "重复",
                                         "uscc": UNIT_A, "level": "二级"})
    assert again.status_code == 400 and "重复" in again.text
    login(client, "unit-a")
    assert client.get("/roster").status_code == 403 and client.get("/settings").status_code == 403


def test_settings_round_trip_with_csrf(client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("ZHUIZE_HOME", str(home))
    login(client, "hq")
    page = client.get("/settings")
    assert page.status_code == 200 and 'name="phone"' in page.text
    form = {"name": "某某集团有限公司", "uscc": UNIT_A.lower(), "head": "张三", "reviewer": "李四", "preparer": "王五",
            "phone": "028-12345678"}
    assert client.post("/settings", data=form).status_code == 403  # no CSRF token: nothing saved
    assert client.post("/settings", data=form | {"csrf": "forged"}).status_code == 403
    data = client.app.state.service.config.data  # type: ignore[attr-defined]
    assert not (data / "config.toml").exists()
    saved = client.post("/settings", data=form | {"csrf": csrf_of(page.text)})
    assert saved.status_code == 200 and saved.url.query == b"saved=1" and "已保存" in saved.text
    for value in ("某某集团有限公司", UNIT_A, "张三", "李四", "王五", "028-12345678"):
        assert f'value="{value}"' in saved.text
    from addin.returns.identity import load_identity

    assert load_identity(path=data / "config.toml").reviewer == "李四"
    assert not home.exists()  # never the user's own ~/.zhuize
    wrong = client.post("/settings", data=form | {"csrf": csrf_of(page.text), "uscc": UNIT_A[:-1] + "0"})
    assert wrong.status_code == 400 and "统一社会信用代码" in wrong.text
    assert load_identity(path=data / "config.toml").uscc == UNIT_A
    entries = [e for e in client.app.state.service.store.audit_entries() if e["action"] == "修改单位信息"]  # type: ignore[attr-defined]
    assert len(entries) == 1 and "审核人（总会计师）" in entries[0]["detail"]


def test_rollup_with_nothing_to_roll_up(client: TestClient) -> None:
    answer = client.post("/api/rollup", headers=token(client, "hq"), json={"period": "2026-年度"})
    assert answer.status_code == 409 and "没有通过校验的报表" in answer.json()["error"]
    bad = client.post("/api/rollup", headers=token(client, "hq"), json={"period": "2026-第五季度"})
    assert bad.status_code == 400 and "未知报告期" in bad.json()["error"]


# -- 下载模板, 函数, 审计日志 --------------------------------------------------------------------------


def test_templates_page_and_download(client: TestClient) -> None:
    login(client, "unit-a")
    page = client.get("/templates")
    assert "central-2026" in page.text and "yibin-2020" in page.text
    answer = client.get("/templates/download", params={"profile": "yibin-2020"})
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)
    assert "填报信息" in book.sheetnames and "问题线索台账" in book.sheetnames
    assert client.get("/templates/download", params={"profile": "../../secret"}).status_code == 404


@pytest.mark.parametrize(("name", "args", "shown"), [
    ("ZZ_LOSS_GRADE", ["100", "", "yibin-2020"], "较大"),
    ("ZZ_WORKDAY", ["2026-02-13", "1"], "2026-02-14"),
    ("ZZ_DEDUCTION_RANGE", ["一般", "直接责任"], "0%–50%（不含50%）"),
    ("ZZ_DEDUCTION_RANGE", ["一般", "直接"], "#参数错误: 未知责任类型"),
])
def test_functions_as_zhuize_calc(client: TestClient, name: str, args: list[str], shown: str) -> None:
    from addin.cli import main

    login(client, "unit-a")
    page = client.get("/functions", params={"name": name})
    assert page.status_code == 200 and name in page.text
    form = {"csrf": csrf_of(page.text), "name": name} | {f"arg{k}": v for k, v in enumerate(args)}
    answer = client.post("/functions", data=form)
    result = re.search(r'id="result">(?:结果：)?<strong>([^<]*)</strong>', answer.text)
    assert result and result.group(1).startswith(shown)
    if not shown.startswith("#"):
        captured = io.StringIO()
        stdout, sys.stdout = sys.stdout, captured
        try:
            assert main(["calc", name, *args]) == 0
        finally:
            sys.stdout = stdout
        assert captured.getvalue().strip() == result.group(1)


def test_audit_log_records_who_what_and_sha(client: TestClient, books: dict[str, Path]) -> None:
    verdict = upload(client, token(client, "unit-a"), books["a_bad"]).json()
    login(client, "hq")
    page = client.get("/audit")
    assert page.status_code == 200
    entries = list(client.app.state.service.store.audit_entries())  # type: ignore[attr-defined]
    uploaded = next(e for e in entries if e["action"] == "上报")
    assert uploaded["user"] == "unit-a" and uploaded["sha256"] == verdict["sha256"] and "有错误" in uploaded["detail"]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", uploaded["at"])
    assert verdict["sha256"][:16] in page.text and "unit-a" in page.text


# -- the no-account mode and the command -------------------------------------------------------------------


def test_local_mode_one_time_link(tmp_path: Path) -> None:
    app = create_app(Config(data=tmp_path / "data", local_mode=True))
    app.state.service.local_token = "once-only-token"
    with TestClient(app) as c:
        assert c.get("/auth", params={"token": "guess"}).status_code == 403
        assert "本机模式" in c.get("/login").text
        entered = c.get("/auth", params={"token": "once-only-token"})
        assert entered.url.path == "/dashboard" and "本机（集团）" in entered.text
        assert c.get("/auth", params={"token": "once-only-token"}).status_code == 403  # used
        add_accounts(app.state.service)  # as soon as accounts exist they are required
        assert c.get("/dashboard", follow_redirects=False).status_code == 303


def _cli(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    from addin.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        code = main(args)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


def test_serve_users_commands(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    code, out, _ = _cli(["serve", "users", "add", "unit-a", "--role", "填报单位", "--uscc", UNIT_A, "--data", data],
                        "password-a1\n")
    assert code == 0 and "已建立账户 unit-a" in out
    code, _, err = _cli(["serve", "users", "add", "unit-x", "--role", "填报单位", "--data", data], "password-x1\n")
    assert code == 2 and "--uscc" in err
    code, _, err = _cli(["serve", "users", "add", "unit-y", "--role", "填报单位", "--uscc", UNIT_A[:-1] + "0",
                         "--data", data], "password-y1\n")
    assert code == 2 and "统一社会信用代码" in err
    code, _, err = _cli(["serve", "users", "add", "hq", "--role", "集团", "--data", data], "short\n")
    assert code == 2 and "至少 8 个字符" in err
    assert _cli(["serve", "users", "add", "hq", "--role", "集团", "--data", data], "password-hq1\n")[0] == 0
    code, out, _ = _cli(["serve", "users", "list", "--data", data])
    assert code == 0 and "unit-a\t填报单位\t" + UNIT_A in out and "hq\t集团" in out
    app = create_app(Config(data=Path(data)))
    with TestClient(app) as c:
        assert c.post("/api/token", json={"name": "unit-a", "password": "password-a1"}).status_code == 200
        assert _cli(["serve", "users", "reset", "unit-a", "--data", data], "password-a2\n")[0] == 0
        assert c.post("/api/token", json={"name": "unit-a", "password": "password-a1"}).status_code == 401
        assert c.post("/api/token", json={"name": "unit-a", "password": "password-a2"}).status_code == 200
        assert _cli(["serve", "users", "disable", "unit-a", "--data", data])[0] == 0
        assert c.post("/api/token", json={"name": "unit-a", "password": "password-a2"}).status_code == 401
    assert "（已停用）" in _cli(["serve", "users", "list", "--data", data])[1]


def test_serve_refuses_other_addresses_without_accounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: list[Any] = []

    class FakeServer:
        def __init__(self, config: Any) -> None:
            seen.append(config)

        def run(self) -> None:
            pass

    monkeypatch.setattr(uvicorn, "Server", FakeServer)
    data = str(tmp_path / "data")
    code, _, err = _cli(["serve", "--host", "0.0.0.0", "--data", data])
    assert code == 2 and "users add" in err and not seen
    code, out, _ = _cli(["serve", "--data", data, "--no-browser", "--port", "8799"])
    assert code == 0 and re.search(r"http://127\.0\.0\.1:8799/auth\?token=\S{20,}", out)
    assert seen[-1].proxy_headers is False
    _cli(["serve", "users", "add", "hq", "--role", "集团", "--data", data], "password-hq1\n")
    code, out, _ = _cli(["serve", "--host", "0.0.0.0", "--data", data, "--proxy-headers",
                         "--forwarded-allow-ips", "10.0.0.5"])
    assert code == 0 and "token=" not in out
    assert seen[-1].proxy_headers is True and seen[-1].forwarded_allow_ips == "10.0.0.5"
    assert seen[-1].app.state.service.config.parallel_checks >= 1  # default: one per core
    code, _, err = _cli(["serve", "--data", data, "--checks", "0"])
    assert code == 2 and "--checks" in err
    code, _, _ = _cli(["serve", "--data", data, "--checks", "1"])
    assert code == 0 and seen[-1].app.state.service.config.parallel_checks == 1


def test_checking_children_do_not_run_the_main_script_again(tmp_path: Path) -> None:
    """The fork server loads the server's main script once; its children find it loaded
    (multiprocessing would run it again in each child before the check); and they are
    forked warm (a fork server whose preload fails says nothing: each check then loads
    the validator itself, at twice the cost)."""
    import subprocess

    runs = tmp_path / "runs.txt"
    script = tmp_path / "server_main.py"
    script.write_text(
        "import os, sys\n"
        f"open({str(runs)!r}, 'a').write(str(os.getpid()) + '\\n')\n"
        "def work(send=None):\n"
        "    return 'addin.web.warm' in sys.modules\n"
        "def main():\n"
        "    from addin.web import isolate\n"
        "    for _ in range(3):\n"
        "        assert isolate.run_capped(work, (), 0, 120).value is True  # forked warm\n"
        "if __name__ == '__main__':\n"
        "    main()\n", encoding="utf-8")
    subprocess.run([sys.executable, str(script)], check=True, timeout=300, cwd=tmp_path)
    assert len(runs.read_text().split()) == 2  # this process and the fork server, not each of 3 children


def test_the_fork_server_warms_on_a_valid_sample(tmp_path: Path) -> None:
    """The sample the fork server checks before forking (so children start warm) goes
    through every check: it is valid, with ledger rows."""
    from addin.web import core

    verdict = core.check_upload(str(core.sample_workbook(tmp_path)))
    assert verdict["status"] == "valid" and verdict["rows"] > 0 and not verdict["errors"]


def test_summary_json_is_what_rollup_writes(client: TestClient, books: dict[str, Path], tmp_path: Path) -> None:
    """POST /api/rollup answers with the file ``zhuize rollup --json`` writes for the same inputs."""
    from addin.cli import main

    good = upload(client, token(client, "unit-a"), books["a_good"]).json()
    answer = client.post("/api/rollup", headers=token(client, "hq")).json()
    blob = client.app.state.service.store.blob_path(good["sha256"])  # type: ignore[attr-defined]
    out = tmp_path / "cli"
    assert main(["rollup", str(blob), "--out", str(out / "G.xlsx"), "--json", str(out / "s.json"),
                 "--period", "2026-年度"]) == 0
    cli = json.loads((out / "s.json").read_text(encoding="utf-8"))
    for key in ("period", "accepted", "rejected", "superseded", "rows", "indicators", "indicators_by_unit",
                "reconciliation"):
        assert answer[key] == cli[key], key


def test_a_second_rollup_takes_unchanged_submissions_from_the_cache(books: dict[str, Path], tmp_path: Path) -> None:
    """The 收报台 rolls up with the intake cache beside its archive, as ``zhuize rollup`` does:
    the second run reads nothing again and writes the same returns."""
    from addin.rollup.cache import cache_path
    from addin.web import core

    archive = tmp_path / "archive.sqlite"
    files = [str(books["a_good"]), str(books["b_bad"])]
    first = core.rollup_period(files, "2026-年度", str(archive), str(tmp_path / "one"))
    assert first["ok"] and first["cache"] == {"hits": 0, "misses": 2}
    assert cache_path(archive).is_file()
    second = core.rollup_period(files, "2026-年度", str(archive), str(tmp_path / "two"))
    assert second["ok"] and second["cache"] == {"hits": 2, "misses": 0}
    assert second["text"] == first["text"]
