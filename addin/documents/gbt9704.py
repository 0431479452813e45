"""The page and the paragraph kinds of GB/T 9704-2012 党政机关公文格式, for python-docx.

Page (5.2, 5.2.1): A4; 天头 (top) 37 mm, 订口 (left) 28 mm, 版心 156 mm × 225 mm, so the
right margin is 210 − 28 − 156 = 26 mm and the bottom 297 − 37 − 225 = 35 mm.
Type (5.2.2, 7.2, 7.3): body 三号 (16 pt) 仿宋_GB2312, 22 lines of 28 characters — fixed
28 pt line spacing, characters condensed by ¼ pt so that 28 fill the line; title 二号 (22 pt)
方正小标宋简体 centred; 一、 headings 黑体, （一） headings 楷体_GB2312, 1． and （1） in the
body font; every paragraph indented two characters; 主送机关 flush left ending in a full-width
colon; the issuer 右空二字 and the date below it, its first character two characters to the
right of the issuer's (7.3.5.2, a document without a seal).
Page numbers (7.5): 4号 half-width 宋体 Arabic numerals between two 一字线, "— 1 —", 7 mm
below the 版心; odd pages right with one character's space, even pages left.

A font a machine lacks is substituted by Word from the font table: every font used is
listed there with its common alternative (``altName``: 方正小标宋简体 → 宋体, 仿宋_GB2312 →
仿宋, 楷体_GB2312 → 楷体) and the GB2312 character set.  East-Asian text takes its font
from ``w:rFonts/@w:eastAsia``, so every font here is set on all four slots.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence, Union

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph
from lxml import etree

from addin.plumbing.redact import redact as redact_ids
from addin.documents.wording import balanced_lines, chinese_date, chinese_number, display_width, word_safe

# -- the numbers of the standard ------------------------------------------------------------

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGIN_TOP_MM = 37  # 天头 37 ± 1 mm
MARGIN_LEFT_MM = 28  # 订口 28 ± 1 mm
TEXT_WIDTH_MM, TEXT_HEIGHT_MM = 156, 225  # 版心, page number excluded
MARGIN_RIGHT_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - TEXT_WIDTH_MM  # 26
MARGIN_BOTTOM_MM = PAGE_HEIGHT_MM - MARGIN_TOP_MM - TEXT_HEIGHT_MM  # 35
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
LINE_SPACING_PT = 28  # fixed; 22 × 28 pt = 616 pt fits the 637.8 pt 版心, 23 lines do not
PAGE_NUMBER_GAP_MM = 7  # 一字线 7 mm below the 版心

SIZE_2, SIZE_3, SIZE_4 = 22, 16, 14  # 二号, 三号, 四号 in points
LETTERHEAD_PT = 36  # 发文机关标志: 小标宋, red, no larger than 22 mm × 15 mm a character (7.2.3)
RED_HEX = "FF0000"
RED = RGBColor(0xFF, 0x00, 0x00)

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_HEADING_1 = "黑体"
FONT_HEADING_2 = "楷体_GB2312"
FONT_PAGE_NUMBER = "宋体"

# name → (altName, panose, family, pitch) for the font table
FONT_TABLE: dict[str, tuple[str, str, str, str]] = {
    FONT_TITLE: ("宋体", "02000000000000000000", "script", "variable"),
    FONT_BODY: ("仿宋", "02010609030101010101", "modern", "fixed"),
    FONT_HEADING_2: ("楷体", "02010609030101010101", "modern", "fixed"),
    FONT_HEADING_1: ("SimHei", "02010609060101010101", "modern", "fixed"),
    FONT_PAGE_NUMBER: ("SimSun", "02010600030101010101", "auto", "variable"),
}
GB2312_CHARSET = "86"

TWIPS_PER_PT = 20
PAGE_NUMBER_DASH = "—"  # 一字线

# Style names are what the user sees in Word's style pane; ids are ASCII.
STYLE_TITLE = ("公文标题", "GwTitle")
STYLE_SUBTITLE = ("公文副标题", "GwSubtitle")
STYLE_HEADING_1 = ("一级标题", "GwHeading1")
STYLE_HEADING_2 = ("二级标题", "GwHeading2")  # character style: the （一） lead-in
STYLE_ADDRESSEE = ("主送机关", "GwAddressee")
STYLE_SIGNATURE = ("发文机关署名", "GwSignature")
STYLE_NOTE = ("附注", "GwNote")
STYLE_PAGE_NUMBER = ("页码", "GwPageNumber")
STYLE_PLACEHOLDER = ("待补充", "GwPlaceholder")


def character_spacing_twentieths() -> int:
    """Character spacing (``w:spacing`` in a run's properties, twentieths of a point) that
    fits 28 body characters on the 156 mm line: 三号 is 16 pt, the line 442.2 pt, so each
    character gives up a quarter point (28 × 15.75 pt = 441 pt; 29 would need 456.75 pt).

    Word could do this with a character grid (``w:docGrid w:type="linesAndChars"``), but
    LibreOffice lays a 16 pt character over two 15.8 pt grid cells; condensed spacing
    gives 28 characters a line in Word, WPS and LibreOffice alike."""
    width_pt = TEXT_WIDTH_MM / 25.4 * 72
    needed = (width_pt / CHARS_PER_LINE - SIZE_3) * TWIPS_PER_PT  # −4.1 twentieths
    return math.floor(needed)  # −5: a quarter point, the first whole value that fits 28


def title_chars_per_line() -> int:
    """How many 二号 characters the 156 mm line holds (20)."""
    width_pt = TEXT_WIDTH_MM / 25.4 * 72
    return math.floor(width_pt / (SIZE_2 + character_spacing_twentieths() / TWIPS_PER_PT))


def page_number_footer_distance_mm() -> float:
    """Page bottom to the footer's bottom, so that the dashes' middle is 7 mm below the 版心
    (the footer line is set exactly one 四号 character high)."""
    half_line_mm = SIZE_4 / 2 / 72 * 25.4
    return MARGIN_BOTTOM_MM - PAGE_NUMBER_GAP_MM - half_line_mm


# -- low-level XML helpers -----------------------------------------------------------------


def set_fonts(element: object, name: str) -> None:
    """Set a font on every script slot of an ``rPr`` owner (style or run element),
    including ``w:eastAsia``, and drop theme fonts that would override it."""
    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        style = rpr.find(qn("w:rStyle"))
        rpr.insert(0 if style is None else 1, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), name)


def _set_indent_chars(ppr: object, *, first_line: float | None = None, left: float | None = None,
                      right: float | None = None, char_pt: int = SIZE_3) -> None:
    """Indents in characters of ``char_pt`` points (the paragraph's size): Word reads the
    ``*Chars`` attributes (hundredths of a character), other readers the twips beside them."""
    ind = ppr.find(qn("w:ind"))  # type: ignore[attr-defined]
    if ind is None:
        ind = OxmlElement("w:ind")
        ppr.append(ind)  # type: ignore[attr-defined]
    for attr, chars in (("firstLine", first_line), ("left", left), ("right", right)):
        if chars is None:
            continue
        ind.set(qn(f"w:{attr}"), str(round(chars * char_pt * TWIPS_PER_PT)))
        ind.set(qn(f"w:{attr}Chars"), str(round(chars * 100)))
    _sort_ppr(ppr)


# Schema order of the pPr children (CT_PPr): Word rejects a file whose order differs.
_PPR_ORDER = [
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl", "w:numPr",
    "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
    "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange",
]


def _sort_ppr(ppr: object) -> None:
    rank = {qn(tag): i for i, tag in enumerate(_PPR_ORDER)}
    children = list(ppr)  # type: ignore[call-overload]
    for child in children:
        ppr.remove(child)  # type: ignore[attr-defined]
    for child in sorted(children, key=lambda c: rank.get(c.tag, len(rank))):  # stable: extensions last
        ppr.append(child)  # type: ignore[attr-defined]


_RPR_AFTER_SPACING = [
    "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
    "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
]


def set_character_spacing(element: object, twentieths: int) -> None:
    """``w:spacing`` in an ``rPr`` owner's run properties, in its schema place."""
    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    spacing = rpr.find(qn("w:spacing"))
    if spacing is None:
        spacing = OxmlElement("w:spacing")
        later = {qn(tag) for tag in _RPR_AFTER_SPACING}
        following = next((child for child in rpr if child.tag in later), None)
        if following is None:
            rpr.append(spacing)
        else:
            following.addprevious(spacing)
    spacing.set(qn("w:val"), str(twentieths))


def _border(paragraph: Paragraph, side: str, color: str, eighths: int, space: int = 1) -> None:
    """A rule above or below a paragraph, across the 版心 (``eighths`` of a point thick)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    edge = OxmlElement(f"w:{side}")
    for attr, value in (("w:val", "single"), ("w:sz", str(eighths)), ("w:space", str(space)), ("w:color", color)):
        edge.set(qn(attr), value)
    if side == "top":
        borders.insert(0, edge)
    else:
        borders.append(edge)
    _sort_ppr(ppr)


def _set_outline_level(style: BaseStyle, level: int) -> None:
    ppr = style.element.get_or_add_pPr()
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), str(level))
    ppr.append(outline)
    _sort_ppr(ppr)


# -- the document --------------------------------------------------------------------------


@dataclass(frozen=True)
class Placeholder:
    """What the handler still has to write, shown as （待承办部门补充：…） and highlighted."""

    what: str

    @property
    def text(self) -> str:
        return f"（待承办部门补充：{self.what}）"


@dataclass(frozen=True)
class Note:
    """What the clerk must resolve before the document goes out, other than text to supply
    (e.g. a rule not yet compared with its official text): shown as written, highlighted
    like a ``Placeholder`` — never in plain body text."""

    text: str


Segment = Union[str, Placeholder, Note]
Redact = Callable[[str], str]


def _no_redaction(text: str) -> str:
    return text


CORE_PROPERTY_LIMIT = 255
"""python-docx refuses a core property (title, subject, author …) over 255 characters."""


def _property(text: str) -> str:
    return text if len(text) <= CORE_PROPERTY_LIMIT else text[:CORE_PROPERTY_LIMIT - 1] + "…"


class OfficialDocument:
    """A Word document laid out after GB/T 9704-2012, built paragraph by paragraph.

    Every text passes ``redact`` and then the project's one ID redaction
    (``addin.plumbing.redact``) before it is written, the core properties included.  Headings number themselves:
    ``heading_1`` 一、二、…, ``heading_2`` （一）（二）… within it, ``item`` 1．2．… within that.
    """

    def __init__(self, redact: Redact | None = None) -> None:
        hide = redact or _no_redaction
        # control characters: Word refuses them
        self.redact: Redact = lambda text: word_safe(redact_ids(hide(text)))
        self.doc: DocxDocument = Document()
        self._level_1 = 0
        self._level_2 = 0
        self._level_3 = 0
        self._setup_page()
        self._setup_styles()
        self._setup_footers()
        self._setup_font_table()
        settings = self.doc.settings.element
        lang = settings.find(qn("w:themeFontLang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")

    # -- setup ----------------------------------------------------------------------------

    def _setup_page(self) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
        section.top_margin, section.bottom_margin = Mm(MARGIN_TOP_MM), Mm(MARGIN_BOTTOM_MM)
        section.left_margin, section.right_margin = Mm(MARGIN_LEFT_MM), Mm(MARGIN_RIGHT_MM)
        section.gutter = Mm(0)
        section.header_distance = Mm(15)
        section.footer_distance = Mm(page_number_footer_distance_mm())
        grid = section._sectPr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            section._sectPr.append(grid)
        # No snapping grid: every paragraph has exact spacing already, and LibreOffice centres
        # a line grid's 22 × 28 pt in the 225 mm 版心, moving the text ~11 pt down.
        for attr in ("w:type", "w:charSpace"):
            grid.attrib.pop(qn(attr), None)
        grid.set(qn("w:linePitch"), str(LINE_SPACING_PT * TWIPS_PER_PT))

    def _setup_styles(self) -> None:
        styles = self.doc.styles
        defaults = styles.element.find(qn("w:docDefaults"))
        rpr_default = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        for child in list(rpr_default):
            rpr_default.remove(child)
        fonts = OxmlElement("w:rFonts")
        for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(slot), FONT_BODY)
        size = OxmlElement("w:sz")
        size.set(qn("w:val"), str(SIZE_3 * 2))
        size_cs = OxmlElement("w:szCs")
        size_cs.set(qn("w:val"), str(SIZE_3 * 2))
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
        lang.set(qn("w:bidi"), "ar-SA")
        for child in (fonts, size, size_cs, lang):
            rpr_default.append(child)
        ppr_default = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
        spacing = ppr_default.find(qn("w:spacing"))
        spacing.attrib.clear()
        spacing.set(qn("w:before"), "0")
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), str(LINE_SPACING_PT * TWIPS_PER_PT))
        spacing.set(qn("w:lineRule"), "exact")

        body = styles["Normal"]
        self._font(body, FONT_BODY, SIZE_3)
        set_character_spacing(body.element, character_spacing_twentieths())
        fmt = body.paragraph_format
        fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(LINE_SPACING_PT)
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.widow_control = False
        _set_indent_chars(body.element.get_or_add_pPr(), first_line=2)

        title = self._paragraph_style(STYLE_TITLE, FONT_TITLE, SIZE_2)
        title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.line_spacing = Pt(LINE_SPACING_PT * 1.25)
        title.paragraph_format.keep_with_next = True
        _set_indent_chars(title.element.get_or_add_pPr(), first_line=0)
        _set_outline_level(title, 0)

        subtitle = self._paragraph_style(STYLE_SUBTITLE, FONT_HEADING_2, SIZE_3)
        subtitle.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        subtitle.paragraph_format.keep_with_next = True
        _set_indent_chars(subtitle.element.get_or_add_pPr(), first_line=0)

        heading_1 = self._paragraph_style(STYLE_HEADING_1, FONT_HEADING_1, SIZE_3)
        heading_1.paragraph_format.keep_with_next = True
        _set_outline_level(heading_1, 1)

        heading_2 = self.doc.styles.add_style(STYLE_HEADING_2[0], WD_STYLE_TYPE.CHARACTER)
        heading_2.element.set(qn("w:styleId"), STYLE_HEADING_2[1])
        self._font(heading_2, FONT_HEADING_2, SIZE_3)

        addressee = self._paragraph_style(STYLE_ADDRESSEE, FONT_BODY, SIZE_3)
        addressee.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        _set_indent_chars(addressee.element.get_or_add_pPr(), first_line=0)

        signature = self._paragraph_style(STYLE_SIGNATURE, FONT_BODY, SIZE_3)
        signature.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        signature.paragraph_format.keep_with_next = True
        _set_indent_chars(signature.element.get_or_add_pPr(), first_line=0)

        note = self._paragraph_style(STYLE_NOTE, FONT_BODY, SIZE_3)
        note.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT

        page_number = self._paragraph_style(STYLE_PAGE_NUMBER, FONT_PAGE_NUMBER, SIZE_4)
        page_number.paragraph_format.line_spacing = Pt(SIZE_4)
        _set_indent_chars(page_number.element.get_or_add_pPr(), first_line=0)

        placeholder = self.doc.styles.add_style(STYLE_PLACEHOLDER[0], WD_STYLE_TYPE.CHARACTER)
        placeholder.element.set(qn("w:styleId"), STYLE_PLACEHOLDER[1])
        # Word's style run properties have no highlight (the Open XML schema leaves it out of
        # CT_RPr for styles; Word repairs a file that puts one there): the style shades the
        # text yellow, and each run carries the highlight itself
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), "FFFF00")
        placeholder.element.get_or_add_rPr().append(shading)

    def _paragraph_style(self, names: tuple[str, str], font: str, size: int) -> BaseStyle:
        style = self.doc.styles.add_style(names[0], WD_STYLE_TYPE.PARAGRAPH)
        style.element.set(qn("w:styleId"), names[1])
        style.base_style = self.doc.styles["Normal"]
        style.quick_style = True
        self._font(style, font, size)
        return style

    @staticmethod
    def _font(style: BaseStyle, name: str, size: int) -> None:
        style.font.size = Pt(size)
        style.font.bold = False
        set_fonts(style.element, name)

    def _setup_footers(self) -> None:
        self.doc.settings.odd_and_even_pages_header_footer = True
        section = self.doc.sections[0]
        for footer, alignment, side in (
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left"),
        ):
            footer.is_linked_to_previous = False
            paragraph = footer.paragraphs[0]
            paragraph.style = self.doc.styles[STYLE_PAGE_NUMBER[0]]
            paragraph.alignment = alignment
            _set_indent_chars(paragraph._p.get_or_add_pPr(), char_pt=SIZE_4, **{side: 1})  # 空一字 (四号)
            self._page_number_runs(paragraph)

    @staticmethod
    def _page_number_runs(paragraph: Paragraph) -> None:
        paragraph.add_run(f"{PAGE_NUMBER_DASH} ")
        begin, instruction, separate, shown, end = (paragraph.add_run() for _ in range(5))
        field_begin = OxmlElement("w:fldChar")
        field_begin.set(qn("w:fldCharType"), "begin")
        begin._r.append(field_begin)
        text = OxmlElement("w:instrText")
        text.set(qn("xml:space"), "preserve")
        text.text = " PAGE "
        instruction._r.append(text)
        field_separate = OxmlElement("w:fldChar")
        field_separate.set(qn("w:fldCharType"), "separate")
        separate._r.append(field_separate)
        shown.text = "1"
        field_end = OxmlElement("w:fldChar")
        field_end.set(qn("w:fldCharType"), "end")
        end._r.append(field_end)
        paragraph.add_run(f" {PAGE_NUMBER_DASH}")

    def _setup_font_table(self) -> None:
        """List every font used with its alternative and character set (the font table is a
        plain part in python-docx: parse, edit, put the bytes back)."""
        for rel_id, rel in list(self.doc.part.rels.items()):
            if rel.reltype.endswith("/stylesWithEffects"):  # Word 2010's stale copy of the styles
                self.doc.part.drop_rel(rel_id)
        package_rels = self.doc.part.package.rels
        for rel_id, rel in list(package_rels.items()):
            if rel.reltype.endswith("/metadata/thumbnail"):  # a picture of python-docx's blank template
                package_rels.pop(rel_id)
        part = next((r.target_part for r in self.doc.part.rels.values() if r.reltype.endswith("/fontTable")), None)
        if part is None:
            return
        root = etree.fromstring(part.blob)
        for existing in root.findall(qn("w:font")):
            if existing.get(qn("w:name")) in FONT_TABLE:
                root.remove(existing)
        for name, (alt, panose, family, pitch) in FONT_TABLE.items():
            font = etree.SubElement(root, qn("w:font"))
            font.set(qn("w:name"), name)
            for tag, value in (("w:altName", alt), ("w:panose1", panose), ("w:charset", GB2312_CHARSET),
                               ("w:family", family), ("w:pitch", pitch)):
                etree.SubElement(font, qn(tag)).set(qn("w:val"), value)
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    # -- paragraphs -------------------------------------------------------------------------

    def _runs(self, paragraph: Paragraph, segments: Sequence[Segment]) -> None:
        for segment in segments:
            if isinstance(segment, (Placeholder, Note)):
                run = paragraph.add_run(self.redact(segment.text), style=STYLE_PLACEHOLDER[0])
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW  # also direct: not every reader applies the style's
            elif segment:
                paragraph.add_run(self.redact(segment))

    def title(self, text: str, highlight: str | None = None) -> Paragraph:
        """二号小标宋 centred; a long title is broken into balanced lines at word ends.  The
        ``highlight`` text (e.g. a name still to be configured) is marked as a placeholder."""
        paragraph = self.doc.add_paragraph(style=STYLE_TITLE[0])
        for i, line in enumerate(balanced_lines(self.redact(text), title_chars_per_line())):
            pieces = line.split(highlight) if highlight else [line]
            segments: list[Segment] = []
            for k, piece in enumerate(pieces):
                if k:
                    segments.append(Note(highlight or ""))
                segments.append(piece)
            runs = self._segment_runs(paragraph, segments)
            if i and runs:
                first = runs[0]._r
                first.insert(0 if first.find(qn("w:rPr")) is None else 1, OxmlElement("w:br"))
        return paragraph

    def subtitle(self, text: str) -> Paragraph:
        paragraph = self.doc.add_paragraph(style=STYLE_SUBTITLE[0])
        self._runs(paragraph, [text])
        return paragraph

    def blank(self) -> Paragraph:
        return self.doc.add_paragraph()

    def addressee(self, name: Segment) -> Paragraph:
        """主送机关: flush left, ending in a full-width colon."""
        paragraph = self.doc.add_paragraph(style=STYLE_ADDRESSEE[0])
        self._runs(paragraph, [name, "："])
        return paragraph

    def body(self, *segments: Segment) -> Paragraph:
        paragraph = self.doc.add_paragraph()
        self._runs(paragraph, segments)
        return paragraph

    def heading_1(self, text: str) -> Paragraph:
        self._level_1 += 1
        self._level_2 = self._level_3 = 0
        paragraph = self.doc.add_paragraph(style=STYLE_HEADING_1[0])
        self._runs(paragraph, [f"{chinese_number(self._level_1)}、{text}"])
        return paragraph

    def heading_2(self, text: str, *follow: Segment) -> Paragraph:
        """（一）text — in 楷体; what follows in the same paragraph is body text."""
        self._level_2 += 1
        self._level_3 = 0
        paragraph = self.doc.add_paragraph()
        paragraph.add_run(self.redact(f"（{chinese_number(self._level_2)}）{text}"), style=STYLE_HEADING_2[0])
        self._runs(paragraph, follow)
        return paragraph

    def item(self, *segments: Segment) -> Paragraph:
        """1．text — third level, in the body font."""
        self._level_3 += 1
        return self.body(f"{self._level_3}．", *segments)

    def signature(self, issuer: Segment, date: dt.date) -> tuple[Paragraph, Paragraph]:
        """The issuer 右空二字 one line below the text, the date on the next line starting
        two characters right of the issuer; a date longer than that keeps 右空二字 and
        moves the issuer left instead (GB/T 9704-2012 7.3.5.2).

        The last text paragraph keeps with the signature (7.3.5: the signature and date
        never stand alone on a page; the text moves down with them instead)."""
        previous = self.doc.paragraphs[-1] if self.doc.paragraphs else None
        if previous is not None:
            previous.paragraph_format.keep_with_next = True
        self.blank().paragraph_format.keep_with_next = True
        shown = issuer.text if isinstance(issuer, (Placeholder, Note)) else self.redact(issuer)
        date_text = chinese_date(date)
        issuer_width, date_width = display_width(shown), display_width(date_text)
        date_right = issuer_width - date_width
        issuer_right = 2.0
        if date_right < 2:
            issuer_right += 2 - date_right
            date_right = 2.0
        lines = []
        for text, right in ((issuer, issuer_right), (date_text, date_right)):
            paragraph = self.doc.add_paragraph(style=STYLE_SIGNATURE[0])
            _set_indent_chars(paragraph._p.get_or_add_pPr(), right=right)
            self._runs(paragraph, [text])
            lines.append(paragraph)
        return lines[0], lines[1]

    def letterhead(self, mark: Segment, number: Segment | None = None, signer: Segment | None = None) -> None:
        """版头 (GB/T 9704-2012 7.2): the 发文机关标志 in red 小标宋, centred; the 发文字号 below
        it — centred, or, with a 签发人 (an upward document), 居左空一字 with “签发人：name”
        (name in 楷体) 居右空一字 on the same line; then the red separator line across the
        版心, and the title two lines below it."""
        head = self.doc.add_paragraph(style=STYLE_TITLE[0])
        head.paragraph_format.line_spacing = Pt(LETTERHEAD_PT * 1.2)
        for run in self._segment_runs(head, [mark]):
            run.font.size = Pt(LETTERHEAD_PT)
            run.font.color.rgb = RED
        self.blank()
        line = self.doc.add_paragraph(style=STYLE_ADDRESSEE[0])
        if signer is None:
            line.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if number is not None:
                self._runs(line, [number])
        else:
            line.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
            self._runs(line, ["　", number if number is not None else "", "\t签发人："])
            for run in self._segment_runs(line, [signer]):
                set_fonts(run._r, FONT_HEADING_2)
            self._runs(line, ["　"])
        _border(line, "bottom", RED_HEX, 12, space=8)  # 4 mm below the number: the red line
        self.blank()
        self.blank()

    def _segment_runs(self, paragraph: Paragraph, segments: Sequence[Segment]) -> list:
        before = len(paragraph.runs)
        self._runs(paragraph, segments)
        return paragraph.runs[before:]

    def imprint(self, printer: Segment, date: dt.date, copies_to: str | None = None) -> None:
        """版记 (GB/T 9704-2012 7.4): 抄送 and 印发机关和印发日期 in 四号仿宋 between rules —
        a thick one first and last, thin ones between; 左右各空一字; the date in Arabic
        numerals followed by 印发."""
        self.blank()
        rows: list[tuple[list[Segment], str | None]] = []
        if copies_to:
            rows.append((["　抄送：", copies_to.strip().rstrip("。") + "。"], None))
        rows.append((["　", printer, "\t", f"{chinese_date(date)}印发　"], "tab"))
        for i, (segments, tab) in enumerate(rows):
            paragraph = self.doc.add_paragraph(style=STYLE_ADDRESSEE[0])
            fmt = paragraph.paragraph_format
            fmt.keep_with_next = i < len(rows) - 1
            fmt.line_spacing = Pt(SIZE_4 * 2)
            if tab:
                fmt.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
            for run in self._segment_runs(paragraph, segments):
                run.font.size = Pt(SIZE_4)
            if i == 0:
                _border(paragraph, "top", "000000", 8)
            _border(paragraph, "bottom", "000000", 8 if i == len(rows) - 1 else 6)

    def table(self, caption: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> object:
        """表N　caption (黑体, centred) above a ruled table in 四号 body font, every cell
        flush (no first-line indent); the first column left, the others centred."""
        self._tables = getattr(self, "_tables", 0) + 1
        title = self.doc.add_paragraph(style=STYLE_SUBTITLE[0])
        run = title.add_run(self.redact(f"表{self._tables}　{caption}"))
        set_fonts(run._r, FONT_HEADING_1)
        table = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        table.style = self.doc.styles["Table Grid"]
        table.autofit = False
        # the label column takes what the number columns (28 mm each) leave of the 版心
        other = 28.0 if len(header) > 2 else TEXT_WIDTH_MM / 3
        widths = [TEXT_WIDTH_MM - other * (len(header) - 1)] + [other] * (len(header) - 1)
        for column, width in zip(table.columns, widths):
            column.width = Mm(width)
            for cell in column.cells:
                cell.width = Mm(width)
        for r, values in enumerate([list(header), *[list(v) for v in rows]]):
            properties = table.rows[r]._tr.get_or_add_trPr()
            properties.append(OxmlElement("w:cantSplit"))  # a row never breaks across pages
            if r == 0:
                properties.append(OxmlElement("w:tblHeader"))  # the header row repeats on every page
            for c, value in enumerate(values):
                cell = table.cell(r, c)
                paragraph = cell.paragraphs[0]
                _set_indent_chars(paragraph._p.get_or_add_pPr(), first_line=0)
                paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if c == 0 else WD_ALIGN_PARAGRAPH.CENTER
                paragraph.paragraph_format.line_spacing = Pt(SIZE_4 * 1.5)
                segment = value if isinstance(value, (Placeholder, Note)) else str(value)
                for text in self._segment_runs(paragraph, [segment]):
                    text.font.size = Pt(SIZE_4)
                    if r == 0:
                        set_fonts(text._r, FONT_HEADING_1)
        self.blank()
        return table

    def note(self, text: str) -> Paragraph:  # noqa: D401
        """附注: in parentheses, 居左空二字, on the line below the date."""
        paragraph = self.doc.add_paragraph(style=STYLE_NOTE[0])
        self._runs(paragraph, [f"（{text}）"])
        return paragraph

    # -- output -----------------------------------------------------------------------------

    def describe(self, *, title: str, author: str, subject: str = "", created: dt.datetime | None = None) -> None:
        props = self.doc.core_properties
        props.title = _property(self.redact(title))
        props.subject = _property(self.redact(subject))
        props.author = _property(self.redact(author))
        props.last_modified_by = _property(self.redact(author))
        props.comments = ""
        props.keywords = ""
        props.category = ""
        props.revision = 1
        when = created or dt.datetime.now().replace(microsecond=0)
        props.created = props.modified = when
        printed = props._element.find(qn("cp:lastPrinted"))
        if printed is not None:  # the python-docx template's own
            props._element.remove(printed)

    def save(self, path: str | Path) -> None:
        self.doc.save(str(path))
