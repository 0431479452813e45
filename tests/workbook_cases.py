"""Generated filled workbooks for the formula tests: every boundary of a profile, dates
around every 2026 holiday and make-up working day, month ends for EDATE, every
combination of the rectification flags, blanks and a few invalid amounts.

``cases(profile)`` returns (info, records) for ``addin.workbook.templates.build_template``:
at least ``MIN_ROWS`` rows in every ledger, deterministic (seeded).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from udfs import vocab
from udfs.profile import Profile
from udfs.workcalendar import builtin_years

from addin.workbook import schema

MIN_ROWS = 500
D = dt.date


def holiday_dates(year: int = 2026, margin: int = 4) -> list[dt.date]:
    """Every day within ``margin`` days of a holiday or make-up working day of ``year``."""
    schedule = builtin_years()[year]
    special = sorted(schedule.holidays | schedule.workdays)
    days: set[dt.date] = set()
    for day in special:
        for offset in range(-margin, margin + 1):
            days.add(day + dt.timedelta(days=offset))
    return sorted(days)


def edge_dates() -> list[dt.date]:
    """Month ends, leap days, calendar edges (2004 is the first known year, 2026 the last)."""
    return [
        D(2024, 2, 29), D(2024, 8, 31), D(2025, 1, 31), D(2025, 3, 31), D(2025, 5, 31), D(2025, 8, 29),
        D(2025, 8, 31), D(2025, 12, 31), D(2026, 1, 1), D(2026, 1, 31), D(2026, 3, 31), D(2026, 5, 31),
        D(2026, 8, 31), D(2026, 10, 31), D(2026, 11, 13), D(2026, 11, 16), D(2026, 11, 30), D(2026, 12, 31),
        D(2004, 1, 1), D(2004, 1, 2), D(2003, 12, 31), D(2027, 1, 4), D(2010, 6, 15),
    ]


def amount_boundaries(profile: Profile) -> list[float]:
    values = [0.0, 0.0001, 1.0, 99.9999]
    for level in profile.loss_grade.levels:
        a = Decimal(str(level.amount_from))
        for delta in ("-0.0001", "0", "0.0001", "-1", "1"):
            values.append(float(a + Decimal(delta)))
    return values


def share_pairs(profile: Profile) -> list[tuple[float, float]]:
    """(loss, assets) at, just under and just over every share threshold of the profile.

    Includes pairs whose decimal share is exactly the threshold although the binary
    quotient lands a hair below it (39.6684 / 3966.84): 以上 includes the number, in
    LibreOffice (which compares within 2⁻⁴⁸) and in the engine alike.
    """
    pairs: list[tuple[float, float]] = []
    for level in profile.loss_grade.levels:
        if level.share_from is None:
            continue
        share = Decimal(str(level.share_from))
        for assets in ("3000", "2500", "5000", "1234.56", "3966.84", "6836.59", "995.46", "8000.08"):
            a = Decimal(assets)
            at = (a * share).quantize(Decimal("0.0001"))
            for loss in (at - Decimal("0.0001"), at, at + Decimal("0.0001")):
                if loss < Decimal(str(level.amount_from)):
                    pairs.append((float(loss), float(a)))
    return pairs


def cases(profile: Profile, seed: int = 20260101) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    rng = random.Random(seed)
    group = profile.key.startswith("central")
    info: dict[str, Any] = {
        "unit_name": f"测试单位（{profile.key}）", "uscc": "91510100MA61R8XK49",
        "unit_level": "集团公司" if group else "二级企业", "parent_uscc": "" if group else "91510000MA62A1B235",
        "report_year": 2026, "report_period": "年度", "prior_year_assets": 20000.0 if not group else 150000.0,
        "profile": profile.key, "preparer": "测试", "phone": "028-00000000",
        "report_date": D(2026, 11, 20) if group else D(2026, 6, 30),
    }
    dates = holiday_dates() + edge_dates()
    amounts = amount_boundaries(profile)
    pairs = share_pairs(profile)
    assets_choices = [None, 100.0, 999.0, 3000.0, 10000.0, 52000.0, 1234.56, -5.0, 0.0]

    # -- 问题线索台账 and 资产损失认定 --------------------------------------------------------------
    clues: list[dict[str, Any]] = []
    losses: list[dict[str, Any]] = []

    def clue(index: int, **fields: Any) -> dict[str, Any]:
        row = {
            "clue_id": f"XS-{index:04d}",
            "received_date": dates[index % len(dates)],
            "source": rng.choice(schema.CLUE_SOURCES),
            "unit_name": f"涉事单位{index % 17}",
            "unit_level": rng.choice(schema.INVOLVED_UNIT_LEVELS + (None,)),
            "violation_category": rng.choice(schema.VIOLATION_CATEGORIES),
            "key_area": rng.choice(schema.KEY_AREAS),
            "summary": f"测试线索 {index}",
            "amount_involved": round(rng.uniform(0, 9000), 4),
            "disposal": rng.choice(schema.DISPOSALS),
            "stage": rng.choice(schema.CLUE_STAGES),
            "simplified_procedure": rng.random() < 0.5,
            "recommendation_letter": rng.random() < 0.5,
            "typical_case": rng.random() < 0.2,
            "department": "审计部", "handler": "承办人",
        }
        row.update(fields)
        return row

    index = 0
    # estimated losses only (graded against 填报信息's assets)
    for amount in amounts + [round(rng.uniform(0, 8000), 4) for _ in range(60)] + [-3.0]:
        index += 1
        clues.append(clue(index, estimated_loss=amount))
    info_assets = info["prior_year_assets"]
    for level in profile.loss_grade.levels:
        if level.share_from is None:
            continue
        at = Decimal(str(info_assets)) * Decimal(str(level.share_from))
        for delta in ("-0.0001", "0", "0.0001"):
            index += 1
            clues.append(clue(index, estimated_loss=float(at + Decimal(delta))))
    # nothing assessed, nothing estimated: 未认定
    for _ in range(30):
        index += 1
        clues.append(clue(index, estimated_loss=None))
    # one assessed row per clue: amount boundaries × asset bases, share boundaries
    for amount in amounts:
        for assets in rng.sample(assets_choices, 3):
            index += 1
            clues.append(clue(index, estimated_loss=rng.choice([None, 50.0, 99999.0])))
            losses.append(loss_row(rng, clues[-1]["clue_id"], amount, assets))
    for amount, assets in pairs:
        index += 1
        clues.append(clue(index, estimated_loss=None))
        losses.append(loss_row(rng, clues[-1]["clue_id"], amount, assets))
    # several assessed rows per clue, summing to a boundary in 4-decimal steps
    targets = [level.amount_from for level in profile.loss_grade.levels]
    for target in targets:
        for parts in (2, 3, 7):
            for delta in ("-0.0001", "0", "0.0001"):
                total = Decimal(str(target)) + Decimal(delta)
                pieces = split(rng, total, parts)
                index += 1
                clues.append(clue(index))
                base = rng.choice([None, 52000.0, 30000.0])
                for piece in pieces:
                    losses.append(loss_row(rng, clues[-1]["clue_id"], float(piece), base))
    # the same clue id in a different case, and losses whose clue does not exist
    losses.append(loss_row(rng, "xs-0001", 10.0, 100.0))
    for k in range(5):
        losses.append(loss_row(rng, f"无此线索-{k}", 700.0, 1000.0))
    # random fill up to the minimum
    while len(clues) < MIN_ROWS + 40:
        index += 1
        clues.append(clue(index, estimated_loss=rng.choice([None, round(rng.uniform(0, 7000), 4)])))
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            losses.append(loss_row(rng, clues[-1]["clue_id"], round(rng.uniform(0.0001, 3000), 4),
                                   rng.choice([None, 2000.0, 52000.0, 9000.5])))
    while len(losses) < MIN_ROWS + 20:
        target_clue = rng.choice(clues)["clue_id"]
        losses.append(loss_row(rng, target_clue, round(rng.uniform(0.0001, 3000), 4), rng.choice([None, 52000.0])))
    # blank rows in the middle of both sheets
    clues.insert(len(clues) // 2, {})
    losses.insert(len(losses) // 3, {})

    # -- 责任认定与处理 ----------------------------------------------------------------------------------
    ids = [c["clue_id"] for c in clues if c] + ["无此线索", None]
    accountability: list[dict[str, Any]] = []
    decision_dates = dates + [None]
    combos = list(itertools.product(vocab.RESPONSIBILITIES + (None,), schema.MEASURE_CHOICES))
    for n in range(MIN_ROWS + 60):
        responsibility, measure = combos[n % len(combos)]
        accountability.append({
            "clue_id": ids[(n * 7) % len(ids)],
            "name": f"责任人{n}", "id_number": "510104198003150010", "unit": "某单位", "position": "某职务",
            "is_enterprise_head": n % 3 == 0, "responsibility": responsibility,
            "employment_status": rng.choice(schema.EMPLOYMENT_STATUSES),
            "measure": measure if n % 23 else None,
            "pay_base": rng.choice([None, 0.0, 38.0, 62.5, round(rng.uniform(10, 90), 4)]),
            "pay_ratio": rng.choice([None, 0.0, 0.3, 0.49, 0.5, 0.7, 1.0, round(rng.random(), 4)]),
            "term_base": rng.choice([None, 40.0]), "term_ratio": rng.choice([None, 0.5]),
            "ban_term": rng.choice(schema.BAN_CHOICES), "referred_judicial": False,
            "aggravating": rng.random() < 0.2, "mitigating": rng.random() < 0.2,
            "decision_date": decision_dates[(n * 5) % len(decision_dates)],
            "appealed": rng.random() < 0.1,
        })

    # -- 审计整改台账 ------------------------------------------------------------------------------------
    rectification: list[dict[str, Any]] = []
    flag_sets = list(itertools.product((True, False), repeat=6))
    amount_sets = [(None, None), (100.0, None), (None, 50.0), (100.0, 0.0), (100.0, 40.0), (100.0, 100.0),
                   (100.0, 120.0), (0.0, 0.0), (0.0, 5.0), (260.0, 259.9999), (100.0, -1.0)]
    issue_dates = dates + [None]
    for n in range(MIN_ROWS + 80):
        flags = flag_sets[n % len(flag_sets)]
        problem, corrected = amount_sets[(n // len(flag_sets) + n) % len(amount_sets)]
        row = {
            "finding_id": f"SJ-{n:04d}", "source": rng.choice(schema.FINDING_SOURCES), "document_no": f"审〔2026〕{n}号",
            "issued_date": issue_dates[(n * 3) % len(issue_dates)], "description": "测试问题",
            "problem_amount": problem, "responsible_unit": "某部门", "responsible_person": "某人", "measures": "整改",
            "stage": rng.choice(schema.RECTIFY_STAGES),
            "extended_to": rng.choice([None, None, None, D(2026, 12, 31), D(2026, 11, 20), D(2026, 6, 30)]),
            "corrected_amount": corrected,
            "clue_id": rng.choice([None, "XS-0001"]),
        }
        row.update(zip(("corrected", "controls_improved", "referred_accepted", "accountability_done", "plan_given",
                        "refused_or_sham"), flags))
        if n % 37 == 0:
            row["plan_given"] = None  # an unanswered flag: no result yet
        rectification.append(row)

    # -- 禁入限制人员 and 管理提升建议书 ---------------------------------------------------------------------
    bans = [{
        "name": f"人员{n}", "id_number": "510106197811230033", "former_unit": "某单位", "former_position": "副总经理",
        "term": rng.choice(vocab.BAN_TERMS + (None,)) if n % 11 else None,
        "start_date": (dates + [None])[(n * 11) % (len(dates) + 1)], "decision_no": f"决〔2026〕{n}号",
        "clue_id": rng.choice([None, "XS-0002"]),
    } for n in range(MIN_ROWS + 10)]
    recommendations = [{
        "clue_id": rng.choice(ids[:-2]), "recipient": "某单位", "transfer_date": rng.choice(dates),
        "transferred_by": "审计部", "main_problems": "问题", "regulatory_risks": "风险", "suggestions": "建议",
        "issued_date": rng.choice(dates),
    } for _ in range(MIN_ROWS + 5)]

    _v2_cases(random.Random(seed + 2), info, clues, accountability, bans, dates)
    return info, {"clues": clues, "losses": losses, "accountability": accountability,
                  "rectification": rectification, "bans": bans, "recommendations": recommendations}


def _v2_cases(rng: random.Random, info: dict[str, Any], clues: list[dict[str, Any]],
              accountability: list[dict[str, Any]], bans: list[dict[str, Any]], dates: list[dt.date]) -> None:
    """The inputs of standard version 2's computed columns (their own generator: the v1
    cases stay as they were): consequence grades × enterprise head × unit levels for
    需一事一报告 and 管辖层级, 立项日期 and 核查延期至, 申诉日期, any N年 of 禁入期限."""
    info["parent_name"] = "测试上级单位"
    combos = list(itertools.product(("无", "一般", "较大", "重大", None), (True, False, None)))
    for n, clue in enumerate(c for c in clues if c):
        consequence, head = combos[n % len(combos)]
        clue["consequence_grade"] = consequence
        clue["involves_head"] = head
        if n % 4 == 0:
            clue["filed_date"] = dates[(n * 13) % len(dates)]
        if n % 9 == 0:
            clue["investigation_extended_to"] = D(2027, 3, 31)
    for n, person in enumerate(accountability):
        person["appeal_date"] = (dates + [None, None])[(n * 17) % (len(dates) + 2)]
    terms = ("5年", "8年", "10年", "15年", "20年", "终身", "3年", "5.5年", " 7年", "无")
    for n, ban in enumerate(bans):
        if n % 7 == 0:
            ban["term"] = terms[(n // 7) % len(terms)]


def loss_row(rng: random.Random, clue_id: str, amount: float, assets: float | None) -> dict[str, Any]:
    return {
        "clue_id": clue_id, "loss_type": rng.choice(schema.LOSS_TYPES), "loss_amount": amount,
        "prior_year_assets": assets, "basis": rng.choice(schema.LOSS_BASES), "assessor": "某机构",
        "assessed_date": D(2026, 3, 20), "recovered_amount": rng.choice([None, 0.0, 1.5]),
    }


def split(rng: random.Random, total: Decimal, parts: int) -> list[Decimal]:
    """``parts`` positive 4-decimal amounts that add up to ``total`` exactly."""
    step = Decimal("0.0001")
    cuts = sorted(rng.sample(range(1, int(total / step)), parts - 1))
    bounds = [0, *cuts, int(total / step)]
    return [(Decimal(b - a) * step) for a, b in zip(bounds, bounds[1:])]


def fill_with_openpyxl(template: Path, target: Path, info: dict[str, Any],
                       records: dict[str, list[dict[str, Any]]]) -> Path:
    """Fill a template the way another program (or a careful clerk) would: cell by cell."""
    import warnings

    import openpyxl

    from addin.workbook.formulas import info_row

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(template)
    record = book[schema.STANDARD.record.name]
    for field, value in info.items():
        record.cell(info_row(field), 2).value = _cell_value(value)
    for key, rows in records.items():
        sheet = schema.STANDARD.sheet(key)
        ws = book[sheet.name]
        for r, row in enumerate(rows, start=2):
            for field, value in row.items():
                ws.cell(r, sheet.index(field) + 1).value = _cell_value(value)
    book.save(target)
    return target


def _cell_value(value: Any) -> Any:
    if isinstance(value, bool):
        return vocab.YES if value else vocab.NO
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    return value
