"""Login attempts still inside their throttling window, shared by every worker through the database."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime


class LoginAttempt(db.Model):
    """One failed (or still running) login, counted against a client address or an account.

    `key` is "ip:<address>" or "account:<sha256 of the e-mail>": the digest keeps mistyped
    addresses of strangers out of the table. Rows older than the longest window are pruned.
    """

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (Index("ix_login_attempt_key_attempted_at", "key", "attempted_at"),)
