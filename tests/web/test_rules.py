"""The rules the pages ask (services/rules.py) agree with the services that act on them.

For every actor and object of a scenario, `may_*` says yes exactly when the service, given valid
input, takes the action, and no exactly when it refuses: each action is run in a savepoint and
rolled back. So a page shows a button exactly when pressing it would work. On SQLite and PostgreSQL.
"""
from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from factories import (
    make_challenge,
    make_expert,
    make_org,
    make_plan_item,
    make_project,
    make_proposal,
)
from flask import current_app
from werkzeug.datastructures import FileStorage

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import (
    Capability,
    ChallengeInvitation,
    ChallengeMode,
    ChallengeQuestion,
    ChallengeState,
    ConsortiumMember,
    ListingStatus,
    MemberState,
    Milestone,
    MilestoneState,
    Objection,
    OrgRole,
    OrgStatus,
    OrgType,
    Project,
    ProjectState,
    ProposalState,
    Publicity,
    Review,
    ReviewState,
    Visibility,
)
from marketplace.services import (
    accounts,
    admins,
    attachment_rules,
    challenges,
    key_links,
    listings,
    official_documents,
    organisations,
    projects,
    proposals,
    questions,
    reviews,
    selection,
    supervision,
    verification,
)
from marketplace.services import chains as chain_service
from marketplace.services.errors import ServiceError
from marketplace.services.rules import registered

S, P, M = ChallengeState, ProposalState, MilestoneState
TODAY = clock.today()
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
MILESTONES = [{"title": "样机", "due_date": TODAY + timedelta(days=60), "deliverable": "样机", "fund_share": 50}]


def agree(name: str, actors: dict, cases: dict, act) -> None:
    """`may = registered()[name]` against `act(actor, *args)` for every actor and case (the scenario
    has some of each answer); a guest is always refused."""
    may = registered()[name]
    disagreements, answers = [], set()
    for case, args in cases.items():
        assert may(None, *args) is False, f"{name} lets a guest {case}"
        for who, actor in actors.items():
            said = may(actor, *args)
            savepoint = db.session.begin_nested()
            try:
                act(actor, *args)
            except ServiceError as error:
                done, why = False, f"refuses: {error.message}"
            else:
                done, why = True, "acts"
            finally:
                savepoint.rollback()
                db.session.expire_all()
            answers.add(done)
            if said != done:
                disagreements.append(f"{who} on {case}: {name} says {said}, the service {why}")
    assert not disagreements, "\n".join(disagreements)
    assert answers == {True, False}, f"{name}: the scenario should have both allowed and refused cases"


def everyone(people) -> dict:
    return vars(people)


# ----- challenges ---------------------------------------------------------------------------------

def _challenges(people, **fields) -> dict:
    return {state.value: make_challenge(people.poster.organisation, state, **fields) for state in S}


def _invited(people) -> dict:
    """Per state: an invited-only listing the institution is invited to, and a 委托攻关 one it is not."""
    cases = {}
    for state in S:
        listing = make_challenge(people.poster.organisation, state, visibility=Visibility.invited)
        db.session.add(ChallengeInvitation(challenge=listing, organisation=people.institution.organisation))
        cases[f"{state.value}, invited"] = listing
        cases[f"{state.value}, commissioned"] = make_challenge(people.poster.organisation, state,
                                                               mode=ChallengeMode.commissioned)
    db.session.flush()
    return cases


def test_posting_a_challenge(people):
    fields = dict(title="新的榜单", chain_id=chain_service.chain_by_code("ai").id, background="背景", budget_wan=Decimal("10"),
                  deadline=TODAY + timedelta(days=30))
    agree("may_post_challenge", everyone(people), {"a new listing": ()},
          lambda actor: challenges.create(actor, **fields))


