"""Demo proposals, reviews, publicity, projects and milestones, so every stage has something to show."""
from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from .. import clock
from ..clock import utcnow
from ..extensions import db
from ..models import (
    Achievement,
    Capability,
    Challenge,
    ChallengeState,
    Milestone,
    MilestoneState,
    Organisation,
    Project,
    ProjectState,
    Proposal,
    ProposalMilestone,
    ProposalState,
    Publicity,
    Review,
    ReviewState,
    User,
)
from ..services import audit
from ..services.reviews import DEFAULT_RUBRIC, conflict, weighted_total
from ..workdays import add_working_days

S, P = ChallengeState, ProposalState
STAGES = ("方案设计与关键技术验证", "样机研制与性能测试", "中试验证与示范应用")


def _institutions_for(challenge: Challenge) -> list[tuple[Organisation, Capability | None]]:
    """Institutions with a capability in the challenge's chain, best keyword overlap first."""
    caps = db.session.scalars(db.select(Capability)).all()
    keywords = set(challenge.keyword_list)
    ranked = sorted((c for c in caps if challenge.chain in c.chains),
                    key=lambda c: (-len(keywords & set(c.keyword_list)), c.id))
    seen, result = set(), []
    for cap in ranked:
        if cap.organisation_id not in seen:
            seen.add(cap.organisation_id)
            result.append((cap.organisation, cap))
    return result


def _china_noon(day) -> datetime:
    """Noon of a China day, as the UTC time stored."""
    return datetime.combine(day, time(4), tzinfo=UTC)


def _while_open(challenge: Challenge, rng: random.Random) -> datetime:
    """A submission time between the listing's publication and its deadline (and not after today), as the
    proposals service allows."""
    opened = challenge.published_at.replace(tzinfo=UTC) if challenge.published_at.tzinfo is None \
        else challenge.published_at
    last = min(challenge.deadline, clock.today() - timedelta(days=1))
    span = (last - (opened + timedelta(hours=8)).date()).days
    return max(opened + timedelta(hours=1), _china_noon(last - timedelta(days=rng.randint(0, max(span - 1, 0)))))


def _after_deadline(challenge: Challenge, days: int) -> datetime:
    """Experts score once applications close: `days` after the deadline, and not after today."""
    return _china_noon(min(challenge.deadline + timedelta(days=days), clock.today()))


