"""The ``zhuize`` command: thin, every sub-command calls the core.

    zhuize calc NAME ARG…          evaluate a ZZ_ function exactly as a cell would
    zhuize calc --list             list the functions with their Chinese help
    zhuize profiles [--check F]    list rule profiles (checked/unchecked entries), or check one file
    zhuize profiles --unchecked    list the entries nobody compared with the official text
    zhuize profiles new NAME --from KEY   an editable copy in the user folder
    zhuize profiles diff A B       where two profiles differ, entry by entry
    zhuize calendar years          the years the working-day calendar knows
    zhuize calendar add YEAR FILE  add a year's holidays to the user folder
    zhuize demo                    the engine at work on the bundled demo cases
    zhuize serve [users …]         the 收报台 (addin.web): upload, findings, roll-up in a browser
    zhuize codes [CODE…] [--markdown]  the problem-code catalogue (docs/problem-codes.md)
    zhuize manual --out DIR        the 操作手册 (docs/manual) as one printable Word file
    zhuize barred check [ID|-] --purpose T   the 禁入 check (no ID or -: read from stdin) before an appointment (logged); barred log
    zhuize report periodic|cases   定期报告 / 专项报告 and 典型案例 drafts from the archive

A user's mistake prints a Chinese message on stderr and exits non-zero; never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import os
import shutil
import sqlite3
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from udfs import profile as profiles
from udfs import profile_entries
from udfs.handling import range_text
from udfs import registry, settings
from udfs.errors import CalendarError, EngineError
from udfs.workcalendar import default_calendar, load_year_file

from addin.cli_format import format_result
from addin.plumbing.atomic import atomic_path
from addin.plumbing.outputs import OutputError, OutputRefused, OutputSet, check_target, os_error_message
from addin.plumbing.redact import redacted_console

if TYPE_CHECKING:
    from addin.validation.run import InputSet

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

# argparse's own words ("usage:", "positional arguments", "show this help message and
# exit", its error messages) come through gettext; the users of this command read Chinese
ARGPARSE_WORDS = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "%(value)r 不是有效的%(type)s",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多一个值",
    "expected at least one argument": "至少需要一个值",
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "not allowed with argument %s": "不能与 %s 同时使用",
    "ignored explicit argument %r": "多余的值 %r",
    "one of the arguments %s is required": "需要以下参数之一：%s",
    "unexpected option string: %s": "意外的选项：%s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "未知命令 %(parser_name)r（可用命令：%(choices)s）",
    "subcommands": "命令",
}


def _chinese(message: str) -> str:
    return ARGPARSE_WORDS.get(message, message)


def _chinese_plural(singular: str, plural: str, count: int) -> str:
    return _chinese(singular if count == 1 else plural)


argparse._ = _chinese  # type: ignore[attr-defined]
argparse.ngettext = _chinese_plural  # type: ignore[attr-defined]


def _whole_number(text: str) -> int:
    return int(text)


_whole_number.__name__ = "整数"  # argparse names the expected type by it


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("zhuize")
    except Exception:  # not installed as a package (run from the source tree)
        return "未安装"


def cmd_calc(args: argparse.Namespace) -> int:
    if args.list:
        for function in registry.FUNCTIONS.values():
            print(f"{function.signature}\n    {function.summary}")
        return EXIT_OK
    if not args.name:
        print("用法：zhuize calc 函数名 参数…（zhuize calc --list 查看全部函数）", file=sys.stderr)
        return EXIT_USAGE
    function = registry.FUNCTIONS.get(args.name.upper())
    if function is not None:
        required = [arg for arg in function.args if not arg.optional]
        if len(args.args) < len(required):
            missing = "、".join(arg.label for arg in required[len(args.args):])
            shown = " ".join(arg.label if not arg.optional else f"[{arg.label}]" for arg in function.args)
            print(f"{function.name} 缺少参数：{missing}\n用法：zhuize calc {function.name} {shown}"
                  f"（可省略的参数写 \"\"）", file=sys.stderr)
            return EXIT_USAGE
        given = [value for value, arg in zip(args.args, function.args) if not arg.optional]
        if all(not value.strip() for value in given):
            print(f"{function.name} 的必填参数都是空的：请填写 {'、'.join(arg.label for arg in required)}", file=sys.stderr)
            return EXIT_USAGE
    value = registry.evaluate(args.name, *args.args)
    print(format_result(value))  # a blank result (no influence period, a lifelong ban) is an empty line
    return EXIT_OK


def cmd_profiles(args: argparse.Namespace) -> int:
    if args.action == "new":
        return _profiles_new(args)
    if args.action == "diff":
        return _profiles_diff(args)
    if args.names:
        print("用法：zhuize profiles [--unchecked] | new 名称 --from 标准 | diff 标准A 标准B | --check 文件", file=sys.stderr)
        return EXIT_USAGE
    if args.check:
        profile = profiles.load_profile(args.check)
        checked, unchecked = profile_entries.counts(profile)
        print(f"{args.check}：格式正确（{profile.key}，{profile.title}；已核对 {checked} 项，未核对 {unchecked} 项）")
        return EXIT_OK
    default = settings.default_profile_name()
    for key, path in profiles.available_profiles().items():
        profile = profiles.load_profile(path)
        checked, unchecked = profile_entries.counts(profile)
        mark = "（默认）" if key == default else ""
        print(f"{key}{mark}\t{profile.title}\t已核对 {checked} 项，未核对 {unchecked} 项\t{path}")
        if args.unchecked:
            for entry in profile_entries.entries(profile):
                if not entry.checked:
                    print(f"  未核对\t{entry.name}\t{entry.label}\t出处：{entry.source}")
    return EXIT_OK


def _profiles_new(args: argparse.Namespace) -> int:
    if len(args.names) != 1 or not args.source:
        print("用法：zhuize profiles new 新标准名称 --from 现有标准（如 central-2026）[--force]", file=sys.stderr)
        return EXIT_USAGE
    (name,) = args.names
    source = profiles.get_profile(args.source)
    source_file = profiles.available_profiles().get(source.key) if not args.source.endswith(".toml") else Path(args.source)
    assert source_file is not None  # get_profile found it
    text = profile_entries.copy_text(source_file.read_text(encoding="utf-8"), source.key, name)
    target = settings.user_profiles_dir() / f"{name}.toml"
    if target.resolve() == source_file.resolve():
        print(f"新标准文件不能覆盖原标准文件 {source_file}", file=sys.stderr)
        return EXIT_USAGE
    check_target(target, force=args.force)  # an existing profile only with --force (exit 2)
    profiles.parse_profile(text, str(target))  # the copy must load before it is written
    with atomic_path(target) as temporary:
        temporary.write_text(text, encoding="utf-8")
    print(f"已复制 {source.key} 为本企业标准 {name}：{target}")
    print(f"下一步：修改该文件，运行 zhuize profiles --check {target} 检查，"
          f"zhuize profiles diff {source.key} {name} 查看改动；在模板「填报信息」的适用标准中选用 {name}")
    return EXIT_OK


def _shown(value: object) -> str:
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None:
        return "（无）"
    if isinstance(value, list):
        return "、".join(_shown(v) for v in value) if value else "（空）"
    if isinstance(value, dict) and {"min", "max"} <= set(value):  # a deduction range
        bounds = profiles.Range.model_validate(value)
        return range_text(bounds) + (f"（{bounds.text}）" if bounds.text else "")
    if isinstance(value, dict):
        return "，".join(f"{k}={_shown(v)}" for k, v in value.items())
    return str(value)


def _profiles_diff(args: argparse.Namespace) -> int:
    if len(args.names) != 2:
        print("用法：zhuize profiles diff 标准A 标准B（名称或 .toml 文件路径）", file=sys.stderr)
        return EXIT_USAGE
    left, right = (profiles.get_profile(n) for n in args.names)
    differences = profile_entries.diff(left, right)
    if not differences:
        print(f"{left.key} 与 {right.key} 的各项规定完全相同")
        return EXIT_OK
    print(f"{left.key} → {right.key}：{len(differences)} 处不同")
    for d in differences:
        if not d.field:
            only = left.key if d.left else right.key
            print(f"{d.name}\t{d.label}\t只在 {only} 中有")
        else:
            label = FIELD_LABELS.get(d.field, d.field)
            print(f"{d.name}\t{d.label}\t{label}：{_shown(d.left)} → {_shown(d.right)}")
    return EXIT_OK


FIELD_LABELS = {
    "checked": "核对", "source": "出处", "measures": "组织处理", "performance_pay": "绩效年薪扣减",
    "term_incentive": "任期激励扣减", "ban_allowed": "可禁入限制", "lti": "中长期激励", "months": "月数",
    "workdays": "工作日数", "amount_from": "金额标准（万元）", "share_from": "占资产比例标准", "body": "管辖",
    "group_body": "集团公司的管辖", "grades": "等级", "terms": "禁入期限", "text": "文字", "criteria": "认定标准",
}


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
    check_target(target, force=args.force)  # a year the user imported before is replaced only with --force
    with atomic_path(target) as temporary:  # named as ours: a kill leaves nothing the clean-up misses
        shutil.copyfile(args.file, temporary)
    print(f"已导入 {args.year} 年：放假 {len(schedule.holidays)} 天，调休上班 {len(schedule.workdays)} 天 → {target}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from addin.demo import main as demo

    if args.rules:
        return demo.run_rules(out=sys.stdout)
    demo.run(out=sys.stdout, folder=args.out, force=args.force)
    return EXIT_OK  # the demo's files carry deliberate mistakes: bounced files are the expected outcome


def cmd_templates(args: argparse.Namespace) -> int:
    from addin.workbook.templates import write_templates

    if args.out.exists() and not args.out.is_dir():
        print(f"--out 应为文件夹，而 {args.out} 是一个文件：请换一个文件夹", file=sys.stderr)
        return EXIT_USAGE
    try:
        written = write_templates(args.out, args.profile, (args.formulas,), force=args.force)
    except OSError as exc:
        print(os_error_message(exc, args.out), file=sys.stderr)
        return EXIT_ERROR
    for path in written:
        note = "" if args.force or "(" not in path.stem else "（同名文件已存在，未覆盖；要替换请加 --force）"
        print(f"已生成填报模板：{path}{note}")
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
    from addin.documents.batch import LettersError
    from addin.documents.facts import LetterOptions
    from addin.documents.letters import KINDS, write_batch
    from addin.returns.identity import load_identity
    from addin.rollup.periods import parse_date
    from addin.validation.run import scan_inputs

    try:
        day = parse_date(args.date, "--date") if args.date else None
    except EngineError as exc:
        print(f"{exc.message}（--date 应为日期，如 2026-11-23）", file=sys.stderr)
        return EXIT_USAGE

    missing = [str(p) for p in args.workbooks if not p.exists()]
    if missing:
        print(f"找不到工作簿或文件夹：{'、'.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    inputs = scan_inputs(args.workbooks)
    _skipped(inputs)
    if not inputs.files:
        print(f"没有找到工作簿（.xlsx）：{'、'.join(str(p) for p in args.workbooks)}", file=sys.stderr)
        return EXIT_USAGE
    if args.out.exists() and not args.out.is_dir():
        print(f"--out 应为文件夹，而 {args.out} 是一个文件：请换一个文件夹", file=sys.stderr)
        return EXIT_USAGE
    kinds = [args.kind] if args.kind else list(KINDS)
    options = LetterOptions(date=day, report_to=args.to, doc_number=args.doc_number, signer=args.signer,
                            copies_to=args.cc, identity=load_identity())
    try:
        result = write_batch(inputs.files, args.out, clues=args.clue or None, kinds=kinds, options=options,
                             force=args.force)
    except LettersError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    for problem in result.problems:
        print(f"未生成：{problem}", file=sys.stderr)
    for notice in result.notices:
        print(f"提醒：{notice}", file=sys.stderr)
    _show("\n".join([f"已生成：{letter.path}" for letter in result.written] + [result.summary()]))
    return EXIT_OK if result.ok else EXIT_ERROR


def cmd_validate(args: argparse.Namespace) -> int:
    from addin.rollup.periods import parse_date
    from addin.validation import validate_paths
    from addin.validation.run import scan_inputs

    missing = [str(p) for p in args.inputs if not p.exists()]
    if missing:
        print(f"找不到文件或文件夹：{'、'.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
    except EngineError as exc:
        print(f"{exc.message}（--as-of 应为日期，如 2026-11-23）", file=sys.stderr)
        return EXIT_USAGE
    inputs = scan_inputs(args.inputs)
    _skipped(inputs)
    if not inputs.files:
        print(f"没有找到要校验的工作簿（.xlsx）：{'、'.join(str(p) for p in args.inputs)}", file=sys.stderr)
        return EXIT_USAGE
    outputs = OutputSet(inputs.files, force=args.force)
    if args.json:
        outputs.plan(args.json)
    if args.annotate is not None and args.annotate.exists() and not args.annotate.is_dir():
        print(f"--annotate 应为文件夹，而 {args.annotate} 是一个文件：请换一个文件夹", file=sys.stderr)
        return EXIT_USAGE
    if args.notices is not None and args.notices.exists() and not args.notices.is_dir():
        print(f"--notices 应为文件夹，而 {args.notices} 是一个文件：请换一个文件夹", file=sys.stderr)
        return EXIT_USAGE
    identity = None
    if args.notices is not None:
        from addin.returns.identity import load_identity

        from addin.returns.forms import overrides_of

        try:
            identity = load_identity(overrides_of(args))
        except EngineError as exc:
            print(exc.message, file=sys.stderr)
            return EXIT_USAGE

    def progress(done: int, total: int, path: str) -> None:
        if sys.stderr.isatty():
            print(f"\r校验 {done}/{total} {Path(path).name[:40]:<40}", end="", file=sys.stderr, flush=True)

    notices: list[tuple[Path, Any]] = []
    with outputs:  # the JSON report, the annotated copies and the notices: all of them or none
        report = validate_paths(inputs.files, as_of=as_of, annotate_dir=args.annotate, progress=progress,
                                outputs=outputs)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        if report.write_failed:  # a copy could not be written (a full disk): none of the outputs is
            outputs.discard()
            report.annotated.clear()
            report.print(sys.stdout)
            print(f"{report.write_failed}；本次的 JSON 报告和标注副本都未写出", file=sys.stderr)
            return EXIT_ERROR
        if args.notices is not None:
            from addin.documents.rejection import notice_name, notices_for, write_notice

            taken: set[str] = set()
            for notice in notices_for(report.files):
                name = notice_name(notice)
                stem, number = name[:-5], 2
                while name in taken:
                    name, number = f"{stem}（{number}）.docx", number + 1
                taken.add(name)
                notices.append((args.notices / name, notice))
            existing = [str(path) for path, _ in notices if path.exists()]
            if existing and not args.force:
                outputs.discard()
                print(f"退回通知 {'、'.join(existing)} 已存在，未写出任何结果；要覆盖请加 --force", file=sys.stderr)
                return EXIT_USAGE
            for path, notice in notices:
                outputs.write(path, lambda temporary, n=notice: write_notice(n, identity, temporary))
        if args.json:
            outputs.write(args.json, report.write_json)
        outputs.commit()
    report.print(sys.stdout)
    for path, _ in notices:
        print(f"退回通知：{path}")
    if args.json:
        print(f"JSON 报告：{args.json}")
    if report.refused:
        print("有标注副本因同名文件已存在而未写出（不覆盖不是本次生成的文件）：要替换请加 --force，或换一个 --annotate 文件夹",
              file=sys.stderr)
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


def _skipped(inputs: InputSet) -> None:
    for line in inputs.skipped_lines():
        print(line, file=sys.stderr)


IDENTITY_HELP = {
    "name": ("单位名称", "填报单位名称（集团公司全称），写在报表和每页页眉"),
    "uscc": ("代码", "填报单位的统一社会信用代码"),
    "head": ("姓名", "单位负责人"),
    "reviewer": ("姓名", "审核人（总会计师）"),
    "preparer": ("姓名", "填表人"),
    "phone": ("电话", "联系电话"),
}


def add_identity_arguments(group: Any, fields: Any) -> None:
    """--unit-name … for the identity fields in ``fields`` (a run's overrides of [unit])."""
    for field in fields:
        metavar, text = IDENTITY_HELP[field]
        group.add_argument(f"--unit-{field}", dest=f"unit_{field}", metavar=metavar, help=f"{text}（[unit] {field}）")


NOTICE_IDENTITY = ("name", "preparer", "phone")
"""What a 退回通知 says of the unit sending it back (its signature, 联系人, 联系电话)."""


def add_form_arguments(parser: argparse.ArgumentParser) -> None:
    """The reporting unit's identity and the SASAC form's own lines, for one run (each
    defaults to the user folder's config.toml: [unit] and [forms]; missing ones print 待补充)."""
    group = parser.add_argument_group(
        "填报单位信息（默认取用户文件夹 config.toml 的 [unit]、[forms]；未配置的在报表上显示“（待补充）”）")
    add_identity_arguments(group, IDENTITY_HELP)
    group.add_argument("--sasac-form-no", metavar="表号", help="国资委报表的表号（[forms] sasac_form_no；默认空白）")
    group.add_argument("--sasac-authority", metavar="制表机关", help="国资委报表的制表机关（[forms] sasac_authority；默认空白）")
    group.add_argument("--report-date", metavar="日期", help="报出日期，如 2026-11-23（不填为生成报表的当天）")


def form_settings_of(args: argparse.Namespace) -> Any:
    """The forms' settings of one command: config.toml with the command line's overrides
    (read before the work starts, so a mistake in them stops it at once)."""
    from addin.returns.forms import form_settings, overrides_of
    from addin.rollup.periods import parse_date

    date = parse_date(args.report_date, "--report-date") if getattr(args, "report_date", None) else None
    return form_settings(None, None, overrides_of(args), date, args.sasac_form_no, args.sasac_authority)


def cmd_rollup(args: argparse.Namespace) -> int:
    from addin.rollup import consolidate as core
    from addin.rollup.cache import cache_path
    from addin.rollup.periods import Period, parse_date
    from addin.returns.group import write_group_return
    from addin.returns.sasac import write_sasac_return
    from addin.rollup.indicators import headline_text
    from addin.rollup.recall import previous_figures
    from addin.validation.run import scan_inputs

    missing = [str(p) for p in args.inputs if not p.exists()]
    if missing:
        print(f"找不到文件或文件夹：{'、'.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    period = Period.parse(args.period) if args.period else None
    as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
    forms = form_settings_of(args)
    roster = None
    if args.roster is not None:
        from addin.rollup.roster import load_roster

        roster, wrong = load_roster(args.roster)
        if roster is None:
            print(f"单位名单 {args.roster} 有误，未汇总：", file=sys.stderr)
            for problem in wrong:
                print(f"  {problem}", file=sys.stderr)
            return EXIT_USAGE
    inputs = scan_inputs(args.inputs)
    _skipped(inputs)
    if not inputs.files:
        print(f"没有找到要汇总的工作簿（.xlsx）：{'、'.join(str(p) for p in args.inputs)}", file=sys.stderr)
        return EXIT_USAGE
    cache = None if args.no_cache else cache_path(args.archive)
    outputs = OutputSet(inputs.files, args.archive, force=args.force, protect=[cache_path(args.archive)])
    for target in (args.out, args.sasac, args.json):
        if target is not None:
            outputs.plan(target)
    if args.archive is not None:
        check_target(args.archive, force=True, inputs=inputs.files,
                     protect=[cache_path(args.archive)])  # the archive is never an input nor the cache
    result = core.rollup(inputs.files, period=period, as_of=as_of, archive_path=args.archive,
                         jobs=args.jobs or core.default_jobs(), progress=ConsoleProgress("汇总"),
                         cache_path=cache)
    if not result.reconciled:
        print(core.summary_text(result))
        print("对账不平：输入行数 ≠ 汇总行数 + 退回行数，未写出任何结果，请报告此问题", file=sys.stderr)
        return EXIT_USAGE
    previous, previous_units = previous_figures(args.archive, result.period)  # before this period is archived
    forms = replace(forms, previous=previous, previous_units=previous_units)
    with outputs:
        outputs.write(args.out, lambda temporary: write_group_return(result, temporary, identity=forms.identity))
        if args.sasac:
            outputs.write(args.sasac, lambda temporary: write_sasac_return(result, temporary, settings=forms))

        def finish() -> None:  # inside the archive's transaction: it commits only after the outputs did
            if args.json:
                outputs.write(args.json, lambda temporary: core.write_summary(result, temporary, roster))
            outputs.commit(undoable=True)

        if args.archive:
            core.archive_accepted(result, args.archive, before_commit=finish)
        else:
            finish()
    # everything is written and committed: what follows only shows it (a closed pipe changes nothing)
    lines = [core.summary_text(result)] + ([result.cache.text()] if result.cache is not None else []) + [
        f"主要指标：{headline_text(result.totals)}"]
    if roster is not None:
        from addin.rollup.roster import MISSING, counts, outcomes_of_summary, unit_statuses

        statuses = unit_statuses(outcomes_of_summary(core.summary_json(result)), roster)
        tally = counts(statuses)
        lines.append("名单 " + "，".join(f"{k} {v}" for k, v in tally.items()) + " 家单位")
        lines += [f"  未报：{u.unit}（{u.uscc}{'，' + u.level if u.level else ''}）" for u in statuses
                  if u.status == MISSING]
    lines.append(f"集团汇总：{args.out}")
    if args.sasac:
        lines.append(f"国资委报表：{args.sasac}")
    if args.archive:
        lines.append(f"归档：新增 {result.archived} 份报表 → {args.archive}")
    if args.json:
        lines.append(f"汇总结果 JSON：{args.json}")
    _show("\n".join(lines))
    return result.exit_code


def _show(text: str) -> None:
    """Print what a finished command did; a closed pipe (``| head``) is no error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        _quiet_stdout()


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


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "未知用户"


def _read_id_number() -> str | None:
    """One 身份证号码 from standard input: typed without echo at a terminal, else its first line."""
    try:
        if sys.stdin is not None and sys.stdin.isatty():
            import getpass
            line = getpass.getpass("身份证号码（输入时不显示）：")
        else:
            line = sys.stdin.readline() if sys.stdin is not None else ""
    except (EOFError, KeyboardInterrupt, OSError, UnicodeDecodeError):
        return None
    return line.strip() or None


def cmd_barred(args: argparse.Namespace) -> int:
    from addin.rollup import barred
    from addin.rollup.periods import parse_date

    if args.action == "log":
        entries = barred.query_log(args.archive)
        if not entries:
            print(f"没有禁入查询记录（{args.archive}）")
            return EXIT_OK
        print("查询时间\t查询人\t渠道\t用途\t身份证号码（脱敏）\t基准日\t结果\t截止日期\t决定文号")
        for q in entries:
            print("\t".join(q[k] or "—" for k in ("at", "who", "channel", "purpose", "id_masked", "as_of", "answer",
                                                  "end_date", "decision_no")))
        return EXIT_OK
    if not args.archive.exists():
        print(f"找不到归档库：{args.archive}", file=sys.stderr)
        return EXIT_USAGE
    number = args.id_number
    if number in (None, "-"):  # from standard input: the number stays out of the shell's history
        number = _read_id_number()
        if number is None:
            print("没有读到身份证号码：请在提示后输入，或经管道传入（如 zhuize barred check --purpose … < 号码.txt）",
                  file=sys.stderr)
            return EXIT_USAGE
    try:
        as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
        answer = barred.check(args.archive, number, args.purpose, _user(), as_of=as_of)
    except barred.BarredError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    print(barred.describe(answer))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from addin.documents import yearend
    from addin.returns.identity import load_identity
    from addin.rollup.periods import Period, parse_date

    period = Period.parse(args.period)
    try:
        if args.action == "periodic":
            as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
            written = [yearend.write_periodic(args.archive, period, args.out, args.kind, force=args.force,
                                              identity=load_identity({"name": args.unit_name}), as_of=as_of)]
        else:
            written = yearend.write_cases(args.archive, period, args.out, mask_names=args.mask_names,
                                          clues=args.clue, force=args.force)
    except yearend.ReportError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"无法写入文件：{exc}", file=sys.stderr)
        return EXIT_ERROR
    for report in written:
        print(f"已生成{report.kind}：{report.path}")
    if not written:
        print(f"{period.label} 没有报送典型案例为 是 的线索")
    return EXIT_OK


def cmd_manual(args: argparse.Namespace) -> int:
    from addin.documents import manual

    target = args.out / manual.DOCX_NAME
    outputs = OutputSet(force=args.force)
    outputs.plan(target)
    with outputs:
        outputs.write(target, manual.write_docx)
        outputs.commit()
    print(f"已生成操作手册：{target}")
    return EXIT_OK


AS_OF_RULE = ("期限和逾期的基准日：给出 --as-of 时一律按它；不给时每个文件按它自己的填报日期"
              "（validate、rollup、加载项都是这一条）")


def _command(sub: Any, name: str, summary: str, description: str = "", epilog: str = "") -> argparse.ArgumentParser:
    return sub.add_parser(name, help=summary, description=description or summary, epilog=epilog,
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def cmd_codes(args: argparse.Namespace) -> int:
    from addin.problems import CATALOGUE, codes_markdown

    if args.markdown:
        sys.stdout.write(codes_markdown())
        return EXIT_OK
    unknown = [code for code in args.codes if code.upper() not in CATALOGUE]
    if unknown:
        print(f"未知问题代码：{'、'.join(unknown)}（zhuize codes 列出全部代码）", file=sys.stderr)
        return EXIT_USAGE
    if not args.codes:
        for info in CATALOGUE.values():
            print(f"{info.code}\t{info.severity_label}\t{info.stage}\t{info.title}")
        return EXIT_OK
    for code in args.codes:
        info = CATALOGUE[code.upper()]
        print(f"{info.code}（{info.stage}，{info.severity_label}）：{info.title}\n  怎么改：{info.fix}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhuize", description="违规经营投资责任追究与审计整改工具",
        epilog="每个命令的用法：zhuize 命令 --help（例如 zhuize rollup --help）。\n"
               "退出码：0 全部通过；1 有文件被退回（校验有错误）；2 有无法读取的文件或用法错误。",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"zhuize {_version()}", help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令")

    calc = _command(sub, "calc", "按单元格的方式计算一个 ZZ_ 函数",
                    "按单元格里的同一算法计算一个 ZZ_ 函数，结果一行：日期 YYYY-MM-DD，比例为小数，逻辑值 TRUE/FALSE。",
                    "参数写法：数字 120.5（半角，不带单位和千分位）；日期 2026-11-23（也可 2026/11/23、2026年11月23日）；\n"
                    "是/否 写 是、否、TRUE 或 FALSE；空参数写 \"\"。\n"
                    "例：zhuize calc ZZ_LOSS_GRADE 100 \"\" yibin-2020    → 较大\n"
                    "    zhuize calc ZZ_WORKDAY 2026-02-13 1           → 2026-02-14")
    calc.add_argument("name", nargs="?", metavar="函数名", help="函数名，如 ZZ_LOSS_GRADE")
    calc.add_argument("args", nargs="*", metavar="参数", help="依次给出的参数")
    calc.add_argument("--list", action="store_true", help="列出全部函数及中文说明")
    calc.set_defaults(handler=cmd_calc)

    prof = _command(sub, "profiles", "列出适用标准（已核对、未核对项数），复制、比较或检查标准文件",
                    "列出可用的适用标准（规则配置）：名称、标题、已与正式文本核对和未核对的项数、文件位置；默认标准标“（默认）”。",
                    "自己的标准放在 ~/.zhuize/profiles/名称.toml（或设置 ZHUIZE_HOME），按名称选用。本企业自己的标准：\n"
                    "    zhuize profiles new 我的标准 --from central-2026   复制一份到 ~/.zhuize/profiles/我的标准.toml 后修改\n"
                    "    zhuize profiles diff central-2026 我的标准          逐项比较两个标准\n"
                    "    zhuize profiles --check ~/.zhuize/profiles/我的标准.toml   检查格式，错误会指出哪一项、哪个值不对\n"
                    "默认标准写在 ~/.zhuize/config.toml：default_profile = \"yibin-2020\"")
    prof.add_argument("action", nargs="?", choices=["new", "diff"], metavar="new|diff",
                      help="new 名称 --from 标准：复制一份可修改的本企业标准；diff 标准A 标准B：逐项比较")
    prof.add_argument("names", nargs="*", metavar="名称", help="new：新标准名称；diff：两个标准的名称或文件路径")
    prof.add_argument("--from", dest="source", metavar="标准", help="new：复制哪个标准（名称或 .toml 文件）")
    prof.add_argument("--force", action="store_true", help="new：覆盖用户文件夹中同名的标准文件")
    prof.add_argument("--unchecked", action="store_true", help="列出每个标准中未与正式文本核对的项")
    prof.add_argument("--check", metavar="标准文件.toml", help="检查一个标准文件的格式")
    prof.set_defaults(handler=cmd_profiles)

    cal = _command(sub, "calendar", "工作日历：已知年份，导入新年份",
                   "法定节假日和调休上班日：years 列出已知的年份及来源；add 导入国务院办公厅公布的新一年放假安排。",
                   "新年份的文件（例如 2027.toml）：\n"
                   "    year = 2027\n"
                   "    source = \"国务院办公厅关于2027年部分节假日安排的通知\"\n"
                   "    holidays = [2027-01-01, [2027-02-06, 2027-02-14]]   # 单日或 [起, 止] 区间\n"
                   "    workdays = [2027-02-20]                              # 调休上班日\n"
                   "例：zhuize calendar years\n"
                   "    zhuize calendar add 2027 2027.toml    校验后放入用户文件夹，ZZ_ 日期函数随即按新日历计算\n"
                   "没有导入的年份不会按只扣周末的方式悄悄计算，而是报错说明缺哪一年。")
    cal.add_argument("action", choices=["years", "add"], metavar="years|add", help="years：列出已知年份；add：导入一年")
    cal.add_argument("year", nargs="?", type=_whole_number, metavar="年份", help="add：要导入的年份，如 2027")
    cal.add_argument("file", nargs="?", type=Path, metavar="日历文件.toml", help="add：该年的放假安排文件")
    cal.add_argument("--force", action="store_true", help="add：替换用户文件夹中已导入的同一年")
    cal.set_defaults(handler=cmd_calendar)

    demo = _command(sub, "demo", "主流程演示：生成示例集团报表，校验、汇总、归档、生成文书")
    demo.add_argument("--out", type=Path, default=Path("demo-out"), metavar="文件夹",
                      help="演示文件夹（默认 demo-out；只清空演示自己建的文件夹，其他非空文件夹需加 --force）")
    demo.add_argument("--force", action="store_true", help="清空 --out 指定的非空文件夹后运行")
    demo.add_argument("--rules", action="store_true", help="只演示规则引擎的计算示例")
    demo.set_defaults(handler=cmd_demo)

    tpl = _command(sub, "templates", "生成子企业填报模板（子企业填报模板.xlsx）")
    tpl.add_argument("--out", type=Path, required=True, metavar="文件夹", help="输出文件夹")
    tpl.add_argument("--force", action="store_true", help="替换同名的已有模板（默认另存为“…(2).xlsx”，不覆盖）")
    tpl.add_argument("--profile", default=None, metavar="标准", help="适用标准（默认为用户默认标准，出厂为 central-2026）")
    tpl.add_argument("--formulas", choices=["native", "udf"], default="native", metavar="native|udf",
                     help="native：Excel 内置函数，无需加载项（默认）；udf：调用加载项的 ZZ_ 函数")
    tpl.set_defaults(handler=cmd_templates)

    addin = _command(sub, "addin", "Excel 加载项 zhuize.xlam：生成、安装（Windows）、卸载")
    addin.add_argument("action", choices=["build", "install", "uninstall"], metavar="build|install|uninstall",
                       help="build：生成；install：安装到 Excel 启动文件夹；uninstall：卸载")
    addin.add_argument("--out", type=Path, default=Path("dist"), metavar="文件夹", help="build：输出文件夹（默认 dist）")
    addin.add_argument("--dir", type=Path, default=None, metavar="文件夹",
                       help="install/uninstall：Excel 启动文件夹（默认 %%APPDATA%%\\Microsoft\\Excel\\XLSTART）")
    addin.add_argument("--xlam", type=Path, default=None, metavar="zhuize.xlam", help="install：安装已生成的 zhuize.xlam（默认现场生成）")
    addin.set_defaults(handler=cmd_addin)

    letters = _command(sub, "letters", "生成管理提升建议书和一事一报告（Word，党政机关公文格式）",
                       "按 GB/T 9704-2012 格式生成文书。工作簿先经校验：有错误的工作簿不生成文书，并说明原因。")
    letters.add_argument("workbooks", nargs="+", type=Path, metavar="工作簿或文件夹", help="填报工作簿，或存放各单位工作簿的文件夹")
    letters.add_argument("--out", type=Path, required=True, metavar="文件夹", help="输出文件夹")
    letters.add_argument("--clue", nargs="+", metavar="线索编号", help="只生成这些线索编号的文书")
    letters.add_argument("--kind", choices=["管理提升建议书", "一事一报告"], metavar="管理提升建议书|一事一报告",
                         help="只生成这一种文书（默认两种都生成）")
    letters.add_argument("--to", metavar="主送单位", help="一事一报告的主送单位名称（不填时留待承办部门补充）")
    letters.add_argument("--date", metavar="日期",
                         help="一事一报告的成文日期，如 2026-11-23（默认今天；报告只叙述此日及以前的事实）")
    letters.add_argument("--doc-number", metavar="发文字号", help="版头的发文字号，如 某集团发〔2026〕12号（只用于一份文书）")
    letters.add_argument("--signer", metavar="姓名", help="签发人（上行文必备；默认取用户配置 [unit] 的单位负责人）")
    letters.add_argument("--cc", metavar="抄送机关", help="版记的抄送机关，如 集团公司纪委、审计部")
    letters.add_argument("--force", action="store_true", help="覆盖输出文件夹中已有的同名文书")
    letters.set_defaults(handler=cmd_letters)

    val = _command(sub, "validate", "校验填报工作簿：找出、定位并说明每一处错误", epilog=AS_OF_RULE)
    val.add_argument("inputs", nargs="+", type=Path, metavar="工作簿或文件夹", help="工作簿或文件夹（递归查找）")
    val.add_argument("--json", type=Path, metavar="报告.json", help="另存 JSON 报告（UTF-8）")
    val.add_argument("--annotate", type=Path, metavar="文件夹", help="为有错误的工作簿生成标注副本（原文件不变）")
    val.add_argument("--force", action="store_true", help="替换 --json、标注副本和退回通知处已有的同名文件（默认不覆盖）")
    val.add_argument("--as-of", metavar="日期", help="期限提醒的基准日，如 2026-11-23（默认为各文件的填报日期）")
    val.add_argument("--notices", type=Path, metavar="文件夹",
                     help="为每个退回的工作簿生成退回通知（Word）：错在哪、怎么改、何时前重报，署用户配置 [unit] 的单位名称")
    add_identity_arguments(val.add_argument_group("退回通知的署名（默认取用户文件夹 config.toml 的 [unit]；只对本次有效）"),
                           NOTICE_IDENTITY)
    val.set_defaults(handler=cmd_validate)

    roll = _command(sub, "rollup", "汇总下级报表：生成集团汇总、国资委报表，退回有错误的文件", epilog=AS_OF_RULE)
    roll.add_argument("inputs", nargs="+", type=Path, metavar="工作簿或文件夹", help="工作簿、文件夹（递归）或以前的汇总结果")
    roll.add_argument("--out", type=Path, required=True, metavar="集团汇总.xlsx", help="集团汇总输出文件")
    roll.add_argument("--sasac", type=Path, metavar="国资委报表.xlsx", help="国资委报表输出文件")
    roll.add_argument("--json", type=Path, metavar="汇总结果.json", help="汇总结果 JSON（UTF-8）")
    roll.add_argument("--archive", type=Path, metavar="归档.sqlite", help="归档库（SQLite 文件）：保存通过的报表并检查上期在办线索")
    roll.add_argument("--period", metavar="2026年度", help="报告期，如 2026年度、2026年第一季度（默认取多数文件的报告期）")
    roll.add_argument("--as-of", metavar="日期", help="逾期计算的基准日，如 2026-11-23（默认为各文件的填报日期）")
    roll.add_argument("--roster", type=Path, metavar="名单.xlsx",
                      help="应报单位名单（.xlsx 或 .csv，列名：单位名称、统一社会信用代码、层级）：列出未报的单位")
    roll.add_argument("--jobs", type=_whole_number, metavar="进程数", help="并行读取的进程数（默认按 CPU 核数，最多 4）")
    roll.add_argument("--force", action="store_true", help="替换 --out/--sasac/--json 处已有的文件（默认不覆盖，报错退出）")
    roll.add_argument("--no-cache", action="store_true",
                      help="不用汇总缓存，重新读取全部文件（缓存在归档库旁或用户文件夹，只重读有变化的文件）")
    add_form_arguments(roll)
    roll.set_defaults(handler=cmd_rollup)

    hist = _command(sub, "history", "查看某单位的报送记录（归档库）")
    hist.add_argument("unit", metavar="单位", help="单位名称或统一社会信用代码")
    hist.add_argument("--archive", type=Path, default=settings.user_home() / "archive.sqlite", metavar="归档.sqlite",
                      help="归档库（默认用户文件夹下 archive.sqlite）")
    hist.set_defaults(handler=cmd_history)

    default_archive = settings.user_home() / "archive.sqlite"
    bar = _command(sub, "barred", "禁入限制人员：任用前查询（check）、查询记录（log）")
    bar_sub = bar.add_subparsers(dest="action", metavar="操作", required=True)
    bar_check = bar_sub.add_parser("check", help="查询一个身份证号码是否在禁入期内（每次查询都登记）")
    bar_check.add_argument("id_number", metavar="身份证号码", nargs="?",
                           help="要查询的号码；不写或写 - 时从标准输入读取（终端中输入不显示），号码不会留在命令历史中")
    bar_check.add_argument("--purpose", required=True, metavar="TEXT", help="查询用途，如：拟任某公司董事")
    bar_check.add_argument("--as-of", metavar="DATE", help="基准日（默认今天）")
    bar_check.add_argument("--archive", type=Path, default=default_archive, metavar="DB",
                           help="归档库（默认用户文件夹下 archive.sqlite）")
    bar_log = bar_sub.add_parser("log", help="列出禁入查询记录（身份证号码脱敏）")
    bar_log.add_argument("--archive", type=Path, default=default_archive, metavar="DB",
                         help="归档库（默认用户文件夹下 archive.sqlite）")
    bar.set_defaults(handler=cmd_barred)

    rep = _command(sub, "report", "年度报告草稿：定期报告（periodic）、典型案例（cases）")
    rep_sub = rep.add_subparsers(dest="action", metavar="报告", required=True)
    periodic = rep_sub.add_parser("periodic", help="定期报告（或 --kind 专项报告）草稿，Word 公文格式")
    periodic.add_argument("--kind", choices=["定期报告", "专项报告"], default="定期报告")
    periodic.add_argument("--as-of", metavar="日期", help="数据截至日期，如 2026-11-23（默认为汇总时各单位最晚的填报日期）")
    periodic.add_argument("--unit-name", metavar="单位名称",
                          help="报告标题和署名的单位名称（默认取用户配置 [unit] 的 name）")
    cases = rep_sub.add_parser("cases", help="典型案例草稿：每条 报送典型案例 为 是 的线索一份")
    cases.add_argument("--mask-names", action="store_true", help="责任人姓名写作“张某”")
    cases.add_argument("--clue", nargs="+", metavar="ID", help="只生成这些线索编号的典型案例")
    for one in (periodic, cases):
        one.add_argument("--period", required=True, metavar="2026年度", help="报告期，如 2026年度、2026年上半年")
        one.add_argument("--archive", type=Path, default=default_archive, metavar="DB",
                         help="归档库（默认用户文件夹下 archive.sqlite）")
        one.add_argument("--out", type=Path, required=True, metavar="DIR", help="输出文件夹")
        one.add_argument("--force", action="store_true", help="覆盖输出文件夹中已有的同名草稿")
    rep.set_defaults(handler=cmd_report)

    from addin.web.serve import add_parser as add_serve_parser  # argparse only: the web stack loads when it runs

    add_serve_parser(sub)

    codes = sub.add_parser("codes", help="问题代码目录：每个代码的含义和改正方法")
    codes.add_argument("codes", nargs="*", metavar="CODE", help="只显示这些代码，如 ZZ-READ-DATE")
    codes.add_argument("--markdown", action="store_true", help="输出文档页（docs/problem-codes.md）")
    codes.set_defaults(handler=cmd_codes)

    man = _command(sub, "manual", "把操作手册写成一个可打印的 Word 文件",
                   "把操作手册（docs/manual 的全部章节：填报单位、集团总部、Excel 加载项、规则与日历、收报台管理、"
                   "常见问题）连同表格和图片写成一个 Word 文件“zhuize 操作手册.docx”。")
    man.add_argument("--out", type=Path, required=True, metavar="文件夹", help="输出文件夹")
    man.add_argument("--force", action="store_true", help="替换文件夹中已有的操作手册")
    man.set_defaults(handler=cmd_manual)
    return parser


class _Droppable:
    """A console stream whose reader may go away (``| head -1``, a closed terminal): what
    cannot be shown is dropped and the work goes on; the exit code still says what happened."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.closed_reader = False

    def write(self, text: str) -> int:
        if not self.closed_reader:
            try:
                return self._stream.write(text)
            except UnicodeEncodeError:  # a name in another encoding (GBK): shown readably, never a traceback
                from addin.plumbing.guard import path_text

                return self.write(path_text(text).encode(getattr(self._stream, "encoding", None) or "utf-8",
                                                         "replace").decode(getattr(self._stream, "encoding", None) or "utf-8"))
            except (BrokenPipeError, ValueError, OSError) as exc:
                if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError) \
                        and getattr(exc, "errno", None) not in (errno.EPIPE, errno.EIO, errno.ENOSPC):
                    raise
                self._lost()
        return len(text)

    def flush(self) -> None:
        if not self.closed_reader:
            try:
                self._stream.flush()
            except (BrokenPipeError, ValueError, OSError):
                self._lost()

    def _lost(self) -> None:
        self.closed_reader = True
        try:  # nothing more reaches the closed pipe, not even Python's flush at exit
            fileno = self._stream.fileno()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, fileno)
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def isatty(self) -> bool:
        try:
            return bool(self._stream.isatty())
        except (ValueError, OSError):
            return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _unraisable(info: Any) -> None:
    """An error Python can only report (a library's object closing a file on a full disk as
    it is collected): into the error log, never a traceback on the console."""
    import traceback

    from addin.plumbing.guard import error_log

    try:
        log = error_log()
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"\n=== pid {os.getpid()} ignored in {info.object!r}\n")
            handle.write("".join(traceback.format_exception(info.exc_type, info.exc_value, info.exc_traceback)))
    except Exception:  # noqa: BLE001 - nowhere to put it: dropped
        pass


