"""Browse and search the 榜单, the capabilities and the 成果库: filters, sorting, ranked text search."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from ..extensions import db
from ..models import (Achievement, Capability, Challenge, ChallengeMode, ChallengeState, Chain, ListingStatus,
                      Organisation, OrgType, capability_chain)
from ..paging import ListPage
from . import text_search
from .visibility import LISTED_STATES, can_view_details, visible_filter

# Rows a text search ranks at most; beyond this the persistent index (issue 6) takes over.
SEARCH_CANDIDATES = 3000
SORTS = {"newest": "最新发布", "deadline": "截止日期", "budget": "榜额"}


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass
class Filters:
    """What a listing page was asked for, parsed leniently: a bad value is ignored, not an error."""

    q: str = ""
    chain: str = ""
    mode: str = ""
    state: str = ""
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    deadline_before: date | None = None
    org_type: str = ""
    region: str = ""
    sort: str = "newest"

    @classmethod
    def from_args(cls, args) -> "Filters":
        sort = args.get("sort", "newest")
        return cls(
            q=args.get("q", "").strip()[:200], chain=args.get("chain", ""), mode=args.get("mode", ""),
            state=args.get("state", ""), budget_min=_decimal(args.get("budget_min")),
            budget_max=_decimal(args.get("budget_max")), deadline_before=_date(args.get("deadline_before")),
            org_type=args.get("org_type", ""), region=args.get("region", ""),
            sort=sort if sort in SORTS else "newest",
        )


def _chain_id(code: str) -> int | None:
    return db.session.scalar(db.select(Chain.id).filter_by(code=code)) if code else None


def challenges(user, filters: Filters, page: int = 1, per_page: int = 20) -> ListPage:
    """Challenges this user may see, filtered, sorted or ranked by the search text."""
    # The hall and search list only what has been published; drafts stay on the owner's own page.
    query = db.select(Challenge).join(Challenge.organisation).where(
        visible_filter(user), Challenge.state.in_(LISTED_STATES))
    if filters.chain:
        query = query.where(Challenge.chain_id == _chain_id(filters.chain))
    if filters.mode in {m.value for m in ChallengeMode}:
        query = query.where(Challenge.mode == ChallengeMode(filters.mode))
    if filters.state in {s.value for s in ChallengeState}:
        query = query.where(Challenge.state == ChallengeState(filters.state))
    if filters.budget_min is not None:
        query = query.where(Challenge.budget_wan >= filters.budget_min)
    if filters.budget_max is not None:
        query = query.where(Challenge.budget_wan <= filters.budget_max)
    if filters.deadline_before is not None:
        query = query.where(Challenge.deadline <= filters.deadline_before)
    if filters.region:
        query = query.where(Organisation.region == filters.region)
    order = {
        "deadline": (Challenge.deadline.asc(), Challenge.id.desc()),
        "budget": (Challenge.budget_wan.desc(), Challenge.id.desc()),
    }.get(filters.sort, (Challenge.published_at.desc().nullslast(), Challenge.id.desc()))
    if not filters.q:
        return _paginate(query.order_by(*order), page, per_page)
    rows = db.session.scalars(query.order_by(*order).limit(SEARCH_CANDIDATES)).all()
    docs = [(row, challenge_text(row, full=can_view_details(user, row))) for row in rows]
    return text_search.rank(filters.q, docs, page, per_page)


def challenge_text(challenge: Challenge, full: bool) -> tuple[str, str]:
    """(title, body) searched for a challenge; the body only for viewers allowed its details."""
    if not full:
        return challenge.title, challenge.keywords
    return challenge.title, "\n".join([challenge.keywords, challenge.background, challenge.difficulty,
                                       challenge.indicators, challenge.expected_outcome, challenge.conditions])


def _listing_filters(query, model, filters: Filters):
    if filters.org_type in {t.value for t in OrgType}:
        query = query.where(Organisation.type == OrgType(filters.org_type))
    if filters.region:
        query = query.where(Organisation.region == filters.region)
    return query


def capabilities(filters: Filters, page: int = 1, per_page: int = 20, organisation_id: int | None = None) -> ListPage:
    """Active capabilities of verified institutions (public), filtered and searched."""
    query = (db.select(Capability).join(Capability.organisation)
             .where(Capability.status == ListingStatus.active, Organisation.status == "verified"))
    if organisation_id:
        query = query.where(Capability.organisation_id == organisation_id)
    if filters.chain:
        query = query.where(Capability.id.in_(db.select(capability_chain.c.capability_id).where(
            capability_chain.c.chain_id == _chain_id(filters.chain))))
    query = _listing_filters(query, Capability, filters).order_by(Capability.created_at.desc(), Capability.id.desc())
    if not filters.q:
        return _paginate(query, page, per_page)
    rows = db.session.scalars(query.limit(SEARCH_CANDIDATES)).all()
    return text_search.rank(filters.q, [(r, capability_text(r)) for r in rows], page, per_page)


def capability_text(capability: Capability) -> tuple[str, str]:
    return capability.title, "\n".join([capability.keywords, capability.direction, capability.description,
                                        capability.facilities, capability.results])


def achievements(filters: Filters, page: int = 1, per_page: int = 20, organisation_id: int | None = None) -> ListPage:
    """The public 成果库: active achievements of verified organisations."""
    query = (db.select(Achievement).join(Achievement.organisation)
             .where(Achievement.status == ListingStatus.active, Organisation.status == "verified"))
    if organisation_id:
        query = query.where(Achievement.organisation_id == organisation_id)
    if filters.chain:
        query = query.where(Achievement.chain_id == _chain_id(filters.chain))
    query = _listing_filters(query, Achievement, filters).order_by(Achievement.created_at.desc(), Achievement.id.desc())
    if not filters.q:
        return _paginate(query, page, per_page)
    rows = db.session.scalars(query.limit(SEARCH_CANDIDATES)).all()
    return text_search.rank(filters.q, [(r, (r.title, r.summary + "\n" + r.ip)) for r in rows], page, per_page)


def _paginate(query, page: int, per_page: int):
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def search_all(user, q: str, per_kind: int = 10) -> dict[str, ListPage]:
    """Site search: the best challenges, capabilities and achievements for `q`."""
    filters = Filters(q=q)
    return {
        "challenges": challenges(user, filters, 1, per_kind),
        "capabilities": capabilities(filters, 1, per_kind),
        "achievements": achievements(filters, 1, per_kind),
    }
