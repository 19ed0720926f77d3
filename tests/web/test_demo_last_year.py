"""The demo's finished last year (demo/last_year.py): every chain's statistics and year-end report for the
year before today's have listings, projects 立项 and accepted, key links within quota and achievements,
and the current year's figures are what they were without it."""
from __future__ import annotations

import pytest
from pages import only

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Challenge, KeyLink
from marketplace.services import key_links
from marketplace.services.chains import all_chains
from marketplace.services.stats import figures


@pytest.fixture
def seeded(runner, ctx, monkeypatch):
    """The demo, with this year's figures taken just before and just after last year's module ran."""
    import marketplace.demo.seed as seed

    real, taken = seed.seed_last_year, {}

    def around(*args, **kwargs):
        this_year = clock.today().year
        taken["before"] = figures.overview(this_year)
        made = real(*args, **kwargs)
        taken["after"] = figures.overview(this_year)
        return made

    monkeypatch.setattr(seed, "seed_last_year", around)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "上一年度" in result.output
    return taken


def test_every_chain_has_a_finished_last_year(seeded):
    year = clock.today().year - 1
    for f in figures.every_chain(year):
        assert f.listings > 0 and f.published > 0 and f.proposals > 0, f.name
        assert f.projects_approved > 0 and f.projects_accepted > 0 and f.achievements > 0, f.name
        assert f.key_link_min <= f.key_links <= f.key_link_max, f.name
        assert f.chain_lead_min <= f.chain_leads <= f.chain_lead_max, f.name  # designated early last year
        assert f.verified_enterprises > 0 and f.verified_institutions > 0, f.name
        assert f.overdue_milestones == 0, f.name  # a finished year: every running milestone was confirmed
    province = figures.province_year(year)
    assert province.failed >= 1 and province.projects_terminated >= 1
    assert province.share_3_or_more > 0
    assert sum(1 for n in province.months_published if n) >= 3  # spread over the year
    assert len([band for band, n in province.achievements_by_trl.items() if n]) >= 2
    for days in (province.days_submit_to_publish, province.days_deadline_to_publicity,
                 province.days_publicity_to_project):
        assert days is not None and days > 0


def test_last_years_key_links_take_every_status(seeded):
    year = clock.today().year - 1
    links = db.session.scalars(db.select(KeyLink).filter_by(year=year)).all()
    statuses = [key_links.status(link) for link in links]
    assert statuses.count("尚无榜单") <= 1
    assert {"尚无榜单", "已立项", "验收通过"} <= set(statuses)
    assert any(s.startswith("已发榜") for s in statuses)
    for link in links:  # each answered by last year's listings
        for challenge in link.challenges:
            assert clock.local(challenge.published_at).year == year


def test_last_years_listings_are_dated_consistently(seeded):
    year = clock.today().year - 1
    for challenge in db.session.scalars(db.select(Challenge).where(Challenge.is_demo.is_(True))):
        if challenge.published_at is None or clock.local(challenge.published_at).year != year:
            continue
        published = clock.local(challenge.published_at).date()
        assert clock.local(challenge.created_at).date() < published < challenge.deadline < challenge.closed_on
        for project in challenge.projects:
            assert clock.local(project.created_at).year == year and project.ended_at is not None
            assert clock.local(project.ended_at).year == year
            for publicity in challenge.publicities:
                assert challenge.deadline < publicity.starts_on <= clock.local(project.created_at).date()


def test_the_current_years_figures_are_unchanged(seeded):
    before_province, before_chains = seeded["before"]
    after_province, after_chains = seeded["after"]
    assert after_province == before_province
    for before, after in zip(before_chains, after_chains):
        assert {k: v for k, v in vars(after).items() if v != vars(before)[k]} == {}, after.name
    assert before_province.listings > 0  # the comparison compares something


def test_the_year_end_report_shows_last_years_numbers(app, seeded):
    year = clock.today().year - 1
    chain = next(c for c in all_chains() if c.code == "ai")
    f = figures.chain_year(chain, year)
    client = app.test_client()
    client.post("/auth/login", data={"email": "chain-ai@demo.example", "password": "demo-password"})
    response = client.get(f"/chains/ai/report/{year}")
    assert response.status_code == 200
    overview = only(response, '[data-section="overview"]').text().replace("\n", "").replace(" ", "")
    for label, value in (("征集榜单（项）", f.listings), ("立项（项）", f.projects_approved),
                         ("验收通过（项）", f.projects_accepted), ("新增成果（项）", f.achievements)):
        assert f"{label}{value}" in overview
    assert f.projects_accepted > 0
    stats = client.get(f"/admin/stats?year={year}&chain=ai")
    assert stats.status_code == 200
