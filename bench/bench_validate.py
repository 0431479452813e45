"""Benchmark: ``zhuize validate`` on a 100,000-row workbook against a plain openpyxl loop.

    .venv/bin/python bench/bench_validate.py [--rows 100000] [--keep FILE] [--file FILE] [--repeat 3]

Builds (in a separate process, about a minute) a realistic filled standard workbook (every column
the current version of the standard asks for, so no check fires on every row) with
``build_template``: rows spread over the six ledgers as a large group's file would have
them (30% clues, 20% losses, 20% people, 20% audit findings, 5% bans, 5% letters), recent
clues still being verified and older findings mostly rectified, and a few planted
mistakes.  Then times in the same run:

- the baseline: openpyxl in read-only mode iterating every row of every ledger and doing
  the same kind of simple per-cell type checks (blank, number, date, text length, 是/否);
- the validator: ``addin.validation.validate_paths`` end to end (hash, preflight, read,
  every check, engine recomputation of every computed cell, deadlines), the fastest of
  ``--repeat`` runs.  On Linux it uses both cores (see ``addin.validation``).

Prints both times, rows per second and the ratio.  Target (issue 4): ≥ 5× the loop and
well under 10 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from addin.workbook import schema  # noqa: E402
from addin.workbook.schema import STANDARD, ColumnType  # noqa: E402
from udfs import vocab  # noqa: E402

SHARES = {"clues": 0.30, "losses": 0.20, "accountability": 0.20, "rectification": 0.20, "bans": 0.05,
          "recommendations": 0.05}
ID_NUMBERS = ("510104198003150010", "510105198507220023", "510106197811230033")
D = dt.date


def _day(rng: random.Random, start: dt.date, span: int) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(span))


def make_workbook_data(total: int, seed: int = 20261120) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """(info, records) with ``total`` ledger rows: mostly valid, about 1% with a mistake."""
    rng = random.Random(seed)
    counts = {key: int(total * share) for key, share in SHARES.items()}
    counts["clues"] += total - sum(counts.values())
    info = {
        "unit_name": "示例能源集团有限公司", "uscc": "91510100MA61R8XK49", "unit_level": "二级企业",
        "parent_uscc": "91510000MA62A1B235", "report_year": 2026, "report_period": "年度",
        "prior_year_assets": 2865000.0, "profile": "central-2026", "preparer": "李明", "phone": "028-86001234",
        "report_date": D(2026, 11, 20), "parent_name": "示例省国有资本投资运营集团有限公司",
    }
    clues = []
    for n in range(counts["clues"]):
        received = _day(rng, D(2025, 1, 2), 640)
        # recent clues are still being verified; older ones have moved on (a few lag behind)
        recent = received > D(2026, 9, 25) or rng.random() < 0.02
        stage = rng.choice(schema.CLUE_STAGES[:2] if recent else schema.CLUE_STAGES[2:])
        filed = received + dt.timedelta(days=rng.randrange(5, 40)) if stage not in ("受理", "初步核实") else None
        closed = filed + dt.timedelta(days=rng.randrange(20, 90)) if stage == "办结" and filed else None
        estimate = rng.choice([None, round(rng.uniform(1, 400), 2), round(rng.uniform(1, 80), 4)])
        clues.append({
            "clue_id": f"XS-{n + 1:06d}", "received_date": received, "source": rng.choice(schema.CLUE_SOURCES),
            "unit_name": f"示例子公司{n % 97}", "unit_level": rng.choice(schema.INVOLVED_UNIT_LEVELS),
            "violation_category": rng.choice(schema.VIOLATION_CATEGORIES), "key_area": rng.choice(schema.KEY_AREAS),
            "summary": "未经审批开展业务，形成应收款项逾期未收回" * rng.randint(1, 3),
            "amount_involved": round(rng.uniform(10, 9000), 2), "estimated_loss": estimate,
            "disposal": rng.choice(schema.DISPOSALS), "stage": stage, "filed_date": filed, "closed_date": closed,
            "event_report_date": received + dt.timedelta(days=3) if rng.random() < 0.05 else None,
            "simplified_procedure": rng.random() < 0.2, "recommendation_letter": rng.random() < 0.6,
            "typical_case": rng.random() < 0.05, "supervision": rng.choice(("无", "指导督办", "直接核查")),
            "department": "审计与风控部", "handler": rng.choice(["王芳", "赵强", "陈静"]),
            "remarks": None if rng.random() < 0.8 else "备注",
        })
    ids = [c["clue_id"] for c in clues]
    losses = []
    for n in range(counts["losses"]):
        amount = round(rng.uniform(0.5, 240), 2)  # at most two rows per clue: 一般 losses (below 500)
        losses.append({
            "clue_id": ids[(n * 3) % len(ids)], "loss_type": rng.choice(("直接损失", "间接损失")), "loss_amount": amount,
            "prior_year_assets": 52000.0, "basis": rng.choice(schema.LOSS_BASES), "assessor": "某某会计师事务所",
            "assessed_date": _day(rng, D(2025, 6, 1), 500),
            "recovered_amount": round(amount * rng.random(), 2) if rng.random() < 0.4 else None,
        })
    accountability = []
    for n in range(counts["accountability"]):
        accountability.append({
            "clue_id": ids[(n * 7) % len(ids)], "name": f"责任人{n}", "id_number": ID_NUMBERS[n % 3],
            "unit": "示例子公司", "position": "经理", "is_enterprise_head": rng.random() < 0.3,
            "responsibility": rng.choice(vocab.RESPONSIBILITIES), "employment_status": rng.choice(schema.EMPLOYMENT_STATUSES),
            "measure": rng.choice(("无", "批评教育", "诫勉", "通报批评")), "pay_base": round(rng.uniform(20, 90), 2),
            "pay_ratio": rng.choice((0.0, 0.0, 0.1, 0.2, 0.3)), "term_base": rng.choice((None, 40.0)),
            "term_ratio": None, "ban_term": "无", "discipline": None, "referred_judicial": False,
            "aggravating": rng.random() < 0.1, "mitigating": rng.random() < 0.1,
            "decision_date": _day(rng, D(2026, 1, 5), 300), "appealed": rng.random() < 0.05,
        })
        if accountability[-1]["appealed"]:
            accountability[-1]["appeal_date"] = accountability[-1]["decision_date"] + dt.timedelta(days=10)
    for person in accountability:
        if person["responsibility"] == "领导责任":
            person["pay_ratio"] = 0.0  # a 一般 loss: no deduction for leadership responsibility
    rectification = []
    for n in range(counts["rectification"]):
        problem = rng.choice([None, round(rng.uniform(1, 900), 2)])
        issued = _day(rng, D(2025, 3, 1), 600)
        done = issued < D(2026, 5, 1) and rng.random() < 0.9  # most findings older than six months are done
        flags = [done or rng.random() < 0.3] + [rng.random() < 0.5 for _ in range(3)] + [rng.random() < 0.6,
                                                                                     rng.random() < 0.01]
        corrected_amount = None if problem is None else (problem if flags[0] else round(problem * rng.random() * 0.9, 2))
        rectification.append({
            "finding_id": f"SJ-{n + 1:06d}", "source": rng.choice(schema.FINDING_SOURCES),
            "document_no": f"审〔2026〕{n % 300}号", "issued_date": issued,
            "description": "应收账款管理不到位，长期挂账未清理", "problem_amount": problem, "responsible_unit": "财务部",
            "responsible_person": "孙丽", "measures": "逐笔清理，建立催收台账", "stage": rng.choice(schema.RECTIFY_STAGES),
            "extended_to": None, "corrected_amount": corrected_amount,
            **dict(zip(("corrected", "controls_improved", "referred_accepted", "accountability_done", "plan_given",
                        "refused_or_sham"), flags)),
            "closed_date": None, "clue_id": ids[n % len(ids)] if rng.random() < 0.3 else None,
            "category": rng.choice(schema.FINDING_CATEGORIES),
            "evidence": f"整改报告及附件（审〔2026〕{n % 300}号）" if rng.random() > 0.03 else None,
        })
    bans = [{
        "name": f"人员{n}", "id_number": ID_NUMBERS[n % 3], "former_unit": "示例子公司", "former_position": "副总经理",
        "term": rng.choice(vocab.BAN_TERMS), "start_date": _day(rng, D(2025, 1, 1), 600),
        "decision_no": f"某国资发〔2026〕{n}号", "clue_id": ids[n % len(ids)],
        "deciding_unit": "示例省国资委", "facts": "违规开展融资性贸易造成重大资产损失",
    } for n in range(counts["bans"])]
    recommendations = [{
        "clue_id": ids[(n * 11) % len(ids)], "recipient": "示例子公司", "transfer_date": _day(rng, D(2025, 6, 1), 400),
        "transferred_by": "审计与风控部", "main_problems": "融资性贸易造成损失", "regulatory_risks": "授权审批存在漏洞",
        "suggestions": "完善贸易业务负面清单", "issued_date": _day(rng, D(2026, 1, 1), 300),
    } for n in range(counts["recommendations"])]
    # a few planted mistakes, as a real file has them
    for n in range(0, len(clues), 997):
        clues[n]["source"] = "审计"
    for n in range(0, len(accountability), 1499):
        accountability[n]["id_number"] = "510104198003150011"
    for n in range(0, len(rectification), 1999):
        rectification[n]["corrected_amount"] = (rectification[n]["problem_amount"] or 0) + 10
    return info, {"clues": clues, "losses": losses, "accountability": accountability,
                  "rectification": rectification, "bans": bans, "recommendations": recommendations}


def build(path: Path, total: int) -> Path:
    from addin.workbook.templates import build_template, default_options

    info, records = make_workbook_data(total)
    return build_template(path, default_options("central-2026", rows=10), info, records)


# -- the baseline: openpyxl read-only, every row, simple per-cell type checks -------------------------


def openpyxl_loop(path: Path) -> tuple[int, int]:
    """Rows and problems found by a plain read-only openpyxl loop with per-cell type checks."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = problems = 0
    try:
        for sheet in STANDARD.ledgers:
            ws = book[sheet.name]
            iterator = ws.iter_rows(values_only=True)
            header = next(iterator)
            position = {str(h): i for i, h in enumerate(header) if h is not None}
            columns = [(c, position[c.header]) for c in sheet.input_columns if c.header in position]
            for line in iterator:
                if all(line[i] in (None, "") for _, i in columns):
                    continue
                rows += 1
                for column, i in columns:
                    value = line[i]
                    if value is None or value == "":
                        problems += column.required
                    elif column.type in (ColumnType.NUMBER, ColumnType.PERCENT):
                        problems += not isinstance(value, (int, float))
                    elif column.type is ColumnType.DATE:
                        problems += not isinstance(value, (dt.date, dt.datetime))
                    elif column.type is ColumnType.FLAG:
                        problems += value not in (vocab.YES, vocab.NO)
                    elif column.type is ColumnType.ENUM:
                        problems += value not in column.options
                    elif column.max_length is not None:
                        problems += len(str(value)) > column.max_length
    finally:
        book.close()
    return rows, problems


