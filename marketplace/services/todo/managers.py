"""待办 of a chain's lead department (its chain) or a platform admin (every chain, plus the
organisation verification queue)."""
from __future__ import annotations

from sqlalchemy import and_, exists, func, select

from ... import clock
from ...models import (
    Challenge,
    ChallengeState,
    Milestone,
    MilestoneState,
    Objection,
    Organisation,
    OrgStatus,
    Project,
    ProjectState,
    Proposal,
    ProposalState,
    Publicity,
    Review,
    ReviewState,
    User,
)
from ..reviews import DEFAULT_REVIEWERS
from . import plans, supervision
from .core import Entry, Kind, closed_note


def _in_chain(query, user: User):
    """Every chain for a platform admin, their own for a chain's lead department."""
    return query if user.is_platform_admin else query.where(Challenge.chain_id == user.admin_chain_id)


def _no_publicity():
    return ~exists().where(Publicity.challenge_id == Challenge.id)


VERIFY = Kind(  # every chain: platform admins only
    "verify", "机构认证待审核",
    lambda user: (select(Organisation.id, Organisation.name).where(Organisation.status == OrgStatus.pending)
                  .order_by(Organisation.created_at, Organisation.id)),
    lambda r: Entry(r.name, "admin.organisation_detail", {"org_id": r.id}),
    "admin.organisation_list")

REVIEW = Kind(
    "review", "榜单待审核",
    lambda user: _in_chain(select(Challenge.id, Challenge.title, Organisation.name.label("poster"))
                           .join(Organisation, Organisation.id == Challenge.organisation_id)
                           .where(Challenge.state == ChallengeState.submitted)
                           .order_by(Challenge.updated_at, Challenge.id), user),
    lambda r: Entry(r.title, "challenges.show", {"challenge_id": r.id}, r.poster),
    "challenges.review_queue")

SELECT = Kind(
    "select", "已截止待遴选",
    lambda user: _in_chain(select(Challenge.id, Challenge.title, Challenge.deadline, Challenge.closed_on)
                           .where(Challenge.state == ChallengeState.closed, _no_publicity())
                           .order_by(Challenge.deadline, Challenge.id), user),
    lambda r: Entry(r.title, "evaluation.desk", {"challenge_id": r.id}, closed_note(r.deadline, r.closed_on)))


def _needing_reviewers(user: User):
    assigned = (select(func.count(Review.id))
                .where(Review.proposal_id == Proposal.id, Review.state != ReviewState.recused).scalar_subquery())
    query = (select(Challenge.id, Challenge.title, Organisation.name.label("applicant"), assigned.label("assigned"))
             .select_from(Proposal).join(Challenge, Challenge.id == Proposal.challenge_id)
             .join(Organisation, Organisation.id == Proposal.organisation_id)
             .where(Proposal.state.in_((ProposalState.submitted, ProposalState.shortlisted)),
                    Challenge.state.in_((ChallengeState.published, ChallengeState.closed)),
                    _no_publicity(), assigned < DEFAULT_REVIEWERS)
             .order_by(Challenge.deadline, Proposal.id))
    return _in_chain(query, user)


REVIEWERS = Kind(
    "reviewers", f"方案评审专家不足 {DEFAULT_REVIEWERS} 名", _needing_reviewers,
    lambda r: Entry(f"{r.title} · {r.applicant}", "evaluation.desk", {"challenge_id": r.id}, f"已分配 {r.assigned} 名"))


def _awaiting_approval(user: User):
    """Challenges whose 公示 has ended with a selected proposal not yet made a project."""
    waiting = and_(Proposal.challenge_id == Challenge.id, Proposal.awaits_approval)
    ended = select(func.max(Publicity.ends_on)).where(Publicity.challenge_id == Challenge.id).scalar_subquery()
    query = (select(Challenge.id, Challenge.title, ended.label("ended"))
             .where(Challenge.state == ChallengeState.closed, exists().where(waiting), ended < clock.today())
             .order_by(ended, Challenge.id))
    return _in_chain(query, user)


APPROVE = Kind(
    "approve", "公示期满待立项", _awaiting_approval,
    lambda r: Entry(r.title, "evaluation.desk", {"challenge_id": r.id}, f"公示至 {r.ended}"))

OBJECTIONS = Kind(
    "objections", "公示异议待答复",
    lambda user: _in_chain(select(Objection.publicity_id, Challenge.title, Objection.created_at)
                           .join(Publicity, Publicity.id == Objection.publicity_id)
                           .join(Challenge, Challenge.id == Publicity.challenge_id)
                           .where(Objection.responded_at.is_(None))
                           .order_by(Objection.created_at, Objection.id), user),
    lambda r: Entry(r.title, "evaluation.publicity", {"publicity_id": r.publicity_id}, "提出于", r.created_at))

MILESTONES = Kind(
    "milestones", "里程碑待确认",
    lambda user: _in_chain(select(Project.id.label("project_id"), Challenge.title,
                                  Milestone.title.label("milestone"), Milestone.submitted_at)
                           .select_from(Milestone).join(Project, Project.id == Milestone.project_id)
                           .join(Challenge, Challenge.id == Project.challenge_id)
                           .where(Milestone.state == MilestoneState.submitted, Milestone.admin_confirmed_at.is_(None),
                                  Project.state.in_((ProjectState.approved, ProjectState.in_progress)))
                           .order_by(Milestone.submitted_at, Milestone.id), user),
    lambda r: Entry(f"{r.title} · {r.milestone}", "projects.show", {"project_id": r.project_id},
                    "提交于", r.submitted_at))


def kinds(user: User) -> list[Kind]:
    """A lead department's kinds of work; a platform admin's start with the verification queue."""
    found = [VERIFY] if user.is_platform_admin else []
    if user.is_platform_admin or user.is_chain_admin:
        found += [REVIEW, SELECT, REVIEWERS, APPROVE, OBJECTIONS, MILESTONES]
    found += plans.kinds(user)
    found += supervision.kinds(user)
    return found
