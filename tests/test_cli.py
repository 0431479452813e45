"""The ``zhuize`` command line (addin.cli.main returns the exit code)."""

from __future__ import annotations

import pytest

from addin.cli import main
from udfs import registry
from udfs.profile import BUILTIN_DIR


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- calc ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["ZZ_LOSS_GRADE", "100", "", "yibin-2020"], "较大"),
        (["ZZ_LOSS_GRADE", "99.99", "", "yibin-2020"], "一般"),
        (["ZZ_LOSS_GRADE", "3", "100", "yibin-2020"], "重大"),
        (["ZZ_LOSS_GRADE", "4999.99"], "较大"),  # default profile central-2026
        (["zz_loss_grade", "5000"], "重大"),
        # dates print as YYYY-MM-DD
        (["ZZ_WORKDAY", "2026-02-13", "1"], "2026-02-14"),
        (["ZZ_WORKDAY", "2026-02-24", "-1"], "2026-02-14"),
        (["ZZ_INITIAL_CHECK_DEADLINE", "2026-02-10"], "2026-03-30"),
        (["ZZ_REPORT_DEADLINE", "2026-09-18", "快报", "yibin-2020"], "2026-09-24"),
        (["ZZ_RECTIFY_DEADLINE", "2026-08-31"], "2027-02-28"),
        (["ZZ_INFLUENCE_END", "2027-08-31", "诫勉", "yibin-2020"], "2028-02-29"),
        # fractions as plain numbers
        (["ZZ_DEDUCTION_MIN", "较大", "直接责任", "yibin-2020"], "0.5"),
        (["ZZ_DEDUCTION_MAX", "一般", "直接责任", "yibin-2020"], "0.5"),
        (["ZZ_DEDUCTION_MIN", "较大", "领导责任", "yibin-2020", "任期激励"], "0.3"),
        (["ZZ_DEDUCTION_MAX", "重大", "领导责任", "yibin-2020"], "1"),
        (["ZZ_DEDUCTION_MAX", "一般", "领导责任", "yibin-2020"], "0"),
        (["ZZ_DEDUCTION_RANGE", "一般", "直接责任"], "0%–50%（不含50%）"),
        # booleans
        (["ZZ_ID_VALID", "11010519491231002X"], "TRUE"),
        (["ZZ_ID_VALID", "110105194912310021"], "FALSE"),
        (["ZZ_USCC_VALID", "91350100M000100Y43"], "TRUE"),
        # text results
        (["ZZ_JURISDICTION", "重大", "集团公司"], "出资人机构"),
        (["ZZ_RECTIFY_RESULT", "否", "否", "否", "是", "否", "否"], "未整改"),
        (["ZZ_RECTIFY_RESULT", "TRUE", "FALSE", "FALSE", "FALSE", "FALSE", "FALSE", "60", "100"], "部分整改"),
        # a blank result prints an empty line
        (["ZZ_INFLUENCE_END", "2026-03-15", "通报批评", "yibin-2020"], ""),
        (["ZZ_BAN_END", "2026-03-15", "终身", "yibin-2020"], ""),
    ],
)
def test_calc_prints_one_line(capsys, argv, expected):
    code, out, err = run(capsys, "calc", *argv)
    assert (code, out, err) == (0, expected + "\n", "")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ZZ_MEASURES", "一般", "直接"], "#参数错误: 未知责任类型 '直接'（可选：直接责任、主管责任、领导责任）"),
        (["ZZ_LOSS_GRADE", "100万"], "#参数错误: 损失金额（万元） '100万' 不是数字"),
        (["ZZ_WORKDAY", "2026-02-30", "1"], "#参数错误: 开始日期 '2026-02-30' 不是存在的日期"),
        (["ZZ_WORKDAY", "2026-12-30", "5"], "#日历错误: 2027年的法定节假日和调休安排尚未导入"),
        (["ZZ_LOSS_GRADE", "100", "", "nope"], "#标准错误: 未知适用标准 'nope'"),
        (["ZZ_NOPE", "1"], "#参数错误: 未知函数 'ZZ_NOPE'"),
        (["ZZ_RECTIFY_RESULT", "也许", "否", "否", "否", "否", "否"], "#参数错误: 金额或事实已纠正 应填 是 或 否"),
    ],
)
def test_calc_bad_argument(capsys, argv, message):
    code, out, err = run(capsys, "calc", *argv)
    assert code != 0
    assert out == ""
    assert err.startswith(message)
    assert "Traceback" not in err


