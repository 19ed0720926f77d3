"""Demo data for a finished last year: every chain's key links, listings, proposals, reviews, 公示, projects
(accepted, one terminated) and achievements, all dated in the year before `clock.today()`'s, with the
audit trail the statistics' day medians read. Without it last year's statistics and year-end report
would show nothing but the narrative.

Runs after the current year's demo (seed_lifecycle and seed_inbox walk every demo listing and proposal:
run before them, they would give last year's listings this year's proposals and messages)."""
from __future__ import annotations

import json
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from .. import clock
from ..clock import CHINA_TIME
from ..extensions import db
from ..models import (
    Achievement,
    Capability,
    ChainLead,
    Challenge,
    ChallengeMode,
    ChallengeState,
    DeclineCode,
    ExpertMembership,
    IPTerms,
    KeyLink,
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
    Visibility,
)
from ..services import audit
from ..services.projects import indicator_items
from ..services.reviews import DEFAULT_RUBRIC, conflict, weighted_total
from ..workdays import add_working_days

S, P = ChallengeState, ProposalState
DATA = Path(__file__).resolve().parent / "last_year.json"
STAGES = (("方案设计与关键技术验证", "技术方案与验证报告"), ("样机研制与性能测试", "样机及第三方测试报告"),
          ("示范应用与验收准备", "示范应用报告与验收材料"))
# Where each chain's four listings fall in the year: the month published and the project's length, so
# that every project, even the last one 立项 in September, is accepted before the year ends.
SLOTS = ((2, 8), (4, 6), (6, 4), (7, 3))
# What happened to the fourth listing of some chains: 流榜 (failed) in three, and in one a project
# terminated (终止) after its first stage; the rest were accepted.
FAILED_CHAINS = ("compute", "quantum", "appliance")
TERMINATED = ("textile", 2)  # a chain whose third listing answers a key link: it shows 已立项
# The TRL each chain's results reached, listing by listing (quantum's are still research results).
TRL = {"quantum": (3, 4, 5, 6), "materials": (6, 7, 5, 8)}
TRL_DEFAULT = (7, 6, 8, 5)
# Listings that answer a key link the department decided in January (the third one too in every other chain).
LINKED = (0, 1, 3)


def at(day: date, hour: int = 10) -> datetime:
    """A time on a China day, as stored (aware)."""
    return datetime.combine(day, time(hour), tzinfo=CHINA_TIME)


def dated(event, when: datetime):
    event.created_at = when
    return event


