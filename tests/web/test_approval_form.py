"""The 立项 form (issue 12): pre-filled from the selected proposal; funding above the 榜额 needs a
confirmation with a reason, kept in the audit trail; a too-short 任务书摘要 is refused."""
from datetime import timedelta
from decimal import Decimal

import pytest
from factories import make_chain_admin, make_challenge, make_poster_and_university, make_proposal
from pages import form_values, text_of

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import AuditEvent, ChallengeState, Project, ProposalState, Publicity
from marketplace.services.challenges import add_months

PLAN = "采用微通道拓扑优化与两相冷却，" + "结合浸没式液冷与智能调度，" * 60  # longer than the form keeps


@pytest.fixture
def approvable(ctx):
    """A selected proposal quoting 450 万元 on a 500 万元, 24-month challenge, its 公示 over."""
    poster, uni = make_poster_and_university()
    make_chain_admin("chain-ai@example.com", "ai")
    challenge = make_challenge(poster, ChallengeState.closed, period_months=24)
    proposal = make_proposal(challenge, uni, ProposalState.selected, technical_plan=PLAN)
    db.session.add(Publicity(challenge=challenge, text="拟由下列单位承担。",
                             starts_on=clock.today() - timedelta(days=10), ends_on=clock.today() - timedelta(days=1)))
    db.session.commit()
    return {"challenge": challenge.id, "proposal": proposal.id}


def approve(client, world, **changes):
    data = {"funding_wan": "450", "start_date": clock.today().isoformat(),
            "end_date": (clock.today() + timedelta(days=700)).isoformat(),
            "task_book": "按揭榜方案完成冷板与CDU研制，两年内通过验收并示范运行。"}
    return client.post(f"/proposals/{world['proposal']}/approve", data=data | changes)


def test_the_form_is_prefilled_from_the_proposal(client, auth, approvable):
    auth.login("chain-ai@example.com")
    page = client.get(f"/challenges/{approvable['challenge']}/evaluation").get_data(as_text=True)
    values = form_values(page, f"form[action='/proposals/{approvable['proposal']}/approve']")
    assert Decimal(values["funding_wan"]) == Decimal("450")
    assert values["start_date"] == clock.today().isoformat()
    assert values["end_date"] == add_months(clock.today(), 24).isoformat()
    assert values["task_book"].startswith("采用微通道拓扑优化与两相冷却") and len(values["task_book"]) <= 500
    assert "confirm_over_budget" not in values  # not ticked for the user
    # The form as it stands is accepted: the price is within the 榜额.
    assert client.post(f"/proposals/{approvable['proposal']}/approve", data=values).status_code == 303


def test_funding_above_the_budget_needs_a_confirmation_and_a_reason(client, auth, approvable):
    auth.login("chain-ai@example.com")
    response = approve(client, approvable, funding_wan="600")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "立项经费 600.00 万元超出榜额 500.00 万元：请勾选确认并填写理由。" in text_of(html, "#confirm_over_budget-error")
    response = approve(client, approvable, funding_wan="600", confirm_over_budget="y")
    assert response.status_code == 400
    assert "请填写立项经费超出榜额的理由。" in text_of(response.get_data(as_text=True), "#over_budget_reason-error")
    assert db.session.scalar(db.select(db.func.count()).select_from(Project)) == 0
    response = approve(client, approvable, funding_wan="600", confirm_over_budget="y",
                       over_budget_reason="增加一套中试验证装置，经专家论证必要。")
    assert response.status_code == 303
    project = db.session.scalar(db.select(Project))
    assert project.funding_wan == Decimal("600")
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "project_approved"))
    assert "超出榜额 500.00 万元" in event.reason and "增加一套中试验证装置" in event.reason


def test_funding_within_the_budget_needs_no_confirmation(client, auth, approvable):
    auth.login("chain-ai@example.com")
    assert approve(client, approvable, funding_wan="500").status_code == 303


def test_a_too_short_task_book_is_refused(client, auth, approvable):
    auth.login("chain-ai@example.com")
    response = approve(client, approvable, task_book="研制冷板。")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "任务书摘要过短：请至少写 20 个字" in text_of(html, "#task_book-error")
    assert db.session.scalar(db.select(db.func.count()).select_from(Project)) == 0