def test_calc_without_name_is_a_usage_error(capsys):
    code, out, err = run(capsys, "calc")
    assert code == 2 and "zhuize calc --list" in err


def test_calc_overflowing_number_is_a_clean_error(capsys):
    code, out, err = run(capsys, "calc", "ZZ_WORKDAY", "2026-02-10", "1e400")
    assert code != 0 and err.startswith("#参数错误: ")


def test_calc_list_lists_every_function(capsys):
    code, out, err = run(capsys, "calc", "--list")
    assert code == 0
    for name, function in registry.FUNCTIONS.items():
        assert function.signature in out
        assert function.summary in out
    signature_lines = [line for line in out.splitlines() if line.startswith("ZZ_")]
    assert len(signature_lines) == len(registry.FUNCTIONS) == 21
    assert "ZZ_LOSS_GRADE(loss_wan, [prior_year_assets_wan], [profile])" in out


# -- profiles ----------------------------------------------------------------------------


def test_profiles_lists_builtin_with_default_marked(capsys):
    code, out, err = run(capsys, "profiles")
    assert code == 0
    rows = {line.split("\t")[0]: line.split("\t") for line in out.splitlines()}
    assert {"central-2018", "central-2026（默认）", "yibin-2020"} <= set(rows)
    assert sum("（默认）" in name for name in rows) == 1
    yibin = rows["yibin-2020"]
    assert "宜宾" in yibin[1]
    assert yibin[2].startswith("已核对 ")
    assert yibin[3] == str(BUILTIN_DIR / "yibin-2020.toml")


def test_profiles_lists_user_profile_and_configured_default(capsys, zhuize_home, write_user_profile, yibin_text):
    write_user_profile("acme", yibin_text.replace('key = "yibin-2020"', 'key = "acme"'))
    (zhuize_home / "config.toml").write_text('default_profile = "acme"\n', encoding="utf-8")
    code, out, err = run(capsys, "profiles")
    assert code == 0
    names = [line.split("\t")[0] for line in out.splitlines()]
    assert {"central-2018", "central-2026", "yibin-2020", "acme（默认）"} <= set(names)
    assert names[-1] == "acme（默认）"  # user profiles come after the built-in ones
    assert "central-2026（默认）" not in names
    assert str(zhuize_home / "profiles" / "acme.toml") in out


def test_profiles_check_good_file(capsys, tmp_path, yibin_text):
    path = tmp_path / "ours.toml"
    path.write_text(yibin_text, encoding="utf-8")
    code, out, err = run(capsys, "profiles", "--check", str(path))
    assert code == 0
    assert "格式正确" in out and "yibin-2020" in out


def test_profiles_check_broken_file(capsys, tmp_path, yibin_text):
    path = tmp_path / "BROKEN.toml"
    path.write_text(yibin_text.replace("amount_from = 1000", "amount_from = 50"), encoding="utf-8")
    code, out, err = run(capsys, "profiles", "--check", str(path))
    assert code != 0
    assert out == ""
    assert err.startswith("#标准错误: ")
    assert str(path) in err and "金额标准应逐级递增" in err
    assert "Traceback" not in err


def test_profiles_check_missing_file(capsys, tmp_path):
    code, out, err = run(capsys, "profiles", "--check", str(tmp_path / "none.toml"))
    assert code != 0 and "找不到适用标准文件" in err


# -- calendar --------------------------------------------------------------------------------


def test_calendar_years(capsys):
    code, out, err = run(capsys, "calendar", "years")
    assert code == 0
    years = [int(line.split("\t")[0]) for line in out.splitlines()]
    assert years == list(range(2004, 2027))
    assert "chinese-calendar" in out


def test_calendar_add_copies_into_user_folder(capsys, tmp_path, zhuize_home, calendar_2027_text):
    source = tmp_path / "incoming.toml"
    source.write_text(calendar_2027_text, encoding="utf-8")
    code, out, err = run(capsys, "calc", "ZZ_WORKDAY", "2026-12-31", "1")
    assert code != 0 and "2027年" in err

    code, out, err = run(capsys, "calendar", "add", "2027", str(source))
    assert code == 0, err
    target = zhuize_home / "calendar" / "2027.toml"
    assert target.read_text(encoding="utf-8") == calendar_2027_text
    assert "2027" in out and "放假 10 天" in out and "调休上班 1 天" in out and str(target) in out

    code, out, err = run(capsys, "calendar", "years")
    assert out.splitlines()[-1] == "2027\t测试用2027年放假安排（虚构）"
    # 2026-12-31 (Thu) + 1: 2027-01-01 is off in the added file, 01-02/03 are a weekend
    code, out, err = run(capsys, "calc", "ZZ_WORKDAY", "2026-12-31", "1")
    assert (code, out) == (0, "2027-01-04\n")


