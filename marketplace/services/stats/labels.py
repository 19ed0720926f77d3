"""One name and one way of printing for each figure the statistics pages, their spreadsheet, the year-end
report and the quarterly 通报 share: a reader comparing two of them must find the same words and the same
digits (a median of 1 is "1" everywhere, never "1.0" in one place)."""
from __future__ import annotations

FUNDING = "立项经费（万元）"  # the evaluation form's word for what a project is granted
BOUNTY = "对应榜额（万元）"  # the budgets of the listings those projects answer, each listing once
PROPOSALS_MEDIAN = "每榜方案数（中位数）"
SHARE_3 = "方案数 ≥ 3 的榜单占比"
FAILED_RATE = "流榜率"
OVERDUE_MILESTONES = "逾期里程碑（个）"
ACHIEVEMENTS = "新增成果（项）"
VERIFIED_ENTERPRISES = "已认证企业（家）"
VERIFIED_INSTITUTIONS = "已认证高校院所（家）"


def median(value: float | None) -> int | float | str:
    """A median as a number to print or chart: whole ones without ".0", others to one decimal; "—" when
    there was nothing to take the median of."""
    if value is None:
        return "—"
    rounded = round(float(value), 1)
    return int(rounded) if rounded.is_integer() else rounded


def days(value: float | None) -> str:
    """A median duration in calendar days: "120 天", "12.5 天", "—"."""
    shown = median(value)
    return shown if shown == "—" else f"{shown} 天"


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"
