"""Demo inbox: the messages the seeded work would have sent, so each demo account's 消息 shows what is
waiting for it (the demo data is written straight into its final states, not through the services
that notify)."""
from __future__ import annotations

from datetime import timedelta
from functools import cache

from ..clock import utcnow
from ..extensions import db
from ..models import (
    CHOSEN_PROPOSAL_STATES,
    Challenge,
    ChallengeState,
    Milestone,
    MilestoneState,
    Notification,
    Organisation,
    OrgStatus,
    Proposal,
    ProposalState,
    Review,
    ReviewState,
    User,
)

P = ProposalState


def _to(users, category: str, title: str, url: str, days_ago: float, body: str = "") -> int:
    when = utcnow() - timedelta(days=days_ago)
    for user in users:
        # What happened more than a week ago has been read; the rest is new.
        db.session.add(Notification(user_id=user.id, category=category, title=title, body=body, url=url,
                                    created_at=when, read_at=when + timedelta(hours=3) if days_ago > 7 else None))
    return len(users)


@cache
def _chain_admins(chain_id: int) -> list[User]:
    """One query per chain, not per message (cleared after each seeding: see seed_inbox)."""
    return db.session.scalars(db.select(User).filter_by(admin_chain_id=chain_id)).all()


def seed_inbox() -> int:
    """Write the messages; returns how many."""
    try:
        return _seed()
    finally:
        _chain_admins.cache_clear()  # the cached rows belong to this session


def _seed() -> int:
    sent = 0
    admins = db.session.scalars(db.select(User).filter_by(is_platform_admin=True)).all()
    for org in db.session.scalars(db.select(Organisation).filter_by(status=OrgStatus.pending)):
        sent += _to(admins, "account", f"待审核机构：{org.name}", f"/admin/organisations/{org.id}", 1)
    for challenge in db.session.scalars(db.select(Challenge).where(
            Challenge.state.in_((ChallengeState.submitted, ChallengeState.returned)))):
        if challenge.state is ChallengeState.submitted:
            sent += _to(_chain_admins(challenge.chain_id), "challenge", f"待审核榜单：{challenge.title}",
                        f"/challenges/{challenge.id}", 2)
        else:
            sent += _to(challenge.organisation.members, "challenge", f"榜单被退回修改：{challenge.title}",
                        f"/challenges/{challenge.id}", 3, "请按牵头部门的意见修改后重新提交。")
    for proposal in db.session.scalars(db.select(Proposal).where(Proposal.state != P.draft)):
        title, url = proposal.challenge.title, f"/proposals/{proposal.id}"
        sent += _to(proposal.challenge.organisation.members, "proposal",
                    f"收到揭榜方案：{proposal.organisation.name}揭榜“{title}”", url, 20)
        if proposal.state in (P.shortlisted, *CHOSEN_PROPOSAL_STATES):
            sent += _to(proposal.organisation.members, "proposal", f"方案已入围：{title}", url, 12)
        if proposal.state in CHOSEN_PROPOSAL_STATES:
            sent += _to(proposal.organisation.members, "selection", f"拟立项并公示：{title}", url, 5)
        if proposal.state is P.declined:
            sent += _to(proposal.organisation.members, "proposal", f"方案未入围：{title}", url, 10)
    for review in db.session.scalars(db.select(Review).filter_by(state=ReviewState.assigned)):
        sent += _to([review.expert], "review", f"评审任务：{review.proposal.challenge.title}", f"/reviews/{review.id}", 4,
                    "请在评审截止前完成评分，如有利益冲突请申请回避。")
    for milestone in db.session.scalars(db.select(Milestone).filter_by(state=MilestoneState.submitted)):
        project = milestone.project
        sent += _to(project.challenge.organisation.members + _chain_admins(project.challenge.chain_id), "milestone",
                    f"里程碑待确认：{milestone.title}", f"/projects/{project.id}", 2)
    db.session.flush()
    return sent
