"""The year-end report as a workbook (openpyxl, like the score table): a cover sheet, one sheet per
section, and the narrative; the same rows as the Word document, from the same Section objects."""
from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ..score_export import as_text
from .content import ReportContent

# The sections print their figures as text ("1,444.5", "33.3%"): in a workbook they are numbers again, so a
# reader can sum or chart them. Anything else ("5（要求 2—5 个）", "—", names) stays text.
PLAIN_NUMBER = re.compile(r"-?\d{1,3}(,\d{3})*(\.\d+)?|-?\d+(\.\d+)?")
PERCENTAGE = re.compile(r"(-?\d+(\.\d+)?)%")


def typed(value):
    """A section's cell as the workbook stores it: (value, number_format or None)."""
    if not isinstance(value, str):
        return value, None
    if PLAIN_NUMBER.fullmatch(value):
        number = Decimal(value.replace(",", ""))
        return (int(number) if number == number.to_integral_value() and "." not in value else float(number)), None
    if match := PERCENTAGE.fullmatch(value):
        return float(Decimal(match.group(1)) / 100), "0.0%"
    return value, None


SHEET_NAMES = {"overview": "主要指标", "plan": "工作清单", "key_links": "关键缺失环节", "listings": "榜单",
               "projects": "项目", "achievements": "成果", "supervision": "督办"}


def build(content: ReportContent) -> bytes:
    """The report as .xlsx bytes."""
    book = Workbook()
    cover = book.active
    cover.title = "封面"
    cover.append([content.title])
    cover["A1"].font = Font(bold=True, size=14)
    cover.append([content.chain.lead_department or ""])
    cover.append([content.period_note])
    cover.append([f"生成日期：{content.made_on:%Y-%m-%d}"])
    cover.column_dimensions["A"].width = 80

    for section in content.sections:
        sheet = book.create_sheet(SHEET_NAMES.get(section.key, section.key)[:31])
        sheet.append([section.title])
        sheet["A1"].font = Font(bold=True)
        if section.note:
            sheet.append([section.note])
        sheet.append(list(section.columns))
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for row in section.rows:
            values = [typed(value) for value in row]
            sheet.append([value for value, _ in values])
            for cell, (_, number_format) in zip(sheet[sheet.max_row], values, strict=False):
                if number_format:
                    cell.number_format = number_format
        if not section.rows:
            sheet.append([section.empty])
        for column in "ABCDEFG"[:max(len(section.columns), 1)]:
            sheet.column_dimensions[column].width = 24
        as_text(sheet)

    words = book.create_sheet("年度工作总结")
    words.append(["八、牵头部门年度工作总结"])
    words["A1"].font = Font(bold=True)
    words.append([content.narrative or "（牵头部门尚未填写年度工作总结。）"])
    words["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    words.column_dimensions["A"].width = 100
    as_text(words)
    as_text(cover)

    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
