"""A small, realistic filled workbook: for the README picture, demos and round-trip tests.

Values are by field name (see ``addin.workbook.schema``); flags are True/False.  All names,
numbers and codes are made up; the identity numbers and the credit code carry valid
check characters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

D = dt.date

SAMPLE_INFO: dict[str, Any] = {
    "unit_name": "示例能源投资有限公司",
    "uscc": "91510100MA61R8XK49",
    "unit_level": "二级企业",
    "parent_uscc": "91510000MA62A1B235",
    "report_year": 2026,
    "report_period": "年度",
    "prior_year_assets": 286500.0,
    "profile": "central-2026",
    "preparer": "李明",
    "phone": "028-86001234",
    "report_date": D(2026, 11, 20),
}

SAMPLE_RECORDS: dict[str, list[dict[str, Any]]] = {
    "clues": [
        {"clue_id": "XS-2026-001", "received_date": D(2026, 1, 12), "source": "审计监督", "unit_name": "示例能源销售公司",
         "unit_level": "二级", "violation_category": "购销管理", "key_area": "融资性贸易",
         "summary": "未经审批开展融资性贸易，形成应收款项逾期未收回", "amount_involved": 6800.0,
         "estimated_loss": 900.0, "disposal": "立项核查", "stage": "处理", "filed_date": D(2026, 2, 10),
         "event_report_date": D(2026, 2, 16), "simplified_procedure": False, "recommendation_letter": True,
         "typical_case": True, "department": "审计与风控部", "handler": "王芳"},
        {"clue_id": "XS-2026-002", "received_date": D(2026, 4, 30), "source": "信访举报", "unit_name": "示例新能源科技公司",
         "unit_level": "三级及以下", "violation_category": "工程承包建设", "key_area": "无",
         "summary": "光伏项目未按规定招标，设备采购价格明显偏高", "amount_involved": 1250.5,
         "estimated_loss": 120.0, "disposal": "初步核实", "stage": "初步核实",
         "simplified_procedure": False, "recommendation_letter": False, "typical_case": False,
         "department": "纪检监督部", "handler": "赵强"},
        {"clue_id": "XS-2026-003", "received_date": D(2026, 9, 30), "source": "内部监督", "unit_name": "示例能源投资有限公司",
         "unit_level": "本级", "violation_category": "资金管理", "key_area": "担保",
         "summary": "超越权限为参股企业提供担保", "amount_involved": 3000.0, "disposal": "初步核实",
         "stage": "受理", "simplified_procedure": True, "recommendation_letter": False, "typical_case": False,
         "department": "审计与风控部", "handler": "王芳", "remarks": "国庆假期前受理"},
        {"clue_id": "XS-2026-004", "received_date": D(2026, 10, 26), "source": "巡视巡察", "unit_name": "示例能源销售公司",
         "unit_level": "二级", "violation_category": "投资并购", "key_area": "境外经营投资",
         "summary": "境外并购项目尽职调查不充分，商誉减值", "amount_involved": 12500.0, "estimated_loss": 5200.0,
         "disposal": "立项核查", "stage": "核查", "filed_date": D(2026, 11, 6),
         "simplified_procedure": False, "recommendation_letter": False, "typical_case": False,
         "department": "审计与风控部", "handler": "陈静"},
    ],
    "losses": [
        {"clue_id": "XS-2026-001", "loss_type": "直接损失", "loss_amount": 650.0, "prior_year_assets": 52000.0,
         "basis": "中介机构报告", "assessor": "某某会计师事务所", "assessed_date": D(2026, 3, 20), "recovered_amount": 80.0},
        {"clue_id": "XS-2026-001", "loss_type": "间接损失", "loss_amount": 120.5, "prior_year_assets": 52000.0,
         "basis": "综合研判", "assessor": "审计与风控部", "assessed_date": D(2026, 3, 20)},
    ],
    "accountability": [
        {"clue_id": "XS-2026-001", "name": "张伟", "id_number": "510104198003150010", "unit": "示例能源销售公司",
         "position": "总经理", "is_enterprise_head": True, "responsibility": "主管责任", "employment_status": "在职",
         "measure": "诫勉", "pay_base": 62.0, "pay_ratio": 0.6, "term_base": 40.0, "term_ratio": 0.5,
         "ban_term": "无", "referred_judicial": False, "aggravating": False, "mitigating": False,
         "decision_date": D(2026, 6, 18), "appealed": False},
        {"clue_id": "XS-2026-001", "name": "刘洋", "id_number": "510105198507220023", "unit": "示例能源销售公司",
         "position": "贸易部经理", "is_enterprise_head": False, "responsibility": "直接责任", "employment_status": "已调任",
         "measure": "降职", "pay_base": 38.0, "pay_ratio": 0.8, "ban_term": "无", "referred_judicial": False,
         "aggravating": True, "mitigating": False, "decision_date": D(2026, 6, 18), "appealed": True},
    ],
    "rectification": [
        {"finding_id": "SJ-2026-001", "source": "审计机关", "document_no": "某审报〔2026〕12号", "issued_date": D(2026, 3, 31),
         "description": "应收账款管理不到位，长期挂账未清理", "problem_amount": 480.0, "responsible_unit": "财务部",
         "responsible_person": "孙丽", "measures": "逐笔清理，建立催收台账", "stage": "结果认定",
         "corrected_amount": 480.0, "corrected": True, "controls_improved": True, "referred_accepted": False,
         "accountability_done": False, "plan_given": False, "refused_or_sham": False, "closed_date": D(2026, 9, 15)},
        {"finding_id": "SJ-2026-002", "source": "国资委监督检查", "document_no": "某国资监督〔2026〕5号",
         "issued_date": D(2026, 5, 31), "description": "工程项目结算审核不严，多计工程款", "problem_amount": 260.0,
         "responsible_unit": "工程管理部", "responsible_person": "周涛", "measures": "追回多付款项，修订结算办法",
         "stage": "推动整改", "corrected_amount": 100.0, "corrected": False, "controls_improved": True,
         "referred_accepted": False, "accountability_done": False, "plan_given": True, "refused_or_sham": False},
        {"finding_id": "SJ-2026-003", "source": "内部审计", "document_no": "内审〔2026〕3号", "issued_date": D(2026, 5, 25),
         "description": "超标准配置公务用车", "responsible_unit": "办公室", "responsible_person": "吴敏",
         "measures": "清理超标车辆", "stage": "推动整改", "corrected": False, "controls_improved": False,
         "referred_accepted": False, "accountability_done": False, "plan_given": False, "refused_or_sham": False},
    ],
    "bans": [
        {"name": "郑斌", "id_number": "510106197811230033", "former_unit": "示例能源销售公司", "former_position": "副总经理",
         "term": "5年", "start_date": D(2026, 7, 1), "decision_no": "某国资发〔2026〕21号", "clue_id": "XS-2025-017"},
    ],
    "recommendations": [
        {"clue_id": "XS-2026-001", "recipient": "示例能源销售公司", "transfer_date": D(2026, 7, 10), "transferred_by": "审计与风控部",
         "main_problems": "融资性贸易造成损失", "regulatory_risks": "贸易业务授权审批和客户信用管理存在漏洞",
         "suggestions": "完善贸易业务负面清单，建立客户信用评价和动态监测", "issued_date": D(2026, 7, 24)},
    ],
}

# -- version 2 of the standard: the additions, row by row ------------------------------------------

SAMPLE_INFO["parent_name"] = "示例能源集团有限公司"
_V2: dict[str, list[dict[str, Any]]] = {
    "clues": [
        {"consequence_grade": "一般", "involves_head": False, "supervision": "直接核查", "flash_date": D(2026, 1, 16)},
        {"consequence_grade": "无", "involves_head": False},
        {"consequence_grade": "无", "involves_head": False},
        {"consequence_grade": "较大", "involves_head": False, "supervision": "挂牌督办", "flash_date": D(2026, 10, 30)},
    ],
    "accountability": [
        {"exempt": False},
        {"exempt": False, "appeal_date": D(2026, 6, 25)},
    ],
    "rectification": [
        {"rectify_type": "立行立改", "category": "资产管理", "subcategory": "应收款项", "leader": "马超",
         "acceptor": "孙丽", "evidence": "清收凭证、催收台账（财务部〔2026〕31号）", "closing_review": "同意销号"},
        {"rectify_type": "限期整改", "category": "工程项目", "leader": "马超", "acceptor": "周涛"},
        {"rectify_type": "持续整改", "category": "资产管理", "subcategory": "公务用车"},
    ],
    "bans": [
        {"deciding_unit": "示例能源投资有限公司", "facts": "违规开展融资性贸易，造成重大资产损失"},
    ],
}
for _key, _rows in _V2.items():
    for _record, _extra in zip(SAMPLE_RECORDS[_key], _rows):
        _record.update(_extra)


def v1_sample() -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The sample as a version-1 file holds it: without the additions of version 2."""
    from addin.workbook.schema import standard_for

    v1 = standard_for(1)
    fields = {sheet.key: {c.field for c in sheet.columns} for sheet in v1.sheets}
    info = {k: v for k, v in SAMPLE_INFO.items() if k in fields["info"]}
    records = {key: [{k: v for k, v in row.items() if k in fields[key]} for row in rows]
               for key, rows in SAMPLE_RECORDS.items() if key in fields}
    return info, records
