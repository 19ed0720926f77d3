"""Home page, the user's dashboard and the health check."""
from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, render_template, request
from flask_login import current_user
from sqlalchemy import func, text

from ..access import login_required
from ..extensions import db
from ..models import INSTITUTION_TYPES, Organisation, OrgStatus, OrgType
from ..services import chains as chain_service

bp = Blueprint("main", __name__)


@bp.app_context_processor
def todo_badge():
    """`waiting_todo()` for the menu's 工作台 badge: one counting statement, asked only when a page shows
    it for a logged-in user, once a request (the 工作台 itself hands over the total it has just counted)."""

    def waiting_todo() -> int:
        if not current_user.is_authenticated:
            return 0
        if "todo_count" not in g:
            from ..access import acting_user
            from ..services import todo

            g.todo_count = todo.waiting_count(acting_user())
        return g.todo_count

    return {"waiting_todo": waiting_todo}


@bp.route("/")
def index():
    chains = chain_service.all_chains()
    counts = dict(
        db.session.execute(
            db.select(Organisation.type, func.count()).filter_by(status=OrgStatus.verified).group_by(Organisation.type)
        ).all()
    )
    institutions = sum(counts.get(t, 0) for t in INSTITUTION_TYPES)
    return render_template(
        "main/index.html", chains=chains, enterprises=counts.get(OrgType.enterprise, 0), institutions=institutions
    )


@bp.route("/dashboard")
@login_required
def dashboard():
    from ..access import acting_user
    from ..services import todo
    from ..services.recommend.candidates import for_institution

    user = acting_user()
    # None: no recommendations for this user at all; [] : none relevant enough (the page says so).
    recommended = for_institution(user) if user.can_act and user.organisation.is_institution else None
    todos = todo.for_user(user)
    g.todo_count = sum(t.count for t in todos or ())  # the menu badge shows the same total, uncounted again
    return render_template("main/dashboard.html", user=user, recommended=recommended, todos=todos)


@bp.route("/todo/<kind>")
@login_required
def todo_list(kind):
    """Every waiting item of one kind of the 工作台's 待办, 20 a page."""
    from ..access import acting_user
    from ..services import todo

    found = todo.one_kind(acting_user(), kind, request.args.get("page", 1, type=int))
    if found is None:
        abort(404)
    item, page = found
    return render_template("main/todo.html", todo=item, page=page)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # the check must answer, not raise: say what is down
        db.session.rollback()
        database = "error"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "degraded", database=database), status