@pytest.mark.parametrize("name, act", [
    ("may_edit_challenge", lambda actor, c: challenges.update(actor, c, c.version, title="改过的榜单名称")),
    ("may_submit_challenge", challenges.submit),
    ("may_approve_challenge", challenges.approve),
    ("may_return_challenge", lambda actor, c: challenges.return_for_changes(actor, c, "请补充指标")),
    ("may_close_challenge", challenges.close),
    ("may_withdraw_challenge", lambda actor, c: challenges.withdraw(actor, c, "需求已变")),
    ("may_ask_question", lambda actor, c: questions.ask(actor, c, "请问指标如何测试？")),
    ("may_change_files", lambda actor, c: attachment_rules.add(
        actor, c, FileStorage(io.BytesIO(PDF), filename="说明.pdf"), current_app.instance_path)),
])
def test_challenge_rules(people, name, act):
    agree(name, everyone(people), {f"a {k} listing": (c,) for k, c in _challenges(people).items()}, act)


def test_inviting_and_applying(people):
    invitee = make_org("受邀大学", type=OrgType.university)
    cases = {f"a {k} listing": (c,) for k, c in {**_challenges(people), **_invited(people)}.items()}
    agree("may_invite_to_challenge", everyone(people), cases, lambda actor, c: challenges.invite(actor, c, invitee))
    agree("may_apply_to_challenge", everyone(people), cases, lambda actor, c: proposals.create(
        actor, c, MILESTONES, technical_plan="方案", team="团队", price_wan=Decimal("100")))


def test_answering_questions(people):
    cases = {f"a {k} listing": (c,) for k, c in _challenges(people).items()}
    cases["another enterprise's listing"] = (make_challenge(people.rival.organisation, S.published),)

    def answer(actor, challenge):
        question = ChallengeQuestion(challenge=challenge, asked_by_id=people.institution.id, question="冷板材料？")
        db.session.add(question)
        db.session.flush()
        questions.answer(actor, question, "铜或铝合金均可。")

    agree("may_answer_question", everyone(people), cases, answer)


def test_inviting_members(people):
    cases = {"a verified enterprise": (people.poster.organisation,), "a pending institute": (people.pending.organisation,),
             "a university": (people.institution.organisation,)}
    agree("may_invite_members", everyone(people), cases,
          lambda actor, org: accounts.invite_member(actor, org, "new-member@example.com", OrgRole.member))


def test_key_links(people):
    from marketplace.models import KeyLink

    ai, textile = chain_service.chain_by_code("ai"), chain_service.chain_by_code("textile")
    agree("may_manage_key_links", everyone(people), {"the ai chain": (ai,), "the textile chain": (textile,)},
          lambda actor, chain: key_links.create(actor, chain, TODAY.year, "测试环节", confirm_over_quota=True))
    open_link = KeyLink(chain=ai, year=TODAY.year, segment="尚无榜单的环节")
    answered = KeyLink(chain=ai, year=TODAY.year, segment="已有榜单的环节",
                       challenges=[make_challenge(people.poster.organisation)])
    other = KeyLink(chain=textile, year=TODAY.year, segment="另一条链的环节")
    db.session.add_all([open_link, answered, other])
    db.session.flush()
    agree("may_delete_key_link", everyone(people),
          {"an open link": (open_link,), "an answered link": (answered,), "another chain's link": (other,)},
          key_links.delete)


# ----- proposals and selection --------------------------------------------------------------------

def _proposals(people) -> dict:
    """Per state, a proposal of the institution (with the partner in its consortium) on a listing of
    its own; and drafts and submitted ones past the deadline."""
    cases = {}
    for state in P:
        proposal = make_proposal(make_challenge(people.poster.organisation), people.institution.organisation, state)
        db.session.add(ConsortiumMember(proposal=proposal, organisation=people.partner.organisation,
                                        state=MemberState.accepted))
        cases[f"a {state.value} proposal"] = (proposal,)
    for state in (P.draft, P.submitted):
        late = make_challenge(people.poster.organisation, deadline=TODAY - timedelta(days=1))
        cases[f"a {state.value} proposal after the deadline"] = (make_proposal(late, people.institution.organisation,
                                                                                 state),)
    closed = make_challenge(people.poster.organisation, S.closed)
    cases["a draft proposal on a closed listing"] = (make_proposal(closed, people.institution.organisation, P.draft),)
    db.session.flush()
    return cases


