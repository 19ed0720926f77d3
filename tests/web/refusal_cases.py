"""The refused requests of test_refusals.py: for every POST rule of the URL map, a world in which
its service says no (`CASES`, keyed by the rule), and the POST rules that have nothing to refuse
(`NO_REFUSAL`, each with its reason)."""
from __future__ import annotations

from datetime import date, timedelta

import race_scenarios_after as after
import race_scenarios_award as award
import refusal_cases_plans as plan_cases
from factories import PASSWORD, make_challenge, make_org, make_plan_item, make_proposal
from races import P, S, closed_with_reviews, project_for
from refusals_kit import NOT_FOUND, Refusal, pdf, repeated, stored_file, user

from marketplace.extensions import db
from marketplace.models import (
    Achievement,
    Capability,
    ChainLead,
    ExpertMembership,
    Notification,
    OrgRole,
    OrgType,
    Publicity,
)
from marketplace.services.chains import chain_by_code
from marketplace.services.errors import InvalidTransition, PermissionDenied

# POST routes with no service that could refuse them: each says why.
NO_REFUSAL = {
    "/auth/logout": "ends the session whatever its state; no service decides anything",
    "/auth/session/keep-alive": "renews the user's own idle timer; logged out it answers 401 like any login page",
    "/auth/register": "answers 请查收邮件 to every well-formed request, by design (it reveals no accounts)",
    "/auth/forgot": "answers the same to every well-formed request, by design (it reveals no accounts)",
    "/inbox/read-all": "marks the user's own messages read: there is nothing to refuse",
    "/inbox/settings": "the user's own notification preferences: the service refuses nothing",
    "/help/consent": "the user's own acceptance of the texts in force: a second one records nothing (the form "
                     "refuses an unticked box, test_help_consent.py)",
}




# ----- cases that are not race scenarios ----------------------------------------------------------

NEW_PASSWORD = {"password": "Kx9#tidal-granite", "confirm": "Kx9#tidal-granite"}


def login_disabled(poster, uni, experts):
    user("uni@example.com").is_enabled = False
    return Refusal("/auth/login", None, {"email": "uni@example.com", "password": PASSWORD}, status=403)


def register_confirm_twice(poster, uni, experts):
    from factories import credit_code

    from marketplace.clock import utcnow
    from marketplace.services import consent, registration

    terms, privacy = consent.current_versions()
    details = {"name": "武汉新芯材料科技有限公司", "org_type": "enterprise", "credit_code": credit_code(900001),
               "region": "武汉市", "contact_name": "王磊", "contact_phone": "027-87654321", "user_name": "王磊",
               "email": "wanglei@example.com",
               "consent": {"terms": terms, "privacy": privacy, "at": utcnow().isoformat()}}
    token = registration._serializer().dumps(details)
    return Refusal(f"/auth/register/confirm/{token}", None, NEW_PASSWORD, first=True)


def password_wrong_current(poster, uni, experts):
    return Refusal("/auth/password", "uni@example.com",
                   {"current_password": "not-the-password"} | NEW_PASSWORD, status=400)


def reset_twice(poster, uni, experts):
    from marketplace.services import password_reset

    token = password_reset.make_token(user("uni@example.com"))
    return Refusal(f"/auth/reset/{token}", None, NEW_PASSWORD, first=True)


def invitation_common_password(poster, uni, experts):
    from marketplace.services import accounts

    _, token = accounts.invite_member(user("poster@example.com"), poster, "new@example.com", OrgRole.member)
    return Refusal(f"/auth/invitation/{token}", None, {"name": "新成员", "password": "12345678", "confirm": "12345678",
                                                      "accept_terms": "y"},
                   status=400)


def chain_settings_quota(poster, uni, experts):
    return Refusal("/admin/chains/ai", "chain-ai@example.com", {
        "leader": "链长", "lead_department": "省经信厅", "description": "", "key_link_quota_min": "5",
        "key_link_quota_max": "2"}, status=400)


