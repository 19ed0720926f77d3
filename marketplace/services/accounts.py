"""Accounts: login sessions, passwords, invitations and members."""
from __future__ import annotations

import secrets
from datetime import timedelta
from functools import lru_cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..extensions import db
from ..models import AuditEvent, Invitation, OrgRole, User, UserSession, token_digest
from . import audit
from .errors import InvalidTransition, PermissionDenied, ServiceError
from .locking import claim
from .rules import rule

MIN_PASSWORD_LENGTH = 8


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(email=normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The user with this e-mail and password, or None (the same None for either mistake).

    A disabled account with the right password is told so (PermissionDenied): only someone who
    knows the password learns that the account exists.
    """
    user = find_user_by_email(email)
    if user is None:
        # Hash anyway, with the same method: an unknown address must take as long to refuse as a
        # wrong password, or the response time tells which addresses are registered.
        check_password_hash(_dummy_hash(current_app.config.get("PASSWORD_HASH_METHOD") or "scrypt"), password or "")
        return None
    if not user.check_password(password or ""):
        return None
    if not user.is_enabled:
        raise PermissionDenied("该账号已停用，请联系本机构管理员或平台管理员。")
    return user


def start_session(user: User, user_agent: str = "") -> str:
    """Open a login session for `user` and return its secret token (kept in the cookie)."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user=user, token_hash=token_digest(token), user_agent=user_agent[:256]))
    user.last_login_at = utcnow()
    user.session_token = token
    db.session.flush()
    return token


def user_for_session(token: str) -> User | None:
    """The user whose live (not revoked) session has this token."""
    if not token:
        return None
    session = db.session.scalar(
        db.select(UserSession).filter_by(token_hash=token_digest(token), revoked_at=None)
    )
    if session is None:
        return None
    user = session.user
    user.session_token = token
    return user


def end_session(token: str | None) -> None:
    """Revoke one login session (logout): its cookie no longer opens anything."""
    if not token:
        return
    session = db.session.scalar(db.select(UserSession).filter_by(token_hash=token_digest(token)))
    if session is not None and session.revoked_at is None:
        session.revoked_at = utcnow()
        db.session.flush()


def revoke_all_sessions(user: User) -> None:
    now = utcnow()
    for session in db.session.scalars(
        db.select(UserSession).filter_by(user_id=user.id, revoked_at=None)
    ):
        session.revoked_at = now
    db.session.flush()


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def check_new_password(password: str, user_inputs=()) -> None:
    """Refuse a short password, a common one, or one built from the user's own details.

    zxcvbn (Dropbox's estimator) knows the common-password lists and keyboard patterns, and is
    given the user's e-mail, name and organisation as words to look for. Its score runs 0–4;
    PASSWORD_MIN_SCORE (2 by default: beyond a million guesses, out of reach of a throttled online
    attack) is the least accepted.
    """
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"密码至少 {MIN_PASSWORD_LENGTH} 位。", field="password")
    words = _personal_words(user_inputs)
    lowered = password.lower()
    if any(len(word) >= 4 and word in lowered for word in words) or lowered in words:
        raise ServiceError("密码不能使用您的邮箱、姓名或机构名称，请换一个别人猜不到的密码。", field="password")
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:100], user_inputs=words)  # its cost grows with length: 100 is plenty
    if result["score"] >= int(current_app.config.get("PASSWORD_MIN_SCORE", 2)):
        return
    if any(match.get("dictionary_name") == "user_inputs" for match in result["sequence"]):
        raise ServiceError("密码不能使用您的邮箱、姓名或机构名称，请换一个别人猜不到的密码。", field="password")
    if any(match.get("dictionary_name") == "passwords" for match in result["sequence"]):
        raise ServiceError("该密码过于常见，很容易被猜到，请换一个（例如几个不相关的词加上数字）。", field="password")
    raise ServiceError("密码太简单，很容易被猜到，请加长或混合使用不相关的词、数字和符号。", field="password")


def _personal_words(user_inputs) -> list[str]:
    """The user's details as lower-case words: the whole e-mail, its local part and domain name."""
    words = []
    for value in user_inputs:
        value = (value or "").strip().lower()
        if not value:
            continue
        words.append(value)
        if "@" in value:
            local, _, domain = value.partition("@")
            words += [local, domain.split(".")[0]]
    return [w for w in words if len(w) >= 2]


def personal_details(user: User) -> tuple[str, ...]:
    """What a password must not be built from: the user's e-mail, name and organisation."""
    return (user.email, user.name, user.organisation.name if user.organisation else "")


def change_password(user: User, current: str, new: str, user_agent: str = "") -> str:
    """Set a new password, end every session of the user, and return a fresh session token."""
    if not user.check_password(current or ""):
        raise ServiceError("当前密码不正确。", field="current_password")
    check_new_password(new, personal_details(user))
    user.set_password(new)
    revoke_all_sessions(user)
    audit.record(user, "password_changed", user)
    return start_session(user, user_agent)


def create_user(organisation, email: str, name: str, password: str, role=OrgRole.member) -> User:
    """Add a user to an organisation; raises ServiceError for a taken e-mail or a short password."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise ServiceError("该邮箱已注册，请直接登录或更换邮箱。", field="email")
    check_new_password(password, (email, name, organisation.name if organisation is not None else ""))
    user = User(email=email, name=name.strip(), organisation=organisation, org_role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def _require_org_admin(actor: User, organisation) -> None:
    if not (actor.is_platform_admin or (actor.organisation_id == organisation.id and actor.is_org_admin)):
        raise PermissionDenied("只有本机构管理员可以管理成员。")


@rule("may_invite_members")
def check_may_invite(actor: User, organisation) -> None:
    """The organisation's administrator (or a platform admin) invites, once the organisation is verified."""
    _require_org_admin(actor, organisation)
    if not actor.can_act:
        raise PermissionDenied("您所在机构尚未通过平台认证，认证通过后才能邀请成员。")


