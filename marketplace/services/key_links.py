"""The year's key missing links (关键核心缺失环节), 3–5 per chain by default."""
from __future__ import annotations

from dataclasses import dataclass

from .. import clock
from ..extensions import db
from ..models import Chain, Challenge, ChallengeState
from . import audit
from .errors import InvalidTransition, PermissionDenied, ServiceError
from .rules import rule
from .visibility import is_manager

MARKABLE_STATES = (ChallengeState.published, ChallengeState.closed, ChallengeState.awarded)


class QuotaExceeded(ServiceError):
    """Marking one more would exceed the chain's yearly quota: ask the admin to confirm."""

    status = 409


@dataclass
class Quota:
    year: int
    used: int
    minimum: int
    maximum: int

    @property
    def label(self) -> str:
        return f"{self.year} 年已选 {self.used} 个（要求 {self.minimum}—{self.maximum} 个）"


def marked(chain: Chain, year: int) -> list[Challenge]:
    return db.session.scalars(
        db.select(Challenge).filter_by(chain_id=chain.id, key_link_year=year).order_by(Challenge.published_at)
    ).all()


def quota(chain: Chain, year: int | None = None) -> Quota:
    year = year or clock.today().year
    used = db.session.scalar(
        db.select(db.func.count()).select_from(Challenge).filter_by(chain_id=chain.id, key_link_year=year))
    return Quota(year, used, chain.key_link_quota_min, chain.key_link_quota_max)


@rule("may_mark_key_link")
def check_may_mark(actor, challenge: Challenge) -> None:
    if not is_manager(actor, challenge):
        raise PermissionDenied("只有本链牵头部门或平台管理员可以确定关键缺失环节。")
    if challenge.state not in MARKABLE_STATES:
        raise InvalidTransition("只有已发布的榜单可以列为关键缺失环节。")
    if challenge.key_link_year == clock.today().year:
        raise InvalidTransition("该榜单已是本年度关键缺失环节。")


@rule("may_unmark_key_link")
def check_may_unmark(actor, challenge: Challenge) -> None:
    if not is_manager(actor, challenge):
        raise PermissionDenied("只有本链牵头部门或平台管理员可以调整关键缺失环节。")
    if challenge.key_link_year is None:
        raise InvalidTransition("该榜单不是关键缺失环节。")


def mark(actor, challenge: Challenge, year: int | None = None, confirm_over_quota: bool = False) -> Quota:
    """Mark a listing as one of the year's key missing links; over the quota only with confirmation."""
    check_may_mark(actor, challenge)
    year = year or clock.today().year
    if challenge.key_link_year == year:
        raise InvalidTransition("该榜单已是本年度关键缺失环节。")
    current = quota(challenge.chain, year)
    over = current.used + 1 > current.maximum
    if over and not confirm_over_quota:
        raise QuotaExceeded(f"{challenge.chain.name}产业链{year}年已选关键缺失环节 {current.used} 个，"
                            f"再选将超过年度上限 {current.maximum} 个。如确需超出，请确认后再提交。")
    challenge.key_link_year = year
    audit.record(actor, "key_link_marked", challenge, reason=f"{year}年关键缺失环节" + ("（超出年度上限，已确认）" if over else ""))
    db.session.flush()
    return quota(challenge.chain, year)


def unmark(actor, challenge: Challenge) -> None:
    check_may_unmark(actor, challenge)
    audit.record(actor, "key_link_unmarked", challenge, reason=f"{challenge.key_link_year}年")
    challenge.key_link_year = None
    db.session.flush()


def over_quota_report() -> list[tuple[Chain, Quota]]:
    """Chains whose current-year key links are outside their quota (for the admin pages)."""
    from .chains import all_chains

    report = []
    for chain in all_chains():
        q = quota(chain)
        if q.used > q.maximum:
            report.append((chain, q))
    return report
