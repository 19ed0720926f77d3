"""Explained recommendations from the live index: capabilities for a challenge (by institution),
challenges for an institution, reviewers for a proposal, similar challenges, and ranked search."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import current_app, g, has_request_context
from matching.tokenize import normalize
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Achievement, Capability, Challenge, ChallengeState, Organisation, Proposal, User
from .chains import chain_by_code
from .index_log import CHANGED
from .match_index import TEXTS, chain_name, live_index
from .reviews import committee, conflict
from .visibility import listed_doc_checker

SHOWN_PER_GROUP = 3  # listings shown under each recommended institution
MODELS = {"ch": Challenge, "cap": Capability, "ach": Achievement, "exp": User}


@dataclass
class Item:
    """One recommended document with its score and the shared terms that produced it."""

    doc_id: str
    obj: object
    score: float
    terms: list[tuple[str, float]]
    rank: int

    @property
    def words(self) -> list[str]:
        return [term for term, _ in self.terms]


@dataclass(frozen=True)
class OrgView:
    """What a recommendation shows of an institution (plain values, safe to remember)."""

    id: int
    name: str
    type: object  # OrgType
    region: str


@dataclass(frozen=True)
class ListingView:
    """What a grouped recommendation shows of a capability or achievement."""

    id: int
    title: str


@dataclass
class Group:
    """Recommended listings of one institution, best first."""

    organisation: Organisation | OrgView
    items: list[Item] = field(default_factory=list)

    @property
    def score(self) -> float:
        return self.items[0].score if self.items else 0.0

    @property
    def words(self) -> list[str]:
        seen = {}
        for item in self.items:
            for word in item.words:
                seen.setdefault(word, None)
        return list(seen)


def _index():
    """This process's index, caught up with the change log once per request (a page may rank several
    times), and again after this request itself wrote listing changes."""
    if not has_request_context():
        return live_index(current_app.instance_path)
    index = g.get("match_index")
    if index is None or db.session.info.pop(CHANGED, False):
        index = g.match_index = live_index(current_app.instance_path)
    return index


def _rows(doc_ids) -> dict[str, object]:
    """The rows of these documents (one query per kind, with what the pages show of them)."""
    by_kind: dict[str, list[int]] = {}
    for doc_id in doc_ids:
        kind, _, raw = doc_id.partition(":")
        by_kind.setdefault(kind, []).append(int(raw))
    loaded = {}
    for kind, ids in by_kind.items():
        model = MODELS[kind]
        # The pages show each hit's organisation (and a challenge's chain): load them with the rows.
        query = db.select(model).where(model.id.in_(ids)).options(selectinload(model.organisation))
        if model is Challenge:
            query = query.options(selectinload(Challenge.chain))
        for obj in db.session.scalars(query):
            loaded[f"{kind}:{obj.id}"] = obj
    return loaded


Explained = tuple[str, float, tuple[tuple[str, float], ...]]  # (doc id, score, shared terms): plain data


def _explain(hits, typed: bool = False) -> list[Explained]:
    """The hits that share real words with their documents, with those words, in rank order.

    Plain data, so callers can remember it with `index.memo` until the index changes: the texts the
    words are checked against change only with the index. `typed`: the query is what a user searched
    for, so every word of it that the document has is a reason, filler and numbers included.
    """
    return [(hit.id, hit.score, tuple(shared)) for hit, _, shared in _explained_rows(hits, typed)]


def _explained_rows(hits, typed: bool = False):
    """(hit, row, shared terms) of the hits whose rows exist and share real words with the query, in
    rank order: a match made only of character fragments explains nothing, so it is left out."""
    rows = _rows(hit.id for hit in hits)
    for hit in hits:
        obj = rows.get(hit.id)
        shared = _shared_terms(hit, obj, typed) if obj is not None else []
        if shared:
            yield hit, obj, shared


def _items(explained: list[Explained]) -> list[Item]:
    """Items with their current rows (rank order kept; rows deleted since are dropped)."""
    rows = _rows(doc_id for doc_id, _, _ in explained)
    items = []
    for doc_id, score, terms in explained:
        if doc_id in rows:
            items.append(Item(doc_id, rows[doc_id], score, list(terms), len(items) + 1))
    return items


def _objects(hits, typed: bool = False) -> list[Item]:
    return _items(_explain(hits, typed))


# Words that do match but explain nothing to a reader: every listing has them.
NOT_A_REASON = frozenset("""公司 企业 单位 榜单 背景 面向 不少 项目 技术 研究 开发 需求 方案 要求 实现 进行 相关 提供 能力
具有 以上 以下 主要 开展 完成 建设 研制 应用 基于 一种 方面 问题 提升 发展 工作 集团 第三方 只能 出具 可以
能够 需要 通过 采用 目前 现有 已经""".split())
_NUMBER_LIKE = re.compile(r"^[\d.,:/%+\-_~]+$")  # 50, 0.5, 2024, 3/4: numbers are not topics
# Units are not topics either (mg, nm, kW…), and a two-character "word" that ends in 是/的/了… is a
# segmentation slip (求解器是 → 器是), not a term.
_UNIT = re.compile(r"^(?:[munkμ]?m|[mk]?g|m?l|[kmg]?w|[km]?v|[kmg]?hz|db|ppm|ppb|pa|kpa|mpa|min|cm2|mm2)$")
_SLIP = re.compile(r"^.[是的了和与及或在为对等]$")


def _shared_terms(hit, obj, typed: bool = False) -> list[tuple[str, float]]:
    """The hit's terms that really occur in the document, as the document writes them (the matcher
    also credits a query word for character bigrams it shares, which may not be the word itself)."""
    title, body = TEXTS[hit.id.partition(":")[0]](obj)
    raw = f"{title}\n{body}"
    text = normalize(raw)
    shared = []
    for term, weight in hit.terms:
        # Single characters (液, 板) explain nothing to a reader even when they matched.
        if len(term) < 2 or term not in text:
            continue
        if not typed and (term in NOT_A_REASON or _NUMBER_LIKE.match(term) or _UNIT.match(term) or _SLIP.match(term)):
            continue
        written = re.search(re.escape(term), raw, re.IGNORECASE)  # "PUE", not the index's "pue"
        shared.append((written.group(0) if written else term, weight))
    return shared


def challenge_query(challenge: Challenge) -> str:
    return "\n".join([challenge.title, challenge.title, challenge.keywords, challenge.difficulty,
                      challenge.indicators, challenge.expected_outcome, challenge.background])


def for_challenge(challenge: Challenge, chain: str = "", org_type: str = "", region: str = "",
                  limit: int = 10) -> list[Group]:
    """Capabilities and achievements that fit the challenge, grouped by institution."""
    index = _index()
    chain_obj = chain_by_code(chain) if chain else None
    chain_id = chain_obj.id if chain_obj else None

    def allowed(doc_id: str) -> bool:
        info = index.meta.get(doc_id)
        if info is None or info["kind"] not in ("cap", "ach") or info["org"] == challenge.organisation_id:
            return False
        return ((chain_id is None or chain_id in info["chains"]) and (not org_type or info["org_type"] == org_type)
                and (not region or info["region"] == region))

    key = ("for_challenge", challenge.id, challenge.organisation_id, chain_id, org_type, region, limit)

    def compute() -> list[tuple[OrgView, list[Item]]]:
        """Each institution with its best few explained listings, best first, as plain values: what
        the page shows of them changes only with the index (an organisation's edits re-log its
        listings), so a view of a popular challenge costs no query at all until the index changes."""
        hits = index.search(challenge_query(challenge), k=limit * 4, allowed=allowed)
        groups: dict[int, tuple[OrgView, list[Item]]] = {}
        for hit, obj, shared in _explained_rows(hits):
            org = obj.organisation
            _, found = groups.setdefault(org.id, (OrgView(org.id, org.name, org.type, org.region), []))
            if len(found) < SHOWN_PER_GROUP:
                found.append(Item(hit.id, ListingView(obj.id, obj.title), hit.score, shared, 0))
        return list(groups.values())[:limit]

    return [Group(org, list(items)) for org, items in index.memo(key, compute)]


def institution_query(organisation: Organisation) -> str:
    """What an institution can do: its profile and every active capability and achievement."""
    caps = db.session.scalars(db.select(Capability).filter_by(organisation_id=organisation.id, status="active")).all()
    achs = db.session.scalars(db.select(Achievement).filter_by(organisation_id=organisation.id, status="active")).all()
    parts = [organisation.profile] + [f"{c.title} {c.keywords} {c.direction} {c.description}" for c in caps]
    parts += [f"{a.title} {a.summary}" for a in achs]
    return "\n".join(parts)


def for_institution(user: User, limit: int = 10) -> list[Item]:
    """Open challenges this institution may see and could answer, best first."""
    index = _index()
    check, signature = listed_doc_checker(user)

    def allowed(doc_id: str) -> bool:
        meta = index.meta.get(doc_id)
        return bool(meta and meta["kind"] == "ch" and meta.get("state") == ChallengeState.published.value
                    and check(int(doc_id[3:]), meta)[0])

    query = institution_query(user.organisation)  # a few rows of this organisation's own
    if not query.strip():
        return []
    return _items(index.memo(("for_institution", hash(query), signature, limit),
                             lambda: _explain(index.search(query, k=limit, allowed=allowed))))


@dataclass
class ReviewerSuggestion:
    expert: User
    item: Item | None
    conflict: str | None


def reviewers_for(proposal: Proposal) -> list[ReviewerSuggestion]:
    """The chain's committee ranked by fit with the proposal; conflicted experts listed last, excluded."""
    experts = committee(proposal.challenge)
    assigned = {r.expert_id for r in proposal.reviews}
    candidates = [e for e in experts if e.id not in assigned]
    eligible = {f"exp:{e.id}" for e in candidates if conflict(e, proposal) is None}
    query = "\n".join([proposal.challenge.title, proposal.challenge.keywords, proposal.technical_plan])
    items = {item.doc_id: item for item in _objects(_index().search(query, k=max(len(eligible), 1), allowed=eligible))} \
        if eligible else {}
    ranked = sorted(candidates, key=lambda e: (conflict(e, proposal) is not None,
                                               -(items[f"exp:{e.id}"].score if f"exp:{e.id}" in items else 0.0)))
    return [ReviewerSuggestion(e, items.get(f"exp:{e.id}"), conflict(e, proposal)) for e in ranked]


