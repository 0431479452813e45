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
from decimal import Decimal
from pathlib import Path
from typing import Any, Sequence

from addin.plumbing.outputs import OutputRefused, OutputSet
from addin.documents.gbt9704 import Note, OfficialDocument, Placeholder, Segment
from addin.documents.wording import Redactor, chinese_date, money, percent, safe_name, sentence, wan
from addin.returns.identity import MISSING
from addin.rollup import barred
from addin.rollup.indicators import (
    MONEY, RATIO, UPWARD, Indicator, display_value, form_indicators, indicator, lines, ratio_defined,
)
from addin.rollup.periods import Period
from addin.rollup.recall import RecalledUnit, period_indicators, period_units, previous_totals
from addin.workbook import schema
from udfs import vocab

PERIODIC, SPECIAL, CASE = "定期报告", "专项报告", "典型案例"
KINDS = (PERIODIC, SPECIAL)
COVERAGE_BAR = 0.5
"""管理提升建议书 should cover 一半以上 of the closed projects (seed 000 二(三); 以上 includes a half)."""

def _keys(*prefixed: tuple[str, Sequence[str]] | str) -> tuple[str, ...]:
    keys: list[str] = []
    for item in prefixed:
        keys += [item] if isinstance(item, str) else [f"{item[0]}_{v}" for v in item[1]]
    return tuple(keys)


# (caption, indicator keys): every row's label, unit and number come from the indicator
# catalogue (``addin.rollup.indicators``), laid out as the forms lay them (``lines``)
PERIODIC_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("问题线索受理和办理情况", _keys("期初在办", "新受理", "线索_办结", "线索_在办", "移送纪检监察线索数")),
    ("问题线索来源", _keys(("线索来源", schema.CLUE_SOURCES))),
    ("违规情形类别", _keys(("违规情形", schema.VIOLATION_CATEGORIES))),
    ("资产损失认定情况", _keys(("损失笔数", vocab.GRADES), ("损失金额", vocab.GRADES), "已挽回金额")),
    ("责任追究处理情况", _keys("追责人数", ("责任类型", vocab.RESPONSIBILITIES), ("组织处理", vocab.MEASURES),
                            "扣减薪酬总额", "禁入限制人数", "移送司法机关人数")),
    ("审计整改情况", _keys("整改问题数", "整改完毕数", "部分整改数", "未整改数", "逾期问题数", "整改率", "已纠正金额")),
    ("管理提升建议书和一事一报告", _keys("管理提升建议书数", "办结核查项目数", "办结项目有建议书数", "管理提升建议书覆盖率",
                               "一事一报告_应报", "一事一报告_已报", "典型案例数")),
    ("零报告情况", _keys("零报告单位数", "零查处单位数", "零追责单位数")),
)
HEADLINE = ("期初在办", "新受理", "线索_办结", "线索_在办")
"""期初在办 + 新受理 − 办结 = 期末在办: the catalogue computes 新受理 so that it reconciles."""


def table_indicators(keys: Sequence[str], values: Sequence[dict[str, int | float]]) -> list[Indicator]:
    """A table's indicators as the forms show them: Order 46's wording, an Order 37 measure
    only where counted (``form_indicators``)."""
    shown = {i.key for i in form_indicators(UPWARD, (), values)}
    return [indicator(k) for k in keys if k in shown]


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


TABLE_HEADER = ("项目", "计量单位", "本期", "上年同期")
BARRED_ROWS = {"在册人数": ("名册在册人员", "人"), "本期录入人数": ("本期录入", "人"),
               "期末在禁入期内人数": ("截至数据日仍在禁入期内", "人"), "终身禁入人数": ("终身禁入", "人"),
               "查询次数": ("任用前查询", "次"), "查询命中次数": ("查到在禁入期内", "次")}
NONE_SHOWN = "—"


def cell(key: str, values: dict[str, int | float] | None) -> str:
    """How a table shows an indicator (its unit in the column beside it): counts as integers,
    万元 to 2 decimals and ratios as percentages to 2 — rounded as the returns round; "—"
    where there is no value (no 上年同期) or a ratio has nothing to divide."""
    if values is None or key not in values:
        return NONE_SHOWN
    item = indicator(key)
    value = values[key]
    if item.kind == RATIO:
        if not ratio_defined(key, values):
            return NONE_SHOWN
        return f"{Decimal(repr(display_value(key, value))) * 100:.2f}"
    if item.kind == MONEY:
        return money(float(value))
    return f"{int(value):,d}"


def table_rows(keys: Sequence[str], totals: dict[str, int | float],
               previous: dict[str, int | float] | None) -> list[tuple[str, str, str, str]]:
    """(项目, 计量单位, 本期, 上年同期) rows, breakdown headings included (the section heading
    is the table's caption)."""
    rows = []
    for line in lines(table_indicators(keys, [totals] + ([previous] if previous else []))):
        if line.heading == "section":
            continue
        item = line.indicator
        if item is None:
            rows.append((line.text, "", "", ""))
        else:
            rows.append((line.text, item.unit, cell(item.key, totals), cell(item.key, previous)))
    return rows


