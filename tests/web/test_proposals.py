"""Proposals: who may answer, the deadline, one per organisation (also under concurrency), consortia."""
import threading
from datetime import timedelta

import pytest
from factories import make_challenge, make_org, make_org_with_user, make_poster_and_university, make_proposal, make_user
from pages import error_summary, first, form_values, text_of, without

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import (
    ChallengeInvitation,
    ChallengeMode,
    ChallengeState,
    MemberState,
    OrgType,
    Proposal,
    ProposalState,
)

S = ChallengeState


@pytest.fixture
def world(ctx):
    poster, uni = make_poster_and_university()
    partner = make_org_with_user("partner@example.com", "江城新材料研究院", type=OrgType.institute)
    make_user("ent@example.com", make_org("另一家企业"))
    challenge = make_challenge(poster, S.published)
    db.session.commit()
    return {"challenge": challenge.id, "uni": uni.id, "partner": partner.id}


def uni_proposal(world, **fields) -> Proposal:
    """A proposal of 华楚理工大学 on the world's challenge, committed."""
    from marketplace.models import Challenge, Organisation

    proposal = make_proposal(db.session.get(Challenge, world["challenge"]), db.session.get(Organisation, world["uni"]),
                             **fields)
    db.session.commit()
    return proposal


def proposal_form(**extra):
    data = {"technical_plan": "两相冷板与CDU联合设计，逐项对标指标。", "team": "教授 2 人", "track_record": "", "price_wan": "480",
            "schedule": "", "milestones-0-title": "冷板样机", "milestones-0-due_date": (clock.today() + timedelta(days=90)).isoformat(),
            "milestones-0-deliverable": "样机 2 套", "milestones-0-fund_share": "40",
            "milestones-1-title": "示范运行", "milestones-1-due_date": (clock.today() + timedelta(days=300)).isoformat(),
            "milestones-1-deliverable": "测试报告", "milestones-1-fund_share": "60"}
    data.update(extra)
    return data


def test_institution_drafts_and_submits_and_poster_is_told(app, client, auth, world):
    auth.login("uni@example.com")
    response = client.post(f"/challenges/{world['challenge']}/proposals/new", data=proposal_form())
    assert response.status_code == 303
    proposal = db.session.scalar(db.select(Proposal))
    assert proposal.state is ProposalState.draft and [m.title for m in proposal.milestones] == ["冷板样机", "示范运行"]
    assert client.post(f"/proposals/{proposal.id}/submit").status_code == 303
    assert db.session.get(Proposal, proposal.id).state is ProposalState.submitted
    client.post("/auth/logout")
    auth.login("poster@example.com")
    assert "收到新的揭榜方案" in client.get("/inbox/").get_data(as_text=True)
    assert client.get(f"/proposals/{proposal.id}").status_code == 200


def test_a_draft_may_be_saved_without_milestones_but_not_submitted(client, auth, world):
    """保存草稿 saves work in progress; the milestone plan is asked for when the proposal is submitted."""
    auth.login("uni@example.com")
    blank = {f"milestones-{i}-{f}": "" for i in (0, 1) for f in ("title", "due_date", "deliverable", "fund_share")}
    assert client.post(f"/challenges/{world['challenge']}/proposals/new", data=proposal_form(**blank)).status_code == 303
    proposal = db.session.scalar(db.select(Proposal))
    assert proposal.state is ProposalState.draft and proposal.milestones == []
    refused = client.post(f"/proposals/{proposal.id}/submit")
    assert refused.status_code == 400 and "请至少填写一个里程碑" in refused.get_data(as_text=True)
    assert db.session.get(Proposal, proposal.id).state is ProposalState.draft


