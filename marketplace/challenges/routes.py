"""The 榜单: browse, post, edit, review and close challenges."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask_login import current_user

from ..access import acting_user, login_required, require, verified_required
from ..extensions import db
from ..formkit import options
from ..models import (
    Challenge,
    ChallengeMode,
    ChallengeState,
    Organisation,
    ProposalState,
    Visibility,
)
from ..models.base import join_keywords
from ..services import (
    attachments,
    audit,
    browse,
    challenges,
    key_links,
    recommend_feedback,
)
from ..services import chains as chain_service
from ..services.recommend import candidates, duplicates
from ..services.visibility import can_view, can_view_details, is_manager
from ..webkit import run
from .forms import (
    AnswerForm,
    AttachmentForm,
    ChallengeForm,
    InviteInstitutionForm,
    QuestionForm,
    ReasonForm,
)

bp = Blueprint("challenges", __name__)


def get_challenge(challenge_id: int) -> Challenge:
    """The challenge if this user may see it; 404 otherwise (its existence is not revealed)."""
    challenge = db.get_or_404(Challenge, challenge_id)
    if not can_view(current_user, challenge):
        abort(404)
    return challenge


def _chain_choices(form: ChallengeForm) -> None:
    form.chain_id.choices = options([(c.id, c.name) for c in chain_service.all_chains()])


def _fields(form: ChallengeForm) -> dict:
    from ..models import IPTerms

    return {
        "title": form.title.data.strip(), "chain_id": form.chain_id.data, "mode": ChallengeMode(form.mode.data),
        "background": form.background.data or "", "difficulty": form.difficulty.data or "",
        "indicators": form.indicators.data or "", "expected_outcome": form.expected_outcome.data or "",
        "budget_wan": form.budget_wan.data, "deadline": form.deadline.data, "period_months": form.period_months.data,
        "conditions": form.conditions.data or "",
        "keywords": join_keywords(form.keywords.data),
        "ip_terms": IPTerms(form.ip_terms.data), "visibility": Visibility(form.visibility.data),
        "contact_name": form.contact_name.data.strip(), "contact_phone": form.contact_phone.data.strip(),
    }


@bp.route("/")
def index():
    filters = browse.Filters.from_args(request.args)
    page = browse.challenges(current_user, filters, request.args.get("page", 1, type=int))
    # An institution sees which listings of this page it has already answered (已揭榜): one query.
    answered = candidates.answered_challenges(current_user.organisation_id, [c.id for c in page.items]) \
        if current_user.is_authenticated and current_user.organisation_id else set()
    return render_template("challenges/index.html", page=page, filters=filters, answered=answered,
                           chains=chain_service.all_chains(), sorts=browse.SORTS)


@bp.route("/mine")
@login_required
def mine():
    rows = db.session.scalars(db.select(Challenge).filter_by(organisation_id=current_user.organisation_id)
                              .order_by(Challenge.updated_at.desc())).all()
    return render_template("challenges/mine.html", rows=rows)


@bp.route("/review")
@login_required
def review_queue():
    require(current_user.is_platform_admin or current_user.is_chain_admin, "仅限产业链牵头部门与平台管理员。")
    query = db.select(Challenge).filter_by(state=ChallengeState.submitted).order_by(Challenge.updated_at)
    if not current_user.is_platform_admin:
        query = query.filter_by(chain_id=current_user.admin_chain_id)
    return render_template("challenges/review.html", rows=db.session.scalars(query).all(),
                           quota_report=key_links.over_quota_report())


@bp.route("/new", methods=["GET", "POST"])
@verified_required
def new():
    challenges.check_may_create(acting_user())  # the service's own rule and message, before the form
    form = ChallengeForm()
    _chain_choices(form)
    if request.method == "GET":
        organisation = current_user.organisation
        form.contact_name.data, form.contact_phone.data = organisation.contact_name, organisation.contact_phone
        if organisation.lead_chains:
            form.chain_id.data = organisation.lead_chains[0].id
    # 为此环节征集榜单 links here with ?key_link=<id>: the form names the link and starts on its chain and
    # targets; the chain's department attaches the listing to the link once it is published.
    answering = key_links.public_link(request.args.get("key_link", ""))
    if answering is not None and request.method == "GET":
        form.chain_id.data = answering.chain_id
        form.indicators.data = form.indicators.data or answering.target_indicators

    def again(status):  # 409 for a double submit, 400 for input
        return render_template("challenges/form.html", form=form, challenge=None, answering=answering), status

    if not form.validate_on_submit():
        return again(400 if form.is_submitted() else 200)
    return run(lambda: challenges.create(acting_user(), **_fields(form)), "榜单草稿已保存。检查无误后请提交牵头部门审核。",
               _back, again, form, code=302)


@bp.route("/<int:challenge_id>")
def show(challenge_id):
    return render_show(get_challenge(challenge_id))


def render_show(challenge: Challenge, status: int = 200, **forms):
    """The listing page; `forms` replaces blank forms with ones carrying the user's input and errors."""
    details = can_view_details(current_user, challenge)
    user = current_user if current_user.is_authenticated else None
    context = dict(
        challenge=challenge, details=details,
        return_form=_reason_form("return_form", formdata=None), withdraw_form=_reason_form("withdraw_form", formdata=None),
        question_form=QuestionForm(formdata=None), answer_form=AnswerForm(formdata=None),
        attachment_form=AttachmentForm(formdata=None),
        is_owner=bool(user and challenges.is_owner(user, challenge)),
        is_manager=is_manager(user, challenge), attachments=attachments.of(challenge) if details else [],
    )
    if context["is_owner"] or context["is_manager"]:
        filters = {k: request.args.get(f"rec_{k}", "") for k in ("chain", "org_type", "region")}
        context["rec_filters"] = filters
        context["all_chains"] = chain_service.all_chains()
        context["recommendations"] = candidates.for_challenge(challenge, **filters)
        if challenge.state in (ChallengeState.draft, ChallengeState.returned, ChallengeState.submitted):
            context["similar"] = duplicates.similar_challenges(challenge, user)
            context["similarity"] = {item.doc_id: duplicates.similarity(challenge, item) for item in context["similar"]}
            context["duplicate_threshold"] = duplicates.DUPLICATE_SIMILARITY
            context["likely_duplicate"] = any(share is not None and share >= duplicates.DUPLICATE_SIMILARITY
                                              for share in context["similarity"].values())
        context["events"] = audit.trail(challenge)
        if challenge.takes_invitations:
            context["invite_form"] = _invite_form(challenge)  # lists every institution: only when used
        context["proposals"] = [p for p in challenge.proposals if p.state is not ProposalState.draft]
    if user is not None:
        context["own_proposal"] = next((p for p in challenge.proposals if p.organisation_id == user.organisation_id), None)
    context.update(forms)
    return render_template("challenges/show.html", **context), status


