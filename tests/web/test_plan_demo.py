"""The demo's annual work plans: every chain has this year's plan (one approved and revised, one
returned with its reason, one awaiting approval, the rest approved or draft; 3–6 items each, several
late today, some done) and last year's approved plan with every item complete; the pages show them."""
from __future__ import annotations

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import ItemProgress, PlanState, WorkPlan


def test_the_demo_seeds_every_chains_plans(app, runner, ctx):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    year = clock.today().year
    this_year = db.session.scalars(db.select(WorkPlan).filter_by(year=year)).all()
    last_year = db.session.scalars(db.select(WorkPlan).filter_by(year=year - 1)).all()
    assert len(this_year) == len(last_year) == 8
    states = [p.state for p in this_year]
    assert {PlanState.approved, PlanState.returned, PlanState.submitted} <= set(states)
    assert any(p.state is PlanState.approved and p.revision_no >= 1 and p.revisions for p in this_year)
    assert all(p.return_reason for p in this_year if p.state is PlanState.returned)
    assert all(3 <= len(p.items) <= 6 for p in this_year + last_year)
    progress = [i.progress_on() for p in this_year if p.state is PlanState.approved for i in p.items]
    assert progress.count(ItemProgress.late) >= 3 and ItemProgress.done in progress
    assert len({i.category for p in this_year for i in p.items}) >= 5
    assert all(i.regions and 2 <= len(i.milestones) <= 6 and i.start_date <= m.due_on <= i.end_date
               for p in this_year + last_year for i in p.items for m in i.milestones)
    assert any(i.key_links for p in this_year for i in p.items)
    assert all(p.state is PlanState.approved and all(i.completed_on for i in p.items) for p in last_year)
    assert all(i.responsible_unit.startswith("湖北省") for p in this_year for i in p.items)

    client = app.test_client()
    assert client.post("/auth/login", data={"email": "admin@demo.example", "password": "demo-password"}).status_code == 302
    overview = client.get(f"/admin/plans?year={year}")
    assert overview.status_code == 200 and "待审批" in overview.get_data(as_text=True)
    for plan in this_year:
        assert client.get(f"/admin/chains/{plan.chain.code}/plan?year={year}").status_code == 200
    revised = next(p for p in this_year if p.revisions)
    page = client.get(f"/admin/chains/{revised.chain.code}/plan?year={year}&revision=1").get_data(as_text=True)
    assert "修订前的版本" in page
