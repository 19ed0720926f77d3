"""Regressions for the access gaps of the integrity probe (issue 10): each failed on the code before it."""
import pytest
from factories import (
    make_chain_admin,
    make_challenge,
    make_expert,
    make_org,
    make_org_with_user,
    make_proposal,
    make_user,
)
from test_proposals import proposal_form

from marketplace.extensions import db
from marketplace.models import (
    Attachment,
    ChallengeInvitation,
    ChallengeMode,
    ConsortiumMember,
    ExpertMembership,
    MemberState,
    OrgStatus,
    OrgType,
    Proposal,
    ProposalState,
    Review,
    ReviewState,
    User,
    Visibility,
)
from marketplace.services.chains import chain_by_code

SECRET = "仅受邀机构可读的铌酸锂薄膜工艺"


@pytest.fixture
def world(ctx):
    poster = make_org_with_user("poster@example.com", "发榜企业")
    invited = make_org_with_user("invited@example.com", "受邀大学", type=OrgType.university)
    make_chain_admin("chain-ai@example.com", "ai")
    expert = make_expert("expert@example.com", "ai")  # a verified university's expert, not invited
    challenge = make_challenge(poster, title="邀请制揭榜挂帅榜单", mode=ChallengeMode.open_call,
                               visibility=Visibility.invited, difficulty=SECRET)
    db.session.add(ChallengeInvitation(challenge=challenge, organisation=invited))
    db.session.commit()
    return {"challenge": challenge.id, "expert": expert.id, "invited": invited.id}


def test_uninvited_committee_expert_neither_reads_nor_answers_an_invited_open_call(client, auth, world):
    auth.login("expert@example.com")
    assert client.get(f"/challenges/{world['challenge']}").status_code == 404
    assert SECRET not in client.get("/search?q=铌酸锂薄膜").get_data(as_text=True)
    response = client.post(f"/challenges/{world['challenge']}/proposals/new", data=proposal_form())
    assert response.status_code in (403, 404)
    assert db.session.scalar(db.select(db.func.count()).select_from(Proposal)) == 0


def test_expert_reviewing_an_invited_listing_reads_it_but_still_cannot_answer_it(client, auth, world):
    from marketplace.models import Challenge

    challenge = db.session.get(Challenge, world["challenge"])
    proposal = make_proposal(challenge, db.session.get(type(challenge.organisation), world["invited"]))
    db.session.add(Review(proposal=proposal, expert_id=world["expert"]))
    db.session.commit()
    auth.login("expert@example.com")
    page = client.get(f"/challenges/{world['challenge']}")
    assert page.status_code == 200 and SECRET in page.get_data(as_text=True)
    response = client.post(f"/challenges/{world['challenge']}/proposals/new", data=proposal_form())
    assert response.status_code == 403 and "仅限受邀机构" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Proposal)) == 1


def test_expert_of_a_pending_organisation_oversees_nothing(client, auth, world):
    from marketplace.models import Challenge

    pending = make_org("待认证研究院", type=OrgType.institute, status=OrgStatus.pending)
    expert = make_expert("pending-expert@example.com", "ai", org=pending)
    summary = make_challenge(title="摘要榜单", visibility=Visibility.summary, difficulty="摘要榜单的保密难点")
    challenge = db.session.get(Challenge, world["challenge"])
    proposal = make_proposal(challenge, db.session.get(type(pending), world["invited"]), technical_plan="保密的技术方案")
    review = Review(proposal=proposal, expert=expert)  # appointed and assigned before the rules held
    db.session.add(review)
    db.session.commit()
    auth.login("pending-expert@example.com")
    assert "摘要榜单的保密难点" not in client.get(f"/challenges/{summary.id}").get_data(as_text=True)
    assert client.get(f"/challenges/{world['challenge']}").status_code == 404
    assert client.get(f"/proposals/{proposal.id}").status_code in (403, 404)
    assert client.get(f"/reviews/{review.id}").status_code == 403
    response = client.post(f"/reviews/{review.id}", data={f"c{i}": 80 for i in range(5)} | {"comment": "可行。"})
    assert response.status_code == 403
    assert db.session.get(Review, review.id).state is ReviewState.assigned


def test_a_pending_organisations_user_cannot_be_appointed_or_assigned(client, auth, world):
    pending = make_org("待认证大学", type=OrgType.university, status=OrgStatus.pending)
    candidate = make_user("pending@example.com", pending, expertise="光电子器件")
    db.session.commit()
    auth.login("chain-ai@example.com")
    response = client.post("/admin/chains/ai/experts", data={"user_id": candidate.id, "title": "教授",
                                                              "expertise": "光电子器件"})
    assert response.status_code == 400 and "尚未通过平台认证" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(ExpertMembership).join(User).where(
        User.email == "pending@example.com")) == 0


