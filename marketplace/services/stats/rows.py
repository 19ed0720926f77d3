"""The raw rows behind the statistics: one grouped query per kind of fact, for every chain at once.

Each function takes the year's window and the chain ids asked for and returns plain tuples; none
issues a query per listing, so a page costs the same number of statements whatever the data.
`figures.py` turns these rows into ChainYear figures.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, union

from ...clock import CHINA_TIME, local
from ...extensions import db
from ...models import (
    INSTITUTION_TYPES,
    Achievement,
    AuditEvent,
    Capability,
    ChainLead,
    Challenge,
    ChallengeState,
    KeyLink,
    Milestone,
    MilestoneState,
    Organisation,
    OrgStatus,
    OrgType,
    Project,
    ProjectState,
    Proposal,
    ProposalState,
    Publicity,
    RecommendationEvent,
    capability_chain,
    key_link_challenge,
)


@dataclass(frozen=True)
class Window:
    """A calendar year on the users' (China) calendar, as UTC-comparable bounds."""

    year: int

    @property
    def start(self) -> datetime:
        return datetime(self.year, 1, 1, tzinfo=CHINA_TIME)

    @property
    def end(self) -> datetime:
        return datetime(self.year + 1, 1, 1, tzinfo=CHINA_TIME)

    @property
    def first_day(self) -> date:
        return date(self.year, 1, 1)

    @property
    def next_first_day(self) -> date:
        return date(self.year + 1, 1, 1)

    def holds(self, column):
        return and_(column >= self.start, column < self.end)


def of_the_year(window: Window):
    """THE definition of "a listing of the year", used by every figure: a listing published in the year
    (China time), or, for one never published, one created in the year. A listing published in January
    for a need collected in December counts in January's year, once."""
    return or_(and_(Challenge.published_at.isnot(None), window.holds(Challenge.published_at)),
               and_(Challenge.published_at.is_(None), window.holds(Challenge.created_at)))


def _year_listing_ids(window: Window, chain_ids):
    return db.select(Challenge.id).where(of_the_year(window), Challenge.chain_id.in_(chain_ids))


def listings(window: Window, chain_ids) -> list[tuple]:
    """(id, chain_id, state, published_at, deadline, closed_on) of the year's listings."""
    return db.session.execute(
        db.select(Challenge.id, Challenge.chain_id, Challenge.state, Challenge.published_at, Challenge.deadline,
                  Challenge.closed_on)
        .where(of_the_year(window), Challenge.chain_id.in_(chain_ids))).all()


def proposal_counts(window: Window, chain_ids) -> dict[int, int]:
    """Submitted (not draft) proposals per listing of the year."""
    rows = db.session.execute(
        db.select(Proposal.challenge_id, func.count())
        .where(Proposal.challenge_id.in_(_year_listing_ids(window, chain_ids)), Proposal.state != ProposalState.draft)
        .group_by(Proposal.challenge_id)).all()
    return dict(rows)


def first_submissions(window: Window, chain_ids) -> dict[int, datetime]:
    """When each listing of the year was first submitted to its department (the audit trail's first
    "challenge_submitted"; a listing returned and resubmitted is timed from its first submission)."""
    rows = db.session.execute(
        db.select(AuditEvent.subject_id, func.min(AuditEvent.created_at))
        .where(AuditEvent.subject_type == "challenge", AuditEvent.action == "challenge_submitted",
               AuditEvent.subject_id.in_(_year_listing_ids(window, chain_ids)))
        .group_by(AuditEvent.subject_id)).all()
    return {subject_id: aware(at) for subject_id, at in rows}


def publicity_starts(window: Window, chain_ids) -> dict[int, date]:
    rows = db.session.execute(
        db.select(Publicity.challenge_id, Publicity.starts_on)
        .where(Publicity.challenge_id.in_(_year_listing_ids(window, chain_ids)))).all()
    return dict(rows)


def first_projects(window: Window, chain_ids) -> dict[int, datetime]:
    """When each listing of the year first became a project (立项)."""
    rows = db.session.execute(
        db.select(Project.challenge_id, func.min(Project.created_at))
        .where(Project.challenge_id.in_(_year_listing_ids(window, chain_ids)))
        .group_by(Project.challenge_id)).all()
    return {challenge_id: aware(at) for challenge_id, at in rows}


def projects(window: Window, chain_ids) -> list[tuple]:
    """(chain_id, challenge_id, state, funding_wan, budget_wan, created_at) of the projects 立项 in the year."""
    return db.session.execute(
        db.select(Challenge.chain_id, Project.challenge_id, Project.state, Project.funding_wan, Challenge.budget_wan,
                  Project.created_at)
        .join(Challenge, Project.challenge_id == Challenge.id)
        .where(window.holds(Project.created_at), Challenge.chain_id.in_(chain_ids))).all()


def proposal_times(window: Window, chain_ids) -> list[tuple]:
    """(chain_id, submitted) of the proposals submitted in the year, for the monthly trend."""
    submitted = func.coalesce(Proposal.submitted_at, Proposal.created_at)
    return db.session.execute(
        db.select(Challenge.chain_id, submitted)
        .join(Challenge, Proposal.challenge_id == Challenge.id)
        .where(Proposal.state != ProposalState.draft, window.holds(submitted), Challenge.chain_id.in_(chain_ids))).all()


