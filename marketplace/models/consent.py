"""Acceptances of the 用户协议 and 隐私政策: which versions, when, by whom (PIPL keeps the record)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime


class Consent(db.Model):
    """One acceptance. Rows are only ever added: a new version of either text adds a row, so the
    history of what each user agreed to, and when, stays whole."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    terms_version: Mapped[str] = mapped_column(String(32))
    privacy_version: Mapped[str] = mapped_column(String(32))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where it was given: register / invitation / renewal (the page after a new version) / demo.
    via: Mapped[str] = mapped_column(String(16))

    user: Mapped[User] = relationship()  # noqa: F821
