"""The 工作台's 待办 for every role (issue: 待办 for every role): an enterprise's confirmations,
shortlists, questions and returned listings; an institution's consortium invitations, drafts,
projects to start and milestones due, overdue or returned; an expert's reviews, overdue first — each
linked to its page, counted on the 工作台 and in the menu, gone once done, and only for its owner."""
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from factories import (
    make_challenge,
    make_expert,
    make_org,
    make_org_with_user,
    make_project,
    make_proposal,
    make_user,
)
from pages import first, links, select, text_of
from statements import page_statements

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models import (
    ChallengeMode,
    ChallengeQuestion,
    ChallengeState,
    ConsortiumMember,
    Milestone,
    MilestoneState,
    OrgRole,
    OrgStatus,
    OrgType,
    ProjectState,
    Proposal,
    ProposalState,
    Review,
    User,
)
from marketplace.services import todo

S, P, M = ChallengeState, ProposalState, MilestoneState
TODAY = date(2026, 12, 3)  # China date of the frozen clock below


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 12, 3, 2, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def todo_section(client, code: str):
    return first(client.get("/dashboard"), f'[data-todo="{code}"]')


def count(section) -> str:
    return text_of(section, "h3 .badge")


def menu_badge(client, url: str = "/challenges/") -> str:
    """The 工作台 badge of the menu as a screen reader reads it ("" without one)."""
    return text_of(client.get(url), "[data-nav-todo] .badge")


def running_project(challenge, org, milestones, state=ProjectState.in_progress):
    proposal = make_proposal(challenge, org, state=P.selected)
    challenge.state = S.awarded
    return make_project(proposal, milestones, state=state)


@pytest.fixture
def world(ctx):
    """发榜企业 (poster@, colleague@) and 华楚理工大学 (uni@) with one piece of work of each kind; a rival
    enterprise and a rival university with none; an expert with two reviews."""
    poster = make_org_with_user("poster@example.com", "发榜企业")
    make_user("colleague@example.com", poster, role=OrgRole.member)
    uni = make_org_with_user("uni@example.com", "华楚理工大学", type=OrgType.university)
    make_org_with_user("rival@example.com", "另一家企业")
    make_org_with_user("rival-uni@example.com", "另一所大学", type=OrgType.university)
    ids = {}

    awarded = make_challenge(poster, title="液冷项目榜单")
    project = running_project(awarded, uni, [
        Milestone(seq=1, title="样机交付", due_date=TODAY, state=M.submitted, submitted_at=utcnow(), evidence="样机"),
        Milestone(seq=2, title="中试验证", due_date=TODAY + timedelta(days=3)),
        Milestone(seq=3, title="被退回的里程碑", due_date=TODAY + timedelta(days=90), state=M.rejected,
                  rejection_reason="测试数据不全，请补充热阻曲线。"),
        Milestone(seq=4, title="远期里程碑", due_date=TODAY + timedelta(days=200))])
    ids["project"] = project.id
    ids["submitted"], ids["due"], ids["rejected"] = (m.id for m in project.milestones[:3])

    early = make_challenge(poster, state=S.closed, title="提前截止的榜单", deadline=TODAY + timedelta(days=20),
                           closed_on=TODAY - timedelta(days=2))
    ids["to_shortlist"] = make_proposal(early, uni).id

    published = make_challenge(poster, title="揭榜中的榜单")
    question = ChallengeQuestion(challenge=published, question="冷板材料是否限定为铜？", asked_by_id=None)
    answered = ChallengeQuestion(challenge=published, question="已答复的问题", answer="不限定。", answered_at=utcnow())
    db.session.add_all([question, answered])
    ids["published"] = published.id

    returned = make_challenge(poster, state=S.returned, title="被退回的榜单", return_reason="预算说明不足。")
    ids["returned"] = returned.id

    joint = make_challenge(title="联合攻关榜单", mode=ChallengeMode.joint)
    lead = make_proposal(joint, state=P.draft)
    db.session.add(ConsortiumMember(proposal=lead, organisation=uni, role="传热实验"))
    ids["joint_proposal"] = lead.id

    ids["draft"] = make_proposal(make_challenge(title="草稿方案的榜单", deadline=TODAY + timedelta(days=9)), uni,
                                 state=P.draft).id
    ids["approved_project"] = running_project(make_challenge(title="待启动项目榜单"), uni, 1,
                                              state=ProjectState.approved).id

    expert = make_expert("expert@example.com")
    closed = make_challenge(state=S.closed, title="已截止待评审榜单", deadline=TODAY - timedelta(days=3))
    open_ = make_challenge(title="评审中的榜单", deadline=TODAY + timedelta(days=10))
    closed_proposal, open_proposal = make_proposal(closed), make_proposal(open_)
    # Each review is due on its own date, whatever the listing's deadline: the one on the listing that
    # closed three days ago is not late yet; the one on the listing still open is.
    late = Review(proposal=open_proposal, expert=expert, due_on=TODAY - timedelta(days=3))
    soon = Review(proposal=closed_proposal, expert=expert, due_on=TODAY + timedelta(days=10))
    db.session.add_all([late, soon])
    db.session.commit()
    ids["question"] = question.id
    ids["late_review"], ids["soon_review"] = late.id, soon.id
    return ids


