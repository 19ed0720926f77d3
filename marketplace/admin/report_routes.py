"""The office's year-end pages: every chain's reports in one zip, and the quarterly 通报 (page, PDF, send)."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import login_required

from .. import clock
from ..access import acting_user, require
from ..chains.report_routes import check_year, download
from ..documents.pdf import render
from ..services import oversight
from ..services.errors import ServiceError
from ..services.reports import bulletin, bundle
from ..webkit import run
from .routes import bp, leaders_may_read


@bp.route("/reports")
@leaders_may_read
@login_required
def reports_index():
    """This year's reports page (the admin home links here)."""
    return redirect(url_for("admin.reports_year", year=clock.today().year))


@bp.route("/reports/<int:year>")
@leaders_may_read
@login_required
def reports_year(year):
    """The year's reports and 通报 for the chains the user reads (the office: all eight)."""
    check_year(year)
    chains = oversight.viewable_chains(acting_user())
    require(bool(chains), "仅限平台管理员、产业链牵头部门和链长查看。")
    return render_template("admin/reports.html", year=year, chains=chains, quarters=bulletin.begun_quarters(year),
                           next_year=year + 1 if year < clock.today().year else None,
                           may_zip=bundle.may_download(acting_user()))


@bp.route("/reports/<int:year>.zip")
@leaders_may_read
@login_required
def reports_zip(year):
    require(bundle.may_download(acting_user()), "年度报告汇编仅限平台管理员和总链长下载。")
    data = bundle.build(acting_user(), check_year(year))
    return download(data, "application/zip", bundle.filename(year), f"chain-reports-{year}.zip")


def _bulletin(year, quarter):
    check_year(year)
    try:
        return bulletin.make(acting_user(), year, quarter)
    except ServiceError as error:
        abort(error.status, description=error.message)


def _bulletin_page(year, quarter, status=200, offer_confirm=False):
    made = _bulletin(year, quarter)
    return render_template("admin/bulletin.html", bulletin=made, offer_confirm=offer_confirm,
                           may_send=acting_user().is_platform_admin,
                           sent=bulletin.sent_before(year, quarter)), status


@bp.route("/reports/<int:year>/q<int:quarter>")
@leaders_may_read
@login_required
def bulletin_page(year, quarter):
    return _bulletin_page(year, quarter)


@bp.route("/reports/<int:year>/q<int:quarter>.pdf")
@leaders_may_read
@login_required
def bulletin_pdf(year, quarter):
    document = bulletin.document(_bulletin(year, quarter))
    return download(render(document), "application/pdf", document.filename, document.ascii_name)


@bp.post("/reports/<int:year>/q<int:quarter>/send")
@login_required
def bulletin_send(year, quarter):
    check_year(year)
    page = url_for("admin.bulletin_page", year=year, quarter=quarter)
    # A second send of the quarter (409, AlreadySent) comes back to the page with the confirmation box.
    return run(lambda: bulletin.send(acting_user(), year, quarter,
                                     lambda chain: page + f"#chain-{chain.code}", confirm=bool(request.form.get("confirm"))),
               lambda sent: f"已向 {sent} 条产业链的牵头部门发送第 {quarter} 季度通报。", page,
               lambda status: _bulletin_page(year, quarter, status, offer_confirm=status == 409))
