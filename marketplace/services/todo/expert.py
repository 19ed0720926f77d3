"""待办 of a committee expert: the reviews assigned to them and not yet submitted.

Each review is due on its own date (`Review.due_on`, set by the chain admin when assigning: reviews
begin after applications close, so the listing's deadline says nothing about them) — overdue ones
first, then the soonest due."""
from __future__ import annotations

from sqlalchemy import select

from ...models import Challenge, Organisation, Proposal, Review, ReviewState, User
from ..reviews import REVIEWABLE
from .core import Entry, Kind, due_note, is_overdue


def _assigned(user: User):
    return (select(Review.id, Review.due_on, Challenge.title, Organisation.name.label("applicant"))
            .select_from(Review).join(Proposal, Proposal.id == Review.proposal_id)
            .join(Challenge, Challenge.id == Proposal.challenge_id)
            .join(Organisation, Organisation.id == Proposal.organisation_id)
            .where(Review.expert_id == user.id, Review.state == ReviewState.assigned, Proposal.state.in_(REVIEWABLE))
            .order_by(Review.due_on, Review.id))


def _entry(r) -> Entry:
    """Noted "截止 2027-01-10", or "已逾期 3 天（截止 2027-01-07）"."""
    return Entry(f"{r.title} · {r.applicant}", "evaluation.review", {"review_id": r.id},
                 due_note(r.due_on, "截止 "), overdue=is_overdue(r.due_on))


REVIEWS = Kind(
    "reviews", "评审任务待完成", _assigned, _entry,
    "evaluation.my_reviews")

KINDS = [REVIEWS]
