"""Who may see which challenge or listing, and how much of it: one place for the pages, search,
recommendations, exports and the match index.

Challenges: `can_view` / `can_view_details` for one object, `visible_filter` / `listed_filter` for
SQL, and `details_checker` / `listed_doc_checker` for ranking indexed ids without loading rows.
Listings (capabilities and achievements): `listing_is_public` and `can_view_listing` for one
object, `public_listings` for SQL.
"""
from __future__ import annotations

from sqlalchemy import and_, false, or_, select, true

from ..models import (
    Challenge,
    ChallengeInvitation,
    ChallengeState,
    ExpertMembership,
    Organisation,
    Proposal,
    Review,
    ReviewState,
    User,
    Visibility,
)

# States in which a challenge has been public at some point (the 榜单 and its history).
LISTED_STATES = (ChallengeState.published, ChallengeState.closed, ChallengeState.awarded, ChallengeState.failed)


def _is_owner(user: User | None, challenge: Challenge) -> bool:
    return user is not None and user.is_authenticated and user.organisation_id == challenge.organisation_id


def expert_chains(user: User) -> set[int]:
    """The chains whose committee the user sits on, counted only while the user may act: an expert
    whose organisation is still pending (or whose account is disabled) oversees nothing."""
    return {m.chain_id for m in user.expert_memberships} if user.can_act else set()


def _reviewed_challenges(user: User):
    """SQL: the challenges on which the user has been assigned a review."""
    return (select(Proposal.challenge_id).join(Review, Review.proposal_id == Proposal.id)
            .where(Review.expert_id == user.id, Review.state != ReviewState.recused))


def _is_overseer(user: User | None, challenge: Challenge) -> bool:
    """Platform admins see everything; the chain's lead department all but drafts; its experts every
    listed one — except invited-only listings, which an expert sees only when reviewing one of their
    proposals (the invitation is the enterprise's choice of who may read it)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_platform_admin:
        return True
    if user.admin_chain_id == challenge.chain_id:
        return challenge.state is not ChallengeState.draft
    if challenge.state not in LISTED_STATES or challenge.chain_id not in expert_chains(user):
        return False
    if challenge.visibility is Visibility.invited:
        return any(r.expert_id == user.id and r.state is not ReviewState.recused
                   for p in challenge.proposals for r in p.reviews)
    return True


def _is_verified_institution(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.can_act and user.organisation.type.is_institution)


def _is_invited(user: User | None, challenge: Challenge) -> bool:
    return bool(user is not None and user.is_authenticated and user.can_act
                and user.organisation_id in challenge.invited_organisation_ids)


def is_manager(user: User | None, challenge: Challenge) -> bool:
    """Chain admin of the challenge's chain, or a platform admin: the reviewers of the listing."""
    return bool(user is not None and user.is_authenticated
                and (user.is_platform_admin or user.admin_chain_id == challenge.chain_id))


def can_view(user: User | None, challenge: Challenge) -> bool:
    """Whether the listing exists for this user at all (others get a 404)."""
    if _is_owner(user, challenge) or _is_overseer(user, challenge):
        return True
    if challenge.state not in LISTED_STATES:
        return False
    if challenge.visibility is Visibility.invited:
        return _is_invited(user, challenge)
    return True


def can_view_details(user: User | None, challenge: Challenge) -> bool:
    """Whether the user sees the full listing (difficulty, indicators, contact, Q&A, attachments)."""
    if not can_view(user, challenge):
        return False
    if challenge.visibility is Visibility.summary:
        return (_is_owner(user, challenge) or _is_overseer(user, challenge)
                or _is_verified_institution(user) or _is_invited(user, challenge))
    return True


def visible_filter(user: User | None):
    """A SQL condition on Challenge equal to can_view(user, challenge), for listing queries."""
    listed = Challenge.state.in_(LISTED_STATES)
    if user is None or not user.is_authenticated:
        return and_(listed, Challenge.visibility != Visibility.invited)
    invited = Challenge.id.in_(
        select(ChallengeInvitation.challenge_id).where(ChallengeInvitation.organisation_id == user.organisation_id)
    ) if user.can_act else false()
    conditions = [
        Challenge.organisation_id == user.organisation_id,
        and_(listed, or_(Challenge.visibility != Visibility.invited, invited)),
    ]
    if user.is_platform_admin:
        conditions.append(true())
    if user.admin_chain_id is not None:
        conditions.append(and_(Challenge.chain_id == user.admin_chain_id, Challenge.state != ChallengeState.draft))
    if user.can_act:
        committee_chains = select(ExpertMembership.chain_id).where(ExpertMembership.user_id == user.id)
        conditions.append(and_(listed, Challenge.chain_id.in_(committee_chains), or_(
            Challenge.visibility != Visibility.invited, Challenge.id.in_(_reviewed_challenges(user)))))
    return or_(*conditions)


