"""One chain's year as the report states it: the statistics figures, the work plan, the key links, the
督办 record and the narrative, laid out once as titled tables (`Section`) that the page, the Word
document, the workbook and the 通报 all print, so no two of them can disagree."""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ... import clock
from ...extensions import db
from ...models import Chain, ChainReport
from ...templating import wan
from ..stats import labels
from ..stats.figures import ChainYear
from .record import PlanRecord, SupervisionRow, plan_record, supervision_record


@dataclass(frozen=True)
class Section:
    """A titled table: `columns` heads the `rows`; `note` is a sentence printed above it."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)
    note: str = ""
    empty: str = "无。"


@dataclass(frozen=True)
class ReportContent:
    chain: Chain
    year: int
    made_on: date  # the day this copy was made
    as_of: date  # the day the figures and the items' 滞后 are computed for (the year's end once it is over)
    figures: ChainYear  # the statistics page's figures for the chain and year
    plan: PlanRecord
    supervision: list[SupervisionRow]
    narrative: str

    @property
    def title(self) -> str:
        return f"{self.chain.name}产业链 {self.year} 年度工作完成情况报告"

    @property
    def filename_stem(self) -> str:
        return f"{self.chain.name}产业链{self.year}年度工作报告"

    @property
    def ascii_stem(self) -> str:
        return f"chain-report-{self.chain.code}-{self.year}"

    @property
    def period_note(self) -> str:
        if self.as_of >= date(self.year, 12, 31):
            return f"统计期间：{self.year} 年 1 月 1 日至 12 月 31 日。"
        return (f"统计期间：{self.year} 年 1 月 1 日至 {self.as_of:%Y 年 %-m 月 %-d 日}（年度未结束，数字为截至该日）。")

    @property
    def sections(self) -> list[Section]:
        return sections(self)


def figures_for(chain: Chain, year: int, until: date | None = None):
    """The statistics page's ChainYear for the chain and year; cut off at `until` when figures.py
    accepts a cut-off day (the quarterly 通报), otherwise the year to date."""
    from ..stats import figures  # the statistics service: the one place these numbers are computed

    # figures.chain_year has no cut-off day today; should it gain `until=`, the 通报 uses it unchanged.
    if until is not None and "until" in inspect.signature(figures.chain_year).parameters:
        return figures.chain_year(chain, year, until=until)
    return figures.chain_year(chain, year)


def figures_take_cut_off() -> bool:
    from ..stats import figures

    return "until" in inspect.signature(figures.chain_year).parameters


def narrative_of(chain: Chain, year: int) -> ChainReport | None:
    return db.session.scalar(db.select(ChainReport).filter_by(chain_id=chain.id, year=year))


def report_day(year: int, today: date | None = None) -> date:
    """The day a year's report describes: its last day once it is over, else today."""
    today = today or clock.today()
    return min(today, date(year, 12, 31))


def assemble(chain: Chain, year: int, figures=None) -> ReportContent:
    """The report's content for `chain`'s `year`, as it stands today (China's calendar)."""
    made_on = clock.today()
    as_of = report_day(year, made_on)
    stored = narrative_of(chain, year)
    return ReportContent(
        chain=chain, year=year, made_on=made_on, as_of=as_of,
        figures=figures if figures is not None else figures_for(chain, year),
        plan=plan_record(chain, year, as_of), supervision=supervision_record(chain, year, as_of),
        narrative=stored.narrative if stored else "")


# ----- the sections ------------------------------------------------------------------------------

