"""Submitted forms, by the token their page carried: the record of "this form was already sent"."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime


class FormSubmission(db.Model):
    """One rendered form that was submitted and did what it asked (services/submissions.py).

    The token is the primary key: claiming it is an INSERT that the key lets succeed once, in the
    transaction that creates the record, so a repeat of the same form (double click, refresh,
    back-and-resubmit) finds it and is sent to `url`, what the first submission created. Rows older
    than KEEP_DAYS are deleted by the `form_submissions` job.
    """

    __tablename__ = "form_submission"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(100))  # the route that answered it, e.g. "challenges.new"
    url: Mapped[str | None] = mapped_column(String(500))  # where the first submission sent the user
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
