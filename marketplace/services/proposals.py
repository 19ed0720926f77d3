"""Proposals (揭榜方案): drafting, consortium, submission before the deadline, withdrawal."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from .. import clock
from ..clock import utcnow
from ..extensions import db
from ..models import (
    Challenge,
    ChallengeMode,
    ConsortiumMember,
    MemberState,
    Organisation,
    Proposal,
    ProposalMilestone,
    ProposalState,
    User,
)
from ..notifications import notify
from . import audit
from .challenges import project_end
from .errors import InvalidTransition, PermissionDenied, ServiceError
from .locking import Conflict, claim
from .rules import rule
from .visibility import can_view_details, is_manager

P = ProposalState
FIELDS = ("technical_plan", "team", "track_record", "price_wan", "schedule")
LIVE_STATES = (P.draft, P.submitted, P.shortlisted, P.selected)


def is_applicant(user: User, proposal: Proposal) -> bool:
    """A user of the lead organisation (who writes and submits the proposal)."""
    return user.organisation_id == proposal.organisation_id


def is_party(user: User, proposal: Proposal) -> bool:
    """The lead or a consortium member that has not declined (a member that declined loses access)."""
    return user.organisation_id in proposal.organisation_ids


def can_view(user: User | None, proposal: Proposal) -> bool:
    """Applicants and members; the poster once submitted; managers; experts assigned to review it."""
    if user is None or not user.is_authenticated:
        return False
    if is_party(user, proposal) or is_manager(user, proposal.challenge):
        return True
    if proposal.state is P.draft:
        return False
    if user.organisation_id == proposal.challenge.organisation_id:
        return True
    return user.can_act and any(r.expert_id == user.id for r in proposal.reviews)


def _require_open(challenge: Challenge) -> None:
    if not challenge.is_published:
        raise InvalidTransition("该榜单当前不接受揭榜方案。")
    if challenge.deadline < clock.today():
        raise InvalidTransition(f"揭榜已于 {challenge.deadline} 截止，不能再提交或修改方案。")


def _require_applicant(actor: User, proposal: Proposal, action: str) -> None:
    if not is_applicant(actor, proposal) or not actor.can_act:
        raise PermissionDenied(f"只有牵头机构可以{action}。")


def _require_draft(proposal: Proposal, message: str) -> None:
    if proposal.state is not P.draft:
        raise InvalidTransition(message)


# ----- who may do what (services/rules.py): each check raises the refusal -------------------------

@rule("may_apply_to_challenge")
def check_may_apply(actor: User, challenge: Challenge) -> None:
    """Raise unless the actor's organisation may answer this challenge now."""
    if not actor.can_act:
        raise PermissionDenied("您所在机构尚未通过平台认证。")
    if not actor.organisation.is_institution:
        raise PermissionDenied("揭榜方案由高校、科研院所等揭榜机构提交。")
    if not can_view_details(actor, challenge):
        raise PermissionDenied("您无权查看该榜单详情。")
    # Seeing a listing as a committee expert or lead department is oversight, not an invitation:
    # an invited-only or commissioned listing is answered only by the organisations invited to it.
    if challenge.takes_invitations and actor.organisation_id not in challenge.invited_organisation_ids:
        raise PermissionDenied("委托攻关榜单仅受邀机构可以揭榜。" if challenge.mode is ChallengeMode.commissioned
                               else "该榜单仅限受邀机构揭榜。")
    _require_open(challenge)


@rule("may_edit_proposal")
def check_may_edit(actor: User, proposal: Proposal) -> None:
    _require_applicant(actor, proposal, "修改方案")
    _require_draft(proposal, "方案提交后不能修改；如需调整请撤回后联系牵头部门。")
    _require_open(proposal.challenge)


@rule("may_submit_proposal")
def check_may_submit(actor: User, proposal: Proposal) -> None:
    _require_applicant(actor, proposal, "提交方案")
    _require_draft(proposal, f"方案当前状态为“{proposal.state.label}”，不能提交。")
    _require_open(proposal.challenge)


@rule("may_withdraw_proposal")
def check_may_withdraw(actor: User, proposal: Proposal) -> None:
    """The applicant withdraws before the deadline."""
    _require_applicant(actor, proposal, "撤回方案")
    if proposal.state not in (P.draft, P.submitted):
        raise InvalidTransition(f"方案当前状态为“{proposal.state.label}”，不能撤回。")
    if proposal.challenge.deadline < clock.today():
        raise InvalidTransition("揭榜已截止，方案不能撤回。")


@rule("may_invite_member")
def check_may_invite_member(actor: User, proposal: Proposal) -> None:
    _require_applicant(actor, proposal, "邀请联合体成员")
    _require_draft(proposal, "方案提交后不能再调整联合体。")


