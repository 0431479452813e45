"""The closed vocabularies of the reporting standard that the rules speak about.

These lists are part of the workbook standard (a contract): the schema, the profiles'
validation and the Excel functions all read them from here.
"""

from __future__ import annotations

from typing import Final

GRADES: Final = ("一般", "较大", "重大")
"""Loss grades, lowest first."""

GRADE_UNASSESSED: Final = "未认定"

RESPONSIBILITIES: Final = ("直接责任", "主管责任", "领导责任")

MEASURES: Final = (
    "批评教育",
    "责令书面检查",
    "通报批评",
    "诫勉",
    "停职",
    "调离工作岗位",
    "降职",
    "改任非领导职务",
    "责令辞职",
    "免职",
    "停职检查",
    "调整职务",
)
"""组织处理 measures (the standard's enumeration without 无).  The list only grows:
停职检查 and 调整职务 are Order 46's wordings (appended so no earlier value moves)."""

CONSEQUENCE_GRADES: Final = ("无",) + GRADES
"""其他不良后果的等级 (Order 46): 无 or a grade."""

BAN_LIFE: Final = "终身"

MEASURE_NONE: Final = "无"

BAN_TERMS: Final = ("5年", "10年", "终身")

PAY_ITEMS: Final = ("绩效年薪", "任期激励")

BODIES: Final = ("本企业", "上级企业", "出资人机构")
"""Who runs the accountability work (管辖层级)."""

UNIT_LEVELS: Final = ("集团公司", "二级企业", "三级及以下企业")

RECTIFY_RESULTS: Final = ("整改完毕", "部分整改", "未整改")

REPORT_KINDS: Final = ("快报", "实时报告", "初核报告")
"""Real-time reports (116号): flash, the real-time report itself, initial-verification."""

REPORT_KIND_ALIASES: Final = {"全面报告": "实时报告"}
"""Earlier names of a report kind, still accepted (the 15-day report was called 全面报告)."""

YES: Final = "是"
NO: Final = "否"
