"""The 工作台's 待办 for chain admins (their chain) and platform admins (every chain)."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from factories import (
    make_chain_admin,
    make_challenge,
    make_expert,
    make_org,
    make_platform_admin,
    make_project,
    make_proposal,
    make_user,
)
from pages import first, links, select, text_of
from statements import page_statements

from marketplace import clock
from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models import (
    ChallengeState,
    Milestone,
    MilestoneState,
    Objection,
    Organisation,
    OrgStatus,
    ProjectState,
    ProposalState,
    Publicity,
    Review,
    ReviewState,
)

S, P = ChallengeState, ProposalState


def todo_section(client, code: str):
    """One kind of work on the dashboard (its element), or None when it is not shown."""
    return first(client.get("/dashboard"), f'[data-todo="{code}"]')


def count(section) -> str:
    """The number in the section's heading: how much work of that kind is waiting."""
    return text_of(section, "h3 .badge")


def publicity(challenge, ends_on: date) -> Publicity:
    item = Publicity(challenge=challenge, starts_on=ends_on - timedelta(days=7), ends_on=ends_on, text="拟立项公示")
    db.session.add(item)
    db.session.flush()
    return item


@pytest.fixture
def world(ctx):
    """One piece of waiting work of each kind in 人工智能, and a submitted listing in 算力."""
    make_chain_admin("chain-ai@example.com", "ai")
    make_chain_admin("chain-compute@example.com", "compute")
    make_platform_admin("root@example.com")
    make_user("poster@example.com", make_org("发榜企业"))
    make_org("待认证企业", status=OrgStatus.pending)
    ids = {}
    ids["submitted"] = make_challenge(state=S.submitted, title="待审核的榜单").id
    ids["compute"] = make_challenge(state=S.submitted, title="算力链待审核榜单", chain_code="compute").id
    ids["closed"] = make_challenge(state=S.closed, title="已截止待遴选榜单").id

    open_call = make_challenge(title="评审中的榜单")
    proposal = make_proposal(open_call)
    full = make_proposal(open_call)  # three experts: nothing to do
    experts = [make_expert(f"e{i}@example.com") for i in range(5)]
    db.session.add_all([Review(proposal=proposal, expert=experts[0]),
                        Review(proposal=proposal, expert=experts[1], state=ReviewState.recused)]
                       + [Review(proposal=full, expert=e) for e in experts[2:]])
    ids["reviewing"] = open_call.id

    ended = make_challenge(state=S.closed, title="公示期满的榜单")
    make_proposal(ended, state=P.selected)
    publicity(ended, clock.today() - timedelta(days=1))
    ids["ended"] = ended.id

    objected = make_challenge(state=S.closed, title="公示中有异议的榜单")
    make_proposal(objected, state=P.selected)
    pub = publicity(objected, clock.today() + timedelta(days=5))
    db.session.add(Objection(publicity=pub, text="评审过程存在利益冲突，请核查。"))
    db.session.add(Objection(publicity=pub, text="已答复的异议", response="经核查不属实。", responded_at=utcnow()))
    ids["publicity"] = pub.id

    awarded = make_challenge(state=S.awarded, title="实施中的项目榜单")
    won = make_proposal(awarded, state=P.selected)
    project = make_project(won, [Milestone(seq=1, title="样机交付", due_date=clock.today(), state=MilestoneState.submitted,
                                           submitted_at=utcnow(), evidence="样机已交付"),
                                 Milestone(seq=2, title="已由牵头部门确认", due_date=clock.today(),
                                           state=MilestoneState.submitted, submitted_at=utcnow(),
                                           admin_confirmed_at=utcnow())],
                           funding_wan=Decimal("100"), end_date=clock.today() + timedelta(days=365), task_book="任务书",
                           state=ProjectState.in_progress)
    db.session.commit()
    ids["project"], ids["milestone"] = project.id, project.milestones[0].id
    return ids


def test_chain_admin_sees_each_kind_of_work_of_their_chain(client, auth, world):
    auth.login("chain-ai@example.com")
    review = todo_section(client, "review")
    assert "/challenges/review" in links(review) and f"/challenges/{world['submitted']}" in links(review)
    assert "算力链待审核榜单" not in client.get("/dashboard").get_data(as_text=True)
    assert f"/challenges/{world['closed']}/evaluation" in links(todo_section(client, "select"))
    reviewers = todo_section(client, "reviewers")
    assert f"/challenges/{world['reviewing']}/evaluation" in links(reviewers) and "已分配 1 名" in text_of(reviewers)
    assert count(reviewers) == "1"  # the proposal with three experts is not listed
    approve = todo_section(client, "approve")
    assert f"/challenges/{world['ended']}/evaluation" in links(approve) and "公示中有异议的榜单" not in text_of(approve)
    objections = todo_section(client, "objections")
    assert f"/publicity/{world['publicity']}" in links(objections) and count(objections) == "1"
    milestones = todo_section(client, "milestones")
    assert f"/projects/{world['project']}" in links(milestones) and "样机交付" in text_of(milestones)
    assert "已由牵头部门确认" not in text_of(milestones)
    assert todo_section(client, "verify") is None  # the verification queue is the platform admins'


