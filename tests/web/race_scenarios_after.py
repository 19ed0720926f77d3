"""Race scenarios after 立项 and around it: projects, administration, members and creating records."""
from __future__ import annotations

from datetime import UTC, timedelta

from factories import make_challenge, make_org, make_user
from races import P, Race, S, audits, closed_with_reviews, project_for, rows

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import (
    ChainLead,
    ExpertMembership,
    Invitation,
    Milestone,
    MilestoneState,
    Objection,
    OrgRole,
    OrgStatus,
    ProjectState,
    Publicity,
    User,
)
from marketplace.services.chains import chain_by_code


def project_start(poster, uni, experts):
    challenge, proposal = closed_with_reviews(poster, uni, experts)
    project = project_for(challenge, proposal, ProjectState.approved)
    return Race(f"/projects/{project.id}/start", ["uni@example.com", "chain-ai@example.com"], audits("project_started"))


def milestone_submit(poster, uni, experts):
    challenge, proposal = closed_with_reviews(poster, uni, experts)
    project = project_for(challenge, proposal)
    return Race(f"/projects/{project.id}/milestones/{project.milestones[0].id}/submit", ["uni@example.com"],
                audits("milestone_submitted"), {"evidence": "样机测试报告见附件。"})


def milestone_confirm(poster, uni, experts):
    """The poster and the lead department confirm at the same moment: both recorded once, then confirmed."""
    challenge, proposal = closed_with_reviews(poster, uni, experts)
    project = project_for(challenge, proposal, milestone_state=MilestoneState.submitted)
    milestone_id = project.milestones[0].id

    def effect():
        milestone = db.session.get(Milestone, milestone_id)
        parties = audits("milestone_confirmed_by_enterprise")() + audits("milestone_confirmed_by_admin")()
        return audits("milestone_confirmed")() if milestone.state is MilestoneState.confirmed and parties == 1 else 0

    return Race(f"/projects/{project.id}/milestones/{milestone_id}/confirm",
                ["poster@example.com", "chain-ai@example.com"], effect)


def milestone_reject(poster, uni, experts):
    challenge, proposal = closed_with_reviews(poster, uni, experts)
    project = project_for(challenge, proposal, milestone_state=MilestoneState.submitted)
    return Race(f"/projects/{project.id}/milestones/{project.milestones[0].id}/reject",
                ["poster@example.com", "chain-ai@example.com"], audits("milestone_rejected"), {"reason": "数据不全。"})


def project_midterm(poster, uni, experts):
    challenge, proposal = closed_with_reviews(poster, uni, experts)
    project = project_for(challenge, proposal)
    return Race(f"/projects/{project.id}/midterm", ["chain-ai@example.com"], audits("project_midterm"),
                {"midterm_result": "pass", "midterm_note": "进展符合计划。"})


def project_terminate(poster, uni, experts):
    challenge, proposal = closed_with_reviews(poster, uni, experts)
    project = project_for(challenge, proposal)
    return Race(f"/projects/{project.id}/terminate", ["chain-ai@example.com"], audits("project_terminated"),
                {"reason": "承担单位无法继续。"})


def project_acceptance(poster, uni, experts):
    challenge, proposal = closed_with_reviews(poster, uni, experts)
    project = project_for(challenge, proposal, milestone_state=MilestoneState.confirmed)
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
    candidate = make_user("new-expert@example.com", uni, expertise="光电子器件")
    db.session.flush()
    return Race("/admin/chains/ai/experts", ["chain-ai@example.com"], audits("expert_appointed"),
                {"user_id": candidate.id})


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
    from datetime import datetime

    invitation = Invitation(organisation_id=poster.id, email="new@example.com", token_hash="f" * 64,
                            expires_at=datetime.now(UTC) + timedelta(days=7))
    db.session.add(invitation)
    db.session.flush()
    return Race(f"/orgs/mine/invitations/{invitation.id}/revoke", ["poster@example.com"],
                # each revocation that went through bumped the organisation's version once
                lambda: db.session.get(Invitation, invitation.id).organisation.version - 1)


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def challenge_create(poster, uni, experts):
    data = {"title": "碳化硅衬底微管缺陷控制", "chain_id": chain_by_code("materials").id, "mode": "open_call",
            "background": "衬底依赖进口。", "budget_wan": "600", "deadline": (clock.today() + timedelta(days=40)).isoformat(),
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
    challenge, proposal = closed_with_reviews(poster, uni, experts)
    proposal.state = P.selected
    notice = Publicity(challenge=challenge, starts_on=clock.today(), ends_on=clock.today() + timedelta(days=7), text="公示")
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


SCENARIOS = [project_start, milestone_submit, milestone_confirm, milestone_reject, project_midterm,
             project_terminate, project_acceptance, organisation_verify, organisation_reject, chain_lead_designate,
             chain_expert_appoint, question_answer, listing_archive, chain_lead_remove,
             chain_expert_dismiss, account_disable, member_disable, members_demote_each_other, invitation_revoke,
             challenge_create, capability_create, question_ask, objection_file, attachment_upload,
             member_invite]
