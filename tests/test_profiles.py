"""Rule profiles (适用标准) as data: the shipped ones, an enterprise's own, broken files."""

from __future__ import annotations

import os

import pytest

from udfs import registry, vocab
from udfs.errors import ProfileError
from udfs.profile import BUILTIN_DIR, available_profiles, get_profile, load_profile, parse_profile

BUILTIN = ["central-2018", "central-2026", "yibin-2020"]


# An enterprise's own thresholds, modelled on a public regional rule: 一般 below 300,
# 较大 300 to 1500, 重大 above 1500 (so 1500 itself is still 较大), no share test.
def acme_text(base: str, key: str = "acme") -> str:
    text = base.replace('key = "yibin-2020"', f'key = "{key}"')
    text = text.replace(
        "amount_from = 100\namount_inclusive = true\nshare_from = 0.01\nshare_inclusive = true",
        "amount_from = 300\namount_inclusive = true",
    )
    text = text.replace(
        "amount_from = 1000\namount_inclusive = true\nshare_from = 0.03\nshare_inclusive = true",
        "amount_from = 1500\namount_inclusive = false",
    )
    assert "share_from" not in text and "amount_from = 1500" in text
    return text


# -- the shipped profiles -------------------------------------------------------------


def test_builtin_profiles_are_available_and_valid():
    files = available_profiles()
    assert set(BUILTIN) <= set(files)
    for key in BUILTIN:
        profile = get_profile(key)
        assert profile.key == key
        assert files[key].parent == BUILTIN_DIR


def test_effective_dates():
    assert str(get_profile("yibin-2020").effective) == "2020-11-20"
    assert str(get_profile("central-2018").effective) == "2018-08-30"
    assert str(get_profile("central-2026").effective) == "2026-01-01"


def test_every_grade_and_responsibility_has_handling():
    for key in BUILTIN:
        profile = get_profile(key)
        for grade in vocab.GRADES:
            for resp in vocab.RESPONSIBILITIES:
                assert profile.handling_for(grade, resp).grade == grade


def test_central_handling_marked_unchecked():
    # the central profiles copy the municipal table until someone checks the official text
    for key in ("central-2018", "central-2026"):
        profile = get_profile(key)
        assert all(entry.checked is False for entry in profile.influence)
    # Order 46's table was not read; of Order 37's only the 重大 direct/supervisory row (法制日报)
    assert all(entry.checked is False for entry in get_profile("central-2026").handling)
    checked = [(h.grade, h.responsibilities) for h in get_profile("central-2018").handling if h.checked]
    assert checked == [("重大", ["直接责任", "主管责任"])]
    yibin = get_profile("yibin-2020")
    assert all(entry.source for entry in yibin.handling)
    assert yibin.loss_grade.checked is True and "第十九条" in yibin.loss_grade.source


def test_yibin_leader_row_for_general_loss_is_a_marked_default():
    # 第二十八条（一） names only the direct and supervising responsibility
    entry = get_profile("yibin-2020").handling_for("一般", "领导责任")
    assert entry.checked is False
    assert entry.performance_pay is None


def test_basis_names_the_article():
    assert "第十九条" in registry.evaluate("ZZ_BASIS", "ZZ_LOSS_GRADE", "yibin-2020")
    assert "第十九条" in registry.evaluate("ZZ_BASIS", "loss_grade", "yibin-2020")
    assert "第二十八条" in registry.evaluate("ZZ_BASIS", "ZZ_MEASURES", "yibin-2020")
    assert "第三十条" in registry.evaluate("ZZ_BASIS", "ZZ_INFLUENCE_END", "yibin-2020")
    assert "第46号" in registry.evaluate("ZZ_BASIS", "ZZ_LOSS_GRADE", "central-2026")
    assert "（七）" in registry.evaluate("ZZ_BASIS", "ZZ_RECTIFY_RESULT")
    with pytest.raises(Exception, match="未知函数 'ZZ_NOPE'"):
        registry.evaluate("ZZ_BASIS", "ZZ_NOPE", "yibin-2020")


# -- an enterprise's own profile ------------------------------------------------------


@pytest.mark.parametrize(
    ("loss", "expected"),
    [(299.99, "一般"), (300, "较大"), (1500, "较大"), (1500.01, "重大")],
)
def test_user_profile_selectable_by_name(write_user_profile, yibin_text, loss, expected):
    write_user_profile("acme", acme_text(yibin_text))
    assert "acme" in available_profiles()
    assert get_profile("acme").key == "acme"
    assert registry.evaluate("ZZ_LOSS_GRADE", loss, 1, "acme") == expected