def test_platform_admin_sees_every_chain_and_the_verification_queue(client, auth, world):
    auth.login("root@example.com")
    review = todo_section(client, "review")
    assert "算力链待审核榜单" in text_of(review) and "待审核的榜单" in text_of(review) and count(review) == "2"
    verify = todo_section(client, "verify")
    assert "待认证企业" in text_of(verify) and "/admin/organisations" in links(verify)


def test_other_chains_admin_sees_only_their_own(client, auth, world):
    auth.login("chain-compute@example.com")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "算力链待审核榜单" in html and "待审核的榜单" not in html and "样机交付" not in html


def test_done_work_leaves_the_list(client, auth, world):
    auth.login("chain-ai@example.com")
    assert client.post(f"/projects/{world['project']}/milestones/{world['milestone']}/confirm").status_code == 303
    assert todo_section(client, "milestones") is None
    assert client.post(f"/challenges/{world['submitted']}/approve").status_code in (302, 303)
    assert todo_section(client, "review") is None


def test_nothing_to_do_says_so(client, auth, ctx):
    make_chain_admin("chain-ai@example.com", "ai")
    db.session.commit()
    auth.login("chain-ai@example.com")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "待办" in html and "目前没有待办事项" in html


def test_an_unverified_organisations_user_has_no_todo_list(client, auth, world):
    make_user("waiting@example.com", db.session.scalars(db.select(Organisation).filter_by(name="待认证企业")).one())
    db.session.commit()
    auth.login("waiting@example.com")
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'id="todo-heading"' not in html and "目前没有待办事项" not in html


def test_an_enterprise_poster_has_their_own_list_not_the_chains(client, auth, world):
    auth.login("poster@example.com")
    page = client.get("/dashboard")
    assert first(page, "#todo-heading") is not None and "待审核的榜单" not in page.get_data(as_text=True)


def test_only_a_few_entries_and_the_full_count(client, auth, world):
    for i in range(7):
        make_challenge(state=S.submitted, title=f"批量待审核{i}")
    db.session.commit()
    auth.login("chain-ai@example.com")
    review = todo_section(client, "review")
    assert count(review) == "8"
    assert len([href for href in links(review, "li > a") if re.fullmatch(r"/challenges/\d+", href)]) == 5
    assert "还有 3 项" in text_of(review)


def test_dashboard_queries_do_not_grow_with_the_work(app, client, auth, world):
    """No N+1: twice as much waiting work costs the same number of SQL statements."""
    auth.login("root@example.com")

    def statements() -> int:
        return len(page_statements(client, "/dashboard"))

    statements()  # the first page after login also reads the user's consent, once a session
    before = statements()
    for i in range(4):
        make_challenge(state=S.submitted, title=f"更多待审核{i}", chain_code="compute")
        make_challenge(state=S.closed, title=f"更多待遴选{i}")
        make_proposal(make_challenge(title=f"更多评审{i}"))
        make_org(f"更多待认证{i}", status=OrgStatus.pending)
    db.session.commit()
    assert statements() == before


def every_entry(client, start: str) -> list[str]:
    """The item links of a /todo/<kind> list, following its 下一页 links to the last page."""
    found, url = [], start
    while url and url != "#":
        page = client.get(url)
        assert page.status_code == 200
        found += links(page, "[data-todo-list] li > a")
        url = next((a.attributes.get("href") for a in select(page, ".pagination a.page-link")
                    if a.text(strip=True) == "下一页"), None)
    return found


def test_every_waiting_item_is_reachable_from_the_dashboard(client, auth, world):
    """Issue 12: more work than the 工作台 shows is listed in full, 20 a page, each item linked."""
    closed = [world["closed"]] + [make_challenge(state=S.closed, title=f"批量待遴选{i}").id for i in range(24)]
    db.session.commit()
    auth.login("chain-ai@example.com")
    section = todo_section(client, "select")
    assert count(section) == "25"
    everything = first(section, "[data-todo-all] a")
    assert everything.text(strip=True) == "查看全部（25）"
    assert everything.attributes["href"] == "/todo/select"
    entries = every_entry(client, "/todo/select")
    assert sorted(entries) == sorted(f"/challenges/{i}/evaluation" for i in closed)
    assert len(links(client.get("/todo/select?page=1"), "[data-todo-list] li > a")) == 20
    for past_the_end in ("99", str(10**20)):  # the last page, and no overflow in OFFSET
        assert len(links(client.get(f"/todo/select?page={past_the_end}"), "[data-todo-list] li > a")) == 5


def test_platform_admin_lists_the_whole_verification_queue(client, auth, world):
    orgs = [make_org(f"批量待认证{i}", status=OrgStatus.pending).id for i in range(21)]
    db.session.commit()
    auth.login("root@example.com")
    assert first(todo_section(client, "verify"), "[data-todo-all] a").attributes["href"] == "/todo/verify"
    entries = every_entry(client, "/todo/verify")
    assert len(entries) == 22 and {f"/admin/organisations/{i}" for i in orgs} <= set(entries)


def test_the_full_list_is_only_for_those_with_that_work(client, auth, world):
    auth.login("chain-ai@example.com")
    assert client.get("/todo/verify").status_code == 404  # the verification queue is the platform admins'
    assert client.get("/todo/nonsense").status_code == 404
    auth.logout()
    auth.login("poster@example.com")
    assert client.get("/todo/review").status_code == 404  # the chains' work, not an enterprise's
