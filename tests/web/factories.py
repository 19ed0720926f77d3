"""Test builders: organisations, users, listings, proposals and projects in a given state, made through
the real models; and the few other helpers that several test files share."""
from __future__ import annotations

import itertools
import time
from datetime import timedelta
from decimal import Decimal

from marketplace import clock
from marketplace.credit_code import ALPHABET, check_character
from marketplace.extensions import db
from marketplace.models import ExpertMembership, Organisation, OrgRole, OrgStatus, OrgType, User
from marketplace.services import consent
from marketplace.services.chains import chain_by_code

PASSWORD = "password-123"
_counter = itertools.count(1)


def credit_code(n: int | None = None) -> str:
    """A valid credit code, different for each n."""
    n = next(_counter) if n is None else n
    body = f"{n:09d}"
    first17 = "91420100" + "".join(ALPHABET[int(c)] for c in body)
    return first17 + check_character(first17)


def make_org(name: str | None = None, type: OrgType = OrgType.enterprise,
             status: OrgStatus = OrgStatus.verified, **fields) -> Organisation:
    n = next(_counter)
    fields.setdefault("region", "武汉市")
    org = Organisation(name=name or f"测试机构{n}", type=type, status=status, credit_code=credit_code(n), **fields)
    db.session.add(org)
    db.session.flush()
    return org


def make_user(email: str, org: Organisation | None = None, role: OrgRole = OrgRole.admin,
              name: str = "测试用户", consented: bool = True, **fields) -> User:
    """A user who has accepted the 用户协议 and 隐私政策 in force (unless `consented` is False: then
    every page but help and logout sends them to the consent page)."""
    user = User(email=email, name=name, organisation=org or make_org(), org_role=role, **fields)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    if consented:
        consent.record(user, consent.VIA_REGISTER)
    return user


def make_org_with_user(email: str, name: str | None = None, type: OrgType = OrgType.enterprise,
                       **user_fields) -> Organisation:
    """A verified organisation with one user, `email` (its admin unless `role` says otherwise)."""
    org = make_org(name, type=type)
    make_user(email, org, **user_fields)
    return org


def make_poster_and_university(poster_email: str = "poster@example.com") -> tuple[Organisation, Organisation]:
    """The two sides of most stories: the enterprise 发榜企业 that posts (its user `poster_email`) and the
    university 华楚理工大学 that answers (uni@example.com)."""
    return (make_org_with_user(poster_email, "发榜企业"),
            make_org_with_user("uni@example.com", "华楚理工大学", type=OrgType.university))


def make_expert(email: str, chain_code: str = "ai", org: Organisation | None = None) -> User:
    user = make_user(email, org or make_org(type=OrgType.university), role=OrgRole.member,
                     expertise="大模型推理加速与模型压缩")
    db.session.add(ExpertMembership(user=user, chain=chain_by_code(chain_code)))
    db.session.flush()
    return user


def make_platform_admin(email: str = "root@example.com") -> User:
    return make_user(email, make_org(type=OrgType.government), is_platform_admin=True)


def make_chain_admin(email: str, chain_code: str = "ai") -> User:
    return make_user(email, make_org(type=OrgType.government), admin_chain=chain_by_code(chain_code))


def make_challenge(org: Organisation | None = None, state=None, chain_code: str = "ai", **fields):
    """A challenge in the given state (default published), posted by `org` (default: a new enterprise)."""
    from marketplace.models import Challenge, ChallengeState

    values = dict(title="高效液冷冷板散热系统研制", background="智算中心单柜功率密度提升，散热成为瓶颈。",
                  difficulty="高热流密度芯片的冷板流道设计。", indicators="1. 热阻 ≤ 0.03 ℃·cm²/W\n2. PUE ≤ 1.15",
                  expected_outcome="样机 2 套", budget_wan=Decimal("500"), deadline=clock.today() + timedelta(days=30),
                  period_months=24, conditions="具备传热实验平台", keywords="液冷, 冷板, PUE",
                  contact_name="黄工", contact_phone="027-87654321")
    values.update(fields)
    challenge = Challenge(organisation=org or make_org(), chain=chain_by_code(chain_code),
                          state=state or ChallengeState.published, **values)
    db.session.add(challenge)
    db.session.flush()
    return challenge


