"""Expert review with conflict-of-interest checks, rubric arithmetic, score export, selection and 公示."""
import io
from datetime import timedelta

import pytest
from factories import make_chain_admin, make_challenge, make_expert, make_org, make_poster_and_university, make_proposal
from openpyxl import load_workbook
from pages import links, select, text_of, texts

from marketplace import clock, workdays
from marketplace.extensions import db
from marketplace.models import (
    ChallengeState,
    ConsortiumMember,
    MemberState,
    OrgType,
    Proposal,
    ProposalState,
    Publicity,
    Review,
    ReviewState,
)
from marketplace.services import reviews, selection

S, P = ChallengeState, ProposalState


@pytest.fixture
def world(ctx):
    poster, uni = make_poster_and_university()
    partner = make_org("联合体研究院", type=OrgType.institute)
    make_chain_admin("chain-ai@example.com", "ai")
    experts = [make_expert(f"e{i}@example.com") for i in range(3)]
    own = make_expert("own@example.com", org=uni)           # same organisation as the applicant
    poster_expert = make_expert("poster-expert@example.com", org=poster)
    partner_expert = make_expert("partner-expert@example.com", org=partner)
    challenge = make_challenge(poster, S.published)
    proposal = make_proposal(challenge, uni)
    db.session.add(ConsortiumMember(proposal=proposal, organisation=partner, state=MemberState.accepted))
    db.session.commit()
    return {"challenge": challenge.id, "proposal": proposal.id, "experts": [e.id for e in experts],
            "own": own.id, "poster_expert": poster_expert.id, "partner_expert": partner_expert.id}


def assign(client, proposal_id, expert_id):
    return client.post(f"/proposals/{proposal_id}/reviewers", data={"expert_id": expert_id})


@pytest.mark.parametrize("key, reason", [("own", "揭榜牵头单位"), ("poster_expert", "发榜企业"),
                                          ("partner_expert", "联合体成员单位")])
def test_conflicted_experts_cannot_be_assigned(client, auth, world, key, reason):
    auth.login("chain-ai@example.com")
    desk = client.get(f"/challenges/{world['challenge']}/evaluation").get_data(as_text=True)
    assert f"回避：专家来自{reason}" in desk  # shown as excluded, with the reason
    response = assign(client, world["proposal"], world[key])
    assert response.status_code == 400 and f"利益冲突，不能分配：专家来自{reason}" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Review)) == 0


def test_expert_of_a_rival_applicant_is_excluded(client, auth, world):
    from marketplace.models import Challenge

    rival = make_org("竞争研究院", type=OrgType.institute)
    make_proposal(db.session.get(Challenge, world["challenge"]), rival)
    rival_expert = make_expert("rival-expert@example.com", org=rival)
    drafting = make_org("还在起草的大学", type=OrgType.university)
    make_proposal(db.session.get(Challenge, world["challenge"]), drafting, state=P.draft)
    drafting_expert = make_expert("drafting-expert@example.com", org=drafting)
    db.session.commit()
    auth.login("chain-ai@example.com")
    response = assign(client, world["proposal"], rival_expert.id)
    assert response.status_code == 400 and "专家来自同一榜单的其他揭榜单位" in response.get_data(as_text=True)
    assert assign(client, world["proposal"], drafting_expert.id).status_code == 303  # a draft is no rival yet


def test_only_the_chain_admin_assigns(client, auth, world):
    auth.login("poster@example.com")
    assert assign(client, world["proposal"], world["experts"][0]).status_code == 403


