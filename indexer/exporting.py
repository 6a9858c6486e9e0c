"""Export a collection of quotes (摘录) as a Word document laid out like a
Chinese official document, or as Markdown. Each quote carries its
pasteable citation; a list of sources closes the document.

The Word layout follows GB/T 9704-2012 (党政机关公文格式): A4 paper; margins
37 mm top, 35 mm bottom, 28 mm left, 26 mm right; body in 仿宋_GB2312 3号
(16 pt) at 22 lines a page; the title in 方正小标宋简体 2号 (22 pt), centred;
first-level headings in 黑体; the signature and the date (in Arabic
numerals) at the end; page numbers ``— 1 —`` in 4号 宋体. A machine without
those fonts falls back to 仿宋/宋体/黑体 (``w:altName`` in the font table).

Usage::

    from indexer.exporting import Quote, quotes_to_docx, quotes_to_markdown
    q = Quote(text="……", title="…", section="…", doc="a.txt", start=0, end=5, body="市科协党组", date="2023年")
    open("摘录.docx", "wb").write(quotes_to_docx([q], author="办公室"))
"""

from __future__ import annotations

import datetime as _dt
import io
from dataclasses import asdict, dataclass

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
PAGE_NUMBER_FONT = "宋体"
# What Word/WPS substitute when a font is missing: these ship with Windows
# and with the common Linux CJK packages, the GB2312-era ones do not.
FALLBACKS = {BODY_FONT: "仿宋", TITLE_FONT: "宋体", HEADING_FONT: "SimHei", PAGE_NUMBER_FONT: "SimSun"}
SIZE_3 = 16  # 三号, pt
SIZE_2 = 22  # 二号
SIZE_4 = 14  # 四号
LINE_PITCH = 28.95  # pt: 22 lines in the 225 mm type area


def nest_quotes(text: str) -> str:
    """Quotation marks inside a quoted passage one level down: the outer
    level is “…”, so the text's own “…” become ‘…’ (and its ‘…’ become “…”)."""
    return text.translate(str.maketrans({"“": "‘", "”": "’", "‘": "“", "’": "”"}))


@dataclass(frozen=True)
class Quote:
    text: str  # exactly the source characters start:end
    title: str
    section: str
    doc: str
    start: int = 0
    end: int = 0
    body: str = ""
    date: str = ""
    page: int | None = None

    def key(self) -> tuple:
        return (self.doc, self.start, self.end)

    @property
    def citation(self) -> str:
        """``据《标题》（章节）：“原文”（发文单位，日期）``, the format of
        :func:`indexer.answering.citation`, with inner quotation marks nested."""
        where = "，".join(x for x in (self.section, f"第{self.page}页" if self.page else "") if x)
        src = f"《{self.title}》" + (f"（{where}）" if where else "")
        tail = "，".join(x for x in (self.body, self.date) if x)
        return f"据{src}：“{nest_quotes(self.text)}”" + (f"（{tail}）" if tail else "")

    def to_dict(self) -> dict:
        return {**asdict(self), "citation": self.citation}


def source_line(q: Quote) -> str:
    extra = "，".join(x for x in (q.body, q.date) if x)
    return f"《{q.title}》" + (f"（{extra}）" if extra else "")


def _sources(quotes: list[Quote]) -> list[str]:
    seen: dict[str, str] = {}
    for q in quotes:
        seen.setdefault(q.doc, source_line(q))
    return list(seen.values())


def chinese_date(day: _dt.date) -> str:
    """成文日期 as GB/T 9704-2012 writes it: Arabic numerals, no leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日"


def quotes_to_markdown(quotes: list[Quote], heading: str = "摘录", author: str = "",
                       today: _dt.date | None = None) -> str:
    lines = [f"# {heading}", ""]
    for i, q in enumerate(quotes, 1):
        lines += [f"{i}. {q.citation}", ""]
    lines += ["## 出处", ""] + [f"- {s}" for s in _sources(quotes)] + [""]
    lines += [x for x in (author, chinese_date(today or _dt.date.today())) if x] + [""]
    return "\n".join(lines)


def _set_font(run_or_style, name: str, size: float | None = None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = run_or_style.font
    font.name = LATIN_FONT if name == BODY_FONT else name
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    # Chinese text is set by the eastAsia slot; Word ignores w:ascii for it.
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:hint"), "eastAsia")


def _font_table_fallbacks(document) -> None:
    """Declare each font with its substitute in word/fontTable.xml."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from lxml import etree

    part = document.part.part_related_by(RT.FONT_TABLE)
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    root = etree.fromstring(part.blob)
    for name, alt in FALLBACKS.items():
        font = etree.SubElement(root, f"{{{ns}}}font", {f"{{{ns}}}name": name})
        etree.SubElement(font, f"{{{ns}}}altName", {f"{{{ns}}}val": alt})
        etree.SubElement(font, f"{{{ns}}}charset", {f"{{{ns}}}val": "86"})  # GB2312
        etree.SubElement(font, f"{{{ns}}}family", {f"{{{ns}}}val": "modern" if name == BODY_FONT else "roman"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_number_footer(section) -> None:
    """``— 1 —`` centred in the footer, the page number as a field."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def text_run(text: str):
        r = p.add_run(text)
        _set_font(r, PAGE_NUMBER_FONT, SIZE_4)
        return r

    text_run("— ")
    r = text_run("")
    for kind, instr in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif instr == "1":
            el = OxmlElement("w:t")
            el.text = "1"
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr
        r._r.append(el)
    text_run(" —")


def quotes_to_docx(quotes: list[Quote], heading: str = "摘录", author: str = "",
                   now: _dt.datetime | None = None) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Mm, Pt

    now = now or _dt.datetime.now()
    d = docx.Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    sec.footer_distance = Mm(28)

    normal = d.styles["Normal"]
    _set_font(normal, BODY_FONT, SIZE_3)
    pf = normal.paragraph_format
    pf.line_spacing_rule, pf.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE_PITCH)
    pf.space_before = pf.space_after = Pt(0)
    _font_table_fallbacks(d)
    _page_number_footer(sec)

    def para(text: str, font: str = BODY_FONT, size: float = SIZE_3, align=None, indent: bool = True,
             right_indent_chars: int = 0):
        p = d.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(2 * SIZE_3)
        if right_indent_chars:
            p.paragraph_format.right_indent = Pt(right_indent_chars * SIZE_3)
        _set_font(p.add_run(text), font, size)
        return p

    para(heading, TITLE_FONT, SIZE_2, WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    para("", indent=False)  # a blank line under the title
    for i, q in enumerate(quotes, 1):
        para(f"{i}．{q.citation}", align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    if quotes:
        para("出处", HEADING_FONT)
        for i, s in enumerate(_sources(quotes), 1):
            para(f"{i}．{s}", align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    para("", indent=False)
    if author:
        para(author, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, right_indent_chars=4)
    para(chinese_date(now.date()), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, right_indent_chars=4)

    cp = d.core_properties
    # python-docx's template says author "python-docx", created 2013.
    utc = now.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    cp.author = cp.last_modified_by = author
    cp.title, cp.subject, cp.comments, cp.keywords = heading, "", "", ""
    cp.created = cp.modified = utc
    cp.revision = 1
    cp.language = "zh-CN"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
