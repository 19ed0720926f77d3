"""待办: what waits for a chain's lead department (or, across every chain, for a platform admin).

Each kind of work is one query: its first few rows plus the total (a window count), so the
工作台 costs the same few queries however much is waiting; no row loads a relationship.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, exists, func, select

from .. import clock
from ..extensions import db
from ..models import (
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
from ..models.challenge import closed_before, deadline_label
from .reviews import DEFAULT_REVIEWERS

SHOWN = 5  # rows listed per kind of work; the count says how many there are in all


@dataclass(frozen=True)
class Entry:
    """One thing to do: a line of text and the page (endpoint and its arguments) where it is done."""

    text: str
    endpoint: str
    args: dict
    note: str = ""
    when: datetime | None = None  # shown after the note, in local time


@dataclass
class Todo:
    code: str
    label: str
    count: int
    entries: list[Entry] = field(default_factory=list)
    endpoint: str | None = None  # the page that lists all of them, when there is one


def for_user(user: User) -> list[Todo] | None:
    """The to-do list of a chain admin (their chain) or platform admin (all chains, plus the
    organisation verification queue); None for anyone else. Kinds with nothing waiting are left out."""
    if user.is_platform_admin:
        chain_id = None
    elif user.is_chain_admin:
        chain_id = user.admin_chain_id
    else:
        return None
    todos = [
        _awaiting_review(chain_id), _awaiting_selection(chain_id), _needing_reviewers(chain_id),
        _awaiting_approval(chain_id), _open_objections(chain_id), _milestones_to_confirm(chain_id),
    ]
    if user.is_platform_admin:
        todos.insert(0, _organisations_to_verify())
    return [t for t in todos if t.count]


def _in_chain(query, chain_id: int | None):
    return query if chain_id is None else query.where(Challenge.chain_id == chain_id)


def _page(query) -> tuple[int, list]:
    """The first SHOWN rows of `query` and the number of all its rows, in one round trip."""
    rows = db.session.execute(query.add_columns(func.count().over().label("total")).limit(SHOWN)).all()
    return (rows[0].total if rows else 0), rows


def _organisations_to_verify() -> Todo:
    total, rows = _page(select(Organisation.id, Organisation.name)
                        .where(Organisation.status == OrgStatus.pending).order_by(Organisation.created_at))
    return Todo("verify", "机构认证待审核", total,
                [Entry(r.name, "admin.organisation_detail", {"org_id": r.id}) for r in rows],
                "admin.organisation_list")


def _awaiting_review(chain_id) -> Todo:
    query = (select(Challenge.id, Challenge.title, Organisation.name.label("poster"))
             .join(Organisation, Organisation.id == Challenge.organisation_id)
             .where(Challenge.state == ChallengeState.submitted).order_by(Challenge.updated_at))
    total, rows = _page(_in_chain(query, chain_id))
    return Todo("review", "榜单待审核", total,
                [Entry(r.title, "challenges.show", {"challenge_id": r.id}, r.poster) for r in rows],
                "challenges.review_queue")


def _no_publicity():
    return ~exists().where(Publicity.challenge_id == Challenge.id)


def _closed_note(row) -> str:
    if closed_before(row.deadline, row.closed_on):
        return deadline_label(row.deadline, row.closed_on)
    return f"{row.deadline} 截止"


def _awaiting_selection(chain_id) -> Todo:
    query = (select(Challenge.id, Challenge.title, Challenge.deadline, Challenge.closed_on)
             .where(Challenge.state == ChallengeState.closed, _no_publicity()).order_by(Challenge.deadline))
    total, rows = _page(_in_chain(query, chain_id))
    return Todo("select", "已截止待遴选", total,
                [Entry(r.title, "evaluation.desk", {"challenge_id": r.id}, _closed_note(r)) for r in rows])


def _needing_reviewers(chain_id) -> Todo:
    assigned = (select(func.count(Review.id))
                .where(Review.proposal_id == Proposal.id, Review.state != ReviewState.recused).scalar_subquery())
    query = (select(Challenge.id, Challenge.title, Organisation.name.label("applicant"), assigned.label("assigned"))
             .select_from(Proposal).join(Challenge, Challenge.id == Proposal.challenge_id)
             .join(Organisation, Organisation.id == Proposal.organisation_id)
             .where(Proposal.state.in_((ProposalState.submitted, ProposalState.shortlisted)),
                    Challenge.state.in_((ChallengeState.published, ChallengeState.closed)),
                    _no_publicity(), assigned < DEFAULT_REVIEWERS)
             .order_by(Challenge.deadline, Proposal.id))
    total, rows = _page(_in_chain(query, chain_id))
    return Todo("reviewers", f"方案评审专家不足 {DEFAULT_REVIEWERS} 名", total,
                [Entry(f"{r.title} · {r.applicant}", "evaluation.desk", {"challenge_id": r.id}, f"已分配 {r.assigned} 名")
                 for r in rows])


def _awaiting_approval(chain_id) -> Todo:
    """Challenges whose 公示 has ended with a selected proposal not yet made a project."""
    waiting = and_(Proposal.challenge_id == Challenge.id, Proposal.awaits_approval)
    ended = select(func.max(Publicity.ends_on)).where(Publicity.challenge_id == Challenge.id).scalar_subquery()
    query = (select(Challenge.id, Challenge.title, ended.label("ended"))
             .where(Challenge.state == ChallengeState.closed, exists().where(waiting), ended < clock.today())
             .order_by(ended))
    total, rows = _page(_in_chain(query, chain_id))
    return Todo("approve", "公示期满待立项", total,
                [Entry(r.title, "evaluation.desk", {"challenge_id": r.id}, f"公示至 {r.ended}") for r in rows])


def _open_objections(chain_id) -> Todo:
    query = (select(Objection.publicity_id, Challenge.title, Objection.created_at)
             .join(Publicity, Publicity.id == Objection.publicity_id).join(Challenge, Challenge.id == Publicity.challenge_id)
             .where(Objection.responded_at.is_(None)).order_by(Objection.created_at))
    total, rows = _page(_in_chain(query, chain_id))
    return Todo("objections", "公示异议待答复", total,
                [Entry(r.title, "evaluation.publicity", {"publicity_id": r.publicity_id},
                       "提出于", r.created_at) for r in rows])


def _milestones_to_confirm(chain_id) -> Todo:
    query = (select(Project.id.label("project_id"), Challenge.title, Milestone.title.label("milestone"),
                    Milestone.submitted_at)
             .select_from(Milestone).join(Project, Project.id == Milestone.project_id)
             .join(Challenge, Challenge.id == Project.challenge_id)
             .where(Milestone.state == MilestoneState.submitted, Milestone.admin_confirmed_at.is_(None),
                    Project.state.in_((ProjectState.approved, ProjectState.in_progress)))
             .order_by(Milestone.submitted_at))
    total, rows = _page(_in_chain(query, chain_id))
    return Todo("milestones", "里程碑待确认", total,
                [Entry(f"{r.title} · {r.milestone}", "projects.show", {"project_id": r.project_id},
                       "提交于", r.submitted_at) for r in rows])
