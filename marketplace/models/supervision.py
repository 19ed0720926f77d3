"""督办单: the provincial office chases a late work-plan item or project; the chain admin replies
within a number of working days (workdays.add_working_days)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import today, utcnow
from ..extensions import db
from .base import UTCDateTime
from .enums import SupervisionState


class Supervision(db.Model):
    __tablename__ = "supervision"
    # A 督办单 is about exactly one thing: a work-plan item or a project.
    __table_args__ = (CheckConstraint("(item_id IS NULL) <> (project_id IS NULL)", name="supervision_one_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("work_plan_item.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    request: Mapped[str] = mapped_column(Text)  # 督办事项及要求
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    issued_on: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column()
    reply_due: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[SupervisionState] = mapped_column(
        Enum(SupervisionState, native_enum=False, length=16), default=SupervisionState.open, index=True)
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    chain: Mapped[Chain] = relationship()  # noqa: F821
    item: Mapped[WorkPlanItem | None] = relationship()  # noqa: F821
    project: Mapped[Project | None] = relationship()  # noqa: F821
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])  # noqa: F821
    replied_by: Mapped[User | None] = relationship(foreign_keys=[replied_by_id])  # noqa: F821

    def is_overdue(self, day: date | None = None) -> bool:
        """Unanswered after its reply day (China calendar)."""
        return self.state is SupervisionState.open and self.reply_due < (day or today())
