"""待办 of an institution (揭榜方) member: consortium invitations, its proposals' drafts, and its
projects' start and milestones (due, overdue or returned)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ... import clock
from ...models import (
    Challenge,
    ChallengeState,
    ConsortiumMember,
    MemberState,
    Milestone,
    MilestoneState,
    Organisation,
    Project,
    ProjectState,
    Proposal,
    ProposalState,
    User,
)
from ..projects import REMINDER_DAYS
from .core import Entry, Kind, due_note, excerpt, is_overdue


def _still_open():
    """A listing still taking proposals: past its deadline (or closed early) a draft or invitation is moot."""
    return Challenge.state == ChallengeState.published, Challenge.deadline >= clock.today()


CONSORTIUM = Kind(
    "consortium", "联合体邀请待答复",
    lambda user: (select(Proposal.id, Challenge.title, Organisation.name.label("lead"), Challenge.deadline)
                  .select_from(ConsortiumMember).join(Proposal, Proposal.id == ConsortiumMember.proposal_id)
                  .join(Challenge, Challenge.id == Proposal.challenge_id)
                  .join(Organisation, Organisation.id == Proposal.organisation_id)
                  .where(ConsortiumMember.organisation_id == user.organisation_id,
                         ConsortiumMember.state == MemberState.invited, Proposal.state == ProposalState.draft,
                         *_still_open())
                  .order_by(Challenge.deadline, ConsortiumMember.id)),
    lambda r: Entry(f"{r.title} · {r.lead}邀请", "proposals.show", {"proposal_id": r.id},
                    f"揭榜 {r.deadline} 截止"))

DRAFTS = Kind(
    "drafts", "方案草稿待提交",
    lambda user: (select(Proposal.id, Challenge.title, Challenge.deadline)
                  .join(Challenge, Challenge.id == Proposal.challenge_id)
                  .where(Proposal.organisation_id == user.organisation_id, Proposal.state == ProposalState.draft,
                         *_still_open())
                  .order_by(Challenge.deadline, Proposal.id)),
    lambda r: Entry(r.title, "proposals.show", {"proposal_id": r.id}, due_note(r.deadline, "揭榜截止 ")))

START = Kind(
    "start", "项目已立项待启动",
    lambda user: (select(Project.id, Challenge.title, Project.start_date)
                  .join(Challenge, Challenge.id == Project.challenge_id)
                  .where(Project.organisation_id == user.organisation_id, Project.state == ProjectState.approved)
                  .order_by(Project.start_date, Project.id)),
    lambda r: Entry(r.title, "projects.show", {"project_id": r.id}, due_note(r.start_date, "计划开始 "),
                    overdue=is_overdue(r.start_date)))


def _milestones(user: User, state: MilestoneState):
    return (select(Project.id.label("project_id"), Challenge.title, Milestone.title.label("milestone"),
                   Milestone.due_date, Milestone.rejection_reason)
            .select_from(Milestone).join(Project, Project.id == Milestone.project_id)
            .join(Challenge, Challenge.id == Project.challenge_id)
            .where(Project.organisation_id == user.organisation_id, Project.state == ProjectState.in_progress,
                   Milestone.state == state)
            .order_by(Milestone.due_date, Milestone.id))


# Due within the reminder period (the run-jobs reminder goes out as one enters it) or overdue: most overdue first.
DUE = Kind(
    "due", f"里程碑到期（{REMINDER_DAYS} 天内）或逾期",
    lambda user: _milestones(user, MilestoneState.planned).where(
        Milestone.due_date <= clock.today() + timedelta(days=REMINDER_DAYS)),
    lambda r: Entry(f"{r.title} · {r.milestone}", "projects.show", {"project_id": r.project_id},
                    due_note(r.due_date, "到期 "), overdue=is_overdue(r.due_date)))

# The enterprise's or lead department's feedback on a milestone: returned with a reason, to submit again.
REJECTED = Kind(
    "rejected", "里程碑被退回待重新提交",
    lambda user: _milestones(user, MilestoneState.rejected),
    lambda r: Entry(f"{r.title} · {r.milestone}", "projects.show", {"project_id": r.project_id},
                    f"退回原因：{excerpt(r.rejection_reason)} · {due_note(r.due_date, '到期 ')}",
                    overdue=is_overdue(r.due_date)))

KINDS = [CONSORTIUM, DRAFTS, START, DUE, REJECTED]
