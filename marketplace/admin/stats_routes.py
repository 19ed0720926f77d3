"""The statistics for those who govern the chains (/admin/stats): platform admins and 总链长 see the province
and every chain; a chain's lead department and its 链长 see that chain only."""
from __future__ import annotations

from flask import abort, render_template, request

from ..access import acting_user, require
from ..services import oversight
from ..services.chains import chain_by_code
from ..services.stats import figures, pages, tables
from ..stats.routes import echarts_available, xlsx_response
from .routes import bp, leaders_may_read


def _selection(actor, code: str):
    """The chain asked for (None: the province), when the actor may read it."""
    if code:
        chain = chain_by_code(code) or abort(404)
        require(oversight.can_view(actor, chain), "只能查看您负责或联系的产业链的统计。")
        return chain
    if oversight.sees_every_chain(actor):
        return None
    # A chain's department or 链长 sees its own chain (the first, should it hold two roles).
    chains = oversight.viewable_chains(actor)
    require(bool(chains), "您没有可查看的产业链统计。")
    return chains[0]


@bp.route("/stats")
@leaders_may_read
def stats():
    actor = acting_user()
    year = pages.year_asked(request.args)
    chain = _selection(actor, request.args.get("chain", ""))
    if chain is None:
        selected, each = figures.overview(year)
    else:
        selected = figures.chain_year(chain, year)
        each = [selected]
    shown = tables.admin_tables(selected, each)
    if request.args.get("format") == "xlsx":
        return xlsx_response(shown, f"stats-{chain.code if chain else 'province'}-{year}.xlsx")
    return render_template("admin/stats.html", year=year, years=pages.years(), chain=chain, selected=selected,
                           choices=oversight.viewable_chains(actor), every_chain=oversight.sees_every_chain(actor),
                           tables=shown, charts=tables.charts(shown), echarts=echarts_available())