def _proposal(challenge: Challenge, org: Organisation, cap: Capability | None, state: ProposalState,
              rng: random.Random) -> Proposal:
    basis = cap.title if cap else "相关方向"
    price = (challenge.budget_wan * Decimal(rng.choice([80, 85, 90, 95, 100])) / 100).quantize(Decimal("1"))
    start = clock.today() - timedelta(days=120) if challenge.state is S.awarded else clock.today() + timedelta(days=30)
    months = challenge.period_months
    proposal = Proposal(
        challenge=challenge, organisation=org, state=state, price_wan=price, is_demo=True,
        created_by_id=org.members[0].id if org.members else None,
        technical_plan=(f"依托本单位“{basis}”方向的研究积累，围绕榜单提出的技术难点，拟分三个阶段攻关："
                        f"一是完成方案设计与关键技术验证，二是研制样机并逐项对照技术指标开展测试，三是在发榜企业现场完成中试验证与示范应用。"
                        f"{(cap.description[:120] + '……') if cap else ''}"),
        team=(f"项目负责人：{cap.team_lead}；团队 {cap.team_size} 人。{cap.notable_members}" if cap
              else "项目负责人及核心成员 8 人。"),
        track_record=(cap.results if cap else ""), schedule=f"总周期 {months} 个月，分三个阶段实施。",
        submitted_at=_while_open(challenge, rng) if state is not P.draft else None,
    )
    for i, title in enumerate(STAGES):
        proposal.milestones.append(ProposalMilestone(
            seq=i + 1, title=title, due_date=start + timedelta(days=30 * months * (i + 1) // 3),
            deliverable=("技术方案与验证报告", "样机及第三方测试报告", "示范应用报告与验收材料")[i], fund_share=(30, 40, 30)[i]))
    db.session.add(proposal)
    return proposal


def _reviews(proposal: Proposal, experts: list[User], admin: User | None, rng: random.Random, submitted: bool) -> None:
    eligible = [e for e in experts if conflict(e, proposal) is None][:3]
    for expert in eligible:
        review = Review(proposal=proposal, expert=expert, assigned_by_id=admin.id if admin else None)
        if submitted:
            scores = {name: float(rng.randint(68, 95)) for name, _ in DEFAULT_RUBRIC}
            review.scores, review.total = scores, weighted_total(list(DEFAULT_RUBRIC), scores)
            review.comment = rng.choice(["技术路线清晰，指标论证较充分，建议细化中试方案。", "团队基础扎实，经费测算基本合理。",
                                         "关键指标有实现把握，需关注工程化风险。"])
            review.state, review.submitted_at = ReviewState.submitted, _after_deadline(proposal.challenge, 5)
        db.session.add(review)


def seed_lifecycle(chain_admins: dict[str, User], progress=print) -> dict[str, int]:
    """Proposals on published, closed, awarded and failed demo challenges; projects for awarded ones."""
    rng = random.Random(20231)
    experts_by_chain: dict[int, list[User]] = {}
    for user in db.session.scalars(db.select(User)):
        for m in user.expert_memberships:
            experts_by_chain.setdefault(m.chain_id, []).append(user)
    counts = {"proposals": 0, "projects": 0, "accepted": 0}
    challenges = db.session.scalars(db.select(Challenge).where(Challenge.is_demo.is_(True)).order_by(Challenge.id)).all()
    accepted_done = in_progress_done = False
    for challenge in challenges:
        if challenge.state not in (S.published, S.closed, S.awarded, S.failed):
            continue
        admin = chain_admins.get(challenge.chain.code)
        candidates = [(o, c) for o, c in _institutions_for(challenge) if o.id != challenge.organisation_id]
        if challenge.state is S.published:
            picks, states = candidates[:1], [P.submitted]
        elif challenge.state is S.closed:
            picks, states = candidates[:3], [P.shortlisted, P.submitted, P.declined]
        elif challenge.state is S.failed:
            picks, states = candidates[:2], [P.not_selected, P.not_selected]
        else:
            picks, states = candidates[:3], [P.selected, P.not_selected, P.not_selected]
        experts = experts_by_chain.get(challenge.chain_id, [])
        for (org, cap), state in zip(picks, states):
            proposal = _proposal(challenge, org, cap, state, rng)
            counts["proposals"] += 1
            if state is P.declined:
                from ..models import DeclineCode

                proposal.decline_code, proposal.decline_reason = DeclineCode.indicators, "关键指标论证不足。"
            if state is not P.declined:
                db.session.flush()
                # Reviews may start before the deadline: published ones have assignments still to score.
                done = challenge.state in (S.awarded, S.failed) or state is P.shortlisted
                _reviews(proposal, experts, admin, rng, submitted=done)
        if challenge.state is S.awarded and picks:
            db.session.flush()
            winner = next(p for p in challenge.proposals if p.state is P.selected)
            winner.state = P.selected
            db.session.add(Publicity(challenge=challenge, starts_on=clock.today() - timedelta(days=40),
                                     ends_on=add_working_days(clock.today() - timedelta(days=40), 5),
                                     created_by_id=admin.id if admin else None,
                                     text=f"经专家评审，拟由{winner.organisation.name}承担“{challenge.title}”攻关任务，现予公示。"))
            state = ProjectState.accepted if not accepted_done else ProjectState.in_progress
            accepted_done = True
            _project(challenge, winner, admin, state, in_progress_done)
            in_progress_done = in_progress_done or state is ProjectState.in_progress
            counts["projects"] += 1
            counts["accepted"] += state is ProjectState.accepted
    db.session.flush()
    progress(f"已创建演示揭榜方案 {counts['proposals']} 份、立项项目 {counts['projects']} 个（验收通过 {counts['accepted']} 个）。")
    return counts


def _project(challenge: Challenge, proposal: Proposal, admin: User | None, state: ProjectState, later: bool) -> None:
    start = clock.today() - timedelta(days=120)
    project = Project(challenge=challenge, proposal=proposal, organisation_id=proposal.organisation_id, is_demo=True,
                      funding_wan=proposal.price_wan, start_date=start,
                      end_date=start + timedelta(days=30 * challenge.period_months), approved_by_id=admin.id if admin else None,
                      task_book=f"按揭榜方案完成“{challenge.title}”攻关，逐项达到榜单技术指标，分三个阶段实施并接受中期检查与验收。",
                      state=state)
    proposal.state = state.proposal_state  # the proposal moves on with its project
    for m in proposal.milestones:
        project.milestones.append(Milestone(seq=m.seq, title=m.title, due_date=m.due_date, deliverable=m.deliverable,
                                            fund_share=m.fund_share))
    db.session.add(project)
    db.session.flush()
    audit.record(admin, "project_approved", project, "", "approved")
    now = utcnow()
    if state is ProjectState.accepted:
        for m in project.milestones:
            m.state, m.evidence, m.submitted_at = MilestoneState.confirmed, f"{m.deliverable}已提交。", now
            m.enterprise_confirmed_at = m.admin_confirmed_at = now
        from ..services.projects import indicator_items

        project.acceptance_checks = [{"indicator": i, "met": True, "note": "第三方检测报告确认"}
                                     for i in indicator_items(challenge.indicators)]
        project.acceptance_note = "各项技术指标均达到任务书要求，同意通过验收。"
        project.midterm_result, project.midterm_note = "pass", "进度符合任务书要求。"
        project.end_reason, project.ended_at = project.acceptance_note, now
        db.session.add(Achievement(organisation_id=project.organisation_id, chain_id=challenge.chain_id,
                                   challenge_id=challenge.id, project_id=project.id, title=challenge.title, trl=7,
                                   summary=f"{project.task_book}\n\n验收意见：{project.acceptance_note}", is_demo=True,
                                   contact_name=challenge.contact_name, contact_phone=challenge.contact_phone))
        audit.record(admin, "project_accepted", project, ProjectState.in_progress, ProjectState.accepted)
    elif state is ProjectState.in_progress:
        first, second = project.milestones[0], project.milestones[1]
        first.state, first.evidence, first.submitted_at = MilestoneState.confirmed, "技术方案与验证报告已提交。", now
        first.enterprise_confirmed_at = first.admin_confirmed_at = now
        if not later:
            second.state, second.evidence, second.submitted_at = MilestoneState.submitted, "样机已完成，第三方测试报告已上传。", now
        audit.record(admin, "project_started", project, ProjectState.approved, ProjectState.in_progress)
