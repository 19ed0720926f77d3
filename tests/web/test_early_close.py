"""An early close shows the actual closing date everywhere (issue 12): the listing, the 榜单大厅, the
poster's own list, the chain page, the evaluation desk and the 待办 — not the original deadline alone."""
from datetime import timedelta

import pytest
from factories import make_chain_admin, make_challenge, make_poster_and_university
from pages import first, text_of

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Challenge, ChallengeState
from marketplace.services import challenges

DEADLINE = clock.today() + timedelta(days=30)
EARLY = f"已于 {clock.today()} 提前截止（原定 {DEADLINE}）"


@pytest.fixture
def listing(ctx):
    poster, _ = make_poster_and_university()
    make_chain_admin("chain-ai@example.com", "ai")
    challenge = make_challenge(poster, ChallengeState.published, deadline=DEADLINE)
    db.session.commit()
    return challenge.id


def test_an_early_close_records_its_date_and_every_page_shows_it(client, auth, listing):
    auth.login("poster@example.com")
    assert client.post(f"/challenges/{listing}/close").status_code == 303
    assert EARLY in text_of(client.get(f"/challenges/{listing}"), "dl")
    assert EARLY in text_of(client.get("/challenges/"), "article")
    assert EARLY in text_of(client.get("/challenges/mine"), "table")
    assert EARLY in text_of(client.get("/chains/ai"))
    auth.logout()
    auth.login("chain-ai@example.com")
    assert EARLY in text_of(client.get(f"/challenges/{listing}/evaluation"), "main p.text-muted")
    assert EARLY in text_of(first(client.get("/dashboard"), '[data-todo="select"]'))
    assert db.session.get(Challenge, listing).closed_on == clock.today()


def test_a_close_at_the_deadline_shows_the_deadline(client, auth, ctx):
    poster, _ = make_poster_and_university()
    challenge = make_challenge(poster, ChallengeState.published, deadline=clock.today() - timedelta(days=1))
    db.session.commit()
    assert challenges.close_if_expired(challenge.id)
    db.session.commit()
    challenge = db.session.get(Challenge, challenge.id)
    assert challenge.closed_on == clock.today() and not challenge.closed_early
    auth.login("poster@example.com")
    page = text_of(client.get(f"/challenges/{challenge.id}"), "dl")
    assert str(challenge.deadline) in page and "提前截止" not in page