def _invite_form(challenge, formdata=None) -> InviteInstitutionForm:
    form = InviteInstitutionForm(formdata=formdata)
    invited = challenge.invited_organisation_ids
    institutions = db.session.scalars(db.select(Organisation).where(
        Organisation.is_verified, Organisation.is_institution).order_by(Organisation.name))
    form.organisation_id.choices = options([(o.id, o.name) for o in institutions if o.id not in invited])
    return form


@bp.route("/<int:challenge_id>/edit", methods=["GET", "POST"])
@verified_required
def edit(challenge_id):
    challenge = get_challenge(challenge_id)
    require(challenges.is_owner(current_user, challenge), "只有发榜企业可以修改榜单。")
    form = _edit_form(challenge) if request.method == "GET" else ChallengeForm()
    _chain_choices(form)

    def again(status):
        return render_template("challenges/form.html", form=form, challenge=challenge), status

    if not form.validate_on_submit():
        return again(400 if form.is_submitted() else 200)
    return run(lambda: challenges.update(acting_user(), challenge, int(form.version.data or 0), **_fields(form)),
               lambda changed: "已保存修改。" if changed else "内容没有变化。", _back(challenge), again, form, code=302)


def _edit_form(challenge: Challenge) -> ChallengeForm:
    """The edit form filled from the listing (enums as their codes, and the version it was read at)."""
    form = ChallengeForm(obj=challenge, formdata=None)
    form.mode.data, form.ip_terms.data = challenge.mode.value, challenge.ip_terms.value
    form.visibility.data, form.version.data = challenge.visibility.value, challenge.version
    return form


