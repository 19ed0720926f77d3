"""The annual work plan (工作要点 + 工作清单): written by the chain's department, submitted, approved or
returned by the office; versioned once approved; items 滞后 from the day after a sub-milestone passes
unconfirmed (China's calendar); a chain admin sees only its chain, 链长 / 总链长 read without changing."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from factories import make_chain_admin, make_challenge, make_org, make_platform_admin, make_user
from pages import select, text_of

from marketplace.extensions import db
from marketplace.models import AuditEvent, KeyLink, Notification, PlanState, WorkPlan, WorkPlanItem, WorkPlanRevision
from marketplace.services import plan_progress, work_plans
from marketplace.services.chains import chain_by_code
from marketplace.services.errors import InvalidTransition, PermissionDenied, ServiceError
from marketplace.services.locking import Conflict
from marketplace.services.work_plans import ItemInput

YEAR = 2026
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def frozen():
    # 2026-03-02 10:00 in China.
    with time_machine.travel(datetime(2026, 3, 2, 2, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(ctx):
    people = dict(
        manager=make_chain_admin("chain-ai@example.com", "ai"),
        other=make_chain_admin("chain-tx@example.com", "textile"),
        admin=make_platform_admin(),
        poster=make_user("poster@example.com", make_org("发榜企业")),
        leader=make_user("leader@example.com", make_org("省政府"), leader_chain=chain_by_code("ai")),
        chief=make_user("chief@example.com", make_org("省委"), is_chief_leader=True),
    )
    db.session.commit()
    return people


def item_input(**changes) -> ItemInput:
    values = dict(title="推进高端 AI 芯片流片验证", category="key_link", regions=["武汉市", "襄阳市"],
                  responsible_unit="省经信厅电子信息处", responsible_person="张伟",
                  start_date=date(2026, 3, 1), end_date=date(2026, 10, 31),
                  milestones=[("完成方案论证", date(2026, 3, 20)), ("完成流片", date(2026, 8, 31))])
    return ItemInput(**(values | changes))


def written(manager, year=YEAR, items=1) -> WorkPlan:
    """A draft with 工作要点 and `items` items."""
    chain = chain_by_code("ai")
    plan = work_plans.save_key_points(manager, chain, year, "聚焦算力芯片与大模型应用。", None)
    for n in range(items):
        work_plans.add_item(manager, chain, year, item_input(title=f"事项{n + 1}"), plan.version)
    return plan


def approved(world) -> WorkPlan:
    plan = written(world["manager"])
    work_plans.submit(world["manager"], plan, plan.version)
    work_plans.approve(world["admin"], plan, plan.version)
    db.session.commit()
    return plan


def item_form(plan, **changes) -> dict:
    form = {"title": "建设人工智能公共算力平台", "category": "platform", "regions": ["武汉市"],
            "responsible_unit": "省数据局", "responsible_person": "李娜", "start_date": "2026-03-01",
            "end_date": "2026-12-31", "milestones-0-title": "选址", "milestones-0-due_on": "2026-04-30",
            "milestones-1-title": "上线", "milestones-1-due_on": "2026-11-30", "version": str(plan.version if plan else "")}
    return form | changes


# ----- the state machine ----------------------------------------------------------------------------

def test_draft_submit_approve_notifies_and_records(world):
    plan = written(world["manager"])
    assert plan.state is PlanState.draft
    work_plans.submit(world["manager"], plan, plan.version)
    assert plan.state is PlanState.submitted
    assert db.session.scalar(db.select(Notification).filter_by(user_id=world["admin"].id)).title.endswith("待审批")
    work_plans.approve(world["admin"], plan, plan.version)
    assert plan.state is PlanState.approved and plan.approved_by == world["admin"] and plan.revision_no == 0
    assert db.session.scalar(db.select(Notification).filter_by(user_id=world["manager"].id)).title.endswith("已批准")
    actions = db.session.scalars(db.select(AuditEvent.action).filter_by(subject_type="work_plan")).all()
    assert {"plan_created", "plan_key_points_saved", "plan_item_added", "plan_submitted", "plan_approved"} <= set(actions)


def test_submitting_needs_key_points_and_an_item(world):
    chain = chain_by_code("ai")
    plan = work_plans.save_key_points(world["manager"], chain, YEAR, "", None)
    with pytest.raises(InvalidTransition, match="工作要点"):
        work_plans.submit(world["manager"], plan, plan.version)
    work_plans.save_key_points(world["manager"], chain, YEAR, "要点", plan.version)
    with pytest.raises(InvalidTransition, match="至少要有 1 项"):
        work_plans.submit(world["manager"], plan, plan.version)


def test_return_needs_a_reason_then_the_plan_is_edited_and_resubmitted(world, client, auth):
    plan = written(world["manager"])
    work_plans.submit(world["manager"], plan, plan.version)
    db.session.commit()
    auth.login("root@example.com")
    url = f"/admin/chains/ai/plan/{plan.id}/return"
    response = client.post(url, data={"version": plan.version, "reason": ""})
    assert response.status_code == 400 and "退回须填写原因" in response.get_data(as_text=True)
    db.session.refresh(plan)
    assert plan.state is PlanState.submitted
    response = client.post(url, data={"version": plan.version, "reason": "重点地区不够具体"})
    assert response.status_code == 303
    db.session.refresh(plan)
    assert (plan.state, plan.return_reason) == (PlanState.returned, "重点地区不够具体")
    assert "重点地区不够具体" in db.session.scalar(
        db.select(Notification.body).filter_by(user_id=world["manager"].id))
    work_plans.save_key_points(world["manager"], plan.chain, YEAR, "补充了重点地区。", plan.version)
    work_plans.submit(world["manager"], plan, plan.version)
    assert plan.state is PlanState.submitted and plan.return_reason == ""


def test_while_submitted_the_chain_admin_cannot_edit(world, client, auth):
    plan = written(world["manager"])
    work_plans.submit(world["manager"], plan, plan.version)
    db.session.commit()
    with pytest.raises(InvalidTransition, match="审批完成前不能修改"):
        work_plans.add_item(world["manager"], plan.chain, YEAR, item_input(), plan.version)
    auth.login("chain-ai@example.com")
    page = client.get(f"/admin/chains/ai/plan?year={YEAR}").get_data(as_text=True)
    assert select(page, "[data-plan-item-form]") == [] and "待审批" in text_of(page, "[data-plan-state]")
    response = client.post(f"/admin/chains/ai/plan?year={YEAR}", data={"key_points": "改", "version": plan.version})
    assert response.status_code == 409


def test_only_platform_admins_decide(world):
    plan = written(world["manager"])
    work_plans.submit(world["manager"], plan, plan.version)
    with pytest.raises(PermissionDenied):
        work_plans.approve(world["manager"], plan, plan.version)
    with pytest.raises(PermissionDenied):
        work_plans.return_plan(world["manager"], plan, plan.version, "不行")


def test_a_stale_page_is_refused_with_409_and_the_input_kept(world, client, auth):
    plan = written(world["manager"])
    db.session.commit()
    stale = plan.version
    work_plans.save_key_points(world["manager"], plan.chain, YEAR, "同事刚改过", plan.version)
    db.session.commit()
    auth.login("chain-ai@example.com")
    response = client.post(f"/admin/chains/ai/plan?year={YEAR}", data={"key_points": "我的旧页面", "version": stale})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "已被他人修改" in page and "我的旧页面" in page
    db.session.refresh(plan)
    assert plan.key_points == "同事刚改过"
    with pytest.raises(Conflict):
        work_plans.submit(world["manager"], plan, stale)


# ----- versioning after approval --------------------------------------------------------------------

def test_changes_to_an_approved_plan_need_a_reason_and_keep_the_earlier_version(world, client, auth):
    plan = approved(world)
    with pytest.raises(ServiceError, match="须填写修改原因"):
        work_plans.save_key_points(world["manager"], plan.chain, YEAR, "新要点", plan.version)
    auth.login("chain-ai@example.com")
    response = client.post(f"/admin/chains/ai/plan?year={YEAR}",
                           data={"key_points": "新要点", "version": plan.version, "reason": "省领导调研后调整"})
    assert response.status_code == 303
    db.session.refresh(plan)
    item = plan.items[0]
    response = client.post(f"/admin/chains/ai/plan/items/{item.id}/delete",
                           data={"version": plan.version, "reason": "并入其他事项"})
    assert response.status_code == 303
    db.session.expire_all()
    plan = db.session.get(WorkPlan, plan.id)
    assert plan.revision_no == 2 and plan.key_points == "新要点" and plan.items == []
    first, second = plan.revisions
    assert (first.revision_no, first.reason, first.snapshot["key_points"]) == (1, "省领导调研后调整", "聚焦算力芯片与大模型应用。")
    assert second.snapshot["key_points"] == "新要点" and second.snapshot["items"][0]["title"] == "事项1"
    assert first.author.email == "chain-ai@example.com"
    page = client.get(f"/admin/chains/ai/plan?year={YEAR}").get_data(as_text=True)
    assert [r.attributes["data-revision"] for r in select(page, "[data-revision]")] == ["2", "1"]
    earlier = client.get(f"/admin/chains/ai/plan?year={YEAR}&revision=1").get_data(as_text=True)
    assert "聚焦算力芯片与大模型应用" in text_of(earlier, "[data-earlier-version]")


def test_editing_an_item_of_an_approved_plan_keeps_confirmed_steps(world):
    plan = approved(world)
    item = plan.items[0]
    plan_progress.confirm_milestone(world["manager"], item.milestones[0], date(2026, 3, 1))
    changed = item_input(title="改名", milestones=[("完成方案论证", date(2026, 3, 20)), ("完成流片", date(2026, 9, 30))])
    work_plans.edit_item(world["manager"], item, changed, plan.version, "流片推迟一个月")
    assert item.title == "改名" and item.milestones[0].confirmed_on == date(2026, 3, 1)
    assert item.milestones[1].due_on == date(2026, 9, 30) and plan.revision_no == 1
    assert db.session.scalar(db.select(WorkPlanRevision)).snapshot["items"][0]["milestones"][1]["due_on"] == "2026-08-31"


# ----- validation -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "message"), [
    ({"end_date": date(2026, 2, 1)}, "完成日期不能早于开始日期"),
    ({"milestones": [("只有一个", date(2026, 4, 1))]}, "2—6 个节点"),
    ({"milestones": [(f"节点{n}", date(2026, 4, n)) for n in range(1, 8)]}, "2—6 个节点"),
    ({"milestones": [("太早", date(2026, 2, 1)), ("正常", date(2026, 5, 1))]}, "不在事项起止日期"),
    ({"regions": ["省外"]}, "17 个市州"),
    ({"title": " "}, "请填写事项名称"),
    ({"category": "nonsense"}, "类别"),
])
def test_item_validation_in_chinese(world, changes, message):
    with pytest.raises(ServiceError, match=message):
        work_plans.add_item(world["manager"], chain_by_code("ai"), YEAR, item_input(**changes), None)
    assert db.session.scalar(db.select(db.func.count()).select_from(WorkPlanItem)) == 0


def test_links_must_be_of_the_same_chain_and_year(world):
    mine = KeyLink(chain=chain_by_code("ai"), year=YEAR, segment="高端 AI 芯片")
    theirs = KeyLink(chain=chain_by_code("textile"), year=YEAR, segment="高性能纤维")
    last_year = KeyLink(chain=chain_by_code("ai"), year=YEAR - 1, segment="去年环节")
    db.session.add_all([mine, theirs, last_year])
    other_listing = make_challenge(world["poster"].organisation, chain_code="textile")
    db.session.flush()
    chain = chain_by_code("ai")
    for wrong in (theirs, last_year):
        with pytest.raises(ServiceError, match="只能关联本链"):
            work_plans.add_item(world["manager"], chain, YEAR, item_input(key_link_ids=[wrong.id]), None)
    with pytest.raises(ServiceError, match="只能关联本链的榜单"):
        work_plans.add_item(world["manager"], chain, YEAR, item_input(challenge_ids=[other_listing.id]), None)
    item = work_plans.add_item(world["manager"], chain, YEAR, item_input(key_link_ids=[mine.id]), None)
    assert item.key_links == [mine]


def test_a_bad_item_form_keeps_its_input(world, client, auth):
    auth.login("chain-ai@example.com")
    response = client.post(f"/admin/chains/ai/plan/items?year={YEAR}",
                           data=item_form(None, end_date="2026-02-01", title="保留我的输入"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "完成日期不能早于开始日期" in page and "保留我的输入" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(WorkPlan)) == 0
    response = client.post(f"/admin/chains/ai/plan/items?year={YEAR}", data=item_form(None))
    assert response.status_code == 303
    item = db.session.scalar(db.select(WorkPlanItem))
    assert (item.title, item.regions, len(item.milestones)) == ("建设人工智能公共算力平台", ["武汉市"], 2)


# ----- progress and 滞后 --------------------------------------------------------------------------------

def test_an_item_is_late_the_day_after_a_step_passes_unconfirmed(world, frozen):
    plan = approved(world)
    item = plan.items[0]  # first step due 2026-03-20
    frozen.move_to(datetime(2026, 3, 20, 15, 59, tzinfo=UTC))  # 23:59 on the due day in China
    assert item.progress_on().label == "按期" and plan_progress.counts(plan).late == 0
    frozen.move_to(datetime(2026, 3, 20, 16, 0, tzinfo=UTC))  # 00:00 the next day in China (still the 20th in UTC)
    assert item.progress_on().label == "滞后" and plan_progress.counts(plan).late == 1
    plan_progress.confirm_milestone(world["manager"], item.milestones[0], date(2026, 3, 20))
    assert item.progress_on().label == "按期"


def test_confirm_all_steps_then_complete_with_a_progress_file(world, client, auth):
    plan = approved(world)
    item = plan.items[0]
    with pytest.raises(InvalidTransition, match="未确认"):
        plan_progress.complete(world["manager"], item)
    with pytest.raises(ServiceError, match="不能晚于今天"):
        plan_progress.confirm_milestone(world["manager"], item.milestones[0], date(2026, 3, 3))
    auth.login("chain-ai@example.com")
    for step in item.milestones:
        response = client.post(f"/admin/chains/ai/plan/milestones/{step.id}/confirm", data={"done_on": "2026-03-02"})
        assert response.status_code == 303
    response = client.post(f"/admin/chains/ai/plan/items/{item.id}/progress",
                           data={"note": "流片完成，良率达标", "attachment": (io.BytesIO(PDF), "流片报告.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    assert client.post(f"/admin/chains/ai/plan/items/{item.id}/complete").status_code == 303
    db.session.expire_all()
    item = db.session.get(WorkPlanItem, item.id)
    assert item.completed_on == date(2026, 3, 2) and item.progress_on().label == "已完成"
    note = item.progress_notes[0]
    files = plan_progress.files([note])[note.id]
    assert [f.original_name for f in files] == ["流片报告.pdf"]
    download = client.get(f"/admin/chains/ai/plan/progress/{note.id}/files/{files[0].id}")
    assert download.status_code == 200 and download.data == PDF
    download.close()


def test_progress_is_recorded_only_on_an_approved_plan(world):
    plan = written(world["manager"])
    with pytest.raises(InvalidTransition, match="批准后才能填报进展"):
        plan_progress.add_note(world["manager"], plan.items[0], "进展")


# ----- who sees what ------------------------------------------------------------------------------------

def test_a_chain_admin_sees_only_its_chain(world, client, auth):
    plan = approved(world)
    auth.login("chain-tx@example.com")
    assert client.get(f"/admin/chains/ai/plan?year={YEAR}").status_code == 403
    assert client.post(f"/admin/chains/ai/plan/items/{plan.items[0].id}/complete").status_code == 403
    page = client.get(f"/admin/plans?year={YEAR}").get_data(as_text=True)
    assert [r.attributes["data-chain"] for r in select(page, "[data-chain]")] == ["textile"]
    with pytest.raises(PermissionDenied):
        work_plans.save_key_points(world["other"], chain_by_code("ai"), YEAR, "越权", plan.version)


def test_an_enterprise_gets_nothing_and_a_guest_is_sent_to_login(world, client, auth):
    approved(world)
    assert client.get(f"/admin/chains/ai/plan?year={YEAR}").status_code == 302
    assert client.get("/admin/plans").status_code == 302
    auth.login("poster@example.com")
    assert client.get(f"/admin/chains/ai/plan?year={YEAR}").status_code == 403
    assert client.get("/admin/plans").status_code == 403
    assert client.get("/admin/chains/nope/plan").status_code in (403, 404)


@pytest.mark.parametrize(("email", "chains"), [
    ("leader@example.com", ["ai"]), ("chief@example.com", None)])
def test_chain_leaders_read_without_any_button_and_every_post_refuses_them(world, client, auth, email, chains):
    plan = written(world["manager"])
    work_plans.submit(world["manager"], plan, plan.version)
    db.session.commit()
    auth.login(email)
    page = client.get(f"/admin/chains/ai/plan?year={YEAR}").get_data(as_text=True)
    assert "事项1" in page and select(page, "main form[method=post]") == []
    overview = client.get(f"/admin/plans?year={YEAR}").get_data(as_text=True)
    shown = [r.attributes["data-chain"] for r in select(overview, "[data-chain]")]
    assert shown == chains if chains else len(shown) == 8
    assert select(overview, "main form[method=post]") == []
    for url, data in [(f"/admin/chains/ai/plan/{plan.id}/approve", {"version": plan.version}),
                      (f"/admin/chains/ai/plan?year={YEAR}", {"key_points": "改", "version": plan.version}),
                      (f"/admin/chains/ai/plan/items?year={YEAR}", item_form(plan))]:
        assert client.post(url, data=data).status_code == 403
    db.session.refresh(plan)
    assert plan.state is PlanState.submitted
    if chains:
        assert client.get(f"/admin/chains/textile/plan?year={YEAR}").status_code == 403


def test_the_overview_lets_the_office_approve_and_return(world, client, auth):
    plan = written(world["manager"], items=2)
    work_plans.submit(world["manager"], plan, plan.version)
    db.session.commit()
    auth.login("root@example.com")
    page = client.get(f"/admin/plans?year={YEAR}").get_data(as_text=True)
    row = select(page, '[data-chain="ai"]')[0]
    assert "待审批" in row.text() and len(row.css("form")) == 2
    response = client.post(f"/admin/chains/ai/plan/{plan.id}/approve", data={"version": plan.version, "back": "overview"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/admin/plans?year={YEAR}")
    page = client.get(f"/admin/plans?year={YEAR}").get_data(as_text=True)
    assert "已批准" in text_of(page, '[data-chain="ai"] [data-state]')


def test_the_edit_page_is_filled_in_and_a_bad_edit_keeps_the_input(world, client, auth):
    plan = written(world["manager"])
    db.session.commit()
    item = plan.items[0]
    auth.login("chain-ai@example.com")
    page = client.get(f"/admin/chains/ai/plan/items/{item.id}/edit").get_data(as_text=True)
    form = select(page, f'form[action="/admin/chains/ai/plan/items/{item.id}/edit"]')[0]
    assert form.css_first('input[name="title"]').attributes["value"] == "事项1"
    assert form.css_first('input[name="milestones-1-due_on"]').attributes["value"] == "2026-08-31"
    assert len(form.css('input[name="regions"][checked]')) == 2
    data = item_form(plan, title="改过的名称", **{"milestones-1-title": "", "milestones-1-due_on": "",
                                             "milestones-2-title": "只有名称"})
    response = client.post(f"/admin/chains/ai/plan/items/{item.id}/edit", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "缺少日期" in page and "改过的名称" in page
    db.session.refresh(item)
    assert item.title == "事项1"
    response = client.post(f"/admin/chains/ai/plan/items/{item.id}/edit",
                           data=item_form(plan, **{"milestones-1-title": "", "milestones-1-due_on": ""}))
    assert response.status_code == 400 and "2—6 个节点" in response.get_data(as_text=True)


def test_a_wrong_file_keeps_the_note_unwritten(world, client, auth):
    plan = approved(world)
    item = plan.items[0]
    auth.login("chain-ai@example.com")
    response = client.post(f"/admin/chains/ai/plan/items/{item.id}/progress",
                           data={"note": "阶段进展", "attachment": (io.BytesIO(b"plain text"), "说明.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "阶段进展" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(WorkPlanItem, item.id).progress_notes == []


def test_the_add_form_sent_twice_adds_one_item(world, client, auth):
    auth.login("chain-ai@example.com")
    page = client.get(f"/admin/chains/ai/plan?year={YEAR}").get_data(as_text=True)
    token = select(page, 'form[data-plan-item-form] input[name="submission_token"]')[0].attributes["value"]
    for _ in range(2):
        assert client.post(f"/admin/chains/ai/plan/items?year={YEAR}",
                           data=item_form(None, submission_token=token)).status_code == 303
    assert db.session.scalar(db.select(db.func.count()).select_from(WorkPlanItem)) == 1


def test_a_refused_progress_note_says_why_next_to_its_field(world, client, auth):
    plan = approved(world)
    item = plan.items[0]
    auth.login("chain-ai@example.com")
    response = client.post(f"/admin/chains/ai/plan/items/{item.id}/progress", data={"note": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写进展情况" in text_of(page, "#note-error") and select(page, 'a[href="#note"]')
