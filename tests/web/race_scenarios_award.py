"""Race scenarios from posting to 立项: one per state-changing route of the 揭榜 flow."""
from __future__ import annotations

from datetime import timedelta

from factories import make_challenge, make_org, make_proposal, make_user
from races import P, Race, S, audits, closed_with_reviews, publicity_over, rows

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import (
    ChallengeInvitation,
    ConsortiumMember,
    Objection,
    OrgType,
    Project,
    Publicity,
    Review,
    Visibility,
)

# ----- scenarios: one per state-changing route ----------------------------------------------------

def key_link_attach(poster, uni, experts):
    from marketplace.models import KeyLink
    from marketplace.services.chains import chain_by_code

    c = make_challenge(poster, S.published)
    link = KeyLink(chain=chain_by_code("ai"), year=clock.today().year, segment="液冷散热")
    db.session.add(link)
    db.session.flush()
    return Race(f"/admin/chains/ai/key-links/{link.id}/attach", ["chain-ai@example.com"],
                audits("key_link_attached"), {"challenge_id": str(c.id)})


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


def challenge_invite(poster, uni, experts):
    c = make_challenge(poster, S.published, visibility=Visibility.invited)  # the listings that take invitations
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
    challenge, proposal = closed_with_reviews(poster, uni, experts[:1], submitted=False)
    db.session.flush()
    review = proposal.reviews[0]
    return Race(f"/reviews/{review.id}", ["e0@example.com"], audits("review_submitted"),
                {f"c{i}": 80 for i in range(5)} | {"comment": "方案可行。"})


def review_recuse(poster, uni, experts):
    challenge, proposal = closed_with_reviews(poster, uni, experts[:1], submitted=False)
    db.session.flush()
    return Race(f"/reviews/{proposal.reviews[0].id}/recuse", ["e0@example.com"], audits("review_recused"),
                {"reason": "曾与申报单位合作。"})


def rubric_set(poster, uni, experts):
    c = make_challenge(poster, S.closed)
    return Race(f"/challenges/{c.id}/rubric", ["chain-ai@example.com"], audits("rubric_set"),
                {"rubric": "技术先进性 50\n可行性 50"})


def select(poster, uni, experts):
    challenge, proposal = closed_with_reviews(poster, uni, experts)
    return Race(f"/challenges/{challenge.id}/select", ["chain-ai@example.com"], rows(Publicity, challenge_id=challenge.id),
                {"proposal_ids": proposal.id})


def fail(poster, uni, experts):
    challenge, _ = closed_with_reviews(poster, uni, experts)
    return Race(f"/challenges/{challenge.id}/fail", ["chain-ai@example.com"], audits("challenge_failed"),
                {"reason": "无合适方案。"})


def approve_project(poster, uni, experts):
    challenge, proposal = closed_with_reviews(poster, uni, experts)
    publicity_over(challenge, proposal)
    return Race(f"/proposals/{proposal.id}/approve", ["chain-ai@example.com"], rows(Project, proposal_id=proposal.id),
                {"funding_wan": "400", "start_date": clock.today().isoformat(),
                 "end_date": (clock.today() + timedelta(days=700)).isoformat(),
                 "task_book": "按揭榜方案实施，两年内完成样机研制与示范运行，逐项达到榜单技术指标。", "confirm_over_budget": "y"})


def objection_respond(poster, uni, experts):
    challenge, proposal = closed_with_reviews(poster, uni, experts)
    proposal.state = P.selected
    notice = Publicity(challenge=challenge, starts_on=clock.today(), ends_on=clock.today() + timedelta(days=7), text="公示")
    objection = Objection(publicity=notice, text="对评审过程有疑问，请说明。")
    db.session.add_all([notice, objection])
    db.session.flush()
    return Race(f"/objections/{objection.id}/respond", ["chain-ai@example.com"],
                lambda: db.session.get(Objection, objection.id).version - 1, {"response": "已核实，评审程序合规。"})


SCENARIOS = [challenge_submit, challenge_approve, challenge_return, challenge_close, challenge_withdraw,
             key_link_attach, challenge_invite, proposal_create, proposal_submit, proposal_withdraw,
             consortium_invite, consortium_accept, proposal_shortlist, proposal_decline, review_assign,
             review_submit, review_recuse, rubric_set, select, fail,
             approve_project, objection_respond]