# ----- an enterprise member ----------------------------------------------------------------------

def test_enterprise_sees_its_work_each_linked_where_it_is_done(client, auth, world):
    auth.login("colleague@example.com")  # any member of the organisation, not only its admin
    confirm = todo_section(client, "confirm")
    assert links(confirm, "li > a") == [f"/projects/{world['project']}"]
    assert "样机交付" in text_of(confirm) and f"计划 {TODAY} 完成" in text_of(confirm)
    shortlist = todo_section(client, "shortlist")
    assert links(shortlist, "li > a") == [f"/proposals/{world['to_shortlist']}"]
    # closed early: the day it actually closed, and the deadline it had
    assert f"已于 {TODAY - timedelta(days=2)} 提前截止（原定 {TODAY + timedelta(days=20)}）" in text_of(shortlist)
    questions = todo_section(client, "questions")
    assert links(questions, "li > a") == [f"/challenges/{world['published']}#qa"] and count(questions) == "1"
    assert "冷板材料是否限定为铜" in text_of(questions)
    returned = todo_section(client, "returned")
    assert links(returned, "li > a") == [f"/challenges/{world['returned']}"] and "预算说明不足" in text_of(returned)
    assert text_of(client.get("/dashboard"), "#todo-heading .badge") == "4"
    assert menu_badge(client) == "4 项待办"
    assert todo_section(client, "consortium") is None and todo_section(client, "milestones") is None


def test_enterprise_work_leaves_the_list_once_done(client, auth, world):
    auth.login("poster@example.com")
    assert client.post(f"/projects/{world['project']}/milestones/{world['submitted']}/confirm").status_code == 303
    assert todo_section(client, "confirm") is None
    assert client.post(f"/proposals/{world['to_shortlist']}/shortlist").status_code == 303
    assert todo_section(client, "shortlist") is None
    answer = f"/challenges/{world['published']}/questions/{world['question']}/answer"
    assert client.post(answer, data={"answer": "不限定材料。"}).status_code == 303
    assert todo_section(client, "questions") is None
    assert client.post(f"/challenges/{world['returned']}/submit").status_code == 303
    assert todo_section(client, "returned") is None
    assert menu_badge(client) == ""
    assert first(client.get("/dashboard"), '[data-todo="none"]') is not None


# ----- an institution member ---------------------------------------------------------------------

def test_institution_sees_its_work_each_linked_where_it_is_done(client, auth, world):
    auth.login("uni@example.com")
    consortium = todo_section(client, "consortium")
    assert links(consortium, "li > a") == [f"/proposals/{world['joint_proposal']}"] and "邀请" in text_of(consortium)
    drafts = todo_section(client, "drafts")
    assert links(drafts, "li > a") == [f"/proposals/{world['draft']}"]
    assert f"揭榜截止 {TODAY + timedelta(days=9)}" in text_of(drafts)
    start = todo_section(client, "start")
    assert links(start, "li > a") == [f"/projects/{world['approved_project']}"]
    due = todo_section(client, "due")
    assert links(due, "li > a") == [f"/projects/{world['project']}"]
    assert "中试验证" in text_of(due) and "远期里程碑" not in text_of(due)  # due in 3 days, not in 200
    rejected = todo_section(client, "rejected")
    assert "被退回的里程碑" in text_of(rejected) and "请补充热阻曲线" in text_of(rejected)
    assert menu_badge(client) == "5 项待办"
    assert todo_section(client, "confirm") is None  # the enterprise's, not the solver's