def make_proposal(challenge, org: Organisation | None = None, state=None, milestones: int = 2, **fields):
    """A proposal of `org` (default: a new university) on `challenge`, with dated milestones."""
    from marketplace.models import Proposal, ProposalMilestone, ProposalState

    values = dict(technical_plan="采用微通道拓扑优化与两相冷却。", team="教授 2 人、博士 5 人", price_wan=Decimal("450"))
    values.update(fields)
    proposal = Proposal(challenge=challenge, organisation=org or make_org(type=OrgType.university),
                        state=state or ProposalState.submitted, **values)
    proposal.milestones = [ProposalMilestone(seq=i + 1, title=f"里程碑{i + 1}", due_date=clock.today() + timedelta(days=60 * (i + 1)),
                                             deliverable="样机", fund_share=40) for i in range(milestones)]
    db.session.add(proposal)
    db.session.flush()
    return proposal


def make_project(proposal, milestones: int | list = 1, **fields):
    """The project of `proposal` (which then shows its project's state) on its challenge, starting today,
    with `milestones`: that many planned ones due 60 days apart from day 5, or the Milestone objects given."""
    from marketplace.models import Milestone, Project, ProjectState

    if isinstance(milestones, int):
        milestones = [Milestone(seq=i + 1, title=f"里程碑{i + 1}", due_date=clock.today() + timedelta(days=5 + 60 * i))
                      for i in range(milestones)]
    values = dict(funding_wan=Decimal("450"), start_date=clock.today(), end_date=clock.today() + timedelta(days=700),
                  task_book="研制冷板与CDU。")
    values.update(fields)
    proposal.state = values.get("state", ProjectState.approved).proposal_state  # 已立项 / 验收通过 / 终止
    project = Project(challenge=proposal.challenge, proposal=proposal, organisation_id=proposal.organisation_id,
                      milestones=milestones, **values)
    db.session.add(project)
    db.session.flush()
    return project


def median_seconds(action, runs: int = 7) -> float:
    """The median wall time of `action(n)` over n = 0…runs-1: steadier than one timing on a busy machine."""
    times = []
    for n in range(runs):
        started = time.perf_counter()
        action(n)
        times.append(time.perf_counter() - started)
    return sorted(times)[runs // 2]


def make_plan_item(chain_code: str = "ai", year: int | None = None, late: bool = True, state=None,
                   title: str = "建设算力调度验证平台", **fields):
    """An item of the chain's work plan for `year` (the plan made, approved by default, when missing),
    with two sub-milestones: the first due yesterday and unconfirmed when `late`, else in 30 days."""
    from marketplace.models import PlanState, WorkPlan, WorkPlanItem, WorkPlanMilestone

    today = clock.today()
    year = year or today.year
    chain = chain_by_code(chain_code)
    plan = db.session.scalar(db.select(WorkPlan).filter_by(chain_id=chain.id, year=year))
    if plan is None:
        plan = WorkPlan(chain=chain, year=year, key_points="工作要点", state=state or PlanState.approved)
        db.session.add(plan)
    first = today - timedelta(days=1) if late else today + timedelta(days=30)
    values = dict(responsible_unit="省经信厅", responsible_person="张处长", start_date=today - timedelta(days=90),
                  end_date=today + timedelta(days=180))
    values.update(fields)
    item = WorkPlanItem(plan=plan, seq=len(plan.items) + 1, title=title, regions=["武汉市"], **values)
    item.milestones = [WorkPlanMilestone(title="方案论证", due_on=first),
                       WorkPlanMilestone(title="平台上线", due_on=today + timedelta(days=120))]
    db.session.add(item)
    db.session.flush()
    return item
