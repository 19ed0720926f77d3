"""An organisation's own profile and members, and every organisation's public page."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask_login import current_user

from ..access import acting_user, login_required, require
from ..extensions import db
from ..formkit import apply_error
from ..models import Invitation, Organisation, OrgRole, User
from ..notifications import mail
from ..services import accounts, organisations, submissions, verification
from ..services.errors import ServiceError
from ..webkit import repeated, run
from .forms import DocumentForm, InviteForm, ProfileForm

bp = Blueprint("orgs", __name__)


def render_mine(form=None, document_form=None, status: int = 200):
    """The own profile page: profile form (or view) and the verification documents."""
    organisation = current_user.organisation
    return render_template(
        "orgs/mine.html", organisation=organisation, form=form or ProfileForm(obj=organisation),
        documents=verification.documents(organisation), what_to_upload=verification.what_to_upload(organisation),
        max_documents=verification.SCANS.max_files,
        document_form=document_form or DocumentForm(formdata=None),
    ), status


@bp.route("/mine", methods=["GET", "POST"])
@login_required
def mine():
    organisation = current_user.organisation
    form = ProfileForm(obj=organisation)
    if request.method == "POST":
        organisations.check_may_edit_profile(acting_user(), organisation)  # before the form: a 403, not a 400
        if not form.validate_on_submit():
            return render_mine(form=form, status=400)
        return run(lambda: organisations.update_profile(acting_user(), organisation, **{
                       name: getattr(form, name).data for name in organisations.PROFILE_FIELDS}),
                   "机构资料已保存。", url_for("orgs.mine"), lambda status: render_mine(form=form, status=status), form,
                   code=302)
    return render_mine(form=form)


@bp.route("/mine/members", methods=["GET", "POST"])
@login_required
def members():
    organisation = current_user.organisation
    form = InviteForm()
    invite_link = None
    status = 400
    if request.method == "POST":
        if form.validate_on_submit():
            # Not webkit.run: the answer to a new invitation is this page with the link, shown once
            # (it is not stored), rather than a redirect.
            earlier = submissions.claim(acting_user())
            if earlier is not None:
                flash("邀请链接只在第一次提交后显示；如未保存，请撤销该邀请后重新邀请。", "info")
                return repeated(earlier)
            try:
                _, token = accounts.invite_member(
                    acting_user(), organisation, form.email.data, OrgRole(form.role.data),
                    days=current_app.config["INVITATION_DAYS"],
                )
            except ServiceError as error:
                if error.field is None:
                    raise  # who may invite: the global handler answers, with its status
                db.session.rollback()
                submissions.forget()
                apply_error(form, error)
                status = error.status
            else:
                submissions.remember(url_for("orgs.members"))
                db.session.commit()
                invite_link = mail.site_url("auth.accept_invitation", token=token)  # BASE_URL, not Host
                current_app.logger.info("Invitation for %s: %s", form.email.data, invite_link)
                flash("邀请已创建。请将下方链接发送给被邀请人（仅显示一次）。", "success")
                return render_template("orgs/members.html", organisation=organisation, form=InviteForm(formdata=None),
                                       invite_link=invite_link, invitations=_open_invitations(organisation))
        return render_template("orgs/members.html", organisation=organisation, form=form, invite_link=None,
                               invitations=_open_invitations(organisation)), status
    return render_template("orgs/members.html", organisation=organisation, form=form, invite_link=invite_link,
                           invitations=_open_invitations(organisation))


def _open_invitations(organisation):
    return db.session.scalars(
        db.select(Invitation).filter_by(organisation_id=organisation.id, accepted_at=None, revoked_at=None)
        .order_by(Invitation.created_at.desc())
    ).all()


def _own_member(user_id: int) -> User:
    member = db.get_or_404(User, user_id)
    require(member.organisation_id == current_user.organisation_id, "只能管理本机构的成员。")
    return member


@bp.post("/mine/members/<int:user_id>/role")
@login_required
def member_role(user_id):
    member = _own_member(user_id)
    role = request.form.get("role", "")
    if role not in {r.value for r in OrgRole}:
        abort(400, description="角色无效。")
    return run(lambda: accounts.set_member_role(acting_user(), member, OrgRole(role)), "成员角色已更新。",
               url_for("orgs.members"))


@bp.post("/mine/members/<int:user_id>/enabled")
@login_required
def member_enabled(user_id):
    member = _own_member(user_id)
    enabled = request.form.get("enabled") == "1"
    return run(lambda: accounts.set_member_enabled(acting_user(), member, enabled),
               "账号已启用。" if enabled else "账号已停用。", url_for("orgs.members"))


@bp.post("/mine/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(invitation_id):
    invitation = db.get_or_404(Invitation, invitation_id)
    require(invitation.organisation_id == current_user.organisation_id, "只能管理本机构的邀请。")
    return run(lambda: accounts.revoke_invitation(acting_user(), invitation), "邀请已撤销。", url_for("orgs.members"))


@bp.route("/<int:org_id>")
def public(org_id):
    organisation = db.get_or_404(Organisation, org_id)
    is_own = current_user.is_authenticated and current_user.organisation_id == organisation.id
    is_admin = current_user.is_authenticated and current_user.is_platform_admin
    if not organisation.is_verified and not (is_own or is_admin):
        abort(404)
    from ..models import Challenge
    from ..services import browse
    from ..services.visibility import listed_filter

    challenges = db.session.scalars(
        db.select(Challenge).where(Challenge.organisation_id == organisation.id, listed_filter(current_user))
        .order_by(Challenge.id.desc())).all()
    filters = browse.Filters()
    return render_template(
        "orgs/public.html", organisation=organisation, challenges=challenges,
        capabilities=browse.capabilities(filters, 1, 50, organisation_id=organisation.id).items,
        achievements=browse.achievements(filters, 1, 50, organisation_id=organisation.id).items)
