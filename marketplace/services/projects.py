"""Project tracking: start, milestones, mid-term check, 赛马 stage gate, acceptance (验收), termination."""
from __future__ import annotations

import re
from datetime import date, timedelta

from .. import clock
from ..clock import utcnow
from ..extensions import db
from ..models import Achievement, MidtermResult, Milestone, MilestoneState, Project, ProjectState, User
from ..notifications import notify
from . import audit
from .errors import InvalidTransition, PermissionDenied, ServiceError
from .locking import claim_once, lock
from .rules import rule
from .visibility import is_manager

M = MilestoneState
REMINDER_DAYS = 7


def is_solver(user: User, project: Project) -> bool:
    return user.organisation_id == project.organisation_id and user.can_act


def is_poster(user: User, project: Project) -> bool:
    return user.organisation_id == project.challenge.organisation_id and user.can_act


def can_view(user: User | None, project: Project) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return (is_manager(user, project.challenge) or user.organisation_id in project.proposal.organisation_ids
            or user.organisation_id == project.challenge.organisation_id)


def _require_manager(actor: User, project: Project, action: str) -> None:
    if not is_manager(actor, project.challenge):
        raise PermissionDenied(f"只有本链牵头部门或平台管理员可以{action}。")


def _require_running(project: Project) -> None:
    if not project.is_running:
        raise InvalidTransition(f"项目状态为“{project.state.label}”，不能再进行此操作。")


def _require_judge(actor: User, milestone: Milestone, verb: str) -> tuple[bool, bool]:
    """(poster, manager) of a party that may still confirm or reject a submitted milestone: once a
    party has confirmed, it waits for the other and neither confirms again nor rejects."""
    project = milestone.project
    poster, manager = is_poster(actor, project), is_manager(actor, project.challenge)
    if not (poster or manager):
        raise PermissionDenied(f"只有发榜企业和牵头部门可以{verb}里程碑。")
    if not milestone.awaits_confirmation:
        raise InvalidTransition(f"里程碑状态为“{milestone.state.label}”，不能{verb}。")
    if (not poster or milestone.enterprise_confirmed_at) and (not manager or milestone.admin_confirmed_at):
        raise InvalidTransition("您已确认该里程碑，正在等待另一方确认。")  # one confirmation per party
    return poster, manager


# ----- who may do what (services/rules.py): each check raises the refusal -------------------------

@rule("may_start_project")
def check_may_start(actor: User, project: Project) -> None:
    if not (is_solver(actor, project) or is_manager(actor, project.challenge)):
        raise PermissionDenied("只有承担单位或牵头部门可以启动项目。")
    if project.state is not ProjectState.approved:
        raise InvalidTransition("项目已启动或已结束。")


@rule("may_submit_milestone")
def check_may_submit_milestone(actor: User, milestone: Milestone) -> None:
    """The solver reports a planned (or returned) milestone of a project in progress."""
    project = milestone.project
    if not is_solver(actor, project):
        raise PermissionDenied("只有承担单位可以提交里程碑成果。")
    if project.state is not ProjectState.in_progress:
        raise InvalidTransition("项目启动后才能提交里程碑。")
    if milestone.state not in (M.planned, M.rejected):
        raise InvalidTransition(f"里程碑状态为“{milestone.state.label}”，不能提交。")


@rule("may_confirm_milestone")
def check_may_confirm_milestone(actor: User, milestone: Milestone) -> None:
    _require_judge(actor, milestone, "确认")


@rule("may_reject_milestone")
def check_may_reject_milestone(actor: User, milestone: Milestone) -> None:
    _require_judge(actor, milestone, "退回")


@rule("may_oversee_project")
def check_may_oversee(actor: User, project: Project, action: str = "管理项目实施") -> None:
    """中期检查, 赛马 stage gate and termination: the lead department, while the project runs."""
    _require_manager(actor, project, action)
    _require_running(project)


@rule("may_accept_project")
def check_may_accept(actor: User, project: Project) -> None:
    """验收 of a project in progress (a pass needs every milestone confirmed)."""
    _require_manager(actor, project, "组织验收")
    if project.state is not ProjectState.in_progress:
        raise InvalidTransition("只有实施中的项目可以验收。")


def start(actor: User, project: Project) -> None:
    """The solver (or the lead department) starts the work: approved → in progress."""
    check_may_start(actor, project)
    project.state = ProjectState.in_progress
    audit.record(actor, "project_started", project, ProjectState.approved, ProjectState.in_progress)
    db.session.flush()


