"""Small helpers the blueprints share: the one way a route runs a service, and file downloads."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, send_file, url_for
from flask_login import current_user

from .access import wants_json
from .extensions import db
from .formkit import apply_error
from .services import submissions
from .services.errors import ServiceError


def run(action, success, back, again=None, form=None, code: int = 303):
    """Run a route's service call: commit and redirect, or roll back and answer the refusal (4xx).

    `action()` calls the service. On success the change is committed, `success` flashed (a message,
    or a function of the result; nothing when it is empty) and the user sent to `back` (a URL, or a
    function of the result) with `code`: 303 See Other, or 302 where a form page always answered so.

    On a `ServiceError` the request is rolled back and answered with the error's status (400, 403,
    404, 409), never a redirect:
    - `again(status)` renders the route's form page again, with the user's input: the message goes
      next to the field of `form` it names (`error.field`), or is flashed above the page;
    - without `again` (or for a JSON client) the error goes on to the global handler
      (`security.refused`): the message, the status and a link to `back`.

    A form sent again with the token of one already done (double click, refresh, back-and-resubmit:
    services/submissions.py) does nothing and is sent where the first one was.
    """
    earlier = submissions.claim(signed_in_user())
    if earlier is not None:
        return repeated(earlier, back if isinstance(back, str) else None)
    try:
        result = action()
    except ServiceError as error:
        submissions.forget()
        if again is None or wants_json():
            error.back = back if isinstance(back, str) else None
            raise
        db.session.rollback()
        if form is not None and (error.problems or error.field and getattr(form, error.field, None) is not None):
            apply_error(form, error)
        else:
            flash(error.message, "danger")
        return again(error.status)
    db.session.flush()  # ids for `back`, which is stored with the claim before the commit
    target = back(result) if callable(back) else back
    submissions.remember(target)
    db.session.commit()
    message = success(result) if callable(success) else success
    if message:
        flash(message, "success")
    return redirect(target, code)


def signed_in_user():
    return current_user if current_user.is_authenticated else None


def repeated(earlier, fallback: str | None = None):
    """The answer to a form sent again: nothing done, the user sent to what the first one created."""
    target = earlier.url or fallback or url_for("main.dashboard")
    db.session.rollback()
    flash(submissions.REPEATED, "info")
    return redirect(target, 303)


def send_attachment(attachment, owner_type: str, owner_id: int):
    """Send a stored file under its original (Chinese) name; 404 unless it belongs to that owner."""
    from .services.attachments import path_of

    if attachment.owner_type != owner_type or attachment.owner_id != owner_id:
        abort(404)
    path = path_of(attachment, current_app.instance_path)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.original_name, max_age=0)
