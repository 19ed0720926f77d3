"""The refused requests of the annual work plan's POST routes (joined into refusal_cases.CASES)."""
from __future__ import annotations

from datetime import timedelta

from refusals_kit import Refusal

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import PlanCategory, PlanState, WorkPlan, WorkPlanItem, WorkPlanMilestone
from marketplace.services.chains import chain_by_code

MANAGER, ROOT = "chain-ai@example.com", "root@example.com"


def _plan(state=PlanState.draft, items=1, confirmed=False) -> WorkPlan:
    today = clock.today()
    plan = WorkPlan(chain=chain_by_code("ai"), year=today.year, key_points="聚焦算力芯片。", state=state)
    for n in range(items):
        steps = [WorkPlanMilestone(title=f"节点{k}", due_on=today + timedelta(days=k),
                                   confirmed_on=today if confirmed else None) for k in (1, 2)]
        plan.items.append(WorkPlanItem(seq=n + 1, title=f"事项{n + 1}", category=PlanCategory.platform,
                                       regions=["武汉市"], responsible_unit="省经信厅", responsible_person="张伟",
                                       start_date=today - timedelta(days=30), end_date=today + timedelta(days=60),
                                       milestones=steps))
    db.session.add(plan)
    db.session.flush()
    return plan


def _item_form(plan, **changes) -> dict:
    today = clock.today()
    return {"title": "建设公共算力平台", "category": "platform", "responsible_unit": "省数据局",
            "responsible_person": "李娜", "start_date": str(today), "end_date": str(today + timedelta(days=90)),
            "milestones-0-title": "选址", "milestones-0-due_on": str(today + timedelta(days=10)),
            "milestones-1-title": "上线", "milestones-1-due_on": str(today + timedelta(days=80)),
            "version": str(plan.version)} | changes


def key_points_while_submitted(poster, uni, experts):
    plan = _plan(PlanState.submitted)
    return Refusal(f"/admin/chains/ai/plan?year={plan.year}", MANAGER, {"key_points": "改", "version": plan.version},
                   status=409)


def item_ending_before_it_starts(poster, uni, experts):
    plan = _plan()
    return Refusal(f"/admin/chains/ai/plan/items?year={plan.year}", MANAGER,
                   _item_form(plan, end_date=str(clock.today() - timedelta(days=1))), status=400)


def item_edit_stale(poster, uni, experts):
    plan = _plan()
    return Refusal(f"/admin/chains/ai/plan/items/{plan.items[0].id}/edit", MANAGER,
                   _item_form(plan, version=str(plan.version + 1)), status=409)


def item_delete_without_reason(poster, uni, experts):
    plan = _plan(PlanState.approved)
    return Refusal(f"/admin/chains/ai/plan/items/{plan.items[0].id}/delete", MANAGER, {"version": plan.version},
                   status=400)


def submit_without_items(poster, uni, experts):
    plan = _plan(items=0)
    return Refusal(f"/admin/chains/ai/plan/{plan.id}/submit", MANAGER, {"version": plan.version}, status=409)


def approve_by_the_chain_admin(poster, uni, experts):
    plan = _plan(PlanState.submitted)
    return Refusal(f"/admin/chains/ai/plan/{plan.id}/approve", MANAGER, {"version": plan.version}, status=403)


def return_without_reason(poster, uni, experts):
    plan = _plan(PlanState.submitted)
    return Refusal(f"/admin/chains/ai/plan/{plan.id}/return", ROOT, {"version": plan.version, "reason": ""},
                   status=400)


def progress_on_a_draft(poster, uni, experts):
    plan = _plan()
    return Refusal(f"/admin/chains/ai/plan/items/{plan.items[0].id}/progress", MANAGER, {"note": "进展"}, status=409)


def confirm_a_confirmed_step(poster, uni, experts):
    plan = _plan(PlanState.approved, confirmed=True)
    step = plan.items[0].milestones[0]
    return Refusal(f"/admin/chains/ai/plan/milestones/{step.id}/confirm", MANAGER, {"done_on": str(clock.today())},
                   status=409)


def complete_with_open_steps(poster, uni, experts):
    plan = _plan(PlanState.approved)
    return Refusal(f"/admin/chains/ai/plan/items/{plan.items[0].id}/complete", MANAGER, status=409)


CASES = {
    "/admin/chains/<code>/plan": key_points_while_submitted,
    "/admin/chains/<code>/plan/items": item_ending_before_it_starts,
    "/admin/chains/<code>/plan/items/<int:item_id>/edit": item_edit_stale,
    "/admin/chains/<code>/plan/items/<int:item_id>/delete": item_delete_without_reason,
    "/admin/chains/<code>/plan/<int:plan_id>/submit": submit_without_items,
    "/admin/chains/<code>/plan/<int:plan_id>/approve": approve_by_the_chain_admin,
    "/admin/chains/<code>/plan/<int:plan_id>/return": return_without_reason,
    "/admin/chains/<code>/plan/items/<int:item_id>/progress": progress_on_a_draft,
    "/admin/chains/<code>/plan/milestones/<int:milestone_id>/confirm": confirm_a_confirmed_step,
    "/admin/chains/<code>/plan/items/<int:item_id>/complete": complete_with_open_steps,
}
