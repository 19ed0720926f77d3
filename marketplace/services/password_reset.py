"""忘记密码: signed, expiring, single-use reset links sent by e-mail, with no table of their own.

A link carries the user's id, signed with SECRET_KEY under a salt that includes the user's
current password hash. Setting any new password (through the link, the password page or another
link) changes the hash, so every earlier link stops verifying: single use without storing tokens.
Links are valid for PASSWORD_RESET_MAX_AGE seconds (1 hour by default).
"""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db
from ..models import User
from ..notifications import mail
from . import accounts, audit
from .errors import InvalidTransition, PermissionDenied, ServiceError

SALT = "password-reset"


class ResetLinkError(ServiceError):
    """A reset link that is expired, already used, or not one of ours (answered with 400)."""


def max_age() -> int:
    """How long a reset link stays valid, in seconds."""
    return int(current_app.config.get("PASSWORD_RESET_MAX_AGE", 3600))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _salt(user: User) -> str:
    return f"{SALT}:{user.id}:{user.password_hash}"


def make_token(user: User) -> str:
    """A reset token for `user`, valid until max_age() passes or the password changes."""
    return _serializer().dumps(user.id, salt=_salt(user))


def user_for_token(token: str) -> User:
    """The enabled user a valid reset token belongs to; raises ResetLinkError otherwise."""
    serializer = _serializer()
    _, user_id = serializer.loads_unsafe(token or "")  # read the id before trusting it, to find the salt
    user = db.session.get(User, user_id) if type(user_id) is int else None
    if user is None:
        raise ResetLinkError("重置链接无效，请重新申请。")
    try:
        serializer.loads(token, max_age=max_age(), salt=_salt(user))
    except SignatureExpired:
        raise ResetLinkError("重置链接已过期，请重新申请。") from None
    except BadSignature:
        raise ResetLinkError("重置链接无效或已使用，请重新申请。") from None
    if not user.is_enabled:
        raise ResetLinkError("该账号已停用，不能重置密码，请联系机构管理员或平台管理员。")
    return user


def _send_link(user: User) -> None:
    link = mail.site_url("auth.reset_password", token=make_token(user))
    minutes = max_age() // 60
    body = (f"{user.name}，您好：\n\n我们收到了重置您在湖北省产业链揭榜挂帅平台的登录密码的请求。"
            f"请在 {minutes} 分钟内打开下面的链接设置新密码（链接只能使用一次）：\n\n{link}\n\n"
            "如果这不是您本人或平台管理员发起的，请忽略本邮件，您的密码不会改变。\n\n—— 湖北省产业链揭榜挂帅平台")
    mail.send_after_commit(mail.Mail(to=user.email, subject="重置登录密码", body=body))


def request_reset(email: str) -> None:
    """Anyone asks for a link: sent (after the commit) only to an existing, enabled account.

    Returns nothing either way, so that the page cannot tell whether the address is registered.
    """
    user = accounts.find_user_by_email(email)
    if user is None or not user.is_enabled:
        return
    _send_link(user)
    audit.record(None, "password_reset_requested", user)
    db.session.flush()


def send_by_admin(actor: User, user: User) -> None:
    """A platform admin sends a user the reset e-mail; refused for a disabled account."""
    if not actor.is_platform_admin:
        raise PermissionDenied("只有平台管理员可以为用户发送重置密码邮件。")
    if not user.is_enabled:
        raise InvalidTransition("该账号已停用，请先启用后再发送重置密码邮件。")
    _send_link(user)
    audit.record(actor, "password_reset_sent", user)
    db.session.flush()


def reset(token: str, new_password: str) -> User:
    """Set the password of the token's user and end all their sessions; the token is then spent.

    Raises ResetLinkError for a bad token, ServiceError for a password that breaks the rules.
    """
    user = user_for_token(token)
    accounts.check_new_password(new_password, accounts.personal_details(user))
    user.set_password(new_password)
    accounts.revoke_all_sessions(user)
    from . import login_throttle

    login_throttle.forget_account(user.email)
    audit.record(user, "password_reset", user)
    db.session.flush()
    return user