@pytest.mark.parametrize("extra, message", [
    ({"milestones-0-fund_share": "90"}, "不能超过 100%"),
    ({"milestones-0-title": ""}, "缺少名称"),
    ({"milestones-1-due_date": ""}, "缺少完成日期"),
    ({"price_wan": "-1"}, "报价应在"),
    ({"milestones-0-due_date": (clock.today() + timedelta(days=400)).isoformat()}, "按完成日期先后"),
])
def test_bad_proposal_input(client, auth, world, extra, message):
    auth.login("uni@example.com")
    response = client.post(f"/challenges/{world['challenge']}/proposals/new", data=proposal_form(**extra))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert "两相冷板与CDU联合设计" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Proposal)) == 0


@pytest.mark.parametrize("who, code", [("ent@example.com", 403), ("poster@example.com", 403)])
def test_enterprises_cannot_answer(client, auth, world, who, code):
    auth.login(who)
    assert client.get(f"/challenges/{world['challenge']}/proposals/new").status_code == code


def test_no_submission_after_deadline(client, auth, world):
    from marketplace.models import Challenge

    proposal = make_proposal(db.session.get(Challenge, world["challenge"]),
                             db.session.get(__import__("marketplace").models.Organisation, world["uni"]),
                             ProposalState.draft)
    challenge = db.session.get(Challenge, world["challenge"])
    challenge.deadline = clock.today() - timedelta(days=1)
    db.session.commit()
    auth.login("uni@example.com")
    response = client.post(f"/proposals/{proposal.id}/submit")
    assert response.status_code == 409  # refused, with the reason shown on the proposal
    assert db.session.get(Proposal, proposal.id).state is ProposalState.draft
    assert "截止" in response.get_data(as_text=True)
    assert client.get(f"/challenges/{challenge.id}/proposals/new").status_code == 409


def test_commissioned_challenge_only_for_invited(client, auth, world):
    from marketplace.models import Challenge, Organisation

    challenge = db.session.get(Challenge, world["challenge"])
    challenge.mode = ChallengeMode.commissioned
    db.session.commit()
    auth.login("uni@example.com")
    assert client.get(f"/challenges/{challenge.id}/proposals/new").status_code == 403
    db.session.add(ChallengeInvitation(challenge=challenge, organisation=db.session.get(Organisation, world["uni"])))
    db.session.commit()
    assert client.get(f"/challenges/{challenge.id}/proposals/new").status_code == 200


def test_one_proposal_per_organisation_under_concurrent_submission(app, world):
    """Two threads create the same organisation's proposal at once: the database keeps one row."""
    from marketplace.models import Challenge, User
    from marketplace.services import proposals
    from marketplace.services.errors import ServiceError

    barrier = threading.Barrier(2)
    outcomes = []

    def attempt():
        with app.app_context():
            user = db.session.scalar(db.select(User).filter_by(email="uni@example.com"))
            challenge = db.session.get(Challenge, world["challenge"])
            milestones = [{"title": "样机", "due_date": clock.today() + timedelta(days=60), "fund_share": 50}]
            barrier.wait()
            try:
                proposals.create(user, challenge, milestones, technical_plan="方案", team="团队", price_wan=100)
                db.session.commit()
                outcomes.append("created")
            except ServiceError as error:
                db.session.rollback()
                outcomes.append(error.message)
            except Exception as error:  # the commit itself may lose the race
                db.session.rollback()
                outcomes.append(type(error).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("created") == 1, outcomes
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Proposal)) == 1


