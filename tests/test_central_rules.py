"""The central profiles as far as the orders were read.

central-2026 = SASAC Order No. 46 (in force 2026-01-01); central-2018 = Order No. 37
(in force 2018-08-30).  What was read of them, in the project's own words:

Order 37: Art. 20 — 一般 below 500 万元, 较大 500 to below 5000, 重大 5000 and above,
"以上" includes the number and "以下" excludes it; no share-of-assets test; losses are
direct and indirect (Art. 19); a 重大 loss's direct and supervising responsibility:
降职, 改任非领导职务, 责令辞职, 免职 and 禁入限制, 100% of the responsibility year's
performance pay and of the term incentives of that year and the three before, pay deferred
(法制日报 2018-07-31).  SASAC's two 2018 notices on 一事一报告: the implementing notice
(较大 and 重大 losses or loss risks) and 国资发监督二〔2018〕116号 (重大 losses, and 较大 losses
with serious adverse consequences).

Order 46: the same loss grades; other adverse consequences graded 一般/较大/重大 by severity
(较轻/较重/严重) and reach (the enterprise / its industry or the central enterprises / the
state and society); 尽职合规免责 (lawful and compliant, loyal and diligent, no illegal gain,
no 重大 loss or 重大 consequence); Art. 55 (SASAC: 重大 losses, 重大 consequences, 较大 losses
with 较大 consequences, cases involving central-enterprise heads) and Art. 57 (the central
enterprise: its own 一般 or 较大 losses and consequences, a second-tier subsidiary's 重大
loss); Art. 75 (investigation within 6 months, extensible); Art. 78 (appeal within one
month, no stay of execution); Art. 80 (review within 30 working days).

Only those facts may be ``checked = true``; everything else is unchecked, never cites the
municipal rule as its source, and may warn but never reject.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from udfs import handling, profile_entries, registry, vocab
from udfs.profile import BUILTIN_DIR, get_profile, parse_profile

D = dt.date
ROOT = Path(__file__).resolve().parents[1]
CENTRAL = ("central-2018", "central-2026")
MUNICIPAL = "宜宾"


def calc(name: str, *args: object) -> object:
    return registry.evaluate(name, *args)


# -- loss grades: both sides of 500 and 5000, no share test ---------------------------------------


@pytest.mark.parametrize("key", CENTRAL)
@pytest.mark.parametrize(("loss", "grade"), [
    (0, "一般"), (499.99, "一般"), (500, "较大"), (500.01, "较大"), (4999.99, "较大"), (5000, "重大"), (80000, "重大"),
])
def test_loss_grades(key: str, loss: float, grade: str) -> None:
    assert calc("ZZ_LOSS_GRADE", loss, "", key) == grade
    # no share-of-assets test: 499 万元 of 500 万元 assets is still 一般
    assert calc("ZZ_LOSS_GRADE", loss, 500.0, key) == grade


@pytest.mark.parametrize("key", CENTRAL)
def test_loss_grade_entries_are_checked_and_cite_the_order(key: str) -> None:
    profile = get_profile(key)
    order = "第37号" if key == "central-2018" else "第46号"
    assert profile.loss_grade.checked is True and order in profile.loss_grade.source
    assert [(lv.grade, lv.amount_from, lv.amount_inclusive, lv.share_from) for lv in profile.loss_grade.levels] == [
        ("较大", 500, True, None), ("重大", 5000, True, None)]
    assert all(lv.checked for lv in profile.loss_grade.levels)


def test_order_37_cites_article_20_and_19() -> None:
    profile = get_profile("central-2018")
    assert "第二十条" in profile.loss_grade.source
    assert all("第二十条" in lv.source for lv in profile.loss_grade.levels)
    assert "第二十条" in str(calc("ZZ_BASIS", "ZZ_LOSS_GRADE", "central-2018"))
    assert "直接损失和间接损失" in profile.description and "第十九条" in profile.description


# -- Order 37: the 重大 row of direct and supervising responsibility (法制日报) --------------------------


@pytest.mark.parametrize("responsibility", ["直接责任", "主管责任"])
def test_order_37_major_loss_direct_and_supervising(responsibility: str) -> None:
    key = "central-2018"
    assert calc("ZZ_MEASURES", "重大", responsibility, key) == "降职、改任非领导职务、责令辞职、免职、禁入限制"
    assert calc("ZZ_DEDUCTION_RANGE", "重大", responsibility, key) == "100%"
    assert calc("ZZ_DEDUCTION_RANGE", "重大", responsibility, key, "任期激励") == "100%"
    entry = get_profile(key).handling_for("重大", responsibility)
    assert entry.checked is True and "法制日报" in entry.source
    assert entry.defer_performance_pay is True
    assert entry.term_incentive is not None and "（含）前三年100%" in entry.term_incentive.text
    # 100%: 99.99% is outside, 100% inside
    assert handling.ratio_allowed(entry.performance_pay, 1.0) and not handling.ratio_allowed(entry.performance_pay, 0.9999)
    # the LTI part was read only in a copy: unchecked on its own
    assert entry.lti_is_checked is False


def test_order_37_one_event_report_names_the_notice_it_applies_and_cites_both() -> None:
    key = "central-2018"
    rule = get_profile(key).one_event_report
    assert rule.checked is True
    assert rule.grades == ["较大", "重大"] and rule.consequence_grades == []
    assert "实施通知" in rule.text  # the one applied
    assert "实施通知" in rule.source and "116号" in rule.source  # both cited
    assert [calc("ZZ_NEEDS_REPORT", g, key) for g in vocab.GRADES] == ["否", "是", "是"]


# -- Order 46: other adverse consequences and the case grade ----------------------------------------


def test_order_46_consequence_grades() -> None:
    profile = get_profile("central-2026")
    assert profile.has_consequence_rules is True
    assert [lv.grade for lv in profile.consequence_levels] == ["一般", "较大", "重大"]
    criteria = [profile.consequence_criteria(g) for g in vocab.GRADES]
    for word, text in zip(("较轻", "较重", "严重"), criteria):
        assert text is not None and word in text
    assert "本企业" in str(criteria[0]) and "行业" in str(criteria[1]) and "社会和国家" in str(criteria[2])
    # 影响主要在… (the summary's words), not 限于
    assert all("影响主要在" in str(c) and "限于" not in str(c) for c in criteria)
    assert "影响主要在" in profile.consequence.text and "影响主要在" in profile.consequence.source
    assert profile.consequence is not None and profile.consequence.checked is True
    assert all(lv.checked for lv in profile.consequence_levels)
    assert get_profile("central-2018").has_consequence_rules is False
    yibin = get_profile("yibin-2020")  # 严重不良后果 recorded as 重大, for jurisdiction only (a reading)
    assert yibin.consequence is not None and not yibin.consequence.jurisdiction_case_grade
    assert not any(lv.checked for lv in yibin.consequence_levels)


@pytest.mark.parametrize(("loss", "consequence", "expected"), [
    ("一般", "较大", "较大"), ("较大", "一般", "较大"), ("重大", "一般", "重大"), ("一般", "重大", "重大"),
    ("较大", "较大", "较大"), ("一般", "无", "一般"), ("一般", "", "一般"), ("重大", "", "重大"),
    ("未认定", "无", "未认定"), ("未认定", "", "未认定"), ("未认定", "较大", "较大"),
])
def test_case_grade_is_the_higher_of_the_two(loss: str, consequence: str, expected: str) -> None:
    assert calc("ZZ_CASE_GRADE", loss, consequence) == expected


@pytest.mark.parametrize(("loss", "consequence", "grade"), [
    ("一般", "重大", "重大"), ("一般", "较大", "较大"), ("较大", "较大", "较大"), ("较大", "一般", "较大"),
    ("一般", "无", "一般"), ("一般", "", "一般"), ("未认定", "较大", "较大"), ("未认定", "无", None),
])
def test_order_46_handles_people_at_the_case_grade(loss: str, consequence: str, grade: str | None) -> None:
    """central-2026 keys 责任认定与处理 on the case grade (its consequence.handling entry)."""
    key = "central-2026"
    profile = get_profile(key)
    assert handling.handling_grade(profile, loss, consequence or None) == (grade or loss)
    for responsibility in vocab.RESPONSIBILITIES:
        expected = None if grade is None else "、".join(handling.measures(profile, grade, responsibility))
        assert calc("ZZ_MEASURES", loss, responsibility, key, consequence) == expected
        expected = None if grade is None else handling.lti_text(profile, grade, responsibility)
        assert calc("ZZ_LTI", loss, responsibility, key, consequence) == expected
    # 一般 loss, 重大 consequence: 重大's 100% and 降职…免职 with 禁入限制; the same loss alone: 一般's
    if (loss, consequence) == ("一般", "重大"):
        assert calc("ZZ_DEDUCTION_RANGE", loss, "直接责任", key, "", consequence) == "100%"
        assert calc("ZZ_DEDUCTION_MIN", loss, "领导责任", key, "任期激励", consequence) == 0.7
        assert calc("ZZ_MEASURES", loss, "直接责任", key, consequence).endswith("免职、禁入限制")
        assert calc("ZZ_DEDUCTION_RANGE", loss, "直接责任", key) == "0%–50%（不含50%）"
    if (loss, consequence) == ("较大", "较大"):
        assert calc("ZZ_DEDUCTION_RANGE", loss, "直接责任", key, "", consequence) == "50%–100%"


def test_the_case_grade_keying_is_an_unchecked_entry_of_its_own() -> None:
    profile = get_profile("central-2026")
    keying = profile.case_grade_handling
    assert keying is not None and keying.checked is False
    assert "令第46号" in keying.source and "公开摘要" in keying.source and "全文未能读到" in keying.source
    assert "较高者" in keying.text
    # the checked grading no longer claims the keying: that sentence moved to the unchecked entry
    assert profile.consequence is not None and profile.consequence.checked is True
    assert "较高" not in profile.consequence.text
    listed = {e.name: e for e in profile_entries.entries(profile)}
    assert listed["consequence.handling"].checked is False
    basis = str(calc("ZZ_BASIS", "ZZ_DEDUCTION_RANGE", "central-2026"))
    assert "较高者" in basis and "全文未能读到），待核对" in basis


@pytest.mark.parametrize("key", ["yibin-2020", "central-2018"])
def test_profiles_without_the_keying_handle_at_the_loss_grade(key: str) -> None:
    profile = get_profile(key)
    assert profile.case_grade_handling is None
    for grade in vocab.GRADES:
        for consequence in vocab.CONSEQUENCE_GRADES:
            assert handling.handling_grade(profile, grade, consequence) == grade
            assert calc("ZZ_MEASURES", grade, "直接责任", key, consequence) == calc("ZZ_MEASURES", grade, "直接责任", key)
            assert calc("ZZ_DEDUCTION_MAX", grade, "主管责任", key, "", consequence) == \
                calc("ZZ_DEDUCTION_MAX", grade, "主管责任", key)


def test_a_profile_with_consequence_grades_but_no_keying_handles_at_the_loss_grade() -> None:
    text = _central_text()
    start = text.index("[consequence.handling]")
    end = text.index("[[consequence.levels]]")
    profile = parse_profile(text[:start] + text[end:], "x.toml")
    assert profile.has_consequence_rules and profile.case_grade_handling is None
    assert handling.handling_grade(profile, "一般", "重大") == "一般"
    assert handling.profile_case_grade(profile, "一般", "重大") == "重大"  # jurisdiction still at the case grade


def test_case_grade_bad_input() -> None:
    from udfs.errors import ArgumentError

    with pytest.raises(ArgumentError, match="未知不良后果等级 '特大'"):
        calc("ZZ_CASE_GRADE", "一般", "特大")
    assert calc("ZZ_CASE_GRADE", "", "") is None


# -- Order 46: jurisdiction (Arts. 55, 57) ------------------------------------------------------------


JURISDICTION_CASES = [
    # (loss, unit level, consequence, involves head) → body
    ("重大", "集团公司", "", "", "出资人机构"),             # Art. 55: 重大资产损失
    ("较大", "集团公司", "", "", "本企业"),                 # Art. 57: 本级企业的较大资产损失
    ("较大", "集团公司", "无", "否", "本企业"),
    ("较大", "集团公司", "一般", "否", "本企业"),           # Art. 57: 一般不良后果
    ("较大", "集团公司", "较大", "", "出资人机构"),         # Art. 55: 产生较大不良后果的较大资产损失
    ("一般", "集团公司", "较大", "", "本企业"),             # Art. 57: 较大不良后果 with a 一般 loss
    ("一般", "集团公司", "重大", "", "出资人机构"),         # Art. 55: 重大不良后果
    ("较大", "集团公司", "重大", "", "出资人机构"),
    ("一般", "集团公司", "", "", "本企业"),
    ("重大", "二级企业", "", "", "上级企业"),               # Art. 57: 二级子企业发生的重大资产损失
    ("重大", "二级", "无", "否", "上级企业"),
    ("一般", "集团公司", "", "是", "出资人机构"),           # Art. 55: 涉及中央企业负责人 (the group's heads)
    ("未认定", "集团公司", "", "是", "出资人机构"),
    # a subsidiary's case involving its own head does not go to SASAC (Art. 55 says 中央企业负责人)
    ("一般", "三级及以下企业", "", "是", "本企业"),
    ("较大", "三级及以下企业", "无", "是", "上级企业"),
    ("较大", "", "", "是", "上级企业"),
    ("未认定", "集团公司", "重大", "", "出资人机构"),
    # the fragment 涉及二级子企业负责人 (probably Art. 57(二)): the central enterprise, unchecked
    ("一般", "二级企业", "无", "是", "上级企业"),
    ("未认定", "二级企业", "", "是", "上级企业"),
]


@pytest.mark.parametrize(("loss", "level", "consequence", "head", "body"), JURISDICTION_CASES)
def test_order_46_jurisdiction(loss: str, level: str, consequence: str, head: str, body: str) -> None:
    assert calc("ZZ_JURISDICTION", loss, level, "central-2026", consequence, head) == body


def test_order_46_jurisdiction_rules_cite_articles_55_and_57() -> None:
    profile = get_profile("central-2026")
    for loss, level, consequence, head, _ in JURISDICTION_CASES[:13]:  # through 未认定 at 集团公司 with a head
        found = handling.jurisdiction_entry(profile, loss, level or None, consequence or None, head == "是")
        assert found is not None
        assert found[1].checked is True
        assert re.search(r"第五十[五七]条", found[1].source), found[1].source
    # a case the read part of Art. 57 does not settle: answered, but from an unchecked entry
    found = handling.jurisdiction_entry(profile, "较大", "二级企业")
    assert found is not None and found[0] == "上级企业" and found[1].checked is False
    found = handling.jurisdiction_entry(profile, "一般", "二级企业", None, True)
    assert found is not None and found[0] == "上级企业" and found[1].checked is False
    assert "涉及二级子企业负责人" in found[1].source


def test_order_46_head_rule_is_the_group_level_only() -> None:
    """Art. 55: 涉及**中央企业**负责人; the column 涉及企业负责人 means any enterprise's head."""
    rule = get_profile("central-2026").jurisdiction_rules[0]
    assert rule.involves_head is True and rule.unit_levels == ["集团公司"] and rule.checked
    assert "涉及中央企业负责人" in rule.source and "第五十五条" in rule.source
    assert calc("ZZ_JURISDICTION", "一般", "三级及以下企业", "central-2026", "无", "是") == "本企业"
    assert calc("ZZ_JURISDICTION", "一般", "集团公司", "central-2026", "无", "是") == "出资人机构"


