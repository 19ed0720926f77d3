"""Asking for consent again: after a new 用户协议 or 隐私政策 version, a logged-in user who has not
accepted it sees only the consent page (and logout, help and the policy texts) until they accept."""
from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user

from ..access import acting_user, login_required, safe_next, wants_json
from ..services import consent
from ..webkit import run
from .forms import ConsentForm
from .routes import bp

# Pages a user who owes consent may still open: the consent page, the help pages and the policy
# texts (the whole help blueprint), logging out, static files and the health check.
OPEN_ENDPOINTS = {"auth.logout", "auth.login", "static", "bootstrap.static", "main.healthz"}
# The versions this session's user is known to have accepted: one query per session, not per page.
SESSION_KEY = "consent_versions"


def _owes_consent() -> bool:
    versions = list(consent.current_versions())
    if session.get(SESSION_KEY) == versions:
        return False
    if consent.is_current(current_user):
        session[SESSION_KEY] = versions
        return False
    return True


@bp.before_app_request
def ask_for_consent():
    endpoint = request.endpoint or ""
    if endpoint in OPEN_ENDPOINTS or endpoint.startswith("help.") or not current_user.is_authenticated:
        return None
    if not _owes_consent():
        return None
    if wants_json():
        from ..security import problem

        return problem(403, "请先阅读并同意新版《用户协议》和《隐私政策》。")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("help.consent", next=target), code=303)


@bp.route("/consent", methods=["GET", "POST"], endpoint="consent")
@login_required
def consent_page():
    form = ConsentForm()
    next_url = safe_next(request.values.get("next"), url_for("main.dashboard"))
    last = consent.latest(current_user)

    def again(status):
        return render_template("help/consent.html", form=form, next_url=next_url, last=last), status

    if not form.validate_on_submit():
        return again(400 if form.is_submitted() else 200)

    def action():
        consent.renew(acting_user())
        session[SESSION_KEY] = list(consent.current_versions())

    return run(action, "感谢您的确认。", next_url, again, form, code=303)
