"""The ``zhuize`` command: thin, every sub-command calls the core.

    zhuize calc NAME ARG…          evaluate a ZZ_ function exactly as a cell would
    zhuize calc --list             list the functions with their Chinese help
    zhuize profiles [--check F]    list rule profiles, or check one file
    zhuize calendar years          the years the working-day calendar knows
    zhuize calendar add YEAR FILE  add a year's holidays to the user folder
    zhuize demo                    the engine at work on the bundled demo cases
    zhuize serve [users …]         the 收报台 (addin.web): upload, findings, roll-up in a browser

A user's mistake prints a Chinese message on stderr and exits non-zero; never a traceback.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Sequence

from udfs import profile as profiles
from udfs import registry, settings
from udfs.errors import CalendarError, EngineError
from udfs.workcalendar import default_calendar, load_year_file

from addin.cli_format import format_result

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def cmd_calc(args: argparse.Namespace) -> int:
    if args.list:
        for function in registry.FUNCTIONS.values():
            print(f"{function.signature}\n    {function.summary}")
        return EXIT_OK
    if not args.name:
        print("用法：zhuize calc 函数名 参数…（zhuize calc --list 查看全部函数）", file=sys.stderr)
        return EXIT_USAGE
    value = registry.evaluate(args.name, *args.args)
    print(format_result(value))
    return EXIT_OK


def cmd_profiles(args: argparse.Namespace) -> int:
    if args.check:
        profile = profiles.load_profile(args.check)
        print(f"{args.check}：格式正确（{profile.key}，{profile.title}）")
        return EXIT_OK
    default = settings.default_profile_name()
    for key, path in profiles.available_profiles().items():
        profile = profiles.load_profile(path)
        entries = _sourced_entries(profile)
        checked = sum(1 for e in entries if e.checked)
        mark = "（默认）" if key == default else ""
        print(f"{key}{mark}\t{profile.title}\t已核对 {checked}/{len(entries)} 项\t{path}")
    return EXIT_OK


def _sourced_entries(profile: profiles.Profile) -> list[profiles.Sourced]:
    d = profile.deadlines
    return [
        profile.loss_grade, *profile.loss_grade.levels, *profile.handling, *profile.influence,
        *profile.jurisdiction, d.initial_check, d.flash_report, d.full_report, d.initial_report,
        d.rectify, profile.one_event_report, profile.ban,
    ]


def cmd_calendar(args: argparse.Namespace) -> int:
    if args.action == "years":
        calendar = default_calendar()
        for year in calendar.known_years:
            print(f"{year}\t{calendar.years[year].source}")
        return EXIT_OK
    if args.year is None or args.file is None:
        print("用法：zhuize calendar add 年份 日历文件.toml", file=sys.stderr)
        return EXIT_USAGE
    schedule = load_year_file(args.file)
    if schedule.year != args.year:
        raise CalendarError(f"文件 {args.file} 写的是 {schedule.year} 年，不是 {args.year} 年")
    target_dir = settings.user_calendar_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{args.year}.toml"
    temporary = target.with_suffix(".toml.tmp")
    shutil.copyfile(args.file, temporary)
    temporary.replace(target)
    print(f"已导入 {args.year} 年：放假 {len(schedule.holidays)} 天，调休上班 {len(schedule.workdays)} 天 → {target}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from addin.demo import main as demo

    if args.rules:
        return demo.run_rules(out=sys.stdout)
    demo.run(out=sys.stdout, folder=args.out)
    return EXIT_OK  # the demo's files carry deliberate mistakes: bounced files are the expected outcome


def cmd_templates(args: argparse.Namespace) -> int:
    from addin.workbook.templates import write_templates

    try:
        written = write_templates(args.out, args.profile, (args.formulas,))
    except OSError as exc:
        print(f"无法写入文件：{exc}", file=sys.stderr)
        return EXIT_ERROR
    for path in written:
        print(f"已生成填报模板：{path}")
    return EXIT_OK


def cmd_addin(args: argparse.Namespace) -> int:
    from addin.xlam import install as addin_install
    from addin.xlam.build import BuildError, build_addin

    try:
        if args.action == "build":
            path = build_addin(args.out)
            print(f"已生成加载项：{path}")
        elif args.action == "install":
            if args.xlam is not None and not args.xlam.is_file():
                print(f"找不到加载项文件：{args.xlam}", file=sys.stderr)
                return EXIT_USAGE
            print(addin_install.install(xlstart=args.dir, source=args.xlam).message())
        else:
            removed = addin_install.uninstall(xlstart=args.dir)
            print(f"已删除加载项：{removed}" if removed else "没有找到已安装的加载项。")
    except (addin_install.InstallError, BuildError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"无法写入文件：{exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def cmd_letters(args: argparse.Namespace) -> int:
    from addin.documents.letters import KINDS, workbooks_in, write_batch

    missing = [str(p) for p in args.workbooks if not p.exists()]
    if missing:
        print(f"找不到工作簿或文件夹：{'、'.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    sources: list[Path] = []
    for path in args.workbooks:
        sources.extend(workbooks_in(path) if path.is_dir() else [path])
    kinds = [args.kind] if args.kind else list(KINDS)
    result = write_batch(sources, args.out, clues=args.clue or None, kinds=kinds, report_to=args.to)
    for letter in result.written:
        print(f"已生成：{letter.path}")
    for problem in result.problems:
        print(f"未生成：{problem}", file=sys.stderr)
    print(result.summary())
    return EXIT_OK if result.ok else EXIT_ERROR


def cmd_validate(args: argparse.Namespace) -> int:
    from addin.rollup.periods import parse_date
    from addin.validation import validate_paths
    from addin.validation.run import expand_inputs

    missing = [str(p) for p in args.inputs if not p.exists()]
    if missing:
        print(f"找不到文件或文件夹：{'、'.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
    except EngineError as exc:
        print(f"{exc.message}（--as-of 应为日期，如 2026-11-23）", file=sys.stderr)
        return EXIT_USAGE
    if not expand_inputs(args.inputs):
        print(f"没有找到要校验的工作簿（.xlsx）：{'、'.join(str(p) for p in args.inputs)}", file=sys.stderr)
        return EXIT_USAGE

    def progress(done: int, total: int, path: str) -> None:
        if sys.stderr.isatty():
            print(f"\r校验 {done}/{total} {Path(path).name[:40]:<40}", end="", file=sys.stderr, flush=True)

    report = validate_paths(args.inputs, as_of=as_of, annotate_dir=args.annotate, progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    report.print(sys.stdout)
    if args.json:
        report.write_json(args.json)
        print(f"JSON 报告：{args.json}")
    return report.exit_code


class ConsoleProgress:
    """files done / total and rejected so far: a bar on a terminal, a line per tenth otherwise."""

    def __init__(self, action: str) -> None:
        self.action = action
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def __call__(self, done: int, total: int, rejected: int, path: str) -> None:
        if self.tty:
            width = 30
            filled = width * done // max(total, 1)
            print(f"\r{self.action} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}  退回 {rejected}",
                  end="", file=sys.stderr, flush=True)
            if done == total:
                print(file=sys.stderr)
        else:
            tenth = 10 * done // max(total, 1)
            if tenth != self.shown:
                self.shown = tenth
                print(f"{self.action} {done}/{total}，退回 {rejected}", file=sys.stderr, flush=True)


def cmd_rollup(args: argparse.Namespace) -> int:
    from addin.rollup import consolidate as core
    from addin.rollup.periods import Period, parse_date
    from addin.returns.group import write_group_return
    from addin.returns.sasac import write_sasac_return

    missing = [str(p) for p in args.inputs if not p.exists()]
    if missing:
        print(f"找不到文件或文件夹：{'、'.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    period = Period.parse(args.period) if args.period else None
    as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
    result = core.rollup(args.inputs, period=period, as_of=as_of, archive_path=args.archive,
                         jobs=args.jobs or core.default_jobs(), progress=ConsoleProgress("汇总"))
    print(core.summary_text(result))
    if not result.reconciled:
        print("对账不平：输入行数 ≠ 汇总行数 + 退回行数，未写出任何结果，请报告此问题", file=sys.stderr)
        return EXIT_USAGE
    write_group_return(result, args.out)
    print(f"集团汇总：{args.out}")
    if args.sasac:
        write_sasac_return(result, args.sasac, core.filer_name(result))
        print(f"国资委报表：{args.sasac}")
    if args.archive:
        added = core.archive_accepted(result, args.archive)
        print(f"归档：新增 {added} 份报表 → {args.archive}")
    if args.json:
        core.write_summary(result, args.json)
        print(f"汇总结果 JSON：{args.json}")
    return result.exit_code


def cmd_history(args: argparse.Namespace) -> int:
    from addin.rollup.archive import Archive

    if not args.archive.exists():
        print(f"找不到归档库：{args.archive}", file=sys.stderr)
        return EXIT_USAGE
    with Archive(args.archive) as archive:
        entries = archive.history(args.unit)
    if not entries:
        print(f"归档中没有“{args.unit}”的报表（可用单位名称或统一社会信用代码查询）")
        return EXIT_ERROR
    print(f"{entries[0].unit}（{entries[0].uscc}）的报送记录：")
    for entry in entries:
        print(f"  {entry.period}\t填报日期 {entry.filed_on or '—'}\t{entry.rows} 行\t归档于 {entry.taken_at}\t"
              f"{entry.path}\tsha256 {entry.sha256[:12]}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zhuize", description="违规经营投资责任追究与审计整改工具")
    sub = parser.add_subparsers(dest="command", metavar="命令")

    calc = sub.add_parser("calc", help="按单元格的方式计算一个 ZZ_ 函数")
    calc.add_argument("name", nargs="?", help="函数名，如 ZZ_LOSS_GRADE")
    calc.add_argument("args", nargs="*", help="参数：数字、日期（2026-11-23）、是/否；空参数写 \"\"")
    calc.add_argument("--list", action="store_true", help="列出全部函数")
    calc.set_defaults(handler=cmd_calc)

    prof = sub.add_parser("profiles", help="列出适用标准，或检查一个标准文件")
    prof.add_argument("--check", metavar="FILE", help="检查一个 .toml 标准文件")
    prof.set_defaults(handler=cmd_profiles)

    cal = sub.add_parser("calendar", help="工作日历：已知年份，导入新年份")
    cal.add_argument("action", choices=["years", "add"])
    cal.add_argument("year", nargs="?", type=int)
    cal.add_argument("file", nargs="?", type=Path)
    cal.set_defaults(handler=cmd_calendar)

    demo = sub.add_parser("demo", help="主流程演示：生成示例集团报表，校验、汇总、归档、生成文书")
    demo.add_argument("--out", type=Path, default=Path("demo-out"), help="演示文件夹（默认 demo-out，会先清空）")
    demo.add_argument("--rules", action="store_true", help="只演示规则引擎的计算示例")
    demo.set_defaults(handler=cmd_demo)

    tpl = sub.add_parser("templates", help="生成子企业填报模板（子企业填报模板.xlsx）")
    tpl.add_argument("--out", type=Path, required=True, help="输出文件夹")
    tpl.add_argument("--profile", default=None, help="适用标准（默认为用户默认标准，出厂为 central-2026）")
    tpl.add_argument("--formulas", choices=["native", "udf"], default="native",
                     help="native：Excel 内置函数，无需加载项（默认）；udf：调用加载项的 ZZ_ 函数")
    tpl.set_defaults(handler=cmd_templates)

    addin = sub.add_parser("addin", help="Excel 加载项 zhuize.xlam：生成、安装（Windows）、卸载")
    addin.add_argument("action", choices=["build", "install", "uninstall"])
    addin.add_argument("--out", type=Path, default=Path("dist"), help="build：输出文件夹（默认 dist）")
    addin.add_argument("--dir", type=Path, default=None, help="install/uninstall：Excel 启动文件夹（默认 %%APPDATA%%\\Microsoft\\Excel\\XLSTART）")
    addin.add_argument("--xlam", type=Path, default=None, help="install：安装已生成的 zhuize.xlam（默认现场生成）")
    addin.set_defaults(handler=cmd_addin)

    letters = sub.add_parser("letters", help="生成管理提升建议书和一事一报告（Word，党政机关公文格式）")
    letters.add_argument("workbooks", nargs="+", type=Path, metavar="WORKBOOK", help="填报工作簿，或存放各单位工作簿的文件夹")
    letters.add_argument("--out", type=Path, required=True, help="输出文件夹")
    letters.add_argument("--clue", nargs="+", metavar="ID", help="只生成这些线索编号的文书")
    letters.add_argument("--kind", choices=["管理提升建议书", "一事一报告"], help="只生成这一种文书（默认两种都生成）")
    letters.add_argument("--to", metavar="主送单位", help="一事一报告的主送单位名称（不填时留待承办部门补充）")
    letters.set_defaults(handler=cmd_letters)

    val = sub.add_parser("validate", help="校验填报工作簿：找出、定位并说明每一处错误")
    val.add_argument("inputs", nargs="+", type=Path, metavar="FILE_OR_DIR", help="工作簿或文件夹（递归查找）")
    val.add_argument("--json", type=Path, metavar="REPORT.json", help="另存 JSON 报告")
    val.add_argument("--annotate", type=Path, metavar="OUT_DIR", help="为有错误的工作簿生成标注副本（原文件不变）")
    val.add_argument("--as-of", metavar="DATE", help="期限提醒的基准日（默认为各文件的填报日期）")
    val.set_defaults(handler=cmd_validate)

    roll = sub.add_parser("rollup", help="汇总下级报表：生成集团汇总、国资委报表，退回有错误的文件")
    roll.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="工作簿、文件夹（递归）或以前的汇总结果")
    roll.add_argument("--out", type=Path, required=True, metavar="GROUP.xlsx", help="集团汇总输出文件")
    roll.add_argument("--sasac", type=Path, metavar="SASAC.xlsx", help="国资委报表输出文件")
    roll.add_argument("--json", type=Path, metavar="SUMMARY.json", help="汇总结果 JSON")
    roll.add_argument("--archive", type=Path, metavar="DB", help="归档库（SQLite 文件）：保存通过的报表并检查上期在办线索")
    roll.add_argument("--period", metavar="2026-年度", help="报告期（默认取多数文件的报告期）")
    roll.add_argument("--as-of", metavar="DATE", help="逾期计算的基准日（默认今天）")
    roll.add_argument("--jobs", type=int, metavar="N", help="并行读取的进程数（默认按 CPU 核数，最多 4）")
    roll.set_defaults(handler=cmd_rollup)

    hist = sub.add_parser("history", help="查看某单位的报送记录（归档库）")
    hist.add_argument("unit", metavar="UNIT", help="单位名称或统一社会信用代码")
    hist.add_argument("--archive", type=Path, default=settings.user_home() / "archive.sqlite", metavar="DB",
                      help="归档库（默认用户文件夹下 archive.sqlite）")
    hist.set_defaults(handler=cmd_history)

    from addin.web.serve import add_parser as add_serve_parser  # argparse only: the web stack loads when it runs

    add_serve_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse's own usage errors
        return EXIT_USAGE if exc.code else EXIT_OK
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.handler(args))
    except EngineError as exc:
        print(exc.cell_text, file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
