"""The lead department's evaluation desk: rubric, reviewers, score table and export, selection,
公示 and objections, 立项 and 流榜. Experts' own review pages are here too."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from .. import bounds, clock
from ..access import acting_user, login_required, require
from ..challenges.routes import get_challenge
from ..extensions import db
from ..formkit import options
from ..models import Objection, Publicity, Review, ReviewState, User
from ..models.review import default_due_on
from ..proposals.routes import get_proposal
from ..services import browse, recommend_feedback, reviews, score_export, selection
from ..services.recommend.candidates import reviewers_for
from ..services.visibility import can_view, is_manager
from ..webkit import run
from .forms import (
    ApproveForm,
    AssignForm,
    DueForm,
    ObjectionForm,
    ResponseForm,
    RubricForm,
    SelectForm,
    score_form,
)

bp = Blueprint("evaluation", __name__)


def _managed_challenge(challenge_id: int):
    challenge = get_challenge(challenge_id)
    require(is_manager(current_user, challenge), "仅限本链牵头部门与平台管理员。")
    return challenge


def _selection_label(row) -> str:
    """The applicant, its mean score and how many of its reviews are in: selecting before all experts
    have scored should be a visible, deliberate choice."""
    assigned = [r for r in row.reviews if r.state is not ReviewState.recused]
    done = len(row.totals)
    score = f"均分 {row.mean:.2f}" if row.mean is not None else "尚无评分"
    pending = f"，{len(assigned) - done} 位专家未评完" if done < len(assigned) else ""
    return f"{row.proposal.organisation.name}（{score}，已评 {done}/{len(assigned)}{pending}）"


def _assign_form(proposal, formdata=None) -> AssignForm:
    """Experts ranked by fit with the proposal; conflicted ones last, marked 回避 with the reason. The
    due date starts at today + REVIEW_DAYS."""
    form = AssignForm(formdata=formdata, data={"due_on": default_due_on()})
    choices = []
    for s in reviewers_for(proposal):
        label = f"{s.expert.name}（{s.expert.organisation.name}）"
        if s.conflict:
            label += f" — 回避：{s.conflict}"
        elif s.item is not None:
            label += f" — 匹配度 {s.item.match:.0f}：{'、'.join(s.item.words[:4])}"
        # Conflicted experts stay visible (with the reason) but cannot be chosen.
        choices.append(SelectChoice(s.expert.id, label, render_kw={"disabled": True} if s.conflict else {}))
    form.expert_id.choices = choices
    form.assignable = any(not choice.render_kw for choice in choices)
    # Why none can be assigned: the committee is used up, or everyone left has a conflict.
    form.conflicted = sum(1 for choice in choices if choice.render_kw)
    return form


def _select_form(table, formdata=None) -> SelectForm:
    """The proposals that may still be selected, each with its score and unfinished reviews."""
    form = SelectForm(formdata=formdata)
    form.proposal_ids.choices = options([(r.proposal.id, _selection_label(r)) for r in table
                                         if r.proposal.state in selection.SELECTABLE])
    return form


def _desk(challenge, status=200, **forms):
    criteria = reviews.rubric(challenge)
    context = dict(
        challenge=challenge, table=reviews.score_table(challenge), criteria=criteria,
        committee=reviews.committee(challenge), default_reviewers=reviews.DEFAULT_REVIEWERS,
        publicity=selection.current_publicity(challenge), today=clock.today(),
        review_days=current_app.config["REVIEW_DAYS"], due_max_days=reviews.DUE_MAX_DAYS,
        reminder_days=reviews.REMINDER_DAYS,
        rubric_form=RubricForm(formdata=None, rubric="\n".join(f"{n} {w}" for n, w in criteria)),
    )
    context["select_form"] = _select_form(context["table"])
    # One 立项 form per proposal (赛马), pre-filled from it; a refused one comes back with the input.
    approve_forms = {p.id: ApproveForm(formdata=None, data=selection.approve_defaults(p))
                     for p in challenge.proposals if p.awaits_approval}
    approve_forms.update(forms.pop("approve_forms", {}))
    context["approve_forms"] = approve_forms
    context["assign_forms"] = {r.proposal.id: _assign_form(r.proposal) for r in context["table"]}
    context["assign_forms"].update(forms.pop("assign_forms", {}))
    # One due-date form per review still waiting for its expert; a refused one comes back with the input.
    context["due_forms"] = {r.id: DueForm(formdata=None, data={"due_on": r.due_on})
                            for row in context["table"] for r in row.reviews if r.is_pending}
    context["due_forms"].update(forms.pop("due_forms", {}))
    context.update(forms)
    return render_template("evaluation/desk.html", **context), status


@bp.route("/challenges/<int:challenge_id>/evaluation")
@login_required
def desk(challenge_id):
    return _desk(_managed_challenge(challenge_id))


def _back(challenge):
    return url_for("evaluation.desk", challenge_id=challenge.id)


@bp.post("/challenges/<int:challenge_id>/rubric")
@login_required
def set_rubric(challenge_id):
    challenge = _managed_challenge(challenge_id)
    form = RubricForm()
    criteria = []
    for line in (form.rubric.data or "").splitlines():
        parts = line.replace("：", " ").replace(":", " ").split()
        if len(parts) >= 2 and parts[-1].isdecimal() and len(parts[-1]) <= 3:  # "²" is a digit int() refuses
            criteria.append((" ".join(parts[:-1]), int(parts[-1])))
        elif line.strip():
            criteria = []
            break
    return run(lambda: reviews.set_rubric(acting_user(), challenge, criteria), "评审细则已更新。", _back(challenge),
               lambda status: _desk(challenge, status, rubric_form=form), form)


@bp.post("/proposals/<int:proposal_id>/reviewers")
@login_required
def assign(proposal_id):
    proposal = get_proposal(proposal_id)
    challenge = _managed_challenge(proposal.challenge_id)
    form = _assign_form(proposal, request.form)

    def again(status):
        return _desk(challenge, status, assign_forms={proposal.id: form})

    if not form.validate_on_submit():
        if form.expert_id.errors:
            abort(400, description="请选择评审专家。")
        return again(400)  # an unreadable due date: the desk again, with what was typed
    expert = db.get_or_404(User, form.expert_id.data)
    rank = bounds.form_int(request.form, "rank", 1, 10_000, "推荐排名无效。")  # before anything is written

    def action():
        review = reviews.assign(acting_user(), proposal, expert, form.due_on.data)
        recommend_feedback.record(acting_user(), "reviewers", f"prop:{proposal.id}", f"exp:{expert.id}", "assigned",
                         challenge.chain_id, rank)
        return review

    return run(action, lambda review: f"已分配专家 {expert.name}，评审截止日期 {review.due_on}。", _back(challenge),
               again, form)


@bp.post("/reviews/<int:review_id>/due")
@login_required
def change_due(review_id):
    """The chain admin moves the due date of a review still waiting for its expert (from the desk)."""
    item = db.get_or_404(Review, review_id)
    challenge = _managed_challenge(item.proposal.challenge_id)
    form = DueForm()

    def again(status):
        return _desk(challenge, status, due_forms={item.id: form})

    if not form.validate_on_submit():
        return again(400)
    return run(lambda: reviews.change_due(acting_user(), item, form.due_on.data),
               f"已将{item.expert.name}的评审截止日期改为 {form.due_on.data}。", _back(challenge), again, form)


@bp.route("/challenges/<int:challenge_id>/scores.xlsx")
@login_required
def export(challenge_id):
    challenge = _managed_challenge(challenge_id)
    data = score_export.workbook(challenge)
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", headers={
        "Content-Disposition": f"attachment; filename=scores-{challenge.id}.xlsx"})


@bp.post("/challenges/<int:challenge_id>/select")
@login_required
def select(challenge_id):
    challenge = _managed_challenge(challenge_id)
    form = _select_form(reviews.score_table(challenge), formdata=request.form)
    if not form.validate_on_submit():
        return _desk(challenge, 400, select_form=form)
    chosen = [p for p in challenge.proposals if p.id in set(form.proposal_ids.data)]

    def action():
        selection.select(acting_user(), challenge, chosen, form.text.data or "")
        for proposal in chosen:  # credit the recommendation that found this institution, if any
            recommend_feedback.record_if_recommended(acting_user(), challenge, proposal.organisation_id, "selected")

    return run(action,
               "已确定拟立项方案并开始公示。", _back(challenge), lambda status: _desk(challenge, status, select_form=form))


@bp.post("/challenges/<int:challenge_id>/fail")
@login_required
def fail(challenge_id):
    challenge = _managed_challenge(challenge_id)
    return run(lambda: selection.fail(acting_user(), challenge, request.form.get("reason", "")), "已作流榜处理。",
               _back(challenge))


@bp.post("/proposals/<int:proposal_id>/approve")
@login_required
def approve(proposal_id):
    proposal = get_proposal(proposal_id)
    challenge = _managed_challenge(proposal.challenge_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        return _desk(challenge, 400, approve_forms={proposal.id: form})
    return run(lambda: selection.approve(acting_user(), proposal, form.funding_wan.data, form.start_date.data,
                                         form.end_date.data, form.task_book.data, form.confirm_over_budget.data,
                                         form.over_budget_reason.data or ""),
               "项目已立项。", lambda project: url_for("projects.show", project_id=project.id),
               lambda status: _desk(challenge, status, approve_forms={proposal.id: form}), form)


# ----- 公示 ---------------------------------------------------------------------------------------

@bp.route("/publicity/")
def notices():
    """The public list of 公示: selection results open to objections, and past ones."""
    open_only = request.args.get("open") == "1"
    page = browse.notices(current_user, request.args.get("page", 1, type=int), open_only=open_only)
    return render_template("evaluation/notices.html", page=page, open_only=open_only, today=clock.today())


@bp.route("/publicity/<int:publicity_id>")
def publicity(publicity_id):
    return _publicity_page(db.get_or_404(Publicity, publicity_id))  # public, like every 公示 (browse.notices)


def _publicity_page(notice, form=None, status: int = 200):
    """A 公示, with an objection form carrying the user's input and errors when one is passed."""
    manager = current_user.is_authenticated and is_manager(current_user, notice.challenge)
    return render_template("evaluation/publicity.html", notice=notice, selected=notice.selected_proposals,
                           manager=manager, listing_visible=can_view(current_user, notice.challenge),
                           mine=[] if manager else selection.own_objections(current_user, notice),
                           form=form or ObjectionForm(formdata=None), response_form=ResponseForm(formdata=None)), status