def number(value) -> str:
    """A figure as every copy prints it: 万元 amounts like the pages (wan), shares as percentages."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return wan(value)
    if isinstance(value, float):
        return str(labels.median(value))
    return str(value)


percent = labels.percent


def _overview(f) -> Section:
    rows = [
        ("征集榜单（项）", number(f.listings)),
        ("发布榜单（项）", number(f.published)),
        ("揭榜方案（份）", number(f.proposals)),
        (labels.PROPOSALS_MEDIAN, number(f.proposals_median)),
        (labels.SHARE_3, percent(f.share_3_or_more)),
        ("流榜（项）", number(f.failed)),
        (labels.FAILED_RATE, percent(f.failed_rate)),
        ("立项（项）", number(f.projects_approved)),
        ("验收通过（项）", number(f.projects_accepted)),
        ("终止（项）", number(f.projects_terminated)),
        (labels.FUNDING, number(f.funding_committed_wan)),
        (labels.BOUNTY, number(f.bounty_wan)),
        (labels.OVERDUE_MILESTONES, number(f.overdue_milestones)),
        (labels.ACHIEVEMENTS, number(f.achievements)),
        ("关键缺失环节（个）", f"{number(f.key_links)}（要求 {f.key_link_min}—{f.key_link_max} 个）"),
        ("链主企业（家）", f"{number(f.chain_leads)}（政策要求 {f.chain_lead_min}—{f.chain_lead_max} 家）"),
        (labels.VERIFIED_ENTERPRISES, number(f.verified_enterprises)),
        (labels.VERIFIED_INSTITUTIONS, number(f.verified_institutions)),
    ]
    return Section("overview", "一、主要指标", ("指标", "数值"), rows)


def _plan(content: ReportContent) -> Section:
    plan = content.plan
    late = "、".join(row.title for row in plan.late)
    if not plan.counted:  # only an approved plan's items are commitments (plan_progress.counts_progress)
        note = f"年度工作计划状态：{plan.state}。工作清单 {plan.total} 项（未批准，不计进度）。"
    else:
        note = (f"年度工作计划状态：{plan.state}。工作清单共 {plan.total} 项，已完成 {plan.done} 项"
                + (f"，滞后 {len(plan.late)} 项：{late}。" if plan.late else "，无滞后事项。"))
    rows = [(row.seq, row.title, row.category, row.responsible or "—", row.period,
             row.progress.label if row.progress else "未批准，不计进度",
             "；".join(row.late_milestones) or "—") for row in plan.items]
    return Section("plan", "二、工作清单完成情况", ("序号", "事项", "类别", "责任单位及责任人", "时间安排", "状态", "滞后节点"),
                   rows, note=note, empty="本年度尚未制定工作清单。")


def _key_links(f) -> Section:
    note = f"本年度关键缺失环节 {f.key_links} 个，年度要求 {f.key_link_min}—{f.key_link_max} 个。"
    return Section("key_links", "三、关键缺失环节攻关", ("环节", "进展"), [tuple(row) for row in f.key_link_rows],
                   note=note, empty="本年度尚未确定关键缺失环节。")


def _by_state(key: str, title: str, counts: dict) -> Section:
    return Section(key, title, ("状态", "数量"), [(getattr(state, "label", str(state)), n) for state, n in counts.items()])


def _supervision(content: ReportContent) -> Section:
    rows = [(s.subject, s.request, f"{s.issued_on:%Y-%m-%d}", f"{s.reply_due:%Y-%m-%d}", s.status)
            for s in content.supervision]
    overdue = sum(s.overdue for s in content.supervision)
    note = f"本年度收到督办单 {len(rows)} 件" + (f"，其中逾期未答复 {overdue} 件。" if overdue else "。")
    return Section("supervision", "七、督办事项", ("督办事项", "督办要求", "下发日期", "答复期限", "答复情况"), rows,
                   note=note, empty="本年度无督办事项。")


def sections(content: ReportContent) -> list[Section]:
    f = content.figures
    return [
        _overview(f),
        _plan(content),
        _key_links(f),
        _by_state("listings", "四、榜单按状态", f.listings_by_state),
        _by_state("projects", "五、项目按状态", f.projects_by_state),
        Section("achievements", "六、成果按技术成熟度", ("技术成熟度（TRL）", "数量"),
                [(band, n) for band, n in f.achievements_by_trl.items()]),
        _supervision(content),
    ]
