"""The page for a form that came back too late: its token expired, or the session ended meanwhile.

It says so in plain words and keeps what it can of the input: the text fields are shown to copy and,
where sending them again can work, carried in a new form with a fresh token to the same address.
Passwords are never echoed back, and files cannot be (the browser does not give them back).
"""
from __future__ import annotations

import re

from flask import render_template, request, url_for
from flask_login import current_user

from .access import safe_next

TOO_LATE = "这个页面打开的时间太长，或者您的登录已经结束，刚才提交的内容没有被保存。"
JSON_MESSAGE = "页面已过期：打开时间太长或登录已结束，请刷新页面后重新提交。"
# The names of our password fields (auth/forms.py); their values are never shown or sent again.
SECRET_NAMES = ("password", "confirm")
STATUS = 400


def _is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_NAMES)


def kept_fields() -> tuple[list[tuple[str, str]], bool]:
    """The submitted text fields to keep (name, value), in order, and whether a password was left out."""
    kept, secret_left_out = [], False
    for name, value in request.form.items(multi=True):
        if name == "csrf_token":
            continue
        if _is_secret(name):
            secret_left_out = True
            continue
        kept.append((name, value))
    return kept, secret_left_out


def _typed(value: str) -> bool:
    """Text worth showing to copy: not empty, and not a bare code or number (a choice's value such as
    "open_call" or "3", a date): those are picked again in a moment, and would only puzzle the reader."""
    return bool(value.strip()) and not re.fullmatch(r"[\w.:-]{1,40}", value.strip(), re.ASCII)


def expired_form_page(message: str = TOO_LATE):
    fields, secret_left_out = kept_fields()
    files_left_out = any(f.filename for f in request.files.values())
    logged_in = current_user.is_authenticated
    # Sending again only works with everything the form had, from someone allowed to send it:
    # the auth pages (login, registration, password reset) are the forms one posts logged out.
    can_resubmit = (logged_in or request.blueprint == "auth") and not secret_left_out and not files_left_out
    back = _local_referrer() or url_for("main.index")
    return render_template(
        "expired_form.html", message=message, fields=fields, shown=[value for _, value in fields if _typed(value)],
        can_resubmit=can_resubmit, secret_left_out=secret_left_out, files_left_out=files_left_out,
        logged_in=logged_in, action=request.full_path.rstrip("?"), back=back,
        login_url=url_for("auth.login", next=back),
    ), STATUS


def _local_referrer() -> str:
    """The page the form was on, when it is one of ours."""
    from .security import _local

    return safe_next(request.referrer and _local(request.referrer), "")
