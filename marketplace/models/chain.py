"""The eight industry chains (产业链) and their 链主 enterprises."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime

# The policy's range for 链主 enterprises per chain; outside it the admin pages warn.
CHAIN_LEAD_MIN, CHAIN_LEAD_MAX = 2, 5


class Chain(db.Model):
    __tablename__ = "chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    leader: Mapped[str] = mapped_column(String(128), default="")
    lead_department: Mapped[str] = mapped_column(String(128), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    key_link_quota_min: Mapped[int] = mapped_column(default=3)
    key_link_quota_max: Mapped[int] = mapped_column(default=5)
    sort_order: Mapped[int] = mapped_column(default=0)

    leads: Mapped[list[ChainLead]] = relationship(
        back_populates="chain", cascade="all, delete-orphan", order_by="ChainLead.designated_at"
    )

    @property
    def lead_count_warning(self) -> str | None:
        """A Chinese warning when the number of 链主 is outside the policy's 2–5."""
        count = len(self.leads)
        if count < CHAIN_LEAD_MIN:
            return f"链主企业仅 {count} 家，政策要求每条产业链 {CHAIN_LEAD_MIN}—{CHAIN_LEAD_MAX} 家。"
        if count > CHAIN_LEAD_MAX:
            return f"链主企业已有 {count} 家，超过政策建议的 {CHAIN_LEAD_MAX} 家上限。"
        return None

    def __repr__(self) -> str:
        return f"<Chain {self.code}>"


class ChainLead(db.Model):
    """An enterprise designated 链主 of a chain by a platform admin."""

    __tablename__ = "chain_lead"
    __table_args__ = (UniqueConstraint("chain_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    designated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    designated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    chain: Mapped[Chain] = relationship(back_populates="leads")
    organisation: Mapped[Organisation] = relationship(back_populates="chain_leads")  # noqa: F821