@pytest.mark.parametrize("name, act", [
    ("may_edit_proposal", lambda actor, p: proposals.update(actor, p, p.version, MILESTONES, technical_plan="新方案")),
    ("may_submit_proposal", proposals.submit),
    ("may_withdraw_proposal", proposals.withdraw),
    ("may_shortlist", selection.shortlist),
    ("may_decline", lambda actor, p: selection.decline(actor, p, "price")),
    ("may_change_files", lambda actor, p: attachment_rules.add(
        actor, p, FileStorage(io.BytesIO(PDF), filename="方案.pdf"), current_app.instance_path)),
])
def test_proposal_rules(people, name, act):
    agree(name, everyone(people), _proposals(people), act)


def test_consortium(people):
    newcomer = make_org("新成员研究院", type=OrgType.institute)
    agree("may_invite_member", everyone(people), _proposals(people),
          lambda actor, p: proposals.invite_member(actor, p, newcomer))
    cases = {}
    for proposal_state in (P.draft, P.submitted):
        for member_state in MemberState:
            proposal = make_proposal(make_challenge(people.poster.organisation), people.institution.organisation,
                                     proposal_state)
            member = ConsortiumMember(proposal=proposal, organisation=people.partner.organisation, state=member_state)
            db.session.add(member)
            cases[f"a {member_state.value} member of a {proposal_state.value} proposal"] = (member,)
    db.session.flush()
    agree("may_answer_membership", everyone(people), cases, lambda actor, m: proposals.respond_member(actor, m, True))


def test_selection_and_failure(people):
    cases = {}
    for state in S:
        listing = make_challenge(people.poster.organisation, state)
        make_proposal(listing, people.institution.organisation, P.submitted)
        cases[f"a {state.value} listing"] = (listing,)
    chosen = make_challenge(people.poster.organisation, S.closed)
    make_proposal(chosen, people.institution.organisation, P.selected)
    make_proposal(chosen, people.partner.organisation, P.submitted)
    cases["a closed listing with a selection"] = (chosen,)
    db.session.flush()

    def select(actor, listing):
        selection.select(actor, listing, [p for p in listing.proposals if p.state is P.submitted])

    agree("may_select_proposals", everyone(people), cases, select)
    agree("may_declare_failure", everyone(people), cases, lambda actor, c: selection.fail(actor, c, "无合适方案"))


def test_approving_a_project(people):
    def selected(ends_on, objection=False, project=False, state=P.selected):
        listing = make_challenge(people.poster.organisation, S.closed)
        proposal = make_proposal(listing, people.institution.organisation, state)
        notice = Publicity(challenge=listing, starts_on=ends_on - timedelta(days=7), ends_on=ends_on)
        if objection:
            notice.objections.append(Objection(text="对遴选结果有异议，请核查。"))
        if project:
            db.session.add(Project(challenge=listing, proposal=proposal, organisation_id=proposal.organisation_id,
                                   funding_wan=Decimal("100"), start_date=TODAY, end_date=TODAY + timedelta(days=365)))
        db.session.add(notice)
        db.session.flush()
        return (proposal,)

    cases = {"a selection after its 公示": selected(TODAY - timedelta(days=1)),
             "a selection during its 公示": selected(TODAY + timedelta(days=2)),
             "a selection with an open objection": selected(TODAY - timedelta(days=1), objection=True),
             "a selection already made a project": selected(TODAY - timedelta(days=1), project=True),
             "a proposal not selected": selected(TODAY - timedelta(days=1), state=P.submitted)}
    agree("may_approve_project", everyone(people), cases, lambda actor, p: selection.approve(
        actor, p, Decimal("100"), TODAY, TODAY + timedelta(days=365), "按揭榜方案完成攻关，逐项达到榜单技术指标并通过验收。"))


