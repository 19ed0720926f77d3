"""The year's key missing links (关键缺失环节): decided by the chain's department before any listing answers them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime

PRIORITIES = {1: "高", 2: "中", 3: "低"}

# A challenge answers at most one key link (challenge_id is unique): a listing is posted once, in one
# year, for one bottleneck; counting it against two links would inflate the year's coverage.
key_link_challenge = Table(
    "key_link_challenge", db.metadata,
    Column("key_link_id", ForeignKey("key_link.id", ondelete="CASCADE"), primary_key=True),
    Column("challenge_id", ForeignKey("challenge.id", ondelete="CASCADE"), primary_key=True, unique=True),
)


class KeyLink(db.Model):
    __tablename__ = "key_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    segment: Mapped[str] = mapped_column(String(200))  # 环节名称
    why_missing: Mapped[str] = mapped_column(Text, default="")  # 缺失原因
    target_indicators: Mapped[str] = mapped_column(Text, default="")  # 目标指标
    priority: Mapped[int] = mapped_column(default=2)  # 1 高, 2 中, 3 低
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optimistic locking: an edit from a stale page changes no row and is refused.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    chain: Mapped[Chain] = relationship()  # noqa: F821
    created_by: Mapped[User | None] = relationship()  # noqa: F821
    challenges: Mapped[list[Challenge]] = relationship(  # noqa: F821
        secondary=key_link_challenge, back_populates="key_link", order_by="Challenge.id")

    @property
    def priority_label(self) -> str:
        return PRIORITIES.get(self.priority, "中")
