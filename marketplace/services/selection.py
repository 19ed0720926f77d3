"""From review to 立项: shortlisting, declining, selection (赛马 allowed), 公示 and objections, 流榜."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from .. import clock
from ..clock import utcnow
from ..extensions import db
from ..models import (
    CHOSEN_PROPOSAL_STATES,
    Challenge,
    ChallengeState,
    DeclineCode,
    Milestone,
    Objection,
    Project,
    Proposal,
    ProposalState,
    Publicity,
    User,
)
from ..notifications import notify
from ..workdays import add_working_days
from . import audit
from .errors import InvalidTransition, PermissionDenied, ServiceError
from .locking import claim, refuse_repeat
from .rules import rule
from .visibility import is_manager

P = ProposalState
PUBLICITY_WORKING_DAYS = 5
SELECTABLE = (P.submitted, P.shortlisted)  # still in the running: may be selected or declined


def _require_manager(actor: User, challenge: Challenge, action: str) -> None:
    if not is_manager(actor, challenge):
        raise PermissionDenied(f"只有本链牵头部门或平台管理员可以{action}。")


def _decides(actor: User, challenge: Challenge) -> bool:
    """The poster shortlists and declines as well as the lead department (the design's enterprise role)."""
    return is_manager(actor, challenge) or (actor.organisation_id == challenge.organisation_id and actor.can_act)


def _require_no_selection(challenge: Challenge, message: str) -> None:
    if any(p.state in CHOSEN_PROPOSAL_STATES for p in challenge.proposals):
        raise InvalidTransition(message)


# ----- who may do what (services/rules.py): each check raises the refusal -------------------------

@rule("may_shortlist")
def check_may_shortlist(actor: User, proposal: Proposal) -> None:
    if not _decides(actor, proposal.challenge):
        raise PermissionDenied("只有发榜企业或牵头部门可以确定入围方案。")
    if proposal.state is not P.submitted:
        raise InvalidTransition(f"方案状态为“{proposal.state.label}”，不能入围。")


@rule("may_decline")
def check_may_decline(actor: User, proposal: Proposal) -> None:
    if not _decides(actor, proposal.challenge):
        raise PermissionDenied("只有发榜企业或牵头部门可以作出未入围决定。")
    if proposal.state not in SELECTABLE:
        raise InvalidTransition(f"方案状态为“{proposal.state.label}”，不能作未入围处理。")


@rule("may_select_proposals")
def check_may_select(actor: User, challenge: Challenge) -> None:
    _require_manager(actor, challenge, "遴选揭榜方案")
    if challenge.state is not ChallengeState.closed:
        raise InvalidTransition("请先截止揭榜（到期自动截止或由发榜方提前截止），再遴选方案。")
    _require_no_selection(challenge, "本榜单已有选中方案并在公示中。")


@rule("may_declare_failure")
def check_may_fail(actor: User, challenge: Challenge) -> None:
    """流榜 is declared on a closed listing before any selection."""
    _require_manager(actor, challenge, "作流榜处理")
    if challenge.state is not ChallengeState.closed:
        raise InvalidTransition("只有已截止、尚未立项的榜单可以流榜。")
    _require_no_selection(challenge, "已有拟立项方案，不能流榜。")


@rule("may_approve_project")
def check_may_approve(actor: User, proposal: Proposal) -> None:
    """立项 of a selected proposal once its 公示 has ended with every objection answered."""
    _require_manager(actor, proposal.challenge, "批准立项")
    if not proposal.awaits_approval:
        raise InvalidTransition("只有公示中的拟立项方案可以立项。")
    publicity = current_publicity(proposal.challenge)
    if publicity is None or publicity.ends_on >= clock.today():
        raise InvalidTransition(f"公示期至 {publicity.ends_on if publicity else '—'}，公示结束后方可立项。")
    if publicity.open_objections:
        raise InvalidTransition(f"尚有 {len(publicity.open_objections)} 条异议未处理，请先答复。")


def shortlist(actor: User, proposal: Proposal) -> None:
    challenge = proposal.challenge
    check_may_shortlist(actor, proposal)
    proposal.state = P.shortlisted
    audit.record(actor, "proposal_shortlisted", proposal, P.submitted, P.shortlisted)
    notify.organisation(proposal.organisation, "proposal", f"方案入围：{challenge.title}", url=f"/proposals/{proposal.id}")
    db.session.flush()


def decline(actor: User, proposal: Proposal, code: str, reason: str = "") -> None:
    """Decline with a coded reason (out of scope, indicators, price, team, other + text)."""
    challenge = proposal.challenge
    check_may_decline(actor, proposal)
    try:
        decline_code = DeclineCode(code)
    except ValueError:
        raise ServiceError("请选择未入围原因。", field="code") from None
    reason = (reason or "").strip()
    if decline_code is DeclineCode.other and not reason:
        raise ServiceError("选择“其他”时请填写具体原因。", field="reason")
    before = proposal.state
    proposal.state = P.declined
    proposal.decline_code, proposal.decline_reason = decline_code, reason
    audit.record(actor, "proposal_declined", proposal, before, P.declined, f"{decline_code.label} {reason}".strip())
    notify.organisation(proposal.organisation, "proposal", f"方案未入围：{challenge.title}",
                        f"原因：{decline_code.label}。{reason}", f"/proposals/{proposal.id}")
    db.session.flush()


def select(actor: User, challenge: Challenge, proposals: list[Proposal], text: str = "",
           working_days: int = PUBLICITY_WORKING_DAYS) -> Publicity:
    """Select one or more proposals (more than one is 赛马) and open the 公示."""
    check_may_select(actor, challenge)
    if not proposals:
        raise ServiceError("请至少选择一个方案。", field="proposal_ids")
    for proposal in proposals:
        if proposal.challenge_id != challenge.id or proposal.state not in SELECTABLE:
            raise InvalidTransition(f"{proposal.organisation.name}的方案状态为“{proposal.state.label}”，不能选中。")
    claim(challenge)  # two simultaneous 遴选 would each see no selection yet: only one may go on
    for proposal in proposals:
        before = proposal.state
        proposal.state = P.selected
        audit.record(actor, "proposal_selected", proposal, before, P.selected)
        notify.organisation(proposal.organisation, "selection", f"方案拟立项：{challenge.title}",
                            "公示期结束后将正式立项。", f"/proposals/{proposal.id}")
    today = clock.today()
    names = "、".join(p.organisation.name for p in proposals)
    publicity = Publicity(challenge=challenge, starts_on=today, ends_on=add_working_days(today, working_days),
                          created_by_id=actor.id,
                          text=text.strip() or f"经专家评审，拟由{names}承担“{challenge.title}”攻关任务，现予公示。")
    db.session.add(publicity)
    db.session.flush()
    audit.record(actor, "publicity_opened", challenge, reason=f"公示至 {publicity.ends_on}")
    notify.organisation(challenge.organisation, "publicity", f"遴选结果公示：{challenge.title}", publicity.text,
                        f"/publicity/{publicity.id}")
    return publicity


def object_to(actor: User, publicity: Publicity, text: str) -> Objection:
    """Any logged-in user files an objection while the publicity is open."""
    if not publicity.is_open:
        raise InvalidTransition("公示期已结束，不能再提出异议。")
    text = (text or "").strip()
    if len(text) < 10:
        raise ServiceError("请具体说明异议事项和理由（不少于 10 字）。", field="text")
    refuse_repeat(actor.organisation, Objection, publicity_id=publicity.id, user_id=actor.id, text=text[:5000])
    objection = Objection(publicity=publicity, user_id=actor.id, text=text[:5000])
    db.session.add(objection)
    db.session.flush()
    notify.chain_admins(publicity.challenge.chain, "publicity", f"公示收到异议：{publicity.challenge.title}",
                        url=f"/publicity/{publicity.id}")
    return objection


def respond(actor: User, objection: Objection, response: str) -> None:
    _require_manager(actor, objection.publicity.challenge, "答复异议")
    if objection.response:
        raise InvalidTransition("该异议已答复，答复已告知异议人，不能重复答复。")
    response = (response or "").strip()
    if not response:
        raise ServiceError("请填写处理意见。", field="response")
    objection.response, objection.responded_at = response, utcnow()
    db.session.flush()
    notify.users([objection.user], "publicity", f"您的异议已答复：{objection.publicity.challenge.title}",
                 f"您的异议：{objection.text}\n\n处理意见：{response}", f"/publicity/{objection.publicity_id}")


def own_objections(user: User, publicity: Publicity) -> list[Objection]:
    """The objections `user` filed on this 公示 (only they see them, with the answers; others see none)."""
    if user is None or not user.is_authenticated:
        return []
    return [o for o in publicity.objections if o.user_id == user.id]


def current_publicity(challenge: Challenge) -> Publicity | None:
    return max(challenge.publicities, key=lambda p: p.id) if challenge.publicities else None


TASK_BOOK_MIN = 20  # characters: a 任务书摘要 says what is to be done, by when, to which indicators
TASK_BOOK_DEFAULT = 500  # characters of the technical plan the form starts from


def approve_defaults(proposal: Proposal) -> dict:
    """What the 立项 form starts from: the quoted price, a start on the day after the 公示 (today at the
    earliest), the challenge's project period, and the proposal's technical plan."""
    from .challenges import add_months

    publicity = current_publicity(proposal.challenge)
    start = clock.today()
    if publicity is not None and publicity.ends_on >= start:
        start = publicity.ends_on + timedelta(days=1)
    plan = " ".join((proposal.technical_plan or "").split())
    if len(plan) > TASK_BOOK_DEFAULT:
        plan = plan[:TASK_BOOK_DEFAULT - 1] + "…"
    return {"funding_wan": proposal.price_wan, "start_date": start,
            "end_date": add_months(start, proposal.challenge.period_months), "task_book": plan}


def approve(actor: User, proposal: Proposal, funding_wan: Decimal, start: date, end: date, task_book: str,
            confirm_over_budget: bool = False, over_budget_reason: str = "") -> Project:
    """立项 after the publicity: the project starts from the proposal's milestones. Funding above the
    榜额 is a deliberate choice: confirmed, with a reason kept in the audit trail."""
    challenge = proposal.challenge
    check_may_approve(actor, proposal)
    if funding_wan is None or funding_wan <= 0:
        raise ServiceError("请填写立项经费。", field="funding_wan")
    reason = ""
    if funding_wan > challenge.budget_wan:
        over = f"立项经费 {funding_wan:,.2f} 万元超出榜额 {challenge.budget_wan:,.2f} 万元"
        if not confirm_over_budget:
            raise ServiceError(f"{over}：请勾选确认并填写理由。", field="confirm_over_budget")
        if not (over_budget_reason or "").strip():
            raise ServiceError("请填写立项经费超出榜额的理由。", field="over_budget_reason")
        reason = f"{over}，理由：{over_budget_reason.strip()}"
    if end <= start:
        raise ServiceError("结束日期应晚于开始日期。", field="end_date")
    for m in proposal.milestones:  # the period holds every milestone the project takes over
        if not start <= m.due_date <= end:
            raise ServiceError(f"里程碑“{m.title}”的完成日期 {m.due_date} 不在项目实施周期内（{start} 至 {end}），"
                               "请调整开始或结束日期。", field="start_date" if m.due_date < start else "end_date")
    if not (task_book or "").strip():
        raise ServiceError("请填写任务书摘要。", field="task_book")
    if len(task_book.strip()) < TASK_BOOK_MIN:
        raise ServiceError(f"任务书摘要过短：请至少写 {TASK_BOOK_MIN} 个字，说明攻关内容、目标指标与进度安排。",
                           field="task_book")
    # Serialise 立项 per challenge: the last of several (赛马) must see the others to award the challenge.
    claim(challenge)
    project = Project(challenge=challenge, proposal=proposal, organisation_id=proposal.organisation_id,
                      funding_wan=funding_wan, start_date=start, end_date=end, task_book=task_book.strip(),
                      approved_by_id=actor.id,
                      milestones=[Milestone(seq=m.seq, title=m.title, due_date=m.due_date, deliverable=m.deliverable,
                                            fund_share=m.fund_share) for m in proposal.milestones])
    db.session.add(project)
    proposal.state = P.approved  # the proposal moves on with its project (已立项)
    db.session.flush()
    audit.record(actor, "project_approved", project, "", "approved", reason)
    audit.record(actor, "proposal_approved", proposal, P.selected, P.approved)
    notify.organisation(proposal.organisation, "selection", f"项目已立项：{challenge.title}", url=f"/projects/{project.id}")
    notify.organisation(challenge.organisation, "selection", f"项目已立项：{challenge.title}", url=f"/projects/{project.id}")
    if not any(p.awaits_approval for p in challenge.proposals):
        _finish_selection(actor, challenge)
    return project


def _finish_selection(actor: User, challenge: Challenge) -> None:
    """Every selected proposal is a project: the challenge is awarded, the rest not selected."""
    before = challenge.state
    challenge.state = ChallengeState.awarded
    audit.record(actor, "challenge_awarded", challenge, before, ChallengeState.awarded)
    for proposal in challenge.proposals:
        if proposal.state in SELECTABLE:
            proposal.state = P.not_selected
            audit.record(actor, "proposal_not_selected", proposal, "", P.not_selected)
            notify.organisation(proposal.organisation, "selection", f"方案未中选：{challenge.title}",
                                url=f"/proposals/{proposal.id}")
    db.session.flush()


def fail(actor: User, challenge: Challenge, reason: str) -> None:
    """流榜: no suitable proposal; every open proposal becomes not selected."""
    check_may_fail(actor, challenge)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写流榜原因。", field="reason")
    challenge.state = ChallengeState.failed
    challenge.failure_reason = reason
    audit.record(actor, "challenge_failed", challenge, ChallengeState.closed, ChallengeState.failed, reason)
    for proposal in challenge.proposals:
        if proposal.state in SELECTABLE:
            proposal.state = P.not_selected
            audit.record(actor, "proposal_not_selected", proposal, "", P.not_selected, reason)
    notify.organisation(challenge.organisation, "selection", f"榜单流榜：{challenge.title}", reason,
                        f"/challenges/{challenge.id}")
    db.session.flush()
