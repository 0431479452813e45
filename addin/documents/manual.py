"""The 操作手册: docs/manual/*.md, one chapter per role, served as the 收报台's 帮助 pages and
written as one printable Word file (``zhuize manual --out DIR``).

The 常见问题 chapter is generated from the problem-code catalogue (``faq_markdown``; the
committed docs/manual/faq.md is checked against it: ``python -m addin.documents.manual`` rewrites it),
one heading per code whose HTML anchor is the code itself (``/help/faq#ZZ-READ-DATE``).
Markdown is rendered by markdown-it-py with raw HTML off; pictures are the docs/*.png.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
MANUAL = DOCS / "manual"
DOCX_NAME = "zhuize 操作手册.docx"
TITLE = "追责工具操作手册"
IMAGE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\.png")


@dataclass(frozen=True)
class Chapter:
    slug: str
    """The file name (docs/manual/{slug}.md) and the 帮助 page's address (/help/{slug})."""
    title: str


CHAPTERS = (
    Chapter("unit", "填报单位"),
    Chapter("hq", "集团总部"),
    Chapter("addin", "Excel 加载项"),
    Chapter("rules", "规则与日历"),
    Chapter("server", "收报台管理"),
    Chapter("faq", "常见问题"),
)
BY_SLUG = {c.slug: c for c in CHAPTERS}


def ordered(first: str | None) -> list[Chapter]:
    """The chapters with ``first`` (a signed-in role's own chapter) at the front."""
    return sorted(CHAPTERS, key=lambda c: c.slug != first)


def faq_markdown() -> str:
    """The 常见问题 chapter, from addin/problem_codes.toml: each code, what it means, how to fix it."""
    from addin.problems import by_stage

    lines = [
        "# 常见问题",
        "",
        "校验、汇总和生成文书时报出的每个问题都有一个稳定的代码（`ZZ-…`），写在校验结果、退回通知、JSON 报告和"
        "标注副本的批注中。按代码找到下面的一条，看它的意思和怎么改。**错误**使报表被退回（或文书不生成），"
        "**提醒**不阻止上报（确有正当理由的，在「情况说明」表写明，见「填报单位」一章）。",
        "",
        "本章由问题代码目录 `addin/problem_codes.toml` 生成（`python -m addin.documents.manual`），请改那个文件，不要手改本页；"
        "命令行 `zhuize codes 代码` 显示同样的说明。",
        "",
    ]
    for stage, infos in by_stage():
        lines += [f"## {stage}", ""]
        for info in infos:
            lines += [f"### {info.code} {info.title}", "", f"{info.severity_label}。怎么改：{info.fix}", ""]
    return "\n".join(lines)


def chapter_markdown(slug: str) -> str:
    if slug == "faq":
        return faq_markdown()
    return (MANUAL / f"{slug}.md").read_text(encoding="utf-8")


# -- HTML (the 收报台's 帮助 pages) -------------------------------------------------------------------


def _parser() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


def heading_id(text: str) -> str:
    """A heading's anchor: the code for a 常见问题 entry, otherwise the heading text."""
    from addin.problems import CODE_PATTERN

    first = text.split(" ", 1)[0]
    return first if CODE_PATTERN.fullmatch(first) else re.sub(r"\s+", "-", text.strip())


@lru_cache(maxsize=None)
def chapter_html(slug: str) -> str:
    """One chapter as HTML; pictures point at /help/img/NAME.png (served from docs/)."""
    md = _parser()
    tokens = md.parse(chapter_markdown(slug))
    for k, token in enumerate(tokens):
        if token.type == "heading_open":
            token.attrSet("id", heading_id(tokens[k + 1].content))
        if token.type == "inline":
            for child in token.children or []:
                if child.type == "image":
                    name = str(child.attrGet("src") or "").rsplit("/", 1)[-1]
                    child.attrSet("src", f"/help/img/{name}" if IMAGE_NAME.fullmatch(name) else "")
    return str(md.renderer.render(tokens, md.options, {}))


def image_path(name: str) -> Path | None:
    """docs/NAME.png when it is one of our pictures, else None."""
    if not IMAGE_NAME.fullmatch(name):
        return None
    path = DOCS / name
    return path if path.is_file() else None


# -- the printable manual (.docx) ---------------------------------------------------------------------


