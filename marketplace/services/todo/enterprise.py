"""待办 of an enterprise (发榜方) member: what waits for their organisation on its own listings.

Objections to a 公示 are answered by the lead department (services/selection.respond), not by the
enterprise, so they are on the managers' list only."""
from __future__ import annotations

from sqlalchemy import exists, select

from ...models import (
    Challenge,
    ChallengeQuestion,
    ChallengeState,
    Milestone,
    MilestoneState,
    Organisation,
    Project,
    ProjectState,
    Proposal,
    ProposalState,
    Publicity,
    User,
)
from .core import Entry, Kind, closed_note, excerpt


def _own(user: User):
    return Challenge.organisation_id == user.organisation_id


CONFIRM = Kind(
    "confirm", "里程碑待本单位确认",
    lambda user: (select(Project.id.label("project_id"), Challenge.title, Milestone.title.label("milestone"),
                         Milestone.due_date, Milestone.submitted_at)
                  .select_from(Milestone).join(Project, Project.id == Milestone.project_id)
                  .join(Challenge, Challenge.id == Project.challenge_id)
                  .where(_own(user), Milestone.state == MilestoneState.submitted,
                         Milestone.enterprise_confirmed_at.is_(None),
                         Project.state.in_((ProjectState.approved, ProjectState.in_progress)))
                  .order_by(Milestone.submitted_at, Milestone.id)),
    lambda r: Entry(f"{r.title} · {r.milestone}", "projects.show", {"project_id": r.project_id},
                    f"计划 {r.due_date} 完成 · 提交于", r.submitted_at))

# Applications closed, no 公示 yet: the poster marks each submitted proposal 入围 or 未入围 (selection
# itself is the lead department's).
SHORTLIST = Kind(
    "shortlist", "已截止方案待定入围",
    lambda user: (select(Proposal.id, Challenge.title, Organisation.name.label("applicant"),
                         Challenge.deadline, Challenge.closed_on)
                  .select_from(Proposal).join(Challenge, Challenge.id == Proposal.challenge_id)
                  .join(Organisation, Organisation.id == Proposal.organisation_id)
                  .where(_own(user), Challenge.state == ChallengeState.closed, Proposal.state == ProposalState.submitted,
                         ~exists().where(Publicity.challenge_id == Challenge.id))
                  .order_by(Challenge.deadline, Proposal.id)),
    lambda r: Entry(f"{r.title} · {r.applicant}", "proposals.show", {"proposal_id": r.id},
                    closed_note(r.deadline, r.closed_on)))

QUESTIONS = Kind(
    "questions", "答疑待答复",
    lambda user: (select(ChallengeQuestion.id, ChallengeQuestion.question, ChallengeQuestion.created_at,
                         Challenge.id.label("challenge_id"), Challenge.title)
                  .join(Challenge, Challenge.id == ChallengeQuestion.challenge_id)
                  .where(_own(user), ChallengeQuestion.answer == "",
                         Challenge.state.in_((ChallengeState.published, ChallengeState.closed)))
                  .order_by(ChallengeQuestion.created_at, ChallengeQuestion.id)),
    lambda r: Entry(f"{r.title}：{excerpt(r.question)}", "challenges.show",
                    {"challenge_id": r.challenge_id, "_anchor": "qa"}, "提问于", r.created_at))

RETURNED = Kind(
    "returned", "榜单被退回待修改",
    lambda user: (select(Challenge.id, Challenge.title, Challenge.return_reason, Challenge.updated_at)
                  .where(_own(user), Challenge.state == ChallengeState.returned)
                  .order_by(Challenge.updated_at, Challenge.id)),
    lambda r: Entry(r.title, "challenges.show", {"challenge_id": r.id}, f"退回原因：{excerpt(r.return_reason)} · 退回于",
                    r.updated_at))

KINDS = [CONFIRM, SHORTLIST, QUESTIONS, RETURNED]