def _back(challenge: Challenge) -> str:
    return url_for("challenges.show", challenge_id=challenge.id)


def _again(challenge: Challenge, form_name: str | None = None, form=None):
    """The listing page again after a refusal, carrying `form` (the user's input and its errors)."""
    return lambda status: render_show(challenge, status, **({form_name: form} if form_name else {}))


@bp.post("/<int:challenge_id>/submit")
@login_required
def submit(challenge_id):
    challenge = get_challenge(challenge_id)
    missing = challenges.missing_for_review(challenge) if challenges.is_owner(current_user, challenge) else []
    if missing:  # the edit form, each missing field marked, rather than a message far from the fields
        form = _edit_form(challenge)
        _chain_choices(form)
        for name, label in missing:
            getattr(form, name).errors = [f"提交审核前请填写{label}。"]
        form.form_errors.append("榜单尚缺审核所需的内容：请补充后保存，再提交审核。")
        return render_template("challenges/form.html", form=form, challenge=challenge), 400
    return run(lambda: challenges.submit(acting_user(), challenge), "已提交牵头部门审核。", _back(challenge))


@bp.post("/<int:challenge_id>/approve")
@login_required
def approve(challenge_id):
    challenge = get_challenge(challenge_id)
    return run(lambda: challenges.approve(acting_user(), challenge), "榜单已审核通过并发布。", _back(challenge))


def _reason_form(name: str, **kwargs) -> ReasonForm:
    """The reason box of 退回修改 or 撤回, each with its own id (the error summary links to it)."""
    form = ReasonForm(**kwargs)
    form.reason.id = name.replace("_form", "-reason")
    return form


@bp.post("/<int:challenge_id>/return")
@login_required
def return_for_changes(challenge_id):
    challenge = get_challenge(challenge_id)
    form = _reason_form("return_form")
    again = _again(challenge, "return_form", form)
    if not form.validate_on_submit():
        return again(400)
    return run(lambda: challenges.return_for_changes(acting_user(), challenge, form.reason.data), "已退回发榜企业修改。",
               _back(challenge), again, form)


@bp.post("/<int:challenge_id>/close")
@login_required
def close(challenge_id):
    challenge = get_challenge(challenge_id)
    return run(lambda: challenges.close(acting_user(), challenge), "已截止揭榜。", _back(challenge))


@bp.post("/<int:challenge_id>/withdraw")
@login_required
def withdraw(challenge_id):
    challenge = get_challenge(challenge_id)
    form = _reason_form("withdraw_form")
    again = _again(challenge, "withdraw_form", form)
    if not form.validate_on_submit():
        return again(400)
    return run(lambda: challenges.withdraw(acting_user(), challenge, form.reason.data), "榜单已撤回。", _back(challenge),
               again, form)


@bp.post("/<int:challenge_id>/invite")
@login_required
def invite(challenge_id):
    challenge = get_challenge(challenge_id)
    form = _invite_form(challenge, request.form)
    if not form.validate_on_submit():
        flash("请选择要邀请的机构。", "danger")  # the box may not be on the page (an invitation from a recommendation)
        return render_show(challenge, 400)
    organisation = db.get_or_404(Organisation, form.organisation_id.data)

    def action():
        challenges.invite(acting_user(), challenge, organisation)
        if request.form.get("from_recommendation"):
            recommend_feedback.record_if_recommended(acting_user(), challenge, organisation.id, "invited")

    return run(action, f"已邀请{organisation.name}。", _back(challenge), _again(challenge))


def instance_path() -> str:
    return current_app.instance_path
