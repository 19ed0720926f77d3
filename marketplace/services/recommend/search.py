"""Ranked site search: the best listings of one kind for what a user typed, or the challenges the
user may see, each with the words of the query it has."""
from __future__ import annotations

from ...extensions import db
from ...models import Challenge, User
from ..match_index import chain_name
from .audience import challenge_verdicts
from .items import current_index
from .shared_terms import explain


def _words(explained) -> list[tuple[str, list[str]]]:
    """(doc id, shared words) of explained hits: what a list of results shows of why each was found."""
    return [(doc_id, [word for word, _ in terms]) for doc_id, _, terms, _ in explained]


def ranked_ids(query: str, prefix: str, ids=None, limit: int = 200) -> list[tuple[str, list[str]]]:
    """(doc id, shared words) of the best `limit` listings of one kind for a search, best first.

    `ids` restricts the search to those listings; None means every indexed listing of the kind.
    Only hits sharing at least one real word with the query are kept.
    """
    index = current_index()
    if ids is None:
        allowed = lambda doc_id: doc_id.startswith(prefix + ":")  # noqa: E731 - evaluated lazily, best first
        key = ("search", prefix, None)
    else:
        allowed = {f"{prefix}:{i}" for i in ids}
        if not allowed:
            return []
        key = ("search", prefix, hash(tuple(sorted(ids))))

    def compute():
        # What a user typed is searched for without the relevance cutoff: every listing with one of
        # the typed words is a result (sorted by match), as a search promises.
        hits = index.search(query, k=limit, allowed=allowed, cache_key=key, min_match=0.0)
        return _words(explain(hits, typed=True))

    return list(index.memo((key, query, limit), compute))


def ranked_challenges(query: str, user: User | None, limit: int = 200):
    """A challenge search checked against visibility on the index's metadata.

    Returns (ranked [(doc id, shared words)] of challenges the user may read in full, summary-only
    [(id, title, keywords)] among the hits, to be matched on that text alone).
    """
    index = current_index()
    verdict, signature = challenge_verdicts(index, user)

    def compute():
        hits = index.search(query, k=limit, allowed=lambda d: verdict(d)[0], min_match=0.0)
        full = [h for h in hits if verdict(h.id)[1]]
        summary_ids = [int(h.id[3:]) for h in hits if not verdict(h.id)[1]]
        summary = db.session.execute(db.select(Challenge.id, Challenge.title, Challenge.keywords, Challenge.chain_id)
                                     .where(Challenge.id.in_(summary_ids))).all() if summary_ids else []
        # A summary-only listing may match on what it shows publicly: title, keywords and its chain.
        return (_words(explain(full, typed=True)),
                [(r.id, r.title, f"{r.keywords} {chain_name(r.chain_id)}") for r in summary])

    ranked, summary = index.memo(("challenge-search", signature, query, limit), compute)
    return list(ranked), list(summary)
