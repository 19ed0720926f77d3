"""督办: the 8-chain matrix counts approved plans' items, running and late projects and 督办单; a platform
admin issues a 督办单 on a late item or a running project with a deadline in working days (China's
calendar: 2025-09-29 + 5 is 2025-10-13); the chain's department replies once; overdue ones reach both
工作台 and, once, the inbox; every page is scoped to who reads it."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from factories import (
    make_chain_admin,
    make_challenge,
    make_org,
    make_plan_item,
    make_platform_admin,
    make_poster_and_university,
    make_project,
    make_proposal,
    make_user,
)
from pages import select, text_of
from races import Race, audits, fire

from marketplace import jobs
from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    Milestone,
    Notification,
    OrgType,
    PlanState,
    ProjectState,
    Supervision,
    SupervisionState,
    User,
)
from marketplace.services import supervision as service
from marketplace.services.chains import chain_by_code
from marketplace.services.errors import InvalidTransition, PermissionDenied, ServiceError
from marketplace.workdays import FALLBACK_NOTE

TODAY = date(2026, 12, 3)  # a Thursday; China's calendar covers 2026


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 12, 3, 2, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def world(ctx):
    poster, uni = make_poster_and_university()
    make_chain_admin("chain-ai@example.com", "ai")
    make_chain_admin("chain-tx@example.com", "textile")
    make_platform_admin()
    make_user("leader-ai@example.com", make_org(type=OrgType.government), leader_chain=chain_by_code("ai"))
    make_user("chief@example.com", make_org(type=OrgType.government), is_chief_leader=True)
    db.session.commit()
    return poster, uni


def user(email: str) -> User:
    return db.session.scalar(db.select(User).filter_by(email=email))


def project(poster, uni, state=ProjectState.in_progress, late=True):
    due = TODAY - timedelta(days=3) if late else TODAY + timedelta(days=30)
    return make_project(make_proposal(make_challenge(poster), uni),
                        [Milestone(seq=1, title="样机", due_date=due, fund_share=100)], state=state)


def issued(subject, days=5, on=None) -> Supervision:
    supervision = service.issue(user("root@example.com"), subject, "请说明滞后原因及整改措施。", days)
    if on is not None:
        supervision.issued_on, supervision.reply_due = on, service.reply_due(days, on)
    db.session.commit()
    return supervision


# ----- deadlines in working days (issue 13, item 8) -------------------------------------------------

def test_five_working_days_from_2025_09_29_fall_on_2025_10_13():
    """Does the deadline skip the National Day holiday and count the 调休 Saturday (10-11)?"""
    assert service.reply_due(5, date(2025, 9, 29)) == date(2025, 10, 13)
    assert service.deadline_note(date(2025, 10, 13), date(2025, 9, 29)) == ""


def test_outside_the_calendar_only_weekends_are_skipped_and_the_page_says_so():
    """2030 is not in the official calendar: Friday + 5 working days is the next Friday, with the note."""
    assert service.reply_due(5, date(2030, 1, 4)) == date(2030, 1, 11)
    assert service.deadline_note(date(2030, 1, 11), date(2030, 1, 4)) == FALLBACK_NOTE


def test_a_supervision_issued_on_2025_09_29_is_due_on_2025_10_13(world, client, auth):
    with time_machine.travel(datetime(2025, 9, 29, 2, 0, tzinfo=UTC), tick=False):
        item = make_plan_item(year=2025)  # its first sub-milestone was due yesterday, 2025-09-28
        db.session.commit()
        auth.login("root@example.com")
        page = client.get(f"/admin/supervision/new?item={item.id}")
        assert "最迟于 2025-10-13 答复（含当日）" in text_of(page, "[data-due]")
        response = client.post(f"/admin/supervision/new?item={item.id}",
                               data={"request": "请说明进度滞后原因。", "working_days": "5"})
        assert response.status_code == 303
    supervision = db.session.scalar(db.select(Supervision))
    assert (supervision.issued_on, supervision.reply_due, supervision.year) == (date(2025, 9, 29), date(2025, 10, 13), 2025)


def test_the_form_recomputes_the_date_for_the_days_typed_without_saving(world, client, auth):
    item = make_plan_item()
    db.session.commit()
    auth.login("root@example.com")
    page = client.post(f"/admin/supervision/new?item={item.id}",
                       data={"request": "", "working_days": "10", "preview": "1"})
    assert page.status_code == 200
    assert f"最迟于 {service.reply_due(10, TODAY)} 答复" in text_of(page, "[data-due]")
    assert db.session.scalar(db.select(db.func.count()).select_from(Supervision)) == 0
    assert "请填写督办事项及要求" not in page.get_data(as_text=True)  # the request is asked for when sent
    bad = client.post(f"/admin/supervision/new?item={item.id}", data={"request": "请说明。", "working_days": "31"})
    assert bad.status_code == 400 and "应为 1—30 之间的整数。" in bad.get_data(as_text=True)
    assert "请说明。" in bad.get_data(as_text=True)
    assert "最迟于" not in text_of(bad, "[data-due]")  # no date computed from some other number
    empty = client.post(f"/admin/supervision/new?item={item.id}", data={"request": " ", "working_days": "5"})
    assert empty.status_code == 400 and "请填写督办事项及要求。" in empty.get_data(as_text=True)


# ----- issuing ---------------------------------------------------------------------------------------

def test_issuing_notifies_the_chain_admins_and_is_audited(world, outbox):
    item = make_plan_item()
    supervision = issued(item)
    assert supervision.reply_due == date(2026, 12, 10) and supervision.state is SupervisionState.open
    to = db.session.scalars(db.select(Notification).filter_by(category="supervision")).all()
    assert [n.user.email for n in to] == ["chain-ai@example.com"]
    assert "2026-12-10" in to[0].body and to[0].url == f"/admin/supervision/{supervision.id}"
    assert db.session.scalar(db.select(AuditEvent.action).filter_by(subject_type="supervision")) == "supervision_issued"


def test_issuing_is_refused_on_what_is_not_late_or_not_running(world):
    poster, uni = world
    admin = user("root@example.com")
    refused = {
        "on track": make_plan_item(late=False, title="按期事项"),
        "done": make_plan_item(title="已完成事项", completed_on=TODAY),
        "draft plan": make_plan_item("textile", state=PlanState.submitted),
        "accepted project": project(poster, uni, ProjectState.accepted),
        "terminated project": project(poster, uni, ProjectState.terminated),
    }
    for case, subject in refused.items():
        with pytest.raises(InvalidTransition):
            service.issue(admin, subject, "请说明。", 5)
            pytest.fail(f"issued on {case}")
    for who in ("chain-ai@example.com", "leader-ai@example.com", "chief@example.com"):
        with pytest.raises(PermissionDenied):
            service.issue(user(who), make_plan_item(), "请说明。", 5)
    with pytest.raises(ServiceError, match="1—30"):
        service.issue(admin, make_plan_item(), "请说明。", 0)
    assert service.issue(admin, project(poster, uni, late=False), "请加快进度。", 5).project is not None


def test_the_new_page_says_why_an_item_cannot_be_supervised(world, client, auth):
    item = make_plan_item(late=False)
    db.session.commit()
    auth.login("root@example.com")
    page = client.get(f"/admin/supervision/new?item={item.id}")
    assert "按期，没有滞后" in text_of(page, "[data-refusal]")
    assert not select(page, "form[action*=supervision]") and "发出督办单</button>" not in page.get_data(as_text=True)
    assert select(page, 'a[href^="/admin/supervision"]')  # a way back instead
    response = client.post(f"/admin/supervision/new?item={item.id}", data={"request": "请说明。", "working_days": "5"})
    assert response.status_code == 409 and "请说明。" in text_of(response, "[data-kept]")
    assert client.get("/admin/supervision/new?item=999999").status_code == 404


# ----- replying --------------------------------------------------------------------------------------

def test_the_chain_admin_replies_once_and_the_platform_admins_hear_of_it(world, client, auth):
    supervision = issued(make_plan_item())
    auth.login("chain-ai@example.com")
    page = client.get(f"/admin/supervision/{supervision.id}")
    assert "答复督办单" in page.get_data(as_text=True)
    empty = client.post(f"/admin/supervision/{supervision.id}/reply", data={"reply": "", "version": supervision.version})
    assert empty.status_code == 400 and "请填写答复内容。" in empty.get_data(as_text=True)
    done = client.post(f"/admin/supervision/{supervision.id}/reply",
                       data={"reply": "已召开推进会，12 月底前完成。", "version": supervision.version})
    assert done.status_code == 303
    db.session.refresh(supervision)
    assert supervision.state is SupervisionState.answered and supervision.replied_by.email == "chain-ai@example.com"
    told = db.session.scalars(db.select(Notification).filter_by(category="supervision", user_id=user("root@example.com").id))
    assert [n.body for n in told] == ["已召开推进会，12 月底前完成。"]
    again = client.post(f"/admin/supervision/{supervision.id}/reply", data={"reply": "再答一次", "version": supervision.version})
    assert again.status_code == 409 and "已答复" in again.get_data(as_text=True)
    assert [e.action for e in service.trail(supervision)] == ["supervision_issued", "supervision_replied"]


def test_only_the_chains_department_may_reply(world):
    supervision = issued(make_plan_item())
    for who in ("root@example.com", "chain-tx@example.com", "leader-ai@example.com", "chief@example.com"):
        with pytest.raises(PermissionDenied):
            service.reply(user(who), supervision, supervision.version, "答复")


@pytest.mark.timeout(300)
def test_simultaneous_replies_are_answered_once(app, world):
    """Twenty replies at the same moment (the real race on PostgreSQL): one is recorded, none is a 5xx."""
    supervision = issued(make_plan_item())
    race = Race(f"/admin/supervision/{supervision.id}/reply", ["chain-ai@example.com"], audits("supervision_replied"),
                {"reply": "已部署整改。", "version": str(supervision.version)})
    statuses = fire(app, race)
    db.session.expire_all()
    assert all(status < 500 for status in statuses), statuses
    assert race.effect() == 1 and statuses.count(303) == 1, statuses
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)
                             .filter_by(category="supervision", user_id=user("root@example.com").id)) == 1


# ----- overdue: both 工作台 and, once, the inbox -----------------------------------------------------

def test_overdue_supervisions_are_on_both_todo_lists(world, client, auth):
    late = issued(make_plan_item(title="滞后事项甲"), on=date(2026, 11, 20))  # due 11-27
    issued(make_plan_item(title="刚督办的事项"))
    auth.login("chain-ai@example.com")
    todo = select(client.get("/dashboard"), '[data-todo="supervision_reply"] li')
    assert [e.text(deep=True).split(" · ")[0].strip() for e in todo] == ["滞后事项甲", "刚督办的事项"]
    assert "已逾期 6 天" in todo[0].text(deep=True) and todo[0].css_first("[data-overdue]") is not None
    assert todo[1].css_first("[data-overdue]") is None
    auth.logout()
    auth.login("root@example.com")
    overdue = select(client.get("/dashboard"), '[data-todo="supervision_overdue"] li')
    assert len(overdue) == 1 and "人工智能 · 滞后事项甲" in overdue[0].text(deep=True)
    assert f"/admin/supervision/{late.id}" in overdue[0].html


def test_the_daily_job_reminds_the_chain_admins_once_when_overdue(world):
    supervision = issued(make_plan_item())
    assert jobs.run_due_jobs(supervision.reply_due)["supervision_reminders"] == 0  # due today: not yet overdue
    day_after = supervision.reply_due + timedelta(days=1)
    assert jobs.run_due_jobs(day_after)["supervision_reminders"] == 1
    assert jobs.run_due_jobs(day_after)["supervision_reminders"] == 0
    reminders = db.session.scalars(db.select(Notification).where(Notification.title.startswith("督办单已逾期"))).all()
    assert [n.user.email for n in reminders] == ["chain-ai@example.com"]
    assert [e.action for e in service.trail(supervision)] == ["supervision_issued", "supervision_reminded"]


# ----- the matrix ------------------------------------------------------------------------------------

def _matrix_world(poster, uni):
    make_plan_item(title="滞后一")
    make_plan_item(late=False, title="按期一")
    make_plan_item(title="已完成一", completed_on=TODAY)
    make_plan_item("textile", state=PlanState.returned, title="退回计划的事项")  # not counted
    late_project = project(poster, uni)
    project(poster, uni, late=False)
    project(poster, uni, ProjectState.accepted)
    answered = issued(late_project)
    service.reply(user("chain-ai@example.com"), answered, answered.version, "已整改。")
    issued(make_plan_item(title="滞后二"), on=date(2026, 11, 20))
    db.session.commit()


def _row(page, code):
    return {cell.attributes["data-col"]: int(cell.text(deep=True)) for cell in select(page, f'[data-chain="{code}"] td')}


def test_the_matrix_counts_each_chain_and_the_province(world, client, auth):
    _matrix_world(*world)
    auth.login("root@example.com")
    page = client.get("/admin/supervision?year=2026")
    assert page.status_code == 200 and "只统计已批准的年度工作计划" in page.get_data(as_text=True)
    assert _row(page, "ai") == {"items": 4, "on_track": 1, "late": 2, "done": 1, "projects": 2, "late_projects": 1,
                                "open": 1, "overdue": 1, "answered": 1}
    assert _row(page, "textile") == dict.fromkeys(service.COLUMNS, 0)
    assert _row(page, "total") == _row(page, "ai")
    assert len(select(page, "tbody tr")) == 8 and select(page, "table caption") and select(page, 'th[scope="row"]')
    late_items = client.get("/admin/supervision/list?chain=ai&year=2026&show=late")
    assert [r.css_first("th").text() for r in select(late_items, "[data-item]")] == ["滞后一", "滞后二"]
    assert len(select(late_items, 'a[href^="/admin/supervision/new?item="]')) == 2
    late_projects = client.get("/admin/supervision/list?chain=ai&year=2026&show=late_projects")
    assert len(select(late_projects, "[data-project]")) == 1
    overdue = client.get("/admin/supervision/list?chain=ai&year=2026&show=overdue")
    assert len(select(overdue, "[data-supervision] [data-overdue]")) == 1


def test_every_number_of_the_provinces_total_opens_the_province_wide_list(world, client, auth):
    _matrix_world(*world)
    make_plan_item("quantum", title="量子滞后")
    db.session.commit()
    auth.login("root@example.com")
    page = client.get("/admin/supervision?year=2026")
    links = select(page, '[data-chain="total"] td a')
    assert len(links) == len([c for c, n in _row(page, "total").items() if n])
    for link in links:
        listed = client.get(link.attributes["href"])
        rows = select(listed, "[data-item], [data-project], [data-supervision]")
        assert listed.status_code == 200 and len(rows) == int(link.text()), link.attributes["href"]
    late = client.get("/admin/supervision/list?year=2026&show=late")
    assert sorted(r.css_first("th").text() for r in select(late, "[data-item]")) == ["滞后一", "滞后二", "量子滞后"]
    assert "全省" in text_of(late, "h1") and "量子科技" in text_of(late, "table")
    auth.logout()
    auth.login("chain-ai@example.com")  # the province's lists are for those who see every chain
    assert client.get("/admin/supervision/list?year=2026&show=late").status_code == 404


def test_a_chain_admin_and_a_chain_leader_see_only_their_chain(world, client, auth):
    _matrix_world(*world)
    for who in ("chain-ai@example.com", "leader-ai@example.com"):
        auth.login(who)
        page = client.get("/admin/supervision")
        assert [r.attributes["data-chain"] for r in select(page, "tbody tr")] == ["ai"]
        assert not select(page, '[data-chain="total"]')
        late = client.get("/admin/supervision/list?chain=ai&show=late")
        assert late.status_code == 200 and not select(late, 'a[href^="/admin/supervision/new"]')
        assert client.get("/admin/supervision/list?chain=textile&show=late").status_code == 404
        auth.logout()


def test_the_chief_leader_reads_every_chain_and_changes_nothing(world, client, auth):
    _matrix_world(*world)
    supervision = db.session.scalar(db.select(Supervision).filter_by(state=SupervisionState.open))
    item = make_plan_item(title="另一滞后事项")
    db.session.commit()
    auth.login("chief@example.com")
    assert len(select(client.get("/admin/supervision"), "tbody tr")) == 8
    page = client.get(f"/admin/supervision/{supervision.id}")
    assert page.status_code == 200 and not select(page, "form[action$='/reply']")
    assert client.get(f"/admin/supervision/new?item={item.id}").status_code == 403
    assert client.post(f"/admin/supervision/new?item={item.id}",
                       data={"request": "请说明。", "working_days": "5"}).status_code == 403
    assert client.post(f"/admin/supervision/{supervision.id}/reply",
                       data={"reply": "答复", "version": supervision.version}).status_code == 403


@pytest.mark.parametrize("who, status", [("poster@example.com", 403), ("chain-tx@example.com", 404)])
def test_others_cannot_read_a_supervision(world, client, auth, who, status):
    supervision = issued(make_plan_item())
    auth.login(who)
    assert client.get(f"/admin/supervision/{supervision.id}").status_code == status
    if who == "poster@example.com":
        assert client.get("/admin/supervision").status_code == 403


def test_anonymous_users_are_sent_to_log_in(world, client):
    for url in ("/admin/supervision", "/admin/supervision/1", "/admin/supervision/new?item=1"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# ----- demo data -------------------------------------------------------------------------------------

def _demo_check(expected=3):
    from marketplace.demo.supervision import seed_supervision

    assert seed_supervision(lambda _: None) == expected
    db.session.commit()
    made = db.session.scalars(db.select(Supervision).order_by(Supervision.id)).all()
    assert [(s.year, s.state, s.is_overdue(TODAY)) for s in made] == [
        (2026, SupervisionState.answered, False), (2026, SupervisionState.open, True),
        (2025, SupervisionState.answered, False)][:expected]
    assert made[1].issued_on < TODAY - timedelta(days=7)  # more than five working days ago
    for s in made:  # by the app's rule: late from the day after a due day passed unconfirmed
        late = s.item.late_milestones(s.issued_on) if s.item else service.late_milestones(s.project, s.issued_on)
        assert late, f"{service.subject_title(s)} was not late on {s.issued_on}"
        assert s.replied_at is None or s.replied_at.date() <= TODAY
    return made


def _late_since(item, day):
    item.milestones[0].due_on = day
    return item


def test_the_demo_chases_late_plan_items_when_there_are_plans(world):
    _late_since(make_plan_item(title="滞后甲"), TODAY - timedelta(days=40))
    _late_since(make_plan_item("textile", title="滞后乙"), TODAY - timedelta(days=30))
    _late_since(make_plan_item(year=2025, title="去年的事项"), date(2025, 9, 1))
    made = _demo_check()
    assert [s.item.title for s in made] == ["滞后甲", "滞后乙", "去年的事项"]
    assert made[0].issued_on == TODAY - timedelta(days=21) and made[2].issued_on == date(2025, 9, 15)


def test_the_demo_issues_no_supervision_before_its_subject_is_late(world):
    """A sub-milestone due 11-14 makes its item late from 11-15: a 督办单 planned for 11-12 waits till then."""
    _late_since(make_plan_item(title="滞后甲"), date(2026, 11, 14))
    _late_since(make_plan_item("textile", title="滞后乙"), TODAY - timedelta(days=30))
    _late_since(make_plan_item(year=2025, title="去年的事项"), date(2025, 9, 1))
    from marketplace.demo.supervision import seed_supervision

    seed_supervision(lambda _: None)
    first = db.session.scalar(db.select(Supervision).join(Supervision.item).filter_by(title="滞后甲"))
    assert first.issued_on == date(2026, 11, 15)


def test_the_demo_chases_running_projects_made_late_without_plans(world):
    poster, uni = world
    first, second = project(poster, uni, late=False), project(poster, uni, late=False)
    project(poster, uni, ProjectState.accepted)
    made = _demo_check(expected=2)  # no project was late last year: no 督办单 of last year
    assert [s.project for s in made[:2]] == [first, second]
    assert all(service.late_milestones(p, TODAY) for p in (first, second))
