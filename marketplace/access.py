"""Who may see what: the login manager, role guards and safe redirects."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from .services import accounts


def init_login_manager(login_manager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    login_manager.user_loader(accounts.user_for_session)

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            from .security import problem

            return problem(401, "请先登录。")
        flash("请先登录。", "warning")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def wants_json() -> bool:
    """An API path, or a client that prefers JSON: errors are answered as problem details (RFC 9457)."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best in (
        "application/json", "application/problem+json")


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a local path may be a redirect target: no scheme, no host, no `//` or `\\` tricks."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            from .extensions import login_manager

            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapper


def verified_required(view):
    """Acting (posting, answering, reviewing) needs a verified organisation."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            from .extensions import login_manager

            return login_manager.unauthorized()
        if not current_user.can_act:
            abort(403, description="您所在机构尚未通过平台认证，认证通过后才能进行此操作。")
        return view(*args, **kwargs)

    return wrapper


def require(condition: bool, message: str = "您没有权限执行此操作。") -> None:
    """Abort with 403 and a Chinese reason unless `condition` holds."""
    if not condition:
        abort(403, description=message)


def acting_user():
    """The logged-in User itself (not Flask-Login's proxy), to hand to services."""
    return current_user._get_current_object()
