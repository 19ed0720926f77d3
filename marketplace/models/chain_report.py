"""The lead department's own words for a chain's year-end report (年度工作完成情况报告); the
figures are computed from the data each time the report is made."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime


class ChainReport(db.Model):
    __tablename__ = "chain_report"
    __table_args__ = (UniqueConstraint("chain_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column()
    narrative: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    chain: Mapped[Chain] = relationship()  # noqa: F821
    updated_by: Mapped[User | None] = relationship()  # noqa: F821
