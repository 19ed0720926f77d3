"""Feedback on recommendations (useful / not useful), and the admins' duplicates report."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_login import current_user

from ..access import acting_user, login_required, require, safe_next
from ..extensions import db
from ..formkit import ConfirmForm
from ..services import recommend, recommend_feedback

bp = Blueprint("recommendations", __name__)
CONTEXTS = ("challenge_institutions", "institution_challenges", "reviewers", "similar_challenges")


@bp.post("/feedback")
@login_required
def feedback():
    ConfirmForm().validate_on_submit()
    form = request.form
    context, kind = form.get("context", ""), form.get("kind", "")
    if context not in CONTEXTS or kind not in ("useful", "not_useful"):
        abort(400, description="反馈内容无效。")
    query_id, doc_id = form.get("query_id", "")[:32], form.get("doc_id", "")[:32]
    if not query_id or not doc_id:
        abort(400, description="反馈内容无效。")
    recommend_feedback.record(acting_user(), context, query_id, doc_id, kind, form.get("chain_id", type=int),
                     form.get("rank", type=int), form.get("score", type=float))
    db.session.commit()
    flash("谢谢反馈，推荐会据此改进。" if kind == "useful" else "已记录：该推荐不相关。", "success")
    return redirect(safe_next(form.get("next"), "/")), 303


@bp.route("/duplicates")
@login_required
def duplicates():
    """Pairs of listings that look alike, most alike first (platform and chain admins)."""
    require(current_user.is_platform_admin or current_user.is_chain_admin, "仅限平台管理员和产业链牵头部门。")
    show_all = request.args.get("all") == "1"
    return render_template("recommend/duplicates.html", pairs=recommend.duplicate_pairs(acting_user(), show_all),
                           show_all=show_all, threshold=recommend.DUPLICATE_SIMILARITY)


@bp.route("/report")
@login_required
def report():
    """How often recommendations were marked useful or led to an invitation, shortlist, selection or assignment."""
    require(current_user.is_platform_admin or current_user.is_chain_admin, "仅限平台管理员和产业链牵头部门。")
    rows = recommend_feedback.acted_on_by_chain()
    if not current_user.is_platform_admin:
        rows = [r for r in rows if r["chain"].id == current_user.admin_chain_id]
    return render_template("recommend/report.html", rows=rows)
