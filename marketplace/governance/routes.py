"""The governance hub: one card per chain the user may read (services/oversight.py) with its year at a
glance (plan, key links, 督办), linking to its key links, work plan, statistics and report, and the
province-wide pages for those who see every chain."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from .. import clock
from ..access import acting_user, require
from ..bounds import parse_int
from ..services import oversight, plan_progress, supervision
from ..services.stats import figures

bp = Blueprint("governance", __name__)

# Per chain: (endpoint, label, the name of its chain argument); every one takes the year too.
CHAIN_PAGES = (
    ("admin.key_links_page", "关键缺失环节", "code"),
    ("admin.plan_page", "年度工作计划", "code"),
    ("admin.stats", "统计分析", "chain"),
    ("chains.report_page", "年度报告", "code"),
)
# Pages across chains, each scoping itself to the reader's chains: (endpoint, label).
SHARED_PAGES = (("admin.supervision_matrix", "督办"),)
# Province-wide pages, for platform admins and 总链长 only: (endpoint, label).
PROVINCE_PAGES = (
    ("admin.plans_overview", "各链工作计划一览"),
    ("admin.stats", "全省统计分析"),
    ("admin.reports_year", "年度报告与季度通报"),
    ("admin.reports_zip", "八条产业链年度报告（打包下载）"),
)


def _years(year: int) -> list[int]:
    """The year selector: this year and the three before (the plans and reports still read), and the one asked."""
    this_year = clock.today().year
    return sorted(set(range(this_year - 3, this_year + 1)) | {year}, reverse=True)


@bp.route("/")
@login_required
def index():
    user = acting_user()
    chains = oversight.viewable_chains(user)
    require(bool(chains), "仅限平台管理员、产业链牵头部门和链长、总链长访问。")
    year = parse_int(request.args.get("year", ""), 2000, 2100) or clock.today().year
    wide = oversight.sees_every_chain(user)
    # The year at a glance per chain: the plan's state and items, the 督办 and the key links.
    plans = {chain.id: (plan, counts) for chain, plan, counts in plan_progress.overview(chains, year)}
    supervision_rows = {row.chain.id: row for row in supervision.matrix(user, year)[0]}
    return render_template(
        "governance/index.html", chains=chains, year=year, years=_years(year), chain_pages=CHAIN_PAGES,
        shared_pages=SHARED_PAGES + (PROVINCE_PAGES if wide else ()), plans=plans,
        supervision_rows=supervision_rows, key_link_lines=figures.key_link_lines(chains, year),
        manages={chain.id for chain in chains if oversight.can_manage(user, chain)})
