"""管理提升建议书 and 一事一报告: the facts they state, their GB/T 9704-2012 format, what
bad input gives (problems, no files), batches, the command, and a LibreOffice rendering.

Every generated .docx is read back with python-docx.  Expected deadlines are computed by
hand from the 2026 calendar (国办发明电〔2025〕7号: 春节 2月15日–23日 off, make-up working
Saturdays 2月14日 and 2月28日):

    受理 2026-02-10 (Tue); working days after it: 2-11, 2-12, 2-13, 2-14 (Sat, make-up),
    then 2-15…2-23 off, 2-24 → 快报 (5) = 2026-02-24;
    2-25, 2-26, 2-27, 2-28 (Sat, make-up) = 9; 3-2…3-6 = 14; 3-9 → 实时报告 (15, once 全面报告) = 2026-03-09;
    3-10…3-13 = 19; 3-16…3-20 = 24; 3-23…3-27 = 29; 3-30 → 初核报告 (30) = 2026-03-30.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

from addin import cli
from addin.documents import gbt9704, preview
from addin.documents.gbt9704 import OfficialDocument
from addin.documents.event_report import UNCHECKED_RANGE
from addin.documents.wording import (
    UNCHECKED_RULE, Redactor, balanced_lines, chinese_date, chinese_number, safe_name, wan,
)
from addin.documents.letters import EVENT_REPORT, RECOMMENDATION, write_batch, write_letters
from addin.plumbing.outputs import OutputError
from addin.workbook.read import Submission
from addin.workbook.schema import STANDARD, Origin, record_model
from addin.workbook.templates import build_template, default_options

D = dt.date
UNIT = "测试能源集团有限公司"
TITLE_AT = 5
"""A 一事一报告's title follows its 版头: 发文机关标志, a blank line, 发文字号 and 签发人, two blank lines."""
ID_ZHANG = "510104198003150010"
ID_LIU = "510105198507220023"
ID_BANNED = "510106197811230033"
ID_SHAPED = re.compile(r"(?<!\d)[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\d)")

INFO: dict[str, Any] = {
    "unit_name": UNIT, "uscc": "91510100MA61R8XK49", "unit_level": "二级企业",
    "parent_uscc": "91510000MA62A1B235", "report_year": 2026, "report_period": "年度",
    "prior_year_assets": 500000.0, "profile": "central-2026", "preparer": "李明", "phone": "028-86001234",
    "report_date": D(2026, 11, 20),
}


def _clue(clue_id: str, **values: Any) -> dict[str, Any]:
    base = {
        "clue_id": clue_id, "received_date": D(2026, 2, 10), "source": "审计监督", "unit_name": "测试贸易有限公司",
        "unit_level": "二级", "violation_category": "购销管理", "key_area": "融资性贸易",
        "summary": "未经审批开展融资性贸易，形成应收款项逾期未收回", "amount_involved": 6800.0,
        "disposal": "立项核查", "stage": "处理", "filed_date": D(2026, 3, 2), "simplified_procedure": False,
        "recommendation_letter": True, "typical_case": False, "department": "审计部", "handler": "王芳",
    }
    base.update(values)
    return base


def _records() -> dict[str, list[dict[str, Any]]]:
    return {
        "clues": [
            _clue("XS-2026-010", event_report_date=D(2026, 2, 24)),
            # 一般 (estimate 50 < 500): no 一事一报告; its 建议书 row lacks 主要问题
            _clue("XS-2026-011", summary="超标准配置公务用车", estimated_loss=50.0, amount_involved=80.0,
                  violation_category="其他", key_area="无"),
            # 较大 by the estimate, but no 资产损失认定 rows
            _clue("XS-2026-012", summary="超越权限为参股企业提供担保", estimated_loss=900.0, amount_involved=3000.0,
                  violation_category="资金管理", key_area="担保"),
        ],
        "losses": [
            {"clue_id": "XS-2026-010", "loss_type": "直接损失", "loss_amount": 900.0, "prior_year_assets": 52000.0,
             "basis": "司法行政文书", "assessor": "某市中级人民法院", "assessed_date": D(2026, 3, 20),
             "recovered_amount": 80.0},
            {"clue_id": "XS-2026-010", "loss_type": "间接损失", "loss_amount": 34.56, "prior_year_assets": 52000.0,
             "basis": "企业内部证明", "assessor": "财务部", "assessed_date": D(2026, 3, 25)},
            {"clue_id": "xs-2026-010", "loss_type": "或有损失", "loss_amount": 300.0, "prior_year_assets": 52000.0,
             "basis": "中介机构报告", "assessor": "某某会计师事务所", "assessed_date": D(2026, 4, 1)},
        ],
        "accountability": [
            {"clue_id": "XS-2026-010", "name": "张伟", "id_number": ID_ZHANG, "unit": "测试贸易有限公司",
             "position": "总经理", "is_enterprise_head": True, "responsibility": "主管责任", "employment_status": "在职",
             "measure": "诫勉", "pay_base": 62.0, "pay_ratio": 0.6, "ban_term": "无", "referred_judicial": False,
             "aggravating": False, "mitigating": False, "decision_date": D(2026, 6, 18), "appealed": False},
            {"clue_id": "XS-2026-010", "name": "刘洋", "id_number": ID_LIU, "unit": "测试贸易有限公司",
             "position": "贸易部经理", "is_enterprise_head": False, "responsibility": "直接责任",
             "employment_status": "已调任", "measure": "降职", "pay_base": 38.0, "pay_ratio": 0.8, "ban_term": "无",
             "referred_judicial": False, "aggravating": True, "mitigating": False, "decision_date": D(2026, 6, 18),
             "appealed": True},
        ],
        "rectification": [
            {"finding_id": "SJ-2026-001", "source": "审计机关", "document_no": "某审报〔2026〕12号",
             "issued_date": D(2026, 3, 31), "description": "融资性贸易应收款项长期挂账未清理", "problem_amount": 480.0,
             "responsible_unit": "测试贸易有限公司", "responsible_person": "孙丽", "measures": "逐笔清理，建立催收台账",
             "stage": "问题销号", "corrected_amount": 480.0, "corrected": True, "controls_improved": True,
             "referred_accepted": False, "accountability_done": False, "plan_given": False, "refused_or_sham": False,
             "closed_date": D(2026, 9, 15), "clue_id": "XS-2026-010"},
        ],
        "bans": [
            {"name": "郑斌", "id_number": ID_BANNED, "former_unit": "测试贸易有限公司", "former_position": "副总经理",
             "term": "5年", "start_date": D(2026, 7, 1), "decision_no": "某国资发〔2026〕21号", "clue_id": "XS-2025-017"},
        ],
        "recommendations": [
            {"clue_id": "XS-2026-010", "recipient": "测试贸易有限公司", "transfer_date": D(2026, 7, 10),
             "transferred_by": "审计部", "main_problems": "融资性贸易形成的应收款项逾期，造成资产损失",
             "regulatory_risks": "贸易业务授权审批存在漏洞\n客户信用管理和应收款项监测缺失",
             "suggestions": "1.完善贸易业务负面清单\n2.建立客户信用评价和应收款项动态监测", "issued_date": D(2026, 7, 24)},
            {"clue_id": "XS-2026-011", "recipient": "测试贸易有限公司", "transfer_date": D(2026, 8, 3),
             "transferred_by": "审计部", "main_problems": None, "regulatory_risks": "公务用车管理制度执行不严",
             "suggestions": "严格执行公务用车配备标准", "issued_date": D(2026, 8, 20)},
        ],
    }