class _Year:
    def __init__(self, orgs: dict[str, Organisation], chain_admins: dict[str, User], year: int):
        self.orgs, self.admins, self.year = orgs, chain_admins, year
        self.rng = random.Random(year)
        self.counts = {"challenges": 0, "proposals": 0, "projects": 0, "accepted": 0, "failed": 0, "achievements": 0}
        self.experts: dict[int, list[User]] = {}
        for membership in db.session.scalars(db.select(ExpertMembership).order_by(ExpertMembership.id)):
            self.experts.setdefault(membership.chain_id, []).append(membership.user)
        self.active = self._active()

    @staticmethod
    def _active() -> set[tuple[int, int]]:
        """(chain id, organisation id) of the organisations already active in a chain. The statistics count a
        chain's members whatever the year (rows.verified_members): last year's work is given only to these,
        so that this year's member counts stay what the current demo makes them."""
        pairs = {(lead.chain_id, lead.organisation_id) for lead in db.session.scalars(db.select(ChainLead))}
        pairs |= {(c.chain_id, c.organisation_id) for c in db.session.scalars(
            db.select(Challenge).where(Challenge.state != S.draft))}
        for capability in db.session.scalars(db.select(Capability)):
            pairs |= {(chain.id, capability.organisation_id) for chain in capability.chains}
        return pairs

    def members(self, chain, institution: bool) -> list[Organisation]:
        return [org for org in self.orgs.values()
                if (chain.id, org.id) in self.active and org.is_verified and org.is_institution is institution]

    def chain(self, chain, rows: list[list[str]], n: int) -> None:
        admin = self.admins.get(chain.code)
        enterprises, institutions = self.members(chain, False), self.members(chain, True)
        jan = at(date(self.year, 1, 10 + n))
        for k, (segment, title, keywords, indicators) in enumerate(rows):
            month, months = SLOTS[k]
            published = date(self.year, month, 6 + 2 * n)
            poster = enterprises[(k + n) % len(enterprises)]
            challenge = self.listing(chain, poster, title, keywords, indicators, published, months)
            if k in LINKED or n % 2 == 0:
                link = KeyLink(chain=chain, year=self.year, segment=segment, priority=1 if k < 2 else 2,
                               why_missing=f"{segment}依赖外省或进口，省内尚无成套解决方案。",
                               target_indicators=indicators, created_by=admin, created_at=jan, challenges=[challenge])
                db.session.add(link)
                db.session.flush()
                dated(audit.record(admin, "key_link_created", link, "", "", segment), jan)
            failed = k == 3 and chain.code in FAILED_CHAINS
            self.answer(challenge, institutions, admin, failed, winner_at=(k + n) % len(institutions),
                        many=k == 0, months=months,
                        terminated=(chain.code, k) == TERMINATED, trl=TRL.get(chain.code, TRL_DEFAULT)[k])

    def listing(self, chain, poster: Organisation, title: str, keywords: str, indicators: str,
                published: date, months: int) -> Challenge:
        user = poster.members[0] if poster.members else None
        budget = Decimal(self.rng.choice([80, 120, 150, 200, 260, 300, 400]))
        created, submitted = at(published - timedelta(days=20)), at(published - timedelta(days=6 + published.day % 9))
        challenge = Challenge(
            organisation=poster, created_by=user, chain=chain, mode=ChallengeMode.open_call, title=title,
            background=f"{poster.name}在生产经营中遇到“{title}”方面的瓶颈，现有方案依赖外部供应，成本高、响应慢。",
            difficulty=f"{title}涉及的关键工艺与核心部件尚未在省内形成工程化能力。", indicators=indicators,
            expected_outcome="形成可在发榜企业现场应用的样机或系统，并通过第三方检测。", budget_wan=budget,
            deadline=published + timedelta(days=35), period_months=months,
            conditions="省内注册的高校、科研院所或企业，具备相关研究基础。", keywords=keywords,
            ip_terms=IPTerms.negotiable, visibility=Visibility.public, contact_name=poster.contact_name or "项目联系人",
            contact_phone=poster.contact_phone, state=S.published, is_demo=True,
            created_at=created, updated_at=created, published_at=at(published, 9))
        db.session.add(challenge)
        db.session.flush()
        dated(audit.record(user, "challenge_created", challenge, "", S.draft), created)
        dated(audit.record(user, "challenge_submitted", challenge, S.draft, S.submitted), submitted)
        dated(audit.record(self.admins.get(chain.code), "challenge_published", challenge, S.submitted, S.published),
              challenge.published_at)
        # Closed by the system on the day after its deadline, as close_if_expired does.
        challenge.state, challenge.closed_on = S.closed, challenge.deadline + timedelta(days=1)
        dated(audit.record(None, "challenge_closed", challenge, S.published, S.closed, "已到揭榜截止日期，系统自动截止"),
              at(challenge.closed_on, 1))
        self.counts["challenges"] += 1
        return challenge

    def answer(self, challenge: Challenge, institutions: list[Organisation], admin: User | None, failed: bool,
               winner_at: int, many: bool, months: int, terminated: bool, trl: int) -> None:
        order = institutions[winner_at:] + institutions[:winner_at]
        picks = order[:4 if many else 3] if not failed else order[:2]
        proposals = []
        for i, org in enumerate(picks):
            state = P.not_selected if failed or 0 < i < 3 else P.selected if i == 0 else P.declined
            proposals.append(self.proposal(challenge, org, state, i, months))
        db.session.flush()
        reviewed = challenge.deadline + timedelta(days=6)
        for proposal in proposals:
            if proposal.state is not P.declined:
                self.reviews(proposal, admin, challenge.deadline, best=proposal.state is P.selected)
        if failed:
            challenge.state = S.failed
            challenge.failure_reason = "经专家评审，揭榜方案均未达到核心技术指标要求，作流榜处理，下一年度重新发榜。"
            dated(audit.record(admin, "challenge_failed", challenge, S.closed, S.failed, challenge.failure_reason),
                  at(reviewed + timedelta(days=10), 15))
            self.counts["failed"] += 1
            return
        winner = proposals[0]
        starts = reviewed + timedelta(days=4 + challenge.id % 5)
        publicity = Publicity(challenge=challenge, starts_on=starts, ends_on=add_working_days(starts, 5),
                              created_by_id=admin.id if admin else None, created_at=at(starts, 9),
                              text=f"经专家评审，拟由{winner.organisation.name}承担“{challenge.title}”攻关任务，现予公示。")
        db.session.add(publicity)
        db.session.flush()
        dated(audit.record(admin, "proposal_selected", winner, P.submitted, P.selected), at(starts, 9))
        dated(audit.record(admin, "publicity_opened", challenge, reason=f"公示至 {publicity.ends_on}"), at(starts, 9))
        approved_on = publicity.ends_on + timedelta(days=3 + challenge.id % 4)
        challenge.state = S.awarded
        dated(audit.record(admin, "challenge_awarded", challenge, S.closed, S.awarded), at(approved_on, 11))
        self.project(challenge, winner, admin, approved_on, months, terminated, trl)

    def proposal(self, challenge: Challenge, org: Organisation, state: ProposalState, i: int, months: int) -> Proposal:
        submitted = at(challenge.deadline - timedelta(days=3 + 7 * i), 16)
        proposal = Proposal(
            challenge=challenge, organisation=org, state=state, is_demo=True,
            price_wan=(challenge.budget_wan * Decimal((95, 90, 100, 85)[i]) / 100).quantize(Decimal("1")),
            created_by_id=org.members[0].id if org.members else None,
            technical_plan=(f"围绕“{challenge.title}”的技术难点，分三个阶段攻关：方案设计与关键技术验证，"
                            "样机研制与逐项指标测试，在发榜企业现场示范应用并准备验收。"),
            team="项目负责人及核心成员 6–10 人，含高级职称 3 人。", schedule=f"总周期 {months} 个月，分三个阶段实施。",
            created_at=submitted - timedelta(days=5), updated_at=submitted, submitted_at=submitted)
        if state is P.declined:
            proposal.decline_code, proposal.decline_reason = DeclineCode.indicators, "关键指标论证不足。"
        db.session.add(proposal)
        db.session.flush()
        dated(audit.record(org.members[0] if org.members else None, "proposal_submitted", proposal, P.draft,
                           P.submitted), submitted)
        self.counts["proposals"] += 1
        return proposal

    def reviews(self, proposal: Proposal, admin: User | None, deadline: date, best: bool) -> None:
        experts = [e for e in self.experts.get(proposal.challenge.chain_id, []) if conflict(e, proposal) is None][:3]
        for n, expert in enumerate(experts):
            scores = {name: float(self.rng.randint(84, 95) if best else self.rng.randint(62, 80))
                      for name, _ in DEFAULT_RUBRIC}
            db.session.add(Review(
                proposal=proposal, expert=expert, assigned_by_id=admin.id if admin else None,
                state=ReviewState.submitted, scores=scores, total=weighted_total(list(DEFAULT_RUBRIC), scores),
                comment="技术路线清晰，指标论证充分。" if best else "方案可行性一般，关键指标论证不足。",
                assigned_at=at(deadline + timedelta(days=2), 9), due_on=deadline + timedelta(days=9),
                submitted_at=at(deadline + timedelta(days=3 + n), 17)))

    def project(self, challenge: Challenge, proposal: Proposal, admin: User | None, approved_on: date, months: int,
                terminated: bool, trl: int) -> None:
        # Accepted before the year's end, whatever the year's holidays did to the 公示.
        end = min(approved_on + timedelta(days=30 * months), date(self.year, 12, 24))
        project = Project(
            challenge=challenge, proposal=proposal, organisation_id=proposal.organisation_id, is_demo=True,
            funding_wan=proposal.price_wan, start_date=approved_on, end_date=end,
            approved_by_id=admin.id if admin else None, created_at=at(approved_on, 11),
            task_book=f"按揭榜方案完成“{challenge.title}”攻关，逐项达到榜单技术指标，分三个阶段实施并接受中期检查与验收。",
            state=ProjectState.terminated if terminated else ProjectState.accepted)
        db.session.add(project)  # in the session before the appends below load (and flush) anything
        proposal.state = project.state.proposal_state
        for seq, (title, deliverable) in enumerate(STAGES, 1):
            due = approved_on + (end - approved_on) * seq // 3 - timedelta(days=5)
            proposal.milestones.append(ProposalMilestone(seq=seq, title=title, due_date=due, deliverable=deliverable,
                                                         fund_share=(30, 40, 30)[seq - 1]))
            milestone = Milestone(seq=seq, title=title, due_date=due, deliverable=deliverable,
                                  fund_share=(30, 40, 30)[seq - 1])
            if seq == 1 or not terminated:
                done = at(due - timedelta(days=4), 15)
                milestone.state, milestone.evidence, milestone.submitted_at = (MilestoneState.confirmed,
                                                                               f"{deliverable}已提交。", done)
                milestone.enterprise_confirmed_at = milestone.admin_confirmed_at = done + timedelta(days=2)
            project.milestones.append(milestone)
        db.session.flush()
        dated(audit.record(admin, "project_approved", project, "", ProjectState.approved), project.created_at)
        dated(audit.record(admin, "project_started", project, ProjectState.approved, ProjectState.in_progress),
              at(approved_on + timedelta(days=3), 10))
        project.midterm_result, project.midterm_note = "pass", "进度符合任务书要求。"
        self.counts["projects"] += 1
        if terminated:
            project.end_reason = "第一阶段验证表明原技术路线无法达到核心指标，经发榜企业与承担单位协商一致，终止项目。"
            project.ended_at = at(project.milestones[0].due_date + timedelta(days=20), 16)
            project.midterm_result, project.midterm_note = "concern", "关键指标验证未达预期。"
            dated(audit.record(admin, "project_terminated", project, ProjectState.in_progress, ProjectState.terminated,
                               project.end_reason), project.ended_at)
            return
        project.acceptance_checks = [{"indicator": i, "met": True, "note": "第三方检测报告确认"}
                                     for i in indicator_items(challenge.indicators)]
        project.acceptance_note = "各项技术指标均达到任务书要求，同意通过验收。"
        project.end_reason, project.ended_at = project.acceptance_note, at(end - timedelta(days=2), 15)
        dated(audit.record(admin, "project_accepted", project, ProjectState.in_progress, ProjectState.accepted),
              project.ended_at)
        db.session.add(Achievement(
            organisation_id=project.organisation_id, chain_id=challenge.chain_id, challenge_id=challenge.id,
            project_id=project.id, title=challenge.title, trl=trl, is_demo=True,
            summary=f"{project.task_book}\n\n验收意见：{project.acceptance_note}",
            contact_name=challenge.contact_name, contact_phone=challenge.contact_phone,
            created_at=project.ended_at, updated_at=project.ended_at))
        self.counts["accepted"] += 1
        self.counts["achievements"] += 1