def test_unassessed_loss_without_a_deciding_rule_is_blank() -> None:
    assert calc("ZZ_JURISDICTION", "未认定", "集团公司", "central-2026") is None
    assert calc("ZZ_JURISDICTION", "未认定", "集团公司", "yibin-2020", "重大") is None
    assert calc("ZZ_JURISDICTION", "未认定", "集团公司", "yibin-2020", "重大", "是") == "出资人机构"  # Art. 36(二): the head


@pytest.mark.parametrize("key", ["central-2018"])
def test_profiles_without_consequence_rules_answer_as_before(key: str) -> None:
    """A consequence grade or 涉及企业负责人 changes nothing where the profile has no such rules."""
    profile = get_profile(key)
    assert profile.jurisdiction_rules == [] and not profile.has_consequence_rules
    for grade in vocab.GRADES:
        for level in ("", *vocab.UNIT_LEVELS):
            before = calc("ZZ_JURISDICTION", grade, level, key)
            entry = profile.jurisdiction_for(grade)
            assert before == (entry.group_body if level == "集团公司" else entry.body)
            for consequence in vocab.CONSEQUENCE_GRADES:
                for head in ("否", "是"):
                    assert calc("ZZ_JURISDICTION", grade, level, key, consequence, head) == before
        report = calc("ZZ_NEEDS_REPORT", grade, key)
        assert report == ("是" if grade in ("较大", "重大") else "否")
        for consequence in vocab.CONSEQUENCE_GRADES:
            assert calc("ZZ_NEEDS_REPORT", grade, key, consequence) == report
            assert handling.profile_case_grade(profile, grade, consequence) == grade