def submit_milestone(actor: User, milestone: Milestone, evidence: str) -> None:
    """The solver reports a milestone done, with evidence (text plus attachments)."""
    project = milestone.project
    check_may_submit_milestone(actor, milestone)
    evidence = (evidence or "").strip()
    if not evidence:
        raise ServiceError("请说明完成情况和证明材料。", field="evidence")
    before = milestone.state
    milestone.state, milestone.evidence, milestone.submitted_at = M.submitted, evidence, utcnow()
    milestone.enterprise_confirmed_at = milestone.admin_confirmed_at = None
    milestone.rejection_reason = ""
    audit.record(actor, "milestone_submitted", project, before, M.submitted, milestone.title)
    notify.organisation(project.challenge.organisation, "milestone", f"里程碑待确认：{milestone.title}",
                        url=f"/projects/{project.id}")
    notify.chain_admins(project.challenge.chain, "milestone", f"里程碑待确认：{milestone.title}",
                        url=f"/projects/{project.id}")
    db.session.flush()


def confirm_milestone(actor: User, milestone: Milestone) -> bool:
    """The enterprise and the lead department each confirm; returns True once both have.

    Both parties may legitimately confirm at the same moment: they queue on the milestone's row lock
    (instead of the second failing on the version check) and each then sees what the other committed,
    so the second confirmation completes the milestone and a party's repeated click is refused.
    """
    lock(milestone)
    project = milestone.project
    poster, manager = _require_judge(actor, milestone, "确认")
    now = utcnow()
    if poster:
        milestone.enterprise_confirmed_at = milestone.enterprise_confirmed_at or now
    if manager:
        milestone.admin_confirmed_at = milestone.admin_confirmed_at or now
    done = bool(milestone.enterprise_confirmed_at and milestone.admin_confirmed_at)
    if done:
        milestone.state = M.confirmed
        audit.record(actor, "milestone_confirmed", project, M.submitted, M.confirmed, milestone.title)
        notify.organisation(project.organisation, "milestone", f"里程碑已确认：{milestone.title}",
                            url=f"/projects/{project.id}")
    else:
        audit.record(actor, "milestone_confirmed_by_" + ("enterprise" if poster else "admin"), project,
                     reason=milestone.title)
    db.session.flush()
    return done


def reject_milestone(actor: User, milestone: Milestone, reason: str) -> None:
    project = milestone.project
    check_may_reject_milestone(actor, milestone)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写退回原因。", field="reason")
    milestone.state, milestone.rejection_reason = M.rejected, reason
    audit.record(actor, "milestone_rejected", project, M.submitted, M.rejected, f"{milestone.title}：{reason}")
    notify.organisation(project.organisation, "milestone", f"里程碑被退回：{milestone.title}", reason,
                        url=f"/projects/{project.id}")
    db.session.flush()


def midterm(actor: User, project: Project, result: str, note: str) -> None:
    """中期检查: pass, or concerns that the team must address."""
    check_may_oversee(actor, project, "组织中期检查")
    if result not in MidtermResult._value2member_map_:
        raise ServiceError("请选择中期检查结论。", field="result")
    if not (note or "").strip():
        raise ServiceError("请填写中期检查意见。", field="note")
    if (project.midterm_result, project.midterm_note) == (result, note.strip()):
        return  # the same conclusion again (a double click): nothing new to record or tell
    project.midterm_result, project.midterm_note = result, note.strip()
    audit.record(actor, "project_midterm", project, reason=f"{project.midterm_label}：{note.strip()}")
    notify.organisation(project.organisation, "milestone", "中期检查结论已发布", note.strip(), f"/projects/{project.id}")
    db.session.flush()


def stage_gate(actor: User, project: Project, decision: str, note: str) -> None:
    """赛马 stage gate: continue a team, or stop it (the project ends as terminated)."""
    check_may_oversee(actor, project, "作出阶段评估决定")
    if len(project.challenge.projects) < 2:
        raise InvalidTransition("阶段评估（赛马）只适用于同一榜单有多个并行团队的情形。")
    if decision not in ("continue", "stop"):
        raise ServiceError("请选择继续或终止。", field="decision")
    note = (note or "").strip()
    if not note:
        raise ServiceError("请填写评估意见。", field="note")
    project.stage_gate = decision
    audit.record(actor, "stage_gate_" + decision, project, reason=note)
    if decision == "stop":
        _end(actor, project, ProjectState.terminated, f"赛马阶段评估未通过：{note}")
    db.session.flush()


def indicator_items(indicators: str) -> list[str]:
    """The challenge's indicators one by one: numbered lines ("1." "2)" "（3）") or plain lines."""
    items = []
    for line in re.split(r"[\n；;]+", indicators or ""):
        text = re.sub(r"^\s*(?:[（(]?\d+[)）.、．]|[-•·])\s*", "", line).strip()
        if text:
            items.append(text)
    return items


