"""The statistics pages' tables, built from ChainYear figures: each page shows them, its charts draw them and
its spreadsheet holds them, so a chart, its table and the xlsx can never disagree."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ...models.enums import ChallengeState, ProjectState
from . import labels
from .figures import TRL_BANDS, ChainYear
from .labels import days, median, percent

CHART_KINDS = ("funnel", "bar", "line")


@dataclass(frozen=True)
class Table:
    """A titled table whose first column names its rows. `chart` is how the page draws it (None: a table
    only); `series` are the columns the chart draws (by index, default every column after the first)."""

    key: str
    title: str
    headers: list[str]
    rows: list[list]
    chart: str | None = None
    series: tuple[int, ...] = ()

    def chart_data(self) -> dict:
        """What static/js/stats-charts.js draws: categories (the first column) and one series per column."""
        columns = self.series or tuple(range(1, len(self.headers)))
        return {"kind": self.chart, "title": self.title, "categories": [str(row[0]) for row in self.rows],
                "series": [{"name": self.headers[i], "data": [_number(row[i]) for row in self.rows]} for i in columns]}


def _number(value):
    if isinstance(value, Decimal):
        return float(value)
    return value if isinstance(value, int | float) else 0


def wan(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def charts(tables: list[Table]) -> dict:
    """The page's JSON block: every charted table's data by key."""
    return {table.key: table.chart_data() for table in tables if table.chart}


# ----- the public page (/stats): counts only, nothing a listing's poster keeps private ------------------

def public_counters(p: ChainYear) -> Table:
    return Table("counters", f"{p.year} 年全省概览", ["指标", "数值"], [
        [labels.VERIFIED_ENTERPRISES, p.verified_enterprises], [labels.VERIFIED_INSTITUTIONS, p.verified_institutions],
        ["发布榜单（项）", p.published], ["揭榜方案（份）", p.proposals], ["立项项目（项）", p.projects_approved],
        ["验收通过（项）", p.projects_accepted], [labels.FUNDING, wan(p.funding_committed_wan)]])


def public_chains(each: list[ChainYear]) -> Table:
    return Table("chains", "各产业链对比", ["产业链", "认证企业", "认证高校院所", "发布榜单", "揭榜方案", "立项", "验收通过",
                                      labels.FUNDING],
                 [[c.name, c.verified_enterprises, c.verified_institutions, c.published, c.proposals,
                   c.projects_approved, c.projects_accepted, wan(c.funding_committed_wan)] for c in each],
                 chart="bar", series=(3, 5, 6))


def funnel(f: ChainYear) -> Table:
    return Table("funnel", "揭榜流程漏斗（征集 → 发布 → 揭榜 → 立项 → 验收）", ["环节", "数量"],
                 [[step, count] for step, count in f.funnel], chart="funnel")


def months(f: ChainYear) -> Table:
    return Table("months", f"{f.year} 年月度趋势", ["月份", "发布榜单", "提交方案", "立项"],
                 [[f"{m} 月", f.months_published[m - 1], f.months_proposals[m - 1], f.months_projects[m - 1]]
                  for m in range(1, 13)], chart="line")


def public_tables(province: ChainYear, each: list[ChainYear]) -> list[Table]:
    return [public_counters(province), funnel(province), months(province), public_chains(each)]


# ----- the admin page (/admin/stats): every figure ------------------------------------------------------

def counters(f: ChainYear) -> Table:
    return Table("counters", f"{f.name} · {f.year} 年全部指标", ["指标", "数值"], [
        [labels.VERIFIED_ENTERPRISES, f.verified_enterprises], [labels.VERIFIED_INSTITUTIONS, f.verified_institutions],
        ["链主企业（家）", f.chain_leads], ["链主要求（家）", f"{f.chain_lead_min}—{f.chain_lead_max}"],
        ["关键缺失环节（个）", f.key_links], ["关键缺失环节要求（个）", f"{f.key_link_min}—{f.key_link_max}"],
        ["征集榜单（项）", f.listings], ["发布榜单（项）", f.published], ["有人揭榜的榜单（项）", f.answered],
        ["揭榜方案（份）", f.proposals], [labels.PROPOSALS_MEDIAN, median(f.proposals_median)],
        [labels.SHARE_3, percent(f.share_3_or_more)], ["流榜（项）", f.failed], [labels.FAILED_RATE, percent(f.failed_rate)],
        ["立项（项）", f.projects_approved], ["验收通过（项）", f.projects_accepted], ["终止（项）", f.projects_terminated],
        [labels.FUNDING, wan(f.funding_committed_wan)], [labels.BOUNTY, wan(f.bounty_wan)],
        [labels.OVERDUE_MILESTONES, f.overdue_milestones], [labels.ACHIEVEMENTS, f.achievements],
        ["提交至发布（中位数）", days(f.days_submit_to_publish)],
        ["截止至公示（中位数）", days(f.days_deadline_to_publicity)],
        ["公示至立项（中位数）", days(f.days_publicity_to_project)],
        ["推荐结果“有用”占比", percent(f.recommendation_useful)]])


def chain_comparison(each: list[ChainYear]) -> Table:
    return Table("chains", "各产业链对比",
                 ["产业链", "链主", "关键缺失环节", "发布榜单", "揭榜方案", "每榜方案中位数", "方案 ≥ 3 占比", "流榜率", "立项",
                  "验收通过", "终止", labels.FUNDING, labels.BOUNTY, "逾期里程碑", "新增成果", "推荐有用率"],
                 [[c.name, f"{c.chain_leads}（{c.chain_lead_min}—{c.chain_lead_max}）",
                   f"{c.key_links}（{c.key_link_min}—{c.key_link_max}）", c.published, c.proposals, median(c.proposals_median),
                   percent(c.share_3_or_more), percent(c.failed_rate), c.projects_approved, c.projects_accepted,
                   c.projects_terminated, wan(c.funding_committed_wan), wan(c.bounty_wan), c.overdue_milestones,
                   c.achievements, percent(c.recommendation_useful)] for c in each],
                 chart="bar", series=(3, 8, 9))


def listing_states(f: ChainYear) -> Table:
    return Table("listing_states", "榜单状态分布", ["状态", "榜单数"],
                 [[state.label, f.listings_by_state[state]] for state in ChallengeState], chart="bar")


def project_states(f: ChainYear) -> Table:
    return Table("project_states", "立项项目当前状态", ["状态", "项目数"],
                 [[state.label, f.projects_by_state[state]] for state in ProjectState], chart="bar")


def trl(f: ChainYear) -> Table:
    return Table("trl", "新增成果按技术成熟度（TRL）", ["TRL 区间", "成果数"],
                 [[f"TRL {band}", f.achievements_by_trl[band]] for band in TRL_BANDS], chart="bar")


def money(f: ChainYear) -> Table:
    return Table("money", "立项经费与对应榜额", ["类别", "万元"],
                 [[labels.FUNDING.removesuffix("（万元）"), wan(f.funding_committed_wan)],
                  [labels.BOUNTY.removesuffix("（万元）"), wan(f.bounty_wan)]], chart="bar")


def timing(f: ChainYear) -> Table:
    values = [("提交至发布", f.days_submit_to_publish), ("截止至公示", f.days_deadline_to_publicity),
              ("公示至立项", f.days_publicity_to_project)]
    return Table("timing", "各环节用时（中位数，天）", ["阶段", "天数"],
                 [[name, median(value)] for name, value in values], chart="bar")


def key_links(f: ChainYear) -> Table:
    return Table("key_links", f"{f.year} 年关键缺失环节及进展（{f.key_links} 个，要求 {f.key_link_min}—{f.key_link_max} 个）",
                 ["环节", "进展"], [list(row) for row in f.key_link_rows])


def admin_tables(selected: ChainYear, each: list[ChainYear]) -> list[Table]:
    """Every figure of the selection (a chain, or the province) and, for the province, every chain side by side."""
    tables = [counters(selected), funnel(selected), months(selected)]
    if selected.chain is None:
        tables.append(chain_comparison(each))
    return tables + [listing_states(selected), project_states(selected), money(selected), trl(selected),
                     timing(selected), key_links(selected)]
