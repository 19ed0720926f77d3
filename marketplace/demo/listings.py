"""Demo challenges, capabilities and achievements, in every state of the workflow."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from .. import clock
from ..clock import utcnow
from ..extensions import db
from ..models import (
    Achievement,
    Capability,
    Chain,
    Challenge,
    ChallengeInvitation,
    ChallengeMode,
    ChallengeState,
    IPTerms,
    KeyLink,
    Organisation,
    TransferMode,
    User,
    Visibility,
)
from ..services import audit

DATA = Path(__file__).resolve().parent
S = ChallengeState
# The path each demo state took through the workflow, for a believable audit trail.
HISTORY = {
    S.draft: [],
    S.submitted: [S.submitted],
    S.returned: [S.submitted, S.returned],
    S.published: [S.submitted, S.published],
    S.closed: [S.submitted, S.published, S.closed],
    S.awarded: [S.submitted, S.published, S.closed, S.awarded],
    S.failed: [S.submitted, S.published, S.closed, S.failed],
    S.withdrawn: [S.submitted, S.published, S.withdrawn],
}


def _load(name: str) -> list[dict]:
    path = DATA / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def seed_listings(orgs: dict[str, Organisation], org_chains: dict[str, list[str]], chain_admins: dict[str, User],
                  progress=print) -> dict[str, int]:
    """Create the demo listings for organisations already seeded (keyed by their demo key)."""
    chains = {c.code: c for c in db.session.scalars(db.select(Chain))}
    today = clock.today()
    counts = {"challenges": 0, "capabilities": 0, "achievements": 0}
    institutions = [(key, o) for key, o in orgs.items() if o.is_institution and o.is_verified]
    for n, record in enumerate(_load("challenges.json")):
        state = S(record["state"])
        org = orgs[record["org_key"]]
        poster = org.members[0] if org.members else None
        days_ago = 10 + (n * 7) % 60
        deadline = today + timedelta(days=record["deadline_days"])
        # Published at least a month before its deadline (a closed or awarded listing's deadline is long past).
        days_ago = max(days_ago, 30 - record["deadline_days"])
        challenge = Challenge(
            organisation=org, created_by=poster, chain=chains[record["chain"]], mode=ChallengeMode(record["mode"]),
            title=record["title"], background=record["background"], difficulty=record["difficulty"],
            indicators=record["indicators"], expected_outcome=record["expected_outcome"],
            budget_wan=Decimal(str(record["budget_wan"])), deadline=deadline,
            period_months=record["period_months"], conditions=record["conditions"],
            keywords=", ".join(record["keywords"]), ip_terms=IPTerms(record["ip_terms"]),
            visibility=Visibility(record["visibility"]), contact_name=record["contact_name"],
            contact_phone=record["contact_phone"], state=state, return_reason=record.get("return_reason", ""),
            is_demo=True,
            created_at=utcnow() - timedelta(days=days_ago + 5),
            published_at=utcnow() - timedelta(days=days_ago) if S.published in HISTORY[state] else None,
        )
        db.session.add(challenge)
        db.session.flush()
        if record.get("key_link"):  # decided as one of the year's key links, answered by this listing
            db.session.add(KeyLink(chain=challenge.chain, year=today.year, segment=challenge.title, priority=1,
                                   why_missing=challenge.difficulty, target_indicators=challenge.indicators,
                                   created_by=chain_admins.get(record["chain"]), challenges=[challenge]))
        _history(challenge, state, poster, chain_admins.get(record["chain"]), record)
        if challenge.visibility is Visibility.invited:
            for inst in [o for key, o in institutions if record["chain"] in org_chains.get(key, [])][:2]:
                db.session.add(ChallengeInvitation(challenge=challenge, organisation=inst))
        counts["challenges"] += 1
    _seed_open_links(chains, chain_admins, today.year)
    progress(f"已创建演示榜单 {counts['challenges']} 个。")
    for record in _load("capabilities.json"):
        org = orgs[record["org_key"]]
        db.session.add(Capability(
            organisation=org, created_by_id=org.members[0].id if org.members else None,
            chains=[chains[c] for c in record["chains"]], title=record["title"], direction=record["direction"],
            description=record["description"], team_lead=record["team_lead"], team_size=record["team_size"],
            notable_members=record["notable_members"], facilities=record["facilities"], results=record["results"],
            keywords=", ".join(record["keywords"]), is_demo=True,
        ))
        counts["capabilities"] += 1
    for record in _load("achievements.json"):
        org = orgs[record["org_key"]]
        db.session.add(Achievement(
            organisation=org, created_by_id=org.members[0].id if org.members else None, chain=chains[record["chain"]],
            title=record["title"], summary=record["summary"], trl=record["trl"], ip=record["ip"],
            transfer_mode=TransferMode(record["transfer_mode"]), contact_name=record["contact_name"],
            contact_phone=record["contact_phone"], is_demo=True,
        ))
        counts["achievements"] += 1
    db.session.flush()
    progress(f"已创建演示科研能力 {counts['capabilities']} 项、成果 {counts['achievements']} 项。")
    return counts


# Links decided before any listing answers them: one per chain this year; two for next year's list of
# the first chain (fewer than its minimum, so its page shows the warning).
OPEN_LINKS = ("{name}产业链核心部件国产化验证平台", "{name}产业链关键检测装备与标准体系")


def _seed_open_links(chains: dict[str, Chain], chain_admins: dict[str, User], year: int) -> None:
    for n, (code, chain) in enumerate(sorted(chains.items())):
        admin = chain_admins.get(code)
        db.session.add(KeyLink(chain=chain, year=year, segment=OPEN_LINKS[0].format(name=chain.name), priority=2,
                               why_missing="省内尚无企业或院所具备成套能力，依赖外省或进口。",
                               target_indicators="形成可对外服务的验证能力，年服务本链企业不少于 20 家。",
                               created_by=admin))
        if n == 0:
            for segment in OPEN_LINKS:
                db.session.add(KeyLink(chain=chain, year=year + 1, segment=segment.format(name=chain.name),
                                       priority=3, created_by=admin))
    db.session.flush()


def _history(challenge: Challenge, state: ChallengeState, poster, chain_admin, record: dict) -> None:
    audit.record(poster, "challenge_created", challenge, "", S.draft)
    before = S.draft
    for step in HISTORY[state]:
        actor = poster if step in (S.submitted, S.withdrawn) else chain_admin
        reason = ""
        if step is S.returned:
            reason = record.get("return_reason", "")
        elif step is S.closed:
            actor, reason = None, "已到揭榜截止日期，系统自动截止"
        elif step is S.withdrawn:
            reason = "企业技术路线调整，需求暂缓"
        elif step is S.failed:
            reason = "经专家评审，揭榜方案均未达到技术指标要求，作流榜处理"
        audit.record(actor, f"challenge_{step.value}", challenge, before, step, reason)
        before = step
