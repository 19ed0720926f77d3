"""A chain's annual work plan (工作要点 + 工作清单): written by the chain's lead department, submitted,
approved or returned by the platform admin; once approved, every change is a numbered revision with a
reason and a snapshot of the plan as it was before. Progress on the items is in plan_progress.py.

Every change claims the plan's version (locking.claim): the form carries the version its page showed,
so a stale page's change, or the second of two simultaneous decisions, is refused with 409.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .. import clock
from ..extensions import db
from ..formkit import REGIONS
from ..models import Chain, Challenge, ChallengeState, KeyLink, PlanCategory, PlanState, Project
from ..models.work_plan import (
    MILESTONES_MAX,
    MILESTONES_MIN,
    WorkPlan,
    WorkPlanItem,
    WorkPlanMilestone,
    WorkPlanRevision,
)
from ..notifications import notify
from . import audit, oversight
from .errors import InvalidTransition, PermissionDenied, ServiceError
from .locking import Conflict, claim
from .rules import rule

# 重点地区: the province's 17 cities and prefectures ("省外" is not a place a chain's plan works in).
PLAN_REGIONS = tuple(r for r in REGIONS if r != "省外")
EDITABLE_STATES = (PlanState.draft, PlanState.returned, PlanState.approved)
KEY_POINTS_MAX, TITLE_MAX, REASON_MAX = 5000, 200, 1000
STALE = "工作计划刚刚已被他人修改或审批，本次操作未执行。请刷新页面，查看最新内容后再操作。"


@dataclass
class ItemInput:
    """One 工作清单 item as typed; `milestones` are (title, due date) pairs in page order."""

    title: str
    category: str
    responsible_unit: str
    responsible_person: str
    start_date: date | None
    end_date: date | None
    milestones: list[tuple[str, date]]
    regions: list[str] = field(default_factory=list)
    key_link_ids: list[int] = field(default_factory=list)
    challenge_ids: list[int] = field(default_factory=list)
    project_ids: list[int] = field(default_factory=list)


# ----- reading ------------------------------------------------------------------------------------

def plan_for(chain: Chain, year: int) -> WorkPlan | None:
    return db.session.scalar(db.select(WorkPlan).filter_by(chain_id=chain.id, year=year))


def years(chain: Chain) -> list[int]:
    """The years with a plan, this year and next, newest first (the page's year selector)."""
    this_year = clock.today().year
    stored = db.session.scalars(db.select(WorkPlan.year).filter_by(chain_id=chain.id)).all()
    return sorted(set(stored) | {this_year, this_year + 1}, reverse=True)


def linkable(chain: Chain, year: int) -> tuple[list[KeyLink], list[Challenge], list[Project]]:
    """What an item of this chain's plan may name: the year's key links, the chain's listings and projects."""
    links = db.session.scalars(db.select(KeyLink).filter_by(chain_id=chain.id, year=year)
                               .order_by(KeyLink.priority, KeyLink.id)).all()
    # A draft is still its poster's alone: the department names listings once they reach it.
    listings = db.session.scalars(db.select(Challenge).where(Challenge.chain_id == chain.id,
                                                             Challenge.state != ChallengeState.draft)
                                  .order_by(Challenge.id.desc())).all()
    projects = db.session.scalars(db.select(Project).join(Challenge, Challenge.id == Project.challenge_id)
                                  .where(Challenge.chain_id == chain.id).order_by(Project.id.desc())).all()
    return list(links), list(listings), list(projects)


def snapshot(plan: WorkPlan) -> dict:
    """The plan as it stands, in plain JSON (stored with each revision; shown read-only later)."""
    return {
        "revision_no": plan.revision_no, "key_points": plan.key_points,
        "items": [{
            "title": i.title, "category": i.category.value, "category_label": i.category.label,
            "regions": list(i.regions or []),
            "responsible_unit": i.responsible_unit, "responsible_person": i.responsible_person,
            "start_date": i.start_date.isoformat(), "end_date": i.end_date.isoformat(),
            "completed_on": i.completed_on.isoformat() if i.completed_on else None,
            "milestones": [{"title": m.title, "due_on": m.due_on.isoformat(),
                            "confirmed_on": m.confirmed_on.isoformat() if m.confirmed_on else None}
                           for m in i.milestones],
            "key_links": [k.segment for k in i.key_links], "challenges": [c.title for c in i.challenges],
            "projects": [p.challenge.title for p in i.projects],
        } for i in plan.items],
    }


def sentence(text: str) -> str:
    """`text` ending in a full stop, unless it already ends in punctuation (no "顺延一个月。。")."""
    text = (text or "").strip()
    return text if not text or text[-1] in "。！？；….!?;" else text + "。"


def revision(plan: WorkPlan, number: int) -> WorkPlanRevision | None:
    return next((r for r in plan.revisions if r.revision_no == number), None)


# ----- who may do what ----------------------------------------------------------------------------

def can_manage(actor, chain: Chain) -> bool:
    return oversight.can_manage(actor, chain)


def _check_manager(actor, chain: Chain) -> None:
    if not can_manage(actor, chain):
        raise PermissionDenied("只有本链牵头部门或平台管理员可以编制工作计划。")


@rule("may_edit_plan")
def check_may_edit(actor, chain: Chain, plan: WorkPlan | None) -> None:
    """Write the 工作要点 and items: the chain's managers, unless the plan awaits approval."""
    _check_manager(actor, chain)
    if plan is not None and plan.state not in EDITABLE_STATES:
        raise InvalidTransition("工作计划已提交待审批，审批完成前不能修改。")


@rule("may_submit_plan")
def check_may_submit(actor, plan: WorkPlan) -> None:
    _check_manager(actor, plan.chain)
    if plan.state not in (PlanState.draft, PlanState.returned):
        raise InvalidTransition(f"工作计划{plan.state.label}，不能再提交。")
    if not plan.key_points.strip():
        raise InvalidTransition("请先填写工作要点再提交。")
    if not plan.items:
        raise InvalidTransition("工作清单至少要有 1 项才能提交。")


@rule("may_decide_plan")
def check_may_decide(actor, plan: WorkPlan) -> None:
    """Approve or return: platform admins, while the plan awaits approval."""
    if not actor.is_platform_admin:
        raise PermissionDenied("只有平台管理员可以审批工作计划。")
    if plan.state is not PlanState.submitted:
        raise InvalidTransition(f"工作计划{plan.state.label}，不在待审批状态。")


# ----- changing the plan --------------------------------------------------------------------------

def _cas(plan: WorkPlan, version: int | None) -> None:
    """Compare-and-set on the plan: the page's version, then the row's (a simultaneous change loses)."""
    if version != plan.version:
        raise Conflict(STALE)
    claim(plan)


def _plan(actor, chain: Chain, year: int) -> WorkPlan:
    plan = plan_for(chain, year)
    if plan is None:
        plan = WorkPlan(chain=chain, year=year, created_by=actor)
        db.session.add(plan)
        db.session.flush()
        audit.record(actor, "plan_created", plan, to_state=PlanState.draft, reason=f"{year}年")
    return plan


def _check_reason(plan: WorkPlan | None, reason: str) -> None:
    """A change to an approved plan says why (checked before anything is written)."""
    if plan is None or plan.state is not PlanState.approved:
        return
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("计划已批准，修改须填写修改原因。", field="reason")
    if len(reason) > REASON_MAX:
        raise ServiceError(f"修改原因不超过 {REASON_MAX} 字。", field="reason")


def _revise(actor, plan: WorkPlan, reason: str) -> None:
    """An approved plan changes only as a numbered revision: keep the plan as it was, and why."""
    if plan.state is not PlanState.approved:
        return
    reason = reason.strip()
    db.session.add(WorkPlanRevision(plan=plan, revision_no=plan.revision_no + 1, reason=reason,
                                    snapshot=snapshot(plan), author=actor))
    plan.revision_no += 1
    audit.record(actor, "plan_revised", plan, reason=f"第 {plan.revision_no} 次修订：{reason}")


def save_key_points(actor, chain: Chain, year: int, text: str, version: int | None, reason: str = "") -> WorkPlan:
    """Write the 工作要点 (the plan is created on its first save); `version` None for a new plan."""
    text = (text or "").strip()
    if len(text) > KEY_POINTS_MAX:
        raise ServiceError(f"工作要点不超过 {KEY_POINTS_MAX} 字（当前 {len(text)} 字）。", field="key_points")
    existing = plan_for(chain, year)
    check_may_edit(actor, chain, existing)
    _check_reason(existing, reason)
    plan = _plan(actor, chain, year)
    # A page shown before the plan existed has no version: right only while there is still no plan.
    _cas(plan, version if existing is not None else plan.version)
    _revise(actor, plan, reason)
    plan.key_points = text
    audit.record(actor, "plan_key_points_saved", plan, reason=f"{year}年工作要点")
    db.session.flush()
    return plan


def _within(ids, allowed: list) -> list | None:
    """The rows named by `ids` (duplicates once), or None when one of them is not allowed."""
    by_id = {row.id: row for row in allowed}
    if any(i not in by_id for i in ids):
        return None
    return [by_id[i] for i in dict.fromkeys(ids)]


def _step_problems(data: ItemInput) -> list[str]:
    steps = [(t.strip(), d) for t, d in data.milestones]
    found = []
    if not MILESTONES_MIN <= len(steps) <= MILESTONES_MAX:
        found.append(f"任务图须有 {MILESTONES_MIN}—{MILESTONES_MAX} 个节点（现有 {len(steps)} 个）。")
    for n, (step, due) in enumerate(steps, 1):
        if not step or len(step) > TITLE_MAX:
            found.append(f"第 {n} 个节点须有名称（不超过 {TITLE_MAX} 字）。")
        # (Dates that are themselves wrong are reported on their own fields, not once per node.)
        elif data.start_date and data.end_date and data.start_date <= data.end_date \
                and not data.start_date <= due <= data.end_date:
            found.append(f"第 {n} 个节点“{step}”的日期 {due} 不在事项起止日期"
                         f"（{data.start_date} 至 {data.end_date}）之内。")
    return found


def item_problems(chain: Chain, year: int, data: ItemInput, plan: WorkPlan | None, reason: str = "",
                  linked=None) -> list[tuple[str, str]]:
    """Every problem of an item as typed, as (field, message) in the order of the form, the reason an
    approved plan's change needs included: all of them are shown at once, not one per attempt."""
    found: list[tuple[str, str]] = []
    title = (data.title or "").strip()
    if not title:
        found.append(("title", "请填写事项名称。"))
    elif len(title) > TITLE_MAX:
        found.append(("title", f"事项名称不超过 {TITLE_MAX} 字。"))
    if data.category not in {c.value for c in PlanCategory}:
        found.append(("category", "请选择事项类别。"))
    if any(r not in PLAN_REGIONS for r in data.regions or []):
        found.append(("regions", "重点地区只能从省内 17 个市州中选择。"))
    unit, person = (data.responsible_unit or "").strip(), (data.responsible_person or "").strip()
    for name, value, label, most in (("responsible_unit", unit, "责任单位", 128), ("responsible_person", person, "责任人", 64)):
        if not value:
            found.append((name, f"请填写{label}。"))
        elif len(value) > most:
            found.append((name, f"{label}不超过 {most} 字。"))
    if data.start_date is None:
        found.append(("start_date", "请填写开始日期。"))
    if data.end_date is None:
        found.append(("end_date", "请填写完成日期。"))
    elif data.start_date is not None and data.end_date < data.start_date:
        found.append(("end_date", "完成日期不能早于开始日期。"))
    found += [("milestones", m) for m in _step_problems(data)]
    links, listings, projects = linked or linkable(chain, year)
    for name, ids, allowed, message in (("key_links", data.key_link_ids, links, f"只能关联本链 {year} 年的关键缺失环节。"),
                                        ("challenges", data.challenge_ids, listings, "只能关联本链的榜单。"),
                                        ("projects", data.project_ids, projects, "只能关联本链的项目。")):
        if _within(ids, allowed) is None:
            found.append((name, message))
    try:
        _check_reason(plan, reason)
    except ServiceError as error:
        found.append(("reason", error.message))
    return found


def _clean(chain: Chain, year: int, data: ItemInput, plan: WorkPlan | None, reason: str) -> dict:
    """The item's fields checked (every problem raised together, each naming its field)."""
    links, listings, projects = linked = linkable(chain, year)
    problems = item_problems(chain, year, data, plan, reason, linked)
    if problems:
        raise ServiceError([m for _, m in problems], field=problems[0][0], problems=problems)
    return dict(
        title=data.title.strip(), category=PlanCategory(data.category), regions=list(dict.fromkeys(data.regions or [])),
        responsible_unit=data.responsible_unit.strip(), responsible_person=data.responsible_person.strip(),
        start_date=data.start_date, end_date=data.end_date, steps=[(t.strip(), d) for t, d in data.milestones],
        key_links=_within(data.key_link_ids, links), challenges=_within(data.challenge_ids, listings),
        projects=_within(data.project_ids, projects))


def _apply(item: WorkPlanItem, values: dict) -> None:
    steps = values.pop("steps")
    for name, value in values.items():
        setattr(item, name, value)
    # A step keeps its confirmation when its name and date are unchanged: editing the 任务图 of an
    # approved plan does not undo what was already confirmed done.
    kept = {(m.title, m.due_on): m for m in item.milestones}
    item.milestones = [kept.get((t, d)) or WorkPlanMilestone(title=t, due_on=d) for t, d in steps]


def add_item(actor, chain: Chain, year: int, data: ItemInput, version: int | None, reason: str = "") -> WorkPlanItem:
    existing = plan_for(chain, year)
    check_may_edit(actor, chain, existing)
    values = _clean(chain, year, data, existing, reason)
    plan = _plan(actor, chain, year)
    _cas(plan, version if existing is not None else plan.version)
    _revise(actor, plan, reason)
    item = WorkPlanItem(plan=plan, seq=max((i.seq for i in plan.items), default=0) + 1)
    _apply(item, values)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "plan_item_added", plan, reason=item.title)
    return item


