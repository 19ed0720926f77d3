"""The concurrency harness: N simultaneous requests at each state-changing route, one effect, no 5xx.

Every request runs in its own thread, application context and database session (as under a
threaded server), released together by a barrier. On PostgreSQL this is the real race of two
gunicorn workers; on SQLite writers queue on the database lock. Each scenario builds the state
its route needs, fires PARALLEL posts (split among the actors named, e.g. the poster and the lead
department confirming one milestone at the same moment), and then counts the effect in the
database: exactly one audit entry of the action (or one row where the rule is "one").
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest

from conftest import PG_URL
from factories import (PASSWORD, make_chain_admin, make_challenge, make_expert, make_org, make_platform_admin,
                       make_proposal, make_user)
from marketplace.extensions import db
from marketplace.models import (AuditEvent, ChainLead, ChallengeInvitation, ChallengeState, ConsortiumMember,
                                ExpertMembership, Milestone, MilestoneState, Notification, Objection, OrgStatus,
                                OrgType, Project, ProjectState, ProposalState, Publicity, Review, ReviewState, User, Invitation, OrgRole)
from marketplace.services.chains import chain_by_code

PARALLEL = 20
S, P = ChallengeState, ProposalState


@dataclass
class Race:
    """What one scenario fires: `PARALLEL` posts of `data` to `url`, taken in turn by `actors`."""

    url: str
    actors: list[str]
    effect: callable  # () -> int: how many times the change happened
    data: dict | callable = field(default_factory=dict)
    expected: int = 1
    urls: dict[str, str] | None = None  # a URL per actor, where each acts on a different row


def audits(action: str):
    return lambda: db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).filter_by(action=action))


def rows(model, **criteria):
    return lambda: db.session.scalar(db.select(db.func.count()).select_from(model).filter_by(**criteria))


# ----- the world every scenario starts from --------------------------------------------------------

def _world():
    poster = make_org("发榜企业")
    make_user("poster@example.com", poster)
    uni = make_org("华楚理工大学", type=OrgType.university)
    make_user("uni@example.com", uni)
    make_chain_admin("chain-ai@example.com", "ai")
    make_platform_admin("root@example.com")
    experts = [make_expert(f"e{i}@example.com") for i in range(2)]
    return poster, uni, experts


def _closed_with_reviews(poster, uni, experts, submitted=True):
    challenge = make_challenge(poster, S.closed)
    proposal = make_proposal(challenge, uni)
    for expert in experts:
        db.session.add(Review(proposal=proposal, expert=expert, state=ReviewState.submitted if submitted
                              else ReviewState.assigned, total=80.0, scores={}))
    return challenge, proposal


def _publicity_over(challenge, proposal):
    proposal.state = P.selected
    db.session.add(Publicity(challenge=challenge, starts_on=date.today() - timedelta(days=10),
                             ends_on=date.today() - timedelta(days=3), text="公示"))


def _project(challenge, proposal, state=ProjectState.in_progress, milestone_state=MilestoneState.planned):
    proposal.state = P.selected
    project = Project(challenge=challenge, proposal=proposal, organisation_id=proposal.organisation_id,
                      funding_wan=Decimal("400"), start_date=date.today(), end_date=date.today() + timedelta(days=700),
                      task_book="任务书", state=state,
                      milestones=[Milestone(seq=1, title="样机", due_date=date.today() + timedelta(days=90),
                                            fund_share=100, state=milestone_state, evidence="测试报告")])
    db.session.add(project)
    db.session.flush()
    return project


# ----- scenarios: one per state-changing route ----------------------------------------------------

def challenge_submit(poster, uni, experts):
    c = make_challenge(poster, S.draft)
    return Race(f"/challenges/{c.id}/submit", ["poster@example.com"], audits("challenge_submitted"))


def challenge_approve(poster, uni, experts):
    c = make_challenge(poster, S.submitted)
    return Race(f"/challenges/{c.id}/approve", ["chain-ai@example.com"], audits("challenge_published"))


def challenge_return(poster, uni, experts):
    c = make_challenge(poster, S.submitted)
    return Race(f"/challenges/{c.id}/return", ["chain-ai@example.com"], audits("challenge_returned"),
                {"reason": "指标不够具体。"})


def challenge_close(poster, uni, experts):
    c = make_challenge(poster, S.published)
    return Race(f"/challenges/{c.id}/close", ["poster@example.com", "chain-ai@example.com"],
                audits("challenge_closed"))


def challenge_withdraw(poster, uni, experts):
    c = make_challenge(poster, S.published)
    return Race(f"/challenges/{c.id}/withdraw", ["poster@example.com"], audits("challenge_withdrawn"),
                {"reason": "需求已变化。"})


def challenge_key_link(poster, uni, experts):
    c = make_challenge(poster, S.published)
    return Race(f"/challenges/{c.id}/key-link", ["chain-ai@example.com"], audits("key_link_marked"))


def challenge_invite(poster, uni, experts):
    c = make_challenge(poster, S.published)
    return Race(f"/challenges/{c.id}/invite", ["poster@example.com"], rows(ChallengeInvitation, challenge_id=c.id),
                {"organisation_id": uni.id})


def proposal_create(poster, uni, experts):
    from test_proposals import proposal_form

    c = make_challenge(poster, S.published)
    return Race(f"/challenges/{c.id}/proposals/new", ["uni@example.com"], audits("proposal_created"), proposal_form())


def proposal_submit(poster, uni, experts):
    p = make_proposal(make_challenge(poster, S.published), uni, state=P.draft)
    return Race(f"/proposals/{p.id}/submit", ["uni@example.com"], audits("proposal_submitted"))


def proposal_withdraw(poster, uni, experts):
    p = make_proposal(make_challenge(poster, S.published), uni)
    return Race(f"/proposals/{p.id}/withdraw", ["uni@example.com"], audits("proposal_withdrawn"))


def consortium_invite(poster, uni, experts):
    partner = make_org("联合体研究院", type=OrgType.institute)
    p = make_proposal(make_challenge(poster, S.published), uni, state=P.draft)
    return Race(f"/proposals/{p.id}/members", ["uni@example.com"], rows(ConsortiumMember, proposal_id=p.id),
                {"organisation_id": partner.id, "role": "材料制备"})


def consortium_accept(poster, uni, experts):
    partner = make_org("联合体研究院", type=OrgType.institute)
    make_user("partner@example.com", partner)
    p = make_proposal(make_challenge(poster, S.published), uni, state=P.draft)
    member = ConsortiumMember(proposal=p, organisation=partner)
    db.session.add(member)
    db.session.flush()
    return Race(f"/proposals/{p.id}/members/{member.id}/accept", ["partner@example.com"],
                audits("consortium_accepted"))


def proposal_shortlist(poster, uni, experts):
    p = make_proposal(make_challenge(poster, S.closed), uni)
    return Race(f"/proposals/{p.id}/shortlist", ["poster@example.com", "chain-ai@example.com"],
                audits("proposal_shortlisted"))


def proposal_decline(poster, uni, experts):
    p = make_proposal(make_challenge(poster, S.closed), uni)
    return Race(f"/proposals/{p.id}/decline", ["poster@example.com", "chain-ai@example.com"],
                audits("proposal_declined"), {"code": "price", "reason": "报价过高"})


def review_assign(poster, uni, experts):
    p = make_proposal(make_challenge(poster, S.closed), uni)
    return Race(f"/proposals/{p.id}/reviewers", ["chain-ai@example.com"], rows(Review, proposal_id=p.id),
                {"expert_id": experts[0].id})


def review_submit(poster, uni, experts):
    challenge, proposal = _closed_with_reviews(poster, uni, experts[:1], submitted=False)
    db.session.flush()
    review = proposal.reviews[0]
    return Race(f"/reviews/{review.id}", ["e0@example.com"], audits("review_submitted"),
                {f"c{i}": 80 for i in range(5)} | {"comment": "方案可行。"})


def review_recuse(poster, uni, experts):
    challenge, proposal = _closed_with_reviews(poster, uni, experts[:1], submitted=False)
    db.session.flush()
    return Race(f"/reviews/{proposal.reviews[0].id}/recuse", ["e0@example.com"], audits("review_recused"),
                {"reason": "曾与申报单位合作。"})


def rubric_set(poster, uni, experts):
    c = make_challenge(poster, S.closed)
    return Race(f"/challenges/{c.id}/rubric", ["chain-ai@example.com"], audits("rubric_set"),
                {"rubric": "技术先进性 50\n可行性 50"})


def select(poster, uni, experts):
    challenge, proposal = _closed_with_reviews(poster, uni, experts)
    return Race(f"/challenges/{challenge.id}/select", ["chain-ai@example.com"], rows(Publicity, challenge_id=challenge.id),
                {"proposal_ids": proposal.id})


def fail(poster, uni, experts):
    challenge, _ = _closed_with_reviews(poster, uni, experts)
    return Race(f"/challenges/{challenge.id}/fail", ["chain-ai@example.com"], audits("challenge_failed"),
                {"reason": "无合适方案。"})


def approve_project(poster, uni, experts):
    challenge, proposal = _closed_with_reviews(poster, uni, experts)
    _publicity_over(challenge, proposal)
    return Race(f"/proposals/{proposal.id}/approve", ["chain-ai@example.com"], rows(Project, proposal_id=proposal.id),
                {"funding_wan": "400", "start_date": date.today().isoformat(),
                 "end_date": (date.today() + timedelta(days=700)).isoformat(),
                 "task_book": "按揭榜方案实施，两年内完成样机研制与示范运行，逐项达到榜单技术指标。", "confirm_over_budget": "y"})


def objection_respond(poster, uni, experts):
    challenge, proposal = _closed_with_reviews(poster, uni, experts)
    proposal.state = P.selected
    notice = Publicity(challenge=challenge, starts_on=date.today(), ends_on=date.today() + timedelta(days=7), text="公示")
    objection = Objection(publicity=notice, text="对评审过程有疑问，请说明。")
    db.session.add_all([notice, objection])
    db.session.flush()
    return Race(f"/objections/{objection.id}/respond", ["chain-ai@example.com"],
                lambda: db.session.get(Objection, objection.id).version - 1, {"response": "已核实，评审程序合规。"})


def project_start(poster, uni, experts):
    challenge, proposal = _closed_with_reviews(poster, uni, experts)
    project = _project(challenge, proposal, ProjectState.approved)
    return Race(f"/projects/{project.id}/start", ["uni@example.com", "chain-ai@example.com"], audits("project_started"))


def milestone_submit(poster, uni, experts):
    challenge, proposal = _closed_with_reviews(poster, uni, experts)
    project = _project(challenge, proposal)
    return Race(f"/projects/{project.id}/milestones/{project.milestones[0].id}/submit", ["uni@example.com"],
                audits("milestone_submitted"), {"evidence": "样机测试报告见附件。"})


def milestone_confirm(poster, uni, experts):
    """The poster and the lead department confirm at the same moment: both recorded once, then confirmed."""
    challenge, proposal = _closed_with_reviews(poster, uni, experts)
    project = _project(challenge, proposal, milestone_state=MilestoneState.submitted)
    milestone_id = project.milestones[0].id

    def effect():
        milestone = db.session.get(Milestone, milestone_id)
        parties = audits("milestone_confirmed_by_enterprise")() + audits("milestone_confirmed_by_admin")()
        return audits("milestone_confirmed")() if milestone.state is MilestoneState.confirmed and parties == 1 else 0

    return Race(f"/projects/{project.id}/milestones/{milestone_id}/confirm",
                ["poster@example.com", "chain-ai@example.com"], effect)


def milestone_reject(poster, uni, experts):
    challenge, proposal = _closed_with_reviews(poster, uni, experts)
    project = _project(challenge, proposal, milestone_state=MilestoneState.submitted)
    return Race(f"/projects/{project.id}/milestones/{project.milestones[0].id}/reject",
                ["poster@example.com", "chain-ai@example.com"], audits("milestone_rejected"), {"reason": "数据不全。"})


def project_midterm(poster, uni, experts):
    challenge, proposal = _closed_with_reviews(poster, uni, experts)
    project = _project(challenge, proposal)
    return Race(f"/projects/{project.id}/midterm", ["chain-ai@example.com"], audits("project_midterm"),
                {"midterm_result": "pass", "midterm_note": "进展符合计划。"})


def project_terminate(poster, uni, experts):
    challenge, proposal = _closed_with_reviews(poster, uni, experts)
    project = _project(challenge, proposal)
    return Race(f"/projects/{project.id}/terminate", ["chain-ai@example.com"], audits("project_terminated"),
                {"reason": "承担单位无法继续。"})


def project_acceptance(poster, uni, experts):
    challenge, proposal = _closed_with_reviews(poster, uni, experts)
    project = _project(challenge, proposal, milestone_state=MilestoneState.confirmed)
    checks = {"met_0": "yes", "met_1": "yes"}
    return Race(f"/projects/{project.id}/acceptance", ["chain-ai@example.com"], audits("achievement_created"),
                {"acceptance_result": "passed", "acceptance_note": "全部指标达到。", "trl": "7"} | checks)


def organisation_verify(poster, uni, experts):
    org = make_org("待认证企业", status=OrgStatus.pending)
    return Race(f"/admin/organisations/{org.id}/verify", ["root@example.com"], audits("organisation_verified"))


def organisation_reject(poster, uni, experts):
    org = make_org("待认证企业", status=OrgStatus.pending)
    return Race(f"/admin/organisations/{org.id}/reject", ["root@example.com"], audits("organisation_rejected"),
                {"reason": "营业执照不清晰。"})


def chain_lead_designate(poster, uni, experts):
    return Race("/admin/chains/ai/leads", ["root@example.com"], rows(ChainLead, organisation_id=poster.id),
                {"organisation_id": poster.id})


def chain_expert_appoint(poster, uni, experts):
    make_user("new-expert@example.com", uni, expertise="光电子器件")
    return Race("/admin/chains/ai/experts", ["chain-ai@example.com"], audits("expert_appointed"),
                {"email": "new-expert@example.com"})


def question_answer(poster, uni, experts):
    from marketplace.models import ChallengeQuestion

    c = make_challenge(poster, S.published)
    asker = db.session.scalar(db.select(User).filter_by(email="uni@example.com"))
    question = ChallengeQuestion(challenge=c, asked_by_id=asker.id, question="冷板材料有无限制？")
    db.session.add(question)
    db.session.flush()
    return Race(f"/challenges/{c.id}/questions/{question.id}/answer", ["poster@example.com"],
                audits("question_answered"), {"answer": "铜或铝均可。"})


def listing_archive(poster, uni, experts):
    from marketplace.models import Capability, ListingStatus

    capability = Capability(organisation_id=uni.id, title="高热流密度散热", direction="热管理", description="两相冷却")
    capability.chains = [chain_by_code("ai")]
    db.session.add(capability)
    db.session.flush()
    return Race(f"/capabilities/{capability.id}/status", ["uni@example.com"],
                audits(f"capability_{ListingStatus.archived.value}"), {"status": "archived"})


def key_link_remove(poster, uni, experts):
    c = make_challenge(poster, S.published, key_link_year=date.today().year)
    return Race(f"/challenges/{c.id}/key-link/remove", ["chain-ai@example.com"], audits("key_link_unmarked"))


def chain_lead_remove(poster, uni, experts):
    lead = ChainLead(chain=chain_by_code("ai"), organisation=poster)
    db.session.add(lead)
    db.session.flush()
    return Race(f"/admin/chains/ai/leads/{lead.id}/remove", ["root@example.com"], audits("chain_lead_removed"))


def chain_expert_dismiss(poster, uni, experts):
    membership = db.session.scalar(db.select(ExpertMembership).filter_by(user_id=experts[0].id))
    return Race(f"/admin/chains/ai/experts/{membership.id}/remove", ["chain-ai@example.com"],
                audits("expert_dismissed"))


def account_disable(poster, uni, experts):
    user = db.session.scalar(db.select(User).filter_by(email="uni@example.com"))
    return Race(f"/admin/users/{user.id}/enabled", ["root@example.com"], audits("account_disabled"),
                {"enabled": "0"})


def member_disable(poster, uni, experts):
    colleague = make_user("colleague@example.com", poster, role=OrgRole.member)
    return Race(f"/orgs/mine/members/{colleague.id}/enabled", ["poster@example.com"], audits("member_disabled"),
                {"enabled": "0"})


def members_demote_each_other(poster, uni, experts):
    """Two admins of one organisation demote each other at once: the last admin must survive."""
    make_user("second-admin@example.com", poster)
    first = db.session.scalar(db.select(User).filter_by(email="poster@example.com"))
    second = db.session.scalar(db.select(User).filter_by(email="second-admin@example.com"))
    race = Race("", ["poster@example.com", "second-admin@example.com"], audits("member_role_changed"),
                {"role": "member"})
    race.urls = {"poster@example.com": f"/orgs/mine/members/{second.id}/role",
                 "second-admin@example.com": f"/orgs/mine/members/{first.id}/role"}
    return race


def invitation_revoke(poster, uni, experts):
    from datetime import datetime, timezone

    invitation = Invitation(organisation_id=poster.id, email="new@example.com", token_hash="f" * 64,
                            expires_at=datetime.now(timezone.utc) + timedelta(days=7))
    db.session.add(invitation)
    db.session.flush()
    return Race(f"/orgs/mine/invitations/{invitation.id}/revoke", ["poster@example.com"],
                # each revocation that went through bumped the organisation's version once
                lambda: db.session.get(Invitation, invitation.id).organisation.version - 1)


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def challenge_create(poster, uni, experts):
    data = {"title": "碳化硅衬底微管缺陷控制", "chain_id": chain_by_code("materials").id, "mode": "open_call",
            "background": "衬底依赖进口。", "budget_wan": "600", "deadline": (date.today() + timedelta(days=40)).isoformat(),
            "period_months": "24", "keywords": "碳化硅, 衬底", "ip_terms": "joint", "visibility": "public",
            "contact_name": "王工", "contact_phone": "027-88888888"}
    return Race("/challenges/new", ["poster@example.com"], audits("challenge_created"), data)


def capability_create(poster, uni, experts):
    data = {"title": "碳化硅单晶生长与缺陷控制", "direction": "宽禁带半导体衬底", "team_lead": "李卫东 教授",
            "team_size": "25", "description": "掌握物理气相传输法生长 8 英寸碳化硅单晶。", "keywords": "碳化硅，衬底",
            "chain_ids": [chain_by_code("materials").id]}
    return Race("/capabilities/new", ["uni@example.com"], audits("capability_created"), data)


def question_ask(poster, uni, experts):
    c = make_challenge(poster, S.published)
    return Race(f"/challenges/{c.id}/questions", ["uni@example.com"], audits("question_asked"),
                {"question": "冷板材料有无限制？"})


def objection_file(poster, uni, experts):
    challenge, proposal = _closed_with_reviews(poster, uni, experts)
    proposal.state = P.selected
    notice = Publicity(challenge=challenge, starts_on=date.today(), ends_on=date.today() + timedelta(days=7), text="公示")
    db.session.add(notice)
    db.session.flush()
    return Race(f"/publicity/{notice.id}/objections", ["poster@example.com"], rows(Objection, publicity_id=notice.id),
                {"text": "对评审过程有疑问，请说明评分依据。"})


def attachment_upload(poster, uni, experts):
    import io

    c = make_challenge(poster, S.published)
    return Race(f"/challenges/{c.id}/attachments", ["poster@example.com"], audits("attachment_added"),
                lambda: {"attachment": (io.BytesIO(PDF), "任务说明.pdf")})


def member_invite(poster, uni, experts):
    from marketplace.models import Invitation

    return Race("/orgs/mine/members", ["poster@example.com"], rows(Invitation, organisation_id=poster.id),
                {"email": "newcomer@example.com", "role": "member"})


SCENARIOS = [challenge_submit, challenge_approve, challenge_return, challenge_close, challenge_withdraw,
             challenge_key_link, challenge_invite, proposal_create, proposal_submit, proposal_withdraw,
             consortium_invite, consortium_accept, proposal_shortlist, proposal_decline, review_assign, review_submit,
             review_recuse, rubric_set, select, fail, approve_project, objection_respond, project_start,
             milestone_submit, milestone_confirm, milestone_reject, project_midterm, project_terminate,
             project_acceptance, organisation_verify, organisation_reject, chain_lead_designate,
             chain_expert_appoint, question_answer, listing_archive, key_link_remove, chain_lead_remove,
             chain_expert_dismiss, account_disable, member_disable, members_demote_each_other, invitation_revoke,
             challenge_create, capability_create, question_ask, objection_file, attachment_upload, member_invite]


# ----- firing --------------------------------------------------------------------------------------

def _clients(app, email: str, count: int):
    """`count` clients sharing one logged-in session (one login, not `count`: logins are throttled)."""
    first = app.test_client()
    response = first.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code in (302, 303), f"login of {email} failed: {response.status_code}"
    token = first.csrf_token()
    cookie = first.get_cookie("session")
    clients = []
    for _ in range(count):
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
        clients.append(client)
    return clients, token


def fire(app, race: Race) -> list[int]:
    """PARALLEL posts released at once; returns their status codes."""
    per_actor = {email: _clients(app, email, -(-PARALLEL // len(race.actors))) for email in race.actors}
    shots = []
    for i in range(PARALLEL):
        clients, token = per_actor[race.actors[i % len(race.actors)]]
        shots.append((clients[i // len(race.actors)], token))
    barrier = threading.Barrier(PARALLEL)
    statuses: list[int | None] = [None] * PARALLEL
    errors: list[BaseException] = []

    def shoot(i):
        client, token = shots[i]
        try:
            barrier.wait(timeout=30)
            url = race.urls[race.actors[i % len(race.actors)]] if race.urls else race.url
            data = race.data() if callable(race.data) else race.data  # a callable: fresh file objects
            statuses[i] = client.post(url, data=dict(data, csrf_token=token)).status_code
        except BaseException as error:  # reported below: a crash in a thread must fail the test
            errors.append(error)

    threads = [threading.Thread(target=shoot, args=(i,)) for i in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return statuses


@pytest.mark.timeout(300)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_parallel_requests_have_one_effect_and_no_server_error(app, ctx, scenario):
    race = scenario(*_world())
    db.session.commit()
    assert race.effect() == 0
    statuses = fire(app, race)
    db.session.expire_all()
    assert all(status < 500 for status in statuses), statuses
    assert race.effect() == race.expected, (race.effect(), statuses)
    assert any(status in (200, 302, 303) for status in statuses), statuses
    if race.expected == 1:  # a duplicate that slipped through would also have notified twice
        doubled = db.session.execute(db.select(Notification.user_id, Notification.title).group_by(
            Notification.user_id, Notification.title).having(db.func.count() > 1)).all()
        assert not doubled, doubled
