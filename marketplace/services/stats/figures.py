"""The statistics of a chain's (or the province's) year: computed once, here, for the statistics pages,
their spreadsheets and the year-end reports alike, so the same figure is the same number everywhere.

What each figure counts (the README's "统计" section says the same in Chinese):
- a listing "of the year": published in the year (China time), or created in it if never published
  (rows.of_the_year); `listings` are those that left draft (征集), `published` those ever published;
- proposals: submitted (not draft) proposals on the year's listings; the median and the ≥ 3 share are per
  published listing of the year, listings without proposals included;
- 流榜 rate: failed listings / published listings of the year;
- projects: 立项 in the year (project created), by their current state; funding committed is their funding,
  榜额 the budgets of the listings they answer (each listing once);
- overdue milestones: project milestones due in the year before today, not confirmed, project not terminated;
- achievements: entered in the year, by TRL band;
- key links: the year's links against the chain's quota, each with key_links.status's words;
- days: medians, in calendar days (China dates), over the year's listings: first submission → publication,
  deadline (or early close) → 公示 start, 公示 start → first 立项;
- recommendation usefulness: useful / (useful + not useful) judgements made in the year.
The province sums the chains, except verified organisations (each counted once) and medians (over all rows).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from ... import clock
from ...models import Chain, ChallengeState, ProjectState
from ...models.chain import CHAIN_LEAD_MAX, CHAIN_LEAD_MIN
from .. import key_links
from ..chains import all_chains
from . import rows
from .rows import Window, china_day

TRL_BANDS = ("1–3", "4–6", "7–9")
MONTHS = tuple(range(1, 13))


def trl_band(trl: int) -> str:
    """"1–3" (research), "4–6" (development) or "7–9" (ready for use)."""
    return TRL_BANDS[0] if trl <= 3 else TRL_BANDS[1] if trl <= 6 else TRL_BANDS[2]


@dataclass(frozen=True)
class ChainYear:
    """One chain (or the province: chain=None) in one calendar year."""

    chain: Chain | None
    year: int
    verified_enterprises: int
    verified_institutions: int
    chain_leads: int
    chain_lead_min: int
    chain_lead_max: int
    listings_by_state: dict[ChallengeState, int]
    listings: int
    published: int
    answered: int  # published listings of the year with at least one proposal (揭榜)
    proposals: int
    proposals_median: float
    share_3_or_more: float
    failed: int
    failed_rate: float
    projects_by_state: dict[ProjectState, int]
    projects_approved: int
    projects_accepted: int
    projects_terminated: int
    funding_committed_wan: Decimal
    bounty_wan: Decimal
    overdue_milestones: int
    achievements: int
    achievements_by_trl: dict[str, int]
    key_links: int
    key_link_min: int
    key_link_max: int
    key_link_rows: list[tuple[str, str]]
    days_submit_to_publish: float | None
    days_deadline_to_publicity: float | None
    days_publicity_to_project: float | None
    recommendation_useful: float | None
    # Trends: events in each month of the year (listings published, proposals submitted, projects 立项).
    months_published: tuple[int, ...] = ()
    months_proposals: tuple[int, ...] = ()
    months_projects: tuple[int, ...] = ()
    key_links_listed: int = 0  # links with at least one listing (已发榜, whatever came after)
    key_links_projects: int = 0  # links with at least one project (立项)
    key_links_accepted: int = 0  # links with an accepted project (验收通过)

    @property
    def name(self) -> str:
        return self.chain.name if self.chain is not None else "全省"

    @property
    def funnel(self) -> list[tuple[str, int]]:
        """征集 → 发布 → 揭榜 → 立项 → 验收."""
        return [("征集", self.listings), ("发布", self.published), ("揭榜", self.answered),
                ("立项", self.projects_approved), ("验收", self.projects_accepted)]

    @property
    def key_link_line(self) -> str:
        """The chain page's line: "2026 年关键缺失环节 5 个：已发榜 4，立项 3，验收通过 1"."""
        return _line(self.year, self.key_links, self.key_links_listed, self.key_links_projects, self.key_links_accepted)