def period_text(period: Period) -> str:
    """2026年度, 2026年上半年 (never 2026-年度)."""
    return f"{period.year}{period.name}" if period.name == "年度" else f"{period.year}年{period.name}"


def data_date(units: Sequence[RecalledUnit], period: Period, as_of: dt.date | None) -> dt.date:
    """The day the data run to: the roll-up's as-of (given), else, as the roll-up takes it, the
    latest 填报日期 of the units — never later than the period's end."""
    if as_of is None:
        days = [u.filed_on for u in units if u.filed_on is not None]
        as_of = max(days) if days else period.end
    return min(as_of, period.end)


def _units(archive: str | Path, period: Period) -> list[RecalledUnit]:
    if not Path(archive).exists():
        raise ReportError(f"找不到归档库：{archive}（先用 zhuize rollup --archive 汇总归档）")
    units = period_units(archive, period)
    if not units:
        raise ReportError(f"归档库中没有 {period_text(period)} 已通过的报表；请先汇总并归档该报告期")
    return units


def _known_ids(units: Sequence[RecalledUnit], archive: str | Path) -> list[str]:
    ids = [p.id_number for u in units for p in u.ledgers.accountability]
    ids += [b.id_number for u in units for b in u.ledgers.bans]
    ids += [e.id_number for e in barred.register(archive, history=True)]
    return [i for i in ids if i]


def _save(doc: OfficialDocument, target: Path, force: bool, outputs: OutputSet | None = None) -> Path:
    """``doc`` at ``target`` (an existing file only with ``force``); into ``outputs`` when given
    (committed by the caller with the others: all or none), else on its own."""
    if target.exists() and not force:
        raise OutputRefused(f"文件已存在：{target}（不覆盖；换一个输出文件夹，或加 --force）", target)
    if outputs is not None:
        outputs.write(target, doc.save)
        return target
    with OutputSet(force=force) as alone:
        alone.write(target, doc.save)
        alone.commit()
    return target


def _filer(units: Sequence[RecalledUnit], identity: Any = None) -> str | None:
    """The reporting unit's name: the identity's, else the one unit's; None when unknown."""
    name = getattr(identity, "name", "") if identity is not None else ""
    if name:
        return name
    return units[0].unit if len(units) == 1 else None


def build_periodic(archive: str | Path, period: Period, kind: str = PERIODIC, today: dt.date | None = None,
                   issuer: str | None = None, identity: Any = None,
                   as_of: dt.date | None = None) -> tuple[OfficialDocument, dict[str, int | float]]:
    if kind not in KINDS:
        raise ReportError(f"未知报告种类“{kind}”（可选：{'、'.join(KINDS)}）")
    units = _units(archive, period)
    totals = period_indicators(units)
    previous = previous_totals(archive, period)
    day = today or dt.date.today()
    upto = data_date(units, period, as_of)
    name = issuer or _filer(units, identity)
    filer = name or MISSING
    signer: Segment = name or Note(MISSING)
    shown = period_text(period)
    doc = OfficialDocument(redact=Redactor(_known_ids(units, archive)))
    if kind == PERIODIC:
        doc.title(f"{filer}关于{shown}违规经营投资责任追究工作情况的报告", highlight=None if name else MISSING)
    else:
        doc.title(f"{filer}关于{shown}违规经营投资责任追究工作的专项报告", highlight=None if name else MISSING)
    doc.blank()
    doc.addressee(Placeholder("主送单位"))
    doc.body(f"现将{shown}违规经营投资责任追究工作情况报告如下（数据截至{chinese_date(upto)}，"
             f"来自{len(units)}家单位已通过校验并归档的报表）。")

    doc.heading_1(PERIODIC_HEADINGS[0])
    doc.body(f"纳入本次报告的单位共{len(units)}家：{'、'.join(u.unit for u in units)}。",
             Placeholder("企业资产规模、主营业务及责任追究工作机构设置情况"))

    doc.heading_1(PERIODIC_HEADINGS[1])
    headline = "，".join(f"{indicator(k).label}{int(totals[k]):,d}{indicator(k).unit}" for k in HEADLINE)
    rectified = (f"审计发现问题{totals['整改问题数']}个，整改率{percent(float(totals['整改率']))}"
                 if ratio_defined("整改率", totals) else "本期没有审计发现问题")
    doc.body(f"{headline}；追究责任{totals['追责人数']}人，扣减薪酬{wan(float(totals['扣减薪酬总额']))}；{rectified}。")
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
    for caption, keys in PERIODIC_TABLES:
        doc.table(caption, TABLE_HEADER, table_rows(keys, totals, previous))

    doc.heading_1(PERIODIC_HEADINGS[2])
    start = dt.date(period.year, 1, 1) if period.name in ("年度", "上半年", "第一季度") else period.end.replace(day=1)
    use = barred.usage(archive, start, period.end)
    use["期末在禁入期内人数"] = barred.usage(archive, start, upto)["期末在禁入期内人数"]
    doc.body(f"集团禁入限制人员名册现有在册{use['在册人数']}人，其中本期录入{use['本期录入人数']}人，"
             f"截至{chinese_date(upto)}仍在禁入期内{use['期末在禁入期内人数']}人（终身禁入{use['终身禁入人数']}人）。"
             f"本期任用董事、监事、高级管理人员前查询{use['查询次数']}次，查到在禁入期内的{use['查询命中次数']}次。",
             Placeholder("查询结果的使用情况（如对查到人员不予任用的情况）"))
    doc.table("禁入限制人员信息录入、查询情况", ("项目", "计量单位", "本期"),
              [(*BARRED_ROWS.get(k, (k, "")), f"{v:,d}") for k, v in use.items()])

    doc.heading_1(PERIODIC_HEADINGS[3])
    cases = [(u, c) for u in units for c in u.ledgers.clues if c.typical_case]
    if cases:
        doc.body(f"本期报送典型案例{len(cases)}件：")
        for unit, clue in cases:
            doc.item(f"{clue.unit_name or unit.unit}{clue.violation_category or ''}问题（线索编号{clue.clue_id}）："
                     f"{sentence(clue.summary or '')}")
    else:
        doc.body("本期没有报送典型案例。")

    if kind == SPECIAL:
        tolerance_section(doc, totals)
    for heading, what in zip(PERIODIC_HEADINGS[4:], ("工作成效和经验做法", "存在的问题和不足", "下一步工作安排")):
        doc.heading_1(heading)
        doc.body(Placeholder(what))
    doc.signature(signer, day)
    doc.describe(title=f"{kind}（{shown}）", author=name or "", subject="违规经营投资责任追究工作")
    return doc, totals


