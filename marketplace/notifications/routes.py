"""The user's inbox (站内信): list, mark read, and which categories to receive."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import acting_user, login_required, safe_next
from ..extensions import db
from ..models import Notification
from ..services.errors import PermissionDenied
from ..webkit import run
from . import inbox
from .forms import PreferencesForm

bp = Blueprint("inbox", __name__)


@bp.app_context_processor
def unread_badge():
    """`unread_notifications()` for the navbar: queried only when a page actually shows it."""

    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return inbox.unread_count(current_user)

    return {"unread_notifications": unread_notifications}


@bp.route("/")
@login_required
def index():
    page = inbox.messages(acting_user(), request.args.get("page", 1, type=int),
                               current_app.config["PAGE_SIZE"])
    return render_template("inbox/index.html", page=page, labels=inbox.CATEGORIES)


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id):
    notification = db.get_or_404(Notification, notification_id)
    try:
        inbox.mark_read(acting_user(), notification)
    except PermissionDenied:
        abort(404)  # someone else's message: do not confirm that it exists
    db.session.commit()
    # Only a local path: a stored url must never send the user to another site.
    return redirect(safe_next(notification.url, url_for("inbox.index"))), 303


@bp.post("/read-all")
@login_required
def read_all():
    return run(lambda: inbox.mark_all_read(acting_user()),
               lambda count: f"已将 {count} 条消息标为已读。" if count else "没有未读消息。", url_for("inbox.index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    user = acting_user()
    if request.method == "POST":
        form = PreferencesForm()

        def again(status=400):
            return render_template("inbox/settings.html", form=form), status

        if form.validate_on_submit():
            return run(lambda: inbox.set_preferences(user, form.choices()), "消息设置已保存。",
                       url_for("inbox.settings"), again, form)
        return again()
    data = {}
    for code, choice in inbox.preferences(user).items():
        data[f"inbox_{code}"], data[f"email_{code}"] = choice.inbox, choice.email
    return render_template("inbox/settings.html", form=PreferencesForm(data=data))
