"""Editing challenges: optimistic locking, versioned edits of published listings, key links, Q&A."""
from datetime import timedelta

import pytest
from factories import make_chain_admin, make_challenge, make_org_with_user, make_user

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Challenge, ChallengeRevision, ChallengeState, OrgRole, OrgType

S = ChallengeState


@pytest.fixture
def world(ctx):
    org = make_org_with_user("a@example.com", "发榜企业")
    make_user("b@example.com", org, role=OrgRole.member)
    make_org_with_user("inst@example.com", "某大学", type=OrgType.university)
    make_chain_admin("chain-ai@example.com", "ai")
    challenge = make_challenge(org, S.published)
    db.session.commit()
    return challenge.id


def edit_form(challenge: Challenge, **changes) -> dict:
    data = {name: getattr(challenge, name) for name in (
        "title", "background", "difficulty", "indicators", "expected_outcome", "conditions", "keywords",
        "contact_name", "contact_phone", "period_months")}
    data.update(chain_id=challenge.chain_id, mode=challenge.mode.value, ip_terms=challenge.ip_terms.value,
                visibility=challenge.visibility.value, budget_wan=str(challenge.budget_wan),
                deadline=challenge.deadline.isoformat(), version=challenge.version)
    data.update(changes)
    return data


def test_second_save_of_a_stale_version_is_refused_and_input_kept(app, client, auth, world):
    challenge = db.session.get(Challenge, world)
    first = edit_form(challenge, title="甲修改后的标题")
    second = edit_form(challenge, title="乙想要的标题")  # opened the same version
    other = app.test_client()
    other.post("/auth/login", data={"email": "b@example.com", "password": "password-123"})
    auth.login("a@example.com")
    assert client.post(f"/challenges/{world}/edit", data=first).status_code == 302
    response = other.post(f"/challenges/{world}/edit", data=second)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "已被他人修改" in html and "乙想要的标题" in html
    assert db.session.get(Challenge, world).title == "甲修改后的标题"


def test_edits_of_a_published_listing_are_versioned_and_shown(client, auth, world):
    challenge = db.session.get(Challenge, world)
    auth.login("a@example.com")
    client.post(f"/challenges/{world}/edit", data=edit_form(challenge, indicators="1. 热阻 ≤ 0.02 ℃·cm²/W"))
    revision = db.session.scalar(db.select(ChallengeRevision).filter_by(challenge_id=world))
    assert revision.changes["indicators"][1] == "1. 热阻 ≤ 0.02 ℃·cm²/W"
    client.post("/auth/logout")
    html = client.get(f"/challenges/{world}").get_data(as_text=True)
    assert "发布后的修改" in html and "0.02" in html


def test_edit_of_draft_keeps_no_revision(client, auth, world):
    draft = make_challenge(db.session.get(Challenge, world).organisation, S.draft)
    db.session.commit()
    auth.login("a@example.com")
    assert client.post(f"/challenges/{draft.id}/edit", data=edit_form(draft, title="新标题")).status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(ChallengeRevision)) == 0


def test_questions_and_answers(client, auth, world):
    auth.login("inst@example.com")
    response = client.post(f"/challenges/{world}/questions", data={"question": "冷板材质是否限定为铜？"})
    assert response.status_code == 303
    client.post("/auth/logout")
    auth.login("b@example.com")
    question_id = db.session.get(Challenge, world).questions[0].id
    assert client.post(f"/challenges/{world}/questions/{question_id}/answer",
                       data={"answer": "不限定，铝合金亦可。"}).status_code == 303
    client.post("/auth/logout")
    html = client.get(f"/challenges/{world}").get_data(as_text=True)  # a guest sees the public Q&A
    assert "冷板材质是否限定为铜" in html and "铝合金亦可" in html


def test_enterprises_cannot_ask_and_empty_question_is_refused(client, auth, world):
    auth.login("a@example.com")
    assert client.post(f"/challenges/{world}/questions", data={"question": "自问自答"}).status_code == 403
    client.post("/auth/logout")
    auth.login("inst@example.com")
    assert client.post(f"/challenges/{world}/questions", data={"question": ""}).status_code == 400


def test_no_questions_on_closed_listing(client, auth, world):
    closed = make_challenge(db.session.get(Challenge, world).organisation, S.closed,
                            deadline=clock.today() - timedelta(days=1))
    db.session.commit()
    auth.login("inst@example.com")
    assert client.post(f"/challenges/{closed.id}/questions", data={"question": "还能提问吗？"}).status_code == 409
