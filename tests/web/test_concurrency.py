"""The concurrency harness: N simultaneous requests at each state-changing route, one effect, no 5xx.

Every request runs in its own thread, application context and database session (as under a
threaded server), released together by a barrier. On PostgreSQL this is the real race of two
gunicorn workers; on SQLite writers queue on the database lock. Each scenario builds the state
its route needs, fires PARALLEL posts (split among the actors named, e.g. the poster and the lead
department confirming one milestone at the same moment), and then counts the effect in the
database: exactly one audit entry of the action (or one row where the rule is "one").
"""
from __future__ import annotations

import pytest
import race_scenarios_after
import race_scenarios_award
from races import fire, world

from marketplace.extensions import db
from marketplace.models import Notification

SCENARIOS = race_scenarios_award.SCENARIOS + race_scenarios_after.SCENARIOS


@pytest.mark.timeout(300)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_parallel_requests_have_one_effect_and_no_server_error(app, ctx, scenario):
    race = scenario(*world())
    db.session.commit()
    assert race.effect() == 0
    statuses = fire(app, race)
    db.session.expire_all()
    assert all(status < 500 for status in statuses), statuses
    assert race.effect() == race.expected, (race.effect(), statuses)
    assert any(status in (200, 302, 303) for status in statuses), statuses
    if race.expected == 1:  # a duplicate that slipped through would also have notified twice
        doubled = db.session.execute(db.select(Notification.user_id, Notification.title).group_by(
            Notification.user_id, Notification.title).having(db.func.count() > 1)).all()
        assert not doubled, doubled
