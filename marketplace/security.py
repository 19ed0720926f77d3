"""Security headers on every response and the error pages."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from .access import safe_next, wants_json
from .services.errors import ServiceError

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

ERROR_TITLES = {
    400: "请求有误",
    403: "没有权限",
    404: "页面不存在",
    405: "不支持的请求方式",
    409: "状态冲突",
    413: "上传内容过大",
    429: "操作过于频繁",
    500: "服务器内部错误",
}
ERROR_HINTS = {
    400: "提交的内容无法处理，请返回检查后重试。",
    403: "您没有访问此页面或执行此操作的权限。",
    404: "您访问的页面不存在或已被删除。",
    405: "该地址不支持这种请求方式。",
    409: "当前状态不允许此操作，请刷新页面后重试。",
    413: "上传的文件超过大小限制。",
    429: "请求过于频繁，请稍后再试。",
    500: "服务器出现问题，我们已记录，请稍后再试。",
}


def init_app(app) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if error.response is not None and not wants_json():  # an answer of its own (e.g. a limit's on_breach)
            return error.response
        # Werkzeug's default descriptions are English; show ours unless a Chinese one was given.
        description = error.description if _is_ours(error) else ERROR_HINTS.get(code, "")
        if isinstance(error, CSRFError):  # the form's token expired, or its session ended: plain words, input kept
            from .auth import idle
            from .expired_form import JSON_MESSAGE, TOO_LATE, expired_form_page

            message = TOO_LATE
            if idle.is_idle():  # the session ended meanwhile too: say so, and end it
                idle.end_idle_session()
                message = idle.IDLE_MESSAGE
            return problem(code, JSON_MESSAGE) if wants_json() else expired_form_page(message)
        if wants_json():
            return problem(code, description)
        title = ERROR_TITLES.get(code, error.name)
        return render_template("error.html", code=code, title=title, description=description), code

    @app.errorhandler(ServiceError)
    def refused(error: ServiceError):
        """The answer to every refusal a route does not show on its own form page: the service's
        message and status (400, 403, 404, 409), never a 500 or a redirect. `error.back` is the
        route's own "back" URL when it gave one (`webkit.run`); else the page links to the referrer."""
        return _abandon(error.status, error.message, getattr(error, "back", None))

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    def conflict(error):
        """The compare-and-set lost (another request changed the row between our read and our
        write), or a unique constraint refused a second "one": 409. Other integrity errors are bugs."""
        from .services.locking import CONFLICT_MESSAGE, is_unique_violation

        if isinstance(error, IntegrityError) and not is_unique_violation(error):
            return unexpected_error(error)
        return _abandon(409, CONFLICT_MESSAGE)

    def _abandon(code: int, description: str, back: str | None = None):
        """Roll back whatever the request had done and answer with an error page (or a problem)."""
        from .extensions import db

        db.session.rollback()
        if wants_json():
            return problem(code, description)
        back = safe_next(back, "") or safe_next(request.referrer and _local(request.referrer), "")
        return render_template("error.html", code=code, title=ERROR_TITLES.get(code, "请求未完成"),
                               description=description, back=back), code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("Unhandled error")
        from .extensions import db

        db.session.rollback()
        if wants_json():
            return problem(500, ERROR_HINTS[500])
        return render_template("error.html", code=500, title=ERROR_TITLES[500], description=ERROR_HINTS[500]), 500


def problem(status: int, detail: str):
    """An error for a JSON client, as RFC 9457 problem details: the Chinese message is `detail`."""
    response = jsonify(type="about:blank", title=HTTP_STATUS_CODES.get(status, "Unknown Error"), status=status,
                       detail=detail)
    response.status_code = status
    response.content_type = "application/problem+json"
    return response


def _is_ours(error: HTTPException) -> bool:
    """A description we wrote ourselves (Chinese), as opposed to Werkzeug's English default."""
    text = error.description or ""
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _local(url: str) -> str:
    """The path and query of a same-site referrer (the error page links back to it)."""
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")
