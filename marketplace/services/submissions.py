"""A form submitted twice (double click, refresh, back-and-resubmit) creates one record.

Every form that creates something carries a token, fresh each time its page is rendered
(`{{ submission_token() }}`, a hidden field named FIELD). The request that does the work claims the
token first, in the same transaction as the record it creates: an INSERT into `form_submission`
whose primary key lets it succeed once (ON CONFLICT DO NOTHING). The claim commits with the record,
or rolls back with it when the service refuses (the user corrects the form and sends the same token
again). A repeat finds the claim and is sent to `url`, what the first submission created, with
REPEATED; nothing is created again.

Simultaneous repeats queue on the key: on PostgreSQL the second INSERT waits for the first
transaction, then does nothing (and reads its row); on SQLite a state-changing request holds the
database's write lock from its start (extensions.py).

A POST without a token (a page rendered before this existed, an API client, a script) is done as
before, without this protection: refusing it would lose what the user typed on an old page, and
the services' own checks (`locking.refuse_repeat`, unique constraints) still stop most repeats.
`webkit.run` does all this for every route that uses it; a route that answers on its own calls
`claim` and `remember` itself.
"""
from __future__ import annotations

import re
import secrets
from datetime import date, datetime, time, timedelta

from flask import g, has_request_context, request
from markupsafe import Markup
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..clock import CHINA_TIME, utcnow
from ..extensions import db
from ..models import FormSubmission, User
from .locking import Conflict

FIELD = "submission_token"
REPEATED = "此表单已提交，未重复创建。"
OTHER_USER = "此表单已由其他账号提交，本次未执行。请刷新页面后重新填写。"
KEEP_DAYS = 7  # a page left open longer than this is sent again as a new submission
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def hidden_field() -> Markup:
    """The hidden input a form that creates something carries (a Jinja global: `submission_token()`)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, new_token())


def posted_token() -> str | None:
    """The token this request's form carried; None when there is none (or it is not one of ours)."""
    if not has_request_context() or request.method != "POST":
        return None
    token = request.form.get(FIELD, "")
    return token if _TOKEN.fullmatch(token) else None


def claim(user: User | None) -> FormSubmission | None:
    """Claim the posted token for this transaction. None when this request may go on (claimed now,
    or no token was posted); the earlier submission when the form was already sent. Refuses (409)
    a token another account sent. A route may claim before `webkit.run` does (before a check that
    the first submission changes, such as a link that can be used once): the second call is a no-op."""
    token = posted_token()
    if token is None or g.get("submission_token") == token:  # none, or claimed earlier in this request
        return None
    values = dict(token=token, user_id=user.id if user is not None else None, endpoint=request.endpoint or "",
                  created_at=utcnow())
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[db.engine.dialect.name]
    inserted = db.session.scalar(dialect.insert(FormSubmission).values(**values).on_conflict_do_nothing()
                                 .returning(FormSubmission.token))
    if inserted is not None:
        g.submission_token = token
        return None
    earlier = db.session.scalar(select(FormSubmission).filter_by(token=token))
    if earlier is None:  # claimed and pruned meanwhile: cannot happen within KEEP_DAYS
        return None
    if earlier.user_id is not None and earlier.user_id != values["user_id"]:  # anonymous: the sign-up steps
        raise Conflict(OTHER_USER)
    return earlier


def remember(url: str) -> None:
    """Store where the first submission sent the user, in its transaction (before the commit)."""
    token = g.pop("submission_token", None)
    if token is not None:
        db.session.execute(update(FormSubmission).where(FormSubmission.token == token).values(url=url[:500]),
                           execution_options={"synchronize_session": False})


def forget() -> None:
    """The request's work was rolled back, and its claim with it."""
    g.pop("submission_token", None)


# ----- the `form_submissions` job: old tokens are deleted -------------------------------------------

def _cutoff(day: date) -> datetime:
    return datetime.combine(day - timedelta(days=KEEP_DAYS), time(), CHINA_TIME)


def stale(today: date) -> list[int]:
    """[today as an ordinal] when some token is older than KEEP_DAYS: one piece of work a day."""
    found = db.session.scalar(select(FormSubmission.token).where(FormSubmission.created_at < _cutoff(today)).limit(1))
    return [today.toordinal()] if found is not None else []


def prune(day_ordinal: int, today: date) -> bool:
    """Delete the tokens older than KEEP_DAYS before that day; True when there were some."""
    result = db.session.execute(delete(FormSubmission).where(
        FormSubmission.created_at < _cutoff(date.fromordinal(day_ordinal))),
        execution_options={"synchronize_session": False})
    return result.rowcount > 0