def _key_link(segment="算力调度验证平台", year=None):
    from marketplace import clock
    from marketplace.models import KeyLink

    link = KeyLink(chain=chain_by_code("ai"), year=year or clock.today().year, segment=segment)
    db.session.add(link)
    db.session.flush()
    return link


def key_link_over_quota(poster, uni, experts):
    for n in range(5):
        _key_link(f"环节{n}")
    return Refusal("/admin/chains/ai/key-links", "chain-ai@example.com", {"segment": "第六个环节", "priority": "2"},
                   status=409)


def key_link_edit_stale(poster, uni, experts):
    link = _key_link()
    return Refusal(f"/admin/chains/ai/key-links/{link.id}/edit", "chain-ai@example.com",
                   {"segment": "新名称", "priority": "1", "version": str(link.version + 1)}, status=409)


def key_link_delete_answered(poster, uni, experts):
    link = _key_link()
    link.challenges.append(make_challenge(poster, S.published))
    return Refusal(f"/admin/chains/ai/key-links/{link.id}/delete", "chain-ai@example.com", status=409)


def key_link_detach_not_attached(poster, uni, experts):
    link = _key_link()
    other = make_challenge(poster, S.published)
    return Refusal(f"/admin/chains/ai/key-links/{link.id}/detach/{other.id}", "chain-ai@example.com", status=409)


def key_link_solicit(poster, uni, experts):
    link = _key_link()
    return Refusal(f"/admin/chains/ai/key-links/{link.id}/solicit", "chain-ai@example.com",
                   forced=("marketplace.services.key_links", "solicit",
                           PermissionDenied("只有本链牵头部门或平台管理员可以确定关键缺失环节。")))


def supervision_on_an_item_on_track(poster, uni, experts):
    item = make_plan_item(late=False)
    return Refusal(f"/admin/supervision/new?item={item.id}", "root@example.com",
                   {"request": "请说明进度。", "working_days": "5"}, status=409)


def supervision_replied_twice(poster, uni, experts):
    from marketplace.services import supervision

    sent = supervision.issue(user("root@example.com"), make_plan_item(), "请说明滞后原因。", 5)
    return Refusal(f"/admin/supervision/{sent.id}/reply", "chain-ai@example.com",
                   {"reply": "已召开推进会。", "version": str(sent.version)}, first=True, status=409)


def report_narrative_stale(poster, uni, experts):
    from marketplace import clock

    return Refusal(f"/chains/ai/report/{clock.today().year}", "chain-ai@example.com",
                   {"narrative": "全年工作总结。", "version": "3"}, status=409)


def bulletin_sent_twice(poster, uni, experts):
    from marketplace import clock

    return Refusal(f"/admin/reports/{clock.today().year}/q1/send", "root@example.com", first=True, status=409)


def chain_lead_add(poster, uni, experts):
    return Refusal("/admin/chains/ai/leads", "root@example.com", {"organisation_id": poster.id},
                   forced=("marketplace.services.chains", "designate_lead", InvalidTransition("该企业已是本链链主。")))


def chain_lead_remove(poster, uni, experts):
    lead = ChainLead(chain=chain_by_code("ai"), organisation=poster)
    db.session.add(lead)
    db.session.flush()
    return Refusal(f"/admin/chains/ai/leads/{lead.id}/remove", "root@example.com",
                   forced=("marketplace.services.chains", "remove_lead",
                           PermissionDenied("只有平台管理员可以取消链主认定。")))


def chain_expert_remove(poster, uni, experts):
    membership = db.session.scalar(db.select(ExpertMembership).filter_by(user_id=experts[0].id))
    return Refusal(f"/admin/chains/ai/experts/{membership.id}/remove", "chain-ai@example.com",
                   forced=("marketplace.services.chains", "dismiss_expert",
                           PermissionDenied("只有平台管理员或本链牵头部门可以解聘专家。")))


