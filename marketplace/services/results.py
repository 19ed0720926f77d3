"""Public results (攻关成果与项目进展): every project after 立项, readable without an account — who does
it, with how much money, how far it has come and whether it keeps to its milestones."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import and_, exists, not_, select
from sqlalchemy.orm import selectinload

from .. import clock
from ..extensions import db
from ..models import (
    Achievement,
    Challenge,
    ConsortiumMember,
    Milestone,
    MilestoneState,
    Project,
    ProjectState,
    Proposal,
)
from ..paging import ListPage, paginate
from .visibility import can_view, listing_is_public

PER_PAGE = 20


class ResultStatus(enum.Enum):
    """A project's standing as the public sees it: its end, or whether a milestone is overdue."""
    on_schedule = "按期"
    late = "滞后"
    accepted = "验收通过"
    terminated = "终止"

    @property
    def label(self) -> str:
        return self.value

    @property
    def badge(self) -> str:
        """Bootstrap colour of its badge: late stands out, the ends are quiet."""
        return {"on_schedule": "success", "late": "warning text-dark", "accepted": "primary",
                "terminated": "secondary"}[self.name]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(s.name, s.value) for s in cls]


@dataclass
class ResultRow:
    project: Project
    status: ResultStatus
    undertakers: list[str]  # the project's organisation first, then the consortium members that joined
    publicity_id: int | None
    challenge_linked: bool  # False for a listing the viewer may not open (定向邀请): named, as in its 公示
    achievement_id: int | None

    @property
    def progress(self) -> str:
        return f"已确认 {len(self.project.confirmed_milestones)} / 共 {len(self.project.milestones)} 个里程碑"


def _overdue():
    """A SQL condition on Project: a milestone's due date has passed (China time) without confirmation."""
    return exists().where(Milestone.project_id == Project.id, Milestone.due_date < clock.today(),
                          Milestone.state != MilestoneState.confirmed)


def _running():
    return Project.state.in_((ProjectState.approved, ProjectState.in_progress))


STATUS_FILTERS = {
    ResultStatus.accepted: lambda: Project.state == ProjectState.accepted,
    ResultStatus.terminated: lambda: Project.state == ProjectState.terminated,
    ResultStatus.late: lambda: and_(_running(), _overdue()),
    ResultStatus.on_schedule: lambda: and_(_running(), not_(_overdue())),
}


def status_of(project: Project) -> ResultStatus:
    if project.state is ProjectState.accepted:
        return ResultStatus.accepted
    if project.state is ProjectState.terminated:
        return ResultStatus.terminated
    today = clock.today()
    late = any(m.due_date < today and m.state is not MilestoneState.confirmed for m in project.milestones)
    return ResultStatus.late if late else ResultStatus.on_schedule


def page_of_results(user, page: int = 1, chain_id: int | None = None, status: str = "", per_page: int = PER_PAGE):
    """A page of projects, newest 立项 first, optionally of one chain and in one status (an unknown
    status shows every project, as a blank one does)."""
    query = (select(Project)
             .options(selectinload(Project.challenge).selectinload(Challenge.chain),
                      selectinload(Project.challenge).selectinload(Challenge.publicities),
                      selectinload(Project.organisation),
                      selectinload(Project.milestones),
                      selectinload(Project.proposal).selectinload(Proposal.members).selectinload(ConsortiumMember.organisation))
             .order_by(Project.created_at.desc(), Project.id.desc()))
    if chain_id:
        query = query.join(Project.challenge).where(Challenge.chain_id == chain_id)
    chosen = ResultStatus.__members__.get(status)
    if chosen is not None:
        query = query.where(STATUS_FILTERS[chosen]())
    result = paginate(query, page, per_page)
    ids = [p.id for p in result.items]
    achievements = {a.project_id: a for a in db.session.scalars(
        select(Achievement).options(selectinload(Achievement.organisation))
        .where(Achievement.project_id.in_(ids)))} if ids else {}
    rows = []
    for project in result.items:
        achievement = achievements.get(project.id)
        notice = project.challenge.publicities[0] if project.challenge.publicities else None
        rows.append(ResultRow(
            project=project, status=status_of(project),
            undertakers=[project.organisation.name] + [m.organisation.name for m in project.proposal.accepted_members],
            publicity_id=notice.id if notice else None,
            challenge_linked=can_view(user, project.challenge),
            achievement_id=achievement.id if achievement and listing_is_public(achievement) else None))
    return ListPage(items=rows, page=result.page, per_page=per_page, total=result.total)
