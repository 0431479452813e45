"""The reporting standard (填报模板规范, version 2) as data: sheets, columns, enumerations.

This is the single source of truth for the workbook side.  Every sheet and column of
the standard is listed here once, in the standard's order, with its exact Chinese header,
an ASCII field name, its type, whether it is required, its closed list of values, which
engine rule computes it, its width, Chinese help and maximum length.  The templates, the
reader (and later the validator and the returns) derive from this module; no other
module lists columns by hand.

Closed lists that the rules speak about come from ``udfs.vocab``; the others (clue
sources, stages, …) are part of the standard and live here.

Version 2 adds columns after the v1 columns of their sheet (``since=2``), a few lines
to 填报信息 and the sheet 情况说明.  ``standard_for(1)`` is the v1 standard (the same
columns at the same letters, without the additions): a v1 file reads as v2 with the
new cells blank or at their stated default (``Column.default``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from udfs import vocab
from udfs.profile import available_profiles

STANDARD_VERSION = 2.1
"""The version of the reporting standard (填报模板规范) these sheets implement: 1, 2, 2.1
(a minor version is a float: every ``version >= 2`` test holds for 2.1)."""

TEMPLATE_VERSION = "2.1"
"""What the 模板版本 cell of a template made by this code holds."""

TEMPLATE_VERSIONS = {1: "1.0", 2: "2.0", 2.1: TEMPLATE_VERSION}
"""模板版本 of a template made for each version of the standard."""

VERSIONS = (1, 2, 2.1)
"""The versions of the standard, oldest first (a column's ``since`` is one of them)."""

Version = Literal[1, 2, 2.1]


# -- enumerations of the standard that the rule engine does not need -------------------

REPORT_PERIODS = ("年度", "上半年", "第一季度", "第二季度", "第三季度", "第四季度")
CLUE_SOURCES = (
    "出资人监督", "审计监督", "纪检监察", "巡视巡察", "信访举报", "内部监督", "下属企业报告", "上级交办", "其他",
)
INVOLVED_UNIT_LEVELS = ("本级", "二级", "三级及以下")
VIOLATION_CATEGORIES = (
    "集团管控", "风险管理", "购销管理", "工程承包建设", "固定资产投资",
    "投资并购", "转让产权", "资金管理", "改组改制", "其他",
)
KEY_AREAS = ("担保", "应收款项", "融资性贸易", "金融衍生品", "境外经营投资", "无")
DISPOSALS = ("初步核实", "立项核查", "移送纪检监察机构", "移送司法机关", "暂存待查", "予以了结")
CLUE_STAGES = ("受理", "初步核实", "立项", "核查", "处理", "整改", "办结")
LOSS_TYPES = ("直接损失", "间接损失", "或有损失")
LOSS_BASES = ("司法行政文书", "中介机构报告", "企业内部证明", "综合研判")
EMPLOYMENT_STATUSES = ("在职", "已调任", "已离职", "已退休")
FINDING_SOURCES = ("审计机关", "国资委监督检查", "巡视巡察", "内部审计", "其他监督")
RECTIFY_STAGES = ("问题挂号", "责任分解", "制定方案", "推动整改", "阶段报告", "结果认定", "后续审计", "问题销号")

# version 2
CONSEQUENCE_NONE = "无"
CONSEQUENCE_GRADES = (CONSEQUENCE_NONE,) + vocab.GRADES
SUPERVISION_MODES = ("无", "指导督办", "挂牌督办", "联合核查", "专项核查", "直接核查")
RECTIFY_TYPES = ("立行立改", "限期整改", "持续整改")
FINDING_CATEGORIES = ("财务收支", "资产管理", "投资管理", "工程项目", "采购与合同", "资金管理", "内部控制", "公司治理", "其他")
CLOSING_REVIEWS = ("待审核", "同意销号", "退回重改")
BAN_TERM_CHOICES = ("5年", "10年", "15年", "20年", "终身")
"""The drop-down of 禁入限制人员's 禁入期限: common terms; any N年 with N ≥ 5 is accepted."""

FLAG_VALUES = (vocab.YES, vocab.NO)
CLUE_GRADES = vocab.GRADES + (vocab.GRADE_UNASSESSED,)
MEASURE_CHOICES = (vocab.MEASURE_NONE,) + vocab.MEASURES
BAN_CHOICES = (vocab.MEASURE_NONE,) + vocab.BAN_TERMS

PROFILES = "profiles"
"""The 适用标准 column's list: the profile keys the engine knows (built-in and the user's)."""


def profile_keys() -> tuple[str, ...]:
    """Every rule profile the engine can load by key, sorted."""
    return tuple(sorted(available_profiles()))


# -- the model of the standard ---------------------------------------------------------


class ColumnType(StrEnum):
    TEXT = "text"
    DATE = "date"
    NUMBER = "number"
    PERCENT = "percent"
    FLAG = "flag"  # 是/否
    ENUM = "enum"
    INTEGER = "integer"


TYPE_LABELS = {
    ColumnType.TEXT: "文本",
    ColumnType.DATE: "日期",
    ColumnType.NUMBER: "数值",
    ColumnType.PERCENT: "百分比",
    ColumnType.FLAG: "是/否",
    ColumnType.ENUM: "选项",
    ColumnType.INTEGER: "整数",
}


class Column(BaseModel):
    """One column of a ledger, or one labelled line of the record sheet."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    header: str = Field(min_length=1)
    """Exactly as the standard writes it (the label in column A for the record sheet)."""
    field: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    type: ColumnType
    required: bool = False
    required_note: str = ""
    """When ``required`` has an exception or a condition, in Chinese (e.g. 集团公司不填)."""
    choices: tuple[str, ...] | Literal["profiles"] | None = None
    """The closed list of values (enum and flag columns); ``PROFILES`` = the profile keys."""
    computed_by: str | None = None
    """The engine rule that computes the value (a key of ``addin.workbook.formulas.RULES``)."""
    width: float = Field(gt=0, le=100)
    help: str = Field(min_length=1)
    max_length: int | None = Field(default=None, gt=0)
    minimum: float | None = None
    minimum_exclusive: bool = False
    maximum: float | None = None
    check: Literal["uscc", "id", "ban_term"] | None = None
    """A check-character rule the validator applies (统一社会信用代码 / 身份证号码), or
    ``ban_term``: any N年 with N ≥ 5, or 终身 (the drop-down only lists common terms)."""
    min_length: int | None = Field(default=None, gt=0)
    profile_list: Literal["sanctions", "exemptions"] | None = None
    """A text column whose drop-down is a list of the profile (纪律处分 kinds, the 免责清单):
    a value not in the list is a warning, never an error (older files hold free text)."""
    since: Version = 1
    """The version of the standard that added the column (a v1 file has none of version 2's)."""
    default: str | bool | None = None
    """What a blank cell reads as (版本2: 不良后果等级 blank = 无); also the value of a
    column a v1 file does not have."""

    @model_validator(mode="after")
    def _consistent(self) -> "Column":
        if self.type in (ColumnType.ENUM, ColumnType.FLAG) and self.choices is None:
            raise ValueError(f"{self.header}：选项列必须给出可选值")
        if self.type not in (ColumnType.ENUM, ColumnType.FLAG) and self.choices is not None:
            raise ValueError(f"{self.header}：只有选项列和是/否列有可选值")
        if self.type is ColumnType.FLAG and self.choices != FLAG_VALUES:
            raise ValueError(f"{self.header}：是/否列的可选值只能是 是、否")
        if self.computed_by is not None and self.required:
            raise ValueError(f"{self.header}：计算列不是填报项，不能标为必填")
        if self.default is not None and (self.type is ColumnType.FLAG) != isinstance(self.default, bool):
            raise ValueError(f"{self.header}：是/否列的缺省值为 True/False，其他列为文本")
        return self

    @property
    def computed(self) -> bool:
        return self.computed_by is not None

    @property
    def length_limit(self) -> int | None:
        """The most characters a text cell may hold: ``max_length`` where the column sets
        one, else 100 for names, numbers and short entries and Excel's 32,767 for free
        text (``FREE_TEXT_FIELDS``); None for other types and computed columns."""
        if self.type is not ColumnType.TEXT or self.computed:
            return None
        if self.max_length is not None:
            return self.max_length
        return EXCEL_TEXT_LIMIT if self.field in FREE_TEXT_FIELDS else NAME_LIMIT

    @property
    def options(self) -> tuple[str, ...]:
        """The allowed values ('' list for free columns)."""
        if self.choices is None:
            return ()
        if self.choices == PROFILES:
            return profile_keys()
        return self.choices  # type: ignore[return-value]

    @property
    def type_label(self) -> str:
        return TYPE_LABELS[self.type]


class Sheet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    """The sheet name, exactly as the standard writes it."""
    key: Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")]
    kind: Literal["record", "ledger"]
    table: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")] | None = None
    """The Excel Table (ListObject) name of a ledger."""
    purpose: str
    """What one row (or the sheet) holds, in Chinese, for the 填报说明 sheet."""
    columns: tuple[Column, ...]
    since: Version = 1
    """The version of the standard that added the sheet."""

    @model_validator(mode="after")
    def _unique(self) -> "Sheet":
        for attr in ("header", "field"):
            values = [getattr(c, attr) for c in self.columns]
            doubled = sorted({v for v in values if values.count(v) > 1})
            if doubled:
                raise ValueError(f"{self.name}：重复的列 {'、'.join(doubled)}")
        if (self.kind == "ledger") != (self.table is not None):
            raise ValueError(f"{self.name}：台账必须（且只有台账）有表格名称")
        versions = [c.since for c in self.columns if c.field != "self_check"]  # 自查 stays the last column
        if versions != sorted(versions):
            raise ValueError(f"{self.name}：新版本的列必须排在旧版本各列之后（旧文件的列字母不变）")
        return self

    def for_version(self, version: float) -> "Sheet":
        """The sheet as that version of the standard has it (the same columns at the same places)."""
        return self.model_copy(update={"columns": tuple(c for c in self.columns if c.since <= version)})

    @property
    def added_columns(self) -> tuple[Column, ...]:
        """The columns version 2 added (a v1 file lacks them, never an error)."""
        return tuple(c for c in self.columns if c.since > 1)

    def column(self, field: str) -> Column:
        for column in self.columns:
            if column.field == field:
                return column
        raise KeyError(f"{self.key}.{field}")

    def by_header(self, header: str) -> Column:
        for column in self.columns:
            if column.header == header:
                return column
        raise KeyError(f"{self.name}.{header}")

    @property
    def input_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.computed)

    @property
    def computed_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.computed)

    def index(self, field: str) -> int:
        """0-based position of a column."""
        for i, column in enumerate(self.columns):
            if column.field == field:
                return i
        raise KeyError(f"{self.key}.{field}")


