"""A demo group: subsidiaries' workbooks of realistic, made-up data, with a few
deliberate mistakes — for the README's main job, the tests and the benchmark.

Every value is invented (names, codes, amounts); identity numbers and credit codes
carry valid check characters.  Clean workbooks satisfy every rule: the generator asks
the engine for the grade before it chooses measures and deduction ratios.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from addin.workbook import schema
from addin.workbook.templates import build_template, default_options
from udfs import handling, identity, vocab
from udfs.profile import Profile, get_profile
from udfs.registry import Context, evaluate

D = dt.date
REGIONS = ("510100", "510500", "511500", "500000", "450100", "110000", "310000", "440300")
PLACES = ("成都", "泸州", "宜宾", "重庆", "南宁", "北京", "上海", "深圳", "绵阳", "自贡", "乐山", "南充")
TRADES = ("能源", "建设", "交通", "水务", "物流", "置业", "化工", "矿业", "医药", "金融服务", "文旅", "农业")
KINDS = ("有限公司", "集团有限公司", "股份有限公司", "发展有限公司")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰海燕"
SUMMARIES = (
    ("购销管理", "融资性贸易", "未经审批开展融资性贸易，形成应收款项逾期未收回"),
    ("工程承包建设", "无", "工程项目未按规定招标，合同价款明显偏高"),
    ("资金管理", "担保", "违规为参股企业提供担保，被担保方无力偿还"),
    ("投资并购", "境外经营投资", "境外并购项目尽职调查存在重大疏漏，标的资产严重减值"),
    ("固定资产投资", "无", "未经可行性研究擅自投资建设，项目停建形成损失"),
    ("风险管理", "金融衍生品", "违规开展期货套期保值以外的投机交易"),
    ("转让产权", "无", "未经评估低价转让所持股权"),
    ("集团管控", "无", "对所属子企业重大风险失察，未及时报告处理"),
    ("资金管理", "应收款项", "应收款项未及时追索，超过诉讼时效"),
    ("改组改制", "无", "改制中未按规定开展清产核资"),
)
FINDINGS = (
    "未按规定履行“三重一大”决策程序",
    "工程结算审核不严，多计工程款",
    "应收账款长期挂账未清理",
    "固定资产账实不符",
    "采购未按规定比价",
    "对外担保未履行审批程序",
)
FINDING_CATEGORIES = {  # 问题分类 of each finding above (standard version 2)
    FINDINGS[0]: "公司治理", FINDINGS[1]: "工程项目", FINDINGS[2]: "资产管理", FINDINGS[3]: "资产管理",
    FINDINGS[4]: "采购与合同", FINDINGS[5]: "内部控制",
}


def uscc(rng: random.Random) -> str:
    chars = identity.USCC_CHARS
    body = "91" + rng.choice(REGIONS) + "".join(rng.choice(chars) for _ in range(9))
    return body + identity.uscc_check_char(body)


def id_number(rng: random.Random) -> str:
    born = D(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 35))
    body = rng.choice(REGIONS) + born.strftime("%Y%m%d") + f"{rng.randrange(0, 1000):03d}"
    return body + identity.id_check_char(body)


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


@dataclass
class Unit:
    name: str
    uscc: str
    level: str
    assets: float


def make_units(count: int, seed: int = 2026) -> tuple[Unit, list[Unit]]:
    """The group company and ``count`` subsidiaries (unique names and codes)."""
    rng = random.Random(seed)
    group = Unit("示例省投资集团有限公司", uscc(rng), "集团公司", 8_650_000.0)
    units, names = [], set()
    while len(units) < count:
        name = f"{rng.choice(PLACES)}{rng.choice(TRADES)}{rng.choice(KINDS)}"
        if name in names:
            continue
        names.add(name)
        level = "二级企业" if rng.random() < 0.7 else "三级及以下企业"
        units.append(Unit(name, uscc(rng), level, round(rng.uniform(20_000, 900_000), 2)))
    return group, units


def _workday_after(received: D, days: int) -> D:
    value = evaluate("ZZ_WORKDAY", received, days)
    assert isinstance(value, D)
    return value


class Generator:
    """Records for one unit's workbook that satisfy every rule of the profile."""

    def __init__(self, unit: Unit, parent: Unit, year: int, profile: Profile, rng: random.Random,
                 report_date: D, clue_prefix: str) -> None:
        self.unit, self.parent, self.year, self.profile, self.rng = unit, parent, year, profile, rng
        self.grades: dict[str, str] = {}
        """Clue number → the loss grade its rows were made for."""
        # the additions of standard version 2 draw from their own generator: the v1 columns
        # stay exactly what they were before version 2
        self.v2 = random.Random(f"v2-{unit.uscc}-{year}")
        self.report_date = report_date
        self.prefix = clue_prefix
        self.ctx = Context()

    def info(self) -> dict[str, Any]:
        return {
            "unit_name": self.unit.name, "uscc": self.unit.uscc, "unit_level": self.unit.level,
            "parent_uscc": self.parent.uscc, "report_year": self.year, "report_period": "年度",
            "prior_year_assets": self.unit.assets, "profile": self.profile.key, "preparer": person(self.rng),
            "phone": f"028-8{self.rng.randrange(1000000, 9999999)}", "report_date": self.report_date,
            "parent_name": self.parent.name,
        }

    def _date(self, start: D, end: D) -> D:
        return start + dt.timedelta(days=self.rng.randrange(0, max(1, (end - start).days)))

    def records(self, clues: int, carried: list[dict[str, Any]] | None = None) -> dict[str, list[dict[str, Any]]]:
        rng = self.rng
        out: dict[str, list[dict[str, Any]]] = {s.key: [] for s in schema.STANDARD.ledgers}
        rows = list(carried or [])
        width = max(3, len(str(clues)))  # numbered as a clerk would: the numbers sort as text too
        for number in range(1, clues + 1):
            rows.append(self._clue(f"{self.prefix}-{number:0{width}d}"))
        for clue in rows:
            out["clues"].append(clue)
            grade = self._losses(clue, out["losses"])
            self.grades[clue["clue_id"]] = grade
            self._finish(clue, grade)
            if grade in vocab.GRADES and clue["stage"] in ("处理", "整改", "办结"):
                for _ in range(rng.choice((1, 1, 2))):
                    out["accountability"].append(self._person(clue, grade))
            if clue["stage"] == "办结" and clue.get("filed_date") and clue["recommendation_letter"]:
                out["recommendations"].append(self._letter(clue))
        clue_ids = [c["clue_id"] for c in out["clues"]] or [None]
        for number in range(1, rng.randrange(2, 7)):
            out["rectification"].append(self._finding(f"SJ-{self.year}-{number:02d}", rng.choice(clue_ids)))
        for person_row in out["accountability"]:
            if person_row["ban_term"] != vocab.MEASURE_NONE:
                out["bans"].append({
                    "name": person_row["name"], "id_number": person_row["id_number"],
                    "former_unit": person_row["unit"], "former_position": person_row["position"],
                    "term": person_row["ban_term"], "start_date": person_row["decision_date"],
                    "decision_no": f"{self.unit.name[:2]}国资〔{self.year}〕{rng.randrange(1, 99)}号",
                    "clue_id": person_row["clue_id"],
                })
        self.additions(out)
        return out

    # -- standard version 2 ----------------------------------------------------------------------
    def additions(self, out: dict[str, list[dict[str, Any]]]) -> None:
        """The columns of version 2, realistic and consistent with every rule."""
        v2 = self.v2
        grades = {}
        for clue in out["clues"]:
            grade = self._grade_of(clue, out["losses"])
            grades[clue["clue_id"]] = grade
            clue.setdefault("consequence_grade", v2.choices(("无", "一般", "较大"), (80, 16, 4))[0]
                            if grade != "重大" else "无")
            clue.setdefault("involves_head", v2.random() < 0.04)
            clue.setdefault("supervision", v2.choices((None, "无", "指导督办", "挂牌督办"), (50, 30, 15, 5))[0])
            needed = evaluate("ZZ_NEEDS_REPORT", grade, self.profile.key, clue["consequence_grade"], ctx=self.ctx)
            if needed == vocab.YES:
                received = clue["received_date"]
                if not clue.get("event_report_date"):  # due for its consequence alone
                    clue["event_report_date"] = min(_workday_after(received, v2.randrange(3, 12)), self.report_date)
                late = v2.random() < 0.15  # a few flash reports went late
                clue["flash_date"] = min(_workday_after(received, v2.randrange(6, 9) if late else v2.randrange(1, 5)),
                                         self.report_date)
            if clue.get("filed_date") and clue["stage"] in ("立项", "核查") and v2.random() < 0.8:
                due = evaluate("ZZ_INVESTIGATION_DEADLINE", clue["filed_date"], None, self.profile.key, ctx=self.ctx)
                if isinstance(due, D) and due < self.report_date:  # approved extension of a long investigation
                    clue["investigation_extended_to"] = max(due, self.report_date) + dt.timedelta(days=v2.randrange(20, 90))
        cases = {c["clue_id"]: handling.handling_grade(self.profile, grades[c["clue_id"]], c["consequence_grade"])
                 for c in out["clues"]}
        for person_row in out["accountability"]:
            case = cases.get(person_row["clue_id"])
            if case in vocab.GRADES and case != grades.get(person_row["clue_id"]):
                self._handle_at(person_row, case, out["bans"])
            person_row.setdefault("exempt", False)
            if person_row.get("appealed"):
                person_row["appeal_date"] = min(person_row["decision_date"] + dt.timedelta(days=v2.randrange(3, 25)),
                                                self.report_date)
        for finding in out["rectification"]:
            self._finding_v2(finding)
        for ban in out["bans"]:
            clue = next((c for c in out["clues"] if c["clue_id"] == ban.get("clue_id")), None)
            ban["deciding_unit"] = self.unit.name
            ban["facts"] = (clue["summary"] if clue else "违规经营投资造成重大资产损失")[:200]

    def _handle_at(self, person_row: dict[str, Any], grade: str, bans: list[dict[str, Any]]) -> None:
        """A person of a clue whose 不良后果等级 is above its loss grade, handled at the case grade
        (the profile keys handling on it): measure and ratios drawn again for that grade."""
        v2 = self.v2
        entry = self.profile.handling_for(grade, person_row["responsibility"])
        pay = handling.deduction_range(self.profile, grade, person_row["responsibility"], vocab.PAY_ITEMS[0])
        term = handling.deduction_range(self.profile, grade, person_row["responsibility"], vocab.PAY_ITEMS[1])
        person_row["measure"] = v2.choice(entry.measures) if entry.measures else vocab.MEASURE_NONE
        person_row["pay_ratio"] = _ratio_in(pay, v2)
        person_row["term_base"] = (person_row.get("term_base") or round(v2.uniform(30, 150), 2)) if term else None
        person_row["term_ratio"] = _ratio_in(term, v2) if term else None
        if not entry.ban_allowed and person_row["ban_term"] != vocab.MEASURE_NONE:
            person_row["ban_term"] = vocab.MEASURE_NONE
            bans[:] = [b for b in bans if b.get("id_number") != person_row["id_number"]]

    def _grade_of(self, clue: dict[str, Any], losses: list[dict[str, Any]]) -> str:
        rows = [r for r in losses if r["clue_id"] == clue["clue_id"] and isinstance(r["loss_amount"], float)]
        if rows:
            total = round(sum(r["loss_amount"] for r in rows), 4)
            return str(evaluate("ZZ_LOSS_GRADE", total, rows[0]["prior_year_assets"], self.profile.key, ctx=self.ctx))
        if clue.get("estimated_loss") is not None:
            return str(evaluate("ZZ_LOSS_GRADE", clue["estimated_loss"], self.unit.assets, self.profile.key,
                                ctx=self.ctx))
        return vocab.GRADE_UNASSESSED

    def _finding_v2(self, finding: dict[str, Any]) -> None:
        v2 = self.v2
        kind = v2.choices(schema.RECTIFY_TYPES, (25, 55, 20))[0]
        done = finding["corrected"] and finding["controls_improved"]
        finding.update(rectify_type=kind, category=FINDING_CATEGORIES.get(finding["description"], "其他"),
                       leader=person(v2), acceptor=person(v2) if v2.random() < 0.7 else None)
        if done or kind == "持续整改":  # evidence of what was done (持续整改: of the stage reached)
            number = v2.randrange(1, 80)
            finding["evidence"] = v2.choice((f"整改报告（{self.unit.name[:2]}审〔{self.year}〕{number}号）",
                                             f"制度修订文件、会议纪要（第{number}次）", f"银行回单、调账凭证（{number}份）"))
        if done:
            finding["closing_review"] = "同意销号" if finding.get("closed_date") else "待审核"
        elif kind == "持续整改":
            finding["measures"] = "分阶段推进：" + finding["measures"]

    def _clue(self, clue_id: str) -> dict[str, Any]:
        rng = self.rng
        category, area, summary = rng.choice(SUMMARIES)
        received = self._date(D(self.year, 1, 5), self.report_date - dt.timedelta(days=20))
        return {
            "clue_id": clue_id, "received_date": received,
            "source": rng.choice(schema.CLUE_SOURCES), "unit_name": f"{rng.choice(PLACES)}{rng.choice(TRADES)}有限公司",
            "unit_level": rng.choice(schema.INVOLVED_UNIT_LEVELS[1:]), "violation_category": category,
            "key_area": area, "summary": summary, "amount_involved": round(rng.uniform(50, 20000), 2),
            "estimated_loss": None, "disposal": "初步核实", "stage": "受理", "simplified_procedure": False,
            "recommendation_letter": False, "typical_case": False,
            "department": rng.choice(("审计部", "纪检监察室", "风控法务部", "财务部")), "handler": person(rng),
        }

    def _losses(self, clue: dict[str, Any], losses: list[dict[str, Any]]) -> str:
        rng = self.rng
        if rng.random() < 0.25:
            clue["estimated_loss"] = None
            return vocab.GRADE_UNASSESSED
        total = round(rng.choice((rng.uniform(5, 90), rng.uniform(100, 900), rng.uniform(500, 4800),
                                  rng.uniform(5000, 20000))), 2)
        if rng.random() < 0.3:
            # not yet assessed: a small estimate (a larger one would already need its loss assessment
            # rows for the 一事一报告)
            clue["estimated_loss"] = estimate = round(rng.uniform(5, 90), 2)
            return str(evaluate("ZZ_LOSS_GRADE", estimate, self.unit.assets, self.profile.key, ctx=self.ctx))
        parts = rng.choice((1, 1, 2))
        amounts = [round(total / parts, 2)] * parts
        assets = round(rng.uniform(10_000, 600_000), 2)
        assessed = self._date(clue["received_date"], self.report_date)
        for amount in amounts:
            kind = rng.choice(("直接损失", "直接损失", "间接损失", "或有损失"))
            basis = "中介机构报告" if kind == "或有损失" else rng.choice(schema.LOSS_BASES)
            losses.append({
                "clue_id": clue["clue_id"], "loss_type": kind, "loss_amount": amount, "prior_year_assets": assets,
                "basis": basis, "assessor": rng.choice(("某会计师事务所", "某资产评估公司", "公司财务部", "某律师事务所")),
                "assessed_date": assessed, "recovered_amount": round(amount * rng.choice((0, 0, 0.1, 0.35)), 2),
            })
        return str(evaluate("ZZ_LOSS_GRADE", round(sum(amounts), 4), assets, self.profile.key, ctx=self.ctx))

    def _finish(self, clue: dict[str, Any], grade: str) -> None:
        rng = self.rng
        received = clue["received_date"]
        stage = rng.choice(("初步核实", "立项", "核查", "处理", "整改", "办结", "办结")) if grade in vocab.GRADES else "初步核实"
        if stage == "初步核实" and (self.report_date - received).days > 40:
            stage = "核查"  # keeps most initial checks on time; a few overdue ones are in the data anyway
        clue["stage"] = stage
        if stage != "初步核实":
            clue["disposal"] = "立项核查"
            clue["filed_date"] = _workday_after(received, rng.randrange(5, 25))
            if clue["filed_date"] > self.report_date:
                clue["filed_date"] = received
        if stage == "办结":
            clue["closed_date"] = self._date(clue["filed_date"], self.report_date)
            clue["recommendation_letter"] = rng.random() < 0.75
            clue["typical_case"] = rng.random() < 0.1
        if grade in self.profile.one_event_report.grades:
            report = _workday_after(received, rng.randrange(1, 12))
            clue["event_report_date"] = min(report, self.report_date)

    def _person(self, clue: dict[str, Any], grade: str) -> dict[str, Any]:
        rng = self.rng
        responsibility = rng.choice(vocab.RESPONSIBILITIES)
        entry = self.profile.handling_for(grade, responsibility)
        measure = rng.choice(entry.measures) if entry.measures else vocab.MEASURE_NONE
        pay = handling.deduction_range(self.profile, grade, responsibility, vocab.PAY_ITEMS[0])
        term = handling.deduction_range(self.profile, grade, responsibility, vocab.PAY_ITEMS[1])
        decided = self._date(clue.get("filed_date") or clue["received_date"], self.report_date)
        return {
            "clue_id": clue["clue_id"], "name": person(rng), "id_number": id_number(rng),
            "unit": clue["unit_name"], "position": rng.choice(("总经理", "副总经理", "财务总监", "部门经理", "项目经理")),
            "is_enterprise_head": rng.random() < 0.4, "responsibility": responsibility,
            "employment_status": rng.choice(schema.EMPLOYMENT_STATUSES), "measure": measure,
            "pay_base": round(rng.uniform(20, 90), 2), "pay_ratio": _ratio_in(pay, rng),
            "term_base": round(rng.uniform(30, 150), 2) if term else None, "term_ratio": _ratio_in(term, rng) if term else None,
            "ban_term": rng.choice(("5年", vocab.MEASURE_NONE)) if entry.ban_allowed else vocab.MEASURE_NONE,
            "referred_judicial": grade == "重大" and rng.random() < 0.2, "aggravating": False, "mitigating": False,
            "decision_date": decided, "appealed": rng.random() < 0.1,
        }

    def _letter(self, clue: dict[str, Any]) -> dict[str, Any]:
        return {
            "clue_id": clue["clue_id"], "recipient": clue["unit_name"], "transfer_date": clue["received_date"],
            "transferred_by": "集团公司审计部", "main_problems": clue["summary"],
            "regulatory_risks": "制度执行不到位，关键环节监督缺失，风险应对不及时",
            "suggestions": "完善授权审批制度，加强合同和资金监控，开展专项整治",
            "issued_date": clue["closed_date"],
        }

    def _finding(self, finding_id: str, clue_id: str | None) -> dict[str, Any]:
        rng = self.rng
        issued = self._date(D(self.year - 1, 9, 1), self.report_date - dt.timedelta(days=10))
        problem = round(rng.uniform(10, 3000), 2) if rng.random() < 0.7 else None
        outcome = rng.choice(("done", "done", "done", "partial", "plan", "none"))
        corrected_amount = None
        flags = dict(corrected=False, controls_improved=False, referred_accepted=False, accountability_done=False,
                     plan_given=False, refused_or_sham=False)
        if outcome == "done":
            flags.update(corrected=True, controls_improved=True)
            corrected_amount = problem
        elif outcome == "partial" and problem:
            corrected_amount = round(problem * 0.4, 2)
        elif outcome == "plan":
            flags["plan_given"] = True
        record = {
            "finding_id": finding_id, "source": rng.choice(schema.FINDING_SOURCES),
            "document_no": f"审计报告〔{issued.year}〕{rng.randrange(1, 60)}号", "issued_date": issued,
            "description": rng.choice(FINDINGS), "problem_amount": problem, "responsible_unit": self.unit.name,
            "responsible_person": person(rng), "measures": "制定整改方案，逐项销号", "stage": "推动整改",
            "corrected_amount": corrected_amount, **flags, "clue_id": clue_id if clue_id and rng.random() < 0.3 else None,
        }
        if outcome == "done":
            record["stage"] = "问题销号"
            record["closed_date"] = self._date(issued, self.report_date)
        return record