def edit_item(actor, item: WorkPlanItem, data: ItemInput, version: int, reason: str = "") -> WorkPlanItem:
    plan = item.plan
    check_may_edit(actor, plan.chain, plan)
    values = _clean(plan.chain, plan.year, data, plan, reason)
    _cas(plan, version)
    _revise(actor, plan, reason)
    _apply(item, values)
    audit.record(actor, "plan_item_edited", plan, reason=item.title)
    db.session.flush()
    return item


def delete_item(actor, item: WorkPlanItem, version: int, reason: str = "") -> None:
    plan = item.plan
    check_may_edit(actor, plan.chain, plan)
    _check_reason(plan, reason)
    _cas(plan, version)
    _revise(actor, plan, reason)
    audit.record(actor, "plan_item_deleted", plan, reason=item.title)
    plan.items.remove(item)
    db.session.flush()


def submit(actor, plan: WorkPlan, version: int, url: str = "") -> WorkPlan:
    check_may_submit(actor, plan)
    _cas(plan, version)
    before, plan.state = plan.state, PlanState.submitted
    plan.submitted_at, plan.return_reason = clock.utcnow(), ""
    audit.record(actor, "plan_submitted", plan, before, plan.state, f"{plan.year}年")
    notify.platform_admins("governance", f"{plan.chain.name}产业链{plan.year}年工作计划待审批",
                           f"{plan.chain.name}产业链牵头部门已提交 {plan.year} 年工作要点和工作清单（{len(plan.items)} 项）。", url)
    db.session.flush()
    return plan


