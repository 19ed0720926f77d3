"""待办 of a committee expert: the reviews assigned to them and not yet submitted.

A review has no due date of its own: it is due when the listing's applications close (the actual
day of an early close), after which the lead department selects — so those past it come first."""
from __future__ import annotations

from sqlalchemy import case, select

from ... import clock
from ...models import Challenge, Organisation, Proposal, Review, ReviewState, User
from ...models.challenge import closed_before
from ..reviews import REVIEWABLE
from .core import Entry, Kind, closed_note


def _due():
    """The day applications closed: the early closing day, else the deadline (SQL, for the order)."""
    return case((Challenge.closed_on < Challenge.deadline, Challenge.closed_on), else_=Challenge.deadline)


def _assigned(user: User):
    return (select(Review.id, Challenge.title, Organisation.name.label("applicant"), Challenge.deadline,
                   Challenge.closed_on)
            .select_from(Review).join(Proposal, Proposal.id == Review.proposal_id)
            .join(Challenge, Challenge.id == Proposal.challenge_id)
            .join(Organisation, Organisation.id == Proposal.organisation_id)
            .where(Review.expert_id == user.id, Review.state == ReviewState.assigned, Proposal.state.in_(REVIEWABLE))
            .order_by(_due(), Review.id))


def _entry(r) -> Entry:
    """Noted "期限：2027-01-10 截止（揭榜截止日）", or "已逾期 3 天 · 期限：已于 … 提前截止（原定 …）"."""
    due = r.closed_on if closed_before(r.deadline, r.closed_on) else r.deadline
    late = (clock.today() - due).days
    deadline = f"期限：{closed_note(r.deadline, r.closed_on)}"
    return Entry(f"{r.title} · {r.applicant}", "evaluation.review", {"review_id": r.id},
                 f"已逾期 {late} 天 · {deadline}" if late > 0 else f"{deadline}（揭榜截止日）", overdue=late > 0)


REVIEWS = Kind(
    "reviews", "评审任务待完成", _assigned, _entry,
    "evaluation.my_reviews")

KINDS = [REVIEWS]
