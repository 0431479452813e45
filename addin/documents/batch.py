"""Every letter of one submission, or of a consolidated return, written safely.

For each submission: a 管理提升建议书 per row of its sheet, and a 一事一报告 per clue whose
grade requires one (or only the clues asked for).  A letter that lacks what it needs is
not written; its problems say which clue and which field.  Each file is written to a
temporary file and renamed into place, so a failure leaves nothing half-written.  Files
are named ``{unit}_{clue}_{kind}.docx`` (file-name-safe; a second letter for the same
clue gets ``_2``); a file of that name this run did not write is never replaced without
``force``.  Over a folder, the roll-up's supersession rule picks each unit's submission of a
period (``addin.rollup.consolidate.choose_latest``): a superseded one gets no letters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from udfs import vocab
from udfs.errors import EngineError
from udfs.workcalendar import WorkCalendar

from addin.plumbing.outputs import OutputError, OutputSet
from addin.documents import event_report, recommendation
from addin.documents.facts import (
    EVENT_REPORT, RECOMMENDATION, ClueCase, LetterOptions, LetterProblem, SubmissionFacts, clue_key, is_error,
)
from addin.documents.gbt9704 import OfficialDocument
from addin.documents.wording import safe_name

Progress = Callable[[int, int, str], None]
"""progress(done, total, what): called before each letter and once at the end."""

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
KINDS = (RECOMMENDATION, EVENT_REPORT)
SHEET_PROBLEMS = ("ZZ-READ-SHEET-MISSING", "ZZ-READ-SHEET")
"""Reader problems a batch passes on: without the sheet, its letters cannot be made."""


@dataclass(frozen=True)
class WrittenLetter:
    kind: str
    """管理提升建议书 or 一事一报告."""
    unit: str
    clue_id: str
    path: Path


@dataclass
class LettersResult:
    written: list[WrittenLetter] = field(default_factory=list)
    problems: list[LetterProblem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    """What the user should know although the letters were written (e.g. a workbook the
    validator rejects: the letters carry its data as it is)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        counts = {kind: sum(1 for w in self.written if w.kind == kind) for kind in KINDS}
        text = f"已生成{RECOMMENDATION}{counts[RECOMMENDATION]}份、{EVENT_REPORT}{counts[EVENT_REPORT]}份"
        if self.problems:
            text += f"；发现问题{len(self.problems)}项，相关文书未生成"
        if self.notices:
            text += f"；{len(self.notices)}个工作簿未通过校验，文书据其现有数据生成，定稿前请先改正"
        return text + "。"


@dataclass
class _Job:
    kind: str
    case: ClueCase | None
    row: Any = None  # the 管理提升建议书 row


