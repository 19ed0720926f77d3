"""待办 of the annual work plan: the office's plans awaiting approval; a lead department's returned
plan and the late items of its chain's approved plan for this year (滞后: a sub-milestone's due day
has passed unconfirmed, on China's calendar)."""
from __future__ import annotations

from sqlalchemy import exists, func, select

from ... import clock
from ...models import Chain, PlanState, User, WorkPlan, WorkPlanItem, WorkPlanMilestone
from .core import Entry, Kind


def _plans(state: PlanState):
    return (select(WorkPlan.id, WorkPlan.year, Chain.code, Chain.name, WorkPlan.submitted_at)
            .join(Chain, Chain.id == WorkPlan.chain_id).where(WorkPlan.state == state))


AWAITING = Kind(  # platform admins: every chain
    "plans_awaiting", "工作计划待审批",
    lambda user: _plans(PlanState.submitted).order_by(WorkPlan.submitted_at, WorkPlan.id),
    lambda r: Entry(f"{r.name}产业链 {r.year} 年工作计划", "admin.plan_page", {"code": r.code, "year": r.year},
                    "提交于", r.submitted_at),
    "admin.plans_overview")

RETURNED = Kind(  # the chain's lead department
    "plans_returned", "工作计划已退回",
    lambda user: _plans(PlanState.returned).where(WorkPlan.chain_id == user.admin_chain_id)
    .order_by(WorkPlan.year, WorkPlan.id),
    lambda r: Entry(f"{r.name}产业链 {r.year} 年工作计划", "admin.plan_page", {"code": r.code, "year": r.year},
                    "请按退回原因修改后重新提交"))


def _late(user: User):
    today = clock.today()
    first_late = (select(func.min(WorkPlanMilestone.due_on)).where(
        WorkPlanMilestone.item_id == WorkPlanItem.id, WorkPlanMilestone.confirmed_on.is_(None),
        WorkPlanMilestone.due_on < today).scalar_subquery())
    late_step = exists().where(WorkPlanMilestone.item_id == WorkPlanItem.id, WorkPlanMilestone.confirmed_on.is_(None),
                               WorkPlanMilestone.due_on < today)
    return (select(WorkPlanItem.id, WorkPlanItem.title, WorkPlan.year, Chain.code, first_late.label("due"))
            .join(WorkPlan, WorkPlan.id == WorkPlanItem.plan_id).join(Chain, Chain.id == WorkPlan.chain_id)
            .where(WorkPlan.chain_id == user.admin_chain_id, WorkPlan.year == today.year,
                   WorkPlan.state == PlanState.approved, WorkPlanItem.completed_on.is_(None), late_step)
            .order_by(first_late, WorkPlanItem.id))


LATE = Kind(
    "plan_items_late", "工作清单滞后事项", _late,
    lambda r: Entry(r.title, "admin.plan_page", {"code": r.code, "year": r.year}, f"节点应于 {r.due} 完成，尚未确认", overdue=True))


def kinds(user: User) -> list[Kind]:
    """The office approves every chain's plans; a lead department follows its own chain's."""
    found = [AWAITING] if user.is_platform_admin else []
    if user.is_chain_admin:
        found += [RETURNED, LATE]
    return found