TOLERANCE_HEADING = "容错纠错和对账销号情况"


def tolerance_section(doc: OfficialDocument, totals: dict[str, int | float]) -> None:
    """The 专项报告's 容错纠错 section (standard 2.1): 免责人数 by 免责情形 (the 免责清单,
    SASAC 2021: 尽职合规免责事项清单) and the clues 销号 or not (对账销号)."""
    doc.heading_1(TOLERANCE_HEADING)
    exempt = int(totals.get("免责人数", 0))
    situations = [(key.removeprefix("免责人数_"), int(totals[key])) for key in totals
                  if key.startswith("免责人数_") and totals[key]]
    if exempt:
        parts = "、".join(f"{name}{count}人" for name, count in situations)
        doc.body(f"本期依据尽职合规免责事项清单免予追责{exempt}人" + (f"，其中{parts}。" if parts else "。"),
                 Placeholder("免责认定的程序和把关情况"))
    else:
        doc.body("本期没有尽职合规免责的情形。")
    closed_off, pending = int(totals.get("线索_已销号", 0)), int(totals.get("线索_办结未销号", 0))
    doc.body(f"办结的问题线索{closed_off + pending}条，已对账销号{closed_off}条，办结未销号{pending}条。")
    doc.table("尽职合规免责和对账销号情况", ("项目", "数值"),
              [("免责人数（人）", str(exempt)), *((f"{name}（人）", str(count)) for name, count in situations),
               ("已销号线索（条）", str(closed_off)), ("办结未销号线索（条）", str(pending))])


def write_periodic(archive: str | Path, period: Period, out: str | Path, kind: str = PERIODIC,
                   today: dt.date | None = None, force: bool = False, identity: Any = None,
                   as_of: dt.date | None = None) -> WrittenReport:
    """The report as a .docx in ``out``; ``identity`` defaults to the user folder's [unit]."""
    if identity is None:
        from addin.returns.identity import load_identity

        identity = load_identity()
    doc, _ = build_periodic(archive, period, kind, today, identity=identity, as_of=as_of)
    target = Path(out) / f"{kind}_{period_text(period)}.docx"
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
    with OutputSet(archive=archive, force=force) as outputs:  # every case or none (a full disk leaves no half)
        for unit in units:
            for clue in unit.ledgers.clues:
                if not clue.typical_case or (clues and clue.clue_id not in clues):
                    continue
                if limit is not None and len(written) >= limit:
                    break
                doc = build_case(unit, clue, known, mask_names)
                target = Path(out) / f"{CASE}_{safe_name(unit.unit)}_{safe_name(clue.clue_id)}.docx"
                written.append(WrittenReport(_save(doc, target, force, outputs), CASE, clue.clue_id))
        outputs.commit()
    return written
