"""The match index's change log: every worker replays it to stay current without a rebuild."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime


class IndexChange(db.Model):
    """A listing whose indexed form may have changed; workers re-read it from the database."""

    __tablename__ = "index_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(32), index=True)  # "ch:12", "cap:7", "ach:3", "exp:41"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecommendationEvent(db.Model):
    """Feedback on a shown recommendation: useful / not useful, or an action it led to."""

    __tablename__ = "recommendation_event"
    # One event per user, pairing and kind: a judgement counts once however often it is clicked
    # (events without a user, recorded by the system, are not limited: NULLs are distinct).
    __table_args__ = (UniqueConstraint("user_id", "context", "query_id", "doc_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    context: Mapped[str] = mapped_column(String(32))  # challenge_capabilities, institution_challenges, reviewers…
    query_id: Mapped[str] = mapped_column(String(32), index=True)  # what was matched: "ch:12", "org:5", "prop:3"
    doc_id: Mapped[str] = mapped_column(String(32), index=True)  # what was recommended
    chain_id: Mapped[int | None] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16))  # useful, not_useful, invited, shortlisted, selected, assigned
    rank: Mapped[int | None] = mapped_column()
    score: Mapped[float | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
