"""The annual work plan pages: one chain's plan for a year (工作要点, 工作清单, decisions, progress,
revisions) and the office's overview of every chain's plan. 链长 / 总链长 read them; the services
refuse them (and anyone but the chain's managers) every change."""
from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for
from flask_login import login_required

from .. import clock
from ..access import acting_user, require
from ..bounds import parse_int
from ..extensions import db
from ..models import Attachment, PlanState, WorkPlan, WorkPlanItem, WorkPlanMilestone, WorkPlanProgress
from ..services import chains as chain_service
from ..services import oversight, plan_progress, work_plans
from ..webkit import run, send_attachment
from .plan_forms import ConfirmForm, DecisionForm, ItemForm, PlanForm, ProgressForm
from .routes import bp, leaders_may_read


def _chain(code):
    chain = chain_service.chain_by_code(code) or abort(404)
    require(oversight.can_view(acting_user(), chain), "只能查看本部门牵头（或本人担任链长）的产业链。")
    return chain


def _year() -> int:
    return parse_int(request.args.get("year") or "", 2000, 2100) or clock.today().year


def _plan(chain, plan_id) -> WorkPlan:
    plan = db.session.get(WorkPlan, plan_id)
    if plan is None or plan.chain_id != chain.id:
        abort(404)
    return plan


def _item(chain, item_id) -> WorkPlanItem:
    item = db.session.get(WorkPlanItem, item_id)
    if item is None or item.plan.chain_id != chain.id:
        abort(404)
    return item


def _url(chain, year, **args):
    return url_for("admin.plan_page", code=chain.code, year=year, **args)


def _ids(form, prefix: str):
    """Give every field of `form` (rows of its 任务图 included) an id starting with `prefix`: the plan
    page holds several forms with the same field names, and a label or an error link must find its own."""
    for f in form:
        f.id = f"{prefix}-{f.id}"
        f.label.field_id = f.id
        for entry in getattr(f, "entries", ()):
            _ids(entry.form, prefix)
    return form


def _item_form(chain, year, formdata=True, prefix="add") -> ItemForm:
    form = ItemForm() if formdata else ItemForm(formdata=None)
    form.set_links(*work_plans.linkable(chain, year))
    return _ids(form, prefix)


def _page(chain, year, status=200, plan_form=None, item_form=None, editing=None, edit_form=None,
          progress_forms=None, confirm_forms=None, decision_form=None):
    plan = work_plans.plan_for(chain, year)
    shown = request.args.get("revision", "")
    earlier = work_plans.revision(plan, int(shown)) if plan is not None and shown.isdigit() and len(shown) < 6 else None
    # A fresh form carries the version of the plan as shown; a form sent back with an error keeps the
    # version its page was based on, so saving it again after a refusal is refused again (no lost update).
    if plan_form is None:
        plan_form = _ids(PlanForm(formdata=None, key_points=plan.key_points if plan else ""), "points")
        plan_form.version.data = plan.version if plan else ""
    if item_form is None:
        item_form = _item_form(chain, year, formdata=False)
        item_form.version.data = plan.version if plan else ""
    if decision_form is None:
        decision_form = _ids(DecisionForm(formdata=None), "return")
        decision_form.version.data = plan.version if plan else ""
    notes = [n for i in (plan.items if plan else ()) for n in i.progress_notes]
    return render_template(
        "admin/plan.html", chain=chain, year=year, years=work_plans.years(chain), plan=plan, earlier=earlier,
        counts=plan_progress.counts(plan), today=clock.today(), plan_form=plan_form,
        item_form=item_form, editing=editing, edit_form=edit_form,
        progress_forms=progress_forms or {}, confirm_forms=confirm_forms or {}, files=plan_progress.files(notes),
        decision_form=decision_form, earlier_reason=work_plans.sentence(earlier.reason) if earlier else "",
        revising=plan is not None and plan.state is PlanState.approved), status


@bp.route("/chains/<code>/plan", methods=["GET", "POST"])
@login_required
@leaders_may_read
def plan_page(code):
    chain, year = _chain(code), _year()
    if request.method == "GET":
        return _page(chain, year)
    form = _ids(PlanForm(), "points")
    again = lambda status: _page(chain, year, status, plan_form=form)  # noqa: E731
    if not form.validate_on_submit():
        return again(400)
    return run(lambda: work_plans.save_key_points(acting_user(), chain, year, form.key_points.data,
                                                  form.version.data, form.reason.data),
               "已保存工作要点。", _url(chain, year), again, form)


@bp.post("/chains/<code>/plan/items")
@login_required
def plan_item_create(code):
    chain, year = _chain(code), _year()
    form = _item_form(chain, year)
    again = lambda status: _page(chain, year, status, item_form=form)  # noqa: E731
    if not form.validate_on_submit():
        form.add_problems(work_plans.item_problems(chain, year, form.data_in(), work_plans.plan_for(chain, year),
                                                   form.reason.data))
        return again(400)
    return run(lambda: work_plans.add_item(acting_user(), chain, year, form.data_in(), form.version.data,
                                           form.reason.data),
               "已添加事项。", _url(chain, year), again, form)