def test_order_46_event_report_by_either_grade() -> None:
    key = "central-2026"
    assert calc("ZZ_NEEDS_REPORT", "一般", key) == "否"
    assert calc("ZZ_NEEDS_REPORT", "一般", key, "一般") == "否"
    assert calc("ZZ_NEEDS_REPORT", "一般", key, "较大") == "是"
    assert calc("ZZ_NEEDS_REPORT", "较大", key, "无") == "是"
    assert calc("ZZ_NEEDS_REPORT", "未认定", key, "重大") == "是"
    assert get_profile(key).one_event_report.checked is False  # Order 46's own reporting article was not read


# -- Order 46: procedure (Arts. 75, 78, 80) ----------------------------------------------------------


def test_order_46_procedure_accessors() -> None:
    p = get_profile("central-2026")
    assert p.investigation_months == 6 and p.deadlines.investigation is not None
    assert p.deadlines.investigation.extensible is True and p.deadlines.investigation.checked
    assert "第七十五条" in p.deadlines.investigation.source
    assert p.appeal_months == 1 and p.appeal_suspends_execution is False
    assert p.deadlines.appeal is not None and "第七十八条" in p.deadlines.appeal.source and p.deadlines.appeal.checked
    assert "不停止" in p.deadlines.appeal.text
    assert p.review_workdays == 30
    assert p.deadlines.review is not None and "第八十条" in p.deadlines.review.source and p.deadlines.review.checked
    # the real-time report numbers (116号, central figures not read) are there, unchecked
    assert (p.flash_report_workdays, p.full_report_workdays, p.initial_check_extension_max_workdays) == (5, 15, 30)
    assert p.deadlines.flash_report is not None and not p.deadlines.flash_report.checked
    # a profile may set none of them
    y = get_profile("yibin-2020")
    assert (y.investigation_months, y.appeal_months, y.review_workdays) == (None, None, None)
    assert y.appeal_suspends_execution is False


