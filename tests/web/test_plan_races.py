"""Simultaneous decisions on one work plan have one effect: approve and return fired together at
PostgreSQL (and SQLite), double submissions, double confirmations, two adds from one page. The
harness is the suite's (races.py): each request in its own thread and session, released at once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from factories import make_platform_admin
from races import Race, audits, fire, world

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Notification, PlanCategory, PlanState, WorkPlan, WorkPlanItem, WorkPlanMilestone
from marketplace.services.chains import chain_by_code


def _plan(state=PlanState.draft) -> WorkPlan:
    today = clock.today()
    plan = WorkPlan(chain=chain_by_code("ai"), year=today.year, key_points="聚焦算力芯片。", state=state)
    plan.items.append(WorkPlanItem(seq=1, title="芯片适配验证", category=PlanCategory.key_link, regions=["武汉市"],
                                   responsible_unit="省经信厅", responsible_person="张伟",
                                   start_date=today - timedelta(days=30), end_date=today + timedelta(days=60),
                                   milestones=[WorkPlanMilestone(title=f"节点{k}", due_on=today + timedelta(days=k))
                                               for k in (1, 2)]))
    db.session.add(plan)
    db.session.flush()
    return plan


def approve_or_return(poster, uni, experts):
    """Two platform admins decide the same submitted plan at the same moment, one each way."""
    make_platform_admin("root2@example.com")
    plan = _plan(PlanState.submitted)
    base = f"/admin/chains/ai/plan/{plan.id}"
    return Race(base, ["root@example.com", "root2@example.com"],
                lambda: audits("plan_approved")() + audits("plan_returned")(),
                {"version": str(plan.version), "reason": "请补充重点地区"},
                urls={"root@example.com": f"{base}/approve", "root2@example.com": f"{base}/return"})


def submit(poster, uni, experts):
    plan = _plan()
    return Race(f"/admin/chains/ai/plan/{plan.id}/submit", ["chain-ai@example.com"], audits("plan_submitted"),
                {"version": str(plan.version)})


def confirm_step(poster, uni, experts):
    plan = _plan(PlanState.approved)
    step = plan.items[0].milestones[0]
    return Race(f"/admin/chains/ai/plan/milestones/{step.id}/confirm", ["chain-ai@example.com"],
                audits("plan_milestone_confirmed"), {"done_on": str(clock.today())})


def add_from_one_page(poster, uni, experts):
    plan = _plan()
    today = clock.today()
    form = {"title": "建设公共算力平台", "category": "platform", "responsible_unit": "省数据局",
            "responsible_person": "李娜", "start_date": str(today), "end_date": str(today + timedelta(days=90)),
            "milestones-0-title": "选址", "milestones-0-due_on": str(today + timedelta(days=10)),
            "milestones-1-title": "上线", "milestones-1-due_on": str(today + timedelta(days=80)),
            "version": str(plan.version)}
    return Race(f"/admin/chains/ai/plan/items?year={plan.year}", ["chain-ai@example.com"],
                audits("plan_item_added"), form)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("scenario", [approve_or_return, submit, confirm_step, add_from_one_page],
                         ids=lambda s: s.__name__)
def test_simultaneous_plan_requests_have_one_effect(app, ctx, scenario):
    race = scenario(*world())
    db.session.commit()
    assert race.effect() == 0
    statuses = fire(app, race)
    db.session.expire_all()
    assert all(status < 500 for status in statuses), statuses
    assert race.effect() == 1, (race.effect(), statuses)
    assert statuses.count(303) == 1 and set(statuses) <= {303, 409}, statuses
    doubled = db.session.execute(db.select(Notification.user_id, Notification.title).group_by(
        Notification.user_id, Notification.title).having(db.func.count() > 1)).all()
    assert not doubled, doubled
