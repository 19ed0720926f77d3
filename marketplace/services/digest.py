"""The weekly digest: each verified institution's recommended open challenges, in its inbox."""
from __future__ import annotations

from datetime import timedelta

from ..extensions import db
from ..models import Notification, Organisation
from ..models.base import utcnow
from . import notify
from .recommend import for_institution

INTERVAL = timedelta(days=7)
SIZE = 5


def send_weekly_digests(now=None) -> int:
    """Send the digest to every institution that got none in the last 7 days; returns how many."""
    now = now or utcnow()
    sent = 0
    institutions = db.session.scalars(db.select(Organisation).where(
        Organisation.is_verified, Organisation.is_institution)).all()
    for org in institutions:
        members = [u for u in org.members if u.is_enabled]
        if not members:
            continue
        recent = db.session.scalar(db.select(Notification.id).where(
            Notification.user_id.in_([u.id for u in members]), Notification.category == "digest",
            Notification.created_at > now - INTERVAL).limit(1))
        if recent:
            continue
        items = for_institution(members[0], limit=SIZE)
        if not items:
            continue
        body = "\n".join(f"{i}. {item.obj.title}（{item.obj.chain.name}，截止 {item.obj.deadline}；共同关键词："
                         f"{'、'.join(item.words[:5])}）" for i, item in enumerate(items, start=1))
        notify.organisation(org, "digest", f"本周为您推荐 {len(items)} 个榜单", body, "/dashboard")
        sent += 1
    db.session.flush()
    return sent