def approve(actor, plan: WorkPlan, version: int, url: str = "") -> WorkPlan:
    check_may_decide(actor, plan)
    _cas(plan, version)
    plan.state, plan.approved_at, plan.approved_by = PlanState.approved, clock.utcnow(), actor
    audit.record(actor, "plan_approved", plan, PlanState.submitted, plan.state, f"{plan.year}年")
    notify.chain_admins(plan.chain, "governance", f"{plan.year}年工作计划已批准",
                        f"{plan.chain.name}产业链 {plan.year} 年工作计划已批准，请按工作清单推进并及时确认任务节点。", url)
    db.session.flush()
    return plan


def return_plan(actor, plan: WorkPlan, version: int, reason: str, url: str = "") -> WorkPlan:
    reason = (reason or "").strip()
    check_may_decide(actor, plan)
    if not reason:
        raise ServiceError("退回须填写原因。", field="reason")
    if len(reason) > REASON_MAX:
        raise ServiceError(f"退回原因不超过 {REASON_MAX} 字。", field="reason")
    _cas(plan, version)
    plan.state, plan.return_reason = PlanState.returned, reason
    audit.record(actor, "plan_returned", plan, PlanState.submitted, plan.state, reason)
    notify.chain_admins(plan.chain, "governance", f"{plan.year}年工作计划被退回",
                        f"{plan.chain.name}产业链 {plan.year} 年工作计划被退回修改。原因：{reason}", url)
    db.session.flush()
    return plan
