"""The checks: each a function from a submission to problems, with a stable code.

Cell checks are driven by the schema's column metadata (required, enumeration, length,
range, identity check characters); row checks hold the standard's conditional rules,
date order and amounts; link checks hold references and uniqueness; handling checks
hold the profile's table of measures, ranges and 禁入限制; computed checks compare what
a workbook shows with the engine.

One mistake, one problem: a sheet or column the reader could not find is reported by
the reader once, and no check looks at its cells; a cell the reader could not read is
not also reported as blank.  Checks work column by column over the ledgers (a list of
values per field), so a 100,000-row workbook is checked in a fraction of a second.

Codes (stable):
    ZZ-REQUIRED, ZZ-REQUIRED-CLOSED-DATE, ZZ-REQUIRED-DECISION-DATE    required values
    ZZ-ENUM, ZZ-LENGTH, ZZ-RANGE, ZZ-DECIMALS                          cell values
    ZZ-ID-INVALID, ZZ-USCC-INVALID, ZZ-PROFILE-UNKNOWN                 codes and the profile
    ZZ-REF-CLUE (error), ZZ-WARN-REF-CLUE (warning), ZZ-DUPLICATE      links
    ZZ-DATE-ORDER, ZZ-STAGE-CLOSED, ZZ-CLOSE-NOT-DONE                  dates and stages
    ZZ-AMOUNT-RECOVERED, ZZ-AMOUNT-CORRECTED, ZZ-CONTINGENT-BASIS,     amounts
    ZZ-ASSETS-MISMATCH, ZZ-FLAG-AMOUNT (warning)
    ZZ-MEASURE-NOT-ALLOWED, ZZ-RATIO-OUT-OF-RANGE, ZZ-BAN-NOT-ALLOWED, handling rules
    ZZ-BAN-TERM
    ZZ-COMPUTED-MISMATCH                                               computed cells
    ZZ-RULE-UNCHECKED-MEASURE, ZZ-RULE-UNCHECKED-RATIO,                the same against an entry
    ZZ-RULE-UNCHECKED-BAN, ZZ-RULE-UNCHECKED-BAN-TERM,                 nobody compared with the
    ZZ-RULE-UNCHECKED-COMPUTED (warnings)                              official text (checked = false)
    ZZ-TOO-SHORT, ZZ-REQUIRED-APPEAL-DATE, ZZ-REQUIRED-DELAY,          version 2's columns
    ZZ-CLOSE-NOT-APPROVED, ZZ-REWORK-BUT-DONE, ZZ-EXEMPT-NOT-ALLOWED,
    ZZ-WARN-NO-EVIDENCE (warning)

A rule entry nobody compared with the official text never rejects a submission: what
breaks only such an entry is a warning with its own code, naming the entry and its
source marked 待核对; the same decision against a checked entry stays an error.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from addin.problems import Problem
from addin.plumbing.redact import find_ids
from addin.workbook.schema import (AMOUNT_LIMIT, BAN_TERM_MAX_YEARS, CLOSING_REVIEWS, FILED_MARGIN_DAYS,
                                   INVOLVED_UNIT_LEVELS, STANDARD, Column, ColumnType, Record)

CLOSING_APPROVED, CLOSING_REWORK = CLOSING_REVIEWS[1], CLOSING_REVIEWS[2]
from addin.validation.locate import Locator
from udfs import handling, identity, vocab
from udfs.errors import EngineError
from udfs.profile import Handling, Profile, Sourced
from udfs.profile_entries import entry_name

MONEY_DECIMALS = 4
OWN_LEVEL = INVOLVED_UNIT_LEVELS[0]  # 本级: the filing unit's own 单位层级


@dataclass
class Context:
    """What every check may need about one submission."""

    submission: Any
    locate: Locator
    profile: Profile | None
    computed: dict[str, list[dict[str, Any]]]
    """The engine's values of the computed columns (sheet key → one dict per row)."""
    unread: set[tuple[str, str]] = field(default_factory=set)
    """(sheet name, cell) of the cells the reader could not read (already reported)."""
    _columns: dict[tuple[str, str], list[Any]] = field(default_factory=dict)

    def rows(self, key: str) -> list[Record]:
        return self.submission.ledgers.get(key, [])

    def col(self, key: str, name: str) -> list[Any]:
        """The values of one field over a ledger's rows (cached)."""
        cached = self._columns.get((key, name))
        if cached is None:
            typed = getattr(self.submission, "typed_column", None)
            kept = typed(key, name) if typed is not None else None
            rows = self.rows(key)
            if kept is not None and len(kept) == len(rows):
                cached = kept
            else:
                cached = list(map(attrgetter(name), rows))
            self._columns[(key, name)] = cached
        return cached

    def present(self, key: str, name: str | None = None) -> bool:
        """Was the sheet (and the column) found in the workbook?  Submissions built by
        other code without ``columns`` count as complete."""
        columns = getattr(self.submission, "columns", None)
        if not columns:
            return True
        if key not in columns:
            return False
        return name is None or key == STANDARD.record.key or name in columns[key]

    def problem(self, key: str, field: str | None, record: Record | None, code: str, message: str,
                severity: str = "error") -> Problem:
        return self.locate.problem(key, field, record, code, message, severity)

    def unreadable(self, key: str, field: str, record: Record) -> bool:
        """The reader already reported this cell."""
        return bool(self.unread) and (STANDARD.sheet(key).name, self.locate.cell(key, field, record)) in self.unread


Check = Callable[[Context], Iterator[Problem]]