def invite_member(actor: User, organisation, email: str, role: OrgRole, days: int = 14) -> tuple[Invitation, str]:
    """Invite an e-mail address into the organisation; returns the invitation and its secret token."""
    check_may_invite(actor, organisation)
    claim(organisation)  # two simultaneous invitations of one address: the second sees the first
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise ServiceError("该邮箱已是平台用户，不能重复邀请。", field="email")
    open_invite = db.session.scalar(
        db.select(Invitation).filter_by(
            organisation_id=organisation.id, email=email, accepted_at=None, revoked_at=None
        )
    )
    if open_invite is not None and open_invite.expires_at > utcnow():
        raise ServiceError("该邮箱已有一份未使用的邀请。", field="email")
    token = secrets.token_urlsafe(24)
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        invited_by=actor,
        token_hash=token_digest(token),
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "member_invited", organisation, reason=email)
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    """The open, unexpired invitation with this token."""
    invitation = db.session.scalar(db.select(Invitation).filter_by(token_hash=token_digest(token or "")))
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return None
    if invitation.expires_at <= utcnow():
        return None
    return invitation


def accept_invitation(invitation: Invitation, name: str, password: str, *, accepted_terms: bool) -> User:
    """Create the invited user, who accepted the 用户协议 and 隐私政策 in force (recorded); the invitation
    can be used once."""
    from . import consent

    if not accepted_terms:
        raise ServiceError(consent.REFUSAL, field="accept_terms")
    claim(invitation.organisation, invitation)  # a simultaneous revocation wins or waits (see set_member_role)
    if invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= utcnow():
        raise InvalidTransition("邀请已失效，请联系机构管理员重新邀请。")
    user = create_user(invitation.organisation, invitation.email, name, password, invitation.role)
    consent.record(user, consent.VIA_INVITATION)
    invitation.accepted_at = utcnow()
    audit.record(user, "invitation_accepted", invitation.organisation, reason=user.email)
    return user


def revoke_invitation(actor: User, invitation: Invitation) -> None:
    _require_org_admin(actor, invitation.organisation)
    claim(invitation.organisation, invitation)  # its member changes are serialised (see set_member_role)
    if invitation.accepted_at or invitation.revoked_at:
        raise InvalidTransition("该邀请已被使用或撤销。")
    invitation.revoked_at = utcnow()
    db.session.flush()


def set_member_role(actor: User, member: User, role: OrgRole) -> None:
    """Make a member an organisation admin or back; an organisation keeps at least one admin."""
    _require_org_admin(actor, member.organisation)
    # Serialise member changes per organisation: two admins demoting each other at the same moment
    # would each still count the other and leave the organisation with no admin.
    claim(member.organisation, member, *member.organisation.members)
    if member.org_role is role:
        return
    if role is OrgRole.member and member.is_org_admin:
        admins = [m for m in member.organisation.members if m.is_org_admin and m.is_enabled]
        if len(admins) <= 1:
            raise InvalidTransition("机构至少需要保留一名管理员。")
    before = member.org_role
    member.org_role = role
    audit.record(actor, "member_role_changed", member, before, role)
    db.session.flush()


def set_member_enabled(actor: User, member: User, enabled: bool) -> None:
    """Disable (or re-enable) a member's account; disabling ends their sessions."""
    _require_org_admin(actor, member.organisation)
    claim(member.organisation, member, *member.organisation.members)  # see set_member_role
    if member.is_enabled == enabled:
        return  # already so (a double click): nothing to record
    if member.id == actor.id and not enabled:
        raise InvalidTransition("不能停用自己的账号。")
    if enabled and not actor.is_platform_admin and disabled_by_platform(member):
        raise InvalidTransition("该账号由平台管理员停用，只能由平台管理员启用。")
    if not enabled and member.is_org_admin:
        admins = [m for m in member.organisation.members if m.is_org_admin and m.is_enabled]
        if len(admins) <= 1:
            raise InvalidTransition("机构至少需要保留一名可用的管理员。")
    member.is_enabled = enabled
    if not enabled:
        revoke_all_sessions(member)
    audit.record(actor, "member_enabled" if enabled else "member_disabled", member)
    db.session.flush()


def disabled_by_platform(user: User) -> bool:
    """Whether the account is disabled and the last change of that was a platform admin's."""
    if user.is_enabled:
        return False
    last = db.session.scalar(
        db.select(AuditEvent.action).filter_by(subject_type=User.__tablename__, subject_id=user.id)
        .where(AuditEvent.action.in_(_ENABLE_ACTIONS)).order_by(AuditEvent.id.desc()).limit(1))
    return last == "account_disabled"


_ENABLE_ACTIONS = ("member_enabled", "member_disabled", "account_enabled", "account_disabled")


def set_account_enabled(actor: User, user: User, enabled: bool) -> None:
    """A platform admin disables (or re-enables) any account; disabling ends all its sessions.

    Raises PermissionDenied for anyone else, InvalidTransition for disabling oneself.
    """
    if not actor.is_platform_admin:
        raise PermissionDenied("只有平台管理员可以停用或启用任意账号。")
    if user.id == actor.id and not enabled:
        raise InvalidTransition("不能停用自己的账号。")
    claim(user.organisation, user)  # see set_member_role
    if user.is_enabled == enabled:
        raise InvalidTransition("该账号已是启用状态。" if enabled else "该账号已是停用状态。")
    user.is_enabled = enabled
    if not enabled:
        revoke_all_sessions(user)
    audit.record(actor, "account_enabled" if enabled else "account_disabled", user)
    db.session.flush()
