"""The year-end report as a Word document (python-docx), laid out like an official report: A4, a
centred title, 一、二、… headings, tables with a header row, page numbers in the footer.

Word picks a Chinese font by the run's East Asian font name (w:eastAsia), not by the Latin one:
without it Chinese text falls back to whatever the reader's Word chooses. The names are the Noto CJK
families this machine has (fonts-noto-cjk); Word on a desktop without them substitutes its own
宋体/黑体, which is what a 公文 uses anyway.
"""
from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from ..official_documents import PLATFORM_NAME
from .content import ReportContent, Section

SERIF = "Noto Serif CJK SC"  # body text, in place of 仿宋/宋体
SANS = "Noto Sans CJK SC"  # title and headings, in place of 小标宋/黑体


def _font(run_or_style, name: str, size: float | None = None, bold: bool | None = None) -> None:
    font = run_or_style.font
    font.name = name
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = run_or_style._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


def _page_number(paragraph) -> None:
    """A PAGE field ("— 3 —"), which Word fills in on every page."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run("— "), SERIF, 10.5)
    run = paragraph.add_run()
    _font(run, SERIF, 10.5)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
    _font(paragraph.add_run(" —"), SERIF, 10.5)


def _paragraph(document, text: str, size: float = 12, indent: bool = True):
    paragraph = document.add_paragraph()
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)  # 首行缩进两字
    paragraph.paragraph_format.line_spacing = 1.5
    _font(paragraph.add_run(text), SERIF, size)
    return paragraph


def _heading(document, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(12)
    paragraph.paragraph_format.keep_with_next = True
    _font(paragraph.add_run(text), SANS, 15, bold=True)


def _table(document, section: Section) -> None:
    if not section.rows:
        _paragraph(document, section.empty)
        return
    table = document.add_table(rows=1, cols=len(section.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, section.columns, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), SANS, 10.5, bold=True)
    for row in section.rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(str(value)), SERIF, 10.5)


def build(content: ReportContent) -> bytes:
    """The report as .docx bytes."""
    document = Document()
    page = document.sections[0]
    page.page_height, page.page_width = Cm(29.7), Cm(21.0)
    page.top_margin, page.bottom_margin = Cm(3.7), Cm(3.5)
    page.left_margin, page.right_margin = Cm(2.8), Cm(2.6)
    _font(document.styles["Normal"], SERIF, 12)
    _page_number(page.footer.paragraphs[0])
    document.core_properties.title = content.title
    document.core_properties.author = content.chain.lead_department or PLATFORM_NAME

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(18)
    _font(title.add_run(content.title), SANS, 22, bold=True)
    issuer = document.add_paragraph()
    issuer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(issuer.add_run(content.chain.lead_department or content.chain.name + "产业链牵头部门"), SERIF, 14)
    _paragraph(document, content.period_note)

    for section in content.sections:
        _heading(document, section.title)
        if section.note:
            _paragraph(document, section.note)
        _table(document, section)
    _heading(document, "八、牵头部门年度工作总结")
    paragraphs = [p.strip() for p in content.narrative.split("\n") if p.strip()]
    for text in paragraphs or ["（牵头部门尚未填写年度工作总结。）"]:
        _paragraph(document, text)

    closing = _paragraph(document, f"{PLATFORM_NAME}据平台数据生成　{content.made_on:%Y 年 %-m 月 %-d 日}", 10.5,
                         indent=False)
    closing.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
