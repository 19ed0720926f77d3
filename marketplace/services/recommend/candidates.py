"""Who or what to recommend: capabilities and achievements for a challenge (grouped by institution),
open challenges for an institution, and reviewers for a proposal, each ranked by the match index."""
from __future__ import annotations

from dataclasses import dataclass, field

from ...extensions import db
from ...models import Achievement, Capability, Challenge, Organisation, Proposal, ProposalState, User
from ..chains import chain_by_code
from ..reviews import committee, conflict
from .audience import listings_for_challenge, open_challenges_for
from .items import Item, current_index, to_items
from .shared_terms import explain, explained_items, explained_rows

SHOWN_PER_GROUP = 3  # listings shown under each recommended institution


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
        """The raw score of the institution's best listing (sorting, feedback)."""
        return self.items[0].score if self.items else 0.0

    @property
    def match(self) -> float:
        """The match index (0–100) of the institution's best listing: what the page shows as 匹配度."""
        return self.items[0].match if self.items else 0.0

    @property
    def words(self) -> list[str]:
        seen = {}
        for item in self.items:
            for word in item.words:
                seen.setdefault(word, None)
        return list(seen)


def challenge_query(challenge: Challenge) -> str:
    return "\n".join([challenge.title, challenge.title, challenge.keywords, challenge.difficulty,
                      challenge.indicators, challenge.expected_outcome, challenge.background])


def for_challenge(challenge: Challenge, chain: str = "", org_type: str = "", region: str = "",
                  limit: int = 10) -> list[Group]:
    """Capabilities and achievements that fit the challenge, grouped by institution."""
    index = current_index()
    chain_obj = chain_by_code(chain) if chain else None
    chain_id = chain_obj.id if chain_obj else None
    key = ("for_challenge", challenge.id, challenge.organisation_id, chain_id, org_type, region, limit)

    def compute() -> list[tuple[OrgView, list[Item]]]:
        """Each institution with its best few explained listings, best first, as plain values: what
        the page shows of them changes only with the index (an organisation's edits re-log its
        listings), so a view of a popular challenge costs no query at all until the index changes."""
        allowed = listings_for_challenge(index, challenge, chain_id, org_type, region)  # only when not remembered
        hits = index.search(challenge_query(challenge), k=limit * 4, allowed=allowed)
        groups: dict[int, list[Item]] = {}
        for hit, row, shared in explained_rows(hits):
            found = groups.setdefault(row.organisation_id, [])
            if len(found) < SHOWN_PER_GROUP:
                found.append(Item(hit.id, ListingView(row.id, row.title), hit.score, shared, 0, hit.match))
        shown = list(groups)[:limit]
        orgs = {r.id: OrgView(r.id, r.name, r.type, r.region) for r in db.session.execute(
            db.select(Organisation.id, Organisation.name, Organisation.type, Organisation.region)
            .where(Organisation.id.in_(shown)))} if shown else {}
        return [(orgs[org_id], groups[org_id]) for org_id in shown if org_id in orgs]

    return [Group(org, list(items)) for org, items in index.memo(key, compute)]


def institution_query(organisation: Organisation) -> str:
    """What an institution can do: its profile and every active capability and achievement."""
    caps = db.session.scalars(db.select(Capability).filter_by(organisation_id=organisation.id, status="active")).all()
    achs = db.session.scalars(db.select(Achievement).filter_by(organisation_id=organisation.id, status="active")).all()
    parts = [organisation.profile] + [f"{c.title} {c.keywords} {c.direction} {c.description}" for c in caps]
    parts += [f"{a.title} {a.summary}" for a in achs]
    return "\n".join(parts)


def for_institution(user: User, limit: int = 10) -> list[Item]:
    """Open challenges this institution may see and could answer, best first; those it has already
    answered (已揭榜) are marked and listed after the others. Only those above the relevance cutoff:
    the list may be shorter than `limit`, or empty."""
    index = current_index()
    allowed, signature = open_challenges_for(index, user)
    query = institution_query(user.organisation)  # a few rows of this organisation's own
    if not query.strip():
        return []
    items = to_items(index.memo(("for_institution", hash(query), signature, limit),
                                lambda: explain(index.search(query, k=limit, allowed=allowed))))
    answered = answered_challenges(user.organisation_id, [item.obj.id for item in items])
    for item in items:
        item.answered = item.obj.id in answered
    items.sort(key=lambda item: item.answered)  # stable: best first within each part
    for rank, item in enumerate(items, start=1):
        item.rank = rank  # the position shown, which feedback records
    return items


def answered_challenges(organisation_id: int, challenge_ids: list[int]) -> set[int]:
    """Which of these challenges the organisation has answered with a proposal it submitted (not a
    draft, not withdrawn): one query for the whole list."""
    if not challenge_ids:
        return set()
    return set(db.session.scalars(db.select(Proposal.challenge_id).where(
        Proposal.organisation_id == organisation_id, Proposal.challenge_id.in_(challenge_ids),
        Proposal.state.not_in((ProposalState.draft, ProposalState.withdrawn)))))


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
    items = {item.doc_id: item
             for item in explained_items(current_index().search(query, k=max(len(eligible), 1), allowed=eligible))} \
        if eligible else {}
    ranked = sorted(candidates, key=lambda e: (conflict(e, proposal) is not None,
                                               -(items[f"exp:{e.id}"].score if f"exp:{e.id}" in items else 0.0)))
    return [ReviewerSuggestion(e, items.get(f"exp:{e.id}"), conflict(e, proposal)) for e in ranked]