def test_calendar_add_wrong_year(capsys, tmp_path, zhuize_home, calendar_2027_text):
    source = tmp_path / "incoming.toml"
    source.write_text(calendar_2027_text, encoding="utf-8")
    code, out, err = run(capsys, "calendar", "add", "2028", str(source))
    assert code != 0
    assert "2027" in err and "2028" in err
    assert not (zhuize_home / "calendar" / "2028.toml").exists()


def test_calendar_add_broken_file(capsys, tmp_path, zhuize_home):
    source = tmp_path / "incoming.toml"
    source.write_text("year = 2027\nholidays = [[2027-02-14, 2027-02-06]]\n", encoding="utf-8")
    code, out, err = run(capsys, "calendar", "add", "2027", str(source))
    assert code != 0
    assert err.startswith("#日历错误: ") and "起止颠倒" in err
    assert not (zhuize_home / "calendar").exists() or not any((zhuize_home / "calendar").iterdir())


def test_calendar_add_without_file_is_a_usage_error(capsys):
    code, out, err = run(capsys, "calendar", "add", "2027")
    assert code == 2 and "zhuize calendar add" in err


def test_no_command_prints_help(capsys):
    code, out, err = run(capsys)
    assert code == 2 and "calc" in out


def test_unknown_subcommand_is_a_usage_error(capsys):
    code, out, err = run(capsys, "frobnicate")
    assert code == 2


# -- Order 46 through zhuize calc ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["ZZ_JURISDICTION", "重大", "集团公司"], "出资人机构"),
        (["ZZ_JURISDICTION", "较大", "集团公司"], "本企业"),
        (["ZZ_JURISDICTION", "较大", "集团公司", "central-2026", "较大"], "出资人机构"),
        (["ZZ_JURISDICTION", "一般", "集团公司", "", "重大"], "出资人机构"),
        (["ZZ_JURISDICTION", "较大", "集团公司", "", "重大"], "出资人机构"),
        (["ZZ_JURISDICTION", "一般", "集团公司", "", "无", "是"], "出资人机构"),  # Art. 55: the group's heads
        (["ZZ_JURISDICTION", "一般", "三级及以下企业", "", "无", "是"], "本企业"),  # a subsidiary's own head
        (["ZZ_JURISDICTION", "重大", "二级企业"], "上级企业"),
        # 宜宾办法 Art. 37: a 较大 loss at 集团公司 is the enterprise's; with 严重不良后果 (记为 重大) or
        # the head involved (Art. 36(二)) the 市国资委's
        (["ZZ_JURISDICTION", "较大", "集团公司", "yibin-2020"], "本企业"),
        (["ZZ_JURISDICTION", "较大", "集团公司", "yibin-2020", "重大"], "出资人机构"),
        (["ZZ_JURISDICTION", "较大", "集团公司", "yibin-2020", "", "是"], "出资人机构"),
        (["ZZ_INVESTIGATION_DEADLINE", "2026-02-10", "2026-11-10", "central-2018"], "2026-11-10"),
        (["ZZ_CASE_GRADE", "一般", "较大"], "较大"),
        (["ZZ_NEEDS_REPORT", "一般", "", "较大"], "是"),
        (["ZZ_INVESTIGATION_DEADLINE", "2026-03-31"], "2026-09-30"),
        (["ZZ_INVESTIGATION_DEADLINE", "2026-03-31", "2026-11-30"], "2026-11-30"),
        (["ZZ_REVIEW_DEADLINE", "2026-09-25"], "2026-11-12"),
        (["ZZ_BAN_END", "2026-03-31", "8年"], "2034-03-31"),
        (["ZZ_BAN_END", "2026-03-31", "终身"], ""),
    ],
)
def test_calc_order_46(capsys, argv, expected):
    code, out, err = run(capsys, "calc", *argv)
    assert code == 0, err
    assert out.strip() == expected