def own_platform_admin(poster, uni, experts):
    root = user("root@example.com")
    return Refusal(f"/admin/users/{root.id}", "root@example.com", {"admin_chain": ""}, status=409)


def reset_mail_for_disabled(poster, uni, experts):
    member = user("uni@example.com")
    member.is_enabled = False
    return Refusal(f"/admin/users/{member.id}/password-reset", "root@example.com", status=409)


def challenge_edit_stale(poster, uni, experts):
    challenge = make_challenge(poster, S.draft)
    data = after.challenge_create(poster, uni, experts).data | {"chain_id": chain_by_code("ai").id,
                                                                 "version": str(challenge.version)}
    return Refusal(f"/challenges/{challenge.id}/edit", "poster@example.com", data, first=True, status=409)


def challenge_invite_not_owner(poster, uni, experts):
    challenge = make_challenge(poster, S.published)
    return Refusal(f"/challenges/{challenge.id}/invite", "uni@example.com", {"organisation_id": uni.id}, status=403)


def question_by_poster(poster, uni, experts):
    challenge = make_challenge(poster, S.published)
    return Refusal(f"/challenges/{challenge.id}/questions", "poster@example.com", {"question": "有无限制？"}, status=403)


def upload_not_owner(poster, uni, experts):
    challenge = make_challenge(poster, S.published)
    return Refusal(f"/challenges/{challenge.id}/attachments", "uni@example.com", pdf, status=403)


def delete_attachment_not_owner(poster, uni, experts):
    challenge = make_challenge(poster, S.published)
    attachment = stored_file("challenge", challenge.id, user("poster@example.com"))
    return Refusal(f"/challenges/{challenge.id}/attachments/{attachment.id}/delete", "uni@example.com", status=403)


def proposal_by_enterprise(poster, uni, experts):
    from test_proposals import proposal_form

    challenge = make_challenge(make_org("另一家发榜企业"), S.published)
    return Refusal(f"/challenges/{challenge.id}/proposals/new", "poster@example.com", proposal_form(), status=403)


def proposal_edit_stale(poster, uni, experts):
    from test_proposals import proposal_form

    proposal = make_proposal(make_challenge(poster, S.published), uni, state=P.draft)
    return Refusal(f"/proposals/{proposal.id}/edit", "uni@example.com",
                   proposal_form(version=str(proposal.version), team="教授 3 人"), first=True, status=409)


def consortium_invite_submitted(poster, uni, experts):
    partner = make_org("联合体研究院", type=OrgType.institute)
    proposal = make_proposal(make_challenge(poster, S.published), uni, state=P.submitted)
    return Refusal(f"/proposals/{proposal.id}/members", "uni@example.com", {"organisation_id": partner.id}, status=409)


def proposal_upload_submitted(poster, uni, experts):
    proposal = make_proposal(make_challenge(poster, S.published), uni, state=P.submitted)
    return Refusal(f"/proposals/{proposal.id}/attachments", "uni@example.com", pdf, status=409)


def rubric_weights(poster, uni, experts):
    challenge = make_challenge(poster, S.closed)
    return Refusal(f"/challenges/{challenge.id}/rubric", "chain-ai@example.com",
                   {"rubric": "技术先进性 50\n可行性 40"}, status=400)


def select_before_deadline(poster, uni, experts):
    challenge = make_challenge(poster, S.published)
    proposal = make_proposal(challenge, uni)
    return Refusal(f"/challenges/{challenge.id}/select", "chain-ai@example.com", {"proposal_ids": proposal.id})


def objection_after_publicity(poster, uni, experts):
    challenge, proposal = closed_with_reviews(poster, uni, experts)
    proposal.state = P.selected
    notice = Publicity(challenge=challenge, starts_on=date.today() - timedelta(days=10),
                       ends_on=date.today() - timedelta(days=3), text="公示")
    db.session.add(notice)
    db.session.flush()
    return Refusal(f"/publicity/{notice.id}/objections", "poster@example.com", {"text": "对评审过程有疑问，请说明。"})


