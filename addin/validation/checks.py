"""The checks: each a function from a submission to problems, with a stable code.

Cell checks are driven by the schema's column metadata (required, enumeration, length,
range, identity check characters); row checks hold the standard's conditional rules,
date order and amounts; link checks hold references and uniqueness; handling checks
hold the profile's table of measures, ranges and 禁入限制.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from addin.problems import Problem
from addin.schema import STANDARD, Column, ColumnType, Record
from addin.validation.locate import Locator
from udfs import handling, identity, vocab
from udfs.profile import Profile

MONEY_DECIMALS = 4


@dataclass
class Context:
    """What every check may need about one submission."""

    submission: Any
    locate: Locator
    profile: Profile | None
    computed: dict[str, list[dict[str, Any]]]
    """The engine's values of the computed columns (sheet key → one dict per row)."""

    def rows(self, key: str) -> list[Record]:
        return list(self.submission.ledgers.get(key, []))

    def problem(self, key: str, field: str | None, record: Record | None, code: str, message: str,
                severity: str = "error") -> Problem:
        return self.locate.problem(key, field, record, code, message, severity)

    def value(self, key: str, index: int, record: Record, field: str) -> Any:
        """A computed field as the engine has it (falls back to what the workbook shows)."""
        rows = self.computed.get(key, [])
        if index < len(rows) and field in rows[index]:
            return rows[index][field]
        return getattr(record, field, None)


Check = Callable[[Context], Iterator[Problem]]


