"""What a reviewer found on the annual work plan pages, each pinned: a form sent back after a refusal
keeps the version its page was based on (no lost update), only the chain's managers get the edit form,
按期 / 滞后 are counted for an approved plan only (one rule: plan_progress.counts_progress), every
problem of an item form is shown at once, 确认完成's refusal is summarised at the top, no inline style,
an earlier version is read-only, and every id on the plan page is unique."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from factories import make_chain_admin, make_org, make_platform_admin, make_user
from pages import select, text_of
from test_work_plans import YEAR, approved, item_form, item_input, written

from marketplace.extensions import db
from marketplace.services import plan_progress, work_plans
from marketplace.services.chains import chain_by_code
from marketplace.services.errors import ServiceError
from marketplace.services.reports import content as report_content
from marketplace.services.reports.record import plan_record

PAGE = f"/admin/chains/ai/plan?year={YEAR}"


@pytest.fixture(autouse=True)
def frozen():
    # 2026-03-02 10:00 in China, as in test_work_plans (whose helpers build the plans here).
    with time_machine.travel(datetime(2026, 3, 2, 2, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(ctx):
    people = dict(manager=make_chain_admin("chain-ai@example.com", "ai"), admin=make_platform_admin(),
                  leader=make_user("leader@example.com", make_org("省政府"), leader_chain=chain_by_code("ai")),
                  chief=make_user("chief@example.com", make_org("省委"), is_chief_leader=True))
    db.session.commit()
    return people


def returned(world):
    plan = written(world["manager"])
    work_plans.submit(world["manager"], plan, plan.version)
    work_plans.return_plan(world["admin"], plan, plan.version, "重点地区不够具体")
    db.session.commit()
    return plan


def version_in(page, form_label) -> str:
    return select(page, f'form[aria-label="{form_label}"] input[name="version"]')[0].attributes["value"]


# ----- 1. a refused form keeps its own version ----------------------------------------------------------

def test_a_second_save_after_a_conflict_is_refused_again(world, client, auth):
    plan = written(world["manager"])
    db.session.commit()
    item, stale = plan.items[0], plan.version
    auth.login("chain-ai@example.com")
    url = f"/admin/chains/ai/plan/items/{item.id}/edit"
    assert client.post(url, data=item_form(plan, title="A 的修改")).status_code == 303  # tab A
    response = client.post(url, data=item_form(None, title="B 的修改", version=str(stale)))  # tab B
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "已被他人修改" in page
    assert version_in(page, "修改事项") == str(stale)
    again = client.post(url, data=item_form(None, title="B 的修改", version=version_in(page, "修改事项")))
    assert again.status_code == 409
    db.session.refresh(item)
    assert item.title == "A 的修改"


def test_the_key_points_and_add_forms_keep_their_version_too(world, client, auth):
    plan = written(world["manager"])
    db.session.commit()
    stale = plan.version
    auth.login("chain-ai@example.com")
    assert client.post(PAGE, data={"key_points": "A 的要点", "version": stale}).status_code == 303
    response = client.post(PAGE, data={"key_points": "B 的要点", "version": stale})
    assert response.status_code == 409 and version_in(response.get_data(as_text=True), "编辑工作要点") == str(stale)
    response = client.post(f"/admin/chains/ai/plan/items?year={YEAR}", data=item_form(None, version=str(stale)))
    assert response.status_code == 409 and version_in(response.get_data(as_text=True), "添加事项") == str(stale)


def test_a_refused_return_keeps_its_version(world, client, auth):
    plan = written(world["manager"])
    work_plans.submit(world["manager"], plan, plan.version)
    db.session.commit()
    auth.login("root@example.com")
    stale = plan.version - 1
    response = client.post(f"/admin/chains/ai/plan/{plan.id}/return", data={"version": stale, "reason": "不够具体"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert select(page, 'form[action$="/return"] input[name="version"]')[0].attributes["value"] == str(stale)


# ----- 2. the edit form is for the managers -------------------------------------------------------------

def test_leaders_do_not_get_the_edit_form(world, client, auth):
    plan = written(world["manager"])
    db.session.commit()
    for email in ("leader@example.com", "chief@example.com"):
        auth.login(email)
        response = client.get(f"/admin/chains/ai/plan/items/{plan.items[0].id}/edit")
        assert response.status_code == 403 and "保存修改" not in response.get_data(as_text=True), email
        auth.logout()
    auth.login("chain-ai@example.com")
    assert "保存修改" in client.get(f"/admin/chains/ai/plan/items/{plan.items[0].id}/edit").get_data(as_text=True)


# ----- 3. one rule for the counts -----------------------------------------------------------------------

def test_a_returned_plan_is_never_counted_as_on_track(world, client, auth):
    plan = returned(world)
    assert not plan_progress.counts_progress(plan) and not plan_progress.counts(plan).counted
    auth.login("chain-ai@example.com")
    hub = text_of(client.get(f"/governance/?year={YEAR}").get_data(as_text=True), "[data-chain=ai] [data-plan-state]")
    assert "已退回" in hub and "清单 1 项（未批准，不计进度）" in hub and "按期" not in hub
    page = client.get(PAGE).get_data(as_text=True)
    assert "未批准，不计进度" in text_of(page, "[data-plan-state]") and "按期" not in text_of(page, "[data-plan-state]")
    auth.logout()
    auth.login("root@example.com")
    overview = client.get(f"/admin/plans?year={YEAR}").get_data(as_text=True)
    row = text_of(overview, "tr[data-chain=ai]")
    assert "未批准，不计进度" in row and "重点地区不够具体" in row
    record = plan_record(chain_by_code("ai"), YEAR, date(2026, 3, 2))
    assert not record.counted and record.items[0].progress is None
    section = report_content._plan(type("Content", (), {"plan": record})())
    assert "未批准，不计进度" in section.note and "无滞后事项" not in section.note
    report = client.get(f"/chains/ai/report/{YEAR}").get_data(as_text=True)
    assert "未批准，不计进度" in report


def test_an_approved_plan_is_still_counted(world):
    plan = approved(world)
    found = plan_progress.counts(plan)
    assert found.counted and (found.total, found.on_track) == (1, 1)
    assert plan_record(chain_by_code("ai"), YEAR, date(2026, 3, 2)).counted


# ----- 4. every problem at once ---------------------------------------------------------------------------

def test_an_empty_item_form_lists_every_problem(world, client, auth):
    plan = approved(world)
    auth.login("chain-ai@example.com")
    empty = {"version": plan.version}
    page = client.post(f"/admin/chains/ai/plan/items?year={YEAR}", data=empty).get_data(as_text=True)
    summary = text_of(page, "[data-plan-item-form] [data-error-summary]")
    for expected in ("事项名称", "类别", "责任单位", "责任人", "开始日期", "完成日期", "2—6 个节点", "修改原因"):
        assert expected in summary, expected


def test_end_before_start_the_node_count_and_the_reason_come_together(world, client, auth):
    plan = approved(world)
    auth.login("chain-ai@example.com")
    form = item_form(plan, start_date="2026-05-01", end_date="2026-04-01", **{"milestones-1-title": "",
                                                                               "milestones-1-due_on": ""})
    response = client.post(f"/admin/chains/ai/plan/items?year={YEAR}", data=form)
    summary = text_of(response.get_data(as_text=True), "[data-plan-item-form] [data-error-summary]")
    assert response.status_code == 400
    assert "完成日期不能早于开始日期" in summary and "现有 1 个" in summary and "须填写修改原因" in summary
    assert len(plan.items) == 1


def test_a_node_with_a_date_but_no_name_is_an_error_on_its_row(world, client, auth):
    written(world["manager"])
    db.session.commit()
    plan = work_plans.plan_for(chain_by_code("ai"), YEAR)
    auth.login("chain-ai@example.com")
    form = item_form(plan, **{"milestones-1-title": "", "milestones-2-due_on": "2026-06-30"})
    response = client.post(f"/admin/chains/ai/plan/items?year={YEAR}", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "第 2 个节点名称：请填写节点名称" in text_of(page, "[data-plan-item-form] [data-error-summary]")
    assert "第 3 个节点名称：请填写节点名称" in text_of(page, "[data-plan-item-form] [data-error-summary]")


def test_the_service_reports_every_problem_with_its_field(world):
    try:
        work_plans.add_item(world["manager"], chain_by_code("ai"), YEAR,
                            item_input(title="", end_date=date(2026, 2, 1), milestones=[]), None)
    except ServiceError as error:
        assert [f for f, _ in error.problems] == ["title", "end_date", "milestones"]
    else:
        raise AssertionError("refused")


# ----- 5. 确认完成 refused: the summary at the top ---------------------------------------------------------

def test_a_future_completion_date_is_summarised_at_the_top(world, client, auth):
    plan = approved(world)
    step = plan.items[0].milestones[0]
    auth.login("chain-ai@example.com")
    response = client.post(f"/admin/chains/ai/plan/milestones/{step.id}/confirm", data={"done_on": "2026-12-01"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    summary = select(page, "[data-error-summary]")[0]
    assert "完成日期不能晚于今天" in summary.text() and summary.css_first("a").attributes["href"] == f"#done-{step.id}"
    assert page.index("data-error-summary") < page.index('id="points-heading"')
    assert "完成日期不能晚于今天" in text_of(page, f"#done-{step.id}-error")


# ----- 6. no inline style ---------------------------------------------------------------------------------

def test_no_template_has_an_inline_style():
    templates = Path(__file__).resolve().parents[2] / "marketplace" / "templates"
    found = [str(p.relative_to(templates)) for p in templates.rglob("*.html")
             if re.search(r"<[a-zA-Z][^<>]*\sstyle\s*=", p.read_text(encoding="utf-8"))]
    assert found == []


# ----- 7. the earlier version is read-only ----------------------------------------------------------------

def test_an_earlier_version_shows_no_editing_control(world, client, auth):
    plan = approved(world)
    work_plans.save_key_points(world["manager"], chain_by_code("ai"), YEAR, "新要点", plan.version, "计划顺延一个月。")
    db.session.commit()
    auth.login("chain-ai@example.com")
    current = client.get(PAGE).get_data(as_text=True)
    assert all(label in current for label in ("保存工作要点", "确认完成", "记录进展", "删除事项", "添加事项</button>"))
    earlier = client.get(PAGE + "&revision=1").get_data(as_text=True)
    assert not any(label in earlier for label in ("保存工作要点", "确认完成", "记录进展", "删除事项", "修改事项", "添加事项</button>"))
    assert "顺延一个月。 " in text_of(earlier, "[data-earlier-version]") + " " and "。。" not in earlier


def test_sentence_adds_a_full_stop_only_when_missing():
    assert work_plans.sentence("顺延一个月") == "顺延一个月。"
    assert work_plans.sentence("顺延一个月。") == "顺延一个月。"
    assert work_plans.sentence("为什么？") == "为什么？"


# ----- 8. the smaller ones ------------------------------------------------------------------------------

def test_every_id_on_the_plan_page_is_unique(world, client, auth):
    plan = approved(world)
    auth.login("chain-ai@example.com")
    for url in (PAGE, f"/admin/chains/ai/plan/items/{plan.items[0].id}/edit"):
        page = client.get(url).get_data(as_text=True)
        ids = [n.attributes["id"] for n in select(page, "[id]")]
        assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
        for label in select(page, "label[for]"):  # every label points at a control of its own form
            assert select(page, f'[id="{label.attributes["for"]}"]'), label.attributes["for"]


def test_the_overview_return_field_leaves_the_message_to_the_server(world, client, auth):
    plan = written(world["manager"])
    work_plans.submit(world["manager"], plan, plan.version)
    db.session.commit()
    auth.login("root@example.com")
    page = client.get(f"/admin/plans?year={YEAR}").get_data(as_text=True)
    form = select(page, f'form[action="/admin/chains/ai/plan/{plan.id}/return"]')[0]
    assert "novalidate" in form.attributes and "required" not in select(page, "#reason-ai")[0].attributes


def test_the_progress_file_says_its_limit_and_a_late_step_says_so(world, client, auth, frozen):
    plan = approved(world)
    step = plan.items[0].milestones[0]  # due 2026-03-20
    frozen.move_to(datetime(2026, 3, 25, 2, 0, tzinfo=UTC))
    plan_progress.confirm_milestone(world["manager"], step, date(2026, 3, 24))
    db.session.commit()
    auth.login("chain-ai@example.com")
    page = client.get(PAGE).get_data(as_text=True)
    assert "不超过 10 MB" in page
    assert "逾期完成（应于 2026-03-20 完成）" in text_of(page, f'[data-milestone="{step.id}"]')