def similar_challenges(challenge: Challenge, user: User | None, limit: int = 5) -> list[Item]:
    """Challenges already posted (or awaiting review) that look like this one: the duplicate check."""
    index = _index()
    check, signature = listed_doc_checker(user)
    own = f"ch:{challenge.id}"

    def sees_submitted(meta) -> bool:
        """Listings awaiting review are seen only by their own organisation and their reviewers."""
        return user is not None and user.is_authenticated and (
            user.is_platform_admin or meta["org"] == user.organisation_id or user.admin_chain_id in meta["chains"])

    def allowed(doc_id: str) -> bool:
        meta = index.meta.get(doc_id)
        if doc_id == own or meta is None or meta["kind"] != "ch":
            return False
        if meta.get("state") == ChallengeState.submitted.value:
            return sees_submitted(meta)
        return check(int(doc_id[3:]), meta)[0]

    def in_full(doc_id: str) -> bool:
        meta = index.meta[doc_id]
        return sees_submitted(meta) if meta.get("state") == ChallengeState.submitted.value \
            else check(int(doc_id[3:]), meta)[1]

    def compute() -> list[Explained]:
        """The look-alikes with their shared words; for a listing this user sees only as a summary,
        only words of what the summary shows (title, keywords, chain): its hidden text matched too,
        but its words must not appear here. One sharing nothing public is left out."""
        hits = index.search(challenge_query(challenge), k=limit, allowed=allowed)
        explained = []
        for hit, obj, shared in _explained_rows(hits):
            if not in_full(hit.id):
                public = normalize(f"{obj.title}\n{obj.keywords}\n{chain_name(obj.chain_id)}")
                shared = [(word, weight) for word, weight in shared if normalize(word) in public]
            if shared:
                explained.append((hit.id, hit.score, tuple(shared)))
        return explained

    key = ("similar", challenge.id, signature, user.admin_chain_id if user is not None and user.is_authenticated else None,
           limit)
    return _items(index.memo(key, compute))


