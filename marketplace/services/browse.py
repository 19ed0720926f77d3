"""Browse and search the 榜单, the capabilities and the 成果库: filters, sorting, ranked text search."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import selectinload

from .. import clock
from ..bounds import parse_decimal
from ..extensions import db
from ..models import (
    Achievement,
    Capability,
    Chain,
    Challenge,
    ChallengeMode,
    ChallengeState,
    Organisation,
    OrgType,
    capability_chain,
)
from ..paging import ListPage, clamp, paginate
from . import text_search
from .match_index import chain_name
from .recommend import search as ranked_search
from .visibility import details_checker, listed_filter, public_listings

# A search ranks (and pages through) at most this many results, like any search engine.
MAX_RANKED = 200
SORTS = {"newest": "最新发布", "deadline": "截止日期", "budget": "榜额"}


def _decimal(value: str | None) -> Decimal | None:
    # NaN, sNaN, Infinity and 1e999 are "not a number" here too: compared in SQL they used to be a 500.
    return parse_decimal(value)


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
    def from_args(cls, args) -> Filters:
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
    query = db.select(Challenge).join(Challenge.organisation).where(listed_filter(user))
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
    if not filters.q:  # each row shows its key link's badge: loaded for the page at once
        return _paginate(query.order_by(*order).options(selectinload(Challenge.key_link)), page, per_page)
    if not any((filters.chain, filters.mode, filters.state, filters.budget_min, filters.budget_max,
                filters.deadline_before, filters.region)):
        return _ranked_visible(filters.q, user, page, per_page)
    # Rank ids, not rows: only the shown page is loaded (thousands of listings stay in the database).
    rows = db.session.execute(query.with_only_columns(
        Challenge.id, Challenge.visibility, Challenge.chain_id, Challenge.organisation_id, Challenge.title,
        Challenge.keywords)).all()
    details = details_checker(user)
    full = [r.id for r in rows if details(r.id, r.visibility, r.chain_id, r.organisation_id)]
    summary_only = [(r.id, r.title, f"{r.keywords} {chain_name(r.chain_id)}") for r in rows
                    if not details(r.id, r.visibility, r.chain_id, r.organisation_id)]  # matched on what they show
    return _ranked(filters.q, full, "ch", page, per_page, summary_only=summary_only)


def _listing_filters(query, model, filters: Filters):
    if filters.org_type in {t.value for t in OrgType}:
        query = query.where(Organisation.type == OrgType(filters.org_type))
    if filters.region:
        query = query.where(Organisation.region == filters.region)
    return query


def capabilities(filters: Filters, page: int = 1, per_page: int = 20, organisation_id: int | None = None) -> ListPage:
    """Active capabilities of verified institutions (public), filtered and searched."""
    query = (db.select(Capability).join(Capability.organisation)
             .where(public_listings(Capability)))
    if organisation_id:
        query = query.where(Capability.organisation_id == organisation_id)
    if filters.chain:
        query = query.where(Capability.id.in_(db.select(capability_chain.c.capability_id).where(
            capability_chain.c.chain_id == _chain_id(filters.chain))))
    query = _listing_filters(query, Capability, filters).order_by(Capability.created_at.desc(), Capability.id.desc())
    if not filters.q:
        return _paginate(query, page, per_page)
    unfiltered = not (filters.chain or filters.org_type or filters.region or organisation_id)
    ids = None if unfiltered else db.session.scalars(query.with_only_columns(Capability.id)).all()
    return _ranked(filters.q, ids, "cap", page, per_page)


def achievements(filters: Filters, page: int = 1, per_page: int = 20, organisation_id: int | None = None) -> ListPage:
    """The public 成果库: active achievements of verified organisations."""
    query = (db.select(Achievement).join(Achievement.organisation)
             .where(public_listings(Achievement)))
    if organisation_id:
        query = query.where(Achievement.organisation_id == organisation_id)
    if filters.chain:
        query = query.where(Achievement.chain_id == _chain_id(filters.chain))
    query = _listing_filters(query, Achievement, filters).order_by(Achievement.created_at.desc(), Achievement.id.desc())
    if not filters.q:
        return _paginate(query, page, per_page)
    # Ranked among their ids even unfiltered: achievements are a small share of the index, and a search
    # told only "achievements" (a test per id) walked every other listing the query touched, best first,
    # looking for them — 95k tests and 180 ms for a 40-character query at 100k listings.
    ids = db.session.scalars(query.with_only_columns(Achievement.id)).all()
    return _ranked(filters.q, ids, "ach", page, per_page)


def _ranked(q: str, ids, prefix: str, page: int, per_page: int, summary_only=()) -> ListPage:
    """Listings ranked by the shared match index (its IDF spans every listing).

    `ids` limits the search (None: every indexed listing of the kind). `summary_only` are
    (id, title, keywords) of challenges the user may see only in summary: they are matched on that
    text alone, literally, and follow the ranked ones.
    """
    ranked = _with_summary_matches(q, ranked_search.ranked_ids(q, prefix, ids, limit=MAX_RANKED), summary_only, prefix)
    return _page_of(ranked, {"ch": Challenge, "cap": Capability, "ach": Achievement}[prefix], q, page, per_page)


def _ranked_visible(q: str, user, page: int, per_page: int) -> ListPage:
    """A plain challenge search: visibility is checked on the index's metadata, lazily, best first;
    listings the user may see only in summary are matched on title and keywords."""
    ranked, summary = ranked_search.ranked_challenges(q, user, limit=MAX_RANKED)
    return _page_of(_with_summary_matches(q, ranked, summary, "ch"), Challenge, q, page, per_page)


def _with_summary_matches(q: str, ranked: list, summary, prefix: str) -> list:
    """`ranked` followed by the summary-only (id, title, keywords) that contain a query word literally."""
    found = {doc_id for doc_id, _ in ranked}
    words = text_search.query_words(q)
    for ident, title, keywords in summary:
        shared = [w for w in words if w in text_search.normalize(f"{title} {keywords}")]
        if shared and f"{prefix}:{ident}" not in found:
            ranked.append((f"{prefix}:{ident}", shared))
    return ranked


def _page_of(ranked: list, model, q: str, page: int, per_page: int) -> ListPage:
    page = clamp(page, len(ranked), per_page)
    page_slice = ranked[(page - 1) * per_page: page * per_page]
    wanted = [int(doc_id.partition(":")[2]) for doc_id, _ in page_slice]
    loads = [selectinload(model.organisation)] + ([selectinload(Challenge.key_link)] if model is Challenge else [])
    rows = {row.id: row for row in db.session.scalars(  # each result shows its organisation: load them together
        db.select(model).where(model.id.in_(wanted)).options(*loads))}
    terms = {int(doc_id.partition(":")[2]): shared for doc_id, shared in page_slice}
    return ListPage([rows[i] for i in wanted if i in rows], page, per_page, len(ranked), {"terms": terms, "query": q})


def _paginate(query, page: int, per_page: int):
    return paginate(query, page, per_page)


def search_all(user, q: str, per_kind: int = 10) -> dict[str, ListPage]:
    """Site search: the best challenges, capabilities and achievements for `q`."""
    filters = Filters(q=q)
    return {
        "challenges": challenges(user, filters, 1, per_kind),
        "capabilities": capabilities(filters, 1, per_kind),
        "achievements": achievements(filters, 1, per_kind),
    }


def notices(user, page: int = 1, per_page: int = 20, open_only: bool = False):
    """Every 公示 notice, the running ones first, then newest first. A notice is public whatever the
    listing's visibility: selection results are published for public scrutiny (接受社会监督); only
    the listing's own page stays as private as the poster chose."""
    from ..models import Publicity

    today = clock.today()
    running = (Publicity.starts_on <= today) & (Publicity.ends_on >= today)
    query = (db.select(Publicity)
             .options(selectinload(Publicity.challenge).selectinload(Challenge.organisation),
                      selectinload(Publicity.challenge).selectinload(Challenge.chain))
             .order_by(db.case((running, 0), else_=1), Publicity.starts_on.desc(), Publicity.id.desc()))
    if open_only:
        query = query.where(running)
    return paginate(query, page, per_page)