def closest(value: str, options: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(value, list(options), n=1, cutoff=0.4)
    return found[0] if found else None


def key_of(text: str | None) -> str | None:
    """线索编号 and 问题编号 compare ignoring case and spaces, as the workbook's MATCH does."""
    return None if text is None else text.strip().casefold()


# -- cells -------------------------------------------------------------------------------------


def _decimals_exceed(value: float, places: int) -> bool:
    return abs(round(value, places) - value) > 1e-9 * max(1.0, abs(value))


def _off_decimals(numbers: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """The numbers not already rounded to 4 decimals (numpy unless there are very few): a
    prefilter, ``_decimals_exceed`` decides."""
    if len(numbers) < 24:
        return [(k, v) for k, v in numbers if v != round(v, MONEY_DECIMALS)]
    values = np.fromiter((v for _, v in numbers), dtype=np.float64, count=len(numbers))
    off = np.flatnonzero(np.round(values, MONEY_DECIMALS) != values)
    return [numbers[i] for i in off.tolist()]


def _shorten(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _column_problems(ctx: Context, key: str, column: Column, records: list[Record],
                     values: list[Any]) -> Iterator[Problem]:
    """Every cell check of one column (a list of values, one per record); a cell the
    reader already reported is not reported again."""
    if ctx.unread:
        for problem in _column_checks(ctx, key, column, records, values):
            if (problem.sheet, problem.cell) not in ctx.unread:
                yield problem
    else:
        yield from _column_checks(ctx, key, column, records, values)


def _column_checks(ctx: Context, key: str, column: Column, records: list[Record],
                   values: list[Any]) -> Iterator[Problem]:
    header = column.header
    name = column.field
    if column.required and None in values:
        for k in [k for k, v in enumerate(values) if v is None]:
            yield ctx.problem(key, name, records[k], "ZZ-REQUIRED", f"“{header}”必须填写：{column.help}")
    kind = column.type
    if column.check == "ban_term":
        pass  # 禁入期限 depends on the file's version: check_ban_terms
    elif kind is ColumnType.ENUM and column.options:
        stray = set(values).difference(column.options)  # each distinct value once
        stray.discard(None)
        for k in [k for k, v in enumerate(values) if v in stray] if stray else []:
            value = values[k]
            guess = closest(str(value), column.options)
            hint = f"，是否应为“{guess}”" if guess else ""
            yield ctx.problem(key, name, records[k], "ZZ-ENUM",
                              f"“{header}”的“{value}”不在可选范围内{hint}（可选：{'、'.join(column.options)}），"
                              "请从下拉列表中选择")
    if kind is ColumnType.TEXT and column.min_length is not None:
        short = column.min_length
        for k in [k for k, v in enumerate(values) if v is not None and len(v.strip()) < short]:
            yield ctx.problem(key, name, records[k], "ZZ-TOO-SHORT",
                              f"“{header}”“{values[k]}”只有 {len(values[k].strip())} 个字，至少应写 {short} 个字，请说明具体情况")
    if kind is ColumnType.TEXT and column.check not in ("id", "uscc") and column.length_limit is not None:
        limit = column.length_limit
        # the longest at C speed (what filter drops, None, "", 0, False, shows in fewer than 8 characters)
        longest = max(map(len, map(str, filter(None, values))), default=0)
        for k in [k for k, v in enumerate(values) if v is not None and len(str(v)) > limit] if longest > limit or limit < 8 else []:
            value = str(values[k])
            yield ctx.problem(key, name, records[k], "ZZ-LENGTH",
                              f"“{header}”“{_shorten(value)}”有 {len(value)} 个字，超过 {limit} 字的上限，请精简")
    if kind is ColumnType.TEXT and column.check is None and not column.computed:
        holding = {v for v in set(values) if isinstance(v, str) and len(v) >= 15 and find_ids(v)}  # each text once
        for k in [k for k, v in enumerate(values) if v in holding] if holding else []:
            # the number itself is never quoted (it is personal data)
            yield ctx.problem(key, name, records[k], "ZZ-ID-IN-TEXT",
                              f"“{header}”中含有身份证号码：此栏不应填写个人身份证号码，请删去（需要时填在「责任追究台账」"
                              "或「禁入限制人员」的“身份证号码”列）", "warning")
    if kind in (ColumnType.NUMBER, ColumnType.PERCENT, ColumnType.INTEGER) and not all(
            -AMOUNT_LIMIT <= v <= AMOUNT_LIMIT for v in values if type(v) in (float, int)):  # NaN fails too
        for k, v in enumerate(values):
            if type(v) in (float, int) and (not math.isfinite(v) or abs(v) > AMOUNT_LIMIT):
                shown = f"{v:g}" if math.isfinite(v) else "非有限数"
                yield ctx.problem(key, name, records[k], "ZZ-AMOUNT-LIMIT",
                                  f"“{header}”为 {shown}，超过 {AMOUNT_LIMIT:,.0f} 的上限（万元计即一万亿元），"
                                  "多为录入错误（如多打了位数或单位用了元），请核对")
        values = [None if type(v) in (float, int) and (not math.isfinite(v) or abs(v) > AMOUNT_LIMIT) else v
                  for v in values]
    if kind in (ColumnType.NUMBER, ColumnType.PERCENT):
        numbers = [(k, v) for k, v in enumerate(values) if type(v) is float]
        if column.minimum is not None:
            low = column.minimum
            bad = [(k, v) for k, v in numbers if v <= low] if column.minimum_exclusive else \
                [(k, v) for k, v in numbers if v < low]
            bound = f"大于 {low:g}" if column.minimum_exclusive else f"不小于 {low:g}"
            for k, v in bad:
                yield ctx.problem(key, name, records[k], "ZZ-RANGE", f"“{header}”为 {v:g}，应{bound}，请核对")
        if kind is ColumnType.PERCENT:
            for k, v in numbers:
                if not 0 <= v <= 1:
                    yield ctx.problem(key, name, records[k], "ZZ-RANGE",
                                      f"“{header}”为 {v:g}，比例应在 0–100% 之间（50% 填 0.5 或 50%）")
        if kind is ColumnType.NUMBER and not column.computed:
            for k, v in _off_decimals(numbers):
                if _decimals_exceed(v, MONEY_DECIMALS):
                    yield ctx.problem(key, name, records[k], "ZZ-DECIMALS",
                                      f"“{header}”为 {v!r}，金额以万元计最多保留4位小数，请四舍五入到4位小数")
    if column.check in ("id", "uscc"):
        check = identity.id_problem if column.check == "id" else identity.uscc_problem
        code = "ZZ-ID-INVALID" if column.check == "id" else "ZZ-USCC-INVALID"
        seen: dict[str, str | None] = {}
        for k, v in enumerate(values):
            if v is None:
                continue
            text = str(v)
            if text not in seen:
                seen[text] = check(text)
            why = seen[text]
            if why and column.check == "id":  # the number itself is never repeated (it is personal data)
                yield ctx.problem(key, name, records[k], code, f"“{header}”有误：{why}，请核对后重新填写")
            elif why:
                yield ctx.problem(key, name, records[k], code, f"“{header}”“{text}”有误：{why}，请核对后重新填写")


def ban_term_ok(term: str) -> bool:
    """禁入期限 (version 2): any whole number of years from 5 to ``BAN_TERM_MAX_YEARS`` (N年),
    or 终身."""
    if term == vocab.BAN_TERMS[-1]:
        return True
    return (term.endswith("年") and term[:-1].isascii() and term[:-1].isdigit()
            and 5 <= int(term[:-1]) <= BAN_TERM_MAX_YEARS)


def _ban_term_valid(ctx: Context, term: str) -> bool:
    """A v1 file keeps v1's list (5年, 10年, 终身); version 2 takes any N年 with N ≥ 5."""
    if getattr(ctx.submission, "version", 2) < 2:
        return term in vocab.BAN_TERMS
    return ban_term_ok(term)


def check_ban_terms(ctx: Context) -> Iterator[Problem]:
    """禁入期限: in a v1 file one of v1's terms; in a v2 file any N年 with N ≥ 5, or 终身."""
    bans = ctx.rows("bans")
    if not bans or not ctx.present("bans", "term"):
        return
    column = STANDARD.sheet("bans").column("term")
    v1 = getattr(ctx.submission, "version", 2) < 2
    for k, term in enumerate(ctx.col("bans", "term")):
        if term is None or _ban_term_valid(ctx, term) or ctx.unreadable("bans", "term", bans[k]):
            continue
        if v1:
            guess = closest(str(term), vocab.BAN_TERMS)
            hint = f"，是否应为“{guess}”" if guess else ""
            message = (f"“{column.header}”的“{term}”不在可选范围内{hint}（可选：{'、'.join(vocab.BAN_TERMS)}），"
                       "请从下拉列表中选择")
        else:
            message = (f"“{column.header}”的“{term}”不是有效的期限，应为5年至{BAN_TERM_MAX_YEARS}年的整年数"
                       "（如 5年、8年、10年）或 终身")
        yield ctx.problem("bans", "term", bans[k], "ZZ-ENUM", message)


def check_cells(ctx: Context) -> Iterator[Problem]:
    info = ctx.submission.info
    info_sheet = STANDARD.record
    if ctx.present(info_sheet.key):
        rows = getattr(info, "rows", None) or {}
        group_company = getattr(info, "unit_level", None) == "集团公司"
        for column in info_sheet.input_columns:
            if getattr(ctx.submission, "columns", None) and column.field not in rows:
                continue  # the label is missing: reported by the reader
            value = getattr(info, column.field, None)
            if column.field in ("parent_uscc", "parent_name") and group_company and value is None:
                continue
            if column.field == "profile" and value is not None:
                if ctx.profile is None:
                    yield ctx.problem(info_sheet.key, "profile", info, "ZZ-PROFILE-UNKNOWN",
                                      f"“适用标准”的“{value}”不是已知的标准（可选：{'、'.join(column.options)}），"
                                      "无法按标准检查损失等级和处理措施；请从下拉列表中选择")
                continue
            yield from _column_problems(ctx, info_sheet.key, column, [info], [value])
        filed = getattr(info, "report_date", None)
        latest = dt.date.today() + dt.timedelta(days=FILED_MARGIN_DAYS)
        if isinstance(filed, dt.date) and filed > latest:
            yield ctx.problem(info_sheet.key, "report_date", info, "ZZ-DATE-FUTURE",
                              f"“填报日期”为 {filed.isoformat()}，晚于今天（{dt.date.today().isoformat()}）超过 "
                              f"{FILED_MARGIN_DAYS} 天；填报日期应为报送的日期，请核对（逾期按此日期判断）")
    for sheet in STANDARD.ledgers:
        done = _precomputed(ctx.submission, sheet.key)
        if done is not None:
            yield from done
        else:
            yield from ledger_cell_problems(ctx, sheet.key)


def ledger_cell_problems(ctx: Context, key: str) -> Iterator[Problem]:
    """The cell checks of one ledger (the reading process may run them ahead)."""
    records = ctx.rows(key)
    if not records or not ctx.present(key):
        return
    for column in STANDARD.sheet(key).input_columns:
        if ctx.present(key, column.field):
            yield from _column_problems(ctx, key, column, records, ctx.col(key, column.field))


def precheck_cells(submission: Any, unread: set[tuple[str, str]], keys: list[str]) -> dict[str, list[Problem]]:
    """The cell checks of some ledgers, for a reading process to run ahead
    (``addin.workbook.read.load_workbook(cell_checks=…)``)."""
    ctx = Context(submission, Locator(submission), None, {}, unread)
    return {key: list(ledger_cell_problems(ctx, key)) for key in keys}


def _precomputed(submission: Any, key: str) -> list[Problem] | None:
    found = getattr(submission, "precomputed_cell_problems", None)
    return found(key) if found is not None else None


# -- rows -----------------------------------------------------------------------------------------


def _order(ctx: Context, key: str, earlier: str, later: str, when: list[bool] | None = None) -> Iterator[Problem]:
    """``later`` must not be before ``earlier`` (both filled; ``when`` limits the rows)."""
    sheet = STANDARD.sheet(key)
    records = ctx.rows(key)
    firsts, seconds = ctx.col(key, earlier), ctx.col(key, later)
    for k, (first, second) in enumerate(zip(firsts, seconds)):
        if first is not None and second is not None and second < first and (when is None or when[k]):
            yield ctx.problem(key, later, records[k], "ZZ-DATE-ORDER",
                              f"“{sheet.column(later).header}” {second.isoformat()} 早于“{sheet.column(earlier).header}” "
                              f"{first.isoformat()}，请核对日期")


def check_rows(ctx: Context) -> Iterator[Problem]:
    clues = ctx.rows("clues")
    if clues:
        filed = ctx.col("clues", "filed_date")
        yield from _order(ctx, "clues", "received_date", "filed_date")
        yield from _order(ctx, "clues", "filed_date", "closed_date")
        yield from _order(ctx, "clues", "received_date", "closed_date", [f is None for f in filed])
        yield from _order(ctx, "clues", "received_date", "event_report_date")
        for k, (stage, closed) in enumerate(zip(ctx.col("clues", "stage"), ctx.col("clues", "closed_date"))):
            if stage == "办结" and closed is None and ctx.present("clues", "closed_date") \
                    and not ctx.unreadable("clues", "closed_date", clues[k]):
                yield ctx.problem("clues", "closed_date", clues[k], "ZZ-REQUIRED-CLOSED-DATE",
                                  "办理阶段为“办结”，必须填写“办结日期”（办结的日期，不早于立项日期）")
            if closed is not None and stage is not None and stage != "办结" and stage in ("受理", "初步核实", "立项", "核查",
                                                                                         "处理", "整改"):
                yield ctx.problem("clues", "stage", clues[k], "ZZ-STAGE-CLOSED",
                                  f"已填写办结日期 {closed.isoformat()}，但办理阶段为“{stage}”，应为“办结”")
    losses = ctx.rows("losses")
    if losses:
        first_assets: dict[str, float] = {}
        columns = zip(ctx.col("losses", "loss_type"), ctx.col("losses", "basis"), ctx.col("losses", "loss_amount"),
                      ctx.col("losses", "recovered_amount"), ctx.col("losses", "clue_id"),
                      ctx.col("losses", "prior_year_assets"))
        for k, (kind, basis, amount, recovered, clue_id, assets) in enumerate(columns):
            if kind == "或有损失" and basis is not None and basis != "中介机构报告":
                yield ctx.problem("losses", "basis", losses[k], "ZZ-CONTINGENT-BASIS",
                                  f"或有损失须经中介机构评估认定，“认定依据”应为“中介机构报告”，而不是“{basis}”")
            if amount is not None and recovered is not None and recovered > amount:
                yield ctx.problem("losses", "recovered_amount", losses[k], "ZZ-AMOUNT-RECOVERED",
                                  f"已挽回金额 {recovered:g} 万元大于损失金额 {amount:g} 万元，已挽回金额不能超过损失金额，请核对")
            if clue_id is not None and assets is not None:
                first = first_assets.setdefault(key_of(clue_id) or "", assets)
                if assets != first:  # the clue is graded on its first row's asset base
                    yield ctx.problem("losses", "prior_year_assets", losses[k], "ZZ-ASSETS-MISMATCH",
                                      f"线索 {clue_id} 的“发生损失企业上年末资产总额”为 {assets:g}，与本线索第一行的 {first:g} "
                                      "不一致；同一线索各行应相同（损失等级按第一行的资产总额计算），请核对")
    people = ctx.rows("accountability")
    if people and ctx.present("accountability", "decision_date"):
        columns = zip(ctx.col("accountability", "measure"), ctx.col("accountability", "pay_ratio"),
                      ctx.col("accountability", "term_ratio"), ctx.col("accountability", "decision_date"))
        for k, (measure, pay, term, decided) in enumerate(columns):
            if decided is not None:
                continue
            acted = (measure is not None and measure != vocab.MEASURE_NONE) or (pay or 0) > 0 or (term or 0) > 0
            if acted and not ctx.unreadable("accountability", "decision_date", people[k]):
                given = f"组织处理“{measure}”" if measure not in (None, vocab.MEASURE_NONE) else "扣减比例"
                yield ctx.problem("accountability", "decision_date", people[k], "ZZ-REQUIRED-DECISION-DATE",
                                  f"已给出{given}，必须填写“处理决定日期”")
    findings = ctx.rows("rectification")
    if findings:
        yield from _order(ctx, "rectification", "issued_date", "closed_date")
        yield from _order(ctx, "rectification", "issued_date", "extended_to")
        columns = zip(ctx.col("rectification", "problem_amount"), ctx.col("rectification", "corrected_amount"),
                      ctx.col("rectification", "corrected"))
        for k, (amount, corrected_amount, corrected) in enumerate(columns):
            if amount is not None and corrected_amount is not None and corrected_amount > amount:
                yield ctx.problem("rectification", "corrected_amount", findings[k], "ZZ-AMOUNT-CORRECTED",
                                  f"已纠正金额 {corrected_amount:g} 万元大于问题金额 {amount:g} 万元，"
                                  "已纠正金额不能超过问题金额，请核对")
            elif corrected and amount and corrected_amount is not None and corrected_amount < amount:
                yield ctx.problem("rectification", "corrected", findings[k], "ZZ-FLAG-AMOUNT",
                                  f"“金额或事实已纠正”为 是，但已纠正金额 {corrected_amount:g} 万元少于问题金额 "
                                  f"{amount:g} 万元，按部分纠正认定", "warning")
    bans = ctx.rows("bans")
    yield from check_ban_terms(ctx)
    if bans and ctx.profile is not None:
        profile = ctx.profile
        for k, term in enumerate(ctx.col("bans", "term")):
            if term is not None and _ban_term_valid(ctx, term) and not handling.ban_term_allowed(profile, term):
                code, severity, cited = _ruled(profile, [profile.ban], "ZZ-BAN-TERM", "ZZ-RULE-UNCHECKED-BAN-TERM")
                yield ctx.problem("bans", "term", bans[k], code,
                                  f"禁入期限“{term}”不是适用标准允许的期限（可选：{handling.ban_terms_text(profile)}）"
                                  f"{cited}", severity)


def check_closing(ctx: Context) -> Iterator[Problem]:
    """销号日期 only for a finding the engine judges 整改完毕."""
    findings = ctx.rows("rectification")
    if not findings:
        return
    results = ctx.computed.get("rectification", [])
    for k, closed in enumerate(ctx.col("rectification", "closed_date")):
        if closed is None:
            continue
        result = results[k].get("result") if k < len(results) else getattr(findings[k], "result", None)
        if result in vocab.RECTIFY_RESULTS and result != vocab.RECTIFY_RESULTS[0]:
            yield ctx.problem("rectification", "closed_date", findings[k], "ZZ-CLOSE-NOT-DONE",
                              f"整改结果为“{result}”，只有“整改完毕”的问题才能填写销号日期 {closed.isoformat()}；"
                              "请核对整改情况或删除销号日期")


# -- links ----------------------------------------------------------------------------------------

# (sheet, field, must exist): 线索编号 must; 关联线索编号 may name an earlier period's clue
_REFERENCES = (
    ("losses", "clue_id", True),
    ("accountability", "clue_id", True),
    ("recommendations", "clue_id", True),
    ("rectification", "clue_id", False),
    ("bans", "clue_id", False),
)


def _unique(ctx: Context, sheet: str, field: str, label: str) -> Iterator[Problem]:
    """An identifier that must be unique within the file (case ignored, as MATCH does)."""
    records = ctx.rows(sheet)
    first_row: dict[str, int] = {}
    for k, value in enumerate(ctx.col(sheet, field) if records else []):
        key = key_of(value)
        if key is None:
            continue
        if key in first_row:
            yield ctx.problem(sheet, field, records[k], "ZZ-DUPLICATE",
                              f"{label} {value} 与第 {first_row[key]} 行重复，{label}在本文件内必须唯一，请改用新的编号")
        else:
            first_row[key] = records[k].origin.row


def check_links(ctx: Context) -> Iterator[Problem]:
    clue_ids = ctx.col("clues", "clue_id")
    yield from _unique(ctx, "clues", "clue_id", "线索编号")
    known = {key_of(c): c for c in reversed(clue_ids) if c is not None}
    candidates = [c for c in clue_ids if c is not None]
    for key, name, must_exist in _REFERENCES:
        records = ctx.rows(key)
        if not records or not ctx.present(key, name):
            continue
        header = STANDARD.sheet(key).column(name).header
        for k, cid in enumerate(ctx.col(key, name)):
            if cid is None or key_of(cid) in known:
                continue
            guess = closest(cid, candidates) if candidates else None
            hint = f"，是否应为 {guess}" if guess else ""
            if must_exist:
                yield ctx.problem(key, name, records[k], "ZZ-REF-CLUE",
                                  f"“{header}” {cid} 在「问题线索台账」中不存在{hint}；请先在「问题线索台账」登记该线索，"
                                  "或改为已登记的线索编号")
            else:
                yield ctx.problem(key, name, records[k], "ZZ-WARN-REF-CLUE",
                                  f"“{header}” {cid} 不在本期「问题线索台账」中{hint}（以前年度的线索可忽略本提醒）",
                                  "warning")
    yield from _unique(ctx, "rectification", "finding_id", "问题编号")
    people = ctx.rows("accountability")
    seen_people: dict[tuple[str, str], int] = {}
    if people:
        columns = zip(ctx.col("accountability", "clue_id"), ctx.col("accountability", "id_number"),
                      ctx.col("accountability", "name"))
        for k, (cid, number, name) in enumerate(columns):
            if cid is None or number is None:
                continue
            pair = (key_of(cid) or "", number.strip().upper())
            if pair in seen_people:
                yield ctx.problem("accountability", "id_number", people[k], "ZZ-DUPLICATE",
                                  f"同一线索 {cid} 的同一责任人（{name}）与第 {seen_people[pair]} 行重复；"
                                  "同一事件的扣减按最高标准执行，不合并使用，请合并为一行")
            else:
                seen_people[pair] = people[k].origin.row


# -- handling rules ---------------------------------------------------------------------------------


def _ratio_problem(bounds: Any, ratio: float, mitigating: bool, aggravating: bool, exempt: bool = False) -> str | None:
    """Why a ratio is outside the allowed range, or None.  从轻减轻免除 waives the lower
    bound (down to 0), 从重加重 waives the upper one.  以上 includes its number, 以下
    excludes it (a 一般 loss's 0%–50%（不含50%）: 50% is outside, 49.99% inside)."""
    if exempt and ratio == 0:
        return None  # 尽职合规免责: no deduction (whether it may apply is checked apart)
    if bounds is None:
        if ratio > 0 and not aggravating:
            return "按适用标准不扣减"
        return None
    lower_ok = (bounds.min_inclusive and ratio >= bounds.min) or ratio > bounds.min or mitigating
    upper_ok = (bounds.max_inclusive and ratio <= bounds.max) or ratio < bounds.max or aggravating
    if lower_ok and upper_ok:
        return None
    return f"允许范围为 {handling.range_text(bounds)}"


UNCHECKED_NOTE = "该规定尚未与正式文本核对，仅作提醒，不作为退回理由；请对照正式文本核实后处理"


def unchecked_note(profile: Profile, entry: Sourced) -> str:
    """What a warning about an unchecked entry adds: the entry, its source 待核对."""
    return f"（适用标准 {profile.key} 的 {entry_name(profile, entry)}，出处：{entry.source}，待核对）；{UNCHECKED_NOTE}"


@dataclass(frozen=True)
class _HandlingFinding:
    field: str
    code: str
    unchecked_code: str
    message: str
    """Without the cited source; ``{who}`` stands for the person ("较大损失的直接责任人")."""


def _handling_findings(profile: Profile, grade: str, responsibility: str, measure: Any, ban: Any, pay: Any,
                       term: Any, mitigating: bool, aggravating: bool, exempt: bool) -> list[_HandlingFinding]:
    """What a person's handling breaks in the profile's handling table at ``grade``."""
    entry = profile.handling_for(grade, responsibility)
    out = []
    if measure is not None and measure != vocab.MEASURE_NONE and measure in vocab.MEASURES \
            and measure not in entry.measures:
        out.append(_HandlingFinding("measure", "ZZ-MEASURE-NOT-ALLOWED", "ZZ-RULE-UNCHECKED-MEASURE",
                                    "{who}" f"不能给予“{measure}”，可采取：{'、'.join(entry.measures)}"))
    if ban is not None and ban != vocab.MEASURE_NONE and handling.ban_term_allowed(profile, ban) \
            and not entry.ban_allowed:
        out.append(_HandlingFinding("ban_term", "ZZ-BAN-NOT-ALLOWED", "ZZ-RULE-UNCHECKED-BAN",
                                    f"“禁入限制”为“{ban}”，但{{who}}不适用禁入限制，应选“无”"))
    for name, label, item, ratio in (("pay_ratio", "绩效年薪扣减比例", vocab.PAY_ITEMS[0], pay),
                                     ("term_ratio", "任期激励扣减比例", vocab.PAY_ITEMS[1], term)):
        if type(ratio) is not float or not 0 <= ratio <= 1:
            continue
        why = _ratio_problem(handling.deduction_range(profile, grade, responsibility, item), ratio,
                             mitigating, aggravating, exempt)
        if why:
            out.append(_HandlingFinding(name, "ZZ-RATIO-OUT-OF-RANGE", "ZZ-RULE-UNCHECKED-RATIO",
                                        "{who}" f"{label}为 {handling.percent_text(ratio)}，{why}"
                                        "；有从轻减轻免除情节的可低于下限，有从重加重情节的可高于上限"))
    return out


def _ruled(profile: Profile, entries: list[Sourced], code: str, unchecked_code: str) -> tuple[str, str, str]:
    """(code, severity, the cited source) for a decision that rests on ``entries``: an
    error only when every one of them is checked (citing the first); else a warning citing
    the first unchecked one."""
    unchecked = next((e for e in entries if not e.checked), None)
    if unchecked is None:
        return code, "error", f"（{entries[0].source}）"
    return unchecked_code, "warning", unchecked_note(profile, unchecked)


def check_handling(ctx: Context) -> Iterator[Problem]:
    """The handling table at the grade the person is handled at: the case grade (the higher
    of the clue's loss grade and 不良后果等级) where the profile keys handling on it
    (``consequence.handling``), else the loss grade.  Where the two grades differ, a finding
    rests on that keying too: while it is unchecked, what the loss grade alone would allow
    is only a warning; what both grades forbid rests on both grades' entries."""
    profile = ctx.profile
    people = ctx.rows("accountability")
    if profile is None or not people:
        return
    computed = ctx.computed.get("accountability", [])
    if len(computed) == len(people):
        losses = [row.get("loss_grade") for row in computed]
        grades = [row.get("case_grade", row.get("loss_grade")) for row in computed]
    else:
        losses = grades = ctx.col("accountability", "loss_grade")
    keying = profile.case_grade_handling
    found: dict[tuple[Any, ...], list[_HandlingFinding]] = {}

    def findings(*key: Any) -> list[_HandlingFinding]:
        if key not in found:
            found[key] = _handling_findings(profile, *key)  # type: ignore[arg-type]
        return found[key]

    columns = zip(grades, losses, ctx.col("accountability", "responsibility"), ctx.col("accountability", "measure"),
                  ctx.col("accountability", "ban_term"), ctx.col("accountability", "pay_ratio"),
                  ctx.col("accountability", "term_ratio"), ctx.col("accountability", "mitigating"),
                  ctx.col("accountability", "aggravating"), ctx.col("accountability", "exempt"))
    for k, (grade, loss, responsibility, measure, ban, pay, term, mitigating, aggravating, exempt) in enumerate(columns):
        if grade not in vocab.GRADES or responsibility not in vocab.RESPONSIBILITIES:
            continue
        facts = (measure, ban, pay, term, bool(mitigating), bool(aggravating), bool(exempt))
        entry = profile.handling_for(grade, responsibility)
        differs = grade != loss and keying is not None
        by_loss = {f.field for f in findings(loss, responsibility, *facts)} \
            if differs and loss in vocab.GRADES else set()
        who = f"{grade}损失的{responsibility}人"
        if differs:
            who = f"按案件等级{grade}（损失等级{loss}、不良后果等级取高）处理的{responsibility}人"
        for finding in findings(grade, responsibility, *facts):
            rests: list[Sourced] = [entry]
            if differs:  # only the case-grade keying forbids it, or both grades do
                rests = [keying, entry] if finding.field not in by_loss else \
                    [entry, profile.handling_for(loss, responsibility)]  # type: ignore[list-item]
            code, severity, cited = _ruled(profile, rests, finding.code, finding.unchecked_code)
            yield ctx.problem("accountability", finding.field, people[k], code, finding.message.replace("{who}", who) + cited,
                              severity)


# -- computed cells -------------------------------------------------------------------------------


def _same(shown: Any, expected: Any) -> bool:
    if isinstance(shown, float) and isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return abs(shown - expected) <= 1e-6 * max(1.0, abs(expected))
    return shown == expected


def shown_value(value: Any) -> str:
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
        records = ctx.rows(sheet.key)
        if not records:
            continue
        expected_rows = ctx.computed.get(sheet.key, [])
        for column in sheet.computed_columns:
            if not ctx.present(sheet.key, column.field):
                continue
            shown_values = ctx.col(sheet.key, column.field)
            for k in [k for k, v in enumerate(shown_values) if v is not None]:
                shown = shown_values[k]
                if k >= len(expected_rows) or column.field not in expected_rows[k]:
                    continue
                want = expected_rows[k][column.field]
                if isinstance(want, str) and want.startswith("#"):
                    continue  # the inputs are wrong: their own checks say why
                if not _same(shown, want):
                    should = "为空" if want is None else f"为“{shown_value(want)}”"
                    message = f"“{column.header}”显示为“{shown_value(shown)}”，按适用标准应{should}"
                    basis = _unchecked_basis(ctx, sheet.key, column.computed_by or "", k, expected_rows[k])
                    if basis is None:
                        yield ctx.problem(sheet.key, column.field, records[k], "ZZ-COMPUTED-MISMATCH",
                                          message + "（公式可能被改写或损坏，请从标准模板复制本列的公式恢复）")
                    else:
                        yield ctx.problem(sheet.key, column.field, records[k], "ZZ-RULE-UNCHECKED-COMPUTED",
                                          message + unchecked_note(ctx.profile, basis)  # type: ignore[arg-type]
                                          + "；如是公式被改写，请从标准模板复制本列的公式恢复", "warning")


def _unchecked_basis(ctx: Context, sheet: str, rule: str, k: int, expected: dict[str, Any]) -> Sourced | None:
    """The first unchecked profile entry an engine value of this column rests on, or None
    (all checked, or a rule that does not come from the profile)."""
    lti = rule == "ZZ_LTI"
    return next((entry for entry in basis_entries(ctx, sheet, rule, k, expected)
                 if not (entry.lti_is_checked if lti and isinstance(entry, Handling) else entry.checked)), None)


def grade_entries(profile: Profile) -> list[Sourced]:
    """The entries a loss grade rests on: the grading and its levels."""
    return [profile.loss_grade, *profile.loss_grade.levels]


def report_trigger_entries(profile: Profile) -> list[Sourced]:
    """The entries whether a 一事一报告 is needed rests on: its trigger and the loss grade."""
    return [profile.one_event_report, *grade_entries(profile)]


def basis_entries(ctx: Context, sheet: str, rule: str, k: int, expected: dict[str, Any]) -> list[Sourced]:
    """Every profile entry the engine's value of a computed column rests on, its own rule's
    entries first, then the entries of the values it is computed from (a 快报截止日 rests on
    the 快报 period, on the 一事一报告 trigger that decides whether there is one, and on the
    loss grade that trigger reads).  An unchecked entry among them makes a differing cell a
    reminder, never a reason to reject the file."""
    profile = ctx.profile
    if profile is None:
        return []
    deadlines = profile.deadlines

    def column(field: str) -> Any:
        return ctx.col(sheet, field)[k] if ctx.present(sheet, field) else None

    if rule in ("clue_loss_grade", "ZZ_LOSS_GRADE", "clue_grade_lookup"):
        return grade_entries(profile)
    if rule == "ZZ_JURISDICTION":
        level = column("unit_level")
        if level == OWN_LEVEL:
            level = getattr(getattr(ctx.submission, "info", None), "unit_level", None)
        consequence = ctx.col(sheet, "consequence_grade")[k] if ctx.present(sheet, "consequence_grade") else None
        head = bool(ctx.col(sheet, "involves_head")[k]) if ctx.present(sheet, "involves_head") else False
        try:
            found = handling.jurisdiction_entry(profile, expected.get("loss_grade") or "", level,
                                                consequence if isinstance(consequence, str) else None, head)
        except EngineError:  # an unknown level: its own check reports it
            found = None
        own: list[Sourced] = [found[1]] if found is not None else [*profile.jurisdiction_rules, *profile.jurisdiction]
        return own + grade_entries(profile)
    if rule == "ZZ_INITIAL_CHECK_DEADLINE":
        return [deadlines.initial_check]
    if rule == "ZZ_NEEDS_REPORT":
        return report_trigger_entries(profile)
    if rule in ("flash_deadline", "full_report_deadline"):
        period = deadlines.flash_report if rule == "flash_deadline" else deadlines.full_report
        return [*([period] if period is not None else []), *report_trigger_entries(profile)]
    if rule == "investigation_deadline":
        if column("investigation_extended_to") is not None:
            return []  # the approved extension, not the profile's period
        return [deadlines.investigation] if deadlines.investigation is not None else []
    if rule == "review_deadline":
        return [deadlines.review] if deadlines.review is not None else []
    if rule in ("ZZ_DEDUCTION_MIN", "ZZ_DEDUCTION_MAX", "ZZ_LTI"):
        grade = expected.get("case_grade", expected.get("loss_grade"))
        responsibility = column("responsibility")
        out: list[Sourced] = []
        keying = profile.case_grade_handling
        if keying is not None and grade != expected.get("loss_grade"):
            out.append(keying)  # the value the case grade gives: as far as that keying holds
        if grade in vocab.GRADES and responsibility in vocab.RESPONSIBILITIES:
            out.append(profile.handling_for(grade, responsibility))  # ZZ_LTI: its lti_checked
        else:
            out.extend(profile.handling)
        return out + grade_entries(profile)
    if rule == "ZZ_INFLUENCE_END":
        measure = column("measure")
        influence = profile.influence_for(measure) if isinstance(measure, str) else None
        out = [influence] if influence is not None else []
        sanction = column("discipline") if getattr(ctx.submission, "version", 2.1) >= 2.1 else None
        found = profile.sanction_for(sanction.strip()) if isinstance(sanction, str) else None
        if found is not None and found.months is not None:  # the longer period may be the sanction's: named first
            longer = influence is None or found.months > influence.months
            out = [found, *out] if longer else [*out, found]
        return out
    if rule in ("ZZ_RECTIFY_DEADLINE", "rectify_overdue"):
        return [deadlines.rectify]
    if rule == "ZZ_BAN_END":
        return [profile.ban]
    return []


# -- version 2 additions ---------------------------------------------------------------------------


def _when_blank(ctx: Context, key: str, given: str, needed: str, code: str, message: str) -> Iterator[Problem]:
    """``needed`` must be filled on every row where ``given`` is (both columns present)."""
    if not ctx.present(key, given) or not ctx.present(key, needed):
        return
    records = ctx.rows(key)
    for k, (a, b) in enumerate(zip(ctx.col(key, given), ctx.col(key, needed))):
        if a is not None and b is None and not ctx.unreadable(key, needed, records[k]):
            yield ctx.problem(key, needed, records[k], code, message)


def check_additions(ctx: Context) -> Iterator[Problem]:
    """The conditional rules of version 2's columns (only where the file has them)."""
    if ctx.rows("clues"):
        if ctx.present("clues", "flash_date"):
            yield from _order(ctx, "clues", "received_date", "flash_date")
    if ctx.rows("accountability") and ctx.present("accountability", "appeal_date"):
        people = ctx.rows("accountability")
        yield from _order(ctx, "accountability", "decision_date", "appeal_date")
        for k, (appealed, date) in enumerate(zip(ctx.col("accountability", "appealed"),
                                                 ctx.col("accountability", "appeal_date"))):
            if appealed and date is None and not ctx.unreadable("accountability", "appeal_date", people[k]):
                yield ctx.problem("accountability", "appeal_date", people[k], "ZZ-REQUIRED-APPEAL-DATE",
                                  "“是否申诉”为 是，必须填写“申诉日期”（提出申诉的日期）")
    if ctx.rows("rectification"):
        for needed, label in (("delay_reason", "延期原因"), ("delay_approver", "延期批准人")):
            yield from _when_blank(ctx, "rectification", "extended_to", needed, "ZZ-REQUIRED-DELAY",
                                   f"已填写“批准延期至”，必须填写“{label}”（延期须说明原因并经批准）")


def check_additions_engine(ctx: Context) -> Iterator[Problem]:
    """Version 2's rules that need the engine's values (grades, results, deadlines)."""
    findings = ctx.rows("rectification")
    results = [row.get("result") for row in ctx.computed.get("rectification", [])]
    done = vocab.RECTIFY_RESULTS[0]
    if findings and len(results) == len(findings):
        if ctx.present("rectification", "closing_review"):
            for k, (closed, review) in enumerate(zip(ctx.col("rectification", "closed_date"),
                                                     ctx.col("rectification", "closing_review"))):
                # 销号 needs 整改完毕 (else ZZ-CLOSE-NOT-DONE says so) and the audit side's 同意销号
                if closed is not None and results[k] == done and review != CLOSING_APPROVED \
                        and review in (None, *CLOSING_REVIEWS):
                    shown = f"为“{review}”" if review else "未填写"
                    yield ctx.problem("rectification", "closing_review", findings[k], "ZZ-CLOSE-NOT-APPROVED",
                                      f"已填写销号日期 {closed.isoformat()}，但“销号审核意见”{shown}；只有审计方"
                                      f"“{CLOSING_APPROVED}”的问题才能填写销号日期")
                if review == CLOSING_REWORK and results[k] == done:
                    yield ctx.problem("rectification", "closing_review", findings[k], "ZZ-REWORK-BUT-DONE",
                                      f"“销号审核意见”为“{CLOSING_REWORK}”，但整改结果为“{done}”：审计方退回重改的问题"
                                      "不能认定为整改完毕，请核对整改情况（是/否各列）或审核意见")
        if ctx.present("rectification", "evidence"):
            for k, evidence in enumerate(ctx.col("rectification", "evidence")):
                if results[k] == done and evidence is None:
                    yield ctx.problem("rectification", "evidence", findings[k], "ZZ-WARN-NO-EVIDENCE",
                                      f"整改结果为“{done}”，但未填写“证明材料”；请列明证明整改完成的文件名称或文号", "warning")
    people = ctx.rows("accountability")
    if people and ctx.present("accountability", "exempt"):
        clue_values: dict[str | None, tuple[Any, Any]] = {}
        for clue, values in zip(ctx.rows("clues"), ctx.computed.get("clues", [])):
            c: Any = clue
            clue_values.setdefault(key_of(c.clue_id), (values.get("loss_grade"), getattr(c, "consequence_grade", None)))
        excluded = ctx.profile.exemption_excluded_grades if ctx.profile is not None else (vocab.GRADES[-1],)
        for k, (clue_id, exempt) in enumerate(zip(ctx.col("accountability", "clue_id"),
                                                  ctx.col("accountability", "exempt"))):
            if not exempt:
                continue
            grade, consequence = clue_values.get(key_of(clue_id), (None, None))
            hit = grade if grade in excluded else consequence if consequence in excluded else None
            if hit is not None:
                what = "损失等级" if grade == hit else "不良后果等级"
                yield ctx.problem("accountability", "exempt", people[k], "ZZ-EXEMPT-NOT-ALLOWED",
                                  f"线索 {clue_id} 的{what}为“{hit}”，不适用尽职合规免责（免责以未造成重大资产损失或重大不良后果"
                                  "为条件），请改为 否 并按处理标准处理")