@pytest.mark.parametrize(("filed", "extended", "expected"), [
    ("2026-01-15", "", D(2026, 7, 15)),
    ("2026-03-31", "", D(2026, 9, 30)),        # EDATE: the month's last day
    ("2026-08-31", "", D(2027, 2, 28)),
    ("2026-03-31", "2026-12-31", D(2026, 12, 31)),
])
def test_investigation_deadline_is_six_months(filed: str, extended: str, expected: dt.date) -> None:
    assert calc("ZZ_INVESTIGATION_DEADLINE", filed, extended, "central-2026") == expected
    assert calc("ZZ_INVESTIGATION_DEADLINE", filed, extended) == expected  # the default profile


def test_investigation_deadline_where_the_profile_sets_none() -> None:
    assert calc("ZZ_INVESTIGATION_DEADLINE", "2026-03-31", "", "yibin-2020") is None
    assert calc("ZZ_INVESTIGATION_DEADLINE", "2026-03-31", "2026-06-30", "yibin-2020") == D(2026, 6, 30)
    # central-2018: the 2020 clue-handling guideline's 6 months
    assert calc("ZZ_INVESTIGATION_DEADLINE", "2026-03-31", "", "central-2018") == D(2026, 9, 30)


def test_review_deadline_is_30_working_days() -> None:
    # appeal on 2026-09-25 (中秋, a holiday): 09-28…09-30 (3), 国庆 off, 10-08, 10-09, 10-10 (make-up Sat) …
    # the 30th working day is 2026-11-12
    assert calc("ZZ_REVIEW_DEADLINE", "2026-09-25", "central-2026") == D(2026, 11, 12)
    assert calc("ZZ_REVIEW_DEADLINE", "2026-09-25") == calc("ZZ_WORKDAY", "2026-09-25", 30)
    assert calc("ZZ_REVIEW_DEADLINE", "2026-09-25") != calc("ZZ_WORKDAY", "2026-09-25", 29)
    assert calc("ZZ_REVIEW_DEADLINE", "2026-09-25", "yibin-2020") is None


