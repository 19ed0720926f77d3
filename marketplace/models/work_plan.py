"""A chain's annual work plan: the 工作要点 text and the 工作清单 items, each with a 任务图 of dated
sub-milestones, progress notes and the revisions made after approval."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Date, Enum, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import today, utcnow
from ..extensions import db
from .base import UTCDateTime
from .enums import ItemProgress, PlanCategory, PlanState

# An item names what it works on: the year's key links, listings and projects (0..n of each).
work_plan_item_key_link = Table(
    "work_plan_item_key_link", db.metadata,
    Column("item_id", ForeignKey("work_plan_item.id", ondelete="CASCADE"), primary_key=True),
    Column("key_link_id", ForeignKey("key_link.id", ondelete="CASCADE"), primary_key=True),
)
work_plan_item_challenge = Table(
    "work_plan_item_challenge", db.metadata,
    Column("item_id", ForeignKey("work_plan_item.id", ondelete="CASCADE"), primary_key=True),
    Column("challenge_id", ForeignKey("challenge.id", ondelete="CASCADE"), primary_key=True),
)
work_plan_item_project = Table(
    "work_plan_item_project", db.metadata,
    Column("item_id", ForeignKey("work_plan_item.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
)

# The policy's 任务图: each item has 2–6 dated sub-milestones.
MILESTONES_MIN, MILESTONES_MAX = 2, 6


class WorkPlan(db.Model):
    __tablename__ = "work_plan"
    __table_args__ = (UniqueConstraint("chain_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    key_points: Mapped[str] = mapped_column(Text, default="")  # 工作要点
    state: Mapped[PlanState] = mapped_column(
        Enum(PlanState, native_enum=False, length=16), default=PlanState.draft, index=True)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # 0 until approved; each change to an approved plan is revision 1, 2, … (WorkPlanRevision).
    revision_no: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optimistic locking (compare-and-set): a change from a stale page changes no row and is refused.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    chain: Mapped[Chain] = relationship()  # noqa: F821
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])  # noqa: F821
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    items: Mapped[list[WorkPlanItem]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="WorkPlanItem.seq")
    revisions: Mapped[list[WorkPlanRevision]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="WorkPlanRevision.revision_no")


class WorkPlanItem(db.Model):
    """One line of the 工作清单."""

    __tablename__ = "work_plan_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("work_plan.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[PlanCategory] = mapped_column(
        Enum(PlanCategory, native_enum=False, length=16), default=PlanCategory.other)
    regions: Mapped[list] = mapped_column(JSON, default=list)  # 重点地区: names from formkit.REGIONS
    responsible_unit: Mapped[str] = mapped_column(String(128), default="")
    responsible_person: Mapped[str] = mapped_column(String(64), default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    # Set when the chain admin marks the item complete (China date); None while it is open.
    completed_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[WorkPlan] = relationship(back_populates="items")
    milestones: Mapped[list[WorkPlanMilestone]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="WorkPlanMilestone.due_on")
    progress_notes: Mapped[list[WorkPlanProgress]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="WorkPlanProgress.created_at")
    key_links: Mapped[list[KeyLink]] = relationship(secondary=work_plan_item_key_link)  # noqa: F821
    challenges: Mapped[list[Challenge]] = relationship(secondary=work_plan_item_challenge)  # noqa: F821
    projects: Mapped[list[Project]] = relationship(secondary=work_plan_item_project)  # noqa: F821

    def late_milestones(self, day: date | None = None) -> list[WorkPlanMilestone]:
        """Sub-milestones whose due day has passed unconfirmed: the item is 滞后 from the day after
        the due day, on China's calendar (`clock.today`)."""
        if self.completed_on is not None:
            return []
        day = day or today()
        return [m for m in self.milestones if m.confirmed_on is None and m.due_on < day]

    def progress_on(self, day: date | None = None) -> ItemProgress:
        """已完成, 滞后 or 按期 on `day` (today in China by default)."""
        if self.completed_on is not None:
            return ItemProgress.done
        return ItemProgress.late if self.late_milestones(day) else ItemProgress.on_track


class WorkPlanMilestone(db.Model):
    """A dated sub-milestone of an item (the 任务图)."""

    __tablename__ = "work_plan_milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("work_plan_item.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    item: Mapped[WorkPlanItem] = relationship(back_populates="milestones")
    confirmed_by: Mapped[User | None] = relationship()  # noqa: F821


class WorkPlanProgress(db.Model):
    """A progress note on an item; its files are Attachments with owner_type "work_plan_progress"."""

    __tablename__ = "work_plan_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("work_plan_item.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[WorkPlanItem] = relationship(back_populates="progress_notes")
    author: Mapped[User | None] = relationship()  # noqa: F821


class WorkPlanRevision(db.Model):
    """A change to an approved plan: its number, the reason, who made it and the plan as it was
    before (a JSON snapshot of the 工作要点 and items), so every earlier version can be shown."""

    __tablename__ = "work_plan_revision"
    __table_args__ = (UniqueConstraint("plan_id", "revision_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("work_plan.id", ondelete="CASCADE"), index=True)
    revision_no: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[WorkPlan] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()  # noqa: F821
