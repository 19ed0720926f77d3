"""Projects: milestones confirmed by both sides, mid-term, 赛马 stage gate, 验收 creating an achievement."""
from datetime import timedelta
from decimal import Decimal

import pytest
from factories import (
    make_chain_admin,
    make_challenge,
    make_org,
    make_poster_and_university,
    make_project,
    make_proposal,
    make_user,
)

from marketplace import clock, jobs
from marketplace.extensions import db
from marketplace.models import (
    Achievement,
    ChallengeState,
    Milestone,
    MilestoneState,
    Notification,
    OrgType,
    Project,
    ProjectState,
    ProposalState,
)

M = MilestoneState


@pytest.fixture
def world(ctx):
    poster, uni = make_poster_and_university()
    make_user("other@example.com", make_org("无关大学", type=OrgType.university))
    make_chain_admin("chain-ai@example.com", "ai")
    challenge = make_challenge(poster, ChallengeState.awarded,
                               indicators="1. 冷板热阻 ≤ 0.025 ℃·cm²/W；\n2. 单柜散热能力 ≥ 100 kW；\n3. PUE ≤ 1.15")
    project = make_project(make_proposal(challenge, uni, ProposalState.selected), milestones=2)
    db.session.commit()
    return {"project": project.id, "milestones": [m.id for m in project.milestones]}


def url(world, tail=""):
    return f"/projects/{world['project']}{tail}"


def test_milestone_needs_both_confirmations(app, client, auth, world):
    auth.login("uni@example.com")
    assert client.post(url(world, "/start")).status_code == 303
    m1 = world["milestones"][0]
    assert client.post(url(world, f"/milestones/{m1}/submit"), data={"evidence": ""}).status_code == 400
    assert client.post(url(world, f"/milestones/{m1}/submit"), data={"evidence": "样机两套已交付，测试报告见附件。"}).status_code == 303
    assert client.post(url(world, f"/milestones/{m1}/confirm")).status_code == 403  # the solver cannot confirm
    client.post("/auth/logout")
    auth.login("poster@example.com")
    client.post(url(world, f"/milestones/{m1}/confirm"))
    assert db.session.get(Milestone, m1).state is M.submitted  # the lead department has not confirmed yet
    client.post("/auth/logout")
    auth.login("chain-ai@example.com")
    client.post(url(world, f"/milestones/{m1}/confirm"))
    assert db.session.get(Milestone, m1).state is M.confirmed
    assert "1 / 2 个里程碑已确认" in client.get(url(world)).get_data(as_text=True)


def test_rejected_milestone_can_be_resubmitted(client, auth, world):
    auth.login("uni@example.com")
    client.post(url(world, "/start"))
    m1 = world["milestones"][0]
    client.post(url(world, f"/milestones/{m1}/submit"), data={"evidence": "初稿"})
    client.post("/auth/logout")
    auth.login("poster@example.com")
    assert client.post(url(world, f"/milestones/{m1}/reject"), data={"reason": ""}).status_code == 400
    client.post(url(world, f"/milestones/{m1}/reject"), data={"reason": "缺少第三方测试报告"})
    assert db.session.get(Milestone, m1).state is M.rejected
    client.post("/auth/logout")
    auth.login("uni@example.com")
    client.post(url(world, f"/milestones/{m1}/submit"), data={"evidence": "补充第三方测试报告"})
    assert db.session.get(Milestone, m1).state is M.submitted


def test_outsider_cannot_see_project(client, auth, world):
    auth.login("other@example.com")
    assert client.get(url(world)).status_code == 404


def test_acceptance_checks_each_indicator_and_creates_achievement(client, auth, world):
    auth.login("uni@example.com")
    client.post(url(world, "/start"))
    client.post("/auth/logout")
    auth.login("chain-ai@example.com")
    passed = {"met_0": "yes", "met_1": "yes", "met_2": "yes", "acceptance_result": "passed", "acceptance_note": "通过"}
    response = client.post(url(world, "/acceptance"), data=passed)
    assert response.status_code == 409 and "尚有里程碑未确认完成" in response.get_data(as_text=True)
    for milestone_id in world["milestones"]:
        db.session.get(Milestone, milestone_id).state = M.confirmed
    db.session.commit()
    page = client.get(url(world)).get_data(as_text=True)
    assert "冷板热阻 ≤ 0.025 ℃·cm²/W" in page and "单柜散热能力 ≥ 100 kW" in page
    partial = {"met_0": "yes", "met_1": "yes", "acceptance_result": "passed", "acceptance_note": "验收意见"}
    response = client.post(url(world, "/acceptance"), data=partial)
    assert response.status_code == 400 and "逐项核对全部技术指标" in response.get_data(as_text=True)
    unmet = partial | {"met_2": "no"}
    response = client.post(url(world, "/acceptance"), data=unmet)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "有未达到的技术指标" in html
    assert 'id="met-0-yes" value="yes" checked' in html and 'id="met-2-no" value="no" checked' in html  # kept
    passed = partial | {"met_2": "yes", "note_2": "第三方测试 PUE 1.12", "acceptance_note": "各项指标均达到任务书要求。"}
    response = client.post(url(world, "/acceptance"), data=passed | {"trl": "12"})
    assert response.status_code == 400 and "技术成熟度应为 1—9 级" in response.get_data(as_text=True)
    assert "第三方测试 PUE 1.12" in response.get_data(as_text=True)
    response = client.post(url(world, "/acceptance"), data=passed | {"trl": "6"})
    assert response.status_code == 303
    project = db.session.get(Project, world["project"])
    assert project.state is ProjectState.accepted
    assert [c["met"] for c in project.acceptance_checks] == [True, True, True]
    achievement = db.session.scalar(db.select(Achievement))
    assert achievement.project_id == project.id and achievement.challenge_id == project.challenge_id
    assert achievement.organisation_id == project.organisation_id and achievement.transfer_mode is None
    assert achievement.trl == 6  # as judged at acceptance
    assert response.headers["Location"].endswith(f"/achievements/{achievement.id}")
    client.post("/auth/logout")
    assert project.challenge.title in client.get("/achievements/").get_data(as_text=True)