def main(argv: Sequence[str] | None = None) -> int:
    saved = sys.stdout, sys.stderr
    saved_hook = sys.unraisablehook
    sys.unraisablehook = _unraisable
    if not isinstance(sys.stdout, _Droppable):
        sys.stdout = _Droppable(sys.stdout)  # type: ignore[assignment]
    if not isinstance(sys.stderr, _Droppable):
        sys.stderr = _Droppable(sys.stderr)  # type: ignore[assignment]
    try:
        code = _main(argv)
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - flushing a closed pipe changes nothing
            pass
        return code
    finally:
        import gc

        gc.collect()  # what a failed writer left behind is collected under our hook
        sys.stdout, sys.stderr = saved
        sys.unraisablehook = saved_hook


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse's own usage errors
        return EXIT_USAGE if exc.code else EXIT_OK
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    with redacted_console():  # a 身份证号码 never reaches the console, in any form
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.handler(args))
    except EngineError as exc:
        print(exc.cell_text, file=sys.stderr)
        return EXIT_ERROR
    except OutputRefused as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_USAGE
    except OutputError as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_ERROR
    except (OSError, sqlite3.Error) as exc:
        print(os_error_message(exc), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("已中断：未完成的输出没有写出", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - a defect of ours: one line, the traceback in the log
        from addin.plumbing.guard import log_internal

        log = log_internal(f"zhuize {args.command}")
        print(f"程序内部出错，未完成的输出没有写出；详细信息已记入 {log}，请把该日志发给技术支持", file=sys.stderr)
        return EXIT_ERROR


def _quiet_stdout() -> None:
    """After a broken pipe: no second error when Python flushes stdout at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
