"""The main job on bundled demo data, end to end:

1. make a demo group: last year's and this year's workbooks of 32 subsidiaries, with a
   few deliberate mistakes (addin.demo.group);
2. roll up last year into the archive;
3. validate this year's files, writing annotated copies of the bad ones;
4. roll up this year: group return, SASAC return, summary JSON, archive — bad files
   bounced with their errors, a dropped open clue caught by the continuity check;
5. write the 管理提升建议书 and 一事一报告 of the accepted workbooks;
6. write the 定期报告 draft and one 典型案例 draft from the archive.

``zhuize demo --rules`` shows the rule engine on worked examples instead.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from addin.cli_format import format_result
from addin.plumbing.outputs import OutputError
from udfs import registry
from udfs.errors import EngineError

if TYPE_CHECKING:
    from addin.returns.identity import UnitIdentity

CASES = Path(__file__).with_name("data") / "engine_cases.csv"
AS_OF = dt.date(2026, 11, 23)


def run_rules(out: TextIO) -> int:
    """The rule engine at work on worked examples (engine_cases.csv)."""
    with CASES.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ctx = registry.Context()
    print(f"zhuize 规则引擎演示（{len(rows)} 个示例，数据：{CASES.name}）\n", file=out)
    for number, row in enumerate(rows, start=1):
        args = row["参数（以 | 分隔）"].split("|") if row["参数（以 | 分隔）"] else []
        call = f"{row['函数']}({', '.join(args)})"
        try:
            result = format_result(registry.evaluate(row["函数"], *args, ctx=ctx))
        except EngineError as exc:
            result = exc.cell_text
        print(f"{number:>2}. {row['说明']}\n    {call} → {result}", file=out)
    return 0


MARKER = ".zhuize-demo"
"""Left in the demo folder: a later demo may empty a folder that holds it."""


def prepare_folder(folder: str | Path, force: bool = False) -> Path:
    """The demo folder, emptied — only when the demo made it (or it is empty, or ``force``);
    a folder holding the user's own files is refused (``OutputError``)."""
    root = Path(folder).resolve()
    if root.exists() and not root.is_dir():
        raise OutputError(f"{root} 是一个文件，不是文件夹：请给 --out 指定一个文件夹", root)
    if root.is_dir() and any(root.iterdir()) and not (root / MARKER).is_file() and not force:
        raise OutputError(f"文件夹 {root} 不是空的，也不是演示生成的：为免删除其中的文件，演示未运行；"
                          "请换一个文件夹，或加 --force 清空它后运行", root)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / MARKER).write_text("zhuize demo 生成的文件夹，下次演示会清空它。\n", encoding="utf-8")
    return root


def demo_identity(units: int = 32) -> "UnitIdentity":
    """The demo group's identity (made up), as a real group configures it in config.toml's
    [unit]: the demo passes it to the forms and never writes the user's own config."""
    from addin.demo.group import make_units
    from addin.returns.identity import UnitIdentity

    parent, _ = make_units(units)
    return UnitIdentity(name=parent.name, uscc=parent.uscc, head="赵建国", reviewer="钱立新", preparer="孙晓梅",
                        phone="028-86000000")


