"""督办: the 8-chain matrix, the lists behind its numbers, issuing a 督办单 and answering it.

Platform admins issue; a chain's lead department reads its own chain and replies; a 链长 reads its
chain and a 总链长 every chain, read-only (pages marked @leaders_may_read let them past the admin guard on GET).
"""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import login_required

from .. import clock
from ..access import acting_user, require
from ..bounds import parse_int
from ..extensions import db
from ..models import Project
from ..models.work_plan import WorkPlanItem
from ..services import chains as chain_service
from ..services import oversight
from ..services import supervision as service
from ..services.errors import ServiceError
from ..webkit import run
from .forms import SupervisionForm, SupervisionReplyForm
from .routes import bp, leaders_may_read


def _year() -> int:
    return parse_int(request.args.get("year", ""), 2000, 2100) or clock.today().year


@bp.route("/supervision")
@leaders_may_read
@login_required
def supervision_matrix():
    year = _year()
    rows, total = service.matrix(acting_user(), year)
    require(rows, "仅限平台管理员、产业链牵头部门和链长访问。")
    return render_template("admin/supervision_matrix.html", year=year, years=service.years(), rows=rows,
                           total=total, columns=service.COLUMNS, today_label=clock.today().isoformat())


@bp.route("/supervision/list")
@leaders_may_read
@login_required
def supervision_list():
    """One number of the matrix: a chain's (?chain=code) or, without a chain, the province's total (for
    those who see every chain, like the 全省合计 row)."""
    year, show, actor = _year(), request.args.get("show", ""), acting_user()
    code = request.args.get("chain", "")
    chain = chain_service.chain_by_code(code) if code else None
    if show not in service.COLUMNS or (code and not (chain and oversight.can_view(actor, chain))) \
            or (not code and not oversight.sees_every_chain(actor)):
        abort(404)
    records, today = service.listing([chain] if chain else oversight.viewable_chains(actor), year, show), clock.today()
    of_projects = show in ("projects", "late_projects")
    of_supervisions = show in ("open", "overdue", "answered")
    return render_template(
        "admin/supervision_list.html", year=year, chain=chain, label=service.COLUMNS[show], records=records,
        today=today, of_items=not (of_projects or of_supervisions), of_projects=of_projects,
        late_of={p.id: service.late_milestones(p, today) for p in records} if of_projects else {},
        titles={s.id: service.subject_title(s) for s in records} if of_supervisions else {})


def _subject():
    """The item or project named by ?item= or ?project= (404 for anything else)."""
    item_id = parse_int(request.args.get("item", ""), 1, 2**31 - 1)
    project_id = parse_int(request.args.get("project", ""), 1, 2**31 - 1)
    subject = (db.session.get(WorkPlanItem, item_id) if item_id else
               db.session.get(Project, project_id) if project_id else None)
    return subject or abort(404)


def _new_page(subject, form, status=200):
    """The form with the deadline for the days typed; an invalid number shows its error and no date (a
    date computed from some other number would contradict it)."""
    days = form.working_days.data
    if form.working_days.errors or not isinstance(days, int) or not service.MIN_DAYS <= days <= service.MAX_DAYS:
        days = None
    due = service.reply_due(days) if days else None
    return render_template("admin/supervision_new.html", subject=subject, title=service.subject_title(subject),
                           chain=service.chain_of(subject), form=form, days=days, due=due,
                           note=service.deadline_note(due) if due else "", refusal=_refusal(subject),
                           chain_year=subject.plan.year if isinstance(subject, WorkPlanItem) else None), status


def _refusal(subject) -> str | None:
    try:
        service.check_may_issue(acting_user(), subject)
    except ServiceError as error:
        return error.message
    return None


@bp.route("/supervision/new", methods=["GET", "POST"])
@login_required
def supervision_new():
    require(acting_user().is_platform_admin, "只有平台管理员（省制造强省办）可以发督办单。")
    subject = _subject()
    if request.method == "GET":
        return _new_page(subject, SupervisionForm(formdata=None))
    form = SupervisionForm()
    if request.form.get("preview"):  # 重新计算答复期限: the date for the days typed, nothing saved
        form.working_days.validate(form)  # only the days: the request text may still be empty
        return _new_page(subject, form, 400 if form.working_days.errors else 200)
    if not form.validate_on_submit():
        return _new_page(subject, form, 400)
    return run(lambda: service.issue(acting_user(), subject, form.request.data, form.working_days.data),
               lambda s: f"已发出督办单，请牵头部门{service.reply_by(s.reply_due)}。",
               lambda s: url_for("admin.supervision_show", supervision_id=s.id),
               lambda status: _new_page(subject, form, status), form)


def _supervision(supervision_id):
    try:
        return service.get(acting_user(), supervision_id)
    except ServiceError:
        abort(404)


def _show_page(supervision, form=None, status=200):
    return render_template("admin/supervision_show.html", s=supervision, title=service.subject_title(supervision),
                           form=form or SupervisionReplyForm(formdata=None, version=supervision.version),
                           trail=service.trail(supervision), today=clock.today(),
                           note=service.deadline_note(supervision.reply_due, supervision.issued_on)), status


@bp.route("/supervision/<int:supervision_id>")
@leaders_may_read
@login_required
def supervision_show(supervision_id):
    return _show_page(_supervision(supervision_id))


@bp.post("/supervision/<int:supervision_id>/reply")
@login_required
def supervision_reply(supervision_id):
    supervision = _supervision(supervision_id)
    form = SupervisionReplyForm()
    show = url_for("admin.supervision_show", supervision_id=supervision.id)
    if not form.validate_on_submit():
        return _show_page(supervision, form, 400)
    return run(lambda: service.reply(acting_user(), supervision, form.version.data, form.reply.data),
               "已答复督办单，平台管理员将收到通知。", show, lambda status: _show_page(supervision, form, status), form)