def stage_gate_single_team(poster, uni, experts):
    challenge, proposal = closed_with_reviews(poster, uni, experts)
    project = project_for(challenge, proposal)
    return Refusal(f"/projects/{project.id}/stage-gate", "chain-ai@example.com",
                   {"decision": "continue", "gate_note": "进展良好。"}, status=409)


def someone_elses_message(poster, uni, experts):
    notification = Notification(user=user("poster@example.com"), category="challenge", title="您的榜单已发布", url="/")
    db.session.add(notification)
    db.session.flush()
    # The service refuses (PermissionDenied); the route answers 404 so as not to confirm the message exists.
    return Refusal(f"/inbox/{notification.id}/read", "uni@example.com", message=NOT_FOUND, status=404)


def capability_edit_stale(poster, uni, experts):
    capability = Capability(organisation_id=uni.id, title="高热流密度散热", direction="热管理", description="两相冷却")
    capability.chains = [chain_by_code("ai")]
    db.session.add(capability)
    db.session.flush()
    data = after.capability_create(poster, uni, experts).data | {"version": str(capability.version)}
    return Refusal(f"/capabilities/{capability.id}/edit", "uni@example.com", data, first=True, status=409)


ACHIEVEMENT = {"title": "液冷冷板", "chain_id": None, "summary": "两相冷板样机。", "trl": "6", "ip": "",
               "transfer_mode": "", "contact_name": "李工", "contact_phone": "027-88888888"}


def achievement_new(poster, uni, experts):
    return Refusal("/achievements/new", "uni@example.com", ACHIEVEMENT | {"chain_id": chain_by_code("ai").id},
                   first=True, status=409)


def achievement_edit_stale(poster, uni, experts):
    achievement = Achievement(organisation_id=uni.id, chain=chain_by_code("ai"), title="液冷冷板", summary="样机",
                              trl=5, contact_name="李工", contact_phone="027-88888888")
    db.session.add(achievement)
    db.session.flush()
    data = ACHIEVEMENT | {"chain_id": chain_by_code("ai").id, "version": str(achievement.version)}
    return Refusal(f"/achievements/{achievement.id}/edit", "uni@example.com", data, first=True, status=409)


def profile_refused(poster, uni, experts):
    return Refusal("/orgs/mine", "poster@example.com", {
        "region": "武汉市", "contact_name": "张三", "contact_phone": "027-12345678", "profile": "从事液冷研发。"},
        forced=("marketplace.services.organisations", "update_profile",
                PermissionDenied("只有本机构管理员可以修改机构资料。")))


def last_admin_steps_down(poster, uni, experts):
    me = user("poster@example.com")
    return Refusal(f"/orgs/mine/members/{me.id}/role", "poster@example.com", {"role": "member"}, status=409)


def document_of_verified(poster, uni, experts):
    return Refusal("/orgs/mine/documents", "poster@example.com", pdf, status=409)


def delete_document_of_verified(poster, uni, experts):
    from marketplace.services.verification import OWNER_TYPE

    attachment = stored_file(OWNER_TYPE, poster.id, user("poster@example.com"))
    return Refusal(f"/orgs/mine/documents/{attachment.id}/delete", "poster@example.com", status=409)


def feedback_on_what_was_not_shown(poster, uni, experts):
    return Refusal("/recommendations/feedback", "uni@example.com", {
        "context": "institution_challenges", "query_id": f"org:{uni.id}", "doc_id": "ch:99999", "kind": "useful",
        "rank": "1", "score": "0.5"}, status=403)


def answer_by_asker(poster, uni, experts):
    race = after.question_answer(poster, uni, experts)
    return Refusal(race.url, "uni@example.com", race.data, status=403)


def midterm_by_solver(poster, uni, experts):
    race = after.project_midterm(poster, uni, experts)
    return Refusal(race.url, "uni@example.com", race.data, status=403)


