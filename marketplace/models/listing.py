"""What institutions offer: capabilities (科研能力) and achievements (成果)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Enum, ForeignKey, Integer, String, Table, Text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime, split_keywords
from .enums import ListingStatus, TransferMode

capability_chain = Table(
    "capability_chain",
    db.metadata,
    Column("capability_id", Integer, ForeignKey("capability.id", ondelete="CASCADE"), primary_key=True),
    Column("chain_id", Integer, ForeignKey("chain.id", ondelete="CASCADE"), primary_key=True),
)


class Listed:
    """What capabilities and achievements share: a status their organisation sets."""

    @hybrid_property
    def is_active(self) -> bool:
        """Shown (展示中) rather than archived (已下架) by its organisation."""
        return self.status is ListingStatus.active

    @is_active.inplace.expression
    @classmethod
    def _is_active(cls):
        return cls.status == ListingStatus.active


class Capability(Listed, db.Model):
    __tablename__ = "capability"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    direction: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    team_lead: Mapped[str] = mapped_column(String(64), default="")
    team_size: Mapped[int | None] = mapped_column()
    notable_members: Mapped[str] = mapped_column(Text, default="")
    facilities: Mapped[str] = mapped_column(Text, default="")
    results: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[ListingStatus] = mapped_column(
        Enum(ListingStatus, native_enum=False, length=16), default=ListingStatus.active, index=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped[Organisation] = relationship()  # noqa: F821
    chains: Mapped[list[Chain]] = relationship(secondary=capability_chain, order_by="Chain.sort_order")  # noqa: F821

    @property
    def keyword_list(self) -> list[str]:
        return split_keywords(self.keywords)


class Achievement(Listed, db.Model):
    """A result in the achievements database (成果库), listed directly or created by an accepted project."""

    __tablename__ = "achievement"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"), index=True)
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenge.id", ondelete="SET NULL"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    trl: Mapped[int] = mapped_column(default=5)
    ip: Mapped[str] = mapped_column(Text, default="")
    transfer_mode: Mapped[TransferMode | None] = mapped_column(Enum(TransferMode, native_enum=False, length=16))
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[ListingStatus] = mapped_column(
        Enum(ListingStatus, native_enum=False, length=16), default=ListingStatus.active, index=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped[Organisation] = relationship()  # noqa: F821
    chain: Mapped[Chain] = relationship()  # noqa: F821
    challenge: Mapped[Challenge | None] = relationship()  # noqa: F821
    project: Mapped[Project | None] = relationship()  # noqa: F821
