"""The chain admin's page of the year's key missing links: add, edit, delete, attach listings, solicit.
The chain's 链长 and every 总链长 read the same page without its controls (services/oversight.py)."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import login_required

from .. import clock
from ..access import acting_user, require
from ..bounds import parse_int
from ..extensions import db
from ..models import Challenge, KeyLink
from ..services import chains as chain_service
from ..services import key_links, oversight
from ..webkit import run
from .forms import KeyLinkForm
from .routes import bp, leaders_may_read


def _chain(code):
    chain = chain_service.chain_by_code(code) or abort(404)
    require(key_links.can_manage(acting_user(), chain), "只能管理本部门牵头的产业链。")
    return chain


def _viewable_chain(code):
    chain = chain_service.chain_by_code(code) or abort(404)
    require(oversight.can_view(acting_user(), chain), "只能查看本部门牵头或您所联系的产业链。")
    return chain


def _link(chain, link_id) -> KeyLink:
    link = db.session.get(KeyLink, link_id)
    if link is None or link.chain_id != chain.id:
        abort(404)
    return link


def _year() -> int:
    this_year = clock.today().year
    return parse_int(request.args.get("year") or request.form.get("year") or "", 2000, 2100) or this_year


def _page_url(chain, year):
    return url_for("admin.key_links_page", code=chain.code, year=year)


def _page(chain, year, form=None, status=200, edit_form=None, editing=None, offer_confirm=False):
    rows = key_links.links(chain, year)
    manages = key_links.can_manage(acting_user(), chain)  # a reader is offered nothing to attach
    return render_template(
        "admin/key_links.html", chain=chain, year=year, years=key_links.years(chain),
        quota=key_links.quota(chain, year), rows=[(link, key_links.status(link),
                                                   key_links.attachable(link) if manages else [])
                                                  for link in rows],
        form=form or KeyLinkForm(formdata=None), edit_form=edit_form, editing=editing,
        offer_confirm=offer_confirm), status


@bp.route("/chains/<code>/key-links")
@leaders_may_read
@login_required
def key_links_page(code):
    chain = _viewable_chain(code)
    return _page(chain, _year())


@bp.post("/chains/<code>/key-links")
@login_required
def key_link_create(code):
    chain = _chain(code)
    year, form = _year(), KeyLinkForm()
    if not form.validate_on_submit():
        return _page(chain, year, form=form, status=400)
    # One more than the chain's yearly maximum (409, QuotaExceeded) is asked to be confirmed: the form
    # comes back with its input and the confirmation box.
    return run(lambda: key_links.create(
        acting_user(), chain, year, form.segment.data, form.why_missing.data, form.target_indicators.data,
        int(form.priority.data), confirm_over_quota=form.confirm_over_quota.data),
        "已添加关键缺失环节。", _page_url(chain, year),
        lambda status: _page(chain, year, form, status, offer_confirm=status == 409), form)


@bp.route("/chains/<code>/key-links/<int:link_id>/edit", methods=["GET", "POST"])
@login_required
def key_link_edit(code, link_id):
    chain = _chain(code)
    link = _link(chain, link_id)
    if request.method == "GET":
        form = KeyLinkForm(formdata=None, obj=link)
        form.priority.data = str(link.priority)
        return _page(chain, link.year, edit_form=form, editing=link)
    form = KeyLinkForm()
    again = lambda status: _page(chain, link.year, edit_form=form, editing=link, status=status)  # noqa: E731
    if not form.validate_on_submit():
        return again(400)
    return run(lambda: key_links.edit(acting_user(), link, form.version.data, form.segment.data,
                                      form.why_missing.data, form.target_indicators.data, int(form.priority.data)),
               "已保存。", _page_url(chain, link.year), again, form)


@bp.post("/chains/<code>/key-links/<int:link_id>/delete")
@login_required
def key_link_delete(code, link_id):
    chain = _chain(code)
    link = _link(chain, link_id)
    year = link.year
    return run(lambda: key_links.delete(acting_user(), link), "已删除该环节。", _page_url(chain, year))


@bp.post("/chains/<code>/key-links/<int:link_id>/attach")
@login_required
def key_link_attach(code, link_id):
    chain = _chain(code)
    link = _link(chain, link_id)
    challenge = db.session.get(Challenge, parse_int(request.form.get("challenge_id", ""), 1, 2**31 - 1) or 0)
    if challenge is None:
        abort(400)
    return run(lambda: key_links.attach(acting_user(), link, challenge), f"已将“{challenge.title}”挂到此环节。",
               _page_url(chain, link.year))


@bp.post("/chains/<code>/key-links/<int:link_id>/detach/<int:challenge_id>")
@login_required
def key_link_detach(code, link_id, challenge_id):
    chain = _chain(code)
    link = _link(chain, link_id)
    challenge = db.session.get(Challenge, challenge_id) or abort(404)
    return run(lambda: key_links.detach(acting_user(), link, challenge), "已移出。", _page_url(chain, link.year))


@bp.post("/chains/<code>/key-links/<int:link_id>/solicit")
@login_required
def key_link_solicit(code, link_id):
    chain = _chain(code)
    link = _link(chain, link_id)
    url = url_for("challenges.new", key_link=link.id)
    return run(lambda: key_links.solicit(acting_user(), link, url),
               lambda sent: f"已通知本链 {sent} 位企业用户为此环节发布榜单。", _page_url(chain, link.year))