class Standard(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: float
    template_version: str
    sheets: tuple[Sheet, ...]

    @model_validator(mode="after")
    def _unique(self) -> "Standard":
        for attr in ("name", "key", "table"):
            values = [getattr(s, attr) for s in self.sheets if getattr(s, attr) is not None]
            if len(values) != len(set(values)):
                raise ValueError(f"工作表的 {attr} 重复")
        return self

    def sheet(self, key_or_name: str) -> Sheet:
        for sheet in self.sheets:
            if key_or_name in (sheet.key, sheet.name):
                return sheet
        raise KeyError(key_or_name)

    @property
    def record(self) -> Sheet:
        return next(s for s in self.sheets if s.kind == "record")

    def for_version(self, version: float) -> "Standard":
        """That version of the standard: its sheets and columns only."""
        return self.model_copy(update={
            "version": version, "template_version": TEMPLATE_VERSIONS[version],
            "sheets": tuple(s.for_version(version) for s in self.sheets if s.since <= version)})

    @property
    def ledgers(self) -> tuple[Sheet, ...]:
        return tuple(s for s in self.sheets if s.kind == "ledger")


# -- column helpers ----------------------------------------------------------------------

T = ColumnType
_MONEY_HELP = "单位万元，填纯数字（如 120.5），最多4位小数，不带单位和千分位"


def _text(header: str, field: str, help: str, width: float = 16, required: bool = True, **extra: Any) -> Column:
    return Column(header=header, field=field, type=T.TEXT, required=required, width=width, help=help, **extra)


def _date(header: str, field: str, help: str, required: bool = True, **extra: Any) -> Column:
    return Column(header=header, field=field, type=T.DATE, required=required, width=12, help=help, **extra)


def _money(header: str, field: str, help: str, required: bool = True, positive: bool = False,
           width: float = 14, **extra: Any) -> Column:
    return Column(
        header=header, field=field, type=T.NUMBER, required=required, width=width,
        help=f"{help}。{_MONEY_HELP}", minimum=0, minimum_exclusive=positive, **extra,
    )


def _enum(header: str, field: str, choices: tuple[str, ...] | Literal["profiles"], help: str,
          required: bool = True, width: float | None = None, **extra: Any) -> Column:
    if width is None:
        longest = max((len(c) for c in choices), default=6) if isinstance(choices, tuple) else 12
        width = max(10, min(24, longest * 2 + 4))
    return Column(header=header, field=field, type=T.ENUM, required=required, choices=choices,
                  width=width, help=help, **extra)


def _flag(header: str, field: str, help: str, required: bool = True, **extra: Any) -> Column:
    width = max(8, len(header) * 2 + 2)
    return Column(header=header, field=field, type=T.FLAG, required=required, choices=FLAG_VALUES,
                  width=min(width, 14), help=f"{help}（填 是 或 否）", **extra)


def _computed(header: str, field: str, type: ColumnType, rule: str, help: str, width: float = 12,
              choices: tuple[str, ...] | None = None, since: Version = 1) -> Column:
    return Column(header=header, field=field, type=type, computed_by=rule, choices=choices,
                  width=width, help=f"自动计算：{help}", since=since)


# -- bounds every value is checked against (the validator refuses what is outside them) ----------

NAME_LIMIT = 100
"""Names (units, people), numbers and other short entries: at most 100 characters (a .docx
property holds 255, a file name 255 bytes; a 260-character 涉事单位名称 is refused)."""
EXCEL_TEXT_LIMIT = 32_767
"""Free text: what an Excel cell holds."""
FREE_TEXT_FIELDS = frozenset({"remarks", "description", "measures", "evidence", "delay_reason", "main_problems",
                              "regulatory_risks", "suggestions", "lti", "discipline"})
AMOUNT_LIMIT = 1e8
"""万元 amounts (and 绩效年薪基数): at most 1e8 万元 (一万亿元, above any one group's assets);
a larger number is a typing error (or 1e308, which would overflow the sums)."""
FILED_MARGIN_DAYS = 7
"""填报日期 may be at most a week after today (a form dated for its sending day)."""
BAN_TERM_MAX_YEARS = 100
"""禁入期限 N年: at most 100 years (beyond it, 终身)."""


# -- the sheets ------------------------------------------------------------------------------

INFO = Sheet(
    name="填报信息",
    key="info",
    kind="record",
    purpose="填报单位的基本信息：A列是项目名称，B列填写内容。适用标准决定损失分级、扣减比例等计算所用的标准。",
    columns=(
        _text("填报单位名称", "unit_name", "填报单位全称，与公章一致", width=30),
        _text("统一社会信用代码", "uscc", "本单位18位统一社会信用代码，末位校验码须正确（GB 32100-2015）",
              max_length=18, check="uscc"),
        _enum("单位层级", "unit_level", vocab.UNIT_LEVELS, "本单位在集团内的层级：集团公司、二级企业 或 三级及以下企业"),
        _text("上级单位统一社会信用代码", "parent_uscc", "上级单位的18位统一社会信用代码；集团公司不填",
              max_length=18, check="uscc", required_note="集团公司不填"),
        Column(header="报告年度", field="report_year", type=T.INTEGER, required=True, width=10,
               minimum=2000, maximum=2100, help="报告所属年度，四位数字，如 2026"),
        _enum("报告期", "report_period", REPORT_PERIODS, "年度、上半年 或 某一季度"),
        _money("上年末资产总额（万元）", "prior_year_assets",
               "本单位追责认定年度上年末资产总额，用于按占资产比例判断损失等级（预估损失时使用）", positive=True),
        _enum("适用标准", "profile", PROFILES,
              "计算所依据的规则标准（损失分级金额和比例、扣减比例、影响期、期限）；"
              "须与本模板「参数」表的标准一致", width=16),
        _text("填报人", "preparer", "填报人姓名", width=16),
        _text("联系电话", "phone", "填报人联系电话（手机或座机）", width=16),
        _date("填报日期", "report_date", "报送日期；“是否逾期”按此日期判断"),
        Column(header="模板版本", field="template_version", type=T.TEXT, computed_by="template_version", width=12,
               help="自动填写：本文件所依据的填报模板规范版本，请勿修改"),
        _text("上级单位名称", "parent_name", "上级单位全称（向上级报送的文书的主送单位）；集团公司不填", width=30,
              required_note="集团公司不填", since=2),
    ),
)

CLUES = Sheet(
    name="问题线索台账",
    key="clues",
    kind="ledger",
    table="ClueLedger",
    purpose="每行一条违规经营投资问题线索，从受理到办结的全过程。",
    columns=(
        _text("线索编号", "clue_id", "本文件内唯一的线索编号，如 XS-2026-001；其他各表用它关联本线索", width=16,
              max_length=50),
        _date("受理日期", "received_date", "收到线索或监督检查、审计报告的日期"),
        _enum("线索来源", "source", CLUE_SOURCES, "线索从何而来"),
        _text("涉事单位名称", "unit_name", "发生违规问题的单位全称", width=24),
        _enum("涉事单位层级", "unit_level", INVOLVED_UNIT_LEVELS,
              "本级（即填报单位本身）、二级 或 三级及以下；用于判断管辖层级"),
        _enum("违规情形类别", "violation_category", VIOLATION_CATEGORIES, "按责任追究范围的十个方面归类"),
        _enum("重点领域", "key_area", KEY_AREAS, "是否属于担保、应收款项、融资性贸易、金融衍生品、境外经营投资等重点领域；都不是选 无"),
        _text("问题摘要", "summary", "简要写明违规事实，不超过500字", width=40, max_length=500),
        _money("涉及金额（万元）", "amount_involved", "违规问题涉及的金额"),
        _money("预估损失金额（万元）", "estimated_loss",
               "尚未正式认定损失时的预估金额；已在「资产损失认定」表认定的，以认定金额为准", required=False),
        _computed("损失等级", "loss_grade", T.ENUM, "clue_loss_grade",
                  "本线索在「资产损失认定」表各行损失金额之和，按首行的发生损失企业上年末资产总额和适用标准分级；"
                  "尚未认定的按预估损失金额和「填报信息」的上年末资产总额分级；都没有的为 未认定",
                  choices=CLUE_GRADES, width=10),
        _computed("管辖层级", "jurisdiction", T.ENUM, "ZZ_JURISDICTION",
                  "按损失等级确定由本企业、上级企业还是出资人机构开展责任追究；涉事单位为集团公司本级的，较大、重大由出资人机构开展",
                  choices=vocab.BODIES, width=12),
        _enum("处置方式", "disposal", DISPOSALS, "对线索的处置方式"),
        _enum("办理阶段", "stage", CLUE_STAGES, "目前所处的办理阶段"),
        _computed("初核报告截止日", "initial_check_deadline", T.DATE, "ZZ_INITIAL_CHECK_DEADLINE",
                  "受理日期后第30个工作日（按法定节假日和调休上班日计算，见「工作日历」表）", width=13),
        _date("立项日期", "filed_date", "立项核查的日期（核查工作方案批准之日，核查期限自该日起算），不早于受理日期", required=False),
        _date("办结日期", "closed_date", "办结的日期，不早于立项日期（或受理日期）；办理阶段为 办结 时必填", required=False),
        _computed("需一事一报告", "event_report_required", T.FLAG, "ZZ_NEEDS_REPORT",
                  "损失等级为 较大 或 重大 的为 是（以适用标准为准）", choices=FLAG_VALUES, width=12),
        _date("一事一报告日期", "event_report_date", "向上级报送一事一报告的日期；需一事一报告为 是 时必填", required=False),
        _flag("简易程序", "simplified_procedure", "是否适用简易程序"),
        _flag("形成管理提升建议书", "recommendation_letter", "是否形成管理提升建议书"),
        _flag("报送典型案例", "typical_case", "是否作为典型案例报送"),
        _text("承办部门", "department", "承办本线索的部门", width=16),
        _text("承办人", "handler", "承办人姓名", width=12),
        _text("备注", "remarks", "其他需要说明的情况", width=24, required=False),
        # -- version 2 ------------------------------------------------------------------------------
        _enum("不良后果等级", "consequence_grade", CONSEQUENCE_GRADES,
              "资产损失以外的其他不良后果，按适用标准的标准分级（严重程度 较轻/较重/严重 × 影响范围 本企业/行业或中央企业/"
              "国家和社会）；没有的选 无，不填视为 无", since=2, default=CONSEQUENCE_NONE, required_note="不填视为 无"),
        _flag("涉及企业负责人", "involves_head", "本线索是否涉及企业负责人；涉及的由上级或出资人机构管辖，不填视为 否",
              since=2, default=False, required_note="不填视为 否"),
        _enum("督办方式", "supervision", SUPERVISION_MODES, "上级对本线索的督办方式；没有的选 无", required=False, since=2),
        _computed("快报截止日", "flash_deadline", T.DATE, "flash_deadline",
                  "属实时报告范围的（重大资产损失或产生严重不良后果的较大资产损失，以适用标准为准），受理日期后按适用标准的"
                  "工作日数（5个工作日）报送实时报告快报的截止日；其余为空", width=12, since=2),
        _date("快报日期", "flash_date", "报送快报的日期，不早于受理日期", required=False, since=2),
        _computed("一事一报告截止日", "full_report_deadline", T.DATE, "full_report_deadline",
                  "属实时报告范围的，受理日期后按适用标准的工作日数（15个工作日）报送实时报告的截止日；其余为空"
                  "（其余需一事一报告的第一时间报告，不计工作日）", width=13, since=2),
        _date("初核延期至", "initial_check_extended_to",
              "初步核实经批准延期的日期：晚于初核报告截止日，且不超过适用标准允许的延长（再延30个工作日）", required=False, since=2),
        _computed("核查截止日", "investigation_deadline", T.DATE, "investigation_deadline",
                  "立项日期后按适用标准的核查期限（6个月）；有核查延期的取核查延期至", width=12, since=2),
        _date("核查延期至", "investigation_extended_to", "核查经批准延期的日期，晚于未延期的核查截止日", required=False,
              since=2),
        # -- version 2.1 ----------------------------------------------------------------------------
        _text("统一编号", "unified_id",
              "集团统一分类编号（按集团规定的编号规则，如 单位代码-年度-类别-顺序号）；可不填，由集团汇总时统一编号，"
              "填写的须符合编号规则；同一线索各年度编号不变", width=24, required=False, max_length=60, since=2.1),
        _enum("销号审核意见", "closing_review", CLOSING_REVIEWS,
              "上级对线索对账销号的审核意见：待审核、同意销号 或 退回重改；填写销号日期的须为 同意销号", required=False,
              since=2.1),
        _date("销号日期", "closed_off_date", "线索对账销号的日期；仅销号审核意见为 同意销号 时填写，不早于办结日期",
              required=False, since=2.1),
    ),
)

LOSSES = Sheet(
    name="资产损失认定",
    key="losses",
    kind="ledger",
    table="LossAssessment",
    purpose="每行一笔已认定的资产损失；同一线索可有多行，线索的损失等级按各行损失金额之和分级。",
    columns=(
        _text("线索编号", "clue_id", "须是「问题线索台账」中已有的线索编号", width=16, max_length=50),
        _enum("损失类型", "loss_type", LOSS_TYPES, "直接损失、间接损失 或 或有损失；或有损失的认定依据须为 中介机构报告"),
        _money("损失金额（万元）", "loss_amount", "本笔认定的损失金额，大于0", positive=True),
        _money("发生损失企业上年末资产总额（万元）", "prior_year_assets",
               "发生损失的企业（不一定是填报单位）上年末资产总额；同一线索各行应相同", positive=True, width=18),
        _enum("认定依据", "basis", LOSS_BASES, "损失认定所依据的材料"),
        _text("认定机构", "assessor", "作出认定的机构", width=20),
        _date("认定日期", "assessed_date", "作出认定的日期"),
        _money("已挽回金额（万元）", "recovered_amount", "已追回或挽回的金额，不超过损失金额", required=False),
        _computed("单笔损失等级", "item_grade", T.ENUM, "ZZ_LOSS_GRADE",
                  "按本行损失金额及其占发生损失企业上年末资产总额的比例，依适用标准分级", choices=vocab.GRADES, width=12),
    ),
)

ACCOUNTABILITY = Sheet(
    name="责任认定与处理",
    key="accountability",
    kind="ledger",
    table="Accountability",
    purpose="每行一名责任人在一条线索中的责任认定与处理。",
    columns=(
        _text("线索编号", "clue_id", "须是「问题线索台账」中已有的线索编号", width=16, max_length=50),
        _text("责任人姓名", "name", "责任人姓名", width=12),
        _text("身份证号码", "id_number", "18位居民身份证号码，末位校验码须正确（GB 11643-1999）；向上级报送时脱敏",
              width=21, max_length=18, check="id"),
        _text("所在单位", "unit", "责任人发生问题时所在单位", width=20),
        _text("职务", "position", "责任人发生问题时的职务", width=16),
        _flag("企业负责人", "is_enterprise_head", "是否为企业负责人"),
        _enum("责任类型", "responsibility", vocab.RESPONSIBILITIES, "直接责任、主管责任 或 领导责任"),
        _enum("任职状态", "employment_status", EMPLOYMENT_STATUSES, "已调任、离职、退休的仍应追责"),
        _computed("损失等级", "loss_grade", T.ENUM, "clue_grade_lookup",
                  "所属线索在「问题线索台账」中的损失等级", choices=CLUE_GRADES, width=10),
        _enum("组织处理", "measure", MEASURE_CHOICES, "须在损失等级和责任类型允许的措施之内；未作组织处理的选 无", width=16),
        _money("绩效年薪基数（万元）", "pay_base", "责任认定年度的绩效年薪；已不在本企业领薪的，按离职前全额绩效年薪"),
        Column(header="绩效年薪扣减比例", field="pay_ratio", type=T.PERCENT, required=True, width=12,
               minimum=0, maximum=1,
               help="如 50% 填 0.5 或 50%；须在扣减下限和上限之间，有从轻减轻免除情节的除外"),
        _computed("绩效年薪扣减下限", "pay_ratio_min", T.PERCENT, "ZZ_DEDUCTION_MIN",
                  "按损失等级和责任类型，适用标准规定的绩效年薪扣减比例下限"),
        _computed("绩效年薪扣减上限", "pay_ratio_max", T.PERCENT, "ZZ_DEDUCTION_MAX",
                  "按损失等级和责任类型，适用标准规定的绩效年薪扣减比例上限（一般损失为50%以下，不含50%）"),
        _computed("绩效年薪扣减金额（万元）", "pay_deduction", T.NUMBER, "pay_deduction",
                  "绩效年薪基数 × 绩效年薪扣减比例", width=14),
        _money("任期激励基数（万元）", "term_base", "责任认定年度（含）前三年的任期激励收入", required=False),
        Column(header="任期激励扣减比例", field="term_ratio", type=T.PERCENT, required=False, width=12,
               minimum=0, maximum=1, help="如 50% 填 0.5 或 50%；范围规则同绩效年薪，按任期激励的比例范围"),
        _computed("中长期激励处理", "lti", T.TEXT, "ZZ_LTI",
                  "按损失等级和责任类型：终止尚未行使的中长期激励权益、上缴收益、若干年内不得参加新的中长期激励", width=30),
        _enum("禁入限制", "ban_term", BAN_CHOICES, "仅重大损失的责任人可以禁入限制；没有的选 无"),
        _text("纪律处分", "discipline",
              "党纪政务处分：从下拉列表（适用标准的处分种类）中选择，没有的选 无，不填视为 无；有处分的，影响期按组织处理和"
              "纪律处分中影响期长的执行", width=16, required=False, profile_list="sanctions"),
        _flag("移送司法机关", "referred_judicial", "是否移送司法机关"),
        _flag("从重加重情节", "aggravating", "是否有从重或加重处理情节"),
        _flag("从轻减轻免除情节", "mitigating", "是否有从轻、减轻或免除处理情节"),
        _date("处理决定日期", "decision_date", "作出处理决定的日期；组织处理不是 无 或扣减比例大于0 时必填", required=False),
        _computed("影响期截止日", "influence_end", T.DATE, "ZZ_INFLUENCE_END",
                  "处理决定日期按组织处理的影响期推算（如诫勉6个月、降职2年）；同时受到纪律处分的，按影响期长的推算；"
                  "无影响期的为空", width=13),
        _flag("是否申诉", "appealed", "责任人是否提出申诉"),
        # -- version 2 ------------------------------------------------------------------------------
        _flag("尽职合规免责", "exempt",
              "依法合规、忠实勤勉、未谋取不正当利益、未造成重大损失或重大不良后果的，可免责（组织处理为 无、扣减比例为0）；"
              "线索的损失等级或不良后果等级为 重大 的不适用；不填视为 否", since=2, default=False, required_note="不填视为 否"),
        _date("申诉日期", "appeal_date", "提出申诉的日期；是否申诉为 是 时必填；晚于申诉期（处理决定送达之日起1个月，未填送达日期的按处理决定日期）的提醒",
              required=False, since=2),
        _computed("复核截止日", "review_deadline", T.DATE, "review_deadline",
                  "申诉受理日期后按适用标准的复核期限（30个工作日）；未填申诉受理日期的按申诉日期", width=12, since=2),
        # -- version 2.1 ----------------------------------------------------------------------------
        _date("送达日期", "served_date", "处理决定送达责任人的日期，不早于处理决定日期；申诉期（1个月）自送达之日起算，"
              "不填的按处理决定日期推算", required=False, since=2.1),
        _date("申诉受理日期", "appeal_accepted_date", "受理申诉的日期，不早于申诉日期；复核期限自受理之日起算，"
              "不填的按申诉日期推算", required=False, since=2.1),
        _text("免责情形", "exempt_situation", "适用的尽职合规免责情形：从下拉列表（适用标准的免责清单）中选择；"
              "尽职合规免责为 是 时必填", width=24, required=False, profile_list="exemptions", since=2.1,
              required_note="尽职合规免责为 是 时必填"),
    ),
)

RECTIFICATION = Sheet(
    name="审计整改台账",
    key="rectification",
    kind="ledger",
    table="AuditRectification",
    purpose="每行一个审计或监督检查发现的问题及其整改情况。",
    columns=(
        _text("问题编号", "finding_id", "本文件内唯一的问题编号，如 SJ-2026-001", width=16, max_length=50),
        _enum("问题来源", "source", FINDING_SOURCES, "提出问题的审计或监督检查"),
        _text("文件文号", "document_no", "提出问题的审计报告、决定或意见的文号", width=20),
        _date("下达日期", "issued_date", "审计决定、意见或建议的下达日期；整改期限由此推算"),
        _text("问题描述", "description", "问题的具体内容", width=36),
        _money("问题金额（万元）", "problem_amount", "问题涉及金额；没有金额的不填", required=False),
        _text("整改责任单位", "responsible_unit", "负责整改的单位", width=18),
        _text("整改责任人", "responsible_person", "整改责任人姓名", width=12),
        _text("整改措施", "measures", "已采取或计划采取的整改措施", width=30),
        _enum("整改阶段", "stage", RECTIFY_STAGES, "目前所处的整改阶段"),
        _computed("整改期限", "deadline", T.DATE, "ZZ_RECTIFY_DEADLINE",
                  "下达日期后6个月（同月同日，月末顺延至当月最后一天）；有批准延期的取批准延期日期", width=12),
        _date("批准延期至", "extended_to", "经批准延期的，填写批准的延期日期", required=False),
        _money("已纠正金额（万元）", "corrected_amount", "已纠正的金额，不超过问题金额", required=False),
        _flag("金额或事实已纠正", "corrected", "问题金额或事实是否已调整、纠正"),
        _flag("已完善管控措施", "controls_improved", "是否已建立健全制度、完善管控措施"),
        _flag("已移送纪检并受理", "referred_accepted", "是否已移送纪检监察机构并被受理"),
        _flag("已完成追责问责", "accountability_done", "是否已完成追责问责"),
        _flag("已提出整改计划", "plan_given", "不能按期完成的，是否已提出有明确时限的整改计划"),
        _flag("拒不整改或虚假整改", "refused_or_sham", "是否无正当理由拒不整改、未采取措施或虚假整改"),
        _computed("整改结果", "result", T.ENUM, "ZZ_RECTIFY_RESULT",
                  "按整改认定标准由以上是/否和金额判断：拒不整改或虚假整改的为 未整改；已纠正、已移送并受理、"
                  "或已追责且完善管控的为 整改完毕；有整改计划或金额部分纠正的为 部分整改；其余为 未整改",
                  choices=vocab.RECTIFY_RESULTS, width=11),
        _computed("是否逾期", "overdue", T.FLAG, "rectify_overdue",
                  "截至「填报信息」的填报日期，整改结果不是 整改完毕 且已过整改期限的为 是；未填填报日期时为空",
                  choices=FLAG_VALUES, width=9),
        _date("销号日期", "closed_date", "问题销号的日期；仅整改结果为 整改完毕 时填写", required=False),
        _text("关联线索编号", "clue_id", "由本问题形成的问题线索的编号（在「问题线索台账」中）", width=16,
              required=False, max_length=50),
        # -- version 2 ------------------------------------------------------------------------------
        _enum("整改类型", "rectify_type", RECTIFY_TYPES, "立行立改、限期整改 或 持续整改（长期事项，分阶段目标）；不填视为 限期整改",
              since=2, default=RECTIFY_TYPES[1], required_note="不填视为 限期整改"),
        _enum("问题分类", "category", FINDING_CATEGORIES, "问题所属类别", since=2),
        _text("问题明细分类", "subcategory", "本单位自己的细分类别", width=16, required=False, since=2),
        _text("证明材料", "evidence", "整改的证明材料（文件名称、文号）；整改完毕的应填写", width=30, required=False, since=2),
        _text("整改责任领导", "leader", "分管整改的责任领导", width=12, required=False, since=2),
        _text("验收负责人", "acceptor", "整改验收的负责人", width=12, required=False, since=2),
        _text("延期原因", "delay_reason", "批准延期的原因；填写了批准延期至的必填", width=24, required=False, since=2),
        _text("延期批准人", "delay_approver", "批准延期的领导或机构；填写了批准延期至的必填", width=12, required=False,
              since=2),
        _enum("销号审核意见", "closing_review", CLOSING_REVIEWS,
              "审计方对销号的审核意见：待审核、同意销号 或 退回重改；填写销号日期的须为 同意销号", required=False, since=2),
        # -- version 2.1 ----------------------------------------------------------------------------
        _text("特殊事由", "special_cause", "经批准延期的部分整改事项，下达后6个月仍未整改完毕的特殊事由；"
              "没有特殊事由的，延期不免除6个月的提醒", width=14, required=False, since=2.1),
    ),
)

BANS = Sheet(
    name="禁入限制人员",
    key="bans",
    kind="ledger",
    table="BannedPersons",
    purpose="每行一名被禁入限制（不得担任国有企业董事、监事、高级管理人员）的人员。",
    columns=(
        _text("姓名", "name", "被禁入限制人员姓名", width=12),
        _text("身份证号码", "id_number", "18位居民身份证号码，末位校验码须正确", width=21, max_length=18, check="id"),
        _text("原任职单位", "former_unit", "作出决定时的任职单位", width=20),
        _text("原任职务", "former_position", "作出决定时的职务", width=16),
        _enum("禁入期限", "term", BAN_TERM_CHOICES, "5年及以上的整年数（如 5年、8年、10年）或 终身；下拉列表只列常用期限",
              check="ban_term"),
        _date("起始日期", "start_date", "禁入限制的起始日期"),
        _computed("截止日期", "end_date", T.DATE, "ZZ_BAN_END", "起始日期加禁入年限；终身的为空", width=12),
        _text("决定文号", "decision_no", "禁入限制决定的文号", width=20),
        _text("关联线索编号", "clue_id", "相关问题线索的编号", width=16, required=False, max_length=50),
        # -- version 2 ------------------------------------------------------------------------------
        _text("作出决定单位", "deciding_unit", "作出禁入限制决定的单位（谁处理、谁负责）", width=20, since=2),
        _text("违规事实", "facts", "简要写明违规事实，不超过200字", width=36, max_length=200, since=2),
    ),
)

RECOMMENDATIONS = Sheet(
    name="管理提升建议书",
    key="recommendations",
    kind="ledger",
    table="Recommendations",
    purpose="每行一份管理提升建议书。",
    columns=(
        _text("线索编号", "clue_id", "须是「问题线索台账」中已有的线索编号", width=16, max_length=50),
        _text("致送单位", "recipient", "建议书致送的单位", width=20),
        _date("问题移送时间", "transfer_date", "问题移送的日期"),
        _text("移送方", "transferred_by", "移送问题的部门或机构", width=16),
        _text("主要问题", "main_problems", "违规事实、造成的损失或不良影响", width=36),
        _text("需关注的监管风险", "regulatory_risks", "制度、执行、监督、风险应对等方面的漏洞", width=36),
        _text("有关工作建议", "suggestions", "在制度、流程、授权、管控、监测等方面的建议", width=36),
        _date("出具日期", "issued_date", "建议书出具日期"),
    ),
)

EXPLANATIONS = Sheet(
    name="情况说明",
    key="explanations",
    kind="ledger",
    table="Explanations",
    since=2,
    purpose="每行说明一条校验提醒为什么成立（如经批准的延期及其文号）：工作表、单元格和提醒代码与校验报告一致的提醒记为"
            "“已说明”，不再算未处理的提醒；说明不能使错误通过。校验标注副本已为每条提醒预填好前三列。",
    columns=(
        _text("工作表", "sheet_name", "提醒所在的工作表名称，与校验报告一致", width=16, since=2),
        _text("单元格", "cell", "提醒所在的单元格，如 O5；整张表的提醒（校验报告中没有单元格）不填", width=8,
              max_length=12, required=False, since=2),
        _text("提醒代码", "code", "校验报告中提醒的代码，如 ZZ-WARN-RECTIFY-OVERDUE", width=30, max_length=60, since=2),
        _text("说明", "text", "为什么这条提醒成立，至少10个字（如：经集团批准延期，文号某某〔2026〕12号）", width=50,
              min_length=10, max_length=500, since=2),
        _text("说明人", "author", "说明人姓名", width=12, since=2),
        _date("说明日期", "date", "作出说明的日期", since=2),
    ),
)

# -- 自查: the workbook's own check of every row (always the last column of a ledger) ----------

SELF_CHECK = "self_check"
"""The field (and the rule key) of the computed 自查 column at the end of every ledger."""
SELF_CHECK_COUNT = "self_check_count"
"""The field (and the rule key) of 填报信息's 自查问题数."""


def _with_self_check(sheet: Sheet) -> Sheet:
    """The ledger with its 自查 column appended (after every column of the standard, v2 ones too;
    a version-2 column: a v1 file never has it)."""
    column = Column(
        header="自查", field=SELF_CHECK, type=T.TEXT, computed_by=SELF_CHECK, width=30, since=2,
        help="自动计算：本行的填报内容没有发现问题时为空；否则列出本表公式发现的问题（如 受理日期不是日期；线索编号重复），"
             "以“；”分隔，请逐项改正。不需要 Python 或加载项，最终以上报后的校验结果为准")
    return sheet.model_copy(update={"columns": (*sheet.columns, column)})


def _with_self_check_count(sheet: Sheet) -> Sheet:
    column = Column(
        header="自查问题数", field=SELF_CHECK_COUNT, type=T.INTEGER, computed_by=SELF_CHECK_COUNT, width=10, since=2,
        help="自动计算：本表和各台账中自查发现问题的行数（见「自查结果」表）；为 0 时再报送")
    return sheet.model_copy(update={"columns": (*sheet.columns, column)})


INFO = _with_self_check_count(INFO)
CLUES, LOSSES, ACCOUNTABILITY, RECTIFICATION, BANS, RECOMMENDATIONS = (
    _with_self_check(s) for s in (CLUES, LOSSES, ACCOUNTABILITY, RECTIFICATION, BANS, RECOMMENDATIONS))

STANDARD = Standard(
    version=STANDARD_VERSION,
    template_version=TEMPLATE_VERSION,
    sheets=(INFO, CLUES, LOSSES, ACCOUNTABILITY, RECTIFICATION, BANS, RECOMMENDATIONS, EXPLANATIONS),
)


@lru_cache(maxsize=None)
def standard_for(version: float) -> Standard:
    """The standard of one version (1, 2 or 2.1): what a template of that version holds."""
    return STANDARD if version == STANDARD_VERSION else STANDARD.for_version(version)


def version_of(template_version: object, has_additions: bool) -> float:
    """The standard version of a file from its 模板版本 ("1.x" / "2.0" / "2.1" and later 2.x);
    without a usable one, 2 when it carries any column of version 2, else 1."""
    text = str(template_version or "").strip()
    if text[:1] in ("1", "2") and (len(text) == 1 or text[1] == "."):
        if text[0] == "2" and text[2:3].isdigit() and text[2:3] != "0":
            return 2.1
        return int(text[0])
    return 2 if has_additions else 1


# -- typed records ----------------------------------------------------------------------------


class Origin(BaseModel):
    """Where a record came from: file, sheet and 1-based row number."""

    model_config = ConfigDict(frozen=True)

    file: str
    sheet: str
    row: int


class Record(BaseModel):
    """A row of a ledger; the fields are the sheet's columns (None when blank)."""

    model_config = ConfigDict(extra="forbid")

    origin: Origin


class InfoRecord(Record):
    """The record sheet: one value per label; ``rows`` says on which row each label was."""

    rows: dict[str, int] = Field(default_factory=dict)


_PYTHON_TYPES: dict[ColumnType, Any] = {
    ColumnType.TEXT: str,
    ColumnType.ENUM: str,
    ColumnType.DATE: dt.date,
    ColumnType.NUMBER: float,
    ColumnType.PERCENT: float,
    ColumnType.INTEGER: int,
    ColumnType.FLAG: bool,
}


def python_type(column: Column) -> Any:
    return _PYTHON_TYPES[column.type]


def _model_name(sheet: Sheet) -> str:
    return "".join(part.capitalize() for part in sheet.key.split("_")) + "Record"


@lru_cache(maxsize=None)
def record_model(key: str) -> type[Record]:
    """The pydantic model of one row of a sheet, generated from its columns.

    Flags are ``bool`` (是 = True); an unreadable or blank cell is ``None``.
    """
    sheet = STANDARD.sheet(key)
    fields: dict[str, Any] = {
        column.field: (python_type(column) | None, Field(default=None, description=column.header))
        for column in sheet.columns
    }
    base = InfoRecord if sheet.kind == "record" else Record
    return create_model(_model_name(sheet), __base__=base, __doc__=sheet.purpose, **fields)