def test_calc_ban_term_below_five_years(capsys):
    code, out, err = run(capsys, "calc", "ZZ_BAN_END", "2026-03-31", "4年")
    assert code != 0 and "未知禁入期限 '4年'" in err and "5年及以上" in err


# -- profiles: counts, unchecked entries, an enterprise's own copy, diff ---------------------------


def test_profiles_counts_checked_and_unchecked(capsys):
    code, out, err = run(capsys, "profiles")
    rows = {line.split("\t")[0]: line.split("\t") for line in out.splitlines()}
    from udfs import profile_entries
    from udfs.profile import get_profile

    for key in ("central-2018", "yibin-2020"):
        checked, unchecked = profile_entries.counts(get_profile(key))
        assert rows[key][2] == f"已核对 {checked} 项，未核对 {unchecked} 项"
        assert unchecked > 0 and checked > 0
    assert "未核对" not in out.replace("未核对 ", "")  # no entry lines without --unchecked


def test_profiles_unchecked_lists_the_entries(capsys):
    code, out, err = run(capsys, "profiles", "--unchecked")
    assert code == 0
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("central-2026"))
    block = []
    for line in lines[start + 1:]:
        if not line.startswith("  "):
            break
        block.append(line)
    names = [line.split("\t")[1] for line in block]
    assert "handling[较大×直接责任]" in names and "deadlines.rectify" in names and "ban" in names
    assert "deadlines.review" not in names and "loss_grade" not in names  # read in Order 46: checked
    assert all("出处：" in line for line in block)
    assert not any("宜宾" in line for line in block)


def test_profiles_new_copies_into_the_user_folder(capsys, zhuize_home):
    code, out, err = run(capsys, "profiles", "new", "acme", "--from", "central-2026")
    assert code == 0, err
    target = zhuize_home / "profiles" / "acme.toml"
    text = target.read_text(encoding="utf-8")
    assert 'key = "acme"' in text and 'key = "central-2026"' not in text
    assert str(target) in out and "zhuize profiles diff central-2026 acme" in out
    # the copy is selectable by name and identical in content
    assert registry.evaluate("ZZ_JURISDICTION", "较大", "集团公司", "acme") == "本企业"
    code, out, err = run(capsys, "profiles", "diff", "central-2026", "acme")
    assert code == 0 and "完全相同" in out
    # never overwritten without --force
    target.write_text(text.replace("months = 6\nextensible = true", "months = 3\nextensible = true"), encoding="utf-8")
    code, out, err = run(capsys, "profiles", "new", "acme", "--from", "central-2026")
    assert code != 0 and "已存在" in err and "--force" in err
    assert "months = 3" in target.read_text(encoding="utf-8")
    code, out, err = run(capsys, "profiles", "diff", "central-2026", "acme")
    assert "deadlines.investigation\t期限 核查\t月数：6 → 3" in out
    assert "deadlines.rectify" not in out
    code, out, err = run(capsys, "profiles", "new", "acme", "--from", "central-2026", "--force")
    assert code == 0 and "months = 3" not in target.read_text(encoding="utf-8")


def test_profiles_new_bad_name_and_unknown_source(capsys, zhuize_home):
    code, out, err = run(capsys, "profiles", "new", "本 企业", "--from", "central-2026")
    assert code != 0 and "只能用字母" in err
    code, out, err = run(capsys, "profiles", "new", "acme", "--from", "nope")
    assert code != 0 and "未知适用标准 'nope'" in err
    code, out, err = run(capsys, "profiles", "new", "acme")
    assert code == 2 and "--from" in err
    assert not (zhuize_home / "profiles" / "acme.toml").exists()


def test_profiles_diff_central_orders(capsys):
    code, out, err = run(capsys, "profiles", "diff", "central-2018", "central-2026")
    assert code == 0
    assert "handling[较大×直接责任]\t处理标准 较大×直接责任\t组织处理：通报批评、诫勉、停职、调离工作岗位、降职 → " \
           "通报批评、诫勉、停职检查、调整职务、降职" in out
    assert "consequence\t不良后果分级\t只在 central-2026 中有" in out
    assert "deadlines.review\t期限 复核\t只在 central-2026 中有" in out
    assert "handling[重大×直接责任]\t处理标准 重大×直接责任\t核对：是 → 否" in out
    assert "loss_grade.levels[较大]\t资产损失分级 较大\t金额标准" not in out  # same thresholds
    code, out, err = run(capsys, "profiles", "diff", "central-2018")
    assert code == 2