def test_three_experts_score_and_the_table_adds_up(app, client, auth, world):
    auth.login("chain-ai@example.com")
    for expert_id in world["experts"]:
        assert assign(client, world["proposal"], expert_id).status_code == 303
    client.post("/auth/logout")
    criteria = reviews.rubric(db.session.get(Proposal, world["proposal"]).challenge)
    score_sets = [[90, 80, 70, 60, 50], [80, 80, 80, 80, 80], [100, 60, 60, 60, 100]]
    for i, scores in enumerate(score_sets):
        expert = app.test_client()
        expert.post("/auth/login", data={"email": f"e{i}@example.com", "password": "password-123"})
        review = db.session.scalar(db.select(Review).filter_by(expert_id=world["experts"][i]))
        # An expert sees only their own assignments.
        assert expert.get(f"/reviews/{review.id + (1 if i < 2 else -1)}").status_code == 404
        data = {f"c{j}": s for j, s in enumerate(scores)} | {"comment": "方案可行，指标论证充分。"}
        assert expert.post(f"/reviews/{review.id}", data=data).status_code == 303
    totals = sorted(r.total for r in db.session.scalars(db.select(Review)))
    # 90·30+80·25+70·20+60·15+50·10 = 7500 → 75; all 80 → 80; 100·30+60·25+60·20+60·15+100·10 = 7600 → 76
    assert totals == [75.0, 76.0, 80.0]
    assert [w for _, w in criteria] == [30, 25, 20, 15, 10]
    row = reviews.score_table(db.session.get(Proposal, world["proposal"]).challenge)[0]
    assert row.mean == pytest.approx(77.0) and row.spread == 5.0
    auth.login("chain-ai@example.com")
    desk = client.get(f"/challenges/{world['challenge']}/evaluation").get_data(as_text=True)
    assert "77.0" in desk
    export = client.get(f"/challenges/{world['challenge']}/scores.xlsx")
    book = load_workbook(io.BytesIO(export.data))
    summary = [row for row in book["汇总"].iter_rows(values_only=True)]
    assert summary[2][1] == "华楚理工大学" and summary[2][5] == pytest.approx(77.0) and summary[2][6] == 5.0
    detail = [row for row in book["专家评分"].iter_rows(values_only=True)]
    assert len(detail) == 4 and sorted(r[-2] for r in detail[1:]) == [75.0, 76.0, 80.0]


def test_applicant_never_sees_reviewers(app, client, auth, world):
    auth.login("chain-ai@example.com")
    assign(client, world["proposal"], world["experts"][0])
    client.post("/auth/logout")
    from marketplace.models import User

    expert_name = db.session.get(User, world["experts"][0]).name = "保密的专家姓名"
    db.session.commit()
    auth.login("uni@example.com")
    html = client.get(f"/proposals/{world['proposal']}").get_data(as_text=True)
    assert expert_name not in html


