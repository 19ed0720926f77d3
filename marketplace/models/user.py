"""Users, their login sessions, expert appointments and invitations."""
from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime
from .enums import OrgRole


def token_digest(token: str) -> str:
    """Store only a digest of secret tokens: a leaked table then opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    org_role: Mapped[OrgRole] = mapped_column(
        Enum(OrgRole, native_enum=False, length=16), default=OrgRole.member
    )
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    # The lead department (牵头部门) user of one chain.
    admin_chain_id: Mapped[int | None] = mapped_column(ForeignKey("chain.id", ondelete="SET NULL"))
    # Read-only oversight (链长制): a 链长 follows one chain, a 总链长 every chain; they see plans,
    # statistics, 督办 and reports and change nothing.
    leader_chain_id: Mapped[int | None] = mapped_column(ForeignKey("chain.id", ondelete="SET NULL"))
    # A database default only (no Python default): an insert written for an earlier revision's table,
    # such as the upgrade tests' (test_jobs.py), must not name a column that did not exist yet.
    is_chief_leader: Mapped[bool] = mapped_column(server_default="0")
    expert_title: Mapped[str] = mapped_column(String(64), default="")
    expertise: Mapped[str] = mapped_column(Text, default="")
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship(  # noqa: F821
        back_populates="members", foreign_keys=[organisation_id]
    )
    admin_chain: Mapped[Chain | None] = relationship(foreign_keys=[admin_chain_id])  # noqa: F821
    leader_chain: Mapped[Chain | None] = relationship(foreign_keys=[leader_chain_id])  # noqa: F821
    expert_memberships: Mapped[list[ExpertMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Set by the login manager for the request: which UserSession this user came in with.
    session_token = None  # type: str | None

    def set_password(self, password: str) -> None:
        # Tests set a cheap method; production keeps werkzeug's default (scrypt).
        method = current_app.config.get("PASSWORD_HASH_METHOD") or "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str | None:
        """Flask-Login keeps the session token, not the user id: revoking the token logs out."""
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    @property
    def is_org_admin(self) -> bool:
        return self.org_role is OrgRole.admin

    @property
    def is_chain_admin(self) -> bool:
        return self.admin_chain_id is not None

    @property
    def is_chain_leader(self) -> bool:
        """A 链长 or 总链长: reads a chain's governance pages, changes nothing."""
        return self.is_chief_leader or self.leader_chain_id is not None

    @property
    def expert_chains(self) -> list:
        return [m.chain for m in self.expert_memberships]

    @property
    def is_expert(self) -> bool:
        return bool(self.expert_memberships)

    @property
    def can_act(self) -> bool:
        """Only members of a verified organisation may post, answer or review."""
        return self.is_enabled and self.organisation.is_verified

    @property
    def role_labels(self) -> list[str]:
        labels = []
        if self.is_platform_admin:
            labels.append("平台管理员")
        if self.admin_chain is not None:
            labels.append(f"{self.admin_chain.name}牵头部门")
        if self.is_chief_leader:
            labels.append("总链长")
        elif self.leader_chain is not None:
            labels.append(f"{self.leader_chain.name}链长")
        if self.is_expert:
            labels.append("专家")
        labels.append("机构管理员" if self.is_org_admin else "机构成员")
        return labels

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserSession(db.Model):
    """One login: revoked at logout, and all of a user's at a password change."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(256), default="")

    user: Mapped[User] = relationship()


class ExpertMembership(db.Model):
    """An expert appointed to a chain's expert committee (专家委员会)."""

    __tablename__ = "expert_membership"
    __table_args__ = (UniqueConstraint("user_id", "chain_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id", ondelete="CASCADE"))
    appointed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="expert_memberships")
    chain: Mapped[Chain] = relationship()  # noqa: F821


class Invitation(db.Model):
    """An organisation admin's invitation for a new member, redeemed once by its token."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[OrgRole] = mapped_column(
        Enum(OrgRole, native_enum=False, length=16), default=OrgRole.member
    )
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")

    organisation: Mapped[Organisation] = relationship()  # noqa: F821
    invited_by: Mapped[User | None] = relationship()
