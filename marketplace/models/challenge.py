"""Challenges (榜单): the bottleneck problems enterprises post, with their Q&A and edit history."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, Enum, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime, split_keywords
from .enums import ChallengeMode, ChallengeState, IPTerms, Visibility


def _enum(kind, length=16):
    return Enum(kind, native_enum=False, length=length)


def closed_before(deadline: date, closed_on: date | None) -> bool:
    """Closed by the poster or a manager before its deadline day."""
    return closed_on is not None and closed_on < deadline


def deadline_label(deadline: date, closed_on: date | None) -> str:
    """"2027-01-10", or "已于 2026-12-03 提前截止（原定 2027-01-10）" for a listing closed before its deadline."""
    return f"已于 {closed_on} 提前截止（原定 {deadline}）" if closed_before(deadline, closed_on) else str(deadline)


class Challenge(db.Model):
    __tablename__ = "challenge"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"), index=True)
    mode: Mapped[ChallengeMode] = mapped_column(_enum(ChallengeMode), default=ChallengeMode.open_call)
    title: Mapped[str] = mapped_column(String(200))
    background: Mapped[str] = mapped_column(Text, default="")
    difficulty: Mapped[str] = mapped_column(Text, default="")
    indicators: Mapped[str] = mapped_column(Text, default="")
    expected_outcome: Mapped[str] = mapped_column(Text, default="")
    budget_wan: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    deadline: Mapped[date] = mapped_column(Date, index=True)
    period_months: Mapped[int] = mapped_column(default=12)
    conditions: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(String(500), default="")
    ip_terms: Mapped[IPTerms] = mapped_column(_enum(IPTerms), default=IPTerms.negotiable)
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility), default=Visibility.public)
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    state: Mapped[ChallengeState] = mapped_column(_enum(ChallengeState), default=ChallengeState.draft, index=True)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    rubric: Mapped[list | None] = mapped_column(JSON)  # [[criterion, weight], ...]; None: the default
    failure_reason: Mapped[str] = mapped_column(Text, default="")  # 流榜
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_on: Mapped[date | None] = mapped_column(Date)  # the day (China time) applications closed
    # Optimistic locking: an UPDATE carrying a stale version changes no row and is refused.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped[Organisation] = relationship()  # noqa: F821
    created_by: Mapped[User | None] = relationship()  # noqa: F821
    chain: Mapped[Chain] = relationship()  # noqa: F821
    invitations: Mapped[list[ChallengeInvitation]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan")
    questions: Mapped[list[ChallengeQuestion]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan", order_by="ChallengeQuestion.created_at")
    revisions: Mapped[list[ChallengeRevision]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan", order_by="ChallengeRevision.id")
    key_link: Mapped[KeyLink | None] = relationship(  # noqa: F821
        secondary="key_link_challenge", back_populates="challenges", uselist=False)

    @property
    def keyword_list(self) -> list[str]:
        return split_keywords(self.keywords)

    @property
    def is_open(self) -> bool:
        """Published and before its deadline: institutions may still answer it."""
        return self.is_published and self.deadline >= clock.today()

    @property
    def closed_early(self) -> bool:
        """Closed by the poster or a manager before its deadline day: pages show when, and the original date."""
        return closed_before(self.deadline, self.closed_on)

    @property
    def deadline_label(self) -> str:
        """The deadline as pages show it: the date, or when it actually closed before it."""
        return deadline_label(self.deadline, self.closed_on)

    @property
    def is_published(self) -> bool:
        """揭榜中: open for proposals and questions (edits from now on are versioned)."""
        return self.state is ChallengeState.published

    @property
    def is_returned(self) -> bool:
        """Sent back by the lead department: its return reason is the poster's to-do."""
        return self.state is ChallengeState.returned

    @property
    def is_joint(self) -> bool:
        """联合攻关: answered by a consortium of at least two organisations."""
        return self.mode is ChallengeMode.joint

    @property
    def takes_invitations(self) -> bool:
        """Invited-only listings and 委托攻关 are answered only by the organisations invited to them."""
        return self.visibility is Visibility.invited or self.mode is ChallengeMode.commissioned

    @property
    def invited_organisation_ids(self) -> set[int]:
        return {invitation.organisation_id for invitation in self.invitations}

    def __repr__(self) -> str:
        return f"<Challenge {self.id} {self.state.value}>"


class ChallengeInvitation(db.Model):
    """An institution invited to see (and, for 委托攻关, answer) a challenge."""

    __tablename__ = "challenge_invitation"
    __table_args__ = (UniqueConstraint("challenge_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenge.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    challenge: Mapped[Challenge] = relationship(back_populates="invitations")
    organisation: Mapped[Organisation] = relationship()  # noqa: F821


class ChallengeQuestion(db.Model):
    """答疑: a verified institution's clarification question and the poster's answer."""

    __tablename__ = "challenge_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenge.id", ondelete="CASCADE"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Compare-and-set: of two simultaneous answers one is refused (409) instead of both notifying.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    challenge: Mapped[Challenge] = relationship(back_populates="questions")
    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id])  # noqa: F821


class ChallengeRevision(db.Model):
    """One edit of a published challenge: which fields changed, from what to what."""

    __tablename__ = "challenge_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenge.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    changes: Mapped[dict] = mapped_column(JSON)  # {field: [old, new]}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    challenge: Mapped[Challenge] = relationship(back_populates="revisions")
    editor: Mapped[User | None] = relationship()  # noqa: F821
