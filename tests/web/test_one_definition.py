"""One definition each, and Python and SQL say the same: keywords, what an institution is, which
listings are public, and what awaits 立项."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from factories import make_challenge, make_org, make_proposal

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Capability, ChallengeState, ListingStatus, OrgStatus, OrgType, Project, ProposalState
from marketplace.services import chains as chain_service

S, P = ChallengeState, ProposalState
TODAY = clock.today()


def test_keywords_are_split_one_way():
    """Are keywords split on every separator people type, without empty ones or repeats?"""
    from marketplace.models.base import join_keywords, split_keywords

    assert split_keywords("液冷, 冷板，PUE、散热；热阻;风冷 液冷\u3000微通道  ,") == [
        "液冷", "冷板", "PUE", "散热", "热阻", "风冷", "微通道"]
    assert split_keywords(None) == split_keywords(" ，、 ") == []
    assert join_keywords("碳化硅，衬底 衬底") == "碳化硅, 衬底"


def test_what_an_institution_is(ctx):
    """Do the SQL forms of is_institution, is_government and is_verified pick what the Python ones say?"""
    from marketplace.models import INSTITUTION_TYPES, Organisation

    orgs = [make_org(type=kind, status=status) for kind in OrgType for status in OrgStatus]
    for name in ("is_institution", "is_government", "is_verified"):
        picked = set(db.session.scalars(db.select(Organisation.id).where(getattr(Organisation, name))))
        assert picked == {o.id for o in orgs if getattr(o, name)}, name
    assert {o.type for o in orgs if o.is_institution} == set(INSTITUTION_TYPES)


def test_who_sees_a_listing(people):
    """Do the listing pages, the list queries and the match index agree on which listings are public?"""
    from marketplace.models import Achievement
    from marketplace.services import match_index
    from marketplace.services.visibility import can_view_listing, listing_is_public, public_listings

    ai = chain_service.chain_by_code("ai")
    pending = people.pending.organisation
    made = []
    for org in (people.institution.organisation, pending):
        for status in ListingStatus:
            made.append(Capability(organisation=org, title="能力", status=status, chains=[ai]))
            made.append(Achievement(organisation=org, title="成果", status=status, chain=ai))
    db.session.add_all(made)
    db.session.flush()
    for model in (Capability, Achievement):
        public = set(db.session.scalars(db.select(model.id).join(model.organisation).where(public_listings(model))))
        assert public == {x.id for x in made if isinstance(x, model) and listing_is_public(x)}
    assert [listing_is_public(x) for x in made].count(True) == 2  # the verified institution's active two
    for listing in made:
        indexed = (match_index.capability_doc if isinstance(listing, Capability) else match_index.achievement_doc)(listing)
        assert (indexed is not None) == listing_is_public(listing)
        assert can_view_listing(None, listing) == listing_is_public(listing)
        assert can_view_listing(people.admin, listing)
        assert can_view_listing(people.rival, listing) == listing_is_public(listing)
        own = people.institution if listing.organisation_id == people.institution.organisation_id else people.pending
        assert can_view_listing(own, listing)


def test_what_awaits_approval(people):
    """Does the SQL form of awaits_approval (the 待办 list) pick what the Python one (the desk) says?"""
    from marketplace.models import Proposal

    cases = []
    for state, made_project in ((P.selected, False), (P.selected, True), (P.submitted, False), (P.declined, False)):
        proposal = make_proposal(make_challenge(people.poster.organisation, S.closed), people.institution.organisation, state)
        if made_project:
            db.session.add(Project(challenge=proposal.challenge, proposal=proposal, organisation_id=proposal.organisation_id,
                                   funding_wan=Decimal("100"), start_date=TODAY, end_date=TODAY + timedelta(days=365)))
        cases.append(proposal)
    db.session.flush()
    picked = set(db.session.scalars(db.select(Proposal.id).where(Proposal.awaits_approval)))
    assert picked == {p.id for p in cases if p.awaits_approval} == {cases[0].id}