def seed_last_year(orgs: dict[str, Organisation], chain_admins: dict[str, User], progress=print) -> dict[str, int]:
    """Give every chain a finished last year; returns what was made."""
    from ..services.chains import all_chains

    data = json.loads(DATA.read_text(encoding="utf-8"))
    work = _Year(orgs, chain_admins, clock.today().year - 1)
    # The platform already ran last year: its organisations were verified and its 链主 designated early in
    # it, or last year's report would count no 链主 and no verified member (rows.chain_leads, _verified_by).
    for n, org in enumerate(org for org in orgs.values() if org.is_verified):
        org.verified_at = at(date(work.year, 1, 6) + timedelta(days=n % 45))
    for lead in db.session.scalars(db.select(ChainLead)):
        lead.designated_at = at(date(work.year, 1, 8))
    for n, chain in enumerate(all_chains()):
        work.chain(chain, data[chain.code], n)
        for segment, why in [data["_unanswered"][chain.code]] if chain.code in data["_unanswered"] else []:
            # A link decided but never answered: the year-end report shows it as 尚无榜单.
            db.session.add(KeyLink(chain=chain, year=work.year, segment=segment, priority=3, why_missing=why,
                                   created_by=chain_admins.get(chain.code), created_at=at(date(work.year, 3, 1))))
    db.session.flush()
    c = work.counts
    progress(f"已创建上一年度（{work.year} 年）榜单 {c['challenges']} 个（流榜 {c['failed']} 个）、揭榜方案 {c['proposals']} 份、"
             f"项目 {c['projects']} 个（验收通过 {c['accepted']} 个）、成果 {c['achievements']} 项。")
    return c