def validator(path: Path) -> tuple[int, int]:
    from addin.validation import validate_paths

    report = validate_paths([path])
    (file_report,) = report.files
    return file_report.rows, len(file_report.errors)


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="ledger rows in the workbook (default 100,000)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated workbook at this path")
    parser.add_argument("--file", type=Path, default=None, help="use this workbook (made earlier with --keep)")
    parser.add_argument("--repeat", type=int, default=3, help="validator runs; the fastest counts (default 3)")
    parser.add_argument("--build-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    import machine  # bench/machine.py, beside this script
    load_line = machine.load_line
    print(load_line("开始"))
    if args.build_only is not None:
        build(args.build_only, args.rows)
        return

    with tempfile.TemporaryDirectory() as folder:
        if args.file is not None:
            path = args.file
            print(f"工作簿：{path}（{path.stat().st_size / 1e6:.1f} MB）")
        else:
            path = args.keep or Path(folder) / "bench_validate.xlsx"
            # built in a separate process: the timed process starts as fresh as `zhuize validate` does
            command = [sys.executable, __file__, "--build-only", str(path), "--rows", str(args.rows)]
            build_time, _ = timed(subprocess.run, command, check=True)
            size = path.stat().st_size / 1e6
            print(f"工作簿：{args.rows:,} 行（{size:.1f} MB，生成 {build_time:.1f} s）")
        import addin.validation  # noqa: F401  (imports outside the timing)
        runs = [timed(validator, path) for _ in range(max(1, args.repeat))]
        validator_time, (rows, errors) = min(runs, key=lambda run: run[0])
        loop_time, (loop_rows, loop_problems) = timed(openpyxl_loop, path)
        if rows != loop_rows:
            raise SystemExit(f"行数不一致：校验 {rows}，openpyxl {loop_rows}")
        print(f"openpyxl 逐行检查  {loop_time:7.2f} s  {loop_rows / loop_time:12,.0f} 行/秒  （类型问题 {loop_problems}）")
        print(f"zhuize validate    {validator_time:7.2f} s  {rows / validator_time:12,.0f} 行/秒  （错误 {errors}；"
              f"{len(runs)} 次中最快，各次 {'、'.join(f'{t:.2f}' for t, _ in runs)} s）")
        print(f"倍数 {loop_time / validator_time:.1f}×（目标 ≥ 5×，且远低于 10 s）")


if __name__ == "__main__":
    main()
    import machine  # bench/machine.py, beside this script
    load_line = machine.load_line
    print(load_line("结束"))
