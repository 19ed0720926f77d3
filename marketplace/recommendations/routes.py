"""Feedback on recommendations (useful / not useful), and the admins' duplicates report."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from .. import bounds, clock
from ..access import acting_user, login_required, require, safe_next
from ..extensions import limiter
from ..services import feedback_export as feedback_export_service
from ..services import recommend_feedback
from ..services.errors import ServiceError
from ..services.recommend.duplicates import DUPLICATE_SIMILARITY, duplicate_pairs
from ..webkit import run

bp = Blueprint("recommendations", __name__)


def _feedback_limit() -> str:
    return current_app.config.get("FEEDBACK_RATE_LIMIT", "30 per minute")


def _per_user() -> str:
    """Counted per account (whatever the address) and, before login, per address."""
    return f"feedback:{current_user.get_id()}" if current_user.is_authenticated else get_remote_address()


@bp.post("/feedback")
@limiter.limit(_feedback_limit, key_func=_per_user)
@login_required
def feedback():
    form = request.form
    context, kind = form.get("context", ""), form.get("kind", "")
    query_id, doc_id = form.get("query_id", ""), form.get("doc_id", "")
    if kind not in recommend_feedback.JUDGEMENTS or len(query_id) > 32 or len(doc_id) > 32:
        raise ServiceError(recommend_feedback.INVALID)
    rank = bounds.form_int(form, "rank", 1, 10_000, recommend_feedback.INVALID)
    score = bounds.form_float(form, "score", -1e6, 1e6, recommend_feedback.INVALID)
    # The chain comes from the judged listing, not from the form; only position and score are the page's.
    return run(lambda: recommend_feedback.judge(acting_user(), context, query_id, doc_id, kind, rank, score),
               "谢谢反馈，推荐会据此改进。" if kind == "useful" else "已记录：该推荐不相关。", safe_next(form.get("next"), "/"))


@bp.route("/duplicates")
@login_required
def duplicates():
    """Pairs of listings that look alike, most alike first (platform and chain admins)."""
    require(current_user.is_platform_admin or current_user.is_chain_admin, "仅限平台管理员和产业链牵头部门。")
    show_all = request.args.get("all") == "1"
    return render_template("recommend/duplicates.html", pairs=duplicate_pairs(acting_user(), show_all),
                           show_all=show_all, threshold=DUPLICATE_SIMILARITY)


@bp.route("/report")
@login_required
def report():
    """How often recommendations were marked useful or led to an invitation, shortlist, selection or assignment."""
    require(current_user.is_platform_admin or current_user.is_chain_admin, "仅限平台管理员和产业链牵头部门。")
    rows = recommend_feedback.acted_on_by_chain()
    if not current_user.is_platform_admin:
        rows = [r for r in rows if r["chain"].id == current_user.admin_chain_id]
    return render_template("recommend/report.html", rows=rows)


@bp.route("/report/feedback.zip")
@login_required
def feedback_export():
    """The feedback as relevance judgements (BEIR: corpus, queries, qrels) for the matching evaluation.
    Platform admins only: it holds every chain's judged texts."""
    require(current_user.is_platform_admin, "仅限平台管理员导出。")
    return Response(feedback_export_service.export_zip(), mimetype="application/zip", headers={
        "Content-Disposition": f"attachment; filename=recommendation-feedback-{clock.today().isoformat()}.zip"})
