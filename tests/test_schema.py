"""The schema against the reporting standard (the contract), and its own consistency."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from udfs import registry, vocab
from udfs.profile import available_profiles

from addin.workbook import formulas

from addin.workbook import schema
from addin.workbook.schema import STANDARD, ColumnType

# The standard (workbook-standard.md, version 1), restated here on purpose: renaming or
# dropping any of these breaks every subsidiary's filled workbook, so a change to the
# schema must be a deliberate change to this list too.
CONTRACT = {
    "填报信息": [
        "填报单位名称", "统一社会信用代码", "单位层级", "上级单位统一社会信用代码", "报告年度", "报告期",
        "上年末资产总额（万元）", "适用标准", "填报人", "联系电话", "填报日期", "模板版本",
    ],
    "问题线索台账": [
        "线索编号", "受理日期", "线索来源", "涉事单位名称", "涉事单位层级", "违规情形类别", "重点领域", "问题摘要",
        "涉及金额（万元）", "预估损失金额（万元）", "损失等级", "管辖层级", "处置方式", "办理阶段", "初核报告截止日",
        "立项日期", "办结日期", "需一事一报告", "一事一报告日期", "简易程序", "形成管理提升建议书", "报送典型案例",
        "承办部门", "承办人", "备注",
    ],
    "资产损失认定": [
        "线索编号", "损失类型", "损失金额（万元）", "发生损失企业上年末资产总额（万元）", "认定依据", "认定机构",
        "认定日期", "已挽回金额（万元）", "单笔损失等级",
    ],
    "责任认定与处理": [
        "线索编号", "责任人姓名", "身份证号码", "所在单位", "职务", "企业负责人", "责任类型", "任职状态", "损失等级",
        "组织处理", "绩效年薪基数（万元）", "绩效年薪扣减比例", "绩效年薪扣减下限", "绩效年薪扣减上限",
        "绩效年薪扣减金额（万元）", "任期激励基数（万元）", "任期激励扣减比例", "中长期激励处理", "禁入限制", "纪律处分",
        "移送司法机关", "从重加重情节", "从轻减轻免除情节", "处理决定日期", "影响期截止日", "是否申诉",
    ],
    "审计整改台账": [
        "问题编号", "问题来源", "文件文号", "下达日期", "问题描述", "问题金额（万元）", "整改责任单位", "整改责任人",
        "整改措施", "整改阶段", "整改期限", "批准延期至", "已纠正金额（万元）", "金额或事实已纠正", "已完善管控措施",
        "已移送纪检并受理", "已完成追责问责", "已提出整改计划", "拒不整改或虚假整改", "整改结果", "是否逾期", "销号日期",
        "关联线索编号",
    ],
    "禁入限制人员": [
        "姓名", "身份证号码", "原任职单位", "原任职务", "禁入期限", "起始日期", "截止日期", "决定文号", "关联线索编号",
    ],
    "管理提升建议书": [
        "线索编号", "致送单位", "问题移送时间", "移送方", "主要问题", "需关注的监管风险", "有关工作建议", "出具日期",
    ],
}

# Version 2 (workbook-standard.md, "Version 2 — additions"): after the v1 columns of each sheet.
ADDITIONS = {
    "填报信息": ["上级单位名称"],
    "问题线索台账": ["不良后果等级", "涉及企业负责人", "督办方式", "快报截止日", "快报日期", "一事一报告截止日", "初核延期至",
               "核查截止日", "核查延期至"],
    "资产损失认定": [],
    "责任认定与处理": ["尽职合规免责", "申诉日期", "复核截止日"],
    "审计整改台账": ["整改类型", "问题分类", "问题明细分类", "证明材料", "整改责任领导", "验收负责人", "延期原因", "延期批准人",
               "销号审核意见"],
    "禁入限制人员": ["作出决定单位", "违规事实"],
    "管理提升建议书": [],
    "情况说明": ["工作表", "单元格", "提醒代码", "说明", "说明人", "说明日期"],
}
V1_SHEETS = list(CONTRACT)

# Version 2.1 (workbook-standard.md, "Version 2.1 — additions"): after version 2's columns.
ADDITIONS_21 = {
    "问题线索台账": ["统一编号", "销号审核意见", "销号日期"],
    "责任认定与处理": ["送达日期", "申诉受理日期", "免责情形"],
    "审计整改台账": ["特殊事由"],
}
for _name, _headers in ADDITIONS_21.items():
    ADDITIONS[_name] += _headers

COMPUTED = {
    "填报信息": {"模板版本"},
    "问题线索台账": {"损失等级", "管辖层级", "初核报告截止日", "需一事一报告"},
    "资产损失认定": {"单笔损失等级"},
    "责任认定与处理": {"损失等级", "绩效年薪扣减下限", "绩效年薪扣减上限", "绩效年薪扣减金额（万元）", "中长期激励处理",
                 "影响期截止日"},
    "审计整改台账": {"整改期限", "整改结果", "是否逾期"},
    "禁入限制人员": {"截止日期"},
    "管理提升建议书": set(),
}
COMPUTED_V2 = {
    "问题线索台账": {"快报截止日", "一事一报告截止日", "核查截止日"},
    "责任认定与处理": {"复核截止日"},
}

ENUMERATIONS = {
    ("填报信息", "单位层级"): ("集团公司", "二级企业", "三级及以下企业"),
    ("填报信息", "报告期"): ("年度", "上半年", "第一季度", "第二季度", "第三季度", "第四季度"),
    ("问题线索台账", "线索来源"): ("出资人监督", "审计监督", "纪检监察", "巡视巡察", "信访举报", "内部监督", "下属企业报告",
                          "上级交办", "其他"),
    ("问题线索台账", "涉事单位层级"): ("本级", "二级", "三级及以下"),
    ("问题线索台账", "违规情形类别"): ("集团管控", "风险管理", "购销管理", "工程承包建设", "固定资产投资", "投资并购",
                            "转让产权", "资金管理", "改组改制", "其他"),
    ("问题线索台账", "重点领域"): ("担保", "应收款项", "融资性贸易", "金融衍生品", "境外经营投资", "无"),
    ("问题线索台账", "损失等级"): ("一般", "较大", "重大", "未认定"),
    ("问题线索台账", "管辖层级"): ("本企业", "上级企业", "出资人机构"),
    ("问题线索台账", "处置方式"): ("初步核实", "立项核查", "移送纪检监察机构", "移送司法机关", "暂存待查", "予以了结"),
    ("问题线索台账", "办理阶段"): ("受理", "初步核实", "立项", "核查", "处理", "整改", "办结"),
    ("资产损失认定", "损失类型"): ("直接损失", "间接损失", "或有损失"),
    ("资产损失认定", "认定依据"): ("司法行政文书", "中介机构报告", "企业内部证明", "综合研判"),
    ("资产损失认定", "单笔损失等级"): ("一般", "较大", "重大"),
    ("责任认定与处理", "责任类型"): ("直接责任", "主管责任", "领导责任"),
    ("责任认定与处理", "任职状态"): ("在职", "已调任", "已离职", "已退休"),
    ("责任认定与处理", "组织处理"): ("无", "批评教育", "责令书面检查", "通报批评", "诫勉", "停职", "调离工作岗位", "降职",
                             "改任非领导职务", "责令辞职", "免职", "停职检查", "调整职务"),
    ("责任认定与处理", "禁入限制"): ("无", "5年", "10年", "终身"),
    ("审计整改台账", "问题来源"): ("审计机关", "国资委监督检查", "巡视巡察", "内部审计", "其他监督"),
    ("审计整改台账", "整改阶段"): ("问题挂号", "责任分解", "制定方案", "推动整改", "阶段报告", "结果认定", "后续审计",
                            "问题销号"),
    ("审计整改台账", "整改结果"): ("整改完毕", "部分整改", "未整改"),
    ("禁入限制人员", "禁入期限"): ("5年", "10年", "15年", "20年", "终身"),  # the drop-down; any N年 ≥ 5 is accepted
    ("问题线索台账", "不良后果等级"): ("无", "一般", "较大", "重大"),
    ("问题线索台账", "督办方式"): ("无", "指导督办", "挂牌督办", "联合核查", "专项核查", "直接核查"),
    ("审计整改台账", "整改类型"): ("立行立改", "限期整改", "持续整改"),
    ("审计整改台账", "问题分类"): ("财务收支", "资产管理", "投资管理", "工程项目", "采购与合同", "资金管理", "内部控制", "公司治理",
                            "其他"),
    ("审计整改台账", "销号审核意见"): ("待审核", "同意销号", "退回重改"),
}
V2_DEFAULTS = {("问题线索台账", "不良后果等级"): "无", ("问题线索台账", "涉及企业负责人"): False,
               ("责任认定与处理", "尽职合规免责"): False, ("审计整改台账", "整改类型"): "限期整改"}


def test_sheets_and_headers_are_exactly_the_standard_in_order() -> None:
    assert [s.name for s in STANDARD.sheets] == list(ADDITIONS)
    for sheet in STANDARD.sheets:
        assert [c.header for c in sheet.columns] == CONTRACT.get(sheet.name, []) + ADDITIONS[sheet.name], sheet.name
        assert [c.header for c in sheet.added_columns] == ADDITIONS[sheet.name]
    assert STANDARD.record.name == "填报信息"
    assert [s.name for s in STANDARD.ledgers] == list(ADDITIONS)[1:]
    assert STANDARD.version == 2.1 and STANDARD.template_version == "2.1"


def test_version_2_is_the_v2_columns_at_the_same_places_and_2_1_adds_its_own() -> None:
    v2 = schema.standard_for(2)
    assert v2.version == 2 and v2.template_version == "2.0"
    for sheet in v2.sheets:
        new = ADDITIONS_21.get(sheet.name, [])
        assert [c.header for c in sheet.columns] == [h for h in ADDITIONS_FULL(sheet.name) if h not in new], sheet.name
        assert not {c.header for c in sheet.columns} & set(new)
    for name, headers in ADDITIONS_21.items():
        assert [c.since for c in STANDARD.sheet(name).columns if c.header in headers] == [2.1] * len(headers)
        assert STANDARD.sheet(name).columns[-1].header == "自查"  # 自查 stays the last column


def ADDITIONS_FULL(name: str) -> list[str]:
    return CONTRACT.get(name, []) + ADDITIONS[name]


def test_version_1_is_the_v1_columns_at_the_same_places() -> None:
    v1 = schema.standard_for(1)
    assert v1.version == 1 and v1.template_version == "1.0"
    assert [s.name for s in v1.sheets] == V1_SHEETS
    for sheet in v1.sheets:
        assert [c.header for c in sheet.columns] == CONTRACT[sheet.name], sheet.name
        for column in sheet.columns:  # a v1 file's column letters do not move
            assert sheet.index(column.field) == STANDARD.sheet(sheet.key).index(column.field)


@pytest.mark.parametrize(("text", "has_additions", "version"), [
    ("1.0", False, 1), ("1.3", True, 1), ("2.0", False, 2), ("2.1", False, 2.1), ("2.3", True, 2.1), ("2", True, 2), ("", False, 1), (None, True, 2),
    ("12", False, 1), ("3.0", True, 2)])
def test_a_files_version_comes_from_its_template_version(text: str | None, has_additions: bool, version: int) -> None:
    assert schema.version_of(text, has_additions) == version


def test_v2_defaults_of_blank_cells() -> None:
    for (sheet, header), value in V2_DEFAULTS.items():
        assert STANDARD.sheet(sheet).by_header(header).default == value
    defaulted = {(s.name, c.header) for s in STANDARD.sheets for c in s.columns if c.default is not None}
    assert defaulted == set(V2_DEFAULTS)


def test_computed_columns_are_the_standards() -> None:
    for sheet in STANDARD.sheets:
        expected = COMPUTED.get(sheet.name, set()) | COMPUTED_V2.get(sheet.name, set())
        assert {c.header for c in sheet.computed_columns} == expected, sheet.name
        for column in sheet.computed_columns:
            assert not column.required


def test_the_measure_list_only_grows() -> None:
    # the v1 standard's 组织处理 values keep their places; Order 46's wordings come after them
    v1 = ("无", "批评教育", "责令书面检查", "通报批评", "诫勉", "停职", "调离工作岗位", "降职", "改任非领导职务",
          "责令辞职", "免职")
    options = STANDARD.sheet("accountability").column("measure").options
    assert options[:len(v1)] == v1
    assert {"停职检查", "调整职务"} <= set(options)


@pytest.mark.parametrize(("where", "values"), list(ENUMERATIONS.items()), ids=lambda v: "-".join(v) if isinstance(v, tuple) and len(v) == 2 else None)
def test_enumerations_are_the_standards(where: tuple[str, str], values: tuple[str, ...]) -> None:
    sheet, header = where
    column = STANDARD.sheet(sheet).by_header(header)
    assert column.options == values
    assert column.type is ColumnType.ENUM


def test_enumerations_the_engine_speaks_about_come_from_vocab() -> None:
    assert STANDARD.sheet("accountability").column("responsibility").options == vocab.RESPONSIBILITIES
    assert STANDARD.sheet("info").column("unit_level").options == vocab.UNIT_LEVELS
    assert set(vocab.BAN_TERMS) <= set(STANDARD.sheet("bans").column("term").options)
    assert STANDARD.sheet("clues").column("consequence_grade").options == vocab.CONSEQUENCE_GRADES
    assert STANDARD.sheet("rectification").column("result").options == vocab.RECTIFY_RESULTS
    assert STANDARD.sheet("clues").column("jurisdiction").options == vocab.BODIES
    assert STANDARD.sheet("clues").column("loss_grade").options == (*vocab.GRADES, vocab.GRADE_UNASSESSED)
    assert STANDARD.sheet("accountability").column("measure").options == (vocab.MEASURE_NONE, *vocab.MEASURES)


def test_profile_enumeration_is_the_profiles_the_engine_knows(write_user_profile, yibin_text) -> None:
    column = STANDARD.sheet("info").column("profile")
    assert column.options == ("central-2018", "central-2026", "yibin-2020")
    write_user_profile("my-group", yibin_text.replace('key = "yibin-2020"', 'key = "my-group"'))
    assert column.options == tuple(sorted(available_profiles())) == (
        "central-2018", "central-2026", "my-group", "yibin-2020")


def test_flag_columns_take_only_yes_and_no() -> None:
    flags = [c for s in STANDARD.sheets for c in s.columns if c.type is ColumnType.FLAG]
    assert {c.header for c in flags} >= {"简易程序", "企业负责人", "金额或事实已纠正", "是否逾期", "需一事一报告"}
    for column in flags:
        assert column.options == ("是", "否")


def test_types_of_key_columns() -> None:
    info = STANDARD.sheet("info")
    assert info.column("report_year").type is ColumnType.INTEGER
    assert info.column("prior_year_assets").minimum == 0 and info.column("prior_year_assets").minimum_exclusive
    assert info.column("report_date").type is ColumnType.DATE
    assert info.column("uscc").check == "uscc" and info.column("uscc").max_length == 18
    clues = STANDARD.sheet("clues")
    assert clues.column("summary").max_length == 500
    assert clues.column("estimated_loss").type is ColumnType.NUMBER and not clues.column("estimated_loss").required
    assert clues.column("initial_check_deadline").type is ColumnType.DATE
    people = STANDARD.sheet("accountability")
    assert people.column("pay_ratio").type is ColumnType.PERCENT
    assert (people.column("pay_ratio").minimum, people.column("pay_ratio").maximum) == (0, 1)
    assert people.column("id_number").check == "id"
    assert STANDARD.sheet("losses").column("loss_amount").minimum_exclusive


def test_field_names_are_ascii_and_unique() -> None:
    for sheet in STANDARD.sheets:
        assert re.fullmatch(r"[a-z_]+", sheet.key)
        fields = [c.field for c in sheet.columns]
        assert len(fields) == len(set(fields))
        for name in fields:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name
            assert name not in ("origin", "rows")  # taken by the record models


def test_every_column_has_help_and_a_width() -> None:
    for sheet in STANDARD.sheets:
        for column in sheet.columns:
            assert len(column.help) >= 4 and re.search(r"[\u4e00-\u9fff]", column.help), column.header
            assert 6 <= column.width <= 60
            assert len(column.help) <= 240  # Excel's input message limit is 255


def test_every_computed_column_has_a_rule_with_engine_functions() -> None:
    for sheet in STANDARD.sheets:
        for column in sheet.computed_columns:
            rule = formulas.RULES[column.computed_by]  # type: ignore[index]
            for name in rule.functions:
                assert name in registry.FUNCTIONS
            if column.computed_by.startswith("ZZ_"):  # type: ignore[union-attr]
                assert rule.functions == (column.computed_by,)
    used = {c.computed_by for s in STANDARD.sheets for c in s.computed_columns}
    assert used == set(formulas.RULES)


def test_record_models_are_typed_from_the_columns() -> None:
    model = schema.record_model("clues")
    origin = schema.Origin(file="a.xlsx", sheet="问题线索台账", row=2)
    row = model(origin=origin, clue_id="XS-1", received_date=dt.date(2026, 1, 5), estimated_loss=500.0,
                simplified_procedure=True)
    assert row.clue_id == "XS-1" and row.received_date == dt.date(2026, 1, 5)
    assert row.loss_grade is None and row.origin.row == 2
    fields = model.model_fields
    assert list(fields)[1:] == [c.field for c in STANDARD.sheet("clues").columns]
    assert fields["estimated_loss"].annotation == float | None
    assert fields["simplified_procedure"].annotation == bool | None
    assert fields["received_date"].annotation == dt.date | None
    assert schema.record_model("info")(origin=origin, report_year=2026).report_year == 2026
    with pytest.raises(ValueError):
        model(origin=origin, no_such_field=1)


def test_invalid_schema_entries_are_refused() -> None:
    with pytest.raises(ValueError, match="选项列必须给出可选值"):
        schema.Column(header="x", field="x", type=ColumnType.ENUM, width=10, help="说明文字")
    with pytest.raises(ValueError, match="计算列"):
        schema.Column(header="x", field="x", type=ColumnType.TEXT, width=10, help="说明文字", required=True,
                      computed_by="pay_deduction")
    with pytest.raises(ValueError, match="重复的列"):
        schema.Sheet(name="表", key="t", kind="ledger", table="T", purpose="p",
                     columns=(STANDARD.sheet("bans").columns[0],) * 2)


def test_no_other_workbook_module_lists_headers() -> None:
    """Templates, reader, formulas and recompute derive every header from the schema."""
    addin = Path(schema.__file__).parent
    headers = {c.header for s in STANDARD.sheets for c in s.columns if len(c.header) >= 4}
    for module in ("templates.py", "read.py", "formulas.py", "recompute.py"):
        text = (addin / module).read_text(encoding="utf-8")
        listed = sorted(h for h in headers if f'"{h}"' in text)
        assert listed == [], f"{module} 直接写了列名：{listed}"


# 自查 (standard v2's self-check): a version-2 addition, the last column of every v1 ledger (after
# the other v2 columns), and 填报信息's 自查问题数; 情况说明 has none.  A v1 file never has it.
for _name in CONTRACT:
    _header = "自查问题数" if _name == "填报信息" else "自查"
    ADDITIONS[_name].append(_header)
    COMPUTED_V2[_name] = COMPUTED_V2.get(_name, set()) | {_header}