def submission(records: dict[str, list[dict[str, Any]]] | None = None, info: dict[str, Any] | None = None,
               file: str = "测试.xlsx") -> Submission:
    """A Submission built from records directly (as the reader would give it)."""
    records = _records() if records is None else records
    info_values = dict(INFO if info is None else info)
    model = record_model("info")
    ledgers = {}
    for key, rows in records.items():
        sheet = STANDARD.sheet(key)
        ledgers[key] = [record_model(key)(origin=Origin(file=file, sheet=sheet.name, row=i + 2), **row)
                        for i, row in enumerate(rows)]
    return Submission(file=file, info=model(origin=Origin(file=file, sheet="填报信息", row=2), **info_values),
                      ledgers=ledgers)  # type: ignore[arg-type]


def texts(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def full_text(path: Path) -> str:
    return "\n".join(texts(path))


@pytest.fixture
def letters(tmp_path: Path) -> tuple[Path, Any]:
    out = tmp_path / "out"
    result = write_letters(submission(), out, today=D(2026, 11, 23))
    return out, result


# -- the letters written and their facts ---------------------------------------------------------


def test_writes_one_recommendation_per_row_and_reports_for_graded_clues(letters: tuple[Path, Any]) -> None:
    out, result = letters
    assert sorted(p.name for p in out.iterdir()) == [
        f"{UNIT}_XS-2026-010_一事一报告.docx",
        f"{UNIT}_XS-2026-010_管理提升建议书.docx",
    ]
    assert [(w.kind, w.clue_id) for w in result.written] == [(RECOMMENDATION, "XS-2026-010"), (EVENT_REPORT, "XS-2026-010")]


def test_recommendation_states_the_facts(letters: tuple[Path, Any]) -> None:
    out, _ = letters
    paragraphs = texts(out / f"{UNIT}_XS-2026-010_管理提升建议书.docx")
    assert paragraphs[0] == "管理提升建议书"
    assert paragraphs[1] == ""  # 标题下空一行
    assert paragraphs[2] == "测试贸易有限公司："
    assert "针对测试贸易有限公司购销管理方面问题" in paragraphs[3]
    headings = [p for p in paragraphs if re.match(r"^[一二三四五六七八九十]+、", p)]
    assert headings == ["一、主要问题", "二、需关注的监管风险", "三、有关工作建议"]
    body = "\n".join(paragraphs)
    assert "2026年7月10日，审计部移送测试贸易有限公司购销管理方面问题线索（线索编号：XS-2026-010）。" in body
    assert "主要情形是：未经审批开展融资性贸易，形成应收款项逾期未收回。" in body
    assert "融资性贸易形成的应收款项逾期，造成资产损失。" in body
    # 900 + 34.56 + 300 = 1,234.56 (three 资产损失认定 rows, one with a lower-case 线索编号)
    assert "造成资产损失共计1,234.56万元（其中直接损失900.00万元、间接损失34.56万元、或有损失300.00万元）" in body
    assert "已挽回80.00万元" in body
    assert "属于较大资产损失" in body  # central-2026: 500 ≤ 1,234.56 < 5000
    assert "贸易业务授权审批存在漏洞。" in paragraphs
    assert "客户信用管理和应收款项监测缺失。" in paragraphs
    assert "1.完善贸易业务负面清单。" in paragraphs
    # written feedback asked by a date: 30 days after the letter's 2026-07-24
    assert paragraphs[-4] == f"请于2026年8月23日前将建议采纳情况和整改落实情况书面反馈{UNIT}。"
    assert paragraphs[-2:] == [UNIT, "2026年7月24日"]


def test_event_report_states_the_facts_and_the_computed_deadlines(letters: tuple[Path, Any]) -> None:
    out, _ = letters
    path = out / f"{UNIT}_XS-2026-010_一事一报告.docx"
    paragraphs = texts(path)
    body = "\n".join(paragraphs)
    # 版头: 发文机关标志, then 发文字号 and 签发人 (an upward document), highlighted where not given
    assert paragraphs[0] == f"{UNIT}文件"
    assert paragraphs[2] == "　（待补充：发文字号）\t签发人：（待补充）　"
    paragraphs = paragraphs[TITLE_AT:]
    assert paragraphs[0] == "关于测试贸易有限公司\n购销管理方面违规问题的报告"  # balanced at a word end
    # 一事一报告日期 2026-02-24 is before the report's date (2026-11-23): a 续报 that says so
    assert paragraphs[1] == "（一事一报告·续报）"
    assert paragraphs[3] == "（待承办部门补充：主送上级企业名称）："  # 较大 → 上级企业 (二级企业)
    assert paragraphs[4] == (f"根据《中央企业违规经营投资责任追究实施办法》（国务院国资委令第46号，2026年1月1日起施行）有关规定，"
                             f"{UNIT}已于2026年2月24日报送一事一报告。现将测试贸易有限公司购销管理方面违规问题有关进展情况续报如下：")
    headings = [p for p in paragraphs if re.match(r"^[一二三四五六七八九十]+、", p)]
    assert headings == ["一、线索来源及受理情况", "二、问题基本情况", "三、资产损失情况及认定依据", "四、原因分析",
                        "五、已采取的措施及下一步工作"]
    # source of the clue
    assert (f"2026年2月10日，{UNIT}受理测试贸易有限公司购销管理方面违规问题线索（线索编号：XS-2026-010，"
            "线索来源：审计监督）。") in body
    assert "涉及融资性贸易重点领域，涉及金额6,800.00万元" in body
    assert "已于2026年3月2日立项核查" in body
    # what happened: facts, units and people by name
    assert "（一）问题事实。未经审批开展融资性贸易，形成应收款项逾期未收回。" in body
    assert "涉事单位为测试贸易有限公司（二级企业）" in body
    assert "涉及责任人员2名：张伟、刘洋" in body
    # the loss and its basis, row by row; the contingent loss flagged
    assert "造成资产损失共计1,234.56万元（其中直接损失900.00万元、间接损失34.56万元、或有损失300.00万元）" in body
    assert "损失等级为较大，应由上级企业开展责任追究工作" in body
    assert ("1．直接损失900.00万元，认定依据为司法行政文书，认定机构为某市中级人民法院，认定日期为2026年3月20日，"
            "已挽回80.00万元。") in paragraphs
    assert "2．间接损失34.56万元，认定依据为企业内部证明，认定机构为财务部，认定日期为2026年3月25日。" in paragraphs
    assert ("3．或有损失300.00万元，认定依据为中介机构报告，认定机构为某某会计师事务所，认定日期为2026年4月1日。"
            "该项为或有损失，尚未实际发生，经中介机构评估确认将会发生且金额能够可靠计量。") in paragraphs
    # cause analysis: the risks from the 建议书, then what the handler must add
    assert "贸易业务授权审批存在漏洞。" in paragraphs
    assert "问题发生的原因：（待承办部门补充：问题发生的主观原因和客观原因，相关单位和人员的履职情况）。" in paragraphs
    # measures: responsibility with ratios and amounts (62 × 60% = 37.20; 38 × 80% = 30.40)
    assert "已完成资产损失认定3项，认定损失共计1,234.56万元，已挽回80.00万元，尚未挽回1,154.56万元。" in body
    zhang = next(p for p in paragraphs if p.startswith("1．张伟"))
    assert "时任测试贸易有限公司总经理（企业负责人），认定为主管责任" in zhang
    assert "组织处理：诫勉（影响期至2026年12月18日）" in zhang  # 诫勉: 6 months
    assert f"扣减绩效年薪60%（规定范围50%–100%）{UNCHECKED_RANGE}，计37.20万元" in zhang  # central-2026: unchecked
    assert "处理决定日期为2026年6月18日" in zhang
    liu = next(p for p in paragraphs if p.startswith("2．刘洋"))
    assert "现已调任，认定为直接责任；组织处理：降职（影响期至2028年6月18日）" in liu
    assert f"扣减绩效年薪80%（规定范围50%–100%）{UNCHECKED_RANGE}，计30.40万元" in liu
    assert "有从重加重情节" in liu and "本人已提出申诉" in liu
    # rectification linked by 关联线索编号: deadline = 3-31 + 6 months = 9-30
    finding = next(p for p in paragraphs if "SJ-2026-001" in p)
    assert "某审报〔2026〕12号指出的“融资性贸易应收款项长期挂账未清理”问题" in finding
    assert "整改期限为2026年9月30日" in finding and "整改结果为整改完毕" in finding
    assert "已于2026年9月15日销号" in finding
    # a 较大 loss without 严重不良后果: outside the real-time scope (116号), no day count (see the next test)
    assert "本事项不属于实时报告范围" in body and "应第一时间报告" in body and "快报应于" not in body
    # issuer, the report's own date (the day it is written), contact, then the 版记
    signed = paragraphs.index("2026年11月23日")
    assert paragraphs[signed - 1:signed + 2] == [UNIT, "2026年11月23日", "（联系人：李明，联系电话：028-86001234）"]
    assert paragraphs[-1] == f"　{UNIT}\t2026年11月23日印发　"


def test_a_person_handled_above_the_loss_grade_is_quoted_the_case_grades_range(tmp_path: Path) -> None:
    """central-2026 handles people at the case grade, the higher of the loss grade (较大 here:
    1,234.56万元) and the clue's 不良后果等级 (重大): the letter quotes 重大's range (100%), not
    较大's (50%–100%), and marks it 待核对 (the keying on the case grade is unchecked)."""
    records = _records()
    records["clues"][0]["consequence_grade"] = "重大"
    out = tmp_path / "case"
    write_letters(submission(records), out, today=D(2026, 11, 23))
    paragraphs = texts(out / f"{UNIT}_XS-2026-010_一事一报告.docx")
    zhang = next(p for p in paragraphs if p.startswith("1．张伟"))
    assert f"扣减绩效年薪60%（规定范围100%）{UNCHECKED_RANGE}，计37.20万元" in zhang
    liu = next(p for p in paragraphs if p.startswith("2．刘洋"))
    assert f"扣减绩效年薪80%（规定范围100%）{UNCHECKED_RANGE}，计30.40万元" in liu
    assert "损失等级为较大" in "\n".join(paragraphs)  # the loss itself is still graded 较大
    # 较大 with 严重不良后果 (recorded as 重大): in the real-time scope, the deadlines (see the module docstring)
    body = "\n".join(paragraphs)
    assert "实时报告快报应于2026年2月24日前报送" in body
    assert "实时报告应于2026年3月9日前报送" in body and "全面报告" not in body
    assert "初核报告应于2026年3月30日前报送（可延长不超过30个工作日）" in body


def test_the_superiors_name_addresses_the_event_report(tmp_path: Path) -> None:
    """上级单位名称 (standard version 2) is the 主送单位 of what goes upward."""
    out = tmp_path / "v2"
    write_letters(submission(info={**INFO, "parent_name": "测试集团有限公司"}), out, today=D(2026, 11, 23))
    paragraphs = texts(out / f"{UNIT}_XS-2026-010_一事一报告.docx")
    assert paragraphs[TITLE_AT + 3] == "测试集团有限公司："


def test_placeholders_are_marked_for_the_handler(letters: tuple[Path, Any]) -> None:
    out, _ = letters
    document = Document(str(out / f"{UNIT}_XS-2026-010_一事一报告.docx"))
    marked = [run for p in document.paragraphs for run in p.runs if run.text.startswith("（待承办部门补充：")]
    assert [run.text for run in marked] == [
        "（待承办部门补充：主送上级企业名称）",
        "（待承办部门补充：问题发生的具体时间、地点和主要经过）",
        "（待承办部门补充：问题发生的主观原因和客观原因，相关单位和人员的履职情况）",
        "（待承办部门补充：下一步工作安排及时间节点）",
    ]
    for run in marked:
        assert run.font.highlight_color == WD_COLOR_INDEX.YELLOW
        assert run.style.name == "待补充"


def test_report_to_fills_the_addressee(tmp_path: Path) -> None:
    result = write_letters(submission(), tmp_path, clues=["XS-2026-010"], report_to="测试能源控股集团有限公司")
    report = next(w.path for w in result.written if w.kind == EVENT_REPORT)
    assert texts(report)[TITLE_AT + 3] == "测试能源控股集团有限公司："


def test_no_identity_number_anywhere(tmp_path: Path) -> None:
    records = _records()
    # a clerk pasted an ID number into the summary and into a 建议书's text
    records["clues"][0]["summary"] = f"张伟（身份证号{ID_ZHANG}）未经审批开展融资性贸易"
    records["recommendations"][0]["main_problems"] = f"刘洋 {ID_LIU.lower()} 等人违规开展业务；另涉及 {ID_BANNED}"
    result = write_letters(submission(records), tmp_path)
    assert len(result.written) == 2
    for letter in result.written:
        with zipfile.ZipFile(letter.path) as package:
            for name in package.namelist():
                data = package.read(name).decode("utf-8", errors="ignore")
                for number in (ID_ZHANG, ID_LIU, ID_BANNED):
                    assert number not in data.upper(), (letter.path.name, name)
                assert not ID_SHAPED.search(data), (letter.path.name, name)
        assert "**********" in full_text(letter.path)
    assert "张伟（身份证号5101**********0010）未经审批" in full_text(result.written[1].path)


# -- the format ------------------------------------------------------------------------------------


def _rfonts(element: Any) -> dict[str, str]:
    fonts = element.find(qn("w:rPr")).find(qn("w:rFonts"))
    return {slot: fonts.get(qn(f"w:{slot}")) for slot in ("ascii", "hAnsi", "eastAsia", "cs")}


def test_page_is_gbt9704(letters: tuple[Path, Any]) -> None:
    out, _ = letters
    for path in out.iterdir():
        document = Document(str(path))
        section = document.sections[0]
        mm = lambda length: round(length / 36000, 1)  # noqa: E731  (EMU → mm)
        assert (mm(section.page_width), mm(section.page_height)) == (210.0, 297.0)
        assert (mm(section.top_margin), mm(section.bottom_margin)) == (37.0, 35.0)
        assert (mm(section.left_margin), mm(section.right_margin)) == (28.0, 26.0)
        # 版心 156 × 225 mm
        assert mm(section.page_width - section.left_margin - section.right_margin) == 156.0
        assert mm(section.page_height - section.top_margin - section.bottom_margin) == 225.0
        grid = section._sectPr.find(qn("w:docGrid"))
        assert grid.get(qn("w:linePitch")) == "560"  # 28 pt


def test_body_title_and_heading_styles(letters: tuple[Path, Any]) -> None:
    out, _ = letters
    document = Document(str(out / f"{UNIT}_XS-2026-010_一事一报告.docx"))
    styles = document.styles
    body = styles["Normal"]
    assert _rfonts(body.element) == dict.fromkeys(("ascii", "hAnsi", "eastAsia", "cs"), "仿宋_GB2312")
    assert body.font.size == Pt(16)  # 三号
    fmt = body.paragraph_format
    assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY and fmt.line_spacing == Pt(28)
    assert fmt.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    indent = body.element.pPr.find(qn("w:ind"))
    assert indent.get(qn("w:firstLineChars")) == "200" and indent.get(qn("w:firstLine")) == "640"  # 2 characters
    # a quarter point less per character: 28 × 15.75 pt fit the 442.2 pt line
    assert body.element.rPr.find(qn("w:spacing")).get(qn("w:val")) == "-5"
    # document defaults carry the East-Asian font and Chinese language too
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"

    title = document.paragraphs[TITLE_AT]
    assert title.style.name == "公文标题"
    assert _rfonts(title.style.element)["eastAsia"] == "方正小标宋简体"
    assert title.style.font.size == Pt(22)  # 二号
    assert title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    heading_1 = next(p for p in document.paragraphs if p.text == "一、线索来源及受理情况")
    assert heading_1.style.name == "一级标题"
    assert _rfonts(heading_1.style.element)["eastAsia"] == "黑体"
    assert heading_1.style.font.size == Pt(16) and not heading_1.style.font.bold
    heading_2 = next(p for p in document.paragraphs if p.text.startswith("（一）问题事实。"))
    lead = heading_2.runs[0]
    assert lead.text == "（一）问题事实。" and lead.style.name == "二级标题"
    assert _rfonts(lead.style.element)["eastAsia"] == "楷体_GB2312"
    assert heading_2.runs[1].style.name == "Default Paragraph Font"  # the rest in the body font
    addressee = document.paragraphs[TITLE_AT + 3]
    assert addressee.style.name == "主送机关"
    assert addressee.style.element.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "0"  # 顶格


def test_signature_is_right_aligned_two_characters_in(letters: tuple[Path, Any]) -> None:
    out, _ = letters
    document = Document(str(out / f"{UNIT}_XS-2026-010_管理提升建议书.docx"))
    issuer, date = document.paragraphs[-2:]
    assert issuer.style.name == date.style.name == "发文机关署名"
    assert issuer.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    # 测试能源集团有限公司: 10 characters, 右空二字; 2026年7月24日: 6.5 characters wide (half-width
    # digits), starting two characters right of the issuer's first → 2 + 10 − 2 − 6.5 = 3.5 from the right
    assert issuer.paragraph_format.element.pPr.find(qn("w:ind")).get(qn("w:rightChars")) == "200"
    assert date.paragraph_format.element.pPr.find(qn("w:ind")).get(qn("w:rightChars")) == "350"
    assert date.paragraph_format.element.pPr.find(qn("w:ind")).get(qn("w:right")) == "1120"  # 3.5 × 16 pt
    assert document.paragraphs[-3].text == ""  # 正文下空一行
    # the last text paragraph and the blank line keep with the signature: never a page of it alone
    assert document.paragraphs[-4].paragraph_format.keep_with_next
    assert document.paragraphs[-3].paragraph_format.keep_with_next and issuer.style.paragraph_format.keep_with_next


def test_footers_carry_the_page_field_odd_right_even_left(letters: tuple[Path, Any]) -> None:
    out, _ = letters
    document = Document(str(out / f"{UNIT}_XS-2026-010_一事一报告.docx"))
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    for footer, alignment, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                    (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment == alignment
        indent = paragraph.paragraph_format.element.pPr.find(qn("w:ind"))
        assert (indent.get(qn(f"w:{side}")), indent.get(qn(f"w:{side}Chars"))) == ("280", "100")  # 一字 (四号)
        xml = paragraph._p.xml
        assert [t.strip() for t in re.findall(r"<w:instrText[^>]*>([^<]*)</w:instrText>", xml)] == ["PAGE"]
        assert [c for c in re.findall(r'w:fldCharType="(\w+)"', xml)] == ["begin", "separate", "end"]
        assert paragraph.text == "— 1 —"
        assert paragraph.style.name == "页码"
        assert _rfonts(paragraph.style.element) == dict.fromkeys(("ascii", "hAnsi", "eastAsia", "cs"), "宋体")
        assert paragraph.style.font.size == Pt(14)  # 4号
    # page number 7 mm below the 版心: footer bottom at 35 − 7 − 7 pt/2.835 mm
    assert round(section.footer_distance.mm, 1) == 25.5


def test_font_table_names_fallbacks(letters: tuple[Path, Any]) -> None:
    out, _ = letters
    with zipfile.ZipFile(out / f"{UNIT}_XS-2026-010_一事一报告.docx") as package:
        fonts = package.read("word/fontTable.xml").decode("utf-8")
    for name, alt in (("方正小标宋简体", "宋体"), ("仿宋_GB2312", "仿宋"), ("楷体_GB2312", "楷体")):
        entry = re.search(rf'<w:font w:name="{name}">(.*?)</w:font>', fonts, re.S)
        assert entry is not None, name
        assert f'<w:altName w:val="{alt}"/>' in entry.group(1)
        assert '<w:charset w:val="86"/>' in entry.group(1)  # GB2312


def test_metadata_names_the_issuer(letters: tuple[Path, Any]) -> None:
    out, _ = letters
    props = Document(str(out / f"{UNIT}_XS-2026-010_一事一报告.docx")).core_properties
    assert props.author == UNIT and props.last_modified_by == UNIT
    assert props.title == "关于测试贸易有限公司购销管理方面违规问题的报告（一事一报告，XS-2026-010）"


# -- bad input: problems as data, nothing half-written ------------------------------------------


def test_missing_text_field_is_a_problem_naming_clue_and_field(letters: tuple[Path, Any]) -> None:
    out, result = letters
    missing = [p for p in result.problems if p.field == "main_problems"]
    assert len(missing) == 1
    problem = missing[0]
    assert (problem.clue_id, problem.document, problem.label) == ("XS-2026-011", RECOMMENDATION, "主要问题")
    assert problem.code == "ZZ-LETTER-MISSING"
    assert (problem.sheet, problem.row) == ("管理提升建议书", 3)
    assert problem.message == "线索 XS-2026-011 的管理提升建议书未生成：「管理提升建议书」第3行未填写“主要问题”"
    assert str(problem) == f"测试.xlsx「管理提升建议书」第3行：{problem.message}"
    assert not any("XS-2026-011" in p.name for p in out.iterdir())


def test_report_without_loss_rows_is_a_problem(letters: tuple[Path, Any]) -> None:
    out, result = letters
    problem = next(p for p in result.problems if p.clue_id == "XS-2026-012")
    assert problem.document == EVENT_REPORT and problem.field == "loss_amount"
    assert problem.code == "ZZ-LETTER-NO-LOSS"
    assert "线索 XS-2026-012 的一事一报告未生成" in problem.message
    assert "损失等级为 较大（按预估损失金额）" in problem.message
    assert "「资产损失认定」表中没有该线索的损失认定行" in problem.message
    assert not any("XS-2026-012" in p.name for p in out.iterdir())
    assert len(result.problems) == 2  # this one and XS-2026-011's 主要问题


def test_missing_loss_field_and_person_name(tmp_path: Path) -> None:
    records = _records()
    records["losses"][1]["assessor"] = "  "
    records["accountability"][1]["name"] = None
    result = write_letters(submission(records), tmp_path, clues=["XS-2026-010"])
    fields = sorted((p.field, p.label, p.sheet, p.row) for p in result.problems)
    assert fields == [("assessor", "认定机构", "资产损失认定", 3), ("name", "责任人姓名", "责任认定与处理", 3)]
    assert all(p.clue_id == "XS-2026-010" and p.document == EVENT_REPORT for p in result.problems)
    assert [w.kind for w in result.written] == [RECOMMENDATION]  # the 建议书 needs neither


def test_missing_issuer_and_profile(tmp_path: Path) -> None:
    no_unit = write_letters(submission(info={**INFO, "unit_name": None}), tmp_path / "a")
    assert not no_unit.written and not (tmp_path / "a").exists()
    assert [(p.clue_id, p.field, p.message) for p in no_unit.problems] == [
        (None, "unit_name", "「填报信息」未填写“填报单位名称”（文书的发文机关署名），未生成任何文书")]
    assert [p.code for p in no_unit.problems] == ["ZZ-LETTER-MISSING"]
    no_profile = write_letters(submission(info={**INFO, "profile": None}), tmp_path / "b")
    assert not no_profile.written and not (tmp_path / "b").exists()
    assert [p.message for p in no_profile.problems] == ["「填报信息」未填写“适用标准”，无法确定损失等级和报告时限，未生成任何文书"]


def test_deadline_beyond_the_known_calendar_is_a_problem(tmp_path: Path) -> None:
    records = _records()
    records["clues"][0]["received_date"] = D(2026, 12, 21)  # 30 working days run into 2027, not yet imported
    records["clues"][0]["consequence_grade"] = "重大"  # in the real-time scope: the day counts run
    result = write_letters(submission(records), tmp_path, clues=["XS-2026-010"], today=D(2027, 1, 15))
    problem = next(p for p in result.problems if p.document == EVENT_REPORT)
    assert (problem.clue_id, problem.field, problem.label) == ("XS-2026-010", "received_date", "受理日期")
    assert problem.code == "ZZ-LETTER-DEADLINE"
    assert "2027年的法定节假日和调休安排尚未导入" in problem.message
    assert [w.kind for w in result.written] == [RECOMMENDATION]


def test_an_unknown_profile_writes_nothing(tmp_path: Path) -> None:
    result = write_letters(submission(info={**INFO, "profile": "yibin-2099"}), tmp_path / "out")
    assert not result.written and not (tmp_path / "out").exists()
    assert [(p.code, p.field, p.sheet) for p in result.problems] == [("ZZ-LETTER", "profile", "填报信息")]
    assert result.problems[0].message.startswith("未知适用标准 'yibin-2099'（可选：central-2018、central-2026、yibin-2020")
    assert result.problems[0].message.endswith("，未生成任何文书")


def test_a_grade_the_engine_cannot_compute_is_a_problem(tmp_path: Path) -> None:
    records = _records()
    records["losses"][0]["loss_amount"] = -900.0  # 900 + 34.56 + 300 would be 较大; with −900 the total is −565.44
    result = write_letters(submission(records), tmp_path, clues=["XS-2026-010"])
    assert [(p.code, p.clue_id, p.document, p.field, p.row) for p in result.problems] == [
        ("ZZ-LETTER-GRADE", "XS-2026-010", EVENT_REPORT, "loss_grade", 2)]
    assert result.problems[0].message == ("线索 XS-2026-010 的损失等级无法计算（损失金额不能为负数（现为 -565.44）），"
                                          "无法判断是否需要一事一报告")
    assert [w.kind for w in result.written] == [RECOMMENDATION]


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_save(self: OfficialDocument, path: Any) -> None:
        Path(path).write_bytes(b"PK\x03\x04 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(OfficialDocument, "save", broken_save)
    out = tmp_path / "out"
    with pytest.raises(OutputError) as failure:  # a full disk stops the batch: one line, nothing written
        write_letters(submission(), out)
    assert list(out.iterdir()) == []
    assert "磁盘空间不足" in failure.value.message and str(out) in failure.value.message


def test_an_existing_letter_is_replaced_only_with_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = write_letters(submission(), out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    records = _records()
    records["recommendations"][0]["recipient"] = "测试贸易有限公司董事会"
    with pytest.raises(OutputError) as refused:  # files this run did not write: nothing replaced, nothing written
        write_letters(submission(records), out)
    assert refused.value.message.startswith(f"文件已存在：{out / f'{UNIT}_XS-2026-010_管理提升建议书.docx'}")
    assert "加 --force" in refused.value.message
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    second = write_letters(submission(records), out, force=True)
    assert [w.path for w in first.written] == [w.path for w in second.written]
    assert texts(second.written[0].path)[2] == "测试贸易有限公司董事会："
    assert len(list(out.iterdir())) == 2


# -- selection, batches, the command ------------------------------------------------------------


def test_selected_clues_only(tmp_path: Path) -> None:
    result = write_letters(submission(), tmp_path, clues=["xs-2026-010", "XS-2099-999"])
    assert [(w.kind, w.clue_id) for w in result.written] == [(RECOMMENDATION, "XS-2026-010"), (EVENT_REPORT, "XS-2026-010")]
    assert [p.message for p in result.problems] == ["「问题线索台账」中没有线索编号 XS-2099-999，未生成文书"]
    assert [p.code for p in result.problems] == ["ZZ-LETTER-NO-CLUE"]


def test_one_kind_only(tmp_path: Path) -> None:
    reports = write_letters(submission(), tmp_path / "r", kinds=[EVENT_REPORT])
    assert [(w.kind, w.clue_id) for w in reports.written] == [(EVENT_REPORT, "XS-2026-010")]
    assert [p.clue_id for p in reports.problems] == ["XS-2026-012"]
    letters = write_letters(submission(), tmp_path / "l", clues=["XS-2026-012"], kinds=[RECOMMENDATION])
    assert not letters.written
    assert [p.message for p in letters.problems] == ["线索 XS-2026-012：「管理提升建议书」表中没有该线索，未生成文书"]
    assert [p.code for p in letters.problems] == ["ZZ-LETTER-NOTHING"]
    with pytest.raises(ValueError):
        write_letters(submission(), tmp_path, kinds=["通报"])


def test_progress_is_reported(tmp_path: Path) -> None:
    calls: list[tuple[int, int, str]] = []
    write_letters(submission(), tmp_path, progress=lambda done, total, what: calls.append((done, total, what)))
    # four letters are due (two 建议书 rows, two graded clues); two of them cannot be written
    assert [(d, t) for d, t, _ in calls] == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert calls[0][2] == f"{UNIT} XS-2026-010 管理提升建议书"
    assert calls[-1][2] == "已生成管理提升建议书1份、一事一报告1份；发现问题2项，相关文书未生成。"


def _workbook(path: Path, unit: str, uscc: str) -> Path:
    info = {**INFO, "unit_name": unit, "uscc": uscc}
    return build_template(path, default_options("central-2026"), info, _records())


def test_batch_over_a_folder_of_workbooks(tmp_path: Path) -> None:
    folder = tmp_path / "returns"
    folder.mkdir()
    _workbook(folder / "a.xlsx", "测试能源甲公司", "91510100MA61R8XK49")
    _workbook(folder / "b.xlsx", "测试能源/乙公司", "91510100MA6CU5NP5B")  # a slash in the name
    (folder / "~$a.xlsx").write_bytes(b"lock")
    result = write_batch(folder, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "测试能源_乙公司_XS-2026-010_一事一报告.docx",
        "测试能源_乙公司_XS-2026-010_管理提升建议书.docx",
        "测试能源甲公司_XS-2026-010_一事一报告.docx",
        "测试能源甲公司_XS-2026-010_管理提升建议书.docx",
    ]
    assert {(p.unit, p.clue_id) for p in result.problems} == {
        (unit, clue) for unit in ("测试能源甲公司", "测试能源/乙公司") for clue in ("XS-2026-011", "XS-2026-012")}
    report = tmp_path / "out" / "测试能源_乙公司_XS-2026-010_一事一报告.docx"
    assert "本事项不属于实时报告范围" in full_text(report)
    assert "测试能源/乙公司" in texts(report)[-6:-3]


def test_batch_of_submissions_keeps_names_unique(tmp_path: Path) -> None:
    result = write_batch([submission(file="a.xlsx"), submission(file="b.xlsx")], tmp_path, clues=["XS-2026-010"])
    assert sorted(w.path.name for w in result.written) == [
        f"{UNIT}_XS-2026-010_一事一报告.docx", f"{UNIT}_XS-2026-010_一事一报告_2.docx",
        f"{UNIT}_XS-2026-010_管理提升建议书.docx", f"{UNIT}_XS-2026-010_管理提升建议书_2.docx",
    ]
    assert result.ok


def test_batch_selection_names_a_clue_only_when_no_unit_has_it(tmp_path: Path) -> None:
    other = _records()
    other["clues"][0]["clue_id"] = other["recommendations"][0]["clue_id"] = "XS-2026-099"
    for row in other["losses"] + other["accountability"] + other["rectification"]:
        row["clue_id"] = "XS-2026-099"
    result = write_batch([submission(), submission(other, file="b.xlsx")], tmp_path,
                         clues=["XS-2026-010", "XS-2026-099", "XS-0000"])
    assert sorted(w.clue_id for w in result.written) == ["XS-2026-010", "XS-2026-010", "XS-2026-099", "XS-2026-099"]
    assert [p.message for p in result.problems] == ["各单位的「问题线索台账」中都没有线索编号 XS-0000，未生成文书"]


@pytest.mark.filterwarnings("ignore:Print area cannot be set:UserWarning")  # openpyxl on the template's dynamic print areas
def test_batch_reports_a_missing_sheet(tmp_path: Path) -> None:
    import openpyxl

    book = _workbook(tmp_path / "return.xlsx", UNIT, "91510100MA61R8XK49")
    workbook = openpyxl.load_workbook(book)
    del workbook["管理提升建议书"]
    workbook.save(book)
    result = write_batch([book], tmp_path / "out")
    assert [w.kind for w in result.written] == [EVENT_REPORT]
    missing = [p for p in result.problems if p.sheet == "管理提升建议书"]
    assert [(p.code, p.message, p.unit) for p in missing] == [
        ("ZZ-READ-SHEET-MISSING", "缺少工作表「管理提升建议书」", UNIT)]


def test_batch_reports_an_unreadable_workbook(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"this is not a workbook")
    result = write_batch([broken], tmp_path / "out")
    assert not result.written and len(result.problems) == 1
    assert result.problems[0].file == str(broken)
    assert result.problems[0].message.startswith("工作簿无法读取，未生成文书：")


def test_cli_letters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = _workbook(tmp_path / "return.xlsx", UNIT, "91510100MA61R8XK49")
    out = tmp_path / "out"
    code = cli.main(["letters", str(book), "--out", str(out), "--clue", "XS-2026-010"])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out.splitlines() == [
        f"已生成：{out / f'{UNIT}_XS-2026-010_管理提升建议书.docx'}",
        f"已生成：{out / f'{UNIT}_XS-2026-010_一事一报告.docx'}",
        "已生成管理提升建议书1份、一事一报告1份；1个工作簿未通过校验，文书据其现有数据生成，定稿前请先改正。",
    ]
    # the workbook's 管理提升建议书 row 3 lacks 主要问题 (and, in version 2, 填报信息 its 上级单位名称):
    # the validator rejects it, and letters say so with the validator's count and first error
    from addin.validation import validate_paths

    (report,) = validate_paths([book]).files
    assert any(p.sheet == "管理提升建议书" and p.cell == "E3" and "“主要问题”必须填写" in p.message for p in report.errors)
    first = report.errors[0]
    assert f"提醒：return.xlsx 未通过校验（{len(report.errors)} 处错误，如 {first.where} {first.message}" in captured.err
    code = cli.main(["letters", str(book), "--out", str(out)])  # the letters are there: not replaced
    captured = capsys.readouterr()
    assert code == 1 and "文件已存在" in captured.err and "--force" in captured.err
    code = cli.main(["letters", str(book), "--out", str(out), "--force"])
    captured = capsys.readouterr()
    assert code == 1
    assert "未生成：return.xlsx「管理提升建议书」第3行：线索 XS-2026-011 的管理提升建议书未生成" in captured.err
    code = cli.main(["letters", str(book), "--out", str(out), "--clue", "XS-2026-011", "--kind", "一事一报告"])
    assert code == 1
    assert ("线索 XS-2026-011：损失等级为 一般，按适用标准无需一事一报告，未生成文书"
            in capsys.readouterr().err)
    assert "Traceback" not in captured.err
    code = cli.main(["letters", str(book), "--out", str(tmp_path / "only"), "--kind", "一事一报告", "--clue", "XS-2026-010"])
    assert code == 0 and [p.name for p in (tmp_path / "only").iterdir()] == [f"{UNIT}_XS-2026-010_一事一报告.docx"]
    capsys.readouterr()
    assert cli.main(["letters", str(book), "--out", str(tmp_path / "d"), "--date", "2026-13-01"]) == 2
    assert "--date 应为日期" in capsys.readouterr().err
    assert cli.main(["letters", str(book), "--out", str(tmp_path / "n"), "--doc-number", "某发〔2026〕1号"]) == 2
    assert "发文字号只能用于一份文书" in capsys.readouterr().err and not (tmp_path / "n").exists()
    assert cli.main(["letters", str(book), "--out", str(tmp_path / "n"), "--doc-number", "某发〔2026〕1号",
                     "--kind", "一事一报告", "--clue", "XS-2026-010", "--signer", "赵强", "--cc", "集团公司纪委",
                     "--date", "2026-11-23"]) == 0
    capsys.readouterr()
    assert texts(tmp_path / "n" / f"{UNIT}_XS-2026-010_一事一报告.docx")[2] == "　某发〔2026〕1号\t签发人：赵强　"
    assert cli.main(["letters", str(tmp_path / "missing.xlsx"), "--out", str(out)]) == 2
    assert "找不到工作簿或文件夹" in capsys.readouterr().err


# -- wording ----------------------------------------------------------------------------------------


def test_wording() -> None:
    assert chinese_date(D(2026, 11, 23)) == "2026年11月23日"
    assert chinese_date(D(2026, 3, 2)) == "2026年3月2日"
    assert wan(1234.56) == "1,234.56万元"
    assert wan(1234567.5) == "1,234,567.50万元"
    # 2 decimals, half up, as the returns show money (the demo had 56.315万元 and 10.9095万元)
    assert wan(0.1234) == "0.12万元"
    assert wan(12.345) == "12.35万元" and wan(56.315) == "56.32万元" and wan(10.9095) == "10.91万元"
    assert wan(5454.8075) == "5,454.81万元" and wan(0.004) == "0.00万元"
    assert [chinese_number(n) for n in (1, 9, 10, 11, 20, 21, 99)] == ["一", "九", "十", "十一", "二十", "二十一", "九十九"]
    assert safe_name('A/B:C*?"<>|D. ') == "A_B_C_D"
    assert safe_name("CON") == "_CON"
    assert safe_name("   ") == "未命名"
    assert balanced_lines("管理提升建议书", 20) == ["管理提升建议书"]
    assert balanced_lines("关于测试能源集团有限公司所属测试贸易有限公司购销管理方面违规问题的报告", 20) == [
        "关于测试能源集团有限公司", "所属测试贸易有限公司", "购销管理方面违规问题的报告"]
    assert balanced_lines("关于测试贸易有限公司购销管理方面违规问题的报告", 20) == [
        "关于测试贸易有限公司", "购销管理方面违规问题的报告"]
    redact = Redactor(["11010519491231002X"])
    assert redact("号码 11010519491231002x 和 110105194912310021") == "号码 1101**********002X 和 1101**********0021"
    assert redact("金额 12345678901234 元") == "金额 12345678901234 元"


def test_standard_numbers() -> None:
    assert (gbt9704.MARGIN_RIGHT_MM, gbt9704.MARGIN_BOTTOM_MM) == (26, 35)
    assert gbt9704.character_spacing_twentieths() == -5
    assert gbt9704.title_chars_per_line() == 20


# -- rendered by LibreOffice -------------------------------------------------------------------------

def render_pdf(docx: Path, folder: Path) -> Path:
    """The document as LibreOffice Writer prints it (private profile, Noto in place of the official fonts)."""
    (pdf,) = preview.to_pdf([docx], folder)
    return pdf


def _pdf_words(pdf: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          check=True, capture_output=True, text=True).stdout
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


needs_office = pytest.mark.skipif(
    not (preview.available() and shutil.which("pdfinfo") and shutil.which("pdftotext")),
    reason="需要 LibreOffice 和 poppler-utils（sudo apt-get install libreoffice-writer poppler-utils fonts-noto-cjk）",
)

MM = 72 / 25.4  # points per millimetre


LONG_SUGGESTIONS = 16
"""So many suggestion lines put the 建议书's signature alone on page 3 unless its last paragraph
keeps with it (found by rendering 10–39 lines without the keep)."""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """The test letters (dated 2026-11-23, with 抄送), a 建议书 whose signature would stand alone
    on its last page, and the sample workbook's letters, printed by LibreOffice in one run:
    letter name → (docx, PDF)."""
    from addin.documents.facts import LetterOptions
    from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS

    folder = tmp_path_factory.mktemp("rendered")
    options = LetterOptions(date=D(2026, 11, 23), copies_to="集团公司纪委、审计部")
    ours = [w.path for w in write_letters(submission(), folder / "ours", options=options).written]
    records = _records()
    records["recommendations"][0]["suggestions"] = "\n".join(
        f"{n}.完善贸易业务负面清单" for n in range(1, LONG_SUGGESTIONS + 1))
    (long,) = write_letters(submission(records), folder / "long", kinds=[RECOMMENDATION], clues=["XS-2026-010"]).written
    book = build_template(folder / "sample.xlsx", default_options("central-2026"), SAMPLE_INFO, SAMPLE_RECORDS)
    sample = [w.path for w in write_batch([book], folder / "sample", options=options).written]
    letters = ours + [long.path.rename(long.path.with_name("长_" + long.path.name))] + sample
    pdfs = preview.to_pdf(letters, folder / "pdf")
    return {path.name: (path, pdf) for path, pdf in zip(letters, pdfs)}


def _pages(pdf: Path) -> list[str]:
    """Each page's text, white space removed (pdftotext pages are split by form feeds)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return [re.sub(r"\s+", "", page) for page in text.split("\f")[:-1]]


@needs_office
def test_rendered_by_libreoffice(rendered: dict[str, tuple[Path, Path]]) -> None:
    expected_pages = {RECOMMENDATION: 2, EVENT_REPORT: 5}
    for kind, pages in expected_pages.items():
        _, pdf = rendered[f"{UNIT}_XS-2026-010_{kind}.docx"]
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
        assert re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1) == str(pages)  # type: ignore[union-attr]
        assert "(A4)" in info
        for n, page in enumerate(_pages(pdf), start=1):
            assert f"—{n}—" in page  # the PAGE field, on every page
        flat = "".join(re.sub(r"—\d+—", "", page) for page in _pages(pdf))
        assert "1,234.56万元" in flat
        if kind == EVENT_REPORT:
            assert "本事项不属于实时报告范围" in flat
            assert ID_ZHANG not in flat
            assert "抄送：集团公司纪委、审计部。" in flat and "2026年11月23日印发" in flat
        else:
            assert "管理提升建议书" in flat and "2026年7月24日" in flat
        # the 版心: text starts 28 mm from the left and 37 mm from the top; the title is centred
        words = _pdf_words(pdf, 1)
        left = min(w[0] for w in words if not w[4].startswith("—"))
        top = min(w[1] for w in words)
        assert abs(left - 28 * MM) < 1.5, left
        assert 37 * MM - 1 <= top <= 37 * MM + 12, top
        title = [w for w in words if w[1] < 37 * MM + 20]
        centre = (min(w[0] for w in title) + max(w[2] for w in title)) / 2
        assert abs(centre - (28 + 78) * MM) < 3, centre
        # the page number sits below the 版心 (297 − 35 = 262 mm), odd pages on the right
        number = [w for w in words if w[4] in ("—", "1")]
        assert all(w[1] > 262 * MM for w in number if w[4] == "—")
        assert max(w[2] for w in number) > 170 * MM


@needs_office
def test_no_page_holds_only_the_signature(rendered: dict[str, tuple[Path, Path]]) -> None:
    """GB/T 9704 7.3.5: the issuer and date never stand alone on a page — on the page that
    holds them there is body text too (the last paragraph keeps with them)."""
    checked = 0
    for name, (docx, pdf) in rendered.items():
        document = Document(str(docx))
        signature = [p.text for p in document.paragraphs if p.style.name == "发文机关署名"]
        issuer, date = (re.sub(r"\s+", "", t) for t in signature)
        first = next(i for i, p in enumerate(document.paragraphs) if p.style.name == "发文机关署名")
        closing = [re.sub(r"\s+", "", p.text) for p in document.paragraphs[first:]]
        pages = _pages(pdf)
        (page,) = [text for text in pages if re.search(re.escape(issuer + date) + "(?!印发)", text)]
        rest = page
        for text in closing + [re.sub(r"\s+", "", p) for p in ("抄送：", "印发")]:
            rest = rest.replace(text, "")
        rest = re.sub(r"—\d+—", "", rest)
        assert len(rest) > 10, (name, page)
        checked += 1
    assert checked >= 5
    assert len(_pages(rendered[f"长_{UNIT}_XS-2026-010_{RECOMMENDATION}.docx"][1])) == 3


def test_letters_mark_unchecked_rules_and_never_cite_the_municipal_rule(letters: tuple[Path, Any]) -> None:
    """central-2026: the loss grade (Order 46, read) is cited plainly; the report deadlines
    (116号's numbers, not read for the central text) carry 待核对; nothing names the municipal rule."""
    out, _ = letters
    report = "\n".join(texts(out / f"{UNIT}_XS-2026-010_{EVENT_REPORT}.docx"))
    letter = "\n".join(texts(out / f"{UNIT}_XS-2026-010_{RECOMMENDATION}.docx"))
    timing = next(line for line in report.splitlines() if "报告时限" in line)
    assert UNCHECKED_RULE in timing and "国务院国资委令第46号" in timing
    assert "属于较大资产损失" in letter
    grade_line = next(line for line in letter.splitlines() if "属于较大资产损失" in line)
    assert "待核对" not in grade_line
    for text in (report, letter):
        assert "宜宾" not in text


# -- what a document may state on its date --------------------------------------------------------

_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_TERMS = ("应于", "影响期至", "整改期限为", "请于")
"""Dates that are terms or deadlines, not facts: they may lie after the document's date."""


def fact_dates(text: str) -> list[dt.date]:
    """Every date a document states as a fact (deadlines and terms left out)."""
    found = []
    for match in _DATE.finditer(text):
        before = text[max(0, match.start() - 5):match.start()]
        if any(before.endswith(term) for term in _TERMS):
            continue
        found.append(D(*map(int, match.groups())))
    return found


def test_a_report_states_only_what_was_true_on_its_date(tmp_path: Path) -> None:
    """Dated 2026-03-22: the 3-20 loss is told, the 3-25 and 4-01 ones, the 6-18 decisions, the
    3-31 audit finding and the ledger's current stage (as of its 填报日期 11-20) are not."""
    result = write_letters(submission(), tmp_path, kinds=[EVENT_REPORT], clues=["XS-2026-010"], today=D(2026, 3, 22))
    (letter,) = result.written
    body = full_text(letter.path)
    dates = fact_dates(body)
    assert D(2026, 3, 20) in dates and max(dates) == D(2026, 3, 22)
    assert "造成资产损失共计900.00万元" in body and "34.56" not in body and "或有损失" not in body
    assert "损失等级为较大" in body  # 900 of 52,000: graded on what was assessed by then
    assert "张伟" not in body and "SJ-2026-001" not in body and "办理阶段为" not in body
    assert "已于2026年3月2日立项核查" in body
    assert "（一事一报告·续报）" in body and "已于2026年2月24日报送一事一报告" in body
    # the default letters (dated 2026-11-23) too: no fact after the date either letter bears
    out = tmp_path / "all"
    for written in write_letters(submission(), out, today=D(2026, 11, 23)).written:
        text = full_text(written.path)
        signed = D(2026, 7, 24) if written.kind == RECOMMENDATION else D(2026, 11, 23)
        assert max(fact_dates(text)) == signed, written.kind


def test_a_letter_dated_before_the_clue_was_received_is_a_problem(tmp_path: Path) -> None:
    result = write_letters(submission(), tmp_path, kinds=[EVENT_REPORT], clues=["XS-2026-010"], today=D(2026, 2, 9))
    assert not result.written
    (problem,) = result.problems
    assert problem.code == "ZZ-LETTER-DATE" and problem.field == "received_date"
    assert "受理日期 2026年2月10日 晚于报告日期 2026年2月9日" in problem.message


def test_a_first_report_and_a_continued_one(tmp_path: Path) -> None:
    """续报 only when an earlier report is recorded before the date: on 2026-02-24 (the recorded
    一事一报告日期 itself) it is the first report; a day later it continues it; a 快报 counts too."""
    def subtitle(day: dt.date, **clue: Any) -> str:
        records = _records()
        records["clues"][0].update(clue)
        folder = tmp_path / f"{day}{len(clue)}"
        (letter,) = write_letters(submission(records), folder, kinds=[EVENT_REPORT], clues=["XS-2026-010"],
                                  today=day).written
        return texts(letter.path)[TITLE_AT + 1]

    assert subtitle(D(2026, 2, 24)) == "（一事一报告）"
    assert subtitle(D(2026, 2, 25)) == "（一事一报告·续报）"
    assert subtitle(D(2026, 2, 25), event_report_date=None) == "（一事一报告）"
    assert subtitle(D(2026, 2, 25), event_report_date=None, flash_date=D(2026, 2, 13)) == "（一事一报告·续报）"


def _plain_runs(path: Path) -> list[str]:
    """Text of runs that are not highlighted."""
    document = Document(str(path))
    return [run.text for p in document.paragraphs for run in p.runs if run.font.highlight_color is None]


def test_nothing_unchecked_in_plain_text_and_money_to_two_decimals(tmp_path: Path) -> None:
    records = _records()
    records["losses"][1]["loss_amount"] = 34.5649  # 900 + 34.5649 + 300 = 1,234.5649 → 1,234.56
    records["accountability"][0]["pay_base"] = 62.0175  # × 60% = 37.2105 → 37.21
    result = write_letters(submission(records), tmp_path, today=D(2026, 11, 23))
    assert len(result.written) == 2
    for letter in result.written:
        text = full_text(letter.path)
        assert not re.search(r"\d\.\d{3,}万元", text), letter.kind
        if letter.kind == EVENT_REPORT:  # central-2026's deadlines and ranges are unchecked: noted, highlighted
            assert "待核对" in text
        assert not [run for run in _plain_runs(letter.path) if "待核对" in run], letter.kind
    report = full_text(next(w.path for w in result.written if w.kind == EVENT_REPORT))
    assert "间接损失34.56万元" in report and "共计1,234.56万元" in report and "计37.21万元" in report


def test_letterhead_signer_and_imprint(tmp_path: Path) -> None:
    from addin.documents.batch import LettersError
    from addin.documents.facts import LetterOptions
    from addin.returns.identity import UnitIdentity

    identity = UnitIdentity(name=UNIT, head="赵强")  # the identity is the issuer's: its 单位负责人 signs
    options = LetterOptions(date=D(2026, 11, 23), doc_number="测能源报〔2026〕8号", identity=identity,
                            copies_to="集团公司纪委、审计部")
    (report,) = write_letters(submission(), tmp_path, kinds=[EVENT_REPORT], clues=["XS-2026-010"],
                              options=options).written
    paragraphs = texts(report.path)
    assert paragraphs[:3] == [f"{UNIT}文件", "", "　测能源报〔2026〕8号\t签发人：赵强　"]
    assert paragraphs[-2:] == ["　抄送：集团公司纪委、审计部。", f"　{UNIT}\t2026年11月23日印发　"]
    head = Document(str(report.path)).paragraphs[0]
    assert str(head.runs[0].font.color.rgb) == "FF0000"  # red 发文机关标志
    assert Document(str(report.path)).paragraphs[2]._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(
        qn("w:color")) == "FF0000"  # the red separator line
    signer = LetterOptions(signer="钱明", identity=UnitIdentity(name="另一集团有限公司", head="赵强"))
    assert signer.signer_for(UNIT) == "钱明"
    assert LetterOptions(identity=UnitIdentity(name="另一集团有限公司", head="赵强")).signer_for(UNIT) is None
    with pytest.raises(LettersError, match="发文字号只能用于一份文书"):
        write_letters(submission(), tmp_path / "two", options=options)


def test_a_superseded_workbook_in_a_folder_gets_no_letters(tmp_path: Path) -> None:
    """As the roll-up takes them: the later 填报日期 of a unit's period wins, the same content
    counts once, equal dates give no letters."""
    folder = tmp_path / "returns"
    folder.mkdir()
    early = {**INFO, "report_date": D(2026, 11, 20)}
    late = {**INFO, "report_date": D(2026, 11, 22)}
    build_template(folder / "a-first.xlsx", default_options("central-2026"), early, _records())
    build_template(folder / "a-second.xlsx", default_options("central-2026"), late, _records())
    shutil.copy(folder / "a-second.xlsx", folder / "a-copy.xlsx")
    result = write_batch(folder, tmp_path / "out", clues=["XS-2026-010"])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"{UNIT}_XS-2026-010_一事一报告.docx", f"{UNIT}_XS-2026-010_管理提升建议书.docx"]  # no …_2.docx
    assert any("a-first.xlsx（填报日期 2026-11-20）已被" in n and "未生成文书" in n for n in result.notices)
    assert any("内容完全相同" in n for n in result.notices)
    tied = tmp_path / "tied"
    tied.mkdir()
    build_template(tied / "x.xlsx", default_options("central-2026"), late, _records())
    records = _records()
    records["recommendations"][0]["recipient"] = "测试贸易有限公司董事会"
    build_template(tied / "y.xlsx", default_options("central-2026"), late, records)
    result = write_batch(tied, tmp_path / "out2", clues=["XS-2026-010"])
    assert not result.written
    assert [p.code for p in result.problems] == ["ZZ-ROLLUP-CONFLICT", "ZZ-ROLLUP-CONFLICT"]