# -- 尽职合规免责 ------------------------------------------------------------------------------------


def test_order_46_compliance_exemption() -> None:
    p = get_profile("central-2026")
    assert p.exemption is not None and p.exemption.checked is True
    # the summary's words (SEEN): 可以免责 — discretionary, never stated as automatic
    for words in ("依法合规经营", "履行忠实与勤勉义务", "没有牟取非法利益", "未造成重大资产损失和重大不良后果", "可以免责"):
        assert words in p.exemption.text and words in p.exemption.source
    assert "不予追究" not in p.exemption.text and "不是自动免责" in p.exemption.text
    assert p.exemption_excluded_grades == ("重大",)
    assert get_profile("yibin-2020").exemption_excluded_grades == ()


def test_order_46_handling_kinds_and_hearing() -> None:
    p = get_profile("central-2026")
    assert p.handling_kinds == ("批评或诫勉", "组织处理", "扣减薪酬", "禁入限制", "处分", "移送纪检监察机构或司法机关处理")
    hearing = p.note("听取意见")
    assert hearing is not None and hearing.checked and "第七十六条" in hearing.source
    # Art. 76 as it reads: 听取企业和相关责任人意见, 合法性审查 (not 审核)
    assert "听取企业和相关责任人" in hearing.text and "合法性审查" in hearing.text and "审核" not in hearing.text
    assert "听取企业和相关责任人" in hearing.source and "陈述、申辩" in hearing.text
    assert get_profile("yibin-2020").handling_kinds == () and get_profile("yibin-2020").note("听取意见") is None


