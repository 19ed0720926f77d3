"""Challenge states: each transition by the right actor in the right state, refused otherwise."""
from datetime import timedelta

import pytest
from factories import make_chain_admin, make_challenge, make_org, make_org_with_user, make_platform_admin, make_user

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import AuditEvent, Challenge, ChallengeState, OrgRole, OrgType

S = ChallengeState


@pytest.fixture
def world(ctx):
    poster = make_org_with_user("owner@example.com", "发榜企业")
    make_user("staff@example.com", poster, role=OrgRole.member)
    make_org_with_user("other-ent@example.com", "别家企业")
    make_org_with_user("inst@example.com", "某大学", type=OrgType.university)
    make_chain_admin("chain-ai@example.com", "ai")
    make_chain_admin("chain-compute@example.com", "compute")
    make_platform_admin("root@example.com")
    db.session.commit()
    return poster


def state_of(challenge_id) -> ChallengeState:
    return db.session.get(Challenge, challenge_id).state


FORM = {"title": "碳化硅衬底微管缺陷控制", "chain_id": "", "mode": "open_call", "background": "衬底依赖进口。",
        "difficulty": "微管密度控制", "indicators": "1. 微管密度 ≤ 0.1 个/cm²", "expected_outcome": "8 英寸衬底样品",
        "budget_wan": "600", "deadline": (clock.today() + timedelta(days=40)).isoformat(), "period_months": "24",
        "conditions": "", "keywords": "碳化硅，衬底, 微管", "ip_terms": "joint", "visibility": "public",
        "contact_name": "王工", "contact_phone": "027-88888888"}


def test_enterprise_posts_draft_then_submits_and_chain_admin_publishes(client, auth, world):
    from marketplace.services.chains import chain_by_code

    auth.login("staff@example.com")
    response = client.post("/challenges/new", data=FORM | {"chain_id": chain_by_code("materials").id})
    assert response.status_code == 302
    challenge = db.session.scalar(db.select(Challenge).filter_by(title="碳化硅衬底微管缺陷控制"))
    assert challenge.state is S.draft and challenge.keywords == "碳化硅, 衬底, 微管"
    assert client.post(f"/challenges/{challenge.id}/submit").status_code == 303
    assert state_of(challenge.id) is S.submitted
    client.post("/auth/logout")
    auth.login("chain-ai@example.com")  # wrong chain: cannot even see a submitted listing of 新材料
    assert client.post(f"/challenges/{challenge.id}/approve").status_code == 404
    client.post("/auth/logout")
    auth.login("root@example.com")
    assert client.post(f"/challenges/{challenge.id}/approve").status_code == 303
    assert state_of(challenge.id) is S.published
    actions = [e.action for e in db.session.scalars(db.select(AuditEvent).filter_by(subject_type="challenge"))]
    assert actions == ["challenge_created", "challenge_submitted", "challenge_published"]


def test_return_needs_reason_and_owner_resubmits(client, auth, world):
    challenge = make_challenge(world, S.submitted)
    db.session.commit()
    auth.login("chain-ai@example.com")
    response = client.post(f"/challenges/{challenge.id}/return", data={"reason": ""})
    assert response.status_code == 400 and "请填写原因" in response.get_data(as_text=True)
    assert state_of(challenge.id) is S.submitted
    client.post(f"/challenges/{challenge.id}/return", data={"reason": "技术指标不够量化，请补充测试条件。"})
    assert state_of(challenge.id) is S.returned
    client.post("/auth/logout")
    auth.login("owner@example.com")
    assert "技术指标不够量化" in client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    client.post(f"/challenges/{challenge.id}/submit")
    assert state_of(challenge.id) is S.submitted


@pytest.mark.parametrize("who, action, start, allowed", [
    ("owner@example.com", "submit", S.draft, True),
    ("other-ent@example.com", "submit", S.draft, False),
    ("chain-ai@example.com", "submit", S.draft, False),
    ("owner@example.com", "submit", S.published, False),
    ("owner@example.com", "approve", S.submitted, False),
    ("inst@example.com", "approve", S.submitted, False),
    ("chain-compute@example.com", "approve", S.submitted, False),
    ("chain-ai@example.com", "approve", S.submitted, True),
    ("chain-ai@example.com", "approve", S.draft, False),
    ("root@example.com", "approve", S.published, False),
    ("owner@example.com", "close", S.published, True),
    ("chain-ai@example.com", "close", S.published, True),
    ("other-ent@example.com", "close", S.published, False),
    ("owner@example.com", "close", S.submitted, False),
    ("owner@example.com", "withdraw", S.published, True),
    ("owner@example.com", "withdraw", S.awarded, False),
    ("chain-ai@example.com", "withdraw", S.published, False),
    ("owner@example.com", "withdraw", S.withdrawn, False),
])
def test_transition_matrix(client, auth, world, who, action, start, allowed):
    challenge = make_challenge(world, start)
    db.session.commit()
    auth.login(who)
    data = {"reason": "企业技术路线调整"} if action == "withdraw" else {}
    response = client.post(f"/challenges/{challenge.id}/{action}", data=data)
    after = state_of(challenge.id)
    if allowed:
        assert response.status_code == 303 and after is not start
    else:
        assert response.status_code in (403, 404, 409) and after is start


def test_submit_refused_when_required_parts_missing(client, auth, world):
    challenge = make_challenge(world, S.draft, indicators="", difficulty="")
    db.session.commit()
    auth.login("owner@example.com")
    response = client.post(f"/challenges/{challenge.id}/submit")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    # The edit form comes back with each missing part marked and linked from the summary.
    assert "提交审核前请填写主要技术难点" in html and "提交审核前请填写技术指标" in html
    assert 'href="#difficulty"' in html and 'href="#indicators"' in html and 'href="#expected_outcome"' not in html
    assert f'action="/challenges/{challenge.id}/edit"' in html  # saving goes to the edit, not the submit
    assert challenge.title in html  # what was already written is in the form
    assert state_of(challenge.id) is S.draft


def test_institution_cannot_post_challenges(client, auth, world):
    auth.login("inst@example.com")
    assert client.get("/challenges/new").status_code == 403


def test_pending_enterprise_cannot_post(client, auth, ctx):
    from marketplace.models import OrgStatus

    make_user("p@example.com", make_org("待审核企业", status=OrgStatus.pending))
    db.session.commit()
    auth.login("p@example.com")
    assert client.get("/challenges/new").status_code == 403


def test_deadline_passes_and_listing_closes_automatically(app, client, world):
    from marketplace import jobs

    past = make_challenge(world, S.published, deadline=clock.today() - timedelta(days=1))
    current = make_challenge(world, S.published, title="未到期榜单")
    db.session.commit()
    assert jobs.run_due_jobs()["closed"] == 1
    assert state_of(past.id) is S.closed and state_of(current.id) is S.published
    event = db.session.scalar(db.select(AuditEvent).filter_by(subject_id=past.id, action="challenge_closed"))
    assert event.actor_id is None and "截止" in event.reason


def test_bad_challenge_form_keeps_input_and_saves_nothing(client, auth, world):
    auth.login("owner@example.com")
    data = FORM | {"chain_id": "1", "budget_wan": "-5", "deadline": "2000-01-01", "contact_phone": "电话",
                   "title": "保留这个标题"}
    response = client.post("/challenges/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "保留这个标题" in html and "榜额应在" in html and "不能早于今天" in html and "有效的电话号码" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Challenge)) == 0