def _require_member(actor: User, member: ConsortiumMember) -> None:
    if actor.organisation_id != member.organisation_id or not actor.can_act:
        raise PermissionDenied("只有受邀机构可以答复联合体邀请。")


@rule("may_answer_membership")
def check_may_respond_member(actor: User, member: ConsortiumMember) -> None:
    """An invited member organisation accepts or declines while the proposal is a draft."""
    _require_member(actor, member)
    if member.state is not MemberState.invited:
        raise InvalidTransition("该邀请已答复。")
    if member.proposal.state is not P.draft:
        raise InvalidTransition("方案已提交或已结束。")


def create(actor: User, challenge: Challenge, milestones: list[dict], **fields) -> Proposal:
    """A draft proposal of the actor's organisation; one per organisation and challenge."""
    check_may_apply(actor, challenge)
    existing = db.session.scalar(db.select(Proposal).filter_by(
        challenge_id=challenge.id, organisation_id=actor.organisation_id))
    if existing is not None:
        raise InvalidTransition("本机构已对该榜单创建过揭榜方案，请在原方案上修改。")
    proposal = Proposal(challenge=challenge, organisation=actor.organisation, created_by_id=actor.id,
                        **{k: v for k, v in fields.items() if k in FIELDS})
    _set_milestones(proposal, challenge, milestones)
    db.session.add(proposal)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise InvalidTransition("本机构已对该榜单提交过揭榜方案（每个机构限一份）。") from None
    audit.record(actor, "proposal_created", proposal, "", P.draft)
    return proposal


class MilestoneProblem(str):
    """A problem's message, knowing the row (its number on the page) and field it is about, if one:
    the form shows it in that cell and the error summary links there."""

    def __new__(cls, message: str, row: int | None = None, field: str | None = None):
        problem = super().__new__(cls, message)
        problem.row, problem.field = row, field
        return problem


NO_MILESTONE = "请至少填写一个里程碑。"


def milestone_problems(challenge: Challenge, milestones: list[dict], draft: bool = False) -> list[str]:
    """Every problem of the milestone rows at once (empty when they are fine).

    Each row is a dict of title, due_date, deliverable, fund_share and optionally `row`, its number
    on the page (defaults to its position). A draft may have no milestone yet (it is saved as work in
    progress); submitting needs one."""
    if not milestones:
        return [] if draft else [NO_MILESTONE]
    problems, today, end = [], clock.today(), project_end(challenge)
    for position, m in enumerate(milestones, start=1):
        n, due = m.get("row", position), m.get("due_date")
        if not (m.get("title") or "").strip():
            problems.append(MilestoneProblem(f"第 {n} 个里程碑缺少名称。", n, "title"))
        if due is None:
            problems.append(MilestoneProblem(f"第 {n} 个里程碑缺少完成日期。", n, "due_date"))
        elif due <= today:
            problems.append(MilestoneProblem(f"第 {n} 个里程碑的完成日期 {due} 应晚于今天。", n, "due_date"))
        elif due <= challenge.deadline:  # the work starts once applications close
            problems.append(MilestoneProblem(
                f"第 {n} 个里程碑的完成日期 {due} 应晚于揭榜截止日 {challenge.deadline}。", n, "due_date"))
        elif due > end:
            problems.append(MilestoneProblem(
                f"第 {n} 个里程碑的完成日期 {due} 超出项目周期：本榜单项目周期 {challenge.period_months} 个月，"
                f"自揭榜截止日 {challenge.deadline} 起算，里程碑最晚应在 {end} 完成。", n, "due_date"))
        if not 0 <= int(m.get("fund_share") or 0) <= 100:
            problems.append(MilestoneProblem(f"第 {n} 个里程碑的经费比例应为 0—100。", n, "fund_share"))
    total = sum(int(m.get("fund_share") or 0) for m in milestones)
    if total > 100:
        problems.append(f"各里程碑经费比例合计 {total}%，不能超过 100%。")
    dates = [m["due_date"] for m in milestones if m.get("due_date") is not None]
    if dates != sorted(dates):
        problems.append("里程碑应按完成日期先后排列。")
    return problems


def _set_milestones(proposal: Proposal, challenge: Challenge, milestones: list[dict]) -> None:
    problems = milestone_problems(challenge, milestones, draft=True)
    if problems:
        raise ServiceError(problems, field="milestones")
    proposal.milestones = [ProposalMilestone(seq=i + 1, title=m["title"], due_date=m["due_date"],
                                             deliverable=m.get("deliverable", ""), fund_share=int(m.get("fund_share") or 0))
                           for i, m in enumerate(milestones)]