class _Names:
    """File names unique within one run."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, unit: str, clue_id: str, kind: str) -> str:
        stem = f"{safe_name(unit)}_{safe_name(clue_id, 50)}_{kind}"
        name, n = f"{stem}.docx", 1
        while name.casefold() in self.used:
            n += 1
            name = f"{stem}_{n}.docx"
        self.used.add(name.casefold())
        return name


def _plan(facts: SubmissionFacts, clues: Sequence[str] | None,
          kinds: Sequence[str]) -> tuple[list[_Job], list[LetterProblem]]:
    wanted = None if clues is None else {clue_key(c) for c in clues if c and c.strip()}
    problems: list[LetterProblem] = []
    if wanted is not None:
        for clue_id in clues or ():
            if clue_id and clue_id.strip() and facts.case(clue_id) is None:
                problems.append(facts.problem(clue_id, "", "clue_id", "线索编号",
                                              f"「问题线索台账」中没有线索编号 {clue_id}，未生成文书",
                                              code="ZZ-LETTER-NO-CLUE"))
    jobs: list[_Job] = []
    if RECOMMENDATION in kinds:
        for row in facts.ledgers["recommendations"]:
            if wanted is None or clue_key(row.clue_id) in wanted:
                jobs.append(_Job(RECOMMENDATION, facts.case(row.clue_id), row))
    for key, case in facts.cases.items():
        if wanted is not None and key not in wanted:
            continue
        grade = case.grade
        if EVENT_REPORT in kinds and is_error(grade):
            problems.append(facts.problem(
                case.clue_id, EVENT_REPORT, "loss_grade", "损失等级",
                f"线索 {case.clue_id} 的损失等级无法计算（{str(grade).split(': ', 1)[-1]}），"
                f"无法判断是否需要{EVENT_REPORT}",
                sheet=case.clue.origin.sheet, row=case.clue.origin.row, code="ZZ-LETTER-GRADE",
            ))
        elif EVENT_REPORT in kinds and case.needs_event_report:
            jobs.append(_Job(EVENT_REPORT, case))
        elif wanted is not None and not any(job.case is case for job in jobs):
            reasons = []
            if EVENT_REPORT in kinds:
                reasons.append(f"损失等级为 {grade or vocab.GRADE_UNASSESSED}，按适用标准无需{EVENT_REPORT}")
            if RECOMMENDATION in kinds:
                reasons.append(f"「{RECOMMENDATION}」表中没有该线索")
            problems.append(facts.problem(
                case.clue_id, "", "clue_id", "线索编号",
                f"线索 {case.clue_id}：{'；'.join(reasons)}，未生成文书",
                sheet=case.clue.origin.sheet, row=case.clue.origin.row, code="ZZ-LETTER-NOTHING",
            ))
    return jobs, problems


@dataclass
class _Prepared:
    facts: SubmissionFacts
    jobs: list[_Job]


def _prepare(submission: Any, clues: Sequence[str] | None, kinds: Sequence[str], calendar: WorkCalendar | None,
             result: LettersResult) -> _Prepared | None:
    facts = SubmissionFacts(submission, calendar)
    result.problems.extend(facts.problems)
    if facts.blocked:
        return None
    jobs, problems = _plan(facts, clues, kinds)
    result.problems.extend(problems)
    return _Prepared(facts, jobs)


class LettersError(ValueError):
    """The letters cannot be written as asked (one Chinese line)."""


def _execute(prepared: Sequence[_Prepared], out_dir: str | Path, progress: Progress | None,
             options: LetterOptions, force: bool, result: LettersResult) -> LettersResult:
    names = _Names()
    folder = Path(out_dir)
    total = sum(len(p.jobs) for p in prepared)
    if options.doc_number and options.doc_number.strip() and total > 1:
        raise LettersError(f"发文字号只能用于一份文书，而本次要生成{total}份：请用 --clue 和 --kind 选定一份")
    done = 0
    written_now: list[WrittenLetter] = []
    with OutputSet(force=True) as outputs:  # every letter, or none (an existing one is refused in _write_one without --force)
        for item in prepared:
            for job in item.jobs:
                clue_id = job.case.clue_id if job.case else (job.row.clue_id or "")
                if progress is not None:
                    progress(done, total, f"{item.facts.unit} {clue_id} {job.kind}")
                done += 1
                written, problems = _write_one(item.facts, job, folder, names, outputs, options, force)
                result.problems.extend(problems)
                if written is not None:
                    written_now.append(written)
        outputs.commit()
    result.written.extend(written_now)
    if progress is not None:
        progress(total, total, result.summary())
    return result


def _options(options: LetterOptions | None, report_to: str | None, today: dt.date | None) -> LetterOptions:
    base = options or LetterOptions()
    changes = {}
    if report_to is not None:
        changes["report_to"] = report_to
    if today is not None:
        changes["date"] = today
    return replace(base, **changes) if changes else base


def _check_kinds(kinds: Sequence[str]) -> None:
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"未知文书种类 {'、'.join(unknown) or '（空）'}（可选：{'、'.join(KINDS)}）")


def write_letters(
    submission: Any,
    out_dir: str | Path,
    clues: Sequence[str] | None = None,
    progress: Progress | None = None,
    *,
    kinds: Sequence[str] = KINDS,
    report_to: str | None = None,
    today: dt.date | None = None,
    calendar: WorkCalendar | None = None,
    options: LetterOptions | None = None,
    force: bool = False,
) -> LettersResult:
    """Write the letters of one submission (a ``Submission`` from ``addin.workbook.read``) into
    ``out_dir``.  ``clues`` limits them to those 线索编号, ``kinds`` to 管理提升建议书 or
    一事一报告; ``report_to`` is the 主送单位 of the 一事一报告 (a highlighted placeholder when
    not given); ``today`` is the 一事一报告's date (default: the day it is generated);
    ``options`` the rest (发文字号, 签发人, 抄送, the unit's identity).  An existing file is
    replaced only with ``force``."""
    result = LettersResult()
    _check_kinds(kinds)
    prepared = _prepare(submission, clues, kinds, calendar, result)
    return _execute([prepared] if prepared else [], out_dir, progress, _options(options, report_to, today), force,
                    result)


def _write_one(facts: SubmissionFacts, job: _Job, folder: Path, names: _Names, outputs: OutputSet,
               options: LetterOptions, force: bool) -> tuple[WrittenLetter | None, list[LetterProblem]]:
    if job.kind == RECOMMENDATION:
        problems = recommendation.check(facts, job.row, job.case)
    else:
        assert job.case is not None
        problems = event_report.check(facts, job.case, options.day())
    if problems:
        return None, problems
    assert job.case is not None
    try:
        document: OfficialDocument
        if job.kind == RECOMMENDATION:
            document = recommendation.build(facts, job.row, job.case, options)
        else:
            document = event_report.build(facts, job.case, options)
        target = folder / names.take(facts.unit, job.case.clue_id, job.kind)
        if not force and (target.exists() or target.is_symlink()):
            raise OutputError(f"文件已存在：{target}（不是本次生成的，不覆盖；未生成任何文书。请移走该文件或换一个输出文件夹，"
                              "命令行中也可加 --force 覆盖）",
                              target)
        outputs.write(target, document.save)  # an OS error stops the batch: OutputError, one line
    except EngineError as exc:
        return None, [facts.problem(job.case.clue_id, job.kind, "", "",
                                    f"线索 {job.case.clue_id} 的{job.kind}未生成：{exc.message}")]
    return WrittenLetter(job.kind, facts.unit, job.case.clue_id, target), []


def workbooks_in(folder: str | Path) -> list[Path]:
    """The workbooks of a folder (not Excel's ~$ lock files), in name order."""
    return sorted(
        p for p in Path(folder).iterdir()
        if p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith(("~$", "."))
    )


def _load(path: Path) -> tuple[Any | None, list[LetterProblem]]:
    """A workbook read by ``addin.workbook.read``.  A file that cannot be read at all, or a missing
    sheet, is a problem here; a bad cell shows up where a letter needs its value (the
    validator reports everything else)."""
    from addin.plumbing.guard import guarded
    from addin.problems import Problem
    from addin.workbook.read import empty_submission, load_workbook

    def unreadable(code: str, message: str) -> Any:
        return empty_submission(str(path), [Problem(file=str(path), code=code, message=message)])

    submission = guarded(path, load_workbook, unreadable)
    unit = (submission.info.unit_name or "").strip() or path.stem
    errors = [p for p in submission.problems if p.severity == "error"]
    fatal = [p for p in errors if not p.sheet]
    sheets = [p for p in errors if p.sheet and p.code in SHEET_PROBLEMS]
    problems = [LetterProblem(file=str(path), unit=unit, clue_id=None, document="", field="", label="",
                              message=f"工作簿无法读取，未生成文书：{p.message}", code=p.code) for p in fatal]
    problems += [LetterProblem(file=str(path), unit=unit, clue_id=None, document="", field="", label="",
                               message=p.message, sheet=p.sheet, code=p.code) for p in sheets]
    return (None if fatal else submission), problems


def validation_notice(path: Path, submission: Any) -> str | None:
    """A sentence for a workbook the validator rejects (None when it passes): its letters
    are written from the data as it stands, and the user must know that."""
    from addin.validation.run import check_submission

    errors = [p for p in check_submission(submission, fill=False) if p.severity == "error"]
    errors += [p for p in submission.problems if p.severity == "error" and p not in errors]
    if not errors:
        return None
    first = errors[0]
    place = " ".join(filter(None, (first.place, first.message)))
    return (f"{path.name} 未通过校验（{len(errors)} 处错误，如 {place}）：文书据现有数据生成，"
            f"定稿前请先改正（zhuize validate {path.name} 查看全部）")


def write_batch(
    sources: str | Path | Iterable[Any],
    out_dir: str | Path,
    clues: Sequence[str] | None = None,
    progress: Progress | None = None,
    *,
    kinds: Sequence[str] = KINDS,
    report_to: str | None = None,
    today: dt.date | None = None,
    calendar: WorkCalendar | None = None,
    options: LetterOptions | None = None,
    force: bool = False,
) -> LettersResult:
    """All letters of a consolidated return: a folder of workbooks, or a list of
    submissions and/or workbook paths, into one folder named by unit and clue.  Of the
    workbooks one unit sent for one period only the one the roll-up takes gets letters
    (the latest 填报日期; the same content counts once; equal dates: none, a problem)."""
    if isinstance(sources, (str, Path)):
        path = Path(sources)
        items: list[Any] = workbooks_in(path) if path.is_dir() else [path]
    else:
        items = list(sources)
    result = LettersResult()
    _check_kinds(kinds)
    submissions = []
    loaded: list[tuple[Path, Any]] = []
    for item in items:
        if isinstance(item, (str, Path)):
            submission, problems = _load(Path(item))
            result.problems.extend(problems)
            if submission is not None:
                loaded.append((Path(item), submission))
        else:
            submissions.append(item)
    for path, submission in _latest(loaded, result):
        submissions.append(submission)
        notice = validation_notice(path, submission)
        if notice:
            result.notices.append(notice)
    prepared = [p for p in (_prepare(s, clues, kinds, calendar, result) for s in submissions) if p is not None]
    if clues is not None and len(prepared) > 1:
        result.problems = _merge_missing_clue_problems(result.problems, len(prepared))
    return _execute(prepared, out_dir, progress, _options(options, report_to, today), force, result)


def _latest(loaded: list[tuple[Path, Any]], result: LettersResult) -> list[tuple[Path, Any]]:
    """The workbooks the roll-up would take (``choose_latest``), in their order; the others
    are named in ``result`` (a superseded one: a notice; equal 填报日期: a problem)."""
    from addin.rollup.consolidate import choose_latest
    from addin.validation.run import sha256_of

    def unit_period(item: tuple[Path, Any]) -> Any:
        info = item[1].info
        uscc = (info.uscc or "").strip() if isinstance(info.uscc, str) else ""
        return (uscc or str(item[0]), info.report_year, info.report_period)

    choices = choose_latest(loaded, unit_period, lambda item: item[1].info.report_date, lambda item: sha256_of(item[0]))
    kept = {id(choice.latest) for choice in choices if choice.latest is not None}
    for choice in choices:
        for (copy, _), (first, _) in choice.duplicates:
            result.notices.append(f"{copy.name} 与 {first.name} 内容完全相同，只生成一次文书")
        if choice.ties:
            names = "、".join(path.name for path, _ in choice.ties)
            for path, submission in choice.ties:
                result.problems.append(LetterProblem(
                    file=str(path), unit=(submission.info.unit_name or "").strip() or path.stem, clue_id=None,
                    document="", field="report_date", label="填报日期",
                    message=f"同一单位同一报告期有多份填报日期相同的报表：{names}，无法确定以哪份为准，未生成文书；"
                            "请核实后只保留一份（重报时填写新的填报日期）",
                    code="ZZ-ROLLUP-CONFLICT"))
        latest = choice.latest or (choice.ties[0] if choice.ties else None)
        for path, submission in choice.older:
            if latest is not None:
                result.notices.append(
                    f"{path.name}（填报日期 {submission.info.report_date}）已被 {latest[0].name}（填报日期 "
                    f"{latest[1].info.report_date}）替代，与汇总相同不再计入，未生成文书")
    return [item for item in loaded if id(item) in kept]


def _merge_missing_clue_problems(problems: list[LetterProblem], count: int) -> list[LetterProblem]:
    """In a batch, a selected clue missing from some units is only a problem if no unit has it."""
    missing = [p for p in problems if p.code == "ZZ-LETTER-NO-CLUE" and not p.document]
    others = [p for p in problems if p not in missing]
    by_clue: dict[str | None, list[LetterProblem]] = {}
    for p in missing:
        by_clue.setdefault(clue_key(p.clue_id), []).append(p)
    kept = [group[0] for group in by_clue.values() if len(group) == count]
    return others + [LetterProblem(file="", unit="", clue_id=p.clue_id, document="", field=p.field, label=p.label,
                                   message=f"各单位的「问题线索台账」中都没有线索编号 {p.clue_id}，未生成文书",
                                   code=p.code) for p in kept]
