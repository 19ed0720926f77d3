"""The statistics pages' tables as an Excel workbook (openpyxl): one sheet per table, the same rows the page shows."""
from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from ..score_export import as_text
from .tables import Table

# Excel refuses these in a sheet's name and cuts names at 31 characters.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Each table's sheet by its key: short names (a title cut at 31 characters reads "…（征集 → 发布 → 揭榜 → 立项 → 验");
# the full title is the sheet's first row.
SHEET_NAMES = {"counters": "主要指标", "funnel": "揭榜流程漏斗", "months": "月度趋势", "chains": "各产业链对比",
               "listing_states": "榜单状态", "project_states": "项目状态", "money": "立项经费与榜额",
               "trl": "成果技术成熟度", "timing": "各环节用时", "key_links": "关键缺失环节"}


def _sheet_name(table: Table, taken: set[str]) -> str:
    name = SHEET_NAME_FORBIDDEN.sub("", SHEET_NAMES.get(table.key, table.title))[:28] or "表"
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    taken.add(candidate)
    return candidate


def workbook(tables: list[Table]) -> bytes:
    """Each table on its own sheet: its title, its header row (bold), its rows; numbers stay numbers."""
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table, taken))
        sheet.append([table.title])
        sheet.append(table.headers)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([float(value) if isinstance(value, Decimal) else value for value in row])
        sheet.column_dimensions["A"].width = 28
        as_text(sheet)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
