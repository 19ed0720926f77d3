"""Organisations: enterprises, universities, institutes — each an account of its own."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, String, Text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime
from .enums import INSTITUTION_TYPES, OrgStatus, OrgType


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    type: Mapped[OrgType] = mapped_column(Enum(OrgType, native_enum=False, length=16))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    region: Mapped[str] = mapped_column(String(64), default="")
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(254), default="")
    profile: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[OrgStatus] = mapped_column(
        Enum(OrgStatus, native_enum=False, length=16), default=OrgStatus.pending
    )
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL", use_alter=True)
    )
    # The China date of the last weekly digest (notifications/digest.py claims it before sending).
    digest_sent_on: Mapped[date | None] = mapped_column(Date)
    # Optimistic locking (compare-and-set): an UPDATE carrying a stale version changes no row and is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    members: Mapped[list[User]] = relationship(  # noqa: F821
        back_populates="organisation", foreign_keys="User.organisation_id", order_by="User.id"
    )
    chain_leads: Mapped[list[ChainLead]] = relationship(  # noqa: F821
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @hybrid_property
    def is_verified(self) -> bool:
        return self.status is OrgStatus.verified

    @is_verified.inplace.expression
    @classmethod
    def _is_verified(cls):
        return cls.status == OrgStatus.verified

    @property
    def is_rejected(self) -> bool:
        """Not verified, with a reason: it may correct its profile or documents and try again."""
        return self.status is OrgStatus.rejected

    @hybrid_property
    def is_institution(self) -> bool:
        """A university, institute or other body that answers challenges (揭榜方)."""
        return self.type.is_institution

    @is_institution.inplace.expression
    @classmethod
    def _is_institution(cls):
        return cls.type.in_(INSTITUTION_TYPES)

    @property
    def is_enterprise(self) -> bool:
        """Enterprises post challenges (发榜方)."""
        return self.type is OrgType.enterprise

    @hybrid_property
    def is_government(self) -> bool:
        """A government department (the platform's office, a chain's lead department): created by the
        platform admins, verified from the start, never registered or verified by documents."""
        return self.type is OrgType.government

    @is_government.inplace.expression
    @classmethod
    def _is_government(cls):
        return cls.type == OrgType.government

    @property
    def lead_chains(self) -> list:
        """Chains this enterprise is 链主 of."""
        return [lead.chain for lead in self.chain_leads]

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name}>"
