"""Small helpers the blueprints share: run a service call and answer like the rest of the site."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, send_file

from .extensions import db
from .formkit import apply_error
from .services.errors import ServiceError


def run(action, success: str, back: str, on_error=None, form=None):
    """Call `action`; commit and redirect to `back` with `success`, or report the refusal.

    A permission refusal is a 403 page. Other refusals are shown once: next to the field of `form`
    the reason names (when `on_error(status)` renders the page again, with the user's input), or
    else flashed above the page; without `on_error` the user is sent back to `back`.
    """
    try:
        result = action()
    except ServiceError as error:
        db.session.rollback()
        if error.status == 403:
            abort(403, description=error.message)
        if form is not None and on_error is not None and error.field and hasattr(form, error.field):
            apply_error(form, error)
        else:
            flash(error.message, "danger")
        if on_error is not None:
            return on_error(error.status)
        return redirect(back), 303
    db.session.commit()
    if success:
        flash(success, "success")
    if callable(back):
        back = back(result)
    return redirect(back), 303


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
