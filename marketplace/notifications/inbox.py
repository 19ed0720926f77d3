"""站内信 and e-mail about the changes that concern a user, each category switchable per user.

E-mail is sent when the request's transaction commits, never before: a change that is rolled
back (a later refusal, an error) sends nothing. Delivery failures are logged, not raised.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import func, update

from ..clock import utcnow
from ..extensions import db
from ..models import Notification, NotificationPreference, User
from ..paging import paginate
from ..services.errors import PermissionDenied
from . import mail

# Category code → the label users see on the settings page, in display order.
CATEGORIES: dict[str, str] = {
    "challenge": "榜单审核与状态",
    "question": "答疑",
    "proposal": "揭榜方案",
    "consortium": "联合体邀请",
    "review": "评审任务",
    "selection": "遴选与立项",
    "publicity": "公示与异议",
    "milestone": "里程碑与验收",
    "supervision": "督办单（产业链牵头部门、平台管理员）",
    "digest": "推荐周报",
    "account": "账号与机构认证",
    "verification": "机构注册与认证材料（平台管理员）",
    "governance": "产业链治理（年度工作计划、季度通报）",
}

TITLE_LENGTH = 200
URL_LENGTH = 500


class Preference(NamedTuple):
    inbox: bool = True
    email: bool = True


def notify(users: Iterable[User | None], category: str, title: str, body: str = "",
           url: str = "") -> list[Notification]:
    """Put a message in each user's inbox and e-mail it, as their preferences allow; flushes.

    None and repeated users are skipped; disabled accounts get no e-mail. `url` must be a local
    path ("/challenges/3"). Raises ValueError for an unknown category or a non-local url.
    """
    _check_category(category)
    body, url = body or "", url or ""
    if url and not _is_local_path(url):
        raise ValueError(f"notification url must be a local path, got {url!r}")
    if len(url) > URL_LENGTH:
        raise ValueError("notification url is too long")
    title = title if len(title) <= TITLE_LENGTH else title[:TITLE_LENGTH - 1] + "…"
    recipients = _unique(users)
    if not recipients:
        return []
    if any(u.id is None for u in recipients):
        db.session.flush()
    stored = _stored_preferences([u.id for u in recipients], category)
    created = []
    for user in recipients:
        choice = stored.get(user.id, Preference())
        if choice.inbox:
            notification = Notification(user_id=user.id, category=category, title=title, body=body, url=url)
            db.session.add(notification)
            created.append(notification)
        if choice.email and user.is_enabled and user.email:
            mail.send_after_commit(mail.Mail(to=user.email, subject=title, body=_mail_body(body, url)))
    db.session.flush()
    return created


def unread_count(user: User) -> int:
    """How many of the user's messages are unread."""
    return db.session.scalar(
        db.select(func.count(Notification.id)).filter_by(user_id=user.id, read_at=None)
    ) or 0


def messages(user: User, page: int = 1, per_page: int = 20):
    """The user's messages, newest first, as a Flask-SQLAlchemy pagination."""
    query = (db.select(Notification).filter_by(user_id=user.id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return paginate(query, page, per_page)


def mark_read(user: User, notification: Notification) -> None:
    """Mark one of the user's own messages read; raises PermissionDenied for anyone else's."""
    if notification.user_id != user.id:
        raise PermissionDenied("这不是您的消息。")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user: User) -> int:
    """Mark every unread message of the user read; returns how many changed."""
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


def preferences(user: User) -> dict[str, Preference]:
    """Every category's (inbox, email) choice for the user, in CATEGORIES order; default both on."""
    rows = db.session.scalars(db.select(NotificationPreference).filter_by(user_id=user.id)).all()
    stored = {r.category: Preference(r.inbox_enabled, r.email_enabled) for r in rows}
    return {code: stored.get(code, Preference()) for code in CATEGORIES}


def set_preferences(user: User, choices: dict[str, tuple[bool, bool]]) -> None:
    """Save {category: (inbox, email)} for the user; other categories keep their setting.

    Raises ValueError for an unknown category.
    """
    for category in choices:
        _check_category(category)
    rows = {r.category: r for r in db.session.scalars(
        db.select(NotificationPreference).filter_by(user_id=user.id)).all()}
    for category, (inbox_on, email_on) in choices.items():
        row = rows.get(category)
        if row is None:
            row = NotificationPreference(user_id=user.id, category=category)
            db.session.add(row)
        row.inbox_enabled = bool(inbox_on)
        row.email_enabled = bool(email_on)
    db.session.flush()


def _check_category(category: str) -> None:
    if category not in CATEGORIES:
        raise ValueError(f"unknown notification category {category!r}")


def _is_local_path(url: str) -> bool:
    from ..access import safe_next

    return safe_next(url, default="") == url


def _unique(users: Iterable[User | None]) -> list[User]:
    seen, result = set(), []
    for user in users:
        if user is None or id(user) in seen or (user.id is not None and user.id in seen):
            continue
        seen.add(id(user))
        if user.id is not None:
            seen.add(user.id)
        result.append(user)
    return result


def _stored_preferences(user_ids: list[int], category: str) -> dict[int, Preference]:
    rows = db.session.scalars(db.select(NotificationPreference).where(
        NotificationPreference.user_id.in_(user_ids), NotificationPreference.category == category)).all()
    return {r.user_id: Preference(r.inbox_enabled, r.email_enabled) for r in rows}


def _mail_body(body: str, url: str) -> str:
    parts = [body] if body else []
    if url:
        link = mail.site_path_url(url)  # BASE_URL, not the Host header; also from cron jobs
        parts.append(f"查看详情：{link}")
    parts.append("—— 湖北省产业链揭榜挂帅平台（可在“消息设置”中关闭此类邮件）")
    return "\n\n".join(parts)
