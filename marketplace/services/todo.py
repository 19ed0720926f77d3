"""待办: what waits for a chain's lead department (or, across every chain, for a platform admin).

Each kind of work is one query: its first few rows plus the total (a window count), so the
工作台 costs the same few queries however much is waiting; no row loads a relationship. The same
queries, a page at a time, list every item of one kind (`one_kind`, the page /todo/<kind>); each
is ordered to the end (ties broken by id) so that no item falls between two pages.
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
from ..paging import MAX_PAGE, ListPage, clamp
from .reviews import DEFAULT_REVIEWERS

SHOWN = 5  # rows listed per kind of work on the 工作台; the count says how many there are in all
PER_PAGE = 20  # rows per page of the list of one kind (/todo/<kind>)
FIRST = (0, SHOWN)  # the (offset, limit) of the rows the 工作台 shows


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
    kinds = _kinds(user)
    if kinds is None:
        return None
    chain_id = None if user.is_platform_admin else user.admin_chain_id
    todos = [build(chain_id, FIRST) for build in kinds.values()]
    return [t for t in todos if t.count]


def one_kind(user: User, code: str, page: int = 1) -> tuple[Todo, ListPage] | None:
    """Every waiting item of one kind, PER_PAGE a page (a page past the end shows the last one);
    None when the user has no 待办 or no such kind (the verification queue is platform admins')."""
    build = (_kinds(user) or {}).get(code)
    if build is None:
        return None
    chain_id = None if user.is_platform_admin else user.admin_chain_id
    page = min(max(page, 1), MAX_PAGE)  # 10**20 would overflow the database's integer in OFFSET
    todo = build(chain_id, ((page - 1) * PER_PAGE, PER_PAGE))
    if not todo.entries and page > 1:  # past the end: the window count came back with no row
        total = build(chain_id, (0, 1)).count
        page = clamp(page, total, PER_PAGE)
        todo = build(chain_id, ((page - 1) * PER_PAGE, PER_PAGE))
    return todo, ListPage(todo.entries, page, PER_PAGE, todo.count)


def _kinds(user: User) -> dict | None:
    """The kinds of work on the user's list, by code, in display order; None for a user with none."""
    if not (user.is_platform_admin or user.is_chain_admin):
        return None
    kinds = {"verify": _organisations_to_verify} if user.is_platform_admin else {}
    kinds.update(review=_awaiting_review, select=_awaiting_selection, reviewers=_needing_reviewers,
                 approve=_awaiting_approval, objections=_open_objections, milestones=_milestones_to_confirm)
    return kinds


def _in_chain(query, chain_id: int | None):
    return query if chain_id is None else query.where(Challenge.chain_id == chain_id)


def _page(query, window: tuple[int, int]) -> tuple[int, list]:
    """The rows of `query` in the (offset, limit) window and the number of all its rows, in one
    round trip (no row, hence 0, when the window starts past the end)."""
    offset, limit = window
    rows = db.session.execute(query.add_columns(func.count().over().label("total")).offset(offset).limit(limit)).all()
    return (rows[0].total if rows else 0), rows


def _organisations_to_verify(chain_id, window) -> Todo:  # every chain: platform admins only
    total, rows = _page(select(Organisation.id, Organisation.name)
                        .where(Organisation.status == OrgStatus.pending).order_by(Organisation.created_at, Organisation.id), window)
    return Todo("verify", "机构认证待审核", total,
                [Entry(r.name, "admin.organisation_detail", {"org_id": r.id}) for r in rows],
                "admin.organisation_list")


def _awaiting_review(chain_id, window) -> Todo:
    query = (select(Challenge.id, Challenge.title, Organisation.name.label("poster"))
             .join(Organisation, Organisation.id == Challenge.organisation_id)
             .where(Challenge.state == ChallengeState.submitted).order_by(Challenge.updated_at, Challenge.id))
    total, rows = _page(_in_chain(query, chain_id), window)
    return Todo("review", "榜单待审核", total,
                [Entry(r.title, "challenges.show", {"challenge_id": r.id}, r.poster) for r in rows],
                "challenges.review_queue")


def _no_publicity():
    return ~exists().where(Publicity.challenge_id == Challenge.id)


def _closed_note(row) -> str:
    if closed_before(row.deadline, row.closed_on):
        return deadline_label(row.deadline, row.closed_on)
    return f"{row.deadline} 截止"


def _awaiting_selection(chain_id, window) -> Todo:
    query = (select(Challenge.id, Challenge.title, Challenge.deadline, Challenge.closed_on)
             .where(Challenge.state == ChallengeState.closed, _no_publicity())
             .order_by(Challenge.deadline, Challenge.id))
    total, rows = _page(_in_chain(query, chain_id), window)
    return Todo("select", "已截止待遴选", total,
                [Entry(r.title, "evaluation.desk", {"challenge_id": r.id}, _closed_note(r)) for r in rows])


def _needing_reviewers(chain_id, window) -> Todo:
    assigned = (select(func.count(Review.id))
                .where(Review.proposal_id == Proposal.id, Review.state != ReviewState.recused).scalar_subquery())
    query = (select(Challenge.id, Challenge.title, Organisation.name.label("applicant"), assigned.label("assigned"))
             .select_from(Proposal).join(Challenge, Challenge.id == Proposal.challenge_id)
             .join(Organisation, Organisation.id == Proposal.organisation_id)
             .where(Proposal.state.in_((ProposalState.submitted, ProposalState.shortlisted)),
                    Challenge.state.in_((ChallengeState.published, ChallengeState.closed)),
                    _no_publicity(), assigned < DEFAULT_REVIEWERS)
             .order_by(Challenge.deadline, Proposal.id))
    total, rows = _page(_in_chain(query, chain_id), window)
    return Todo("reviewers", f"方案评审专家不足 {DEFAULT_REVIEWERS} 名", total,
                [Entry(f"{r.title} · {r.applicant}", "evaluation.desk", {"challenge_id": r.id}, f"已分配 {r.assigned} 名")
                 for r in rows])


def _awaiting_approval(chain_id, window) -> Todo:
    """Challenges whose 公示 has ended with a selected proposal not yet made a project."""
    waiting = and_(Proposal.challenge_id == Challenge.id, Proposal.awaits_approval)
    ended = select(func.max(Publicity.ends_on)).where(Publicity.challenge_id == Challenge.id).scalar_subquery()
    query = (select(Challenge.id, Challenge.title, ended.label("ended"))
             .where(Challenge.state == ChallengeState.closed, exists().where(waiting), ended < clock.today())
             .order_by(ended, Challenge.id))
    total, rows = _page(_in_chain(query, chain_id), window)
    return Todo("approve", "公示期满待立项", total,
                [Entry(r.title, "evaluation.desk", {"challenge_id": r.id}, f"公示至 {r.ended}") for r in rows])


def _open_objections(chain_id, window) -> Todo:
    query = (select(Objection.publicity_id, Challenge.title, Objection.created_at)
             .join(Publicity, Publicity.id == Objection.publicity_id).join(Challenge, Challenge.id == Publicity.challenge_id)
             .where(Objection.responded_at.is_(None)).order_by(Objection.created_at, Objection.id))
    total, rows = _page(_in_chain(query, chain_id), window)
    return Todo("objections", "公示异议待答复", total,
                [Entry(r.title, "evaluation.publicity", {"publicity_id": r.publicity_id},
                       "提出于", r.created_at) for r in rows])


def _milestones_to_confirm(chain_id, window) -> Todo:
    query = (select(Project.id.label("project_id"), Challenge.title, Milestone.title.label("milestone"),
                    Milestone.submitted_at)
             .select_from(Milestone).join(Project, Project.id == Milestone.project_id)
             .join(Challenge, Challenge.id == Project.challenge_id)
             .where(Milestone.state == MilestoneState.submitted, Milestone.admin_confirmed_at.is_(None),
                    Project.state.in_((ProjectState.approved, ProjectState.in_progress)))
             .order_by(Milestone.submitted_at, Milestone.id))
    total, rows = _page(_in_chain(query, chain_id), window)
    return Todo("milestones", "里程碑待确认", total,
                [Entry(f"{r.title} · {r.milestone}", "projects.show", {"project_id": r.project_id},
                       "提交于", r.submitted_at) for r in rows])
