"""管理提升建议书: one per row of the 管理提升建议书 sheet, in the reference format attached
to 桂国资监督〔2022〕7号 (附件：管理提升建议书（参考格式）):

    XX公司：
    为做深责任追究成果运用后半篇文章，……针对XX问题，深入挖掘反映的监管风险，研究提出了
    相关工作建议，进一步强化“治已病、防未病”作用。
    一、主要问题 — 问题移送时间，移送方，问题情形，造成的资产损失或不良后果
    二、需关注的监管风险 — 制度建设、执行实施、监督检查、风险应对等方面的漏洞、缺失和不足
    三、有关工作建议 — 完善制度、细化流程、规范授权、加强管控、过程监测等方面的管理建议

问题情形 and the losses come from the ledgers (the clue's 问题摘要; its 资产损失认定 rows,
summed and by type; its grade by the engine); the risks and suggestions are the row's text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from addin.documents.facts import RECOMMENDATION, ClueCase, LetterOptions, LetterProblem, SubmissionFacts, is_error
from addin.documents.gbt9704 import Note, OfficialDocument, Segment
from addin.documents.wording import UNCHECKED_RULE, chinese_date, cite_rule, is_unchecked, paragraphs, sentence, wan

REQUIRED = ("recipient", "transfer_date", "transferred_by", "main_problems", "regulatory_risks", "suggestions",
            "issued_date")

INTRO = (
    "为做深责任追究成果运用后半篇文章，形成以追责为“再起点”的联动机制，针对{subject}问题，"
    "深入挖掘反映的监管风险，研究提出了相关工作建议，进一步强化“治已病、防未病”作用。"
)


def check(facts: SubmissionFacts, row: Any, case: ClueCase | None) -> list[LetterProblem]:
    """What keeps this letter from being written (empty when it can be)."""
    clue_id = row.clue_id
    problems = facts.missing(row, ("clue_id",), None, RECOMMENDATION, "recommendations")
    if problems:
        return problems
    if case is None:
        return [facts.problem(clue_id, RECOMMENDATION, "clue_id", "线索编号",
                              f"线索 {clue_id} 的{RECOMMENDATION}未生成：「问题线索台账」中没有线索编号 {clue_id}",
                              sheet=row.origin.sheet, row=row.origin.row, code="ZZ-LETTER-NO-CLUE")]
    return facts.missing(row, REQUIRED, clue_id, RECOMMENDATION, "recommendations")


def subject(case: ClueCase) -> str:
    """XX问题: the unit and the area, e.g. 示例能源销售公司购销管理方面."""
    clue = case.clue
    unit = clue.unit_name or ""
    category = clue.violation_category
    area = f"{category}方面" if category and category != "其他" else "有关"
    return f"{unit}{area}"


def loss_sentence(facts: SubmissionFacts, case: ClueCase) -> list[Segment]:
    """造成的资产损失或不良后果, from the 资产损失认定 rows (or the estimate while none)."""
    clue = case.clue
    if case.losses:
        parts = "、".join(f"{kind}{wan(amount)}" for kind, amount in case.loss_by_type())
        text = f"经认定，上述问题造成资产损失共计{wan(case.total_loss)}"
        if len(case.loss_by_type()) > 1 or any(kind != "直接损失" for kind, _ in case.loss_by_type()):
            text += f"（其中{parts}）"
        if case.recovered > 0:
            text += f"，已挽回{wan(case.recovered)}"
        grade = case.grade
        if isinstance(grade, str) and not is_error(grade) and facts.profile is not None:
            note: list[Segment] = [Note(UNCHECKED_RULE)] if is_unchecked(facts.profile.loss_grade) else []
            return [text + f"，按照{cite_rule(facts.profile.title)}", *note, f"，属于{grade}资产损失。"]
        return [text + "。"]
    pieces = []
    if clue.amount_involved is not None:
        pieces.append(f"上述问题涉及金额{wan(clue.amount_involved)}")
    if clue.estimated_loss is not None:
        pieces.append(f"预估损失{wan(clue.estimated_loss)}")
    head = "，".join(pieces) if pieces else "上述问题"
    return [f"{head}，资产损失尚未认定。"]


def feedback_due(row: Any, options: LetterOptions) -> dt.date:
    """The day written feedback is asked by: ``options.feedback_days`` after the letter's date."""
    return row.issued_date + dt.timedelta(days=options.feedback_days)


def build(facts: SubmissionFacts, row: Any, whole: ClueCase, options: LetterOptions | None = None) -> OfficialDocument:
    """The letter dated its 出具日期, telling only what was true on it; a 版头 (发文字号) and
    版记 when ``options`` give a 发文字号 or 抄送."""
    options = options or LetterOptions()
    case = whole.known_on(row.issued_date)
    clue = case.clue
    issuer = facts.issuer or ""
    doc = OfficialDocument(redact=facts.redact)
    number = options.doc_number.strip() if options.doc_number and options.doc_number.strip() else None
    if number:
        doc.letterhead(f"{issuer}文件", number)
    doc.title(RECOMMENDATION)
    doc.blank()
    doc.addressee(row.recipient.strip())
    doc.body(INTRO.format(subject=subject(case)))

    doc.heading_1("主要问题")
    transfer = (
        f"{chinese_date(row.transfer_date)}，{row.transferred_by.strip()}移送{subject(case)}问题线索"
        f"（线索编号：{case.clue_id}）。"
    )
    summary = (clue.summary or "").strip()
    doc.body(transfer + (f"主要情形是：{sentence(summary)}" if summary else ""))
    problems_text = paragraphs(row.main_problems)
    if "".join(problems_text) != summary:
        for text in problems_text:
            doc.body(sentence(text))
    doc.body(*loss_sentence(facts, case))

    doc.heading_1("需关注的监管风险")
    doc.body(f"在督促指导整改问题的同时，对{subject(case)}问题进行深入研究分析，提出如下需关注的监管风险：")
    for text in paragraphs(row.regulatory_risks):
        doc.body(sentence(text))

    doc.heading_1("有关工作建议")
    doc.body("针对上述监管风险，提出以下工作建议：")
    for text in paragraphs(row.suggestions):
        doc.body(sentence(text))
    doc.body(f"请于{chinese_date(feedback_due(row, options))}前将建议采纳情况和整改落实情况书面反馈{issuer}。")

    doc.signature(issuer, row.issued_date)
    if number or (options.copies_to and options.copies_to.strip()):
        doc.imprint(issuer, row.issued_date, options.copies_to)
    doc.describe(title=f"{RECOMMENDATION}（{case.clue_id}）", author=issuer, subject=subject(case))
    return doc
