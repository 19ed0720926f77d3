"""The concurrency harness's parts: what a race is, the world it starts from, and how it is fired.

Every request runs in its own thread, application context and database session (as under a
threaded server), released together by a barrier. On PostgreSQL this is the real race of two
gunicorn workers; on SQLite writers queue on the database lock.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from factories import (
    PASSWORD,
    make_chain_admin,
    make_challenge,
    make_expert,
    make_org,
    make_platform_admin,
    make_project,
    make_proposal,
    make_user,
)

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    ChallengeState,
    Milestone,
    MilestoneState,
    OrgType,
    ProjectState,
    ProposalState,
    Publicity,
    Review,
    ReviewState,
)

PARALLEL = 20
S, P = ChallengeState, ProposalState


@dataclass
class Race:
    """What one scenario fires: `PARALLEL` posts of `data` to `url`, taken in turn by `actors`."""

    url: str
    actors: list[str]
    effect: callable  # () -> int: how many times the change happened
    data: dict | callable = field(default_factory=dict)
    expected: int = 1
    urls: dict[str, str] | None = None  # a URL per actor, where each acts on a different row


def audits(action: str):
    return lambda: db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).filter_by(action=action))


def rows(model, **criteria):
    return lambda: db.session.scalar(db.select(db.func.count()).select_from(model).filter_by(**criteria))


# ----- the world every scenario starts from --------------------------------------------------------

def world():
    poster = make_org("发榜企业")
    make_user("poster@example.com", poster)
    uni = make_org("华楚理工大学", type=OrgType.university)
    make_user("uni@example.com", uni)
    make_chain_admin("chain-ai@example.com", "ai")
    make_platform_admin("root@example.com")
    experts = [make_expert(f"e{i}@example.com") for i in range(2)]
    return poster, uni, experts


def closed_with_reviews(poster, uni, experts, submitted=True):
    challenge = make_challenge(poster, S.closed)
    proposal = make_proposal(challenge, uni)
    for expert in experts:
        db.session.add(Review(proposal=proposal, expert=expert, state=ReviewState.submitted if submitted
                              else ReviewState.assigned, total=80.0, scores={}))
    return challenge, proposal


def publicity_over(challenge, proposal):
    proposal.state = P.selected
    db.session.add(Publicity(challenge=challenge, starts_on=clock.today() - timedelta(days=10),
                             ends_on=clock.today() - timedelta(days=3), text="公示"))


def project_for(challenge, proposal, state=ProjectState.in_progress, milestone_state=MilestoneState.planned):
    return make_project(proposal, [Milestone(seq=1, title="样机", due_date=clock.today() + timedelta(days=90),
                                             fund_share=100, state=milestone_state, evidence="测试报告")],
                        funding_wan=Decimal("400"), task_book="任务书", state=state)


# ----- firing --------------------------------------------------------------------------------------

def _clients(app, email: str, count: int):
    """`count` clients sharing one logged-in session (one login, not `count`: logins are throttled)."""
    first = app.test_client()
    response = first.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code in (302, 303), f"login of {email} failed: {response.status_code}"
    token = first.csrf_token()
    cookie = first.get_cookie("session")
    clients = []
    for _ in range(count):
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
        clients.append(client)
    return clients, token


def fire(app, race: Race) -> list[int]:
    """PARALLEL posts released at once; returns their status codes."""
    per_actor = {email: _clients(app, email, -(-PARALLEL // len(race.actors))) for email in race.actors}
    shots = []
    for i in range(PARALLEL):
        clients, token = per_actor[race.actors[i % len(race.actors)]]
        shots.append((clients[i // len(race.actors)], token))
    statuses: list[int | None] = [None] * PARALLEL

    def shoot(i):
        client, token = shots[i]
        url = race.urls[race.actors[i % len(race.actors)]] if race.urls else race.url
        data = race.data() if callable(race.data) else race.data  # a callable: fresh file objects
        statuses[i] = client.post(url, data=dict(data, csrf_token=token)).status_code

    together(PARALLEL, shoot)
    return statuses


def together(count: int, work, join_seconds: float = 240) -> None:
    """`work(i)` for each i < count, each in its own thread, released at one barrier; a crash in any
    thread fails the caller (a thread's exception would otherwise only be printed)."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i):
        try:
            barrier.wait(timeout=30)
            work(i)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=join_seconds)
    assert not errors, errors