def run(out: TextIO, folder: str | Path = "demo-out", units: int = 32, force: bool = False) -> int:
    """Build the demo group in ``folder`` and run the whole job; returns the roll-up's exit code.
    ``folder`` is emptied first only when the demo made it (see ``prepare_folder``)."""
    from addin.rollup import consolidate as rollup
    from addin.demo.group import make_demo_group
    from addin.documents.letters import write_batch
    from addin.rollup.indicators import headline_text
    from addin.rollup.periods import Period
    from addin.returns.group import write_group_return
    from addin.returns.forms import FormSettings
    from addin.returns.sasac import write_sasac_return
    from addin.rollup.recall import previous_figures
    from addin.validation import validate_paths

    root = prepare_folder(folder, force)
    identity = demo_identity(units)
    outputs = root / "输出"
    outputs.mkdir(parents=True)
    archive = outputs / "归档.sqlite"

    print(f"1. 生成示例集团：{units} 家子企业的 2025、2026 年度报表（含几处故意的错误）…", file=out)
    group = make_demo_group(root / "报表", units=units)
    for name, mistake in group.mistakes.items():
        print(f"   · {name}：{mistake}", file=out)
    for name, reminder in group.reminders.items():
        print(f"   · {name}：{reminder}", file=out)
    for name, shown in group.explanations.items():
        print(f"   · {name}：{shown}", file=out)

    print("2. 汇总 2025 年度报表并归档（作为上期数据）…", file=out)
    last_year = rollup.rollup([root / "报表" / "2025年度"], Period.of(2025, "年度"), dt.date(2026, 1, 15), archive)
    write_group_return(last_year, outputs / "集团汇总_2025年度.xlsx", identity=identity)
    rollup.archive_accepted(last_year, archive)
    print(f"   已归档 {last_year.archived} 份", file=out)

    print("3. 校验 2026 年度报表（有错误的生成标注副本）…", file=out)
    current = root / "报表" / "2026年度"
    report = validate_paths([current], annotate_dir=outputs / "退回标注")
    summary = report.summary
    print(f"   通过 {summary['valid']}，有错误 {summary['invalid']}，无法读取 {summary['unreadable']}；"
          f"标注副本 {len(report.annotated)} 份 → {outputs / '退回标注'}", file=out)

    print("4. 汇总 2026 年度报表…", file=out)
    result = rollup.rollup([current], Period.of(2026, "年度"), AS_OF, archive)
    print("   " + rollup.summary_text(result).replace("\n", "\n   "), file=out)
    previous, previous_units = previous_figures(archive, result.period)  # 上年同期: 2025
    forms = FormSettings(identity, date=AS_OF, previous=previous, previous_units=previous_units)
    group_path = write_group_return(result, outputs / "集团汇总_2026年度.xlsx", identity=identity)
    sasac_path = write_sasac_return(result, outputs / "国资委报表_2026年度.xlsx", settings=forms)
    rollup.archive_accepted(result, archive)
    from addin.demo.group import make_units
    from addin.rollup.roster import Roster, RosterUnit, counts, outcomes_of_summary, save_roster, unit_statuses

    roster = Roster(tuple(RosterUnit(u.name, u.uscc, u.level) for u in make_units(units)[1]))
    save_roster(roster, outputs / "单位名单.csv")  # who must report: `zhuize rollup --roster`, the 收报台's 单位名单
    rollup.write_summary(result, outputs / "汇总结果_2026年度.json", roster)
    tally = counts(unit_statuses(outcomes_of_summary(rollup.summary_json(result)), roster))
    print("   名单 " + "，".join(f"{k} {v}" for k, v in tally.items()) + f" 家单位（{outputs / '单位名单.csv'}）", file=out)

    print("5. 生成管理提升建议书和一事一报告…", file=out)
    letters = write_batch([Path(i.path) for i in result.accepted], outputs / "文书", today=AS_OF)
    print(f"   {letters.summary()}", file=out)

    print("6. 生成定期报告草稿和一份典型案例草稿（来自归档）…", file=out)
    from addin.documents.yearend import write_cases, write_periodic

    reports = outputs / "年度报告"
    periodic = write_periodic(archive, Period.of(2026, "年度"), reports, today=AS_OF, identity=identity, as_of=AS_OF)
    cases = write_cases(archive, Period.of(2026, "年度"), reports, mask_names=True, limit=1)
    print(f"   定期报告：{periodic.path}", file=out)
    for case in cases:
        print(f"   典型案例（{case.clue_id}，姓名隐去）：{case.path}", file=out)

    totals = result.totals
    print("\n结果：", file=out)
    print(f"   集团汇总：{group_path}", file=out)
    print(f"   国资委报表：{sasac_path}", file=out)
    print(f"   汇总结果 JSON：{outputs / '汇总结果_2026年度.json'}", file=out)
    print(f"   归档库：{archive}（zhuize history 单位名称 --archive {archive}）", file=out)
    print(f"   文书：{outputs / '文书'}", file=out)
    print(f"   退回标注：{outputs / '退回标注'}", file=out)
    print(f"   定期报告、典型案例草稿：{reports}", file=out)
    print("\n主要指标：", file=out)
    print("   " + headline_text(totals, "\n   "), file=out)
    return result.exit_code