def disable_self(poster, uni, experts):
    me = user("poster@example.com")
    return Refusal(f"/orgs/mine/members/{me.id}/enabled", "poster@example.com", {"enabled": "0"}, status=409)


def approve_during_publicity(poster, uni, experts):
    race = award.approve_project(poster, uni, experts)
    notice = db.session.scalar(db.select(Publicity))
    notice.ends_on = date.today() + timedelta(days=3)
    return Refusal(race.url, "chain-ai@example.com", race.data, status=409)


def assign_conflicted_expert(poster, uni, experts):
    from factories import make_expert

    race = award.review_assign(poster, uni, experts)
    colleague = make_expert("colleague@example.com", org=uni)  # the applicant's own colleague
    return Refusal(race.url, "chain-ai@example.com", {"expert_id": colleague.id}, status=400)


def due_of_a_submitted_review(poster, uni, experts):
    challenge, proposal = closed_with_reviews(poster, uni, experts[:1])
    db.session.flush()
    return Refusal(f"/reviews/{proposal.reviews[0].id}/due", "chain-ai@example.com",
                   {"due_on": (date.today() + timedelta(days=5)).isoformat()}, status=409)


# ----- every POST rule and its case --------------------------------------------------------------

CASES = {
    # admin
    "/admin/organisations/<int:org_id>/verify": repeated(after.organisation_verify),
    "/admin/organisations/<int:org_id>/reject": repeated(after.organisation_reject),
    "/admin/chains/<code>": chain_settings_quota,
    "/admin/chains/<code>/leads": chain_lead_add,
    "/admin/chains/<code>/leads/<int:lead_id>/remove": chain_lead_remove,
    "/admin/chains/<code>/experts": repeated(after.chain_expert_appoint),
    "/admin/chains/<code>/experts/<int:membership_id>/remove": chain_expert_remove,
    "/admin/users/<int:user_id>": own_platform_admin,
    "/admin/users/<int:user_id>/enabled": repeated(after.account_disable),
    "/admin/users/<int:user_id>/password-reset": reset_mail_for_disabled,
    # auth
    "/auth/login": login_disabled,
    "/auth/register/confirm/<token>": register_confirm_twice,
    "/auth/password": password_wrong_current,
    "/auth/reset/<token>": reset_twice,
    "/auth/invitation/<token>": invitation_common_password,
    # challenges
    "/challenges/new": repeated(after.challenge_create),
    "/challenges/<int:challenge_id>/edit": challenge_edit_stale,
    "/challenges/<int:challenge_id>/submit": repeated(award.challenge_submit),
    "/challenges/<int:challenge_id>/approve": repeated(award.challenge_approve),
    "/challenges/<int:challenge_id>/return": repeated(award.challenge_return),
    "/challenges/<int:challenge_id>/close": repeated(award.challenge_close),
    "/challenges/<int:challenge_id>/withdraw": repeated(award.challenge_withdraw),
    "/challenges/<int:challenge_id>/invite": challenge_invite_not_owner,
    "/admin/chains/<code>/key-links": key_link_over_quota,
    "/admin/chains/<code>/key-links/<int:link_id>/edit": key_link_edit_stale,
    "/admin/chains/<code>/key-links/<int:link_id>/delete": key_link_delete_answered,
    "/admin/chains/<code>/key-links/<int:link_id>/attach": repeated(award.key_link_attach),
    "/admin/chains/<code>/key-links/<int:link_id>/detach/<int:challenge_id>": key_link_detach_not_attached,
    "/admin/chains/<code>/key-links/<int:link_id>/solicit": key_link_solicit,
    "/admin/supervision/new": supervision_on_an_item_on_track,
    "/admin/supervision/<int:supervision_id>/reply": supervision_replied_twice,
    "/chains/<code>/report/<int:year>": report_narrative_stale,
    "/admin/reports/<int:year>/q<int:quarter>/send": bulletin_sent_twice,
    "/challenges/<int:challenge_id>/questions": question_by_poster,
    "/challenges/<int:challenge_id>/questions/<int:question_id>/answer": answer_by_asker,
    "/challenges/<int:challenge_id>/attachments": upload_not_owner,
    "/challenges/<int:challenge_id>/attachments/<int:attachment_id>/delete": delete_attachment_not_owner,
    # proposals
    "/challenges/<int:challenge_id>/proposals/new": proposal_by_enterprise,
    "/proposals/<int:proposal_id>/edit": proposal_edit_stale,
    "/proposals/<int:proposal_id>/submit": repeated(award.proposal_submit),
    "/proposals/<int:proposal_id>/withdraw": repeated(award.proposal_withdraw),
    "/proposals/<int:proposal_id>/members": consortium_invite_submitted,
    "/proposals/<int:proposal_id>/members/<int:member_id>/<any(accept, decline):answer>":
        repeated(award.consortium_accept),
    "/proposals/<int:proposal_id>/shortlist": repeated(award.proposal_shortlist),
    "/proposals/<int:proposal_id>/decline": repeated(award.proposal_decline),
    "/proposals/<int:proposal_id>/attachments": proposal_upload_submitted,
    # evaluation
    "/challenges/<int:challenge_id>/rubric": rubric_weights,
    "/proposals/<int:proposal_id>/reviewers": assign_conflicted_expert,
    "/challenges/<int:challenge_id>/select": select_before_deadline,
    "/challenges/<int:challenge_id>/fail": repeated(award.fail),
    "/proposals/<int:proposal_id>/approve": approve_during_publicity,
    "/publicity/<int:publicity_id>/objections": objection_after_publicity,
    "/objections/<int:objection_id>/respond": repeated(award.objection_respond),
    "/reviews/<int:review_id>": repeated(award.review_submit),
    "/reviews/<int:review_id>/recuse": repeated(award.review_recuse),
    "/reviews/<int:review_id>/due": due_of_a_submitted_review,
    # projects
    "/projects/<int:project_id>/start": repeated(after.project_start),
    "/projects/<int:project_id>/milestones/<int:milestone_id>/submit": repeated(after.milestone_submit),
    "/projects/<int:project_id>/milestones/<int:milestone_id>/confirm": repeated(after.milestone_confirm),
    "/projects/<int:project_id>/milestones/<int:milestone_id>/reject": repeated(after.milestone_reject),
    "/projects/<int:project_id>/midterm": midterm_by_solver,
    "/projects/<int:project_id>/stage-gate": stage_gate_single_team,
    "/projects/<int:project_id>/acceptance": repeated(after.project_acceptance),
    "/projects/<int:project_id>/terminate": repeated(after.project_terminate),
    # listings
    "/capabilities/new": repeated(after.capability_create),
    "/capabilities/<int:listing_id>/edit": capability_edit_stale,
    "/achievements/new": achievement_new,
    "/achievements/<int:listing_id>/edit": achievement_edit_stale,
    "/<kind>/<int:listing_id>/status": repeated(after.listing_archive),
    # organisations
    "/orgs/mine": profile_refused,
    "/orgs/mine/members": repeated(after.member_invite),
    "/orgs/mine/members/<int:user_id>/role": last_admin_steps_down,
    "/orgs/mine/members/<int:user_id>/enabled": disable_self,
    "/orgs/mine/invitations/<int:invitation_id>/revoke": repeated(after.invitation_revoke),
    "/orgs/mine/documents": document_of_verified,
    "/orgs/mine/documents/<int:attachment_id>/delete": delete_document_of_verified,
    # inbox, recommendations
    "/inbox/<int:notification_id>/read": someone_elses_message,
    "/recommendations/feedback": feedback_on_what_was_not_shown,
}

CASES |= plan_cases.CASES  # the annual work plan's routes (refusal_cases_plans.py)
