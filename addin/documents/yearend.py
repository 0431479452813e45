"""What headquarters reports upward at year end, as GB/T 9704 drafts (the letters' machinery):

    write_periodic(archive, period, out, kind="定期报告" | "专项报告")  one .docx
    write_cases(archive, period, out, mask_names=False)              one 典型案例 per clue

Both are read from the archive (``addin.rollup.recall``): for each unit its accepted
submission of the period.  The 定期报告's tables are the roll-up's indicators
(``PERIODIC_TABLES`` names the indicator behind every number); what the ledgers cannot say
(成效, 存在问题, 下一步工作, 警示意义) is a yellow （待承办部门补充：…） placeholder.  No ID
number is written: the people are named (or masked as 张某), every text passes the
letters' redactor, and the 禁入 section gives counts only — the register is never exported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from addin.documents.gbt9704 import OfficialDocument, Placeholder
from addin.documents.wording import Redactor, chinese_date, percent, safe_name, sentence, wan
from addin.rollup import barred
from addin.rollup.indicators import INDICATORS
from addin.rollup.periods import Period
from addin.rollup.recall import RecalledUnit, period_indicators, period_units
from addin.workbook import schema
from udfs import vocab

PERIODIC, SPECIAL, CASE = "定期报告", "专项报告", "典型案例"
KINDS = (PERIODIC, SPECIAL)
COVERAGE_BAR = 0.5
"""管理提升建议书 should cover 一半以上 of the closed projects (seed 000 二(三); 以上 includes a half)."""

MEANING = dict(INDICATORS)

# (caption, [(row label, indicator key)]) — every number in the tables is one indicator
PERIODIC_TABLES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("问题线索受理和办理情况", (("期初在办（条）", "期初在办"), ("本期线索（条）", "线索总数"),
                          ("已办结（条）", "线索_办结"), ("在办（条）", "线索_在办"))),
    ("问题线索来源", tuple((f"{v}（条）", f"线索来源_{v}") for v in schema.CLUE_SOURCES)),
    ("违规情形类别", tuple((f"{v}（条）", f"违规情形_{v}") for v in schema.VIOLATION_CATEGORIES)),
    ("资产损失认定情况", tuple((f"{g}损失（笔）", f"损失笔数_{g}") for g in vocab.GRADES)
     + tuple((f"{g}损失金额（万元）", f"损失金额_{g}") for g in vocab.GRADES)
     + (("已挽回金额（万元）", "已挽回金额"),)),
    ("责任追究处理情况", (("追责人数（人）", "追责人数"),)
     + tuple((f"{r}（人）", f"责任类型_{r}") for r in vocab.RESPONSIBILITIES)
     + tuple((f"{m}（人）", f"组织处理_{m}") for m in vocab.MEASURES)
     + (("扣减薪酬总额（万元）", "扣减薪酬总额"), ("禁入限制（人）", "禁入限制人数"),
        ("移送纪检监察机构（条）", "移送纪检监察线索数"), ("移送司法机关（人）", "移送司法机关人数"))),
    ("审计整改情况", (("整改问题（个）", "整改问题数"), ("整改完毕（个）", "整改完毕数"), ("部分整改（个）", "部分整改数"),
                    ("未整改（个）", "未整改数"), ("整改率", "整改率"), ("逾期（个）", "逾期问题数"),
                    ("已纠正金额（万元）", "已纠正金额"))),
    ("管理提升建议书和一事一报告", (("管理提升建议书（份）", "管理提升建议书数"), ("办结核查项目（个）", "办结核查项目数"),
                               ("其中形成建议书（个）", "办结项目有建议书数"), ("建议书覆盖率", "管理提升建议书覆盖率"),
                               ("一事一报告应报（件）", "一事一报告_应报"), ("一事一报告已报（件）", "一事一报告_已报"),
                               ("典型案例（件）", "典型案例数"))),
    ("零报告情况", (("零报告单位（家）", "零报告单位数"), ("零查处单位（家）", "零查处单位数"),
                  ("零追责单位（家）", "零追责单位数"))),
)
RATIOS = ("整改率", "管理提升建议书覆盖率")
MONEY_PREFIXES = ("损失金额_", "已挽回金额", "扣减薪酬总额", "已纠正金额")

PERIODIC_HEADINGS = ("企业基本情况", "责任追究工作开展情况", "禁入限制人员信息录入、查询、使用情况", "典型案例",
                     "工作成效", "存在问题", "下一步工作")
CASE_HEADINGS = ("基本情况", "主要问题", "责任认定和追究情况", "整改情况", "警示意义")


class ReportError(ValueError):
    """Nothing to report (no archive, no accepted submission of the period), in Chinese."""


@dataclass(frozen=True)
class WrittenReport:
    path: Path
    kind: str
    clue_id: str = ""


def cell(key: str, value: int | float) -> str:
    """How a table shows an indicator: counts as integers, 万元 with up to 4 decimals, ratios in %."""
    if key in RATIOS:
        return percent(float(value))
    if key.startswith(MONEY_PREFIXES):
        return wan(float(value)).removesuffix("万元")
    return str(int(value))


def _units(archive: str | Path, period: Period) -> list[RecalledUnit]:
    if not Path(archive).exists():
        raise ReportError(f"找不到归档库：{archive}（先用 zhuize rollup --archive 汇总归档）")
    units = period_units(archive, period)
    if not units:
        raise ReportError(f"归档库中没有 {period.label} 已通过的报表；请先汇总并归档该报告期")
    return units


def _known_ids(units: Sequence[RecalledUnit], archive: str | Path) -> list[str]:
    ids = [p.id_number for u in units for p in u.ledgers.accountability]
    ids += [b.id_number for u in units for b in u.ledgers.bans]
    ids += [e.id_number for e in barred.register(archive, history=True)]
    return [i for i in ids if i]


def _save(doc: OfficialDocument, target: Path, force: bool) -> Path:
    if target.exists() and not force:
        raise ReportError(f"文件已存在：{target}（不覆盖；换一个输出文件夹，或加 --force）")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.tmp")
    doc.save(partial)
    partial.replace(target)
    return target


def _filer(units: Sequence[RecalledUnit]) -> str:
    return units[0].unit if len(units) == 1 else "集团公司"


def build_periodic(archive: str | Path, period: Period, kind: str = PERIODIC, today: dt.date | None = None,
                   issuer: str | None = None) -> tuple[OfficialDocument, dict[str, int | float]]:
    if kind not in KINDS:
        raise ReportError(f"未知报告种类“{kind}”（可选：{'、'.join(KINDS)}）")
    units = _units(archive, period)
    totals = period_indicators(units)
    day = today or dt.date.today()
    filer = issuer or _filer(units)
    doc = OfficialDocument(redact=Redactor(_known_ids(units, archive)))
    if kind == PERIODIC:
        doc.title(f"{filer}关于{period.year}年{period.name.removeprefix('年度') or '度'}违规经营投资责任追究工作情况的报告")
    else:
        doc.title(f"{filer}关于{period.year}年违规经营投资责任追究工作的专项报告")
    doc.blank()
    doc.addressee(Placeholder("主送单位"))
    doc.body(f"现将本企业{period.label}违规经营投资责任追究工作情况报告如下（数据截至{chinese_date(period.end)}，"
             f"来自{len(units)}家单位已通过校验并归档的报表）。")

    doc.heading_1(PERIODIC_HEADINGS[0])
    doc.body(f"纳入本次报告的单位共{len(units)}家：{'、'.join(u.unit for u in units)}。",
             Placeholder("企业资产规模、主营业务及责任追究工作机构设置情况"))

    doc.heading_1(PERIODIC_HEADINGS[1])
    doc.body(f"本期受理问题线索{totals['线索总数']}条（上期末在办{totals['期初在办']}条），办结{totals['线索_办结']}条；"
             f"追究责任{totals['追责人数']}人，扣减薪酬{wan(float(totals['扣减薪酬总额']))}；审计发现问题{totals['整改问题数']}个，"
             f"整改率{percent(float(totals['整改率']))}。")
    coverage = float(totals["管理提升建议书覆盖率"])
    if totals["办结核查项目数"]:
        verdict = "达到一半以上" if coverage >= COVERAGE_BAR else "不到一半，需加强"
        doc.body(f"办结核查项目{totals['办结核查项目数']}个，形成管理提升建议书的{totals['办结项目有建议书数']}个，"
                 f"覆盖率{percent(coverage)}，{verdict}。")
    due, made = totals["一事一报告_应报"], totals["一事一报告_已报"]
    doc.body(f"需一事一报告{due}件，已报{made}件" + (f"，尚有{int(due) - int(made)}件未报。" if due > made else "。"))
    zero = [u.unit for u in units if u.indicators["零报告单位数"]]
    if zero:
        doc.body(f"零报告单位{len(zero)}家：{'、'.join(zero)}。")
    for caption, rows in PERIODIC_TABLES:
        doc.table(caption, ("项目", "数值"), [(label, cell(key, totals[key])) for label, key in rows])

    doc.heading_1(PERIODIC_HEADINGS[2])
    start = dt.date(period.year, 1, 1) if period.name in ("年度", "上半年", "第一季度") else period.end.replace(day=1)
    use = barred.usage(archive, start, period.end)
    doc.body(f"集团禁入限制人员名册现有在册{use['在册人数']}人，其中本期录入{use['本期录入人数']}人，"
             f"截至{chinese_date(period.end)}仍在禁入期内{use['期末在禁入期内人数']}人（终身禁入{use['终身禁入人数']}人）。"
             f"本期任用董事、监事、高级管理人员前查询{use['查询次数']}次，查到在禁入期内的{use['查询命中次数']}次。",
             Placeholder("查询结果的使用情况（如对查到人员不予任用的情况）"))
    doc.table("禁入限制人员信息录入、查询情况", ("项目", "数值"), [(f"{k}", str(v)) for k, v in use.items()])

    doc.heading_1(PERIODIC_HEADINGS[3])
    cases = [(u, c) for u in units for c in u.ledgers.clues if c.typical_case]
    if cases:
        doc.body(f"本期报送典型案例{len(cases)}件：")
        for unit, clue in cases:
            doc.item(f"{clue.unit_name or unit.unit}{clue.violation_category or ''}问题（线索编号{clue.clue_id}）："
                     f"{sentence(clue.summary or '')}")
    else:
        doc.body("本期没有报送典型案例。")

    for heading, what in zip(PERIODIC_HEADINGS[4:], ("工作成效和经验做法", "存在的问题和不足", "下一步工作安排")):
        doc.heading_1(heading)
        doc.body(Placeholder(what))
    doc.signature(filer, day)
    doc.describe(title=f"{kind}（{period.label}）", author=filer, subject="违规经营投资责任追究工作")
    return doc, totals


def write_periodic(archive: str | Path, period: Period, out: str | Path, kind: str = PERIODIC,
                   today: dt.date | None = None, force: bool = False) -> WrittenReport:
    doc, _ = build_periodic(archive, period, kind, today)
    target = Path(out) / f"{kind}_{period.label}.docx"
    return WrittenReport(_save(doc, target, force), kind)


# -- 典型案例 -------------------------------------------------------------------------------------


def masked_name(name: str) -> str:
    name = (name or "").strip()
    return f"{name[0]}某" if name else "某某"


def build_case(unit: RecalledUnit, clue: Any, known_ids: Sequence[str], mask_names: bool) -> OfficialDocument:
    led = unit.ledgers
    doc = OfficialDocument(redact=Redactor(known_ids))
    where = clue.unit_name or unit.unit
    doc.title(f"{where}{clue.violation_category or ''}问题典型案例")
    doc.heading_1(CASE_HEADINGS[0])
    received = f"{chinese_date(clue.received_date)}，" if clue.received_date else ""
    doc.body(f"{received}{unit.unit}通过{clue.source or '监督'}渠道受理{where}有关问题线索（线索编号{clue.clue_id}），"
             f"经{clue.disposal or '核查'}，目前处于{clue.stage or '办理'}阶段。"
             + (f"问题涉及金额{wan(float(clue.amount_involved))}。" if clue.amount_involved is not None else ""))
    doc.heading_1(CASE_HEADINGS[1])
    doc.body(sentence(clue.summary or "") if clue.summary else Placeholder("主要违规事实"))
    losses = [loss for loss in led.losses if loss.clue_id == clue.clue_id]
    if losses:
        total = sum(float(loss.loss_amount or 0) for loss in losses)
        recovered = sum(float(loss.recovered_amount or 0) for loss in losses)
        grade = f"，属于{clue.loss_grade}资产损失" if clue.loss_grade in vocab.GRADES else ""
        doc.body(f"经认定，造成资产损失{wan(total)}{grade}" + (f"，已挽回{wan(recovered)}。" if recovered else "。"))
    doc.heading_1(CASE_HEADINGS[2])
    people = [p for p in led.accountability if p.clue_id == clue.clue_id]
    if not people:
        doc.body(Placeholder("责任认定和追究情况"))
    for person in people:
        name = masked_name(person.name) if mask_names else (person.name or "")
        parts = [f"{person.unit or ''}{person.position or ''}{name}负{person.responsibility or ''}"]
        if person.measure and person.measure != vocab.MEASURE_NONE:
            parts.append(f"给予{person.measure}处理")
        deduction = (person.pay_base or 0) * (person.pay_ratio or 0) + (person.term_base or 0) * (person.term_ratio or 0)
        if deduction:
            parts.append(f"扣减薪酬{wan(deduction)}")
        if person.ban_term and person.ban_term != vocab.MEASURE_NONE:
            parts.append(f"禁入限制{person.ban_term}")
        if person.referred_judicial:
            parts.append("移送司法机关")
        doc.item("，".join(parts) + "。")
    doc.heading_1(CASE_HEADINGS[3])
    findings = [f for f in led.rectification if f.clue_id == clue.clue_id]
    for finding in findings:
        doc.item(f"{sentence(finding.description or '')}整改措施：{sentence(finding.measures or '')}"
                 f"整改结果：{finding.result or '—'}。")
    letters = [r for r in led.recommendations if r.clue_id == clue.clue_id]
    for letter in letters:
        doc.body(f"针对暴露的问题向{letter.recipient or '有关单位'}印发管理提升建议书，建议{sentence(letter.suggestions or '')}")
    if not findings and not letters:
        doc.body(Placeholder("整改情况"))
    doc.heading_1(CASE_HEADINGS[4])
    doc.body(Placeholder("本案的警示意义和教训"))
    doc.describe(title=f"{CASE}（{clue.clue_id}）", author=unit.unit, subject=where)
    return doc


def write_cases(archive: str | Path, period: Period, out: str | Path, mask_names: bool = False,
                clues: Sequence[str] | None = None, force: bool = False, limit: int | None = None) -> list[WrittenReport]:
    units = _units(archive, period)
    known = _known_ids(units, archive)
    written: list[WrittenReport] = []
    for unit in units:
        for clue in unit.ledgers.clues:
            if not clue.typical_case or (clues and clue.clue_id not in clues):
                continue
            if limit is not None and len(written) >= limit:
                return written
            doc = build_case(unit, clue, known, mask_names)
            target = Path(out) / f"{CASE}_{safe_name(unit.unit)}_{safe_name(clue.clue_id)}.docx"
            written.append(WrittenReport(_save(doc, target, force), CASE, clue.clue_id))
    return written