def test_reviews(people):
    other = make_expert("other-expert@example.com")
    cases, listing = {}, make_challenge(people.poster.organisation)
    for proposal_state in (P.submitted, P.declined):
        for state in ReviewState:
            proposal = make_proposal(listing, make_org(type=OrgType.university), proposal_state)
            review = Review(proposal=proposal, expert=people.expert, state=state)
            db.session.add(review)
            cases[f"a {state.value} review of a {proposal_state.value} proposal"] = (review,)
    db.session.flush()
    agree("may_recuse", everyone(people) | {"other expert": other}, cases,
          lambda actor, r: reviews.recuse(actor, r, "与申请人有合作"))
    scores = {name: 80 for name, _ in reviews.DEFAULT_RUBRIC}
    agree("may_score", everyone(people) | {"other expert": other}, cases,
          lambda actor, r: reviews.submit(actor, r, scores, "方案可行"))
    agree("may_assign_reviewer", everyone(people), _proposals(people),
          lambda actor, p: reviews.assign(actor, p, other))
    # who may assign, on a review still waiting for its expert (of a proposal still under review)
    agree("may_change_review_due", everyone(people) | {"other expert": other}, cases,
          lambda actor, r: reviews.change_due(actor, r, TODAY + timedelta(days=5)))


# ----- projects -----------------------------------------------------------------------------------

def _project(people, state=ProjectState.in_progress, milestones=()) -> Project:
    listing = make_challenge(people.poster.organisation, S.awarded)
    proposal = make_proposal(listing, people.institution.organisation, P.selected)
    project = Project(challenge=listing, proposal=proposal, organisation_id=proposal.organisation_id, state=state,
                      funding_wan=Decimal("100"), start_date=TODAY, end_date=TODAY + timedelta(days=365),
                      milestones=[Milestone(seq=i + 1, title=f"里程碑{i + 1}", due_date=TODAY + timedelta(days=30), **m)
                                  for i, m in enumerate(milestones)])
    db.session.add(project)
    db.session.flush()
    return project


@pytest.mark.parametrize("name, act", [
    ("may_start_project", projects.start),
    ("may_oversee_project", lambda actor, p: projects.terminate(actor, p, "进展严重滞后")),
    ("may_accept_project", lambda actor, p: projects.accept(
        actor, p, [{"met": False} for _ in projects.indicator_items(p.challenge.indicators)], False, "未达到指标")),
])
def test_project_rules(people, name, act):
    cases = {f"a project {state.value}": (_project(people, state),) for state in ProjectState}
    agree(name, everyone(people), cases, act)


# A document is "acted on" by building it: the service refuses exactly whom and when the rule does.
def test_printable_documents(people):
    scored, unscored = (make_challenge(people.poster.organisation, S.closed) for _ in range(2))
    db.session.add(Review(proposal=make_proposal(scored, people.institution.organisation), expert=people.expert,
                          state=ReviewState.submitted, total=80.0, comment="方案可行", submitted_at=clock.utcnow()))
    db.session.add(Review(proposal=make_proposal(unscored, people.institution.organisation), expert=people.expert))
    agree("may_print_review_summary", everyone(people),
          {"a scored listing": (scored,), "a listing whose reviews are not in": (unscored,)},
          official_documents.review_summary)
    cases = {f"a project {state.value}": (_project(people, state),) for state in ProjectState}
    agree("may_print_approval_notice", everyone(people), cases, official_documents.approval_notice)
    for state, note in ((ProjectState.accepted, "同意通过验收。"), (ProjectState.terminated, "指标未达到，不予通过。")):
        project = _project(people, state)
        project.acceptance_note = note
        cases[f"a project {state.value} at its 验收"] = (project,)
    db.session.flush()
    agree("may_print_acceptance_opinion", everyone(people), cases, official_documents.acceptance_opinion)


def test_milestones(people):
    now = db.func.now()
    variants = {"planned": {}, "rejected": {"state": M.rejected, "rejection_reason": "缺报告"},
                "confirmed": {"state": M.confirmed},
                "submitted": {"state": M.submitted},
                "submitted, the enterprise confirmed": {"state": M.submitted, "enterprise_confirmed_at": now},
                "submitted, the department confirmed": {"state": M.submitted, "admin_confirmed_at": now}}
    cases = {}
    for project_state in (ProjectState.approved, ProjectState.in_progress, ProjectState.terminated):
        for label, fields in variants.items():
            project = _project(people, project_state, [fields])
            cases[f"a {label} milestone of a project {project_state.value}"] = (project.milestones[0],)
    agree("may_submit_milestone", everyone(people), cases,
          lambda actor, m: projects.submit_milestone(actor, m, "样机已交付"))
    agree("may_confirm_milestone", everyone(people), cases, projects.confirm_milestone)
    agree("may_reject_milestone", everyone(people), cases,
          lambda actor, m: projects.reject_milestone(actor, m, "缺测试报告"))