def _explained_warning(records: dict[str, list[dict[str, Any]]], info: dict[str, Any]) -> None:
    """A finding 整改完毕 without 证明材料 (a warning), answered in 情况说明."""
    sheet = schema.STANDARD.sheet("rectification")
    for k, finding in enumerate(records["rectification"]):
        if finding.get("evidence") and finding["corrected"] and finding["controls_improved"]:
            finding.pop("evidence")
            cell = f"{xl_col_to_name(sheet.index('evidence'))}{k + 2}"
            records["explanations"].append({
                "sheet_name": sheet.name, "cell": cell, "code": "ZZ-WARN-NO-EVIDENCE",
                "text": "整改证明材料含商业秘密，原件已报集团审计部封存备查（集团审计部备案号 SJBA-2026-07）",
                "author": info["preparer"], "date": info["report_date"]})
            return


def _stale_explanation(records: dict[str, list[dict[str, Any]]], info: dict[str, Any]) -> None:
    """An explanation left over from an earlier draft: its finding was renumbered, so no
    warning stands at its cell any more (a stale explanation is itself a warning)."""
    sheet = schema.STANDARD.sheet("rectification")
    row = len(records["rectification"]) + 5
    records["explanations"].append({
        "sheet_name": sheet.name, "cell": f"{xl_col_to_name(sheet.index('deadline'))}{row}",
        "code": "ZZ-WARN-RECTIFY-OVERDUE",
        "text": "该问题整改期限经集团批准延期至2027年3月31日（集团审计〔2026〕9号）",
        "author": info["preparer"], "date": info["report_date"]})