# -- Order 46's wording, the term-in-office base, the measure list ------------------------------------


def test_order_46_measures_and_term_incentive_base() -> None:
    key = "central-2026"
    assert calc("ZZ_MEASURES", "较大", "直接责任", key) == "通报批评、诫勉、停职检查、调整职务、降职"
    assert calc("ZZ_MEASURES", "重大", "主管责任", key).startswith("调整职务、降职")  # type: ignore[union-attr]
    profile = get_profile(key)
    for entry in profile.handling:
        if entry.term_incentive is not None:
            assert "所在任期或最近一个完整任期" in entry.term_incentive.text
            assert "前三年" not in entry.term_incentive.text
    influence = profile.influence_for("调整职务")
    assert influence is not None and influence.text == "一年内不得提拔或进一步使用"
    assert {"停职检查", "调整职务"} <= set(vocab.MEASURES)


# -- 禁入限制: any N年 from 5, and 终身 ------------------------------------------------------------------


@pytest.mark.parametrize(("term", "expected"), [
    ("5年", D(2031, 2, 28)), ("6年", D(2032, 2, 28)), ("8年", D(2034, 2, 28)), ("10年", D(2036, 2, 28)),
    ("20年", D(2046, 2, 28)), ("终身", None),
])
def test_ban_end_any_whole_years_from_five(term: str, expected: dt.date | None) -> None:
    for key in ("central-2026", "central-2018", "yibin-2020"):
        assert calc("ZZ_BAN_END", "2026-02-28", term, key) == expected


