"""The score table as an Excel workbook (openpyxl), for the chain admin's records."""
from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from ..models import Challenge, ReviewState
from .reviews import rubric, score_table

# What a spreadsheet may read as a formula (or, pasted on, as DDE): a name or comment a user typed
# starting with one of these is text, never something Excel evaluates.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(sheet) -> None:
    """Store every typed string of `sheet` as a string cell. openpyxl turns any value starting with
    "=" into a live formula (=HYPERLINK to an outside address, =WEBSERVICE…); the quote prefix also
    keeps Excel from re-reading the text as one when the cell is edited."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
                cell.quotePrefix = True


def workbook(challenge: Challenge) -> bytes:
    """One sheet of totals per proposal, one sheet of every expert's scores per criterion."""
    criteria = rubric(challenge)
    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    summary.append([f"榜单：{challenge.title}"])
    summary.append(["排名", "揭榜单位", "报价（万元）", "状态", "有效评分数", "平均分", "极差", "标准差"])
    rows = score_table(challenge)
    for rank, row in enumerate(rows, start=1):
        summary.append([rank, row.proposal.organisation.name, float(row.proposal.price_wan), row.proposal.state.label,
                        len(row.totals), row.mean, row.spread, row.stdev])
    detail = book.create_sheet("专家评分")
    detail.append(["揭榜单位", "专家", "状态"] + [f"{n}（{w}）" for n, w in criteria] + ["加权总分", "评审意见"])
    for row in rows:
        for review in row.reviews:
            scores = [review.scores.get(n) for n, _ in criteria] if review.state is ReviewState.submitted else [None] * len(criteria)
            detail.append([row.proposal.organisation.name, review.expert.name, review.state.label, *scores,
                           review.total, review.comment or review.recusal_reason])
    for sheet in (summary, detail):
        for cell in sheet[2 if sheet is summary else 1]:
            cell.font = Font(bold=True)
        as_text(sheet)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