# ----- organisations, listings, chains ------------------------------------------------------------

def test_verification(people):
    cases = {f"a {status.value} organisation": (make_org(type=OrgType.university, status=status),) for status in OrgStatus}
    agree("may_verify_organisation", everyone(people), cases, organisations.verify)
    agree("may_reject_organisation", everyone(people), cases,
          lambda actor, o: organisations.reject(actor, o, "证照信息不一致"))


def test_profile_and_documents(people):
    cases = {"a verified enterprise": (people.poster.organisation,), "a pending institute": (people.pending.organisation,)}
    agree("may_edit_profile", everyone(people), cases,
          lambda actor, org: organisations.update_profile(actor, org, region="武汉市"))
    agree("may_manage_documents", everyone(people), cases, lambda actor, org: verification.upload(
        actor, org, FileStorage(io.BytesIO(PDF), filename="营业执照.pdf"), current_app.instance_path))


def test_listings(people):
    agree("may_post_listing", everyone(people), {"a new capability": ()}, lambda actor: listings.create_capability(
        actor, [chain_service.chain_by_code("ai").id], title="新能力", direction="方向", description="描述"))
    cases = {}
    for status in ListingStatus:
        capability = Capability(organisation=people.institution.organisation, title="微通道冷板设计", status=status,
                                chains=[chain_service.chain_by_code("ai")])
        db.session.add(capability)
        cases[f"an {status.value} capability"] = (capability,)
    db.session.flush()
    agree("may_change_listing", everyone(people), cases, lambda actor, c: listings.set_status(
        actor, c, ListingStatus.archived if c.is_active else ListingStatus.active))


def test_chain_settings(people):
    cases = {f"the {code} chain": (chain_service.chain_by_code(code),) for code in ("ai", "textile")}
    agree("may_manage_chain", everyone(people), cases, lambda actor, chain: chain_service.update_settings(
        actor, chain, leader="链长", lead_department="牵头部门", description="说明", quota_min=3, quota_max=5))


def test_appointing_chain_admins(people):
    cases = {"a government department's user": (people.other_manager,), "an enterprise's user": (people.poster,),
             "a university's user": (people.institution,)}
    agree("may_appoint_chain_admin", everyone(people), cases,
          lambda actor, user: chain_service.set_chain_admin(actor, user, chain_service.chain_by_code("quantum")))


def test_supervision(people):
    """督办: a platform admin issues on a late item or a running project; the chain's department replies."""
    from marketplace.models import PlanState

    finished = make_project(make_proposal(make_challenge(people.poster.organisation), people.institution.organisation),
                            state=ProjectState.accepted)
    running = make_project(make_proposal(make_challenge(people.poster.organisation), people.institution.organisation))
    subjects = {"a late item": make_plan_item(title="滞后事项"), "an item on track": make_plan_item(late=False),
                "a late item of an unapproved plan": make_plan_item("textile", state=PlanState.submitted),
                "a running project": running, "an accepted project": finished}
    agree("may_issue_supervision", everyone(people), {case: (s,) for case, s in subjects.items()},
          lambda actor, subject: supervision.issue(actor, subject, "请说明滞后原因。", 5))
    admin = people.admin
    open_one = supervision.issue(admin, subjects["a late item"], "请说明。", 5)
    answered = supervision.issue(admin, running, "请加快进度。", 5)
    supervision.reply(people.manager, answered, answered.version, "已整改。")
    agree("may_reply_supervision", everyone(people), {"an open 督办单": (open_one,), "an answered one": (answered,)},
          lambda actor, s: supervision.reply(actor, s, s.version, "已召开推进会。"))


def test_appointing_chain_leaders(people):
    cases = {"a government department's user": (people.other_manager,), "an enterprise's user": (people.poster,),
             "a university's user": (people.institution,)}
    agree("may_appoint_chain_leader", everyone(people), cases,
          lambda actor, user: admins.set_chain_leader(actor, user, chain_service.chain_by_code("quantum"), False))