def _ratio_in(bounds: Any, rng: random.Random) -> float:
    if bounds is None:
        return 0.0
    low, high = bounds.min, bounds.max
    if not bounds.max_inclusive:
        high = high - 0.05
    return round(rng.uniform(low, high) * 20) / 20 if high > low else low


@dataclass
class DemoGroup:
    folder: Path
    previous: list[Path]
    current: list[Path]
    mistakes: dict[str, str]
    """File name → the deliberate mistake it carries (the file is rejected)."""
    reminders: dict[str, str] = field(default_factory=dict)
    """File name → a deliberate deviation from a rule nobody checked against the official
    text: a warning, and the file is accepted."""
    explanations: dict[str, str] = field(default_factory=dict)
    """File name → what its 情况说明 shows (an explained warning, a stale explanation):
    warnings only, the file is accepted."""


def make_demo_group(folder: str | Path, units: int = 32, clues: int = 6, seed: int = 2026,
                    profile_key: str = "central-2026") -> DemoGroup:
    """Write last year's and this year's workbooks of a demo group, with planted mistakes."""
    root = Path(folder)
    previous_dir, current_dir = root / "2025年度", root / "2026年度"
    previous_dir.mkdir(parents=True, exist_ok=True)
    current_dir.mkdir(parents=True, exist_ok=True)
    profile = get_profile(profile_key)
    options = default_options(profile_key, rows=20)  # a few ready rows: the files stay small and quick to make
    parent, members = make_units(units, seed)
    previous: list[Path] = []
    current: list[Path] = []
    mistakes: dict[str, str] = {}
    reminders: dict[str, str] = {}
    explained: dict[str, str] = {}
    open_last_year: dict[str, list[dict[str, Any]]] = {}
    for index, unit in enumerate(members[:8]):
        gen = Generator(unit, parent, 2025, profile, random.Random(seed + index), D(2026, 1, 15), f"XS-2025-{index:02d}")
        records = gen.records(clues)
        open_last_year[unit.uscc] = [dict(c) for c in records["clues"] if c["stage"] != "办结"]
        previous.append(build_template(previous_dir / f"{unit.name}_2025年度.xlsx", options, gen.info(), records))
    for index, unit in enumerate(members):
        gen = Generator(unit, parent, 2026, profile, random.Random(seed + 100 + index), D(2026, 11, 20),
                        f"XS-2026-{index:02d}")
        carried = [dict(c, stage="核查") for c in open_last_year.get(unit.uscc, [])]
        for clue in carried:
            clue.pop("closed_date", None)
        count = 0 if index == len(members) - 1 else clues  # the last unit files a zero report
        records = gen.records(count, carried)
        name = f"{unit.name}_2026年度.xlsx"
        info = gen.info()
        if index == 1 and carried:
            dropped = records["clues"].pop(0)
            mistakes[name] = f"上期在办线索 {dropped['clue_id']} 本期缺失"
            for key in ("losses", "accountability", "recommendations", "bans"):
                records[key] = [r for r in records[key] if r.get("clue_id") != dropped["clue_id"]]
            for finding in records["rectification"]:
                if finding.get("clue_id") == dropped["clue_id"]:
                    finding["clue_id"] = None
        if index == 2 and records["accountability"]:
            person_row = records["accountability"][0]
            clue = next(c for c in records["clues"] if c["clue_id"] == person_row["clue_id"])
            grade = handling.handling_grade(profile, gen.grades[clue["clue_id"]], clue.get("consequence_grade"))
            entry = profile.handling_for(grade, person_row["responsibility"])
            wrong = "批评教育" if "免职" in entry.measures else "免职"
            text = f"组织处理“{person_row['measure']}”改为“{wrong}”（不在该等级允许范围）"
            if entry.checked:
                mistakes[name] = text
            else:
                reminders[name] = text[:-1] + "；该处理标准未与正式文本核对：只提醒，不退回）"
            person_row["measure"] = wrong
        if index == 3 and records["losses"]:
            records["losses"][0]["loss_amount"] = "120万元"
            mistakes[name] = "损失金额写成了“120万元”文本"
        if index == 4 and records["losses"]:
            records["losses"][0]["clue_id"] = "XS-9999-001"
            mistakes[name] = "资产损失认定引用了不存在的线索编号"
        if index == 6:
            _explained_warning(records, info)
            explained[name] = "整改完毕的问题未附证明材料（提醒），已在「情况说明」说明理由：记为“已说明”"
        if index == 7:
            _stale_explanation(records, info)
            explained[name] = "「情况说明」有一行对应的提醒已不存在：过时的说明，本身是一条提醒"
        path = build_template(current_dir / name, options, info, records)
        current.append(path)
        if index == 5:
            older = current_dir / f"{unit.name}_2026年度_初报.xlsx"
            build_template(older, options, dict(info, report_date=D(2026, 11, 2)), records)
            current.append(older)
            mistakes[older.name] = "同一单位较早的报表，被 11 月 20 日的重报替代"
    broken = current_dir / "损坏的报表.xlsx"
    broken.write_bytes(current[6].read_bytes()[:4000])
    current.append(broken)
    mistakes[broken.name] = "文件不完整（传输中断）"
    return DemoGroup(root, previous, current, mistakes, reminders, explained)

