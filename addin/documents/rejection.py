"""退回通知: a printable notice to a unit whose submission was refused — what was wrong,
where (sheet and cell), how to fix it (the problem-code catalogue's fix), and by when —
laid out after GB/T 9704-2012 (``addin.documents.gbt9704``) and signed with the reporting
unit's identity (``addin.returns.identity``).

    notice = RejectionNotice(unit, uscc, period, file_name, errors, issued)
    write_notice(notice, identity, path)          one .docx
    notice_name(notice)                           退回通知_<unit>_<period>.docx

``errors`` are problems as the validator's JSON gives them (``problem_json``: code, sheet,
cell, message), so the 收报台 (its stored verdicts) and ``zhuize validate --notices`` (its
reports) make the same notice.  The deadline is ``DEFAULT_WORKDAYS`` working days after the
notice's date on the work calendar (``udfs.workcalendar``), unless one is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.text.paragraph import Paragraph

from addin.documents.gbt9704 import OfficialDocument, Placeholder, Segment
from addin.documents.wording import Redactor, chinese_date, safe_name
from addin.returns.identity import LABELS, UnitIdentity
from addin.problems import CATALOGUE

DEFAULT_WORKDAYS = 5
"""Working days a unit has to send the corrected workbook."""
MAX_LISTED = 100
"""Problems listed one by one; the rest are counted (the annotated copy has them all)."""


@dataclass(frozen=True)
class RejectionNotice:
    unit: str
    uscc: str
    period: str
    """As the roll-up writes it (2026-年度) or already readable (2026年度)."""
    file_name: str
    errors: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    issued: dt.date = field(default_factory=dt.date.today)
    deadline: dt.date | None = None
    received: str = ""
    """When the submission arrived (2026-11-23 or 2026-11-23T10:00:00), "" when not known."""


def period_text(label: str) -> str:
    """2026-年度 → 2026年度; 2026-第一季度 → 2026年第一季度."""
    year, dash, name = label.partition("-")
    if not dash:
        return label
    return f"{year}{name}" if name.startswith("年") else f"{year}年{name}"


def deadline_of(notice: RejectionNotice) -> dt.date:
    if notice.deadline is not None:
        return notice.deadline
    from udfs.workcalendar import default_calendar

    return default_calendar().workday(notice.issued, DEFAULT_WORKDAYS)


def fix_text(code: str) -> str:
    info = CATALOGUE.get(code)
    return info.fix if info is not None else ""


def notice_name(notice: RejectionNotice) -> str:
    unit = safe_name(notice.unit or Path(notice.file_name).stem or "报表", 40)
    period = safe_name(period_text(notice.period), 20) if notice.period else "报告期未填"
    return f"退回通知_{unit}_{period}.docx"


def _identity_segment(identity: UnitIdentity, key: str) -> Segment:
    value = getattr(identity, key)
    return value if value else Placeholder(LABELS[key])


def _place(error: Mapping[str, Any]) -> str:
    sheet, cell = error.get("sheet") or "", error.get("cell") or ""
    if sheet and cell:
        return f"「{sheet}」{cell}"
    return f"「{sheet}」" if sheet else "整个文件"


COLUMN_WIDTHS_MM = (14, 36, 53, 53)
"""序号, 位置, 问题, 怎么改: together the 156 mm 版心."""


def _widths(table: Any, widths: Sequence[float]) -> None:
    from docx.shared import Mm

    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Mm(width)
    for column, width in zip(table.columns, widths):
        column.width = Mm(width)
    for row in table.rows[1:]:  # the problem and the fix are sentences: flush left
        for cell in row.cells[2:]:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT


def build_notice(notice: RejectionNotice, identity: UnitIdentity) -> OfficialDocument:
    document = OfficialDocument(Redactor())
    period = period_text(notice.period) if notice.period else ""
    document.title(f"关于退回{period}报表的通知")
    document.blank()
    document.addressee(notice.unit or Placeholder("报送单位名称"))
    received = notice.received[:10]
    when = ""
    if received:
        try:
            when = f"于{chinese_date(dt.date.fromisoformat(received))}"
        except ValueError:
            when = ""
    errors = list(notice.errors)
    deadline = deadline_of(notice)
    document.body(f"你单位{when}报送的{period}报表（文件“{notice.file_name}”）经校验有 {len(errors)} 处错误，"
                  "未能计入汇总，现予退回。请按下列说明逐项改正，于",
                  chinese_date(deadline), "前重新报送。")
    document.heading_1("需要改正的问题")
    rows = []
    for number, error in enumerate(errors[:MAX_LISTED], start=1):
        code = str(error.get("code") or "")
        rows.append((str(number), _place(error), str(error.get("message") or ""), fix_text(code) or "—"))
    table = document.table("错误所在位置及改正方法", ("序号", "位置", "问题", "怎么改"), rows)
    _widths(table, COLUMN_WIDTHS_MM)
    if len(errors) > MAX_LISTED:
        document.body(f"另有 {len(errors) - MAX_LISTED} 处错误未逐条列出，请见收报台上该报表的校验结果或校验标注副本。")
    document.heading_1("重新报送要求")
    document.body("请在原工作簿上改正以上各处，将「填报信息」中的填报日期改为改正当日，另存后重新报送"
                  "（同一报告期以填报日期较晚的报表为准）。")
    last = document.body("联系人：", _identity_segment(identity, "preparer"), "，联系电话：",
                         _identity_segment(identity, "phone"), "。")
    issuer, _ = document.signature(identity.name or LABELS["name"] + "（待补充）", notice.issued)
    # GB/T 9704-2012 7.3.5: the signature never alone on a page — the last lines go with it
    for paragraph in (last, issuer._p.getprevious(), issuer):
        paragraph = paragraph if hasattr(paragraph, "paragraph_format") else Paragraph(paragraph, issuer._parent)
        paragraph.paragraph_format.keep_with_next = True
    document.describe(title=f"退回通知：{notice.unit}", author=identity.name or "", subject=period,
                      created=dt.datetime.combine(notice.issued, dt.time(9, 0)))
    return document


def write_notice(notice: RejectionNotice, identity: UnitIdentity, path: str | Path) -> Path:
    """The notice as a .docx at ``path`` (written as given: the caller decides on replacing)."""
    target = Path(path)
    build_notice(notice, identity).save(target)
    return target


def notice_bytes(notice: RejectionNotice, identity: UnitIdentity) -> bytes:
    """The notice's .docx as bytes (the 收报台 sends it without keeping a file)."""
    import io

    buffer = io.BytesIO()
    build_notice(notice, identity).doc.save(buffer)
    return buffer.getvalue()


def notices_for(reports: Sequence[Any], issued: dt.date | None = None) -> list[RejectionNotice]:
    """A notice for each refused file of ``zhuize validate`` (``FileReport``s): the unit and
    period read again from its 填报信息 (a file that cannot be read is named by its file name)."""
    from addin.validation.report import problem_json
    from addin.validation.run import validate_file

    day = issued or dt.date.today()
    made = []
    for report in reports:
        if report.status == "valid":
            continue
        info = None
        if report.status == "invalid":
            _, submission = validate_file(Path(report.path))
            info = getattr(submission, "info", None)
        year, name = getattr(info, "report_year", None), getattr(info, "report_period", None)
        unit = str(getattr(info, "unit_name", "") or "")
        made.append(RejectionNotice(unit, str(getattr(info, "uscc", "") or ""),
                                    f"{year}-{name}" if year and name else "", Path(report.path).name,
                                    tuple(problem_json(p) for p in report.errors), day))
    return made