def write_docx(target: Path) -> None:
    """Every chapter into one Word file at ``target`` (the caller's temporary file)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    from addin.documents.gbt9704 import (
        FONT_BODY, FONT_HEADING_1, FONT_HEADING_2, FONT_TITLE, OfficialDocument, set_fonts,
    )

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    normal = doc.styles["Normal"]
    set_fonts(normal.element, FONT_BODY)
    normal.font.size = Pt(12)
    for level, font in ((1, FONT_HEADING_1), (2, FONT_HEADING_1), (3, FONT_HEADING_2)):
        set_fonts(doc.styles[f"Heading {level}"].element, font)
    set_fonts(doc.styles["Title"].element, FONT_TITLE)
    doc.core_properties.title = TITLE
    title = doc.add_paragraph(TITLE, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph("目录", style="Heading 2")
    for number, chapter in enumerate(CHAPTERS, start=1):
        doc.add_paragraph(f"{number}. {chapter.title}")
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    OfficialDocument._page_number_runs(footer)  # — 1 —, as in the letters
    for chapter in CHAPTERS:
        _write_chapter(doc, _parser().parse(chapter_markdown(chapter.slug)), Cm(15.5))
    doc.save(str(target))


def _write_chapter(doc: Any, tokens: list[Any], width: Any) -> None:
    from docx.shared import Cm, Pt

    lists: list[list[int]] = []  # per open list: [ordered?, the current item's number]
    fresh = False  # the next paragraph is an item's first
    k = 0
    while k < len(tokens):
        token = tokens[k]
        kind = token.type
        if kind == "heading_open":
            level = int(token.tag[1])
            if level == 1:
                doc.add_page_break()
            doc.add_heading(tokens[k + 1].content, level=level)
            k += 3
            continue
        if kind in ("bullet_list_open", "ordered_list_open"):
            ordered = kind == "ordered_list_open"
            lists.append([int(ordered), int(token.attrGet("start") or 1) - 1])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            lists[-1][1] += 1
            fresh = True
        elif kind == "inline" and tokens[k - 1].type == "paragraph_open":
            paragraph = doc.add_paragraph()
            if lists:
                paragraph.paragraph_format.left_indent = Cm(0.75 * len(lists))
                if fresh:
                    paragraph.paragraph_format.first_line_indent = Cm(-0.6)
                    paragraph.add_run(f"{lists[-1][1]}. " if lists[-1][0] else "• ")
            fresh = False
            _inline(doc, token, None, width, paragraph)
        elif kind in ("fence", "code_block"):
            for line in token.content.rstrip("\n").split("\n"):
                run = doc.add_paragraph().add_run(line)
                run.font.name, run.font.size = "Consolas", Pt(9)
        elif kind == "table_open":
            k = _table(doc, tokens, k, width)
            doc.add_paragraph()
            continue
        k += 1


def _inline(doc: Any, token: Any, style: str | None, width: Any, paragraph: Any = None) -> None:
    from docx.shared import Pt

    if paragraph is None:
        paragraph = doc.add_paragraph(style=style)
    bold = False
    for child in token.children or []:
        if child.type == "strong_open":
            bold = True
        elif child.type == "strong_close":
            bold = False
        elif child.type in ("text", "code_inline"):
            run = paragraph.add_run(child.content)
            run.bold = bold or None
            if child.type == "code_inline":
                run.font.name, run.font.size = "Consolas", Pt(10)
        elif child.type in ("softbreak", "hardbreak"):
            paragraph.add_run(" ")
        elif child.type == "image":
            path = image_path(str(child.attrGet("src") or "").rsplit("/", 1)[-1])
            if path is not None:
                paragraph.add_run().add_picture(str(path), width=width)


def _table(doc: Any, tokens: list[Any], k: int, width: Any) -> int:
    """A Markdown table from ``tokens[k]`` (table_open); returns the index after table_close."""
    rows: list[list[Any]] = []
    while tokens[k].type != "table_close":
        if tokens[k].type == "tr_open":
            rows.append([])
        elif tokens[k].type == "inline":
            rows[-1].append(tokens[k])
        k += 1
    columns = max(len(r) for r in rows)
    table = doc.add_table(rows=len(rows), cols=columns)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            paragraph = table.cell(r, c).paragraphs[0]
            _inline(doc, cell, None, width / columns, paragraph)
            if r == 0:
                for run in paragraph.runs:
                    run.bold = True
    return k + 1


if __name__ == "__main__":
    (MANUAL / "faq.md").write_text(faq_markdown(), encoding="utf-8")
