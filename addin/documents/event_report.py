"""一事一报告: the report to the superior on one clue whose loss grade requires it (the
profile's ``one_event_report.grades``: 较大 and 重大 by default).

    一、线索来源及受理情况   受理日期, 线索来源, 编号, 类别, 处置方式, 办理阶段
    二、问题基本情况         问题事实 (问题摘要, 主要问题), 涉及单位和人员 (names only)
    三、资产损失情况及认定依据 每笔损失: 类型, 金额, 认定依据, 认定机构, 认定日期; 或有损失 flagged
    四、原因分析             the 管理提升建议书's 需关注的监管风险 where there is one
    五、已采取的措施及下一步工作 损失认定, 责任认定与处理, 整改, 报告时限 (ZZ_REPORT_DEADLINE)

What the ledgers do not hold (time and place, causes, next steps) is a highlighted
（待承办部门补充：…） for the handler, never an invented fact.  身份证号码 are never written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from udfs import vocab

from addin.returns.identity import MISSING

from addin.documents.facts import EVENT_REPORT, ClueCase, LetterOptions, LetterProblem, SubmissionFacts, is_error
from addin.documents.gbt9704 import Note, OfficialDocument, Placeholder, Segment
from addin.documents.wording import (
    UNCHECKED, UNCHECKED_RULE, chinese_date, cite, cite_rule, is_unchecked, paragraphs, percent, sentence, wan,
)

CLUE_FIELDS = ("received_date", "source", "unit_name", "summary")
LOSS_FIELDS = ("loss_type", "loss_amount", "basis", "assessor", "assessed_date")
PERSON_FIELDS = ("name", "responsibility")
CONTINGENT = "或有损失"
CONTINGENT_BASIS = "中介机构报告"

_LEVEL_TEXT = {"本级": "填报单位本级", "二级": "二级企业", "三级及以下": "三级及以下企业"}
_STATUS_TEXT = {"已调任": "现已调任", "已离职": "现已离职", "已退休": "现已退休"}


def check(facts: SubmissionFacts, case: ClueCase, day: dt.date | None = None) -> list[LetterProblem]:
    """What keeps this report from being written (empty when it can be)."""
    clue_id = case.clue_id
    problems = facts.missing(case.clue, CLUE_FIELDS, clue_id, EVENT_REPORT, "clues")
    received = case.clue.received_date
    if day is not None and isinstance(received, dt.date) and received > day:
        problems.append(facts.problem(
            clue_id, EVENT_REPORT, "received_date", "受理日期",
            f"线索 {clue_id} 的{EVENT_REPORT}未生成：受理日期 {chinese_date(received)} 晚于报告日期 "
            f"{chinese_date(day)}，报告不能叙述其日期之后的事实（换一个 --date）",
            sheet=case.clue.origin.sheet, row=case.clue.origin.row, code="ZZ-LETTER-DATE",
        ))
    if not case.losses:
        basis = "按预估损失金额" if case.graded_on_estimate else ""
        problems.append(facts.problem(
            clue_id, EVENT_REPORT, "loss_amount", "损失金额（万元）",
            f"线索 {clue_id} 的{EVENT_REPORT}未生成：损失等级为 {case.grade}（{basis or '需一事一报告'}），"
            f"但「资产损失认定」表中没有该线索的损失认定行，报告无法写明损失金额、认定依据、认定机构和认定日期",
            sheet=case.clue.origin.sheet, row=case.clue.origin.row, code="ZZ-LETTER-NO-LOSS",
        ))
    for row in case.losses:
        problems += facts.missing(row, LOSS_FIELDS, clue_id, EVENT_REPORT, "losses")
    for person in case.people:
        problems += facts.missing(person.record, PERSON_FIELDS, clue_id, EVENT_REPORT, "accountability")
    received = case.clue.received_date
    if received is not None:
        for kind, value in _report_deadlines(facts, case, received).items():
            if value is not None and not isinstance(value, dt.date):
                problems.append(facts.problem(
                    clue_id, EVENT_REPORT, "received_date", "受理日期",
                    f"线索 {clue_id} 的{EVENT_REPORT}未生成：无法计算{kind}截止日：{str(value).split(': ', 1)[-1]}",
                    sheet=case.clue.origin.sheet, row=case.clue.origin.row, code="ZZ-LETTER-DEADLINE",
                ))
                break
    return problems


def _report_deadlines(facts: SubmissionFacts, case: ClueCase, received: dt.date) -> dict[str, Any]:
    """The real-time report deadlines, None outside the real-time scope (116号: 重大, or 较大
    with 严重不良后果) — a 一事一报告 of the broader scope has no day count (第一时间)."""
    grade = case.grade if case.grade in vocab.GRADES else None
    if grade is None:
        return {kind: None for kind in vocab.REPORT_KINDS}
    return facts.report_deadlines(received, grade, getattr(case.clue, "consequence_grade", None))


def area(case: ClueCase) -> str:
    category = case.clue.violation_category
    return f"{category}方面" if category and category != "其他" else ""


def report_date(options: LetterOptions) -> dt.date:
    """The date the report bears: the day it is generated, or the one given (``--date``)."""
    return options.day()


def earlier_reports(case: ClueCase, day: dt.date) -> list[tuple[str, dt.date]]:
    """What the ledger records as already reported before ``day`` (快报日期, 一事一报告日期):
    a report dated ``day`` then is a 续报."""
    found = []
    for label, value in (("快报", getattr(case.clue, "flash_date", None)),
                         (EVENT_REPORT, case.clue.event_report_date)):
        if isinstance(value, dt.date) and value < day:
            found.append((label, value))
    return sorted(found, key=lambda item: item[1])


UNCHECKED_RANGE = f"（{UNCHECKED}：该扣减范围所依据的规定尚未与正式文本核对，定稿前请核对并删除本注）"


def _unchecked_mark(facts: SubmissionFacts, grade: str, responsibility: Any, loss_grade: Any = None) -> list[Segment]:
    """A highlighted note where the handling rule behind a range was not compared with the
    official text (or, handled at a case grade above the loss grade, the keying on the case
    grade was not) — never plain text."""
    profile = facts.profile
    if profile is None or responsibility not in vocab.RESPONSIBILITIES:
        return []
    keying = profile.case_grade_handling
    if keying is not None and loss_grade is not None and grade != loss_grade and not keying.checked:
        return [Note(UNCHECKED_RANGE)]
    return [] if profile.handling_for(grade, responsibility).checked else [Note(UNCHECKED_RANGE)]


def _person_line(facts: SubmissionFacts, case: ClueCase, person: Any) -> list[Segment]:
    r, computed = person.record, person.computed
    head = r.name.strip()
    post = f"{r.unit or ''}{r.position or ''}"
    if post:
        head += f"，时任{post}"
    if r.is_enterprise_head:
        head += "（企业负责人）"
    status = _STATUS_TEXT.get(r.employment_status or "")
    if status:
        head += f"，{status}"
    parts: list[list[Segment]] = [[f"{head}，认定为{r.responsibility}"]]
    if getattr(r, "exempt", False):
        # 可以免责 (Order 46, summaries): a decision someone made, never automatic
        parts.append(["经认定予以尽职合规免责"])
    if r.measure and r.measure != vocab.MEASURE_NONE:
        measure = f"组织处理：{r.measure}"
        end = computed.get("influence_end")
        if isinstance(end, dt.date):
            measure += f"（影响期至{chinese_date(end)}）"
        parts.append([measure])
    elif r.measure == vocab.MEASURE_NONE:
        parts.append(["未作组织处理"])
    grade = computed.get("case_grade", case.grade)  # the grade the person is handled at
    graded = isinstance(grade, str) and grade in vocab.GRADES
    if r.pay_ratio is not None:
        allowed = facts.deduction_range(grade, r.responsibility, vocab.PAY_ITEMS[0]) if graded else None
        note: list[Segment] = [f"（规定范围{allowed}）", *_unchecked_mark(facts, grade, r.responsibility, case.grade)] \
            if allowed else []
        if r.pay_ratio > 0:
            amount = computed.get("pay_deduction")
            money = f"，计{wan(amount)}" if isinstance(amount, (int, float)) else ""
            parts.append([f"扣减绩效年薪{percent(r.pay_ratio)}", *note, money])
        else:
            parts.append(["未扣减绩效年薪", *note])
    if r.term_ratio:
        allowed = facts.deduction_range(grade, r.responsibility, vocab.PAY_ITEMS[1]) if graded else None
        note = [f"（规定范围{allowed}）", *_unchecked_mark(facts, grade, r.responsibility, case.grade)] \
            if allowed else []
        money = f"，计{wan(r.term_base * r.term_ratio)}" if r.term_base is not None else ""
        parts.append([f"扣减任期激励{percent(r.term_ratio)}", *note, money])
    lti = computed.get("lti")
    if isinstance(lti, str) and lti and lti != "无" and not is_error(lti):
        parts.append([f"按规定中长期激励处理：{lti}"])
    if r.ban_term and r.ban_term != vocab.MEASURE_NONE:
        parts.append([f"禁入限制{r.ban_term}"])
    if r.discipline:
        parts.append([f"纪律处分：{r.discipline.strip().rstrip('。')}"])
    if r.referred_judicial:
        parts.append(["已移送司法机关"])
    if r.aggravating:
        parts.append(["有从重加重情节"])
    if r.mitigating:
        parts.append(["有从轻减轻免除情节"])
    segments: list[Segment] = []
    for i, part in enumerate(parts):
        segments += (["；"] if i else []) + part
    tail = ""
    if r.decision_date is not None:
        tail += f"。处理决定日期为{chinese_date(r.decision_date)}"
    if r.appealed:
        tail += "，本人已提出申诉"
    return segments + [tail + "。"]


def _finding_line(finding: Any, day: dt.date, current: bool) -> str:
    """One 审计整改 problem as it stood on ``day``: its stage and result (which the ledger
    records as of its 填报日期) only when ``current`` (the report is not dated before it)."""
    r, computed = finding.record, finding.computed
    description = (r.description or "").strip().rstrip("。；;，,")
    head = f"{r.document_no}指出的" if r.document_no else ""
    text = f"{head}“{description}”问题"
    if r.finding_id:
        text += f"（问题编号：{r.finding_id}）"
    details = []
    if r.responsible_unit:
        details.append(f"整改责任单位为{r.responsible_unit}")
    if r.responsible_person:
        details.append(f"整改责任人为{r.responsible_person}")
    if r.measures:
        details.append(f"整改措施为{r.measures.strip().rstrip('。')}")
    status = []
    deadline = computed.get("deadline")
    if isinstance(deadline, dt.date):
        status.append(f"整改期限为{chinese_date(deadline)}")
    if current and r.stage:
        status.append(f"目前处于{r.stage}阶段")
    result = computed.get("result")
    if current and isinstance(result, str) and not is_error(result):
        status.append(f"整改结果为{result}")
    if current and r.corrected_amount:
        status.append(f"已纠正金额{wan(r.corrected_amount)}")
    if r.closed_date is not None and r.closed_date <= day:
        status.append(f"已于{chinese_date(r.closed_date)}销号")
    if current and computed.get("overdue") is True:
        status.append("已逾期")
    body = "，".join(details)
    if status:
        body = f"{body}；{'，'.join(status)}" if body else "，".join(status)
    return f"{text}：{body}。" if body else f"{text}。"


def letterhead(doc: OfficialDocument, issuer: str, options: LetterOptions) -> None:
    """版头 of an upward document: 发文机关标志, 发文字号 and 签发人 (required upward: a highlighted
    note where none is given or configured)."""
    number: Segment = options.doc_number.strip() if options.doc_number and options.doc_number.strip() \
        else Note("（待补充：发文字号）")
    signer = options.signer_for(issuer)
    doc.letterhead(f"{issuer}文件", number, signer or Note(MISSING))


def build(facts: SubmissionFacts, whole: ClueCase, options: LetterOptions | None = None) -> OfficialDocument:
    """The report dated ``options.date`` (default today), telling only what was true on it."""
    options = options or LetterOptions()
    day = report_date(options)
    case = whole.known_on(day)
    clue = case.clue
    # what the ledger says of the clue's current state holds from its 填报日期 on
    ledger_day = facts.info.report_date
    current = not isinstance(ledger_day, dt.date) or day >= ledger_day
    profile = facts.profile
    assert profile is not None  # no case is gathered without a profile
    regulation = cite(profile.title)
    unit = clue.unit_name.strip()
    issuer = facts.issuer or ""
    subject = f"{unit}{area(case)}违规问题"
    doc = OfficialDocument(redact=facts.redact)
    earlier = earlier_reports(case, day)

    letterhead(doc, issuer, options)
    doc.title(f"关于{subject}的报告")
    doc.subtitle(f"（{EVENT_REPORT}·续报）" if earlier else f"（{EVENT_REPORT}）")
    doc.blank()
    superior = facts.superior if case.jurisdiction != "出资人机构" else None
    report_to = options.report_to
    addressee: Segment = report_to.strip() if report_to and report_to.strip() else superior or Placeholder(
        f"主送{case.jurisdiction or '上级单位'}名称")
    doc.addressee(addressee)
    if earlier:
        done = "，".join(f"{chinese_date(when)}报送{label}" for label, when in earlier)
        doc.body(f"根据{regulation}有关规定，{issuer}已于{done}。现将{subject}有关进展情况续报如下：")
    else:
        doc.body(f"根据{regulation}有关规定，现将{subject}有关情况报告如下：")

    # 一、线索来源及受理情况
    doc.heading_1("线索来源及受理情况")
    doc.body(f"{chinese_date(clue.received_date)}，{issuer}受理{subject}线索（线索编号：{case.clue_id}，"
             f"线索来源：{clue.source}）。")
    facts_line = f"该问题属于{clue.violation_category}方面违规情形" if clue.violation_category else "该问题"
    if clue.key_area and clue.key_area != "无":
        facts_line += f"，涉及{clue.key_area}重点领域"
    if clue.amount_involved is not None:
        facts_line += f"，涉及金额{wan(clue.amount_involved)}"
    stage = []
    if current and clue.disposal:
        stage.append(f"处置方式为{clue.disposal}")
    closed = getattr(clue, "closed_date", None)
    if current and clue.stage and not (isinstance(closed, dt.date) and closed > day):
        stage.append(f"办理阶段为{clue.stage}")
    if clue.filed_date is not None and clue.filed_date <= day:
        stage.append(f"已于{chinese_date(clue.filed_date)}立项核查")
    if clue.department:
        stage.append(f"承办部门为{clue.department}")
    if clue.handler:
        stage.append(f"承办人为{clue.handler}")
    doc.body(f"{facts_line}。" + (f"目前{'，'.join(stage)}。" if stage else ""))

    # 二、问题基本情况
    doc.heading_1("问题基本情况")
    summary = clue.summary.strip()
    doc.heading_2("问题事实。", sentence(summary))
    for row in case.recommendations:
        texts = paragraphs(row.main_problems or "")
        if texts and "".join(texts) != summary:
            for text in texts:
                doc.body(sentence(text))
    doc.body("问题发生的时间、地点和主要经过：", Placeholder("问题发生的具体时间、地点和主要经过"), "。")
    level = _LEVEL_TEXT.get(clue.unit_level or "", clue.unit_level or "")
    involved = f"涉事单位为{unit}" + (f"（{level}）" if level else "") + "。"
    if case.people:
        names = "、".join(p.record.name.strip() for p in case.people)
        doc.heading_2("涉及单位和人员。", involved, f"经认定，涉及责任人员{len(case.people)}名：{names}（具体见本报告第五部分）。")
    else:
        doc.heading_2("涉及单位和人员。", involved, "涉及人员：", Placeholder("涉及的有关人员情况"), "。")

    # 三、资产损失情况及认定依据
    doc.heading_1("资产损失情况及认定依据")
    grade = case.grade if len(case.losses) == len(whole.losses) else _grade_on(facts, case)
    if case.losses:
        by_type = case.loss_by_type()
        text = f"经认定，上述问题造成资产损失共计{wan(case.total_loss)}"
        if len(by_type) > 1:
            text += "（其中" + "、".join(f"{kind}{wan(amount)}" for kind, amount in by_type) + "）"
        if case.recovered > 0:
            text += f"，已挽回{wan(case.recovered)}"
        text += f"。按照{regulation}，损失等级为{grade}"
        if case.jurisdiction and grade == whole.grade:
            text += f"，应由{case.jurisdiction}开展责任追究工作"
        doc.body(text + "。各项损失的认定情况如下：")
    else:
        estimate = clue.estimated_loss
        doc.body("资产损失尚在认定中" + (f"，预估损失{wan(estimate)}" if estimate is not None else "") + "。")
    for row in case.losses:
        line = (f"{row.loss_type}{wan(row.loss_amount)}，认定依据为{row.basis}，认定机构为{row.assessor.strip()}，"
                f"认定日期为{chinese_date(row.assessed_date)}")
        if row.recovered_amount:
            line += f"，已挽回{wan(row.recovered_amount)}"
        if row.loss_type == CONTINGENT:
            line += "。该项为或有损失，尚未实际发生"
            if row.basis == CONTINGENT_BASIS:
                doc.item(line + "，经中介机构评估确认将会发生且金额能够可靠计量。")
            else:
                doc.item(line + "。", Placeholder("或有损失须经中介机构评估确认将会发生且能可靠计量，请补充中介机构报告"))
        else:
            doc.item(line + "。")

    # 四、原因分析
    doc.heading_1("原因分析")
    risks = [text for row in case.recommendations for text in paragraphs(row.regulatory_risks or "")]
    if risks:
        doc.body("从已掌握的情况看，问题暴露出以下制度和管理方面的漏洞：")
        for text in risks:
            doc.body(sentence(text))
    doc.body("问题发生的原因：", Placeholder("问题发生的主观原因和客观原因，相关单位和人员的履职情况"), "。")

    # 五、已采取的措施及下一步工作
    doc.heading_1("已采取的措施及下一步工作")
    if case.losses:
        unrecovered = round(case.total_loss - case.recovered, 4)
        loss_text = f"已完成资产损失认定{len(case.losses)}项，认定损失共计{wan(case.total_loss)}"
        if case.recovered > 0:
            loss_text += f"，已挽回{wan(case.recovered)}"
        if unrecovered > 0:
            loss_text += f"，尚未挽回{wan(unrecovered)}"
        doc.heading_2("资产损失认定。", loss_text + "。")
    else:
        doc.heading_2("资产损失认定。", "资产损失认定工作进展：", Placeholder("资产损失认定工作进展"), "。")
    if case.people:
        doc.heading_2("责任认定与处理。", f"已对{len(case.people)}名责任人员作出责任认定：")
        for person in case.people:
            doc.item(*_person_line(facts, case, person))
    else:
        doc.heading_2("责任认定与处理。", "责任认定工作进展：", Placeholder("责任认定和处理进展"), "。")
    if case.findings:
        doc.heading_2("问题整改。", f"本线索关联审计整改问题{len(case.findings)}个：")
        for finding in case.findings:
            doc.item(_finding_line(finding, day, current))
    else:
        doc.heading_2("问题整改。", "整改措施和进展：", Placeholder("问题整改措施和进展"), "。")
    deadlines = _report_deadlines(facts, case, clue.received_date)
    rules = profile.deadlines
    extension = rules.initial_report.extension_max_workdays if rules.initial_report is not None else None
    due = [f"{label}应于{chinese_date(deadlines[kind])}前报送"
           for kind, label in (("快报", "实时报告快报"), ("实时报告", "实时报告"), ("初核报告", "初核报告"))
           if isinstance(deadlines.get(kind), dt.date)]
    if due:
        basis = cite_rule(profile.title)
        unchecked = is_unchecked(rules.flash_report, rules.full_report, rules.initial_report)
        doc.heading_2(
            "报告时限。",
            f"按照{basis}",
            *([Note(UNCHECKED_RULE)] if unchecked else []),
            f"，本事项自{chinese_date(clue.received_date)}受理起按法定工作日计算"
            "（扣除法定节假日，计入调休上班日），" + "，".join(due)
            + (f"（可延长不超过{extension}个工作日）" if extension else "") + "。",
        )
    elif profile.real_time_report is not None and case.grade in vocab.GRADES:
        # a 一事一报告 outside the real-time scope (116号): 第一时间, no day count — said, not left out
        doc.heading_2(
            "报告时限。",
            f"本事项不属于实时报告范围（重大资产损失或产生严重不良后果的较大资产损失，"
            f"{cite_rule(profile.title, profile.real_time_report)}）",
            *([Note(UNCHECKED_RULE)] if is_unchecked(profile.real_time_report) else []),
            "，应第一时间报告，不适用快报、实时报告和初核报告的工作日时限。",
        )
    doc.heading_2("下一步工作。", Placeholder("下一步工作安排及时间节点"))

    doc.signature(issuer, day)
    preparer, phone = facts.info.preparer, facts.info.phone
    if preparer and phone:
        doc.note(f"联系人：{preparer}，联系电话：{phone}")
    doc.imprint(issuer, day, options.copies_to)
    doc.describe(title=f"关于{subject}的报告（{EVENT_REPORT}，{case.clue_id}）", author=issuer, subject=subject)
    return doc


def _grade_on(facts: SubmissionFacts, case: ClueCase) -> Any:
    """The loss grade of the losses assessed by the report's date (the engine's ZZ_LOSS_GRADE)."""
    if not case.losses:
        return vocab.GRADE_UNASSESSED
    return facts.recompute.loss_grades([(case.total_loss, case.losses[0].prior_year_assets)])[0]
