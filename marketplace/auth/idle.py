"""The idle timeout: a logged-in session ends after SESSION_IDLE_TIMEOUT seconds without a request.

The time of the last request is kept in the session (signed, so the browser cannot move it) and
checked before every request. The page warns a few minutes before (static/js/session-idle.js): it
asks `session_status` how long is left — the server's answer, so a request in another tab counts —
and "继续使用" posts to `keep_alive`. Asking how long is left is not activity; everything else is.
"""
from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, request, session, url_for
from flask_login import current_user, logout_user

from .. import clock
from ..access import login_required, wants_json
from ..extensions import db
from ..services import accounts
from .routes import bp

LAST_ACTIVE = "last_active"  # session key: seconds since the epoch (UTC) of the user's last request
IDLE_MESSAGE = "由于长时间未操作，您已自动退出登录。请重新登录，登录后将回到原来的页面。"


def _timeout() -> int:
    return current_app.config["SESSION_IDLE_TIMEOUT"]


def remaining_seconds() -> float:
    """Seconds before the current session ends for want of activity (the timeout when it has no record yet)."""
    last = session.get(LAST_ACTIVE)
    if last is None:
        return float(_timeout())
    return _timeout() - (clock.utcnow().timestamp() - last)


def is_idle() -> bool:
    """Whether the current request comes from a logged-in session idle for longer than the timeout."""
    return bool(_timeout()) and current_user.is_authenticated and remaining_seconds() <= 0


def end_idle_session() -> None:
    """Log the idle session out, revoking it too: a "remember me" cookie must not bring it straight back."""
    accounts.end_session(current_user.session_token)
    db.session.commit()
    session.clear()
    logout_user()


@bp.before_app_request
def end_idle_sessions():
    """Log out a session idle for longer than the timeout, before the request does anything.

    Runs after the CSRF check: a form posted after the timeout is answered with the expired-form page,
    its input kept to copy, and the user logged out."""
    if request.endpoint != "static" and is_idle():
        end_idle_session()
        return _answer_idle()
    return None


@bp.after_app_request
def record_activity(response):
    """Every request of a logged-in user is activity — the login itself included — except asking how
    long is left (which would otherwise keep a forgotten tab logged in for ever)."""
    if request.endpoint == "static" or not _timeout() or not current_user.is_authenticated:
        return response
    if request.endpoint != "auth.session_status" or LAST_ACTIVE not in session:
        _mark_active()
    return response


def _mark_active() -> None:
    session[LAST_ACTIVE] = round(clock.utcnow().timestamp(), 3)


def _answer_idle():
    if request.method in ("GET", "HEAD") or wants_json():
        flash(IDLE_MESSAGE, "warning")  # shown by the login page the user is sent to
    if wants_json():
        from ..security import problem

        return problem(401, IDLE_MESSAGE)
    if request.method in ("GET", "HEAD"):
        if request.endpoint == "auth.login":
            return None  # already where the user is sent: show it, with the message
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    from ..expired_form import expired_form_page

    return expired_form_page(IDLE_MESSAGE)


@bp.get("/session")
@login_required
def session_status():
    """How long the session has left, for the warning (JSON). Asking is not activity."""
    return _status()


@bp.post("/session/keep-alive")
@login_required
def keep_alive():
    """"继续使用": renews the session (as any request does) and answers the new time left."""
    _mark_active()
    return _status()


def _status():
    response = jsonify(remaining=max(0, round(remaining_seconds())), timeout=_timeout(),
                       warning=current_app.config["SESSION_IDLE_WARNING"])
    response.headers["Cache-Control"] = "no-store"
    return response