@bp.route("/chains/<code>/plan/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
@leaders_may_read
def plan_item_edit(code, item_id):
    chain = _chain(code)
    item = _item(chain, item_id)
    year = item.plan.year
    if request.method == "GET":
        # The form is for those who may save it: 链长 / 总链长 (and a submitted plan) get the refusal, not a form.
        work_plans.check_may_edit(acting_user(), chain, item.plan)
        form = _item_form(chain, year, formdata=False, prefix="edit")
        form.fill(item)
        form.version.data = item.plan.version
        return _page(chain, year, editing=item, edit_form=form)
    form = _item_form(chain, year, prefix="edit")
    again = lambda status: _page(chain, year, status, editing=item, edit_form=form)  # noqa: E731
    if not form.validate_on_submit():
        form.add_problems(work_plans.item_problems(chain, year, form.data_in(), item.plan, form.reason.data))
        return again(400)
    return run(lambda: work_plans.edit_item(acting_user(), item, form.data_in(), form.version.data, form.reason.data),
               "已保存事项。", _url(chain, year), again, form)


@bp.post("/chains/<code>/plan/items/<int:item_id>/delete")
@login_required
def plan_item_delete(code, item_id):
    chain = _chain(code)
    item = _item(chain, item_id)
    year, form = item.plan.year, DecisionForm()
    return run(lambda: work_plans.delete_item(acting_user(), item, form.version.data, form.reason.data),
               "已删除事项。", _url(chain, year))


def _back(chain, plan):
    """Approve and return are also offered on the overview: go back where the button was."""
    if request.form.get("back") == "overview":
        return url_for("admin.plans_overview", year=plan.year)
    return _url(chain, plan.year)


@bp.post("/chains/<code>/plan/<int:plan_id>/submit")
@login_required
def plan_submit(code, plan_id):
    chain = _chain(code)
    plan, form = _plan(chain, plan_id), DecisionForm()
    link = url_for("admin.plan_page", code=chain.code, year=plan.year)
    return run(lambda: work_plans.submit(acting_user(), plan, form.version.data, link),
               "已提交平台管理员审批。", _url(chain, plan.year))


@bp.post("/chains/<code>/plan/<int:plan_id>/approve")
@login_required
def plan_approve(code, plan_id):
    chain = _chain(code)
    plan, form = _plan(chain, plan_id), DecisionForm()
    link = url_for("admin.plan_page", code=chain.code, year=plan.year)
    return run(lambda: work_plans.approve(acting_user(), plan, form.version.data, link),
               "已批准工作计划。", _back(chain, plan))


@bp.post("/chains/<code>/plan/<int:plan_id>/return")
@login_required
def plan_return(code, plan_id):
    chain = _chain(code)
    plan, form = _plan(chain, plan_id), _ids(DecisionForm(), "return")
    link = url_for("admin.plan_page", code=chain.code, year=plan.year)
    return run(lambda: work_plans.return_plan(acting_user(), plan, form.version.data, form.reason.data, link),
               "已退回工作计划。", _back(chain, plan),
               lambda status: _page(chain, plan.year, status, decision_form=form), form)


@bp.post("/chains/<code>/plan/items/<int:item_id>/progress")
@login_required
def plan_progress_add(code, item_id):
    chain = _chain(code)
    item = _item(chain, item_id)
    form = ProgressForm()
    again = lambda status: _page(chain, item.plan.year, status, progress_forms={item.id: form})  # noqa: E731
    if not form.validate_on_submit():
        return again(400)
    return run(lambda: plan_progress.add_note(acting_user(), item, form.note.data, form.attachment.data,
                                              current_app.instance_path),
               "已记录进展。", _url(chain, item.plan.year), again, form)


@bp.route("/chains/<code>/plan/progress/<int:note_id>/files/<int:attachment_id>")
@login_required
@leaders_may_read
def plan_progress_file(code, note_id, attachment_id):
    chain = _chain(code)
    note = db.session.get(WorkPlanProgress, note_id)
    if note is None or note.item.plan.chain_id != chain.id:
        abort(404)
    return send_attachment(db.session.get(Attachment, attachment_id) or abort(404), "work_plan_progress", note.id)


@bp.post("/chains/<code>/plan/milestones/<int:milestone_id>/confirm")
@login_required
def plan_milestone_confirm(code, milestone_id):
    chain = _chain(code)
    step = db.session.get(WorkPlanMilestone, milestone_id)
    if step is None or step.item.plan.chain_id != chain.id:
        abort(404)
    form = ConfirmForm()
    again = lambda status: _page(chain, step.item.plan.year, status, confirm_forms={step.id: form})  # noqa: E731
    if not form.validate_on_submit():
        return again(400)
    return run(lambda: plan_progress.confirm_milestone(acting_user(), step, form.done_on.data),
               "已确认该节点完成。", _url(chain, step.item.plan.year), again, form)


@bp.post("/chains/<code>/plan/items/<int:item_id>/complete")
@login_required
def plan_item_complete(code, item_id):
    chain = _chain(code)
    item = _item(chain, item_id)
    return run(lambda: plan_progress.complete(acting_user(), item), "已标记事项完成。", _url(chain, item.plan.year))


@bp.route("/plans")
@login_required
@leaders_may_read
def plans_overview():
    actor = acting_user()
    chains = oversight.viewable_chains(actor)
    require(bool(chains), "没有可查看的产业链工作计划。")
    year = _year()
    return render_template("admin/plans_overview.html", year=year, rows=plan_progress.overview(chains, year),
                           years=sorted({clock.today().year + 1, *range(year - 3, year + 1)}, reverse=True),
                           decision_form=DecisionForm(formdata=None))
