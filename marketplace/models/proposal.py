"""Proposals (揭榜方案): an institution's (or consortium's) answer to a challenge."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Enum, ForeignKey, Numeric, String, Text, UniqueConstraint, and_, exists
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime
from .enums import DeclineCode, MemberState, ProposalState


class Proposal(db.Model):
    __tablename__ = "proposal"
    # One proposal per organisation per challenge, enforced by the database under concurrent submits.
    __table_args__ = (UniqueConstraint("challenge_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenge.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    state: Mapped[ProposalState] = mapped_column(
        Enum(ProposalState, native_enum=False, length=16), default=ProposalState.draft, index=True)
    technical_plan: Mapped[str] = mapped_column(Text, default="")
    team: Mapped[str] = mapped_column(Text, default="")
    track_record: Mapped[str] = mapped_column(Text, default="")
    price_wan: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    schedule: Mapped[str] = mapped_column(Text, default="")
    decline_code: Mapped[DeclineCode | None] = mapped_column(Enum(DeclineCode, native_enum=False, length=16))
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    challenge: Mapped[Challenge] = relationship(backref="proposals")  # noqa: F821
    organisation: Mapped[Organisation] = relationship()  # noqa: F821
    milestones: Mapped[list[ProposalMilestone]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalMilestone.seq")
    members: Mapped[list[ConsortiumMember]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ConsortiumMember.id")

    @property
    def organisation_ids(self) -> set[int]:
        """The lead and every consortium member that has not declined."""
        return {self.organisation_id} | {m.organisation_id for m in self.members if m.state is not MemberState.declined}

    @property
    def accepted_members(self) -> list[ConsortiumMember]:
        """The consortium members that have joined (those a 公示 names besides the lead)."""
        return [m for m in self.members if m.state is MemberState.accepted]

    @property
    def is_draft(self) -> bool:
        """Saved but not submitted: the listing is not yet answered (not 已揭榜)."""
        return self.state is ProposalState.draft

    @property
    def is_declined(self) -> bool:
        """未入围: its decline code and reason are shown to the applicant."""
        return self.state is ProposalState.declined

    @hybrid_property
    def awaits_approval(self) -> bool:
        """Selected (拟立项) and not yet made a project: what waits for 立项."""
        return self.state is ProposalState.selected and not any(
            project.proposal_id == self.id for project in self.challenge.projects)

    @awaits_approval.inplace.expression
    @classmethod
    def _awaits_approval(cls):
        from .project import Project

        return and_(cls.state == ProposalState.selected, ~exists().where(Project.proposal_id == cls.id))


class ProposalMilestone(db.Model):
    """A milestone the applicant proposes: title, due date, deliverable and share of the funds."""

    __tablename__ = "proposal_milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date)
    deliverable: Mapped[str] = mapped_column(Text, default="")
    fund_share: Mapped[int] = mapped_column(default=0)  # percent of the funding

    proposal: Mapped[Proposal] = relationship(back_populates="milestones")


class ConsortiumMember(db.Model):
    """A member organisation of a joint (联合攻关) proposal, invited by the lead."""

    __tablename__ = "consortium_member"
    __table_args__ = (UniqueConstraint("proposal_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[MemberState] = mapped_column(
        Enum(MemberState, native_enum=False, length=16), default=MemberState.invited)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optimistic locking (compare-and-set): an UPDATE carrying a stale version changes no row and is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    proposal: Mapped[Proposal] = relationship(back_populates="members")
    organisation: Mapped[Organisation] = relationship()  # noqa: F821
