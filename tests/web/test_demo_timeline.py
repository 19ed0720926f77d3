"""The whole demo keeps the workflow's order of events (DESIGN.md §3): a proposal is submitted after its
listing was published and no later than its deadline, experts score after the deadline, and a 督办单 is
issued only on a day its subject was already late (from the day after a due day passed unconfirmed)."""
from __future__ import annotations

from datetime import UTC, timedelta

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Proposal, Review, ReviewState, Supervision
from marketplace.services import supervision as supervision_service


def _china_day(moment):
    return ((moment if moment.tzinfo else moment.replace(tzinfo=UTC)) + timedelta(hours=8)).date()


def _utc(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _item_late_on(item, day) -> bool:
    """As item.late_milestones(day) would have said on `day` (before later confirmations and completion)."""
    if item.completed_on is not None and item.completed_on <= day:
        return False
    return any(m.due_on < day and (m.confirmed_on is None or m.confirmed_on >= day) for m in item.milestones)


def test_the_demo_happens_in_the_workflows_order(runner, ctx):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    today = clock.today()
    submitted = db.session.scalars(db.select(Proposal).where(Proposal.submitted_at.is_not(None))).all()
    assert submitted
    for proposal in submitted:
        listing = proposal.challenge
        assert listing.published_at is not None, listing.title
        assert _utc(listing.published_at) <= _utc(proposal.submitted_at), (listing.title, proposal.organisation.name)
        assert _china_day(proposal.submitted_at) <= min(listing.deadline, today), listing.title
        assert _utc(listing.created_at) <= _utc(listing.published_at)
    scored = db.session.scalars(db.select(Review).filter_by(state=ReviewState.submitted)).all()
    assert scored
    for review in scored:
        assert review.proposal.challenge.deadline < _china_day(review.submitted_at) <= today
    supervisions = db.session.scalars(db.select(Supervision)).all()
    assert len(supervisions) == 3
    for s in supervisions:
        late = (_item_late_on(s.item, s.issued_on) if s.item
                else supervision_service.late_milestones(s.project, s.issued_on))
        assert late, f"{supervision_service.subject_title(s)} was not late on {s.issued_on}"
