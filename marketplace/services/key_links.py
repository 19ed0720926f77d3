"""The year's key missing links (关键缺失环节), 3–5 per chain by default: decided first by the chain's
department, then answered by listings (0..n per link) and, through them, by projects."""
from __future__ import annotations

from dataclasses import dataclass

from .. import clock
from ..extensions import db
from ..models import Chain, ChainLead, Challenge, ChallengeState, KeyLink, Project, ProjectState, User
from ..models.key_link import PRIORITIES
from ..notifications import notify
from . import audit, oversight
from .errors import InvalidTransition, PermissionDenied, ServiceError
from .locking import Conflict
from .rules import rule

# A link lists only what the public may see: a draft or a listing under review stays the poster's.
ATTACHABLE_STATES = (ChallengeState.published, ChallengeState.closed, ChallengeState.awarded)
SEGMENT_MAX = 200


class QuotaExceeded(ServiceError):
    """One more link would exceed the chain's yearly quota: ask the admin to confirm."""

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

    @property
    def warning(self) -> str | None:
        """Outside the chain's range either way: a warning, not a refusal."""
        if self.used < self.minimum:
            return f"{self.year} 年关键缺失环节仅 {self.used} 个，少于 {self.minimum} 个（本链要求 {self.minimum}—{self.maximum} 个）。"
        if self.used > self.maximum:
            return f"{self.year} 年关键缺失环节已有 {self.used} 个，超过 {self.maximum} 个（本链要求 {self.minimum}—{self.maximum} 个）。"
        return None


def links(chain: Chain, year: int) -> list[KeyLink]:
    return db.session.scalars(
        db.select(KeyLink).filter_by(chain_id=chain.id, year=year).order_by(KeyLink.priority, KeyLink.id)).all()


def years(chain: Chain) -> list[int]:
    """The years that have links, this year and next, newest first (the page's year selector)."""
    this_year = clock.today().year
    stored = db.session.scalars(db.select(KeyLink.year).filter_by(chain_id=chain.id).distinct()).all()
    return sorted(set(stored) | {this_year, this_year + 1}, reverse=True)


def quota(chain: Chain, year: int | None = None) -> Quota:
    year = year or clock.today().year
    used = db.session.scalar(db.select(db.func.count()).select_from(KeyLink).filter_by(chain_id=chain.id, year=year))
    return Quota(year, used, chain.key_link_quota_min, chain.key_link_quota_max)


def status(link: KeyLink) -> str:
    """尚无榜单 / 已发榜 N / 已立项 / 验收通过, from the attached listings and their projects."""
    ids = [c.id for c in link.challenges]
    projects = db.session.scalars(db.select(Project.state).where(Project.challenge_id.in_(ids))).all() if ids else []
    return status_from(len(ids), projects)


def status_from(listing_count: int, project_states) -> str:
    """The status's words from rows already fetched (the statistics fetch every link's at once)."""
    if ProjectState.accepted in project_states:
        return "验收通过"
    if project_states:
        return "已立项"
    if listing_count:
        return f"已发榜 {listing_count}"
    return "尚无榜单"


def can_manage(actor, chain: Chain) -> bool:
    return oversight.can_manage(actor, chain)


@rule("may_manage_key_links")
def check_may_manage(actor, chain: Chain) -> None:
    if not can_manage(actor, chain):
        raise PermissionDenied("只有本链牵头部门或平台管理员可以确定关键缺失环节。")


@rule("may_delete_key_link")
def check_may_delete(actor, link: KeyLink) -> None:
    check_may_manage(actor, link.chain)
    if link.challenges:
        raise InvalidTransition("该环节已有榜单响应，不能删除；请先移除所挂榜单。")


def _clean(segment: str, priority: int) -> str:
    segment = (segment or "").strip()
    if not segment:
        raise ServiceError("请填写环节名称。", field="segment")
    if len(segment) > SEGMENT_MAX:
        raise ServiceError(f"环节名称不超过 {SEGMENT_MAX} 字。", field="segment")
    if priority not in PRIORITIES:
        raise ServiceError("优先级应为高、中或低。", field="priority")
    return segment