def test_joint_proposal_needs_accepted_members(app, client, auth, world):
    from marketplace.models import Challenge

    challenge = db.session.get(Challenge, world["challenge"])
    challenge.mode = ChallengeMode.joint
    db.session.commit()
    auth.login("uni@example.com")
    client.post(f"/challenges/{challenge.id}/proposals/new", data=proposal_form())
    proposal = db.session.scalar(db.select(Proposal))
    client.post(f"/proposals/{proposal.id}/submit")
    assert db.session.get(Proposal, proposal.id).state is ProposalState.draft  # no member yet
    client.post(f"/proposals/{proposal.id}/members", data={"organisation_id": world["partner"], "role": "材料制备"})
    client.post(f"/proposals/{proposal.id}/submit")
    assert db.session.get(Proposal, proposal.id).state is ProposalState.draft  # member has not accepted
    partner = app.test_client()
    partner.post("/auth/login", data={"email": "partner@example.com", "password": "password-123"})
    member = db.session.get(Proposal, proposal.id).members[0]
    assert partner.post(f"/proposals/{proposal.id}/members/{member.id}/accept").status_code == 303
    assert db.session.get(Proposal, proposal.id).members[0].state is MemberState.accepted
    assert client.post(f"/proposals/{proposal.id}/submit").status_code == 303
    assert db.session.get(Proposal, proposal.id).state is ProposalState.submitted


def test_withdraw_before_deadline_only(client, auth, world):
    proposal = uni_proposal(world)
    auth.login("uni@example.com")
    assert client.post(f"/proposals/{proposal.id}/withdraw").status_code == 303
    assert db.session.get(Proposal, proposal.id).state is ProposalState.withdrawn


def test_outsiders_cannot_see_a_proposal(client, auth, world):
    proposal = uni_proposal(world)
    auth.login("ent@example.com")
    assert client.get(f"/proposals/{proposal.id}").status_code == 404
    client.post("/auth/logout")
    assert client.get(f"/proposals/{proposal.id}").status_code == 302


def test_every_milestone_problem_is_reported_in_one_answer(client, auth, world):
    """Regression: milestone problems came one per submit (a missing name, then the share total, then the date)."""
    auth.login("uni@example.com")
    soon = (clock.today() + timedelta(days=200)).isoformat()
    data = proposal_form(**{"milestones-0-due_date": (clock.today() - timedelta(days=1)).isoformat(),  # past
                            "milestones-1-fund_share": "90",                                        # 40 + 90 > 100
                            "milestones-2-due_date": soon, "milestones-2-deliverable": "中期报告",    # no name
                            "milestones-3-title": "推广应用", "milestones-3-due_date": "2040-01-01"})  # after the period
    response = client.post(f"/challenges/{world['challenge']}/proposals/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "两相冷板与CDU联合设计" in html
    rest = text_of(without(html, "[data-error-summary]"))  # the summary repeats each message by design
    for message in ("第 1 个里程碑的完成日期", "应晚于今天", "合计 130%", "本行已填写内容，但缺少名称。",
                    "第 4 个里程碑的完成日期 2040-01-01 超出项目周期"):
        assert rest.count(message) == 1, message  # each once next to the table, and listed in the summary
    assert "第 3 个里程碑名称：本行已填写内容" in text_of(html, "[data-error-summary]")  # the summary says which row
    assert db.session.scalar(db.select(db.func.count()).select_from(Proposal)) == 0


def test_milestones_must_fall_within_the_project_period(client, auth, world):
    """The period (24 months here) counts from the 揭榜 deadline: its last day is allowed, the next is not."""
    from marketplace.models import Challenge
    from marketplace.services.challenges import project_end

    challenge = db.session.get(Challenge, world["challenge"])
    end = project_end(challenge)
    assert end == challenge.deadline.replace(year=challenge.deadline.year + 2)
    auth.login("uni@example.com")
    late = proposal_form(**{"milestones-1-due_date": (end + timedelta(days=1)).isoformat()})
    html = client.post(f"/challenges/{challenge.id}/proposals/new", data=late).get_data(as_text=True)
    assert f"项目周期 24 个月，自揭榜截止日 {challenge.deadline} 起算，里程碑最晚应在 {end} 完成" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Proposal)) == 0
    on_time = proposal_form(**{"milestones-1-due_date": end.isoformat()})
    assert client.post(f"/challenges/{challenge.id}/proposals/new", data=on_time).status_code == 303