# -- every command speaks Chinese ----------------------------------------------------------------

ENGLISH = ("usage:", "positional arguments", "optional arguments", "options:", "show this help",
           "show program's version", "error:", "the following arguments", "invalid choice", "expected one")
COMMANDS = ("calc", "profiles", "calendar", "demo", "templates", "addin", "letters", "validate", "rollup", "history", "serve")


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_help_is_chinese(capsys, command):
    argv = [command, "--help"] if command else ["--help"]
    code, out, err = run(capsys, *argv)
    assert code == 0 and out.startswith("用法：zhuize")
    assert not [phrase for phrase in ENGLISH if phrase in out.lower()], out
    assert "显示本帮助并退出" in out
    assert "位置参数" in out or command in ("", "profiles", "demo", "templates") or "选项" in out


def test_calendar_and_profiles_help_explain_themselves(capsys):
    _, calendar_help, _ = run(capsys, "calendar", "--help")
    assert "holidays = [" in calendar_help and "zhuize calendar add 2027 2027.toml" in calendar_help
    assert "调休上班日" in calendar_help and "年份" in calendar_help
    _, profiles_help, _ = run(capsys, "profiles", "--help")
    assert "~/.zhuize/profiles/名称.toml" in profiles_help and "default_profile" in profiles_help
    _, rollup_help, _ = run(capsys, "rollup", "--help")
    assert "默认为各文件的填报日期" in rollup_help and "默认今天" not in rollup_help


def test_version(capsys):
    code, out, err = run(capsys, "--version")
    assert code == 0 and out.startswith("zhuize ") and out.strip() != "zhuize"


@pytest.mark.parametrize(("argv", "message"), [
    (["rollup"], "zhuize rollup：错误：缺少参数：工作簿或文件夹, --out"),
    (["calendar", "foo"], "无效的选项 'foo'（可选：'years', 'add'）"),
    (["rollup", "x", "--out", "y.xlsx", "--jobs", "四"], "参数 --jobs：'四' 不是有效的整数"),
    (["validate", "x", "--nope"], "无法识别的参数：--nope"),
])
def test_argument_errors_are_chinese(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and message in err and err.startswith("用法：")
    assert not [phrase for phrase in ENGLISH if phrase in err.lower()], err


@pytest.mark.parametrize(("argv", "message"), [
    (["ZZ_LOSS_GRADE"], "ZZ_LOSS_GRADE 缺少参数：损失金额（万元）"),
    (["ZZ_WORKDAY", "2026-02-13"], "ZZ_WORKDAY 缺少参数：工作日数"),
    (["ZZ_LOSS_GRADE", ""], "ZZ_LOSS_GRADE 的必填参数都是空的"),
])
def test_calc_missing_arguments_are_errors(capsys, argv, message):
    code, out, err = run(capsys, "calc", *argv)
    assert (code, out) == (2, "") and err.startswith(message)
    assert "用法：zhuize calc" in err or "请填写" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["ZZ_WORKDAY", "2026.3.5", "1"], "不是日期，应为 2026-11-23 这样的日期"),
    (["ZZ_WORKDAY", "２０２６-03-05", "1"], "不是日期"),
    (["ZZ_WORKDAY", "2026-03-05", "１"], "不是数字"),
    (["ZZ_LOSS_GRADE", "１２０"], "不是数字"),
    (["ZZ_RECTIFY_RESULT", "Y", "N", "N", "N", "N", "N"], "应填 是 或 否"),
    (["ZZ_RECTIFY_RESULT", "yes", "否", "否", "否", "否", "否"], "应填 是 或 否"),
    (["ZZ_RECTIFY_RESULT", "是", "N", "否", "否", "否", "否"], "应填 是 或 否"),
])
def test_calc_refuses_what_readme_does_not_promise(capsys, argv, message):
    code, out, err = run(capsys, "calc", *argv)
    assert code == 1 and out == "" and message in err


def test_manual_states_what_calc_accepts():
    readme = (BUILTIN_DIR.parents[1] / "docs" / "manual" / "addin.md").read_text(encoding="utf-8")
    assert "是/否参数接受 是/否、TRUE/FALSE" in readme
    assert "不接受" in readme and "2026.3.5" in readme
