"""The statistics' figures (services/stats/figures.py) against a hand-built world whose every answer is
counted by hand below: the pages, spreadsheets and year-end reports all show these numbers."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from factories import make_challenge, make_org, make_platform_admin, make_project, make_proposal
from statements import recorded

from marketplace.extensions import db
from marketplace.models import (
    Achievement,
    AuditEvent,
    ChainLead,
    ChallengeState,
    KeyLink,
    Milestone,
    MilestoneState,
    OrgStatus,
    OrgType,
    ProjectState,
    ProposalState,
    Publicity,
    RecommendationEvent,
)
from marketplace.services import key_links
from marketplace.services.chains import chain_by_code
from marketplace.services.stats import figures

S = ChallengeState
YEAR = 2026


def at(month, day, year=YEAR):
    """Noon, China time, on that day (04:00 UTC)."""
    return datetime(year, month, day, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 12, 3, 2, 0, tzinfo=UTC), tick=False):
        yield


def _listing(poster, state, published=None, created=None, chain="ai", submitted=None, **fields):
    challenge = make_challenge(poster, state=state, chain_code=chain, published_at=published,
                               created_at=created or published or at(1, 5), **fields)
    if submitted is not None:
        db.session.add(AuditEvent(action="challenge_submitted", subject_type="challenge", subject_id=challenge.id,
                                  to_state="submitted", created_at=submitted))
    return challenge


@pytest.fixture
def world(ctx):
    """Chain ai in 2026, by hand:
    A published 03-10 (submitted 03-01), 3 proposals + 1 draft, deadline 05-01, 公示 05-10, 立项 05-20, accepted;
    B published 04-01 (submitted 03-30), 流榜, no proposal;  C published 06-15, 1 proposal, still 揭榜中;
    D submitted, never published (created 07-01);  E a draft;  F published 2025-12-20 (last year's), 立项 2026-02-01;
    G on the textile chain, published 2026-08-01, no proposal."""
    make_platform_admin()
    poster = make_org(name="发榜企业")
    lead_pending = make_org(name="未认证链主", status=OrgStatus.pending)
    other_lead = make_org(name="另一链主")
    ai = chain_by_code("ai")
    db.session.add_all([ChainLead(chain=ai, organisation=lead_pending), ChainLead(chain=ai, organisation=other_lead)])
    unis = [make_org(name=f"大学{i}", type=OrgType.university) for i in range(3)]

    a = _listing(poster, S.awarded, at(3, 10), at(2, 20), submitted=at(3, 1), deadline=date(2026, 5, 1))
    for uni in unis:
        make_proposal(a, uni)
    make_proposal(a, make_org(name="草稿大学", type=OrgType.university), state=ProposalState.draft)
    db.session.add(Publicity(challenge=a, starts_on=date(2026, 5, 10), ends_on=date(2026, 5, 16)))
    winner = a.proposals[0]
    make_project(winner, milestones=[Milestone(seq=1, title="样机", due_date=date(2026, 9, 1),
                                               state=MilestoneState.confirmed)],
                 state=ProjectState.accepted, funding_wan=Decimal("400"), created_at=at(5, 20))

    _listing(poster, S.failed, at(4, 1), submitted=at(3, 30))
    c = _listing(poster, S.published, at(6, 15), deadline=date(2026, 12, 20))
    make_proposal(c, unis[0])
    _listing(poster, S.submitted, created=at(7, 1))
    _listing(poster, S.draft, created=at(7, 2))

    f = _listing(poster, S.awarded, at(12, 20, 2025), budget_wan=Decimal("200"))
    make_project(make_proposal(f, unis[1]), milestones=[
        Milestone(seq=1, title="逾期", due_date=date(2026, 11, 1)),
        Milestone(seq=2, title="未到期", due_date=date(2026, 12, 10))],
        state=ProjectState.in_progress, funding_wan=Decimal("100"), created_at=at(2, 1))

    _listing(make_org(name="纺织企业"), S.published, at(8, 1), chain="textile")

    for trl, year in ((3, YEAR), (5, YEAR), (8, YEAR), (8, YEAR), (9, 2025)):
        db.session.add(Achievement(organisation=unis[2], chain=ai, title=f"成果{trl}", trl=trl,
                                   created_at=at(6, 1, year)))
    for kind in ("useful", "useful", "useful", "not_useful", "invited"):
        db.session.add(RecommendationEvent(context="challenge_institutions", query_id=f"ch:{a.id}", doc_id="org:1",
                                           chain_id=ai.id, kind=kind, created_at=at(9, 1)))
    links = [KeyLink(chain=ai, year=YEAR, segment=name, priority=1) for name in ("环节一", "环节二", "环节三")]
    links[0].challenges.append(a)
    links[1].challenges.append(c)
    db.session.add_all(links + [KeyLink(chain=ai, year=2025, segment="去年环节")])
    db.session.commit()
    return links


def test_a_chain_year_counts_the_hand_built_world(world):
    ai = figures.chain_year(chain_by_code("ai"), YEAR)
    assert ai.listings_by_state[S.awarded] == 1 and ai.listings_by_state[S.draft] == 1
    assert ai.listings_by_state[S.withdrawn] == 0  # every state is present, zeros included
    assert (ai.listings, ai.published, ai.answered) == (4, 3, 2)  # A B C D (not the draft, not F of 2025)
    assert ai.proposals == 4  # A's three and C's one; the draft is not counted
    assert ai.proposals_median == 1.0 and ai.share_3_or_more == pytest.approx(1 / 3)
    assert (ai.failed, ai.failed_rate) == (1, pytest.approx(1 / 3))
    assert (ai.projects_approved, ai.projects_accepted, ai.projects_terminated) == (2, 1, 0)
    assert ai.projects_by_state[ProjectState.in_progress] == 1
    assert ai.funding_committed_wan == Decimal("500") and ai.bounty_wan == Decimal("700")
    assert ai.overdue_milestones == 1
    assert ai.achievements == 4 and ai.achievements_by_trl == {"1–3": 1, "4–6": 1, "7–9": 2}
    assert (ai.key_links, ai.key_link_min, ai.key_link_max) == (3, 3, 5)
    assert ai.key_link_rows == [("环节一", "验收通过"), ("环节二", "已发榜 1"), ("环节三", "尚无榜单")]
    assert ai.key_link_line == "2026 年关键缺失环节 3 个：已发榜 2，立项 1，验收通过 1"
    assert (ai.days_submit_to_publish, ai.days_deadline_to_publicity, ai.days_publicity_to_project) == (5.5, 9, 10)
    assert ai.recommendation_useful == pytest.approx(0.75)
    assert (ai.chain_leads, ai.chain_lead_min, ai.chain_lead_max) == (2, 2, 5)
    # 发榜企业 and 另一链主 (the pending 链主 is not verified); three universities (the draft's is not counted).
    assert (ai.verified_enterprises, ai.verified_institutions) == (2, 3)
    assert ai.months_published[2:6] == (1, 1, 0, 1) and sum(ai.months_published) == ai.published
    assert ai.months_projects[1] == 1 and ai.months_projects[4] == 1 and sum(ai.months_projects) == 2
    # The trend counts proposals by their own submission day: all five (F's too) were made today, in December.
    assert ai.months_proposals[11] == 5 and sum(ai.months_proposals) == 5
    assert ai.funnel == [("征集", 4), ("发布", 3), ("揭榜", 2), ("立项", 2), ("验收", 1)]


def test_the_key_link_statuses_are_key_links_status(world):
    """The bulk statuses must say exactly what key_links.status says link by link."""
    rows = figures.chain_year(chain_by_code("ai"), YEAR).key_link_rows
    assert rows == [(link.segment, key_links.status(link)) for link in key_links.links(chain_by_code("ai"), YEAR)]


def test_the_province_sums_the_chains_and_takes_medians_over_all_listings(world):
    province = figures.province_year(YEAR)
    each = figures.every_chain(YEAR)
    assert [c.chain.code for c in each][:2] == ["computing", "ai"] or len(each) == 8
    assert province.chain is None and province.name == "全省"
    assert province.published == sum(c.published for c in each) == 4
    assert province.proposals_median == 0.5  # [3, 0, 1, 0]
    assert province.key_links == 3 and province.key_link_rows[0] == ("人工智能：环节一", "验收通过")
    assert province.key_link_min == sum(c.key_link_min for c in each)
    # Organisations once each, on the platform: 发榜企业, 另一链主, 纺织企业 and the platform's office is not one.
    assert province.verified_enterprises == 3 and province.verified_institutions == 4
    assert figures.overview(YEAR)[0] == province


def test_a_step_dated_before_the_one_it_follows_is_left_out_of_the_medians(ctx):
    """A listing imported with its publication date has its submission recorded after it: without the
    guard the demo's 提交至发布 median came out as -36.5 days."""
    poster = make_org()
    _listing(poster, S.published, at(3, 1), submitted=at(2, 26))
    _listing(poster, S.published, at(11, 1), submitted=at(12, 1))
    db.session.commit()
    assert figures.chain_year(chain_by_code("ai"), YEAR).days_submit_to_publish == 3


def test_another_year_has_its_own_figures(world):
    last = figures.chain_year(chain_by_code("ai"), 2025)
    assert (last.published, last.projects_approved, last.achievements, last.key_links) == (1, 0, 1, 1)
    assert last.overdue_milestones == 0


def test_an_empty_year_is_zeros_and_no_medians(ctx):
    empty = figures.chain_year(chain_by_code("ai"), 2030)
    assert (empty.listings, empty.proposals_median, empty.failed_rate, empty.share_3_or_more) == (0, 0.0, 0.0, 0.0)
    assert empty.days_submit_to_publish is None and empty.recommendation_useful is None
    assert empty.key_link_line == "2030 年关键缺失环节 0 个：已发榜 0，立项 0，验收通过 0"


def test_the_number_of_statements_does_not_grow_with_the_listings(world):
    def statements() -> int:
        with recorded() as seen:
            figures.overview(YEAR)
        return len(seen)

    before = statements()
    poster = make_org()
    for day in range(1, 21):
        listing = _listing(poster, S.published, at(10, day), submitted=at(9, day))
        make_proposal(listing)
        db.session.add(Publicity(challenge=listing, starts_on=date(2026, 11, day), ends_on=date(2026, 11, day) +
                                 timedelta(days=5)))
    db.session.commit()
    assert statements() == before
    assert figures.province_year(YEAR).published == 24