def test_milestones_fall_after_the_application_deadline(client, auth, world):
    """Issue 12: a milestone due before the 揭榜 deadline (30 days ahead here) is refused at its date."""
    from marketplace.models import Challenge

    challenge = db.session.get(Challenge, world["challenge"])
    auth.login("uni@example.com")
    early = proposal_form(**{"milestones-0-due_date": challenge.deadline.isoformat()})
    response = client.post(f"/challenges/{challenge.id}/proposals/new", data=early)
    html = text_of(without(response.get_data(as_text=True), "[data-error-summary]"))
    assert response.status_code == 400
    assert f"第 1 个里程碑的完成日期 {challenge.deadline} 应晚于揭榜截止日 {challenge.deadline}" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Proposal)) == 0
    after = proposal_form(**{"milestones-0-due_date": (challenge.deadline + timedelta(days=1)).isoformat()})
    assert client.post(f"/challenges/{challenge.id}/proposals/new", data=after).status_code == 303


def test_a_bad_share_is_reported_once(client, auth, world):
    auth.login("uni@example.com")
    response = client.post(f"/challenges/{world['challenge']}/proposals/new",
                           data=proposal_form(**{"milestones-1-fund_share": "-5"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "应为 0—100 的整数" in html and "的经费比例应为 0—100" not in html


def test_a_row_date_problem_is_shown_in_its_cell_and_linked(client, auth, world):
    auth.login("uni@example.com")
    too_late = (clock.today() + timedelta(days=365 * 20)).isoformat()
    response = client.post(f"/challenges/{world['challenge']}/proposals/new",
                           data=proposal_form(**{"milestones-1-due_date": too_late}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "超出项目周期" in error_summary(html)["#milestones-1-due_date"]  # the summary links to the cell…
    assert first(html, "#milestones-1-due_date") is not None
    assert "超出项目周期" in text_of(html, "#milestones-1-due_date-error")  # …which shows the problem


def test_a_colleagues_later_save_of_the_draft_is_not_overwritten(app, client, auth, world):
    """Two users of the lead open the draft's edit form; the second save (from the older page) is refused."""
    from marketplace.models import Organisation

    proposal = uni_proposal(world, state=ProposalState.draft)
    make_user("uni-colleague@example.com", db.session.get(Organisation, world["uni"]))
    db.session.commit()
    auth.login("uni@example.com")
    page = client.get(f"/proposals/{proposal.id}/edit").get_data(as_text=True)
    version = form_values(page, 'form:has([name="version"])')["version"]
    colleague = app.test_client()
    colleague.post("/auth/login", data={"email": "uni-colleague@example.com", "password": "password-123"})
    first = colleague.post(f"/proposals/{proposal.id}/edit",
                           data=proposal_form(version=version, technical_plan="同事保存的技术方案：两相冷板。"))
    assert first.status_code == 303
    second = client.post(f"/proposals/{proposal.id}/edit",
                         data=proposal_form(version=version, technical_plan="我在旧页面上写的方案。"))
    body = second.get_data(as_text=True)
    assert second.status_code == 409 and "为避免覆盖对方的修改" in body and "我在旧页面上写的方案。" in body
    assert db.session.get(Proposal, proposal.id).technical_plan == "同事保存的技术方案：两相冷板。"


def test_a_ten_year_listing_takes_its_last_milestone_eleven_years_ahead(app, client, auth, world):
    """The date bound of milestones follows the longest listing (deadline within a year + 120 months)."""
    from marketplace.models import Challenge

    challenge = db.session.get(Challenge, world["challenge"])
    challenge.deadline, challenge.period_months = clock.today() + timedelta(days=300), 120
    db.session.commit()
    last = (clock.today() + timedelta(days=300 + 365 * 10 - 30)).isoformat()
    auth.login("uni@example.com")
    response = client.post(f"/challenges/{challenge.id}/proposals/new", data=proposal_form(**{
        "milestones-0-due_date": (clock.today() + timedelta(days=400)).isoformat(), "milestones-1-due_date": last}))
    assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
