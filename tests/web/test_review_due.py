"""A review's due date (Review.due_on): pre-filled on the desk as today + REVIEW_DAYS and stored when
the expert is assigned, bounded (from today, at most DUE_MAX_DAYS ahead, on China's calendar), movable
by the chain admin while unanswered, shown to the expert (待办 overdue first, the list, the review page)
and on the desk, and reminded once by `run-jobs` REMINDER_DAYS before it."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from factories import make_chain_admin, make_challenge, make_expert, make_poster_and_university, make_proposal
from pages import first, form_values, links, select, text_of
from test_jobs import empty_database  # noqa: F401 (a fixture: an app on a database with no schema yet)

from marketplace import jobs
from marketplace.extensions import db
from marketplace.models import AuditEvent, ChallengeState, Notification, Review, ReviewState
from marketplace.services import reviews

TODAY = date(2026, 12, 3)  # China date of the frozen clock below
BAD_DATE = "请按“年-月-日”填写日期，如 2030-06-30。"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 12, 3, 2, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(ctx):
    poster, uni = make_poster_and_university()
    make_chain_admin("chain-ai@example.com", "ai")
    experts = [make_expert(f"e{i}@example.com") for i in range(3)]
    challenge = make_challenge(poster, ChallengeState.closed, title="液冷冷板榜单", deadline=TODAY - timedelta(days=1))
    proposals = [make_proposal(challenge, uni), make_proposal(challenge)]
    db.session.commit()
    return {"challenge": challenge.id, "proposal": proposals[0].id, "second": proposals[1].id,
            "experts": [e.id for e in experts]}


def desk(client, world):
    return client.get(f"/challenges/{world['challenge']}/evaluation")


def assign(client, proposal_id, expert_id, due_on=None):
    data = {"expert_id": expert_id} | ({"due_on": due_on} if due_on is not None else {})
    return client.post(f"/proposals/{proposal_id}/reviewers", data=data)


def the_review(expert_id) -> Review | None:
    db.session.expire_all()
    return db.session.scalar(db.select(Review).filter_by(expert_id=expert_id))


def review_of(expert_id, proposal_id, due_on: date, state=ReviewState.assigned) -> int:
    review = Review(proposal_id=proposal_id, expert_id=expert_id, due_on=due_on, state=state)
    db.session.add(review)
    db.session.commit()
    return review.id


# ----- assigning ------------------------------------------------------------------------------------

def test_the_desk_prefills_today_plus_review_days_and_the_assignment_keeps_it(app, client, auth, world, outbox):
    auth.login("chain-ai@example.com")
    page = desk(client, world)
    field = first(page, f"#due-{world['proposal']}")
    assert field.attributes["type"] == "date" and field.attributes["value"] == "2026-12-13"
    assert text_of(page, f'label[for="due-{world["proposal"]}"]') == "评审截止日期"
    response = assign(client, world["proposal"], world["experts"][0], "2026-12-20")
    assert response.status_code == 303
    assert the_review(world["experts"][0]).due_on == date(2026, 12, 20)
    note = db.session.scalar(db.select(Notification).filter_by(category="review"))
    assert "评审截止日期为 2026-12-20" in note.body
    assert any("2026-12-20" in mail.body for mail in outbox if "e0@example.com" in mail.to)
    # left empty (or not sent): today + REVIEW_DAYS, which the deployment sets
    app.config["REVIEW_DAYS"] = 14
    assert first(desk(client, world), f"#due-{world['second']}").attributes["value"] == "2026-12-17"
    assert assign(client, world["second"], world["experts"][1], "").status_code == 303
    assert the_review(world["experts"][1]).due_on == date(2026, 12, 17)


@pytest.mark.parametrize("typed, message", [
    ("2026-12-02", "评审截止日期不能早于今天（2026-12-03）。"),
    ("2027-02-02", "评审截止日期最晚为 2027-02-01（60 天内）。"),
    ("2026-13-40", BAD_DATE),
])
def test_a_due_date_out_of_bounds_is_refused_and_kept(client, auth, world, typed, message):
    auth.login("chain-ai@example.com")
    response = assign(client, world["proposal"], world["experts"][0], typed)
    assert response.status_code == 400
    assert text_of(response, f"#due-{world['proposal']}-error") == message
    field = first(response, f"#due-{world['proposal']}")
    assert field.attributes["value"] == typed and field.attributes["aria-invalid"] == "true"
    assert form_values(response, f'form[action="/proposals/{world["proposal"]}/reviewers"]')["expert_id"] == str(
        world["experts"][0])
    assert the_review(world["experts"][0]) is None


@pytest.mark.parametrize("typed", ["2026-12-03", "2027-02-01"])
def test_today_and_the_last_day_allowed_are_accepted(client, auth, world, typed):
    auth.login("chain-ai@example.com")
    assert assign(client, world["proposal"], world["experts"][0], typed).status_code == 303
    assert the_review(world["experts"][0]).due_on == date.fromisoformat(typed)


def test_the_bounds_follow_chinas_calendar(client, auth, world, frozen):
    frozen.move_to(datetime(2026, 12, 3, 16, 30, tzinfo=UTC))  # 00:30 on 4 December in China
    auth.login("chain-ai@example.com")
    assert first(desk(client, world), f"#due-{world['proposal']}").attributes["value"] == "2026-12-14"
    response = assign(client, world["proposal"], world["experts"][0], "2026-12-03")
    assert response.status_code == 400 and "不能早于今天（2026-12-04）" in text_of(response)
    assert assign(client, world["proposal"], world["experts"][0], "2026-12-04").status_code == 303


# ----- changing it --------------------------------------------------------------------------------

def test_the_chain_admin_moves_the_due_date_and_the_expert_is_told(client, auth, world, outbox):
    review_id = review_of(world["experts"][0], world["proposal"], TODAY + timedelta(days=2))
    db.session.get(Review, review_id).reminded_at = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
    db.session.commit()
    auth.login("chain-ai@example.com")
    page = desk(client, world)
    assert first(page, f"#due-review-{review_id}").attributes["value"] == "2026-12-05"
    response = client.post(f"/reviews/{review_id}/due", data={"due_on": "2026-12-15"})
    assert response.status_code == 303
    review = the_review(world["experts"][0])
    assert review.due_on == date(2026, 12, 15)
    assert review.reminded_at is None  # a reminder is due again before the new date
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="review_due_changed"))
    assert event.reason.endswith("2026-12-05 → 2026-12-15")
    note = db.session.scalar(db.select(Notification).where(Notification.title.like("评审截止日期调整%")))
    assert note.user_id == world["experts"][0] and "由 2026-12-05 改为 2026-12-15" in note.body


@pytest.mark.parametrize("typed, message", [
    ("2026-12-01", "评审截止日期不能早于今天（2026-12-03）。"),
    ("2027-03-01", "评审截止日期最晚为 2027-02-01（60 天内）。"),
    ("", "请填写评审截止日期。"),
])
def test_a_bad_new_due_date_is_refused_and_kept(client, auth, world, typed, message):
    review_id = review_of(world["experts"][0], world["proposal"], TODAY + timedelta(days=2))
    auth.login("chain-ai@example.com")
    response = client.post(f"/reviews/{review_id}/due", data={"due_on": typed})
    assert response.status_code == 400
    assert text_of(response, f"#due-review-{review_id}-error") == message
    assert first(response, f"#due-review-{review_id}").attributes.get("value", "") == typed
    assert first(response, f'form[action="/reviews/{review_id}/due"]').parent.attributes.get("open", False) is None  # left open
    assert the_review(world["experts"][0]).due_on == TODAY + timedelta(days=2)


@pytest.mark.parametrize("email, status", [("poster@example.com", 403), ("e0@example.com", 403),
                                           ("uni@example.com", 403)])
def test_only_who_may_assign_moves_a_due_date(client, auth, world, email, status):
    review_id = review_of(world["experts"][0], world["proposal"], TODAY + timedelta(days=2))
    auth.login(email)
    assert client.post(f"/reviews/{review_id}/due", data={"due_on": "2026-12-15"}).status_code == status
    assert the_review(world["experts"][0]).due_on == TODAY + timedelta(days=2)


def test_an_answered_review_keeps_its_date_and_shows_no_form(client, auth, world):
    review_id = review_of(world["experts"][0], world["proposal"], TODAY + timedelta(days=2), ReviewState.recused)
    auth.login("chain-ai@example.com")
    assert first(desk(client, world), f'form[action="/reviews/{review_id}/due"]') is None
    response = client.post(f"/reviews/{review_id}/due", data={"due_on": "2026-12-15"})
    assert response.status_code == 409 and "该评审已提交或已回避，不能再修改截止日期。" in text_of(response)


# ----- shown --------------------------------------------------------------------------------------

def test_the_desk_shows_each_experts_due_date_overdue_ones_as_a_warning(client, auth, world):
    late = review_of(world["experts"][0], world["proposal"], TODAY - timedelta(days=2))
    review_of(world["experts"][1], world["proposal"], TODAY + timedelta(days=4))
    scored = review_of(world["experts"][2], world["proposal"], TODAY - timedelta(days=5), ReviewState.submitted)
    db.session.get(Review, scored).total = 80.0
    db.session.commit()
    auth.login("chain-ai@example.com")
    page = desk(client, world)
    warnings = select(page, "[data-overdue]")
    assert [text_of(w) for w in warnings] == ["截止 2026-12-01（已逾期 2 天）"]
    assert "text-danger" in warnings[0].attributes["class"]
    assert "截止 2026-12-07" in text_of(page) and "截止 2026-11-28" not in text_of(page)  # a scored one is not due
    assert first(page, f'form[action="/reviews/{late}/due"]') is not None


def test_the_experts_todo_is_ordered_by_due_date_overdue_first(client, auth, world):
    expert = world["experts"][0]
    later = review_of(expert, world["proposal"], TODAY + timedelta(days=7))
    late = review_of(expert, world["second"], TODAY - timedelta(days=2))
    other = make_proposal(make_challenge(title="另一个榜单", deadline=TODAY + timedelta(days=30)))  # still open
    db.session.commit()
    sooner = review_of(expert, other.id, TODAY + timedelta(days=1))
    auth.login("e0@example.com")
    section = first(client.get("/dashboard"), '[data-todo="reviews"]')
    assert links(section, "li > a") == [f"/reviews/{late}", f"/reviews/{sooner}", f"/reviews/{later}"]
    lines = [text_of(li) for li in select(section, "li")]
    assert "已逾期 2 天（截止 2026-12-01）" in lines[0]
    assert "截止 2026-12-04" in lines[1] and "逾期" not in lines[1]
    assert "截止 2026-12-10" in lines[2]
    assert len(select(section, "[data-overdue]")) == 1


def test_the_expert_sees_the_due_date_on_the_list_and_the_review(client, auth, world):
    late = review_of(world["experts"][0], world["proposal"], TODAY - timedelta(days=1))
    auth.login("e0@example.com")
    listing = client.get("/reviews/")
    assert "评审截止日期" in text_of(listing, "thead") and "2026-12-02（已逾期 1 天）" in text_of(listing, "tbody")
    page = client.get(f"/reviews/{late}")
    assert text_of(page, "[data-review-due]") == "评审截止日期：2026-12-02（已逾期 1 天）"


# ----- the reminder -------------------------------------------------------------------------------

def reminders() -> list[Notification]:
    return db.session.scalars(db.select(Notification).where(Notification.title.like("评审任务将于%"))).all()


def test_the_expert_is_reminded_once_two_days_before(app, ctx, world, frozen, outbox):
    review_id = review_of(world["experts"][0], world["proposal"], date(2026, 12, 10))
    review_of(world["experts"][1], world["proposal"], date(2026, 12, 10), ReviewState.submitted)  # answered: no reminder
    assert jobs.run_due_jobs()["review_reminders"] == 0
    frozen.move_to(datetime(2026, 12, 7, 15, 0, tzinfo=UTC))  # 23:00 on the 7th in China: three days before
    assert jobs.run_due_jobs()["review_reminders"] == 0
    frozen.move_to(datetime(2026, 12, 7, 16, 30, tzinfo=UTC))  # 00:30 on the 8th in China: two days before
    assert jobs.run_due_jobs()["review_reminders"] == 1
    assert jobs.run_due_jobs()["review_reminders"] == 0  # once
    frozen.move_to(datetime(2026, 12, 9, 2, 0, tzinfo=UTC))
    assert jobs.run_due_jobs()["review_reminders"] == 0
    [note] = reminders()
    assert note.user_id == world["experts"][0] and note.url == f"/reviews/{review_id}"
    assert note.title == "评审任务将于 2 天后（2026-12-10）截止：液冷冷板榜单"
    assert [m.subject for m in outbox if "e0@example.com" in m.to] == [note.title]
    assert not [m for m in outbox if "e1@example.com" in m.to]


def test_a_moved_due_date_is_reminded_again_and_simultaneous_runs_remind_once(app, ctx, world, frozen, outbox):
    review_id = review_of(world["experts"][0], world["proposal"], date(2026, 12, 5))
    assert jobs.run_due_jobs()["review_reminders"] == 1
    manager = db.session.scalar(db.select(Review).filter_by(id=review_id)).proposal.challenge.chain
    from marketplace.models import User

    admin = db.session.scalar(db.select(User).filter_by(admin_chain_id=manager.id))
    reviews.change_due(admin, db.session.get(Review, review_id), date(2026, 12, 20))
    db.session.commit()
    frozen.move_to(datetime(2026, 12, 18, 2, 0, tzinfo=UTC))
    done = [reviews.remind_if_due(review_id), reviews.remind_if_due(review_id)]
    db.session.commit()
    assert done == [True, False]
    assert [n.title for n in reminders()] == ["评审任务将于 2 天后（2026-12-05）截止：液冷冷板榜单",
                                              "评审任务将于 2 天后（2026-12-20）截止：液冷冷板榜单"]


# ----- the migration ------------------------------------------------------------------------------

def test_the_upgrade_dates_existing_reviews_from_their_assignment_in_china(empty_database):  # noqa: F811
    """Before 0014 a review had no due date: it is due REVIEW_DAYS after the day (China time) it was assigned."""
    from decimal import Decimal

    from flask_migrate import upgrade
    from sqlalchemy import insert, text
    from sqlalchemy.exc import IntegrityError

    from marketplace.models import Chain, Challenge, Organisation, OrgStatus, OrgType, Proposal, ProposalState, User

    with empty_database.app_context():
        upgrade(revision="0013")
        org = db.session.execute(insert(Organisation).values(
            name="发榜企业", type=OrgType.enterprise, status=OrgStatus.verified, credit_code="91420100000000001X")
            .returning(Organisation.id)).scalar_one()
        expert = db.session.execute(insert(User).values(email="e@example.com", name="专家", password_hash="x",
                                                        organisation_id=org).returning(User.id)).scalar_one()
        chain = db.session.execute(insert(Chain).values(code="ai", name="人工智能").returning(Chain.id)).scalar_one()
        challenge = db.session.execute(insert(Challenge).values(
            organisation_id=org, chain_id=chain, title="榜单", budget_wan=Decimal("500"), deadline=date(2026, 3, 1),
            state=ChallengeState.closed).returning(Challenge.id)).scalar_one()
        proposal = db.session.execute(insert(Proposal).values(
            challenge_id=challenge, organisation_id=org, price_wan=Decimal("400"), state=ProposalState.submitted)
            .returning(Proposal.id)).scalar_one()
        # 17:00 UTC on 3 March is 01:00 on 4 March in China
        db.session.execute(text(
            "INSERT INTO review (proposal_id, expert_id, state, scores, comment, recusal_reason, assigned_at, version) "
            "VALUES (:p, :e, 'assigned', '{}', '', '', :at, 1)"),
            {"p": proposal, "e": expert, "at": datetime(2026, 3, 3, 17, 0, tzinfo=UTC)})
        db.session.commit()
        upgrade()
        due_on, reminded_at = db.session.execute(text("SELECT due_on, reminded_at FROM review")).one()
        assert str(due_on) == "2026-03-14" and reminded_at is None
        with pytest.raises(IntegrityError):  # from now on every review has one
            db.session.execute(text("UPDATE review SET due_on = NULL"))
            db.session.flush()
        db.session.rollback()