def create(actor, chain: Chain, year: int, segment: str, why_missing: str = "", target_indicators: str = "",
           priority: int = 2, confirm_over_quota: bool = False) -> KeyLink:
    """Add a link to the year's list; one more than the chain's maximum only with confirmation."""
    check_may_manage(actor, chain)
    segment = _clean(segment, priority)
    current = quota(chain, year)
    over = current.used + 1 > current.maximum
    if over and not confirm_over_quota:
        raise QuotaExceeded(f"{chain.name}产业链{year}年已有关键缺失环节 {current.used} 个，再加将超过年度上限 "
                            f"{current.maximum} 个。如确需超出，请确认后再提交。")
    link = KeyLink(chain=chain, year=year, segment=segment, why_missing=(why_missing or "").strip(),
                   target_indicators=(target_indicators or "").strip(), priority=priority, created_by=actor)
    db.session.add(link)
    db.session.flush()
    audit.record(actor, "key_link_created", link, reason=f"{year}年：{segment}" + ("（超出年度上限，已确认）" if over else ""))
    return link


def edit(actor, link: KeyLink, version: int, segment: str, why_missing: str, target_indicators: str,
         priority: int) -> KeyLink:
    """Compare-and-set: `version` is the one the editor's page showed; a newer one refuses the edit."""
    check_may_manage(actor, link.chain)
    if version != link.version:
        raise Conflict("该环节刚刚已被他人修改，本次修改未保存。请刷新页面查看最新内容后再改。")
    link.segment = _clean(segment, priority)
    link.why_missing, link.target_indicators = (why_missing or "").strip(), (target_indicators or "").strip()
    link.priority = priority
    audit.record(actor, "key_link_edited", link, reason=f"{link.year}年：{link.segment}")
    db.session.flush()
    return link


def delete(actor, link: KeyLink) -> None:
    check_may_delete(actor, link)
    audit.record(actor, "key_link_deleted", link, reason=f"{link.year}年：{link.segment}")
    # The versioned DELETE matches no row when a simultaneous request deleted it first (StaleDataError: 409).
    db.session.delete(link)
    db.session.flush()


def attach(actor, link: KeyLink, challenge: Challenge) -> None:
    check_may_manage(actor, link.chain)
    if challenge.chain_id != link.chain_id:
        raise InvalidTransition("只能挂本链的榜单。")
    if challenge.state not in ATTACHABLE_STATES:
        raise InvalidTransition("只有已发布的榜单可以挂到关键缺失环节。")
    if challenge.key_link is not None:
        raise InvalidTransition(f"该榜单已响应环节“{challenge.key_link.segment}”，一个榜单只响应一个环节。")
    link.challenges.append(challenge)
    audit.record(actor, "key_link_attached", challenge, reason=f"{link.year}年：{link.segment}")
    db.session.flush()


def detach(actor, link: KeyLink, challenge: Challenge) -> None:
    check_may_manage(actor, link.chain)
    if challenge not in link.challenges:
        raise InvalidTransition("该榜单未挂在此环节。")
    link.challenges.remove(challenge)
    audit.record(actor, "key_link_detached", challenge, reason=f"{link.year}年：{link.segment}")
    db.session.flush()


def attachable(link: KeyLink) -> list[Challenge]:
    """The chain's public listings that answer no link yet (the attach select)."""
    return [c for c in db.session.scalars(
        db.select(Challenge).where(Challenge.chain_id == link.chain_id, Challenge.state.in_(ATTACHABLE_STATES))
        .order_by(Challenge.id.desc())).all() if c.key_link is None]


def solicit(actor, link: KeyLink, url: str) -> int:
    """为此环节征集榜单: invite the chain's 链主 and every enterprise that posted in it; returns how many."""
    check_may_manage(actor, link.chain)
    lead_orgs = db.select(ChainLead.organisation_id).filter_by(chain_id=link.chain_id)
    poster_orgs = db.select(Challenge.organisation_id).filter_by(chain_id=link.chain_id)
    users = db.session.scalars(db.select(User).where(
        User.organisation_id.in_(lead_orgs) | User.organisation_id.in_(poster_orgs), User.is_enabled.is_(True))
        .order_by(User.id)).all()
    notify.users(users, "challenge", f"{link.chain.name}产业链征集榜单：{link.segment}",
                  f"{link.year}年关键缺失环节“{link.segment}”尚待攻关，欢迎据此发布榜单。"
                  + (f"目标指标：{link.target_indicators}" if link.target_indicators else ""), url)
    audit.record(actor, "key_link_solicited", link, reason=f"通知 {len(users)} 人")
    return len(users)


def public_link(link_id: str) -> KeyLink | None:
    """The link a solicitation names (`?key_link=<id>`), or None for anything else."""
    return db.session.get(KeyLink, int(link_id)) if link_id.isdigit() and len(link_id) < 10 else None


def over_quota_report() -> list[tuple[Chain, Quota]]:
    """Chains whose current-year key links are outside their quota (for the admin pages)."""
    from .chains import all_chains

    report = []
    for chain in all_chains():
        q = quota(chain)
        if q.used > q.maximum:
            report.append((chain, q))
    return report