def test_failed_acceptance_terminates(client, auth, world):
    auth.login("chain-ai@example.com")
    client.post(url(world, "/start"))
    data = {"met_0": "yes", "met_1": "no", "met_2": "no", "acceptance_result": "failed", "acceptance_note": "散热能力未达标。"}
    assert client.post(url(world, "/acceptance"), data=data).status_code == 303
    assert db.session.get(Project, world["project"]).state is ProjectState.terminated
    assert db.session.scalar(db.select(db.func.count()).select_from(Achievement)) == 0


def test_midterm_and_stage_gate_for_racing(client, auth, world):
    project = db.session.get(Project, world["project"])
    auth.login("chain-ai@example.com")
    response = client.post(url(world, "/stage-gate"), data={"decision": "stop", "gate_note": "进度落后"})
    assert response.status_code == 409  # one team only: no 赛马
    second = make_proposal(project.challenge, make_org("第二大学", type=OrgType.university), ProposalState.selected)
    rival = Project(challenge=project.challenge, proposal=second, organisation_id=second.organisation_id,
                    funding_wan=Decimal("300"), start_date=clock.today(), end_date=clock.today() + timedelta(days=300))
    db.session.add(rival)
    db.session.commit()
    assert client.post(url(world, "/midterm"), data={"midterm_result": "concern", "midterm_note": "CDU 控制精度需加强。"}).status_code == 303
    assert db.session.get(Project, world["project"]).midterm_result == "concern"
    assert client.post(url(world, "/stage-gate"), data={"decision": "stop", "gate_note": "阶段指标未达到"}).status_code == 303
    assert db.session.get(Project, world["project"]).state is ProjectState.terminated
    assert db.session.get(Project, rival.id).state is ProjectState.approved


def test_only_managers_run_checks(client, auth, world):
    auth.login("poster@example.com")
    assert client.post(url(world, "/midterm"), data={"midterm_result": "pass", "midterm_note": "好"}).status_code == 403
    assert client.post(url(world, "/terminate"), data={"reason": "不想做了"}).status_code == 403


def test_due_reminders_sent_once(app, world):
    project = db.session.get(Project, world["project"])
    project.state = ProjectState.in_progress
    db.session.commit()
    assert jobs.run_due_jobs()["reminders"] == 1  # milestone 1 is due in 5 days, milestone 2 in 65
    assert jobs.run_due_jobs()["reminders"] == 0
    note = db.session.scalar(db.select(Notification).where(Notification.title.contains("到期")))
    assert note is not None and note.user.email == "uni@example.com"


def test_achievement_carries_solver_contact_and_agreed_ip_terms(ctx):
    """Issue 12: the achievement made at 验收 names the institution's contact (not the enterprise's) and the
    IP terms the challenge agreed."""
    from marketplace.models import IPTerms
    from marketplace.services import projects

    poster, uni = make_poster_and_university()
    uni.contact_name, uni.contact_phone = "李老师", "027-11112222"
    admin = make_chain_admin("chain-ai@example.com", "ai")
    challenge = make_challenge(poster, ChallengeState.awarded, indicators="1. PUE ≤ 1.15",
                               ip_terms=IPTerms.joint)
    project = make_project(make_proposal(challenge, uni, ProposalState.selected), milestones=0,
                           state=ProjectState.in_progress)
    achievement = projects.accept(admin, project, [{"met": True}], True, "通过。", trl=6)
    assert (achievement.contact_name, achievement.contact_phone) == ("李老师", "027-11112222")
    assert achievement.ip == IPTerms.joint.label


@pytest.mark.parametrize("passed, state", [(True, ProposalState.accepted), (False, ProposalState.terminated)])
def test_proposal_follows_acceptance_or_termination(ctx, passed, state):
    """Issue 12: the proposal shows 验收通过 or 终止 with its project."""
    from marketplace.services import projects

    poster, uni = make_poster_and_university()
    admin = make_chain_admin("chain-ai@example.com", "ai")
    challenge = make_challenge(poster, ChallengeState.awarded, indicators="1. PUE ≤ 1.15")
    project = make_project(make_proposal(challenge, uni, ProposalState.selected), milestones=0,
                           state=ProjectState.in_progress)
    projects.accept(admin, project, [{"met": passed}], passed, "验收意见。")
    assert project.proposal.state is state and state.label == ("验收通过" if passed else "终止")
    other = make_project(make_proposal(challenge, make_org(type=OrgType.university), ProposalState.selected))
    projects.terminate(admin, other, "经费未落实。")
    assert other.proposal.state is ProposalState.terminated
