"""One China-time clock for the whole package: a deadline passes at 00:00 China time, which is
16:00 UTC of the day before. The clock is moved with time-machine (no sleeps)."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from factories import make_challenge, make_org, make_user

from marketplace import clock, jobs
from marketplace.extensions import db
from marketplace.models import AuditEvent, Challenge, ChallengeState
from marketplace.services import challenges
from marketplace.services.chains import chain_by_code
from marketplace.services.errors import ServiceError

S = ChallengeState
PACKAGE = Path(__file__).resolve().parents[2] / "marketplace"


def state_of(challenge_id: int) -> ChallengeState:
    db.session.expire_all()
    return db.session.get(Challenge, challenge_id).state


# ----- one clock -----------------------------------------------------------------------------------

def test_the_package_asks_the_one_clock_for_the_date():
    """`date.today()` and `datetime.now()` follow the server's zone: only marketplace/clock.py may ask them."""
    pattern = re.compile(r"\b(?:date\.today|datetime\.(?:now|utcnow|today))\(|\btime\.(?:localtime|ctime)\(")
    offenders = [f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
                 for path in sorted(PACKAGE.rglob("*.py")) if path.name != "clock.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if pattern.search(line)]
    assert not offenders, "use marketplace.clock (today(), now(), utcnow()) instead:\n" + "\n".join(offenders)


def test_the_clock_is_china_time_whatever_the_utc_date():
    with time_machine.travel(datetime(2026, 3, 3, 16, 0, 30, tzinfo=UTC), tick=False):
        assert datetime.now(UTC).date() == date(2026, 3, 3)
        assert clock.today() == date(2026, 3, 4)
        assert clock.now().strftime("%Y-%m-%d %H:%M") == "2026-03-04 00:00"
        assert clock.utcnow() == datetime(2026, 3, 3, 16, 0, 30, tzinfo=UTC)


# ----- the deadline, at 00:00 China time -----------------------------------------------------------

def test_a_deadline_passes_at_midnight_china_time_not_at_midnight_utc(app, ctx):
    with time_machine.travel(datetime(2026, 3, 3, 15, 59, tzinfo=UTC), tick=False):  # 23:59 on 3 March in China
        listing = make_challenge(make_org(), S.published, deadline=date(2026, 3, 3))
        db.session.commit()
        assert jobs.run_due_jobs()["closed"] == 0  # the deadline day is not over
        assert state_of(listing.id) is S.published
        assert db.session.get(Challenge, listing.id).is_open
    with time_machine.travel(datetime(2026, 3, 3, 16, 0, 30, tzinfo=UTC), tick=False):  # 00:00:30 on 4 March
        assert datetime.now(UTC).date() == date(2026, 3, 3)  # the server's UTC date is still the deadline
        assert not db.session.get(Challenge, listing.id).is_open
        assert jobs.run_due_jobs()["closed"] == 1
    assert state_of(listing.id) is S.closed
    event = db.session.scalar(db.select(AuditEvent).filter_by(subject_id=listing.id, action="challenge_closed"))
    assert event.actor_id is None and event.created_at == datetime(2026, 3, 3, 16, 0, 30, tzinfo=UTC)  # stored in UTC


def test_forms_and_services_take_today_from_the_same_clock(app, ctx):
    """At 00:30 on 4 March in China a deadline of 3 March is in the past, though the UTC date is 3 March."""
    poster = make_user("poster@example.com", make_org("发榜企业"))
    db.session.commit()
    fields = dict(title="液冷冷板", chain_id=chain_by_code("ai").id, budget_wan=Decimal("100"), period_months=12)
    with time_machine.travel(datetime(2026, 3, 3, 16, 30, tzinfo=UTC), tick=False):
        with pytest.raises(ServiceError, match="不能早于今天"):
            challenges.create(poster, deadline=date(2026, 3, 3), **fields)
        db.session.rollback()
        assert challenges.create(poster, deadline=date(2026, 3, 4), **fields).deadline == date(2026, 3, 4)
        assert challenges.latest_deadline() == date(2027, 3, 4)