def listed_filter(user: User | None):
    """A SQL condition on Challenge: listed (published at some point) and visible to this user — what
    the 榜单大厅, search, a chain's page and an organisation's page show (drafts stay on the owner's
    own page)."""
    return and_(Challenge.state.in_(LISTED_STATES), visible_filter(user))


def details_checker(user: User | None):
    """A fast `(challenge_id, visibility, chain_id, organisation_id) -> bool` equal to
    can_view_details for listed challenges, for ranking thousands of ids without loading rows."""
    if user is None or not user.is_authenticated:
        return lambda cid, visibility, chain_id, org_id: visibility is not Visibility.summary
    if user.is_platform_admin or _is_verified_institution(user):
        return lambda cid, visibility, chain_id, org_id: True
    overseen = expert_chains(user) | ({user.admin_chain_id} - {None})
    from ..extensions import db

    invited = set(db.session.scalars(select(ChallengeInvitation.challenge_id).where(
        ChallengeInvitation.organisation_id == user.organisation_id))) if user.can_act else set()
    return lambda cid, visibility, chain_id, org_id: (
        visibility is not Visibility.summary or org_id == user.organisation_id or chain_id in overseen
        or cid in invited)


def listed_doc_checker(user: User | None):
    """`(check, signature)`: check(cid, meta) -> (visible, details) for an indexed challenge's
    metadata, the index-side twin of visible_filter + details_checker for listed challenges (so a
    search never loads 10k ids); `signature` is equal for users who see exactly the same."""
    from ..extensions import db

    listed = {s.value for s in LISTED_STATES}
    if user is None or not user.is_authenticated:
        def check(cid, meta):
            ok = meta.get("state") in listed and meta.get("vis") != Visibility.invited.value
            return ok, ok and meta.get("vis") != Visibility.summary.value
        return check, ("guest",)
    admin = user.is_platform_admin
    institution = _is_verified_institution(user)
    managed = {user.admin_chain_id} - {None}
    committees = expert_chains(user)
    invited = set(db.session.scalars(select(ChallengeInvitation.challenge_id).where(
        ChallengeInvitation.organisation_id == user.organisation_id))) if user.can_act else set()
    reviewing = set(db.session.scalars(_reviewed_challenges(user))) if committees else set()

    def check(cid, meta):
        if meta.get("state") not in listed:
            return False, False
        own = meta.get("org") == user.organisation_id
        chains = meta.get("chains", ())
        manages = admin or bool(managed.intersection(chains))
        on_committee = bool(committees.intersection(chains))
        vis = meta.get("vis")
        visible = (own or manages or vis != Visibility.invited.value or cid in invited
                   or (on_committee and cid in reviewing))
        details = visible and (vis != Visibility.summary.value or own or manages or on_committee or institution
                               or cid in invited)
        return visible, details
    signature = ("user", user.organisation_id, admin, institution, frozenset(managed), frozenset(committees),
                 frozenset(invited), frozenset(reviewing))
    return check, signature


# ----- listings -----------------------------------------------------------------------------------

def listing_is_public(listing) -> bool:
    """A capability or achievement is public (its page, search, recommendations, the match index)
    while it is active and its organisation verified."""
    return listing.is_active and listing.organisation.is_verified


def can_view_listing(user: User | None, listing) -> bool:
    """The public ones to everyone; the rest to their own organisation and platform admins (others
    get a 404)."""
    if listing_is_public(listing):
        return True
    return bool(user is not None and user.is_authenticated
                and (user.organisation_id == listing.organisation_id or user.is_platform_admin))


def public_listings(model):
    """A SQL condition on `model` (Capability or Achievement) equal to listing_is_public; the query
    joins the listing's organisation."""
    return and_(model.is_active, Organisation.is_verified)
