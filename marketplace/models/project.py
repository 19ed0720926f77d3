"""Projects (立项 to 验收) and their milestones."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, Enum, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime
from .enums import MidtermResult, MilestoneState, ProjectState


class Project(db.Model):
    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenge.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    state: Mapped[ProjectState] = mapped_column(
        Enum(ProjectState, native_enum=False, length=16), default=ProjectState.approved, index=True)
    funding_wan: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    task_book: Mapped[str] = mapped_column(Text, default="")
    midterm_result: Mapped[str] = mapped_column(String(16), default="")  # "", pass, concern
    midterm_note: Mapped[str] = mapped_column(Text, default="")
    stage_gate: Mapped[str] = mapped_column(String(16), default="")  # "", continue, stop (赛马)
    acceptance_checks: Mapped[list] = mapped_column(JSON, default=list)  # [{"indicator", "met", "note"}]
    acceptance_note: Mapped[str] = mapped_column(Text, default="")
    end_reason: Mapped[str] = mapped_column(Text, default="")
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optimistic locking (compare-and-set): an UPDATE carrying a stale version changes no row and is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    challenge: Mapped[Challenge] = relationship(backref="projects")  # noqa: F821
    proposal: Mapped[Proposal] = relationship()  # noqa: F821
    organisation: Mapped[Organisation] = relationship()  # noqa: F821
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Milestone.seq")

    @property
    def is_running(self) -> bool:
        """Approved or in progress: not yet accepted or terminated."""
        return self.state in (ProjectState.approved, ProjectState.in_progress)

    @property
    def confirmed_milestones(self) -> list[Milestone]:
        return [m for m in self.milestones if m.state is MilestoneState.confirmed]

    @property
    def open_milestones(self) -> list[Milestone]:
        """Milestones not yet confirmed: acceptance (验收通过) waits for them."""
        return [m for m in self.milestones if m.state is not MilestoneState.confirmed]

    @property
    def midterm_label(self) -> str:
        """The 中期检查 conclusion in words ("" before one)."""
        return MidtermResult(self.midterm_result).label if self.midterm_result else ""


class Milestone(db.Model):
    __tablename__ = "milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date, index=True)
    deliverable: Mapped[str] = mapped_column(Text, default="")
    fund_share: Mapped[int] = mapped_column(default=0)
    state: Mapped[MilestoneState] = mapped_column(
        Enum(MilestoneState, native_enum=False, length=16), default=MilestoneState.planned, index=True)
    evidence: Mapped[str] = mapped_column(Text, default="")
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Both the enterprise and the chain's lead department confirm; the second one completes it.
    enterprise_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    admin_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optimistic locking (compare-and-set): an UPDATE carrying a stale version changes no row and is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    project: Mapped[Project] = relationship(back_populates="milestones")

    @property
    def organisation_id(self) -> int:
        """The solver's organisation: the one that may attach evidence."""
        return self.project.organisation_id

    @property
    def awaits_confirmation(self) -> bool:
        """Submitted by the solver; the enterprise and the lead department each confirm it."""
        return self.state is MilestoneState.submitted