# Share of a listing's score against itself that another listing reaches: at this level two listings
# describe the same need (the demo's rewritten duplicate scores 0.63; unrelated listings of one
# chain 0.08–0.15).
DUPLICATE_SIMILARITY = 0.3


def similarity(challenge: Challenge, item: Item) -> float | None:
    """`item`'s score as a share of the challenge's score against its own text (0–1, comparable
    between listings, unlike raw scores that grow with the length of the text); None while the
    challenge is not indexed (a draft)."""
    index = _index()
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
        for item in similar_challenges(challenge, user, limit=1):
            key = tuple(sorted((challenge.id, item.obj.id)))
            share = similarity(challenge, item)
            if key in seen or share is None or (share < DUPLICATE_SIMILARITY and not show_all):
                continue
            seen.add(key)
            pairs.append((challenge, item, share))
    pairs.sort(key=lambda pair: -pair[2])
    return pairs[:limit]


def ranked_ids(query: str, prefix: str, ids=None, limit: int = 200) -> list[tuple[str, list[str]]]:
    """(doc id, shared words) of the best `limit` listings of one kind for a search, best first.

    `ids` restricts the search to those listings; None means every indexed listing of the kind.
    Only hits sharing at least one real word with the query are kept.
    """
    index = _index()
    if ids is None:
        allowed = lambda doc_id: doc_id.startswith(prefix + ":")  # noqa: E731 - evaluated lazily, best first
        key = ("search", prefix, None)
    else:
        allowed = {f"{prefix}:{i}" for i in ids}
        if not allowed:
            return []
        key = ("search", prefix, hash(tuple(sorted(ids))))

    def compute():
        hits = index.search(query, k=limit, allowed=allowed, cache_key=key)
        return [(item.doc_id, item.words) for item in _objects(hits, typed=True)]

    return list(index.memo((key, query, limit), compute))