def test_a_consortium_member_that_declined_loses_the_proposal_and_its_files(app, client, auth, world):
    from marketplace.models import Challenge, Organisation
    from marketplace.services import attachments

    challenge = db.session.get(Challenge, world["challenge"])
    partner = make_org_with_user("partner@example.com", "联合体研究院", type=OrgType.institute)
    proposal = make_proposal(challenge, db.session.get(Organisation, world["invited"]), state=ProposalState.draft)
    member = ConsortiumMember(proposal=proposal, organisation=partner)
    db.session.add(member)
    db.session.flush()
    (attachments.storage_dir(app.instance_path) / "plan.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    stored = Attachment(owner_type="proposal", owner_id=proposal.id, original_name="方案.pdf", stored_name="plan.pdf",
                        content_type="application/pdf", size=15, sha256="0" * 64)
    db.session.add(stored)
    db.session.commit()
    auth.login("partner@example.com")
    assert client.get(f"/proposals/{proposal.id}").status_code == 200  # invited: reads before answering
    assert client.post(f"/proposals/{proposal.id}/members/{member.id}/decline").status_code == 303
    assert db.session.get(ConsortiumMember, member.id).state is MemberState.declined
    assert client.get(f"/proposals/{proposal.id}").status_code in (403, 404)
    assert client.get(f"/proposals/{proposal.id}/attachments/{stored.id}").status_code in (403, 404)
    assert "邀请制揭榜挂帅榜单" not in client.get("/proposals/mine").get_data(as_text=True)


def test_a_chain_admin_cannot_rewrite_another_chains_expert(client, auth, world):
    make_chain_admin("chain-compute@example.com", "compute")
    db.session.commit()
    auth.login("chain-compute@example.com")
    response = client.post("/admin/chains/compute/experts", data={
        "user_id": world["expert"], "title": "冒名职称", "expertise": "被改写的专长"})
    assert response.status_code == 400 and "平台管理员维护" in response.get_data(as_text=True)
    expert = db.session.get(User, world["expert"])
    assert expert.expertise == "大模型推理加速与模型压缩" and expert.expert_title != "冒名职称"
    # Appointing with the fields left empty keeps the profile and succeeds.
    response = client.post("/admin/chains/compute/experts", data={"user_id": world["expert"]})
    assert response.status_code == 303
    assert {m.chain_id for m in db.session.get(User, world["expert"]).expert_memberships} == {
        chain_by_code("ai").id, chain_by_code("compute").id}


@pytest.mark.parametrize("state", [ProposalState.declined, ProposalState.withdrawn])
def test_experts_cannot_score_a_declined_or_withdrawn_proposal(client, auth, world, state):
    from marketplace.models import Challenge, Organisation

    proposal = make_proposal(db.session.get(Challenge, world["challenge"]),
                             db.session.get(Organisation, world["invited"]))
    review = Review(proposal=proposal, expert_id=world["expert"])
    db.session.add(review)
    db.session.flush()
    proposal.state = state
    db.session.commit()
    auth.login("expert@example.com")
    response = client.post(f"/reviews/{review.id}", data={f"c{i}": 80 for i in range(5)} | {"comment": "可行。"})
    assert response.status_code == 409 and f"该方案已{state.label}，不再评审。" in response.get_data(as_text=True)
    assert db.session.get(Review, review.id).state is ReviewState.assigned
    assert db.session.get(Review, review.id).total is None


def test_an_expert_who_recused_no_longer_reads_the_invited_listing(client, auth, world):
    from marketplace.models import Challenge, Organisation

    challenge = db.session.get(Challenge, world["challenge"])
    proposal = make_proposal(challenge, db.session.get(Organisation, world["invited"]))
    db.session.add(Review(proposal=proposal, expert_id=world["expert"], state=ReviewState.recused,
                          recusal_reason="曾与申报单位合作。"))
    db.session.commit()
    auth.login("expert@example.com")
    assert client.get(f"/challenges/{world['challenge']}").status_code == 404


def test_dismissing_an_expert_reaches_the_match_index(client, auth, world):
    from marketplace.models import IndexChange

    membership = db.session.scalar(db.select(ExpertMembership).filter_by(user_id=world["expert"]))
    before = db.session.scalar(db.select(db.func.count()).select_from(IndexChange).filter_by(
        doc_id=f"exp:{world['expert']}"))
    auth.login("chain-ai@example.com")
    assert client.post(f"/admin/chains/ai/experts/{membership.id}/remove").status_code == 303
    after = db.session.scalar(db.select(db.func.count()).select_from(IndexChange).filter_by(
        doc_id=f"exp:{world['expert']}"))
    assert after == before + 1