def closest(value: str, options: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(value, list(options), n=1, cutoff=0.4)
    return found[0] if found else None


# -- cells -------------------------------------------------------------------------------------


def _decimals_exceed(value: float, places: int) -> bool:
    return abs(round(value, places) - value) > 1e-9 * max(1.0, abs(value))


def _cell_problems(ctx: Context, key: str, column: Column, record: Record) -> Iterator[Problem]:
    value = getattr(record, column.field, None)
    header = column.header
    if value is None:
        if column.required:
            yield ctx.problem(key, column.field, record, "ZZ-REQUIRED", f"“{header}”必须填写：{column.help}")
        return
    if column.type in (ColumnType.ENUM,) and column.options and value not in column.options:
        guess = closest(str(value), column.options)
        hint = f"，是否应为“{guess}”" if guess else ""
        yield ctx.problem(key, column.field, record, "ZZ-ENUM",
                          f"“{header}”的“{value}”不在可选范围内{hint}（可选：{'、'.join(column.options)}）")
    if column.type is ColumnType.TEXT and column.max_length is not None and len(str(value)) > column.max_length:
        yield ctx.problem(key, column.field, record, "ZZ-LENGTH",
                          f"“{header}”有 {len(str(value))} 个字，超过 {column.max_length} 字的上限，请精简")
    if column.type in (ColumnType.NUMBER, ColumnType.PERCENT) and isinstance(value, float):
        if column.minimum is not None:
            below = value <= column.minimum if column.minimum_exclusive else value < column.minimum
            if below:
                bound = f"大于 {column.minimum:g}" if column.minimum_exclusive else f"不小于 {column.minimum:g}"
                yield ctx.problem(key, column.field, record, "ZZ-RANGE", f"“{header}”为 {value:g}，应{bound}")
        if column.type is ColumnType.PERCENT and not 0 <= value <= 1:
            yield ctx.problem(key, column.field, record, "ZZ-RANGE",
                              f"“{header}”为 {value:g}，比例应在 0–100% 之间（50% 填 0.5 或 50%）")
        if column.type is ColumnType.NUMBER and not column.computed and _decimals_exceed(value, MONEY_DECIMALS):
            yield ctx.problem(key, column.field, record, "ZZ-DECIMALS",
                              f"“{header}”为 {value!r}，金额以万元计最多保留4位小数")
    if column.check == "id":
        problem = identity.id_problem(str(value))
        if problem:
            yield ctx.problem(key, column.field, record, "ZZ-ID-INVALID", problem)
    if column.check == "uscc":
        problem = identity.uscc_problem(str(value))
        if problem:
            yield ctx.problem(key, column.field, record, "ZZ-USCC-INVALID", problem)


def check_cells(ctx: Context) -> Iterator[Problem]:
    info = ctx.submission.info
    info_sheet = STANDARD.record
    group_company = getattr(info, "unit_level", None) == "集团公司"
    for column in info_sheet.input_columns:
        if column.field == "parent_uscc" and group_company and getattr(info, column.field, None) is None:
            continue
        if column.field == "profile" and getattr(info, "profile", None) is not None:
            if ctx.profile is None:
                yield ctx.problem(info_sheet.key, "profile", info, "ZZ-PROFILE-UNKNOWN",
                                  f"“适用标准”的“{info.profile}”不是已知的标准（可选：{'、'.join(column.options)}），"
                                  "无法按标准检查损失等级和处理措施")
            continue
        yield from _cell_problems(ctx, info_sheet.key, column, info)
    if getattr(info, "prior_year_assets", None) is not None and info.prior_year_assets <= 0:
        yield ctx.problem(info_sheet.key, "prior_year_assets", info, "ZZ-RANGE", "“上年末资产总额（万元）”应大于 0")
    for sheet in STANDARD.ledgers:
        for record in ctx.rows(sheet.key):
            for column in sheet.input_columns:
                yield from _cell_problems(ctx, sheet.key, column, record)


# -- rows -----------------------------------------------------------------------------------------


def _before(ctx: Context, key: str, record: Record, earlier: str, later: str, code: str = "ZZ-DATE-ORDER") -> Iterator[Problem]:
    first, second = getattr(record, earlier, None), getattr(record, later, None)
    if isinstance(first, dt.date) and isinstance(second, dt.date) and second < first:
        sheet = STANDARD.sheet(key)
        yield ctx.problem(key, later, record, code,
                          f"“{sheet.column(later).header}” {second.isoformat()} 早于“{sheet.column(earlier).header}” "
                          f"{first.isoformat()}，请核对日期")


def check_rows(ctx: Context) -> Iterator[Problem]:
    for index, clue in enumerate(ctx.rows("clues")):
        c: Any = clue
        yield from _before(ctx, "clues", clue, "received_date", "filed_date")
        yield from _before(ctx, "clues", clue, "filed_date" if c.filed_date else "received_date", "closed_date")
        yield from _before(ctx, "clues", clue, "received_date", "event_report_date")
        if c.stage == "办结" and c.closed_date is None:
            yield ctx.problem("clues", "closed_date", clue, "ZZ-REQUIRED-CLOSED-DATE",
                              "办理阶段为“办结”，必须填写“办结日期”")
        if c.closed_date is not None and c.stage not in (None, "办结"):
            yield ctx.problem("clues", "stage", clue, "ZZ-STAGE-CLOSED",
                              f"已填写办结日期 {c.closed_date.isoformat()}，但办理阶段为“{c.stage}”，应为“办结”")
    assets_by_clue: dict[str, set[float]] = defaultdict(set)
    for loss in ctx.rows("losses"):
        l: Any = loss
        if l.loss_type == "或有损失" and l.basis not in (None, "中介机构报告"):
            yield ctx.problem("losses", "basis", loss, "ZZ-CONTINGENT-BASIS",
                              f"或有损失须经中介机构评估认定，“认定依据”应为“中介机构报告”，而不是“{l.basis}”")
        if l.loss_amount is not None and l.recovered_amount is not None and l.recovered_amount > l.loss_amount:
            yield ctx.problem("losses", "recovered_amount", loss, "ZZ-AMOUNT-RECOVERED",
                              f"已挽回金额 {l.recovered_amount:g} 万元大于损失金额 {l.loss_amount:g} 万元")
        if l.clue_id is not None and l.prior_year_assets is not None:
            assets_by_clue[l.clue_id].add(l.prior_year_assets)
    for loss in ctx.rows("losses"):
        l = loss
        bases = assets_by_clue.get(l.clue_id or "", set())
        if len(bases) > 1:
            listed = "、".join(f"{b:g}" for b in sorted(bases))
            yield ctx.problem("losses", "prior_year_assets", loss, "ZZ-ASSETS-MISMATCH",
                              f"线索 {l.clue_id} 各行的“发生损失企业上年末资产总额”不一致（{listed}），同一线索应相同")
    for person in ctx.rows("accountability"):
        p: Any = person
        acted = (p.measure not in (None, vocab.MEASURE_NONE)) or (p.pay_ratio or 0) > 0 or (p.term_ratio or 0) > 0
        if acted and p.decision_date is None:
            yield ctx.problem("accountability", "decision_date", person, "ZZ-REQUIRED-DECISION-DATE",
                              "已给出组织处理或扣减比例，必须填写“处理决定日期”")
    for finding in ctx.rows("rectification"):
        f: Any = finding
        yield from _before(ctx, "rectification", finding, "issued_date", "closed_date")
        yield from _before(ctx, "rectification", finding, "issued_date", "extended_to")
        if f.problem_amount is not None and f.corrected_amount is not None and f.corrected_amount > f.problem_amount:
            yield ctx.problem("rectification", "corrected_amount", finding, "ZZ-AMOUNT-CORRECTED",
                              f"已纠正金额 {f.corrected_amount:g} 万元大于问题金额 {f.problem_amount:g} 万元")
        if f.corrected and f.problem_amount and f.corrected_amount is not None and f.corrected_amount < f.problem_amount:
            yield ctx.problem("rectification", "corrected", finding, "ZZ-FLAG-AMOUNT",
                              f"“金额或事实已纠正”为 是，但已纠正金额 {f.corrected_amount:g} 万元少于问题金额 "
                              f"{f.problem_amount:g} 万元，按部分纠正认定", "warning")
    results = ctx.computed.get("rectification", [])
    for index, finding in enumerate(ctx.rows("rectification")):
        f = finding
        result = results[index].get("result") if index < len(results) else f.result
        if f.closed_date is not None and result != vocab.RECTIFY_RESULTS[0]:
            yield ctx.problem("rectification", "closed_date", finding, "ZZ-CLOSE-NOT-DONE",
                              f"整改结果为“{result or '（未认定）'}”，只有“整改完毕”的问题才能填写销号日期")
    for ban in ctx.rows("bans"):
        b: Any = ban
        if b.term is not None and b.term not in (ctx.profile.ban.terms if ctx.profile else vocab.BAN_TERMS):
            yield ctx.problem("bans", "term", ban, "ZZ-BAN-TERM", f"禁入期限“{b.term}”不是适用标准允许的期限")


# -- links ----------------------------------------------------------------------------------------

# (sheet, field, must exist): 线索编号 must; 关联线索编号 may name an earlier period's clue
_REFERENCES = (
    ("losses", "clue_id", True),
    ("accountability", "clue_id", True),
    ("recommendations", "clue_id", True),
    ("rectification", "clue_id", False),
    ("bans", "clue_id", False),
)


def check_links(ctx: Context) -> Iterator[Problem]:
    clue_ids = Counter(c.clue_id for c in ctx.rows("clues") if c.clue_id is not None)  # type: ignore[attr-defined]
    first_row: dict[str, int] = {}
    for clue in ctx.rows("clues"):
        cid = clue.clue_id  # type: ignore[attr-defined]
        if cid is None:
            continue
        if cid in first_row:
            yield ctx.problem("clues", "clue_id", clue, "ZZ-DUPLICATE",
                              f"线索编号 {cid} 与第 {first_row[cid]} 行重复，线索编号在本文件内必须唯一")
        else:
            first_row[cid] = clue.origin.row
    for key, field, must_exist in _REFERENCES:
        header = STANDARD.sheet(key).column(field).header
        for record in ctx.rows(key):
            cid = getattr(record, field, None)
            if cid is None or cid in clue_ids:
                continue
            guess = closest(cid, clue_ids)
            hint = f"，是否应为 {guess}" if guess else ""
            if must_exist:
                yield ctx.problem(key, field, record, "ZZ-REF-CLUE",
                                  f"“{header}” {cid} 在「问题线索台账」中不存在{hint}")
            else:
                yield ctx.problem(key, field, record, "ZZ-WARN-REF-CLUE",
                                  f"“{header}” {cid} 不在本期「问题线索台账」中{hint}（以前年度的线索可忽略本提醒）",
                                  "warning")
    seen_findings: dict[str, int] = {}
    for finding in ctx.rows("rectification"):
        fid = finding.finding_id  # type: ignore[attr-defined]
        if fid is None:
            continue
        if fid in seen_findings:
            yield ctx.problem("rectification", "finding_id", finding, "ZZ-DUPLICATE",
                              f"问题编号 {fid} 与第 {seen_findings[fid]} 行重复，问题编号在本文件内必须唯一")
        else:
            seen_findings[fid] = finding.origin.row
    seen_people: dict[tuple[str, str], int] = {}
    for person in ctx.rows("accountability"):
        p: Any = person
        if p.clue_id is None or p.id_number is None:
            continue
        pair = (p.clue_id, p.id_number.upper())
        if pair in seen_people:
            yield ctx.problem("accountability", "id_number", person, "ZZ-DUPLICATE",
                              f"同一线索 {p.clue_id} 的同一责任人（{p.name}）与第 {seen_people[pair]} 行重复；"
                              "同一事件的扣减按最高标准执行，不合并使用")
        else:
            seen_people[pair] = person.origin.row


# -- handling rules ---------------------------------------------------------------------------------


def _ratio_problem(bounds: Any, ratio: float, mitigating: bool, aggravating: bool) -> str | None:
    """Why a ratio is outside the allowed range, or None.  从轻减轻免除 waives the lower
    bound (down to 0), 从重加重 waives the upper one."""
    if bounds is None:
        if ratio > 0 and not aggravating:
            return "按适用标准不扣减"
        return None
    lower_ok = bounds.min_inclusive and ratio >= bounds.min or ratio > bounds.min or mitigating
    upper_ok = bounds.max_inclusive and ratio <= bounds.max or ratio < bounds.max or aggravating
    if lower_ok and upper_ok:
        return None
    return f"允许范围为 {handling.range_text(bounds)}"


def check_handling(ctx: Context) -> Iterator[Problem]:
    profile = ctx.profile
    if profile is None:
        return
    for index, person in enumerate(ctx.rows("accountability")):
        p: Any = person
        grade = ctx.value("accountability", index, person, "loss_grade")
        if grade not in vocab.GRADES or p.responsibility not in vocab.RESPONSIBILITIES:
            continue
        entry = profile.handling_for(grade, p.responsibility)
        if p.measure not in (None, vocab.MEASURE_NONE) and p.measure in vocab.MEASURES and p.measure not in entry.measures:
            yield ctx.problem("accountability", "measure", person, "ZZ-MEASURE-NOT-ALLOWED",
                              f"{grade}损失的{p.responsibility}人不能给予“{p.measure}”，可采取：{'、'.join(entry.measures)}"
                              f"（{entry.source}）")
        if p.ban_term not in (None, vocab.MEASURE_NONE) and not entry.ban_allowed:
            yield ctx.problem("accountability", "ban_term", person, "ZZ-BAN-NOT-ALLOWED",
                              f"{grade}损失的{p.responsibility}人不适用禁入限制（{entry.source}）")
        for field, label, item in (("pay_ratio", "绩效年薪扣减比例", vocab.PAY_ITEMS[0]),
                                   ("term_ratio", "任期激励扣减比例", vocab.PAY_ITEMS[1])):
            ratio = getattr(p, field)
            if not isinstance(ratio, float) or not 0 <= ratio <= 1:
                continue
            bounds = handling.deduction_range(profile, grade, p.responsibility, item)
            why = _ratio_problem(bounds, ratio, bool(p.mitigating), bool(p.aggravating))
            if why:
                waiver = "；有从轻减轻免除情节的可低于下限，有从重加重情节的可高于上限"
                yield ctx.problem("accountability", field, person, "ZZ-RATIO-OUT-OF-RANGE",
                                  f"{grade}损失的{p.responsibility}人{label}为 {handling.percent_text(ratio)}，"
                                  f"{why}{waiver}（{entry.source}）")


# -- computed cells -------------------------------------------------------------------------------


def _same(shown: Any, expected: Any) -> bool:
    if isinstance(shown, float) and isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return abs(shown - expected) <= 1e-6 * max(1.0, abs(expected))
    return shown == expected


def _shown(value: Any) -> str:
    if value is True:
        return vocab.YES
    if value is False:
        return vocab.NO
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def check_computed(ctx: Context) -> Iterator[Problem]:
    """A computed cell that is not blank must agree with the engine (blank ones are filled)."""
    for sheet in STANDARD.ledgers:
        expected_rows = ctx.computed.get(sheet.key, [])
        for index, record in enumerate(ctx.rows(sheet.key)):
            expected = expected_rows[index] if index < len(expected_rows) else {}
            for column in sheet.computed_columns:
                shown = getattr(record, column.field, None)
                want = expected.get(column.field)
                if shown is None or want is None:
                    continue
                if isinstance(want, str) and want.startswith("#"):
                    continue  # the inputs are wrong; their own checks say why
                if not _same(shown, want):
                    yield ctx.problem(sheet.key, column.field, record, "ZZ-COMPUTED-MISMATCH",
                                      f"“{column.header}”显示为“{_shown(shown)}”，按适用标准应为“{_shown(want)}”"
                                      "（公式可能被改写或损坏，请恢复模板中的公式）")


ALL_CHECKS: tuple[Check, ...] = (check_cells, check_rows, check_links, check_handling, check_computed)
