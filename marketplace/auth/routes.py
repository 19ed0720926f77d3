"""Login, logout, registration, password change and accepting an invitation."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..access import acting_user, login_required, safe_next
from ..extensions import db, limiter
from ..formkit import ConfirmForm, apply_error
from ..services import accounts, organisations
from ..services.errors import ServiceError
from .forms import AcceptInvitationForm, ChangePasswordForm, LoginForm, RegisterForm

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


def _sign_in(user, remember: bool = False) -> None:
    session.clear()  # a fresh session at login: no fixation of a pre-login session
    accounts.start_session(user, request.user_agent.string or "")
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    next_url = safe_next(request.values.get("next"), url_for("main.dashboard"))
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append("邮箱或密码不正确。")
            return render_template("auth/login.html", form=form, next_url=next_url), 400
        _sign_in(user, remember=form.remember.data)
        db.session.commit()
        flash(f"欢迎回来，{user.name}。", "success")
        return redirect(next_url)
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form, next_url=next_url), status


@bp.route("/logout", methods=["POST"])
def logout():
    ConfirmForm().validate_on_submit()  # CSRFProtect has already refused a forged request
    if current_user.is_authenticated:
        accounts.end_session(current_user.session_token)
        db.session.commit()
    logout_user()
    session.clear()
    flash("您已安全退出。", "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = organisations.register(
                name=form.name.data, org_type=form.org_type.data, credit_code=form.credit_code.data,
                region=form.region.data, contact_name=form.contact_name.data,
                contact_phone=form.contact_phone.data, email=form.email.data,
                user_name=form.user_name.data, password=form.password.data,
            )
        except ServiceError as error:
            db.session.rollback()
            apply_error(form, error)
            return render_template("auth/register.html", form=form), 400
        _sign_in(user)
        db.session.commit()
        flash("注册成功。机构资料已提交平台审核，认证通过前可以完善资料，但暂不能发榜、揭榜或评审。", "success")
        return redirect(url_for("orgs.mine"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                acting_user(), form.current_password.data, form.password.data, request.user_agent.string or ""
            )
        except ServiceError as error:
            db.session.rollback()
            apply_error(form, error)
            return render_template("auth/password.html", form=form), 400
        user = current_user._get_current_object()
        session.clear()
        login_user(user)  # the new session token; every other session was revoked
        db.session.commit()
        flash("密码已修改，其他设备上的登录已全部退出。", "success")
        return redirect(url_for("main.dashboard"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/password.html", form=form), status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    invitation = accounts.invitation_for_token(token)
    if invitation is None:
        return render_template("auth/invitation_invalid.html"), 404
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = accounts.accept_invitation(invitation, form.name.data, form.password.data)
        except ServiceError as error:
            db.session.rollback()
            apply_error(form, error)
            return render_template("auth/invitation.html", form=form, invitation=invitation), error.status
        _sign_in(user)
        db.session.commit()
        flash(f"欢迎加入{invitation.organisation.name}。", "success")
        return redirect(url_for("main.dashboard"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/invitation.html", form=form, invitation=invitation), status