def test_an_overdue_milestone_says_so(client, auth, world, frozen):
    auth.login("uni@example.com")
    assert f"到期 {TODAY + timedelta(days=3)}" in text_of(todo_section(client, "due"))
    assert first(todo_section(client, "due"), "[data-overdue]") is None
    frozen.move_to(datetime(2026, 12, 8, 2, 0, tzinfo=UTC))  # two days past the due date
    auth.login("uni@example.com")  # days idle: the session ended (auth/idle.py)
    due = todo_section(client, "due")
    assert f"已逾期 2 天（到期 {TODAY + timedelta(days=3)}）" in text_of(due, "[data-overdue]")


def test_institution_work_leaves_the_list_once_done(client, auth, world):
    auth.login("uni@example.com")
    member = db.session.scalars(db.select(ConsortiumMember)).one()
    assert client.post(f"/proposals/{world['joint_proposal']}/members/{member.id}/accept").status_code == 303
    assert todo_section(client, "consortium") is None
    assert client.post(f"/proposals/{world['draft']}/submit").status_code == 303
    assert todo_section(client, "drafts") is None
    assert client.post(f"/projects/{world['approved_project']}/start").status_code == 303
    assert todo_section(client, "start") is None
    for milestone, name in (("due", "中试验证"), ("rejected", "被退回的里程碑")):
        url = f"/projects/{world['project']}/milestones/{world[milestone]}/submit"
        assert client.post(url, data={"evidence": "已完成，见附件。"}).status_code == 303
        assert name not in client.get("/dashboard").get_data(as_text=True)
    assert todo_section(client, "rejected") is None
    # the project just started has its first milestone due in 5 days: now the one thing waiting
    assert links(todo_section(client, "due"), "li > a") == [f"/projects/{world['approved_project']}"]
    assert menu_badge(client) == "1 项待办"


def test_a_draft_past_its_deadline_is_no_longer_work(client, auth, world, frozen):
    frozen.move_to(datetime(2026, 12, 13, 2, 0, tzinfo=UTC))  # the draft's listing closed on the 12th
    auth.login("uni@example.com")
    assert todo_section(client, "drafts") is None


# ----- an expert ---------------------------------------------------------------------------------

def test_expert_sees_assigned_reviews_overdue_first(client, auth, world):
    auth.login("expert@example.com")
    reviews = todo_section(client, "reviews")
    assert links(reviews, "li > a") == [f"/reviews/{world['late_review']}", f"/reviews/{world['soon_review']}"]
    first_line, second_line = (text_of(li) for li in select(reviews, "li"))
    assert f"已逾期 3 天（截止 {TODAY - timedelta(days=3)}）" in first_line
    assert len(select(reviews, "[data-overdue]")) == 1  # shown as a warning; the other is not late yet
    assert f"截止 {TODAY + timedelta(days=10)}" in second_line and "逾期" not in second_line
    assert "/reviews/" in links(reviews, "h3 a") and count(reviews) == "2"
    assert menu_badge(client) == "2 项待办"


def test_a_submitted_review_leaves_the_list(client, auth, world):
    auth.login("expert@example.com")
    scores = {f"c{i}": "80" for i in range(5)} | {"comment": "方案可行，团队扎实。"}
    assert client.post(f"/reviews/{world['late_review']}", data=scores).status_code == 303
    reviews = todo_section(client, "reviews")
    assert links(reviews, "li > a") == [f"/reviews/{world['soon_review']}"] and menu_badge(client) == "1 项待办"


def test_the_reviews_list_is_for_experts(client, auth, world):
    """Every acting user's 待办 holds the reviews kind (so the menu asks no committee on each page), but
    its page is an expert's: anyone else is answered 404, as for any kind that is not theirs."""
    auth.login("uni@example.com")
    assert client.get("/todo/reviews").status_code == 404
    auth.login("expert@example.com")
    assert client.get("/todo/reviews").status_code == 200