def overdue_milestones(window: Window, chain_ids, today: date) -> dict[int, int]:
    """Project milestones due in the year before `today` (all the year's, once it is over) and still not
    confirmed, of projects not terminated, per chain."""
    until = min(today, window.next_first_day)
    rows = db.session.execute(
        db.select(Challenge.chain_id, func.count())
        .select_from(Milestone).join(Project, Milestone.project_id == Project.id)
        .join(Challenge, Project.challenge_id == Challenge.id)
        .where(Milestone.due_date >= window.first_day, Milestone.due_date < until,
               Milestone.state != MilestoneState.confirmed, Project.state != ProjectState.terminated,
               Challenge.chain_id.in_(chain_ids))
        .group_by(Challenge.chain_id)).all()
    return dict(rows)


def achievements(window: Window, chain_ids) -> list[tuple]:
    """(chain_id, trl, count) of the achievements entered in the year."""
    return db.session.execute(
        db.select(Achievement.chain_id, Achievement.trl, func.count())
        .where(window.holds(Achievement.created_at), Achievement.chain_id.in_(chain_ids))
        .group_by(Achievement.chain_id, Achievement.trl)).all()


def key_links(year: int, chain_ids) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """The year's links (id, chain_id, segment), in the key-link page's order; their listings
    (link_id, challenge_id); and those listings' projects (challenge_id, state)."""
    links = db.session.execute(
        db.select(KeyLink.id, KeyLink.chain_id, KeyLink.segment)
        .where(KeyLink.year == year, KeyLink.chain_id.in_(chain_ids))
        .order_by(KeyLink.priority, KeyLink.id)).all()
    year_links = db.select(KeyLink.id).where(KeyLink.year == year, KeyLink.chain_id.in_(chain_ids))
    attached = db.session.execute(
        db.select(key_link_challenge.c.key_link_id, key_link_challenge.c.challenge_id)
        .where(key_link_challenge.c.key_link_id.in_(year_links))).all()
    attached_ids = db.select(key_link_challenge.c.challenge_id).where(key_link_challenge.c.key_link_id.in_(year_links))
    states = db.session.execute(
        db.select(Project.challenge_id, Project.state).where(Project.challenge_id.in_(attached_ids))).all()
    return links, attached, states


def chain_leads(window: Window, chain_ids) -> dict[int, int]:
    """链主 designated before the year's end, per chain."""
    rows = db.session.execute(
        db.select(ChainLead.chain_id, func.count())
        .where(ChainLead.designated_at < window.end, ChainLead.chain_id.in_(chain_ids))
        .group_by(ChainLead.chain_id)).all()
    return dict(rows)


def _verified_by(window: Window):
    """Verified, and verified before the year's end (an organisation verified before the column existed
    has no date: it counts)."""
    return and_(Organisation.status == OrgStatus.verified,
                or_(Organisation.verified_at.is_(None), Organisation.verified_at < window.end))


def verified_members(window: Window, chain_ids) -> dict[tuple[int, bool], int]:
    """{(chain_id, is_institution): count} of verified organisations active in each chain: enterprises that
    are its 链主 or have posted a listing in it; institutions that list a capability in it, answered one of
    its listings or entered an achievement in it. An organisation counts once per chain."""
    posted = db.select(Challenge.chain_id.label("chain_id"), Challenge.organisation_id.label("org_id")) \
        .where(Challenge.state != ChallengeState.draft)
    members = union(
        db.select(ChainLead.chain_id.label("chain_id"), ChainLead.organisation_id.label("org_id")),
        posted,
        db.select(capability_chain.c.chain_id.label("chain_id"), Capability.organisation_id.label("org_id"))
        .join(Capability, capability_chain.c.capability_id == Capability.id),
        db.select(Challenge.chain_id.label("chain_id"), Proposal.organisation_id.label("org_id"))
        .join(Challenge, Proposal.challenge_id == Challenge.id).where(Proposal.state != ProposalState.draft),
        db.select(Achievement.chain_id.label("chain_id"), Achievement.organisation_id.label("org_id")),
    ).subquery()
    institution = Organisation.type.in_(INSTITUTION_TYPES)
    rows = db.session.execute(
        db.select(members.c.chain_id, institution, func.count(func.distinct(Organisation.id)))
        .join(Organisation, Organisation.id == members.c.org_id)
        .where(_verified_by(window), members.c.chain_id.in_(chain_ids),
               Organisation.type.in_((OrgType.enterprise, *INSTITUTION_TYPES)))
        .group_by(members.c.chain_id, institution)).all()
    return {(chain_id, bool(is_institution)): count for chain_id, is_institution, count in rows}


def verified_province(window: Window) -> tuple[int, int]:
    """(enterprises, institutions) verified on the platform by the year's end, each counted once."""
    institution = Organisation.type.in_(INSTITUTION_TYPES)
    rows = db.session.execute(
        db.select(institution, func.count())
        .where(_verified_by(window), Organisation.type.in_((OrgType.enterprise, *INSTITUTION_TYPES)))
        .group_by(institution)).all()
    counts = {bool(is_institution): count for is_institution, count in rows}
    return counts.get(False, 0), counts.get(True, 0)


def recommendation_feedback(window: Window, chain_ids) -> list[tuple]:
    """(chain_id, kind, count) of the year's useful / not-useful judgements (services/recommend_feedback.py)."""
    return db.session.execute(
        db.select(RecommendationEvent.chain_id, RecommendationEvent.kind, func.count())
        .where(RecommendationEvent.kind.in_(("useful", "not_useful")), window.holds(RecommendationEvent.created_at),
               RecommendationEvent.chain_id.in_(chain_ids))
        .group_by(RecommendationEvent.chain_id, RecommendationEvent.kind)).all()


def china_day(value: datetime) -> date:
    return local(value).date()


def aware(value):
    """A stored timestamp in China time. An aggregate (func.min, coalesce) may skip the column type's
    conversion and hand back SQLite's raw value, a naive UTC string or datetime: taken as UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return local(value) if value is not None else None

