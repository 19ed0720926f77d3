"""Login, logout, registration, password change, 忘记密码 and accepting an invitation."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..access import acting_user, login_required, safe_next
from ..extensions import db, limiter
from ..formkit import apply_error
from ..services import accounts, login_throttle, password_reset, registration, submissions
from ..services.errors import ServiceError
from ..webkit import repeated, run
from .forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterConfirmForm,
    RegisterForm,
    ResetPasswordForm,
)

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


def _register_email_limit() -> str:
    return current_app.config["REGISTER_EMAIL_RATE_LIMIT"]


def _register_email_key() -> str:
    """Registration mails to one address are limited too, whoever asks (the same for any address)."""
    return "register-email:" + accounts.normalise_email(request.form.get("email", ""))


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def _reset_email_limit() -> str:
    return current_app.config["PASSWORD_RESET_EMAIL_RATE_LIMIT"]


def _reset_email_key() -> str:
    """Limit by the address asked about too: no flooding one mailbox from many clients."""
    return "reset-email:" + accounts.normalise_email(request.form.get("email", ""))


def _sign_in(user, remember: bool = False) -> None:
    session.clear()  # a fresh session at login: no fixation of a pre-login session
    accounts.start_session(user, request.user_agent.string or "")
    login_user(user, remember=remember)


def too_many_logins(_limit=None):
    """LOGIN_RATE_LIMIT reached from this address (the limit's on_breach): the login page again (the
    e-mail kept), saying when to try, instead of an error page without the form."""
    form = LoginForm()
    form.form_errors.append("登录操作过于频繁（同一网络地址一分钟内登录次数过多），请约 1 分钟后再试。")
    next_url = safe_next(request.values.get("next"), url_for("main.dashboard"))
    return make_response(render_template("auth/login.html", form=form, next_url=next_url), 429)  # Retry-After: Flask-Limiter


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], on_breach=too_many_logins)
def login():
    form = LoginForm()
    next_url = safe_next(request.values.get("next"), url_for("main.dashboard"))
    if form.validate_on_submit():
        try:
            # request.remote_addr is the client's address once ProxyFix (PROXY_FIX_X_FOR) is set up.
            attempt = login_throttle.begin(form.email.data, request.remote_addr or "")
        except login_throttle.Lockout as lockout:  # the password is not even checked
            db.session.rollback()
            form.form_errors.append(lockout.message)
            page = render_template("auth/login.html", form=form, next_url=next_url)
            return page, 429, {"Retry-After": str(lockout.seconds)}
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except ServiceError as refusal:
            # Not the usual refusal: a disabled account, with the right password. The attempt is
            # committed (it counts against the throttle), not rolled back, and the answer is the
            # login form with the reason (403).
            db.session.commit()
            form.form_errors.append(refusal.message)
            return render_template("auth/login.html", form=form, next_url=next_url), 403
        if user is None:
            db.session.commit()  # the reserved slot stays: a failure, counted for the window
            form.form_errors.append("邮箱或密码不正确。")
            return render_template("auth/login.html", form=form, next_url=next_url), 400
        login_throttle.succeeded(attempt)
        _sign_in(user, remember=form.remember.data)
        db.session.commit()
        flash(f"欢迎回来，{user.name}。", "success")
        return redirect(next_url)
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form, next_url=next_url), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        accounts.end_session(current_user.session_token)
        db.session.commit()
    logout_user()
    session.clear()
    flash("您已安全退出。", "info")
    return redirect(url_for("main.index"))


REGISTER_SENT = "register_sent"


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
@limiter.limit(_register_email_limit, methods=["POST"], key_func=_register_email_key,
               exempt_when=lambda: not request.form.get("email"))
def register():
    """Step 1: the details; always answered with the same 请查收邮件 page (services/registration.py)."""
    form = RegisterForm()
    if form.validate_on_submit():
        registration.start(accepted_terms=form.accept_terms.data,
                           **{name: form[name].data for name in registration.FIELDS})
        db.session.commit()  # the mail leaves with the commit
        session[REGISTER_SENT] = accounts.normalise_email(form.email.data)
        return redirect(url_for("auth.register_sent"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/register/sent")
def register_sent():
    return render_template("auth/register_sent.html", email=session.get(REGISTER_SENT, ""),
                           hours=registration.max_age() // 3600)


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
def register_confirm(token):
    """Step 2, from the mailed link: set the password, create the pending organisation, log in."""
    earlier = submissions.claim(None)  # before the link's check: the first of a double submit used it
    if earlier is not None:
        return repeated(earlier)
    try:
        details = registration.details_for_token(token)
    except registration.RegistrationLinkError as error:
        return _token_page("auth/register_invalid.html", error.status, message=error.message)
    form = RegisterConfirmForm()
    if form.validate_on_submit():
        # Not webkit.run: a link that expired or was used meanwhile answers with the invalid-link page,
        # and every answer here is a token page (no referrer, no cache).
        try:
            user = registration.complete(token, form.password.data)
        except registration.RegistrationLinkError as error:
            db.session.rollback()
            return _token_page("auth/register_invalid.html", error.status, message=error.message)
        except ServiceError as error:
            db.session.rollback()
            submissions.forget()
            apply_error(form, error)
            return _token_page("auth/register_confirm.html", error.status, form=form, details=details)
        submissions.remember(url_for("orgs.mine"))
        _sign_in(user)
        db.session.commit()
        session.pop(REGISTER_SENT, None)
        flash("注册成功。机构资料已提交平台审核：请在本页上传认证材料（营业执照或事业单位法人证书等）；认证通过前可以完善资料，但暂不能发榜、揭榜或评审。", "success")
        return redirect(url_for("orgs.mine"))
    return _token_page("auth/register_confirm.html", 400 if form.is_submitted() else 200, form=form, details=details)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()

    def again(status):
        return render_template("auth/password.html", form=form), status

    if not form.validate_on_submit():
        return again(400 if form.is_submitted() else 200)

    def action():
        user = acting_user()
        accounts.change_password(user, form.current_password.data, form.password.data, request.user_agent.string or "")
        session.clear()
        login_user(user)  # the new session token; every other session was revoked

    return run(action, "密码已修改，其他设备上的登录已全部退出。", url_for("main.dashboard"), again, form, code=302)


RESET_SENT = "如果该邮箱已注册且账号可用，我们已向其发送重置密码的邮件，请按邮件中的链接在 {minutes} 分钟内设置新密码。"


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@limiter.limit(_reset_email_limit, methods=["POST"], key_func=_reset_email_key)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_reset.request_reset(form.email.data)
        db.session.commit()  # the mail leaves with the commit
        # The same answer whether or not the address exists: the page reveals no accounts.
        flash(RESET_SENT.format(minutes=password_reset.max_age() // 60), "info")
        return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/forgot.html", form=form), status


def _token_page(template: str, status: int = 200, **context):
    """A page whose URL holds a secret token (reset or registration link): never sent on, never cached."""
    response = current_app.make_response((render_template(template, **context), status))
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        password_reset.user_for_token(token)
    except password_reset.ResetLinkError as error:
        return _token_page("auth/reset_invalid.html", error.status, message=error.message)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        # Not webkit.run, as in register_confirm: a dead link has its own page, and every answer is a
        # token page.
        try:
            user = password_reset.reset(token, form.password.data)
        except password_reset.ResetLinkError as error:
            db.session.rollback()
            return _token_page("auth/reset_invalid.html", error.status, message=error.message)
        except ServiceError as error:
            db.session.rollback()
            apply_error(form, error)
            return _token_page("auth/reset.html", error.status, form=form)
        db.session.commit()
        if current_user.is_authenticated and current_user.id == user.id:
            logout_user()
            session.clear()
        flash("密码已重置，所有设备上的登录均已退出，请用新密码登录。", "success")
        return redirect(url_for("auth.login"))
    return _token_page("auth/reset.html", 400 if form.is_submitted() else 200, form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    earlier = submissions.claim(None)  # before the link's check: the first of a double submit used it
    if earlier is not None:
        return repeated(earlier)
    invitation = accounts.invitation_for_token(token)
    if invitation is None:
        return render_template("auth/invitation_invalid.html"), 404
    form = AcceptInvitationForm()

    def again(status):
        return render_template("auth/invitation.html", form=form, invitation=invitation), status

    if not form.validate_on_submit():
        return again(400 if form.is_submitted() else 200)
    welcome = f"欢迎加入{invitation.organisation.name}。"
    return run(lambda: _sign_in(accounts.accept_invitation(invitation, form.name.data, form.password.data,
                                                           accepted_terms=form.accept_terms.data)),
               welcome, url_for("main.dashboard"), again, form, code=302)
