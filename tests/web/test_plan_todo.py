"""The work plan's 待办: the office sees plans awaiting approval; a lead department its returned plan
and the late items of this year's approved plan, from the day after a step's due day — counted on the
工作台 and in the menu's badge, and only for its own chain."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from factories import make_chain_admin, make_platform_admin
from pages import first, select, text_of

from marketplace.extensions import db
from marketplace.services import todo, work_plans
from marketplace.services.chains import chain_by_code
from marketplace.services.work_plans import ItemInput


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 3, 2, 2, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def _item(title):
    return ItemInput(title=title, category="platform", responsible_unit="省经信厅", responsible_person="张伟",
                     start_date=date(2026, 3, 1), end_date=date(2026, 9, 30),
                     milestones=[("方案", date(2026, 3, 10)), ("验收", date(2026, 9, 1))])


@pytest.fixture
def world(ctx):
    manager, other, admin = (make_chain_admin("chain-ai@example.com", "ai"),
                             make_chain_admin("chain-tx@example.com", "textile"), make_platform_admin())
    plans = {}
    for code, who in (("ai", manager), ("textile", other)):
        plan = work_plans.save_key_points(who, chain_by_code(code), 2026, "要点", None)
        for title in ("甲事项", "乙事项"):
            work_plans.add_item(who, chain_by_code(code), 2026, _item(f"{code}{title}"), plan.version)
        work_plans.submit(who, plan, plan.version)
        plans[code] = plan
    db.session.commit()
    return plans, manager, other, admin


def codes(user):
    return {t.code: t.count for t in todo.for_user(user) or []}


def test_the_office_sees_plans_awaiting_approval_and_the_menu_counts_them(world, client, auth):
    plans, manager, other, admin = world
    assert codes(admin).get("plans_awaiting") == 2
    assert "plans_awaiting" not in codes(manager)
    auth.login("root@example.com")
    section = first(client.get("/dashboard"), '[data-todo="plans_awaiting"]')
    assert section is not None and "人工智能产业链 2026 年工作计划" in section.text()
    assert todo.waiting_count(admin) >= 2


def test_a_returned_plan_and_late_items_wait_for_their_chain_only(world, frozen, client, auth):
    plans, manager, other, admin = world
    work_plans.return_plan(admin, plans["ai"], plans["ai"].version, "补充重点地区")
    work_plans.approve(admin, plans["textile"], plans["textile"].version)
    db.session.commit()
    assert codes(manager).get("plans_returned") == 1 and "plans_returned" not in codes(other)
    frozen.move_to(datetime(2026, 3, 10, 15, 0, tzinfo=UTC))  # 23:00 on the due day in China: not late yet
    assert "plan_items_late" not in codes(other)
    frozen.move_to(datetime(2026, 3, 10, 16, 0, tzinfo=UTC))  # the next day in China
    assert codes(other).get("plan_items_late") == 2 and "plan_items_late" not in codes(manager)
    auth.login("chain-tx@example.com")
    section = first(client.get("/dashboard"), '[data-todo="plan_items_late"]')
    assert "textile甲事项" in section.text() and select(section, "[data-overdue]")
    badge = text_of(client.get("/challenges/"), "[data-nav-todo] .badge")
    assert "2" in badge