def test_user_profile_selectable_by_path(tmp_path, yibin_text):
    path = tmp_path / "somewhere" / "our-rules.toml"
    path.parent.mkdir()
    path.write_text(acme_text(yibin_text), encoding="utf-8")
    # by path the file name need not match the key
    assert get_profile(str(path)).key == "acme"
    assert registry.evaluate("ZZ_LOSS_GRADE", 1500, None, str(path)) == "较大"
    assert registry.evaluate("ZZ_LOSS_GRADE", 1500.01, None, str(path)) == "重大"
    assert "acme" not in available_profiles()  # not installed in the user folder


def test_user_profile_overrides_builtin_of_same_key(write_user_profile, yibin_text):
    write_user_profile("yibin-2020", yibin_text.replace("amount_from = 100\n", "amount_from = 200\n"))
    assert registry.evaluate("ZZ_LOSS_GRADE", 150, None, "yibin-2020") == "一般"
    assert available_profiles()["yibin-2020"].parent.name == "profiles"
    assert available_profiles()["yibin-2020"].parent != BUILTIN_DIR


def test_user_profile_key_must_match_file_name(write_user_profile, yibin_text):
    write_user_profile("acme", acme_text(yibin_text, key="other"))
    with pytest.raises(ProfileError) as info:
        get_profile("acme")
    assert "'other'" in info.value.message and "'acme'" in info.value.message
    assert info.value.code == "ZZ-PROFILE" and info.value.cell_text.startswith("#标准错误: ")