@dataclass
class _Facts:
    """One chain's rows, before they become figures; the province merges every chain's."""

    states: Counter = field(default_factory=Counter)
    published_proposals: list[int] = field(default_factory=list)  # per published listing
    proposals: int = 0
    submit_to_publish: list[int] = field(default_factory=list)
    deadline_to_publicity: list[int] = field(default_factory=list)
    publicity_to_project: list[int] = field(default_factory=list)
    project_states: Counter = field(default_factory=Counter)
    funding: Decimal = Decimal(0)
    bounties: dict[int, Decimal] = field(default_factory=dict)
    months_published: Counter = field(default_factory=Counter)
    months_proposals: Counter = field(default_factory=Counter)
    months_projects: Counter = field(default_factory=Counter)
    overdue: int = 0
    trl: Counter = field(default_factory=Counter)
    links: list[tuple[str, str]] = field(default_factory=list)
    link_steps: Counter = field(default_factory=Counter)
    feedback: Counter = field(default_factory=Counter)
    leads: int = 0
    enterprises: int = 0
    institutions: int = 0
    link_min: int = 0
    link_max: int = 0
    lead_min: int = 0
    lead_max: int = 0

    def merge(self, other: _Facts) -> None:
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(mine, Counter):
                mine.update(value)
            elif isinstance(mine, list):
                mine.extend(value)
            elif isinstance(mine, dict):
                mine.update(value)
            else:
                setattr(self, name, mine + value)


def _gather(chains: list[Chain], year: int) -> dict[int, _Facts]:
    """Every chain's facts for the year, from a fixed number of grouped queries."""
    window, ids = Window(year), [chain.id for chain in chains]
    facts = {chain.id: _Facts(link_min=chain.key_link_quota_min, link_max=chain.key_link_quota_max,
                              lead_min=CHAIN_LEAD_MIN, lead_max=CHAIN_LEAD_MAX) for chain in chains}
    counts = rows.proposal_counts(window, ids)
    submitted = rows.first_submissions(window, ids)
    publicity = rows.publicity_starts(window, ids)
    first_project = rows.first_projects(window, ids)
    for listing_id, chain_id, state, published_at, deadline, closed_on in rows.listings(window, ids):
        one = facts[chain_id]
        one.states[state] += 1
        one.proposals += counts.get(listing_id, 0)
        if published_at is None:
            continue
        one.published_proposals.append(counts.get(listing_id, 0))
        one.months_published[china_day(published_at).month] += 1
        if listing_id in submitted:
            _add_days(one.submit_to_publish, submitted[listing_id].date(), china_day(published_at))
        if listing_id in publicity:
            closed = closed_on if closed_on is not None and closed_on < deadline else deadline
            _add_days(one.deadline_to_publicity, closed, publicity[listing_id])
            if listing_id in first_project:
                _add_days(one.publicity_to_project, publicity[listing_id], first_project[listing_id].date())
    for chain_id, challenge_id, state, funding, budget, created_at in rows.projects(window, ids):
        one = facts[chain_id]
        one.project_states[state] += 1
        one.funding += funding or Decimal(0)
        one.bounties[challenge_id] = budget or Decimal(0)
        one.months_projects[china_day(created_at).month] += 1
    for chain_id, submitted_at in rows.proposal_times(window, ids):
        facts[chain_id].months_proposals[rows.aware(submitted_at).month] += 1
    for chain_id, count in rows.overdue_milestones(window, ids, clock.today()).items():
        facts[chain_id].overdue = count
    for chain_id, trl, count in rows.achievements(window, ids):
        facts[chain_id].trl[trl_band(trl)] += count
    _key_links(facts, year, ids)
    for chain_id, count in rows.chain_leads(window, ids).items():
        facts[chain_id].leads = count
    for (chain_id, is_institution), count in rows.verified_members(window, ids).items():
        if is_institution:
            facts[chain_id].institutions = count
        else:
            facts[chain_id].enterprises = count
    for chain_id, kind, count in rows.recommendation_feedback(window, ids):
        facts[chain_id].feedback[kind] += count
    return facts


def _add_days(durations: list[int], start, end) -> None:
    """Calendar days from start to end. A negative span (the trail dated after the step it precedes: a
    listing imported with its publication date, or one whose 公示 opened before its deadline passed) says
    nothing about how long the step took, and would drag the median below zero: it is left out."""
    if end >= start:
        durations.append((end - start).days)


def _key_links(facts: dict[int, _Facts], year: int, ids: list[int]) -> None:
    links, attached, project_states = rows.key_links(year, ids)
    listings_of = Counter(link_id for link_id, _ in attached)
    states_of_listing: dict[int, list] = {}
    for challenge_id, state in project_states:
        states_of_listing.setdefault(challenge_id, []).append(state)
    states_of_link: dict[int, list] = {}
    for link_id, challenge_id in attached:
        states_of_link.setdefault(link_id, []).extend(states_of_listing.get(challenge_id, []))
    for link_id, chain_id, segment in links:
        states = states_of_link.get(link_id, [])
        one = facts[chain_id]
        one.links.append((segment, key_links.status_from(listings_of[link_id], states)))
        one.link_steps["listed"] += bool(listings_of[link_id])
        one.link_steps["projects"] += bool(states)
        one.link_steps["accepted"] += ProjectState.accepted in states


