"""Feedback on recommendations: judgements (useful / not useful) and the actions they led to
(invite, shortlist, select, assign), stored as the field's first relevance judgements."""
from __future__ import annotations

from ..extensions import db
from ..models import Challenge, RecommendationEvent, User
from .recommend import for_challenge

FEEDBACK_KINDS = ("useful", "not_useful", "invited", "shortlisted", "selected", "assigned")


def record(user: User | None, context: str, query_id: str, doc_id: str, kind: str, chain_id: int | None,
           rank: int | None = None, score: float | None = None) -> RecommendationEvent:
    if kind not in FEEDBACK_KINDS:
        raise ValueError(f"unknown feedback kind {kind!r}")
    event = RecommendationEvent(user_id=user.id if user else None, context=context, query_id=query_id,
                                doc_id=doc_id, kind=kind, chain_id=chain_id, rank=rank, score=score)
    db.session.add(event)
    db.session.flush()
    return event


def record_if_recommended(user: User, challenge: Challenge, organisation_id: int, kind: str) -> RecommendationEvent | None:
    """When an institution is invited, shortlisted or selected, credit the recommendation if it was one."""
    for rank, group in enumerate(for_challenge(challenge, limit=20), start=1):
        if group.organisation.id == organisation_id:
            return record(user, "challenge_institutions", f"ch:{challenge.id}", f"org:{organisation_id}", kind,
                          challenge.chain_id, rank, group.score)
    return None


def acted_on_by_chain() -> list[dict]:
    """Per chain: how often recommendations were judged or acted on (the admin's feedback page)."""
    from ..models import Chain

    rows = db.session.execute(db.select(RecommendationEvent.chain_id, RecommendationEvent.kind,
                                        db.func.count()).group_by(RecommendationEvent.chain_id,
                                                                  RecommendationEvent.kind)).all()
    counts: dict[int | None, dict[str, int]] = {}
    for chain_id, kind, n in rows:
        counts.setdefault(chain_id, {})[kind] = n
    report = []
    for chain in db.session.scalars(db.select(Chain).order_by(Chain.sort_order)):
        c = counts.get(chain.id, {})
        judged = c.get("useful", 0) + c.get("not_useful", 0)
        acted = sum(c.get(k, 0) for k in ("invited", "shortlisted", "selected", "assigned"))
        report.append({"chain": chain, **{k: c.get(k, 0) for k in FEEDBACK_KINDS}, "acted": acted,
                       "useful_share": round(c.get("useful", 0) / judged, 2) if judged else None})
    return report