def test_edited_profile_file_is_reloaded(tmp_path, yibin_text):
    path = tmp_path / "acme.toml"
    path.write_text(acme_text(yibin_text), encoding="utf-8")
    assert registry.evaluate("ZZ_LOSS_GRADE", 350, None, str(path)) == "较大"
    path.write_text(acme_text(yibin_text).replace("amount_from = 300\n", "amount_from = 400\n"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert registry.evaluate("ZZ_LOSS_GRADE", 350, None, str(path)) == "一般"


# -- default profile --------------------------------------------------------------------


def test_factory_default_is_central_2026():
    assert get_profile().key == "central-2026"
    assert get_profile("").key == "central-2026"


def test_default_profile_from_user_config(zhuize_home):
    # 1 万元 of 100 万元 assets: 较大 under yibin-2020's share test, 一般 under central-2026
    assert registry.evaluate("ZZ_LOSS_GRADE", 1, 100) == "一般"
    (zhuize_home / "config.toml").write_text('default_profile = "yibin-2020"\n', encoding="utf-8")
    assert get_profile().key == "yibin-2020"
    assert registry.evaluate("ZZ_LOSS_GRADE", 1, 100) == "较大"
    assert registry.evaluate("ZZ_LOSS_GRADE", 1, 100, "") == "较大"
    assert registry.evaluate("ZZ_LOSS_GRADE", 1, 100, "central-2026") == "一般"


def test_default_profile_can_be_a_user_profile(zhuize_home, write_user_profile, yibin_text):
    write_user_profile("acme", acme_text(yibin_text))
    (zhuize_home / "config.toml").write_text('default_profile = "acme"\n', encoding="utf-8")
    assert registry.evaluate("ZZ_LOSS_GRADE", 300) == "较大"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('default_profile = "yibin-2020\n', "无法读取"),
        ('default_profile = ""\n', "default_profile 应为标准名称"),
        ("default_profile = 5\n", "default_profile 应为标准名称"),
        ('default_profile = "nope"\n', "未知适用标准 'nope'"),
    ],
)
def test_bad_user_config(zhuize_home, config, message):
    (zhuize_home / "config.toml").write_text(config, encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        get_profile()
    assert registry.evaluate_cells("ZZ_LOSS_GRADE", 1, 100).startswith("#标准错误: ")


def test_unknown_profile_lists_available(write_user_profile, yibin_text):
    write_user_profile("acme", acme_text(yibin_text))
    with pytest.raises(ProfileError) as info:
        get_profile("shenzhen-2024")
    message = info.value.message
    assert "未知适用标准 'shenzhen-2024'" in message
    for key in BUILTIN + ["acme"]:
        assert key in message
    cell = registry.evaluate_cells("ZZ_LOSS_GRADE", 100, None, "shenzhen-2024")
    assert cell.startswith("#标准错误: 未知适用标准 'shenzhen-2024'")


def test_missing_profile_path():
    with pytest.raises(ProfileError, match="找不到适用标准文件"):
        get_profile("/no/such/dir/rules.toml")


# -- broken profile files ---------------------------------------------------------------


def _drop_handling_block(text: str, marker: str) -> str:
    blocks = text.split("[[handling]]")
    kept = [b for b in blocks if marker not in b]
    assert len(kept) == len(blocks) - 1
    return "[[handling]]".join(kept)


BROKEN = [
    pytest.param(
        lambda t: t.replace("amount_from = 1000", "amount_from = 50"),
        ["loss_grade", "金额标准应逐级递增", "50"],
        id="non-monotone-amount",
    ),
    pytest.param(
        lambda t: t.replace("share_from = 0.03", "share_from = 0.005"),
        ["loss_grade", "比例标准应逐级递增"],
        id="non-monotone-share",
    ),
    pytest.param(
        lambda t: t.replace("share_from = 0.03\nshare_inclusive = true", ""),
        ["占资产比例标准要么各等级都设"],
        id="share-on-one-level-only",
    ),
    pytest.param(
        lambda t: t.replace("performance_pay = { min = 0.5, max = 1,", "performance_pay = { min = 0.5, max = 1.5,", 1),
        ["handling.第3项.performance_pay.max", "超出允许的最大值", "1.5"],
        id="range-above-100-percent",
    ),
    pytest.param(
        lambda t: t.replace("min = 0.3, max = 0.7", "min = 0.7, max = 0.3", 1),
        ["handling.第4项.performance_pay", "下限 0.7 大于上限 0.3"],
        id="inverted-range",
    ),
    pytest.param(
        lambda t: t.replace('measures = ["通报批评", "诫勉", "停职", "调离工作岗位"]', 'measures = ["通报批评", "警告", "停职", "调离工作岗位"]'),
        ["handling.第4项.measures.第2项", "'警告'", "取值不在允许的范围内"],
        id="unknown-measure",
    ),
    pytest.param(
        lambda t: _drop_handling_block(t, 'grade = "较大"\nresponsibilities = ["领导责任"]'),
        ["handling 缺少 较大×领导责任 的处理规定"],
        id="missing-grade-responsibility-cell",
    ),
    pytest.param(
        lambda t: t.replace('responsibilities = ["领导责任"]\nmeasures = ["通报批评"', 'responsibilities = ["直接责任", "领导责任"]\nmeasures = ["通报批评"'),
        ["重复规定了 较大×直接责任"],
        id="duplicate-cell",
    ),
    pytest.param(
        lambda t: t.replace('key = "yibin-2020"', 'key = "yibin-2020'),
        ["格式错误", "line 6"],
        id="toml-syntax-error",
    ),
    pytest.param(
        lambda t: t.replace("description =", "descripton ="),
        ["descripton", "不认识的项"],
        id="unknown-top-level-key",
    ),
    pytest.param(
        lambda t: t.replace("ban_allowed = false\nperformance_pay = { min = 0.3", "ban_allowd = false\nperformance_pay = { min = 0.3"),
        ["handling.第4项.ban_allowd", "不认识的项", "handling.第4项.ban_allowed：缺少此项"],
        id="misspelled-key",
    ),
    pytest.param(
        lambda t: t.replace('measure = "降职"', 'measure = "诫勉"'),
        ["influence 重复规定了 诫勉 的影响期"],
        id="duplicate-influence",
    ),
    pytest.param(
        lambda t: t.replace("[deadlines.rectify]\nmonths = 6", "[deadlines.rectify]\nmonths = 6\nworkdays = 30"),
        ["deadlines.rectify", "workdays（工作日）或 months（月）二者之一"],
        id="deadline-with-two-units",
    ),
    pytest.param(
        lambda t: t.replace('grade = "较大"\nresponsibilities = ["领导责任"]', 'grade = "特大"\nresponsibilities = ["领导责任"]'),
        ["handling.第4项.grade", "'特大'"],
        id="unknown-grade",
    ),
    pytest.param(
        lambda t: t.replace('source = "宜宾办法第三十条"\nchecked = true', 'checked = true', 1),
        ["influence.第1项.source", "缺少此项"],
        id="entry-without-source",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), BROKEN)
def test_broken_profile_file(tmp_path, yibin_text, edit, expected):
    text = edit(yibin_text)
    assert text != yibin_text
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    message = info.value.message
    assert str(path) in message
    for part in expected:
        assert part in message, (part, message)
    assert info.value.cell_text.startswith("#标准错误: 适用标准文件 ")


def test_broken_user_profile_by_name(write_user_profile, yibin_text):
    write_user_profile("acme", acme_text(yibin_text).replace("amount_from = 1500", "amount_from = 200"))
    with pytest.raises(ProfileError, match="金额标准应逐级递增"):
        get_profile("acme")
    # other profiles still work
    assert registry.evaluate("ZZ_LOSS_GRADE", 100, None, "yibin-2020") == "较大"


def test_parse_profile_names_its_origin():
    with pytest.raises(ProfileError, match="适用标准文件 粘贴的文本 格式错误"):
        parse_profile("key = ", "粘贴的文本")
