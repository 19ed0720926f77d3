"""The weekly digest: each verified institution's recommended open challenges, in its inbox."""
from __future__ import annotations

from datetime import date, timedelta

from .. import clock
from ..extensions import db
from ..models import Organisation
from ..services.locking import claim_once
from ..services.recommend.candidates import for_institution
from . import notify

INTERVAL = timedelta(days=7)
SIZE = 5


def _digest_due(today: date) -> tuple:
    """A verified institution that got no digest in the last 7 days (China dates)."""
    return (Organisation.is_verified, Organisation.is_institution,
            (Organisation.digest_sent_on.is_(None)) | (Organisation.digest_sent_on <= today - INTERVAL))


def due_organisations(today: date | None = None) -> list[int]:
    """The institutions whose digest is due: the ids `send_digest` takes."""
    today = today or clock.today()
    return list(db.session.scalars(db.select(Organisation.id).where(*_digest_due(today)).order_by(Organisation.id)))


def send_digest(organisation_id: int, today: date | None = None) -> bool:
    """Send one institution its digest, once a week: `digest_sent_on` is set by compare-and-set where
    it is still empty or a week old, and only the call that set it sends. An institution with no
    enabled member or nothing to recommend gets nothing and stays due. Returns whether it sent."""
    today = today or clock.today()
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        return False
    members = [u for u in org.members if u.is_enabled]
    items = for_institution(members[0], limit=SIZE) if members else []
    if not items or not claim_once(Organisation, organisation_id, *_digest_due(today), digest_sent_on=today):
        return False
    db.session.refresh(org)
    body = "\n".join(f"{i}. {item.obj.title}{' [已揭榜]' if item.answered else ''}（{item.obj.chain.name}，"
                     f"截止 {item.obj.deadline}；匹配度 {item.match:.0f}；共同关键词：{'、'.join(item.words[:5])}）"
                     for i, item in enumerate(items, start=1))
    notify.organisation(org, "digest", f"本周为您推荐 {len(items)} 个榜单", body, "/dashboard")
    db.session.flush()
    return True


def send_weekly_digests(today: date | None = None) -> int:
    """Send the digest to every institution that got none in the last 7 days; returns how many this call sent."""
    return sum(send_digest(organisation_id, today) for organisation_id in due_organisations(today))
