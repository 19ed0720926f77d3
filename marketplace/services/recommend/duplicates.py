"""Duplicate detection: challenges that look like one being written or reviewed, how similar they
are on a scale comparable between listings, and the admins' report of likely duplicate pairs."""
from __future__ import annotations

from ...extensions import db
from ...models import Challenge, ChallengeState, User
from .audience import lookalikes_for, summary_terms
from .candidates import challenge_query
from .items import Explained, Item, current_index, to_items
from .shared_terms import explained_rows

# Share of a listing's score against itself that another listing reaches: at this level two listings
# describe the same need (the demo's rewritten duplicate scores 0.63; unrelated listings of one
# chain 0.08–0.15).
DUPLICATE_SIMILARITY = 0.3


def similar_challenges(challenge: Challenge, user: User | None, limit: int = 5,
                       min_match: float | None = None) -> list[Item]:
    """Challenges already posted (or awaiting review) that look like this one: the duplicate check.
    `min_match`: the relevance cutoff (None: the matcher's; the duplicates report has its own scale)."""
    index = current_index()
    allowed, in_full, (signature, admin_chain) = lookalikes_for(index, challenge, user)

    def compute() -> list[Explained]:
        """The look-alikes with their shared words; for a listing this user sees only as a summary,
        only words of what the summary shows. One sharing nothing public is left out."""
        hits = index.search(challenge_query(challenge), k=limit, allowed=allowed, min_match=min_match)
        explained = []
        for hit, obj, shared in explained_rows(hits):
            if not in_full(hit.id):
                shared = summary_terms(obj, shared)
            if shared:
                explained.append((hit.id, hit.score, tuple(shared), hit.match))
        return explained

    return to_items(index.memo(("similar", challenge.id, signature, admin_chain, limit, min_match), compute))


def similarity(challenge: Challenge, item: Item) -> float | None:
    """`item`'s score as a share of the challenge's score against its own text (0–1, comparable
    between listings, unlike raw scores that grow with the length of the text); None while the
    challenge is not indexed (withdrawn). A draft is indexed, so its poster is warned before submitting."""
    index = current_index()
    own = f"ch:{challenge.id}"
    if own not in index.meta:
        return None
    hits = index.memo(("self", own), lambda: index.search(challenge_query(challenge), k=1, allowed={own}))
    return min(1.0, item.score / hits[0].score) if hits and hits[0].score > 0 else None


def duplicate_pairs(user: User, show_all: bool = False, limit: int = 50) -> list[tuple[Challenge, Item, float]]:
    """Listings (awaiting review, open or closed) with the most similar other listing each, most
    similar first: only likely duplicates unless `show_all`. Chain admins see their chain's."""
    query = db.select(Challenge).where(Challenge.state.in_(
        (ChallengeState.submitted, ChallengeState.published, ChallengeState.closed)))
    if not user.is_platform_admin:
        query = query.filter_by(chain_id=user.admin_chain_id)
    pairs, seen = [], set()
    for challenge in db.session.scalars(query.order_by(Challenge.id.desc()).limit(300)):
        for item in similar_challenges(challenge, user, limit=1, min_match=0.0):
            key = tuple(sorted((challenge.id, item.obj.id)))
            share = similarity(challenge, item)
            if key in seen or share is None or (share < DUPLICATE_SIMILARITY and not show_all):
                continue
            seen.add(key)
            pairs.append((challenge, item, share))
    pairs.sort(key=lambda pair: -pair[2])
    return pairs[:limit]
