"""When the files of a challenge, proposal or milestone may change, and the trail each change leaves.

Files are part of what was decided on: a proposal's documents are what the experts scored, a
listing's are what the applicants answered, a milestone's are the evidence confirmed. So they
change only while the thing itself may change, and every upload or deletion is in its audit trail.
(An organisation's verification documents follow their own rule: services/verification.py.)
"""
from __future__ import annotations

from ..models import Attachment, Challenge, Milestone, MilestoneState, ProjectState, Proposal, ProposalState
from . import attachments, audit
from .challenges import EDITABLE_STATES
from .errors import InvalidTransition, PermissionDenied
from .locking import lock
from .rules import rule

# A listing's files may change while the listing itself may be edited: draft, under review,
# returned, and while open for proposals (each change then recorded, as edits of a published
# listing are).
CHALLENGE_OPEN = EDITABLE_STATES


def refusal(owner) -> str | None:
    """Why `owner`'s files cannot change now, or None when they can."""
    if isinstance(owner, Challenge):
        if owner.state not in CHALLENGE_OPEN:
            return f"榜单{owner.state.label}，附件作为记录保存，不能再增删。"
        return None
    if isinstance(owner, Proposal):
        if owner.state is not ProposalState.draft:
            return f"方案{owner.state.label}，附件随方案一同提交，不能再增删；如需调整请撤回后联系牵头部门。"
        challenge = owner.challenge
        if not challenge.is_open:
            return f"揭榜已于 {challenge.deadline} 截止，不能再增删方案附件。"
        return None
    if isinstance(owner, Milestone):
        if owner.project.state is not ProjectState.in_progress:
            return f"项目{owner.project.state.label}，不能再增删里程碑附件。"
        if owner.state is MilestoneState.confirmed:
            return "里程碑已确认完成，证明材料不能再增删。"
        return None
    return None


def _require_own(actor, owner) -> None:
    # Someone else's content is a 403 whatever its state (attachments.save and delete check it too).
    if actor.organisation_id != attachments.owning_organisation_id(owner) and not actor.is_platform_admin:
        raise PermissionDenied("只能管理本机构内容的附件。")


@rule("may_change_files")
def check_may_change(actor, owner) -> None:
    """Upload or delete files of a challenge, proposal or milestone: its own organisation (or a
    platform admin), while the owner may change (`refusal`)."""
    _require_own(actor, owner)
    reason = refusal(owner)
    if reason:
        raise InvalidTransition(reason)  # no field named: the state that refuses also hides the upload form


def _check(actor, owner) -> None:
    _require_own(actor, owner)
    # Queue behind a simultaneous submission, closing or confirmation of the owner, then judge the
    # state it left: a file never lands on a proposal submitted a moment earlier.
    lock(owner)
    check_may_change(actor, owner)


def add(actor, owner, upload, instance_path: str) -> Attachment:
    """Store a file for a challenge, proposal or milestone, if it may change now; recorded."""
    _check(actor, owner)
    saved = attachments.save(actor, owner, upload, instance_path)
    subject, reason = _trail(owner, saved.original_name)
    audit.record(actor, "attachment_added", subject, reason=reason)
    return saved


def remove(actor, owner, attachment: Attachment, instance_path: str) -> None:
    """Delete one of its files, if it may change now; recorded."""
    _check(actor, owner)
    name = attachment.original_name
    attachments.delete(actor, owner, attachment, instance_path)
    subject, reason = _trail(owner, name)
    audit.record(actor, "attachment_deleted", subject, reason=reason)


def _trail(owner, name: str):
    """(subject, reason=) of a file change: a milestone's go to its project's 处理记录 (the page that
    shows a trail), named after the milestone, as its submission does."""
    if isinstance(owner, Milestone):
        return owner.project, f"{owner.title}：{name}"
    return owner, name