@pytest.mark.parametrize("term", ["4年", "0年", "5.5年", "五年", "5", "05年", "年"])
def test_ban_end_refuses_other_terms(term: str) -> None:
    cell = registry.evaluate_cells("ZZ_BAN_END", "2026-02-28", term, "central-2026")
    assert isinstance(cell, str) and cell.startswith("#参数错误: 未知禁入期限") and "5年及以上" in cell


# -- checked = true only for what was read; every entry says where -------------------------------------


CHECKED_2026 = {
    "loss_grade", "loss_grade.levels[较大]", "loss_grade.levels[重大]",
    "consequence", "consequence.levels[一般]", "consequence.levels[较大]", "consequence.levels[重大]",
    "deadlines.investigation", "deadlines.appeal", "deadlines.review", "exemption",
    "notes[处理方式]", "notes[听取意见]",
}
CHECKED_2018 = {
    "loss_grade", "loss_grade.levels[较大]", "loss_grade.levels[重大]",
    "handling[重大×直接责任]", "handling[重大×主管责任]", "one_event_report", "deadlines.investigation",
}


def test_only_what_was_read_is_checked() -> None:
    listed = profile_entries.entries(get_profile("central-2026"))
    checked = {e.name for e in listed if e.checked}
    rules = {n for n in checked if n.startswith("jurisdiction_rules[")}
    assert checked - rules == CHECKED_2026
    assert len(rules) == 6 and all(re.search(r"第五十[五七]条", e.source) for e in listed if e.name in rules)
    assert not any(e.checked for e in listed if "涉及二级子企业负责人" in e.source)
    assert {e.name for e in profile_entries.entries(get_profile("central-2018")) if e.checked} == CHECKED_2018


@pytest.mark.parametrize("key", CENTRAL)
def test_every_central_entry_names_where_it_was_read(key: str) -> None:
    order = "令第37号" if key == "central-2018" else "令第46号"
    for entry in profile_entries.entries(get_profile(key)):
        elsewhere = any(w in entry.source for w in ("116号", "实施通知", "62号", "实施意见"))
        assert order in entry.source or elsewhere, (entry.name, entry.source)
        # rules from Guangxi's notice or the audit-rectification opinion are not cited as the order
        if "桂国资" in entry.source or "审计整改" in entry.source:
            assert f"不是{order}" in entry.source and entry.checked is False, entry.name


# -- nothing cites the municipal rule as the source of a central entry --------------------------------


@pytest.mark.parametrize("key", CENTRAL)
def test_central_profile_files_do_not_cite_the_municipal_rule(key: str) -> None:
    text = (BUILTIN_DIR / f"{key}.toml").read_text(encoding="utf-8")
    assert MUNICIPAL not in text
    assert "参照宜宾" not in text


@pytest.mark.parametrize("key", CENTRAL)
def test_bases_of_every_function_do_not_cite_the_municipal_rule(key: str) -> None:
    for name in registry.FUNCTIONS:
        basis = str(calc("ZZ_BASIS", name, key))
        assert MUNICIPAL not in basis, (name, basis)


