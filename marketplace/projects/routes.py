"""Projects: timeline, milestones with evidence, mid-term check, 赛马 stage gate, 验收, termination."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask_login import current_user

from ..access import acting_user, login_required
from ..extensions import db
from ..formkit import field_errors
from ..models import Attachment, Milestone, Project
from ..services import attachment_rules, attachments, audit, projects
from ..webkit import run, send_attachment
from .forms import AcceptanceForm, EvidenceForm, MidtermForm, ReasonForm, StageGateForm

bp = Blueprint("projects", __name__)


def get_project(project_id: int) -> Project:
    project = db.get_or_404(Project, project_id)
    if not projects.can_view(current_user, project):
        abort(404)
    return project


def get_milestone(project: Project, milestone_id: int) -> Milestone:
    milestone = db.get_or_404(Milestone, milestone_id)
    if milestone.project_id != project.id:
        abort(404)
    return milestone


@bp.route("/")
@login_required
def index():
    user = acting_user()
    query = db.select(Project).order_by(Project.created_at.desc())
    rows = [p for p in db.session.scalars(query) if projects.can_view(user, p)]
    return render_template("projects/index.html", rows=rows)


def _render(project, status=200, **forms):
    milestone_files = {m.id: attachments.of(m) for m in project.milestones}
    context = dict(
        project=project,
        evidence_form=EvidenceForm(formdata=None), reason_form=ReasonForm(formdata=None),
        midterm_form=MidtermForm(formdata=None), stage_form=StageGateForm(formdata=None),
        acceptance_form=AcceptanceForm(formdata=None), indicators=projects.indicator_items(project.challenge.indicators),
        events=audit.trail(project), milestone_files=milestone_files, racing=len(project.challenge.projects) > 1,
    )
    context.update(forms)
    return render_template("projects/show.html", **context), status


@bp.route("/<int:project_id>")
@login_required
def show(project_id):
    return _render(get_project(project_id))


def _back(project):
    return url_for("projects.show", project_id=project.id)


def _invalid(project, **forms):
    """A refused evidence or reason form: these sit in the milestone list as bare text boxes with no
    error display of their own, so each message is flashed (once) above the page."""
    for form in forms.values():
        for _, _, message in field_errors(form):
            flash(message, "danger")
    return _render(project, 400, **forms)


@bp.post("/<int:project_id>/start")
@login_required
def start(project_id):
    project = get_project(project_id)
    return run(lambda: projects.start(acting_user(), project), "项目已启动实施。", _back(project))


@bp.post("/<int:project_id>/milestones/<int:milestone_id>/submit")
@login_required
def submit_milestone(project_id, milestone_id):
    project = get_project(project_id)
    milestone = get_milestone(project, milestone_id)
    form = EvidenceForm()
    if not form.validate_on_submit():
        return _invalid(project, evidence_form=form)
    upload = request.files.get("attachment")

    def action():
        projects.submit_milestone(acting_user(), milestone, form.evidence.data)
        if upload and upload.filename:
            attachment_rules.add(acting_user(), milestone, upload, current_app.instance_path)

    return run(action, "里程碑成果已提交，待发榜企业和牵头部门确认。", _back(project),
               lambda status: _render(project, status, evidence_form=form))


@bp.post("/<int:project_id>/milestones/<int:milestone_id>/confirm")
@login_required
def confirm_milestone(project_id, milestone_id):
    project = get_project(project_id)
    milestone = get_milestone(project, milestone_id)
    return run(lambda: projects.confirm_milestone(acting_user(), milestone), "已确认。", _back(project))


@bp.post("/<int:project_id>/milestones/<int:milestone_id>/reject")
@login_required
def reject_milestone(project_id, milestone_id):
    project = get_project(project_id)
    milestone = get_milestone(project, milestone_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _invalid(project, reason_form=form)
    return run(lambda: projects.reject_milestone(acting_user(), milestone, form.reason.data), "已退回该里程碑。",
               _back(project), lambda status: _render(project, status, reason_form=form))


@bp.route("/<int:project_id>/milestones/<int:milestone_id>/files/<int:attachment_id>")
@login_required
def milestone_file(project_id, milestone_id, attachment_id):
    project = get_project(project_id)
    milestone = get_milestone(project, milestone_id)
    return send_attachment(db.get_or_404(Attachment, attachment_id), "milestone", milestone.id)


@bp.post("/<int:project_id>/midterm")
@login_required
def midterm(project_id):
    project = get_project(project_id)
    form = MidtermForm()
    if not form.validate_on_submit():
        return _render(project, 400, midterm_form=form)
    return run(lambda: projects.midterm(acting_user(), project, form.midterm_result.data, form.midterm_note.data), "中期检查结论已记录。",
               _back(project), lambda status: _render(project, status, midterm_form=form), form)


@bp.post("/<int:project_id>/stage-gate")
@login_required
def stage_gate(project_id):
    project = get_project(project_id)
    form = StageGateForm()
    if not form.validate_on_submit():
        return _render(project, 400, stage_form=form)
    return run(lambda: projects.stage_gate(acting_user(), project, form.decision.data, form.gate_note.data),
               "阶段评估决定已记录。", _back(project), lambda status: _render(project, status, stage_form=form), form)


@bp.post("/<int:project_id>/acceptance")
@login_required
def acceptance(project_id):
    project = get_project(project_id)
    form = AcceptanceForm()
    if not form.validate_on_submit():
        return _render(project, 400, acceptance_form=form)
    items = projects.indicator_items(project.challenge.indicators)
    checks = [{"met": request.form.get(f"met_{i}") == "yes", "note": request.form.get(f"note_{i}", "")}
              for i in range(len(items)) if request.form.get(f"met_{i}") in ("yes", "no")]
    passed = form.acceptance_result.data == "passed"

    def back(achievement):
        return url_for("listings.achievement", listing_id=achievement.id) if achievement else _back(project)

    return run(lambda: projects.accept(acting_user(), project, checks, passed, form.acceptance_note.data,
                                       form.trl.data),
               "验收通过，成果已进入成果库。" if passed else "已记录验收不通过，项目终止。", back,
               lambda status: _render(project, status, acceptance_form=form), form)


@bp.post("/<int:project_id>/terminate")
@login_required
def terminate(project_id):
    project = get_project(project_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _invalid(project, reason_form=form)
    return run(lambda: projects.terminate(acting_user(), project, form.reason.data), "项目已终止。", _back(project),
               lambda status: _render(project, status, reason_form=form))


