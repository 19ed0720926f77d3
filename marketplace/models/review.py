"""Expert review (专家评审) of proposals, and the publicity (公示) of a selection."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import JSON, Date, Enum, Float, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime
from .enums import ProposalState, ReviewState


def default_due_on() -> date:
    """Today + REVIEW_DAYS: the due date of a review assigned without one (the desk pre-fills the same)."""
    return clock.today() + timedelta(days=current_app.config["REVIEW_DAYS"])


class Review(db.Model):
    __tablename__ = "review"
    __table_args__ = (UniqueConstraint("proposal_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    state: Mapped[ReviewState] = mapped_column(
        Enum(ReviewState, native_enum=False, length=16), default=ReviewState.assigned, index=True)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)  # {criterion: 0–100}
    total: Mapped[float | None] = mapped_column(Float)  # weighted by the challenge's rubric
    comment: Mapped[str] = mapped_column(Text, default="")
    recusal_reason: Mapped[str] = mapped_column(Text, default="")
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The day the score is due (China calendar), set by the chain admin when assigning; changeable
    # while unanswered. Reviews begin after applications close, so the listing's deadline is no guide.
    due_on: Mapped[date] = mapped_column(Date, default=default_due_on)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the run-jobs reminder, sent once
    # Optimistic locking (compare-and-set): an UPDATE carrying a stale version changes no row and is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    proposal: Mapped[Proposal] = relationship(backref="reviews")  # noqa: F821
    expert: Mapped[User] = relationship(foreign_keys=[expert_id])  # noqa: F821

    @property
    def is_submitted(self) -> bool:
        """Scored: its total counts in the score table."""
        return self.state is ReviewState.submitted

    @property
    def is_pending(self) -> bool:
        """Waiting for its expert: neither scored nor stepped aside from."""
        return self.state is ReviewState.assigned

    @property
    def days_overdue(self) -> int:
        """Days past the due date (0 or less when not past it)."""
        return (clock.today() - self.due_on).days

    @property
    def is_overdue(self) -> bool:
        """Still waiting for its expert after its due date."""
        return self.is_pending and self.days_overdue > 0


class Publicity(db.Model):
    """公示: the public notice of the selected proposals of a challenge, open to objections."""

    __tablename__ = "publicity"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One 公示 per challenge: the state machine has no second selection round, and the unique index
    # stops two simultaneous 遴选 requests from opening two.
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenge.id", ondelete="CASCADE"), index=True, unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optimistic locking (compare-and-set): an UPDATE carrying a stale version changes no row and is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    challenge: Mapped[Challenge] = relationship(backref="publicities")  # noqa: F821
    objections: Mapped[list[Objection]] = relationship(
        back_populates="publicity", cascade="all, delete-orphan", order_by="Objection.created_at")

    @property
    def is_open(self) -> bool:
        return self.starts_on <= clock.today() <= self.ends_on

    @property
    def open_objections(self) -> list:
        """Objections not yet answered: 立项 waits until there are none."""
        return [o for o in self.objections if not o.response]

    @property
    def selected_proposals(self) -> list:
        """The proposals this notice announces: those selected, or after 立项 those made projects."""
        chosen = [p for p in self.challenge.proposals if p.state is ProposalState.selected]
        return chosen or [project.proposal for project in self.challenge.projects]


class Objection(db.Model):
    """An objection filed during a publicity period, answered by the chain admin."""

    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    publicity_id: Mapped[int] = mapped_column(ForeignKey("publicity.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    response: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optimistic locking (compare-and-set): an UPDATE carrying a stale version changes no row and is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    publicity: Mapped[Publicity] = relationship(back_populates="objections")
    user: Mapped[User | None] = relationship()  # noqa: F821