def accept(actor: User, project: Project, checks: list[dict], passed: bool, note: str,
           trl: int = 7) -> Achievement | None:
    """验收: every indicator checked one by one; a pass needs every indicator met and creates an achievement."""
    check_may_accept(actor, project)
    expected = indicator_items(project.challenge.indicators)
    if len(checks) != len(expected) or any("met" not in c for c in checks):
        raise ServiceError("请逐项核对全部技术指标。", field="checks")
    if passed and not all(c["met"] for c in checks):
        raise ServiceError("有未达到的技术指标，不能判定验收通过。", field="checks")
    open_milestones = [m.title for m in project.open_milestones]
    if passed and open_milestones:
        raise InvalidTransition(f"尚有里程碑未确认完成：{'、'.join(open_milestones)}，不能判定验收通过。")
    if not (note or "").strip():
        raise ServiceError("请填写验收意见。", field="note")
    if passed and not (isinstance(trl, int) and 1 <= trl <= 9):
        raise ServiceError("技术成熟度应为 1—9 级。", field="trl")
    project.acceptance_checks = [{"indicator": text, "met": bool(c["met"]), "note": c.get("note", "").strip()}
                                 for text, c in zip(expected, checks)]
    project.acceptance_note = note.strip()
    if not passed:
        _end(actor, project, ProjectState.terminated, f"验收未通过：{note.strip()}")
        return None
    _end(actor, project, ProjectState.accepted, note.strip())
    challenge, solver = project.challenge, project.organisation
    achievement = Achievement(
        organisation_id=project.organisation_id, chain_id=challenge.chain_id, challenge_id=challenge.id,
        project_id=project.id, title=challenge.title, trl=trl,
        summary=f"{project.task_book}\n\n验收意见：{note.strip()}", ip=challenge.ip_terms.label,
        contact_name=solver.contact_name, contact_phone=solver.contact_phone, transfer_mode=None,
    )  # the institution that did the work answers for its result, under the IP terms the challenge agreed
    db.session.add(achievement)
    db.session.flush()
    audit.record(actor, "achievement_created", achievement, reason=f"项目 {project.id} 验收通过")
    notify.organisation(project.organisation, "milestone", f"验收通过：{challenge.title}",
                        "成果已入库，请补充转化方式等信息。", f"/achievements/{achievement.id}")
    notify.organisation(challenge.organisation, "milestone", f"验收通过：{challenge.title}", url=f"/projects/{project.id}")
    return achievement


def terminate(actor: User, project: Project, reason: str) -> None:
    check_may_oversee(actor, project, "终止项目")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写终止原因。", field="reason")
    _end(actor, project, ProjectState.terminated, reason)


def _end(actor: User, project: Project, state: ProjectState, reason: str) -> None:
    before = project.state
    project.state, project.end_reason, project.ended_at = state, reason, utcnow()
    proposal, was = project.proposal, project.proposal.state
    proposal.state = state.proposal_state  # 验收通过 or 终止, as its project
    audit.record(actor, f"proposal_{proposal.state.value}", proposal, was, proposal.state, reason)
    audit.record(actor, f"project_{state.value}", project, before, state, reason)
    if state is ProjectState.terminated:
        notify.organisation(project.organisation, "milestone", f"项目终止：{project.challenge.title}", reason,
                            f"/projects/{project.id}")
    db.session.flush()


def _reminder_due(today: date) -> tuple:
    """A milestone of a project under way, still to be handed in, due within REMINDER_DAYS, not yet reminded."""
    return (Milestone.project_id.in_(db.select(Project.id).where(Project.state == ProjectState.in_progress)),
            Milestone.state.in_([M.planned, M.rejected]), Milestone.reminded_at.is_(None),
            Milestone.due_date <= today + timedelta(days=REMINDER_DAYS), Milestone.due_date >= today)


def due_milestones(today: date | None = None) -> list[int]:
    """The milestones whose reminder is due: the ids `remind_if_due` takes."""
    today = today or clock.today()
    return list(db.session.scalars(db.select(Milestone.id).where(*_reminder_due(today))
                                   .order_by(Milestone.due_date, Milestone.id)))


def remind_if_due(milestone_id: int, today: date | None = None) -> bool:
    """Tell the solver that a milestone is due within 7 days, once: `reminded_at` is set by
    compare-and-set where it is still empty, and only the call that set it sends. Returns whether it sent."""
    today = today or clock.today()
    if not claim_once(Milestone, milestone_id, *_reminder_due(today), reminded_at=utcnow()):
        return False
    milestone = db.session.get(Milestone, milestone_id, populate_existing=True)
    notify.organisation(milestone.project.organisation, "milestone",
                        f"里程碑将于 {milestone.due_date} 到期：{milestone.title}", url=f"/projects/{milestone.project_id}")
    db.session.flush()
    return True