@bp.post("/publicity/<int:publicity_id>/objections")
@login_required
def object_to(publicity_id):
    notice = db.get_or_404(Publicity, publicity_id)
    form = ObjectionForm()
    back = url_for("evaluation.publicity", publicity_id=notice.id)

    def again(status):
        return _publicity_page(notice, form, status)

    if not form.validate_on_submit():
        return again(400)
    return run(lambda: selection.object_to(acting_user(), notice, form.text.data), "异议已提交，牵头部门将予以答复。",
               back, again, form)


@bp.post("/objections/<int:objection_id>/respond")
@login_required
def respond(objection_id):
    objection = db.get_or_404(Objection, objection_id)
    form = ResponseForm()
    if not form.validate_on_submit():
        abort(400, description="请填写处理意见。")
    return run(lambda: selection.respond(acting_user(), objection, form.response.data), "已答复异议。",
               url_for("evaluation.publicity", publicity_id=objection.publicity_id))


# ----- experts ------------------------------------------------------------------------------------

@bp.route("/reviews/")
@login_required
def my_reviews():
    return render_template("evaluation/reviews.html", rows=reviews.assignments(acting_user()))


def _own_review(review_id: int) -> Review:
    review = db.get_or_404(Review, review_id)
    if review.expert_id != current_user.id:
        abort(404)
    require(current_user.can_act, "您所在机构尚未通过平台认证（或账号已停用），暂不能查看评审任务。")
    return review


@bp.route("/reviews/<int:review_id>", methods=["GET", "POST"])
@login_required
def review(review_id):
    item = _own_review(review_id)
    criteria = reviews.rubric(item.proposal.challenge)
    data = {f"c{i}": item.scores.get(name) for i, (name, _) in enumerate(criteria)} | {"comment": item.comment}
    form = score_form(criteria, request.form if request.method == "POST" else None, data=data)

    def again(status):
        return render_template("evaluation/review.html", review=item, form=form, criteria=criteria), status

    if request.method == "GET" or not form.validate_on_submit():
        return again(400 if request.method == "POST" else 200)
    scores = {name: float(getattr(form, f"c{i}").data) for i, (name, _) in enumerate(criteria)}
    return run(lambda: reviews.submit(acting_user(), item, scores, form.comment.data), "评分已提交，谢谢！",
               url_for("evaluation.my_reviews"), again, form)


@bp.post("/reviews/<int:review_id>/recuse")
@login_required
def recuse(review_id):
    item = _own_review(review_id)
    return run(lambda: reviews.recuse(acting_user(), item, request.form.get("reason", "")), "已回避该评审。",
               url_for("evaluation.my_reviews"))