def test_bad_scores_and_recusal(app, client, auth, world):
    auth.login("chain-ai@example.com")
    assign(client, world["proposal"], world["experts"][0])
    client.post("/auth/logout")
    auth.login("e0@example.com")
    review = db.session.scalar(db.select(Review))
    response = client.post(f"/reviews/{review.id}", data={"c0": "120", "c1": "50", "comment": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "评分应为 0—100" in html and "请填写评审意见" in html
    assert db.session.get(Review, review.id).state is ReviewState.assigned
    assert client.post(f"/reviews/{review.id}/recuse", data={"reason": "曾与申报团队合作发表论文"}).status_code == 303
    assert db.session.get(Review, review.id).state is ReviewState.recused


def test_a_word_as_score_is_called_not_a_number_and_zero_is_a_score(client, auth, world):
    """Regression: "abc" as a score answered "请填写预期效益。" as if the box were empty (and so did 0)."""
    auth.login("chain-ai@example.com")
    assign(client, world["proposal"], world["experts"][0])
    client.post("/auth/logout")
    auth.login("e0@example.com")
    review = db.session.scalar(db.select(Review))
    data = {"c0": "80", "c1": "0", "c2": "70", "c3": "60", "c4": "abc", "comment": "可行。"}
    response = client.post(f"/reviews/{review.id}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "预期效益（权重 10）：评分应为 0—100 的数字。" in html
    assert "请填写" not in html
    assert db.session.get(Review, review.id).state is ReviewState.assigned
    assert client.post(f"/reviews/{review.id}", data=data | {"c4": "90"}).status_code == 303
    assert db.session.get(Review, review.id).scores["技术可行性"] == 0


def test_rubric_weights_must_sum_to_100(client, auth, world):
    auth.login("chain-ai@example.com")
    response = client.post(f"/challenges/{world['challenge']}/rubric", data={"rubric": "技术先进性 50\n可行性 40"})
    assert response.status_code == 400 and "合计应为 100" in response.get_data(as_text=True)
    assert client.post(f"/challenges/{world['challenge']}/rubric",
                       data={"rubric": "技术先进性 60\n团队能力 40"}).status_code == 303
    from marketplace.models import Challenge

    assert db.session.get(Challenge, world["challenge"]).rubric == [["技术先进性", 60], ["团队能力", 40]]


def test_selection_needs_closed_challenge_then_publicity_then_project(app, client, auth, world):
    from marketplace.models import Challenge, Project

    auth.login("chain-ai@example.com")
    response = client.post(f"/challenges/{world['challenge']}/select", data={"proposal_ids": [world["proposal"]]})
    assert response.status_code == 409 and "请先截止揭榜" in response.get_data(as_text=True)
    db.session.get(Challenge, world["challenge"]).state = S.closed
    db.session.commit()
    assert client.post(f"/challenges/{world['challenge']}/select",
                       data={"proposal_ids": [world["proposal"]]}).status_code == 303
    notice = db.session.scalar(db.select(Publicity))
    assert (notice.ends_on - notice.starts_on).days >= 5
    assert notice.ends_on == workdays.add_working_days(notice.starts_on, 5)
    # Approval waits for the end of the publicity: the desk says so instead of offering the form.
    desk = client.get(f"/challenges/{world['challenge']}/evaluation").get_data(as_text=True)
    assert "公示结束后可批准立项" in desk and "批准立项</button>" not in desk
    data = {"funding_wan": "450", "start_date": clock.today().isoformat(),
            "end_date": (clock.today() + timedelta(days=700)).isoformat(), "task_book": "按任务书完成冷板与CDU研制，两年内通过验收并示范运行。"}
    response = client.post(f"/proposals/{world['proposal']}/approve", data=data)
    assert response.status_code == 409 and "公示结束后方可立项" in response.get_data(as_text=True)
    # A logged-in user objects during the publicity; it must be answered before approval.
    objector = app.test_client()
    objector.post("/auth/login", data={"email": "uni@example.com", "password": "password-123"})
    assert objector.post(f"/publicity/{notice.id}/objections", data={"text": "太短"}).status_code == 400
    assert objector.post(f"/publicity/{notice.id}/objections",
                         data={"text": "对报价构成有疑问，请核实设备费用明细是否合理。"}).status_code == 303
    notice.ends_on = clock.today() - timedelta(days=1)  # the publicity period has passed
    notice.starts_on = clock.today() - timedelta(days=8)
    db.session.commit()
    response = client.post(f"/proposals/{world['proposal']}/approve", data=data)
    assert response.status_code == 409 and "异议未处理" in response.get_data(as_text=True)
    assert "条异议未答复" in client.get(f"/challenges/{world['challenge']}/evaluation").get_data(as_text=True)
    objection = db.session.get(Publicity, notice.id).objections[0]
    client.post(f"/objections/{objection.id}/respond", data={"response": "经核实，设备费用合理。"})
    assert "批准立项</button>" in client.get(f"/challenges/{world['challenge']}/evaluation").get_data(as_text=True)
    response = client.post(f"/proposals/{world['proposal']}/approve", data=data)
    assert response.status_code == 303
    project = db.session.scalar(db.select(Project))
    assert [m.title for m in project.milestones] == ["里程碑1", "里程碑2"]
    assert db.session.get(Challenge, world["challenge"]).state is S.awarded


def test_racing_selects_two_and_others_are_not_selected(client, auth, world):
    from marketplace.models import Challenge

    challenge = db.session.get(Challenge, world["challenge"])
    second = make_proposal(challenge, make_org("第二大学", type=OrgType.university))
    third = make_proposal(challenge, make_org("第三大学", type=OrgType.university))
    challenge.state = S.closed
    db.session.commit()
    auth.login("chain-ai@example.com")
    client.post(f"/challenges/{challenge.id}/select", data={"proposal_ids": [world["proposal"], second.id]})
    states = {p.id: p.state for p in db.session.scalars(db.select(Proposal))}
    assert states[world["proposal"]] is P.selected and states[second.id] is P.selected and states[third.id] is P.submitted


def test_fail_closes_as_liubang(client, auth, world):
    from marketplace.models import Challenge

    db.session.get(Challenge, world["challenge"]).state = S.closed
    db.session.commit()
    auth.login("chain-ai@example.com")
    assert client.post(f"/challenges/{world['challenge']}/fail", data={"reason": ""}).status_code == 400
    assert client.post(f"/challenges/{world['challenge']}/fail", data={"reason": "方案均未达到指标"}).status_code == 303
    assert db.session.get(Challenge, world["challenge"]).state is S.failed
    assert db.session.get(Proposal, world["proposal"]).state is P.not_selected


@pytest.mark.parametrize("who, code", [("poster@example.com", 303), ("chain-ai@example.com", 303), ("uni@example.com", 403)])
def test_who_shortlists(client, auth, world, who, code):
    auth.login(who)
    assert client.post(f"/proposals/{world['proposal']}/shortlist").status_code == code


def test_decline_needs_a_code(client, auth, world):
    auth.login("poster@example.com")
    assert client.post(f"/proposals/{world['proposal']}/decline", data={"code": ""}).status_code == 400
    assert client.post(f"/proposals/{world['proposal']}/decline", data={"code": "other", "reason": ""}).status_code == 400
    assert client.post(f"/proposals/{world['proposal']}/decline", data={"code": "price"}).status_code == 303
    proposal = db.session.get(Proposal, world["proposal"])
    assert proposal.state is P.declined and proposal.decline_code.label == "报价不合理"


def _notice(challenge_id, proposal_id, starts, ends):
    db.session.get(Proposal, proposal_id).state = P.selected
    notice = Publicity(challenge_id=challenge_id, text="拟由下列单位承担。", starts_on=starts, ends_on=ends)
    db.session.add(notice)
    db.session.commit()
    return notice


def test_public_list_of_notices_running_first(client, world):
    from marketplace.models import Challenge, Visibility

    running = _notice(world["challenge"], world["proposal"], clock.today() - timedelta(days=1),
                      clock.today() + timedelta(days=5))
    old_challenge = make_challenge(make_org("往年发榜企业"), S.awarded, title="往年的散热榜单")
    old_proposal = make_proposal(old_challenge, make_org("往年揭榜大学", type=OrgType.university))
    _notice(old_challenge.id, old_proposal.id, clock.today() - timedelta(days=60), clock.today() - timedelta(days=53))
    hidden = make_challenge(make_org("定向发榜企业"), S.closed, title="只邀请的保密榜单", visibility=Visibility.invited)
    _notice(hidden.id, make_proposal(hidden, make_org("受邀大学", type=OrgType.university)).id,
            clock.today(), clock.today() + timedelta(days=6))

    page = client.get("/publicity/").get_data(as_text=True)  # anyone, without logging in
    title = db.session.get(Challenge, world["challenge"]).title
    assert title in page and "往年的散热榜单" in page
    assert "只邀请的保密榜单" in page  # a 公示 is public even when the listing is invited-only…
    rows = {cells[0]: cells for cells in (texts(tr, "td") for tr in select(page, "tbody tr"))}
    assert list(rows).index(title) < list(rows).index("往年的散热榜单")  # the running notice first
    assert rows[title][3] == "华楚理工大学" and rows["往年的散热榜单"][3] == "往年揭榜大学"  # who is to take the project on
    assert f"/publicity/{running.id}" in links(page, "tbody a")

    hidden_notice = db.session.scalar(db.select(Publicity).filter_by(challenge_id=hidden.id))
    notice_page = client.get(f"/publicity/{hidden_notice.id}").get_data(as_text=True)
    assert "只邀请的保密榜单" in notice_page and "受邀大学" in notice_page and "详情不公开" in notice_page
    assert f'href="/challenges/{hidden.id}"' not in notice_page  # …but the listing itself stays hidden
    assert client.get(f"/challenges/{hidden.id}").status_code == 404
    current = client.get("/publicity/?open=1").get_data(as_text=True)
    assert title in current and "往年的散热榜单" not in current
    assert 'href="/publicity/"' in client.get("/").get_data(as_text=True)  # linked from the menu


def test_selection_choices_show_scores_and_unfinished_reviews_and_ask_first(app, client, auth, world):
    from marketplace.models import Challenge

    auth.login("chain-ai@example.com")
    for expert_id in world["experts"][:2]:
        assign(client, world["proposal"], expert_id)
    client.post("/auth/logout")
    expert = app.test_client()
    expert.post("/auth/login", data={"email": "e0@example.com", "password": "password-123"})
    review = db.session.scalar(db.select(Review).filter_by(expert_id=world["experts"][0]))
    expert.post(f"/reviews/{review.id}", data={f"c{j}": 80 for j in range(5)} | {"comment": "可行。"})
    db.session.get(Challenge, world["challenge"]).state = S.closed
    db.session.commit()
    auth.login("chain-ai@example.com")
    desk = client.get(f"/challenges/{world['challenge']}/evaluation").get_data(as_text=True)
    assert "华楚理工大学（均分 80.00，已评 1/2，1 位专家未评完）" in desk
    assert 'data-confirm="确定后将公开公示所选单位' in desk
    # Sent back for an empty choice, the list is the same: labelled, and only selectable proposals.
    declined = make_proposal(db.session.get(Challenge, world["challenge"]), make_org("未入围研究院", type=OrgType.institute),
                             state=P.declined)
    db.session.commit()
    response = client.post(f"/challenges/{world['challenge']}/select", data={"text": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "华楚理工大学（均分 80.00" in html
    assert f'value="{declined.id}"' not in html


def test_desk_says_why_no_expert_can_be_assigned(client, auth, world):
    auth.login("chain-ai@example.com")
    for expert_id in world["experts"]:
        assign(client, world["proposal"], expert_id)
    desk = client.get(f"/challenges/{world['challenge']}/evaluation").get_data(as_text=True)
    # The three free experts are assigned; the three left have conflicts of interest.
    assert "无可分配专家：其余 3 位委员均需回避" in desk and 'href="/admin/chains/ai#committee"' in desk


def _approvable(world):
    """The world's proposal selected, its 公示 over: ready for 立项."""
    from marketplace.models import Challenge, User

    admin = db.session.scalar(db.select(User).where(User.email == "chain-ai@example.com"))
    challenge, proposal = db.session.get(Challenge, world["challenge"]), db.session.get(Proposal, world["proposal"])
    challenge.state = S.closed
    selection.select(admin, challenge, [proposal])
    notice = selection.current_publicity(challenge)
    notice.starts_on, notice.ends_on = clock.today() - timedelta(days=8), clock.today() - timedelta(days=1)
    return admin, proposal


def test_project_period_must_hold_every_milestone(client, auth, world):
    """Issue 12: 立项 refuses a period that leaves a milestone outside it, at the date that excludes it."""
    from marketplace.services.errors import ServiceError

    admin, proposal = _approvable(world)
    db.session.commit()
    last = proposal.milestones[-1].due_date
    auth.login("chain-ai@example.com")
    response = client.post(f"/proposals/{world['proposal']}/approve", data={
        "funding_wan": "450", "start_date": clock.today().isoformat(),
        "end_date": (last - timedelta(days=1)).isoformat(), "task_book": "按任务书完成冷板与CDU研制，两年内通过验收并示范运行。"})
    assert response.status_code == 400
    assert "不在项目实施周期内" in text_of(response.get_data(as_text=True), "#end_date-error")
    with pytest.raises(ServiceError) as refused:
        selection.approve(admin, proposal, 450, clock.today(), last - timedelta(days=1), "按任务书完成冷板与CDU研制，两年内通过验收并示范运行。")
    assert refused.value.field == "end_date" and "不在项目实施周期内" in str(refused.value)
    first = proposal.milestones[0].due_date
    with pytest.raises(ServiceError) as refused:
        selection.approve(admin, proposal, 450, first + timedelta(days=1), last + timedelta(days=30), "按任务书完成冷板与CDU研制，两年内通过验收并示范运行。")
    assert refused.value.field == "start_date"
    project = selection.approve(admin, proposal, 450, clock.today(), last, "按任务书完成冷板与CDU研制，两年内通过验收并示范运行。")
    assert [m.due_date for m in project.milestones] == [m.due_date for m in proposal.milestones]


def test_proposal_moves_on_with_its_project_and_links_to_it(client, auth, world):
    """Issue 12: 立项 makes the proposal 已立项, its page links to the project, and the desk still scores it."""
    admin, proposal = _approvable(world)
    project = selection.approve(admin, proposal, 450, clock.today(), clock.today() + timedelta(days=700), "按任务书完成冷板与CDU研制，两年内通过验收并示范运行。")
    db.session.commit()
    assert db.session.get(Proposal, world["proposal"]).state is P.approved and P.approved.label == "已立项"
    auth.login("uni@example.com")
    page = client.get(f"/proposals/{world['proposal']}").get_data(as_text=True)
    assert "已立项" in page and f"/projects/{project.id}" in links(page)
    client.post("/auth/logout")
    auth.login("chain-ai@example.com")
    desk = client.get(f"/challenges/{world['challenge']}/evaluation").get_data(as_text=True)
    assert f"/proposals/{world['proposal']}" in links(desk)  # the score table keeps the chosen proposal
    notice = client.get(f"/publicity/{selection.current_publicity(proposal.challenge).id}").get_data(as_text=True)
    assert "华楚理工大学" in notice
