"""Feedback on recommendations: judgements (useful / not useful) and the actions they led to
(invite, shortlist, select, assign), stored as the field's first relevance judgements.

A judgement names a query object and a recommended document by id, and it becomes training data
(the BEIR export copies both texts): so it is taken only from a user who was shown that pairing,
i.e. who may see the query object and the document in that context, and once per user and pairing."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.dialects import postgresql, sqlite

from ..clock import utcnow
from ..extensions import db
from ..models import Achievement, Capability, Challenge, Organisation, Proposal, RecommendationEvent, User
from .challenges import is_owner
from .errors import PermissionDenied, ServiceError
from .recommend.candidates import for_challenge
from .reviews import committee
from .visibility import can_view, can_view_details, is_manager, public_listings

FEEDBACK_KINDS = ("useful", "not_useful", "invited", "shortlisted", "selected", "assigned")
JUDGEMENTS = ("useful", "not_useful")
# Each context: what kind of object was matched, and what kind of document was recommended for it.
CONTEXTS = {"challenge_institutions": ("ch", "org"), "institution_challenges": ("org", "ch"),
            "reviewers": ("prop", "exp"), "similar_challenges": ("ch", "ch")}
MODELS = {"ch": Challenge, "org": Organisation, "prop": Proposal, "exp": User}
INVALID = "反馈内容无效。"
NOT_SHOWN = "您看不到这条推荐，不能评价它。"
ID_MAX = 2**31 - 1


@dataclass(frozen=True)
class Scope:
    """A pairing the user may judge: the chain it belongs to, and whether the user sees the recommended
    document in full (a summary-only listing is seen by its title, keywords and chain only)."""

    chain_id: int | None
    doc_in_full: bool


def _object(key: str, prefix: str):
    """The row a key such as "ch:12" names, when it has the expected prefix; None otherwise."""
    kind, _, raw = key.partition(":")
    if kind != prefix or not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= ID_MAX:
        return None
    return db.session.get(MODELS[kind], int(raw))


def _recommendable(org: Organisation) -> bool:
    """Only institutions with a public capability or achievement are ever recommended."""
    return any(db.session.scalar(db.select(model.id).join(model.organisation)
                                 .where(model.organisation_id == org.id, public_listings(model)).limit(1)) is not None
               for model in (Capability, Achievement))


def scope(user: User | None, context: str, query_id: str, doc_id: str) -> Scope | None:
    """The pairing's scope when `user` may see both its query object and its document in `context`
    (where the recommendation is shown to them), else None."""
    if user is None or context not in CONTEXTS or not user.is_enabled:
        return None
    query_kind, doc_kind = CONTEXTS[context]
    query, doc = _object(query_id, query_kind), _object(doc_id, doc_kind)
    if query is None or doc is None:
        return None
    if context == "challenge_institutions":  # the listing's page, shown to its poster and its overseers
        ok = ((is_owner(user, query) and user.can_act) or is_manager(user, query)) and doc.id != query.organisation_id
        return Scope(query.chain_id, True) if ok and _recommendable(doc) else None
    if context == "similar_challenges":  # the duplicate check on the same page
        ok = (is_owner(user, query) and user.can_act) or is_manager(user, query)
        return Scope(query.chain_id, can_view_details(user, doc)) if ok and doc.id != query.id and can_view(user, doc) \
            else None
    if context == "institution_challenges":  # an institution's dashboard, for its own users
        ok = query.id == user.organisation_id and user.can_act and query.is_institution and can_view(user, doc)
        return Scope(doc.chain_id, can_view_details(user, doc)) if ok else None
    # reviewers: the evaluation desk of the proposal's listing, its overseers only
    challenge = query.challenge
    ok = is_manager(user, challenge) and any(expert.id == doc.id for expert in committee(challenge))
    return Scope(challenge.chain_id, True) if ok else None


def judge(user: User, context: str, query_id: str, doc_id: str, kind: str, rank: int | None = None,
          score: float | None = None) -> Scope:
    """A user's 有用 / 不相关 on a recommendation they were shown. A later click replaces their earlier
    judgement of the same pairing; repeating it changes nothing."""
    if kind not in JUDGEMENTS or context not in CONTEXTS:
        raise ServiceError(INVALID)
    found = scope(user, context, query_id, doc_id)
    if found is None:
        raise PermissionDenied(NOT_SHOWN)
    db.session.execute(db.delete(RecommendationEvent).where(
        RecommendationEvent.user_id == user.id, RecommendationEvent.context == context,
        RecommendationEvent.query_id == query_id, RecommendationEvent.doc_id == doc_id,
        RecommendationEvent.kind.in_([k for k in JUDGEMENTS if k != kind])))
    record(user, context, query_id, doc_id, kind, found.chain_id, rank, score)
    return found


def record(user: User | None, context: str, query_id: str, doc_id: str, kind: str, chain_id: int | None,
           rank: int | None = None, score: float | None = None) -> RecommendationEvent | None:
    """Store an event once per (user, context, query, document, kind): a repeat, even a simultaneous
    one, is ignored (the unique constraint decides; ON CONFLICT DO NOTHING, so no error and no 409)."""
    if kind not in FEEDBACK_KINDS:
        raise ValueError(f"unknown feedback kind {kind!r}")
    values = dict(user_id=user.id if user else None, context=context, query_id=query_id, doc_id=doc_id, kind=kind,
                  chain_id=chain_id, rank=rank, score=score)
    dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(db.engine.dialect.name)
    if dialect is None or user is None:
        event = RecommendationEvent(**values)
        db.session.add(event)
        db.session.flush()
        return event
    db.session.execute(dialect.insert(RecommendationEvent).values(created_at=utcnow(), **values)
                       .on_conflict_do_nothing())
    return db.session.scalar(db.select(RecommendationEvent).filter_by(
        user_id=user.id, context=context, query_id=query_id, doc_id=doc_id, kind=kind))


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
