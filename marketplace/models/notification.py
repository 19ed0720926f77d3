"""In-app notifications (站内信) and each user's per-category delivery preferences."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime


class Notification(db.Model):
    """One message in a user's inbox; `url` is a local path to the thing it is about."""

    __tablename__ = "notification"
    # The inbox lists a user's messages newest first and the navbar counts the unread ones.
    __table_args__ = (Index("ix_notification_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()  # noqa: F821

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.category} user={self.user_id}>"


class NotificationPreference(db.Model):
    """A user's choice for one category; without a row both channels are on."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(32))
    inbox_enabled: Mapped[bool] = mapped_column(default=True)
    email_enabled: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship()  # noqa: F821