def test_every_rule_is_checked_here():
    """Is every registered rule exercised against its service by a test in this module?"""
    source = Path(__file__).read_text(encoding="utf-8")
    assert not [name for name in registered() if f'"{name}"' not in source]


# ----- the annual work plan ---------------------------------------------------------------------------

def _work_plan(chain_code="ai", year=None, state=None, items=1, confirmed=False, done=False):
    from marketplace.models import PlanCategory, PlanState, WorkPlan, WorkPlanItem, WorkPlanMilestone

    plan = WorkPlan(chain=chain_service.chain_by_code(chain_code), year=year or TODAY.year, key_points="要点",
                    state=state or PlanState.draft)
    for n in range(items):
        steps = [WorkPlanMilestone(title=f"节点{k}", due_on=TODAY + timedelta(days=k),
                                   confirmed_on=TODAY if confirmed else None) for k in (1, 2)]
        plan.items.append(WorkPlanItem(seq=n + 1, title=f"事项{n + 1}", category=PlanCategory.other,
                                       responsible_unit="省经信厅", responsible_person="张伟",
                                       start_date=TODAY - timedelta(days=10), end_date=TODAY + timedelta(days=30),
                                       milestones=steps, completed_on=TODAY if done else None))
    db.session.add(plan)
    db.session.flush()
    return plan


def test_work_plans(people):
    from marketplace.models import PlanState
    from marketplace.services import work_plans

    ai = chain_service.chain_by_code("ai")
    y = TODAY.year
    draft, submitted = _work_plan(year=y), _work_plan(year=y + 1, state=PlanState.submitted)
    approved_plan = _work_plan(year=y + 2, state=PlanState.approved)
    textile = _work_plan("textile", year=y)
    agree("may_edit_plan", everyone(people),
          {"no plan yet": (ai, None), "a draft": (ai, draft), "awaiting approval": (ai, submitted),
           "approved": (ai, approved_plan), "another chain's draft": (textile.chain, textile)},
          lambda actor, chain, plan: work_plans.save_key_points(
              actor, chain, plan.year if plan else y + 3, "新要点", plan.version if plan else None, "调整"))
    empty = _work_plan(year=y + 4, items=0)
    agree("may_submit_plan", everyone(people), {"a draft": (draft,), "a draft with no item": (empty,),
                                               "awaiting approval": (submitted,), "approved": (approved_plan,)},
          lambda actor, plan: work_plans.submit(actor, plan, plan.version))
    agree("may_decide_plan", everyone(people), {"awaiting approval": (submitted,), "a draft": (draft,),
                                               "approved": (approved_plan,)},
          lambda actor, plan: work_plans.approve(actor, plan, plan.version))
    agree("may_decide_plan", everyone(people), {"awaiting approval": (submitted,), "a draft": (draft,)},
          lambda actor, plan: work_plans.return_plan(actor, plan, plan.version, "请补充重点地区"))


def test_work_plan_progress(people):
    from marketplace.models import PlanState
    from marketplace.services import plan_progress

    y = TODAY.year
    running = _work_plan(year=y, state=PlanState.approved, items=2)
    finished = _work_plan(year=y + 1, state=PlanState.approved, confirmed=True, done=True)
    ready = _work_plan(year=y + 2, state=PlanState.approved, confirmed=True)
    draft = _work_plan(year=y + 3)
    items = {"an open item": (running.items[0],), "a completed item": (finished.items[0],),
             "an item of a draft": (draft.items[0],)}
    agree("may_report_plan_progress", everyone(people), items,
          lambda actor, item: plan_progress.add_note(actor, item, "进展顺利"))
    agree("may_confirm_plan_milestone", everyone(people),
          {"an open step": (running.items[1].milestones[0],), "a confirmed step": (ready.items[0].milestones[0],),
           "a step of a draft": (draft.items[0].milestones[0],)},
          lambda actor, step: plan_progress.confirm_milestone(actor, step, TODAY))
    agree("may_complete_plan_item", everyone(people),
          {"every step confirmed": (ready.items[0],), "steps open": (running.items[0],),
           "already complete": (finished.items[0],)}, plan_progress.complete)