def update(actor: User, proposal: Proposal, expected_version: int | None, milestones: list[dict], **fields) -> None:
    """Save the lead's edits of a draft opened at `expected_version`; a colleague's later save is
    never overwritten (Conflict, 409: the user keeps their input and reloads)."""
    check_may_edit(actor, proposal)
    if expected_version != proposal.version:
        raise Conflict("该方案已被同事修改（您打开的是旧版本）。为避免覆盖对方的修改，本次保存未生效；"
                       "请刷新页面查看最新内容后重新编辑。您填写的内容保留在下方。")
    claim(proposal)  # every save bumps the version, also one that changes only the milestones
    for name in FIELDS:
        if name in fields:
            setattr(proposal, name, fields[name])
    _set_milestones(proposal, proposal.challenge, milestones)
    db.session.flush()


def invite_member(actor: User, proposal: Proposal, organisation: Organisation, role: str = "") -> ConsortiumMember:
    """The lead invites another verified organisation into a joint (联合攻关) proposal."""
    _require_applicant(actor, proposal, "邀请联合体成员")
    claim(proposal)  # a simultaneous submission sees the new member, or this refuses (409)
    check_may_invite_member(actor, proposal)
    if organisation.id == proposal.organisation_id:
        raise ServiceError("牵头机构不能邀请自己。", field="organisation_id")
    if not organisation.is_verified:
        raise ServiceError("只能邀请已认证的机构。", field="organisation_id")
    if organisation.id == proposal.challenge.organisation_id:
        raise ServiceError("发榜企业不能作为揭榜联合体成员。", field="organisation_id")
    if any(m.organisation_id == organisation.id for m in proposal.members):
        raise InvalidTransition("该机构已在联合体邀请名单中。")
    member = ConsortiumMember(proposal=proposal, organisation=organisation, role=role.strip())
    db.session.add(member)
    db.session.flush()
    audit.record(actor, "consortium_invited", proposal, reason=organisation.name)
    notify.organisation(organisation, "consortium", f"联合体邀请：{proposal.challenge.title}",
                        f"{proposal.organisation.name}邀请贵单位作为联合体成员共同揭榜。", f"/proposals/{proposal.id}")
    return member


def respond_member(actor: User, member: ConsortiumMember, accept: bool) -> None:
    """An invited member organisation accepts or declines."""
    _require_member(actor, member)
    claim(member.proposal)  # an answer and the lead's submission never cross
    check_may_respond_member(actor, member)
    member.state = MemberState.accepted if accept else MemberState.declined
    member.responded_at = utcnow()
    audit.record(actor, "consortium_accepted" if accept else "consortium_declined", member.proposal,
                 reason=member.organisation.name)
    notify.organisation(member.proposal.organisation, "consortium",
                        f"{member.organisation.name}{'已接受' if accept else '已拒绝'}联合体邀请",
                        url=f"/proposals/{member.proposal_id}")
    db.session.flush()


def submit(actor: User, proposal: Proposal) -> None:
    """Submit before the deadline; a joint proposal needs its members' acceptance first."""
    check_may_submit(actor, proposal)
    challenge = proposal.challenge
    if not proposal.technical_plan.strip():
        raise ServiceError("请填写技术方案。", field="technical_plan")
    # A draft may be saved without milestones, and a date that was fine then may have passed since.
    plan = [{"title": m.title, "due_date": m.due_date, "deliverable": m.deliverable, "fund_share": m.fund_share}
            for m in proposal.milestones]
    problems = milestone_problems(challenge, plan)
    if problems:
        raise ServiceError(["提交前请在“编辑方案”中完善里程碑计划：", *problems], field="milestones")
    if challenge.is_joint:
        accepted = proposal.accepted_members
        waiting = [m.organisation.name for m in proposal.members if m.state is MemberState.invited]
        if waiting:
            raise InvalidTransition(f"联合体成员尚未确认：{'、'.join(waiting)}。")
        if not accepted:
            raise InvalidTransition("联合攻关榜单须由至少两家单位组成联合体揭榜，请先邀请成员单位。")
    proposal.state = P.submitted
    proposal.submitted_at = utcnow()
    audit.record(actor, "proposal_submitted", proposal, P.draft, P.submitted)
    notify.organisation(challenge.organisation, "proposal", f"收到新的揭榜方案：{challenge.title}",
                        f"{proposal.organisation.name}提交了揭榜方案。", f"/proposals/{proposal.id}")
    notify.chain_admins(challenge.chain, "proposal", f"收到新的揭榜方案：{challenge.title}",
                        f"{proposal.organisation.name}提交了揭榜方案。", f"/challenges/{challenge.id}/evaluation")
    db.session.flush()


def withdraw(actor: User, proposal: Proposal, reason: str = "") -> None:
    """The applicant withdraws before the deadline."""
    check_may_withdraw(actor, proposal)
    before = proposal.state
    proposal.state = P.withdrawn
    audit.record(actor, "proposal_withdrawn", proposal, before, P.withdrawn, reason)
    db.session.flush()