def test_a_draft_does_not_count_as_answering_the_listing(client, auth, world):
    auth.login("uni@example.com")
    challenge_id = db.session.get(Proposal, world["draft"]).challenge_id
    text = client.get(f"/challenges/{challenge_id}").get_data(as_text=True)
    assert "尚未提交" in text and "已对该榜单揭榜" not in text


# ----- who sees what ------------------------------------------------------------------------------

def test_other_organisations_see_none_of_it(client, auth, world):
    for email in ("rival@example.com", "rival-uni@example.com"):
        auth.login(email)
        page = client.get("/dashboard")
        assert first(page, '[data-todo="none"]') is not None, email
        assert menu_badge(client) == ""
        for kind in ("confirm", "consortium", "drafts"):
            assert "华楚理工大学" not in client.get(f"/todo/{kind}").get_data(as_text=True)
        auth.logout()


def test_pending_and_disabled_accounts_have_no_todo(client, auth, world):
    pending = make_org("待认证大学", type=OrgType.university, status=OrgStatus.pending)
    make_user("pending@example.com", pending)
    uni_user = db.session.scalars(db.select(User).filter_by(email="uni@example.com")).one()
    assert todo.waiting_count(uni_user) == 5
    uni_user.is_enabled = False
    assert todo.for_user(uni_user) is None and todo.waiting_count(uni_user) == 0
    db.session.commit()
    auth.login("pending@example.com")
    page = client.get("/dashboard")
    assert first(page, "#todo-heading") is None and text_of(page, "[data-nav-todo] .badge") == ""
    assert client.get("/todo/drafts").status_code == 404


def test_the_list_of_one_kind_pages_through_everything(client, auth, world):
    drafts = [world["draft"]] + [make_proposal(make_challenge(title=f"批量草稿{i}"), _uni(), state=P.draft).id
                                 for i in range(21)]
    db.session.commit()
    auth.login("uni@example.com")
    assert first(todo_section(client, "drafts"), "[data-todo-all] a").attributes["href"] == "/todo/drafts"
    found, url = [], "/todo/drafts"
    while url and url != "#":
        page = client.get(url)
        found += links(page, "[data-todo-list] li > a")
        url = next((a.attributes.get("href") for a in select(page, ".pagination a.page-link")
                    if a.text(strip=True) == "下一页"), None)
    assert sorted(found) == sorted(f"/proposals/{i}" for i in drafts)


def _uni():
    return db.session.scalars(db.select(User).filter_by(email="uni@example.com")).one().organisation


# ----- what the menu costs ------------------------------------------------------------------------



def test_the_menu_count_is_one_statement_that_does_not_grow(client, auth, world):
    """Anonymous pages ask nothing; a logged-in page asks every count in one statement (measured when
    the badge came: /challenges/ went from 8 to 9 statements for a logged-in user, 4 anonymous)."""
    def counting(found):  # only the 待办 counts read consortium members on these pages
        return [s for s in found if "consortium_member" in s]

    assert counting(page_statements(client, "/challenges/")) == []
    auth.login("uni@example.com")
    assert len(counting(page_statements(client, "/challenges/"))) == 1
    before = page_statements(client, "/auth/password")
    assert len(counting(before)) == 1
    for i in range(3):
        make_proposal(make_challenge(title=f"更多草稿{i}"), _uni(), state=P.draft)
    db.session.commit()
    assert len(page_statements(client, "/auth/password")) == len(before) and menu_badge(client) == "8 项待办"
    dashboard = page_statements(client, "/dashboard")
    assert len(counting(dashboard)) == 1  # the 工作台's own list query: the menu reuses its total


def test_dashboard_queries_do_not_grow_with_each_roles_work(client, auth, world):
    auth.login("poster@example.com")
    page_statements(client, "/dashboard")  # the first page after login also reads the user's consent, once a session
    before = len(page_statements(client, "/dashboard"))
    for i in range(3):
        poster = db.session.scalars(db.select(User).filter_by(email="poster@example.com")).one()
        challenge = make_challenge(poster.organisation, title=f"更多答疑{i}")
        db.session.add(ChallengeQuestion(challenge=challenge, question=f"问题{i}"))
    db.session.commit()
    assert len(page_statements(client, "/dashboard")) == before