def test_basis_marks_unchecked_sources() -> None:
    handling_basis = str(calc("ZZ_BASIS", "ZZ_MEASURES", "central-2026"))
    assert "待核对" in handling_basis and "较高者" in handling_basis
    assert "待核对" not in str(calc("ZZ_BASIS", "ZZ_LOSS_GRADE", "central-2026"))
    assert "待核对" not in str(calc("ZZ_BASIS", "ZZ_REVIEW_DEADLINE", "central-2026"))
    assert "第八十条" in str(calc("ZZ_BASIS", "ZZ_REVIEW_DEADLINE", "central-2026"))
    assert "第七十五条" in str(calc("ZZ_BASIS", "ZZ_INVESTIGATION_DEADLINE", "central-2026"))
    assert "未规定核查期限" in str(calc("ZZ_BASIS", "ZZ_INVESTIGATION_DEADLINE", "yibin-2020"))
    jurisdiction = str(calc("ZZ_BASIS", "ZZ_JURISDICTION", "central-2026"))
    assert "第五十五条" in jurisdiction and "第五十七条" in jurisdiction and "待核对" in jurisdiction
    assert "待核对" not in str(calc("ZZ_BASIS", "ZZ_MEASURES", "yibin-2020")).split("第二十八条（一）未规定")[0]


def test_docs_never_cite_the_municipal_rule_for_a_central_profile() -> None:
    pages = [ROOT / "README.md", ROOT / "docs" / "design.md", *sorted((ROOT / "docs" / "manual").glob("*.md"))]
    assert len(pages) >= 8
    for page in pages:
        for line in page.read_text(encoding="utf-8").splitlines():
            if MUNICIPAL in line:
                assert not re.search(r"central-20|第37号|第46号|中央企业", line), (page.name, line)


def test_committed_template_does_not_cite_the_municipal_rule() -> None:
    import zipfile

    from addin.workbook import templates

    for name in templates.FILE_NAMES.values():
        with zipfile.ZipFile(ROOT / "workbook_templates" / name) as book:
            strings = book.read("xl/sharedStrings.xml").decode("utf-8") if "xl/sharedStrings.xml" in book.namelist() \
                else "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.startswith("xl/worksheets/"))
        assert "参照宜宾" not in strings and "宜宾办法" not in strings


# -- profile data: what a file may say ----------------------------------------------------------------


def _central_text() -> str:
    return (BUILTIN_DIR / "central-2026.toml").read_text(encoding="utf-8")


def test_consequence_rules_need_consequence_grades() -> None:
    from udfs.errors import ProfileError

    text = _central_text()
    start, end = text.index("[consequence]"), text.index("# 处理方式六类")
    without = text[:start] + text[end:]
    with pytest.raises(ProfileError, match="需要先在 \\[consequence\\] 中规定不良后果等级"):
        parse_profile(without, "x.toml")


def test_ban_terms_must_reach_the_minimum() -> None:
    from udfs.errors import ProfileError

    text = _central_text().replace('terms = ["5年", "10年", "终身"]', 'terms = ["3年", "10年", "终身"]')
    with pytest.raises(ProfileError, match="少于最短期限 5 年"):
        parse_profile(text, "x.toml")
    text = _central_text().replace('terms = ["5年", "10年", "终身"]', 'terms = ["五年", "终身"]')
    with pytest.raises(ProfileError, match="应写成“N年”"):
        parse_profile(text, "x.toml")


def test_an_older_user_profile_without_the_new_entries_still_loads(yibin_text: str) -> None:
    # the v1 form: no consequence, no jurisdiction_rules, no procedure deadlines, ban terms only
    profile = parse_profile(yibin_text.replace('key = "yibin-2020"', 'key = "old"'), "old.toml")
    assert profile.ban.min_years == 5 and profile.ban.life is True
    assert profile.deadlines.investigation is None and profile.exemption is None