def key_link_line(chain: Chain, year: int) -> str:
    """The chain page's line, "2026 年关键缺失环节 5 个：已发榜 4，立项 3，验收通过 1", from the same rows as
    ChainYear.key_link_line but with only the key-link queries (the chain page is public and busy)."""
    return key_link_lines([chain], year)[chain.id]


def key_link_lines(chains: list[Chain], year: int) -> dict[int, str]:
    """key_link_line for several chains with the same three queries (the governance hub's cards)."""
    facts = {chain.id: _Facts() for chain in chains}
    _key_links(facts, year, list(facts))
    return {chain_id: _line(year, len(one.links), one.link_steps["listed"], one.link_steps["projects"],
                            one.link_steps["accepted"]) for chain_id, one in facts.items()}


def _line(year: int, links: int, listed: int, projects: int, accepted: int) -> str:
    return f"{year} 年关键缺失环节 {links} 个：已发榜 {listed}，立项 {projects}，验收通过 {accepted}"


def _median(values: list) -> float | None:
    return float(median(values)) if values else None


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _figures(chain: Chain | None, year: int, f: _Facts) -> ChainYear:
    published = len(f.published_proposals)
    failed = f.states[ChallengeState.failed]
    judged = f.feedback["useful"] + f.feedback["not_useful"]
    return ChainYear(
        chain=chain, year=year, verified_enterprises=f.enterprises, verified_institutions=f.institutions,
        chain_leads=f.leads, chain_lead_min=f.lead_min, chain_lead_max=f.lead_max,
        listings_by_state={state: f.states[state] for state in ChallengeState},
        listings=sum(f.states.values()) - f.states[ChallengeState.draft], published=published,
        answered=sum(1 for n in f.published_proposals if n), proposals=f.proposals,
        proposals_median=_median(f.published_proposals) or 0.0,
        share_3_or_more=_share(sum(1 for n in f.published_proposals if n >= 3), published),
        failed=failed, failed_rate=_share(failed, published),
        projects_by_state={state: f.project_states[state] for state in ProjectState},
        projects_approved=sum(f.project_states.values()), projects_accepted=f.project_states[ProjectState.accepted],
        projects_terminated=f.project_states[ProjectState.terminated],
        funding_committed_wan=Decimal(f.funding), bounty_wan=Decimal(sum(f.bounties.values(), Decimal(0))),
        overdue_milestones=f.overdue, achievements=sum(f.trl.values()),
        achievements_by_trl={band: f.trl[band] for band in TRL_BANDS},
        key_links=len(f.links), key_link_min=f.link_min, key_link_max=f.link_max, key_link_rows=list(f.links),
        days_submit_to_publish=_median(f.submit_to_publish),
        days_deadline_to_publicity=_median(f.deadline_to_publicity),
        days_publicity_to_project=_median(f.publicity_to_project),
        recommendation_useful=f.feedback["useful"] / judged if judged else None,
        months_published=tuple(f.months_published[m] for m in MONTHS),
        months_proposals=tuple(f.months_proposals[m] for m in MONTHS),
        months_projects=tuple(f.months_projects[m] for m in MONTHS),
        key_links_listed=f.link_steps["listed"], key_links_projects=f.link_steps["projects"],
        key_links_accepted=f.link_steps["accepted"])


def chain_year(chain: Chain, year: int) -> ChainYear:
    """One chain's figures for the calendar year."""
    return _figures(chain, year, _gather([chain], year)[chain.id])


def every_chain(year: int) -> list[ChainYear]:
    """The eight chains' figures, in the platform's order."""
    chains = all_chains()
    facts = _gather(chains, year)
    return [_figures(chain, year, facts[chain.id]) for chain in chains]


def _province(chains: list[Chain], facts: dict[int, _Facts], year: int) -> ChainYear:
    total = _Facts()
    for chain in chains:
        one = facts[chain.id]
        # The province's key links are named with their chain.
        one.links = [(f"{chain.name}：{segment}", status) for segment, status in one.links]
        total.merge(one)
    total.enterprises, total.institutions = rows.verified_province(Window(year))
    return _figures(None, year, total)


def province_year(year: int) -> ChainYear:
    """The province: the chains summed, organisations counted once, medians over every chain's rows."""
    chains = all_chains()
    return _province(chains, _gather(chains, year), year)


def overview(year: int) -> tuple[ChainYear, list[ChainYear]]:
    """(province, every chain) from one gathering: what the statistics pages show."""
    chains = all_chains()
    facts = _gather(chains, year)
    each = [_figures(chain, year, facts[chain.id]) for chain in chains]
    return _province(chains, facts, year), each
