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


def _shown(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The typed text to show, each with its field's label where the form is known (else "第 n 项")."""
    labels = field_labels({name for name, _ in fields})
    typed = [(name, value) for name, value in fields if _typed(value)]
    return [(labels.get(name) or f"第 {n} 项", value) for n, (name, value) in enumerate(typed, 1)]


def field_labels(names: set[str]) -> dict[str, str]:
    """The labels of the fields posted, from the form class that has them all (the smallest such, as
    several forms share a field name), or else the most of them. The request does not say which form
    it came from; the names do."""
    from wtforms.fields.core import UnboundField

    from .formkit import BaseForm

    best, best_key = {}, (0, 0)
    for form_class in _subclasses(BaseForm):
        fields = {name: getattr(form_class, name) for name in dir(form_class)
                  if isinstance(getattr(form_class, name, None), UnboundField)}
        key = (len(names & fields.keys()), -len(fields))
        if key[0] and key > best_key:
            best, best_key = fields, key
    labels = {}
    for name, field in best.items():
        label = field.args[0] if field.args else field.kwargs.get("label")
        if isinstance(label, str):
            labels[name] = label
    return labels


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


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
        "expired_form.html", message=message, fields=fields, shown=_shown(fields),
        can_resubmit=can_resubmit, secret_left_out=secret_left_out, files_left_out=files_left_out,
        logged_in=logged_in, action=request.full_path.rstrip("?"), back=back,
        login_url=url_for("auth.login", next=back),
    ), STATUS


def _local_referrer() -> str:
    """The page the form was on, when it is one of ours."""
    from .security import _local

    return safe_next(request.referrer and _local(request.referrer), "")
