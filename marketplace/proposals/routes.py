"""Proposals: write, consortium, submit, withdraw; shortlist or decline (poster, lead department)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import acting_user, login_required, require
from ..challenges.routes import get_challenge
from ..extensions import db
from ..formkit import apply_error, options
from ..models import Attachment, ConsortiumMember, MemberState, Organisation, Project, Proposal
from ..services import attachment_rules, attachments, audit, projects, proposals, recommend_feedback, selection
from ..services.errors import ServiceError
from ..services.visibility import is_manager
from ..webkit import run, send_attachment
from .forms import DeclineForm, MemberInviteForm, ProposalForm

bp = Blueprint("proposals", __name__)


def get_proposal(proposal_id: int) -> Proposal:
    proposal = db.get_or_404(Proposal, proposal_id)
    if not proposals.can_view(current_user, proposal):
        abort(404)
    return proposal


def _fields(form: ProposalForm) -> dict:
    return {"technical_plan": form.technical_plan.data.strip(), "team": form.team.data.strip(),
            "track_record": (form.track_record.data or "").strip(), "price_wan": form.price_wan.data,
            "schedule": (form.schedule.data or "").strip()}


def _show_in_cell(form, problem) -> bool:
    """Put a row's problem in its cell (the summary then links to that cell); False for the plan's."""
    row, name = getattr(problem, "row", None), getattr(problem, "field", None)
    if not row or not name or row > len(form.milestones.entries):
        return False
    cell = form.milestones.entries[row - 1].form[name]
    cell.errors = list(cell.errors) + ([problem] if problem not in cell.errors else [])
    return True


def _save(form, challenge, proposal=None):
    """Validate the form and its milestones, then create or update; re-render on any refusal with
    every problem at once (the fields', the half-filled rows' and the milestone plan's)."""
    def again(status):
        return render_template("proposals/form.html", form=form, challenge=challenge, proposal=proposal,
                               project_end=proposals.project_end(challenge)), status

    if not form.is_submitted():
        return again(200)
    valid = form.validate_on_submit()
    rows = form.milestone_rows()
    if rows or form.milestones_blank():  # rows that are only half filled already say what is missing
        problems = proposals.milestone_problems(challenge, rows, draft=True)
        plan = [problem for problem in problems if not _show_in_cell(form, problem)]
        if plan:
            apply_error(form, ServiceError(plan, field="milestones"))
        valid = valid and not problems
    if not valid:
        return again(400)
    if form.price_wan.data > challenge.budget_wan:
        flash(f"提示：报价 {form.price_wan.data:,.2f} 万元高于榜额 {challenge.budget_wan:,.2f} 万元，评审时将关注经费合理性。",
              "warning")
    if proposal is None:
        return run(lambda: proposals.create(acting_user(), challenge, rows, **_fields(form)), "方案草稿已保存。",
                   lambda p: url_for("proposals.show", proposal_id=p.id), again, form)
    return run(lambda: proposals.update(acting_user(), proposal, form.version.data, rows, **_fields(form)), "方案已保存。",
               url_for("proposals.show", proposal_id=proposal.id), again, form)


@bp.route("/challenges/<int:challenge_id>/proposals/new", methods=["GET", "POST"])
@login_required
def new(challenge_id):
    challenge = get_challenge(challenge_id)
    proposals.check_may_apply(acting_user(), challenge)  # a refusal is answered by security.refused (403, 409)
    existing = db.session.scalar(db.select(Proposal).filter_by(
        challenge_id=challenge.id, organisation_id=current_user.organisation_id))
    if existing is not None:
        return redirect(url_for("proposals.show", proposal_id=existing.id))
    return _save(ProposalForm(), challenge)


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(proposal_id):
    proposal = get_proposal(proposal_id)
    require(proposals.is_applicant(current_user, proposal), "只有牵头机构可以修改方案。")
    form = ProposalForm(obj=proposal if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = proposal.version
        for entry, milestone in zip(form.milestones.entries, proposal.milestones):
            entry.form.process(None, obj=milestone)
    return _save(form, proposal.challenge, proposal)


@bp.route("/proposals/mine")
@login_required
def mine():
    rows = db.session.scalars(db.select(Proposal).where(
        (Proposal.organisation_id == current_user.organisation_id)
        | Proposal.id.in_(db.select(ConsortiumMember.proposal_id).where(
            ConsortiumMember.organisation_id == current_user.organisation_id,
            ConsortiumMember.state != MemberState.declined))
    ).order_by(Proposal.updated_at.desc())).all()
    return render_template("proposals/mine.html", rows=rows)


def _member_form(proposal, formdata=None) -> MemberInviteForm:
    form = MemberInviteForm(formdata=formdata)
    taken = {m.organisation_id for m in proposal.members} | {proposal.organisation_id, proposal.challenge.organisation_id}
    orgs = db.session.scalars(db.select(Organisation).where(
        Organisation.is_verified, ~Organisation.is_government).order_by(Organisation.name))
    form.organisation_id.choices = options([(o.id, o.name) for o in orgs if o.id not in taken])
    return form


@bp.route("/proposals/<int:proposal_id>")
@login_required
def show(proposal_id):
    return _render(get_proposal(proposal_id))


def _render(proposal, status: int = 200):
    """The proposal page; after a refused action it is shown again with the reason (4xx)."""
    proposal = db.session.get(Proposal, proposal.id)
    user = acting_user()
    applicant = proposals.is_applicant(user, proposal)
    context = dict(proposal=proposal, is_manager=is_manager(user, proposal.challenge), attachments=attachments.of(proposal),
                   decline_form=DeclineForm(formdata=None),
                   my_membership=next((m for m in proposal.members if m.organisation_id == user.organisation_id), None))
    project = db.session.scalar(db.select(Project).filter_by(proposal_id=proposal.id))
    context["project"] = project if project and projects.can_view(user, project) else None  # after 立项
    if applicant:
        context["member_form"] = _member_form(proposal)
    if applicant or context["is_manager"]:
        events = audit.trail(proposal)
        if not context["is_manager"]:  # applicants never learn who reviewed them
            events = [e for e in events if not e.action.startswith("review_")]
        context["events"] = events
    return render_template("proposals/show.html", **context), status


def _back(proposal):
    return url_for("proposals.show", proposal_id=proposal.id)


def _again(proposal):
    return lambda status: _render(proposal, status)


@bp.post("/proposals/<int:proposal_id>/submit")
@login_required
def submit(proposal_id):
    proposal = get_proposal(proposal_id)
    return run(lambda: proposals.submit(acting_user(), proposal), "方案已提交。", _back(proposal))


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def withdraw(proposal_id):
    proposal = get_proposal(proposal_id)
    return run(lambda: proposals.withdraw(acting_user(), proposal, request.form.get("reason", "")), "方案已撤回。",
               _back(proposal))


@bp.post("/proposals/<int:proposal_id>/members")
@login_required
def invite_member(proposal_id):
    proposal = get_proposal(proposal_id)
    form = _member_form(proposal, request.form)
    if not form.validate_on_submit():
        abort(400, description="请选择要邀请的成员单位。")
    organisation = db.get_or_404(Organisation, form.organisation_id.data)
    return run(lambda: proposals.invite_member(acting_user(), proposal, organisation, form.role.data or ""),
               f"已邀请{organisation.name}加入联合体。", _back(proposal), _again(proposal))


@bp.post("/proposals/<int:proposal_id>/members/<int:member_id>/<any(accept, decline):answer>")
@login_required
def respond_member(proposal_id, member_id, answer):
    proposal = get_proposal(proposal_id)
    member = db.get_or_404(ConsortiumMember, member_id)
    if member.proposal_id != proposal.id:
        abort(404)
    return run(lambda: proposals.respond_member(acting_user(), member, answer == "accept"),
               "已接受联合体邀请。" if answer == "accept" else "已拒绝联合体邀请。", _back(proposal))


@bp.post("/proposals/<int:proposal_id>/shortlist")
@login_required
def shortlist(proposal_id):
    proposal = get_proposal(proposal_id)

    def action():
        selection.shortlist(acting_user(), proposal)
        recommend_feedback.record_if_recommended(acting_user(), proposal.challenge, proposal.organisation_id, "shortlisted")

    return run(action, "方案已入围。", _back(proposal))


@bp.post("/proposals/<int:proposal_id>/decline")
@login_required
def decline(proposal_id):
    proposal = get_proposal(proposal_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        abort(400, description="请选择未入围原因。")
    return run(lambda: selection.decline(acting_user(), proposal, form.code.data, form.reason.data or ""),
               "已作未入围处理。", _back(proposal), _again(proposal))


@bp.post("/proposals/<int:proposal_id>/attachments")
@login_required
def upload(proposal_id):
    proposal = get_proposal(proposal_id)
    file = request.files.get("attachment")
    if not file or not file.filename:
        abort(400, description="请选择要上传的文件。")
    return run(lambda: attachment_rules.add(acting_user(), proposal, file, current_app.instance_path),
               "附件已上传。", _back(proposal))


@bp.route("/proposals/<int:proposal_id>/attachments/<int:attachment_id>")
@login_required
def download(proposal_id, attachment_id):
    proposal = get_proposal(proposal_id)
    return send_attachment(db.get_or_404(Attachment, attachment_id), "proposal", proposal.id)