def ranked_challenges(query: str, user: User | None, limit: int = 200):
    """A challenge search checked against visibility on the index's metadata.

    Returns (ranked [(doc id, shared words)] of challenges the user may read in full, summary-only
    [(id, title, keywords)] among the hits, to be matched on that text alone).
    """
    index = _index()
    check, signature = listed_doc_checker(user)
    verdicts: dict[str, tuple[bool, bool]] = {}

    def verdict(doc_id: str) -> tuple[bool, bool]:
        if doc_id not in verdicts:
            meta = index.meta.get(doc_id)
            verdicts[doc_id] = check(int(doc_id[3:]), meta) if meta and doc_id.startswith("ch:") else (False, False)
        return verdicts[doc_id]

    def compute():
        hits = index.search(query, k=limit, allowed=lambda d: verdict(d)[0])
        full = [h for h in hits if verdict(h.id)[1]]
        summary_ids = [int(h.id[3:]) for h in hits if not verdict(h.id)[1]]
        summary = db.session.execute(db.select(Challenge.id, Challenge.title, Challenge.keywords, Challenge.chain_id)
                                     .where(Challenge.id.in_(summary_ids))).all() if summary_ids else []
        # A summary-only listing may match on what it shows publicly: title, keywords and its chain.
        return ([(item.doc_id, item.words) for item in _objects(full, typed=True)],
                [(r.id, r.title, f"{r.keywords} {chain_name(r.chain_id)}") for r in summary])

    ranked, summary = index.memo(("challenge-search", signature, query, limit), compute)
    return list(ranked), list(summary)
