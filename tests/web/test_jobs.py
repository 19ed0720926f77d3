"""Time-driven jobs: run by `flask run-jobs` or an RQ worker, never by a request; each piece of work
claimed once (the clock itself: test_clock.py). The clock is moved with time-machine, never slept.
"""
from __future__ import annotations

import os
import re
import uuid
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from conftest import BACKENDS, _test_config, own_postgres_database
from factories import make_chain_admin, make_challenge, make_org, make_proposal, make_user
from races import together
from sqlalchemy import insert, text

from marketplace import clock, create_app, jobs
from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    Capability,
    Challenge,
    ChallengeState,
    Milestone,
    Notification,
    Organisation,
    OrgStatus,
    OrgType,
    Project,
    ProjectState,
    ProposalState,
    User,
)
from marketplace.services import challenges
from marketplace.services.chains import chain_by_code

S = ChallengeState


def _redis_url() -> str | None:
    """The local Redis (where the job queue's test runs), or None when it does not answer."""
    try:
        from redis import Redis

        url = "redis://127.0.0.1:6379/0"
        client = Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
        return url
    except Exception:
        return None


REDIS_URL = _redis_url()


def state_of(challenge_id: int) -> ChallengeState:
    db.session.expire_all()
    return db.session.get(Challenge, challenge_id).state


def count(model, *where) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def test_a_listing_closed_by_the_job_leaves_the_recommendations(app, ctx):
    """The match index (kept in the process) hears of the closing as of any other change."""
    from marketplace.services.recommend.candidates import for_institution

    with time_machine.travel(datetime(2026, 3, 3, 8, 0, tzinfo=UTC), tick=False):
        listing = make_challenge(make_org(), S.published, title="液冷冷板散热系统研制", keywords="液冷, 冷板, 散热",
                                 deadline=date(2026, 3, 3))
        reader = make_user("inst@example.com", make_org("传热研究院", type=OrgType.institute))
        capability(reader.organisation, "液冷冷板散热技术", "微通道冷板 液冷 散热 热阻 测试平台")
        db.session.commit()
        assert [item.obj.id for item in for_institution(reader)] == [listing.id]
    with time_machine.travel(datetime(2026, 3, 3, 16, 5, tzinfo=UTC), tick=False):
        assert jobs.run_due_jobs()["closed"] == 1
        assert for_institution(db.session.get(User, reader.id)) == []


# ----- not in requests -------------------------------------------------------------------------------

def test_a_request_runs_no_job(app, client, ctx):
    listing = make_challenge(make_org(), S.published, deadline=clock.today() - timedelta(days=3))
    db.session.commit()
    for path in ("/", "/challenges/", f"/challenges/{listing.id}", "/healthz"):
        client.get(path)
    assert state_of(listing.id) is S.published
    hooks = [f.__name__ for functions in app.before_request_funcs.values() for f in functions]
    assert not any("job" in name for name in hooks), hooks


# ----- a world with work due -----------------------------------------------------------------------

def capability(org, title, description):
    db.session.add(Capability(organisation=org, chains=[chain_by_code("ai")], title=title, description=description,
                              direction="", keywords=""))


def busy_world(expired: int = 3, milestones: int = 2, institutions: int = 3) -> dict:
    """Listings past their deadline, milestones due in 3 days, institutions due their weekly digest."""
    poster = make_org("发榜企业")
    make_user("poster@example.com", poster)
    make_user("poster2@example.com", poster)
    make_chain_admin("chain-ai@example.com", "ai")
    due = [make_challenge(poster, S.published, title=f"到期榜单{i}", deadline=clock.today() - timedelta(days=1 + i))
           for i in range(expired)]
    make_challenge(poster, S.published, title="液冷冷板散热系统研制", keywords="液冷, 冷板, 散热")  # open: the digest's
    solver = make_org("华楚理工大学", type=OrgType.university)
    make_user("solver@example.com", solver)
    awarded = make_challenge(poster, S.awarded, title="已立项榜单")
    proposal = make_proposal(awarded, solver, ProposalState.selected)
    project = Project(challenge=awarded, proposal=proposal, organisation_id=solver.id, funding_wan=Decimal("450"),
                      start_date=clock.today(), end_date=clock.today() + timedelta(days=700), task_book="任务书",
                      state=ProjectState.in_progress,
                      milestones=[Milestone(seq=i + 1, title=f"里程碑{i + 1}", due_date=clock.today() + timedelta(days=3))
                                  for i in range(milestones)])
    db.session.add(project)
    readers = []
    for i in range(institutions):
        org = make_org(f"传热研究院{i}", type=OrgType.institute)
        make_user(f"inst{i}-a@example.com", org)
        make_user(f"inst{i}-b@example.com", org)
        capability(org, "液冷冷板散热技术", "微通道冷板 液冷 散热 热阻 测试平台")
        readers.append(org.id)
    db.session.commit()
    return {"expired": [c.id for c in due], "milestones": [m.id for m in project.milestones], "institutions": readers}


def assert_each_done_once(world: dict, outbox: list) -> None:
    db.session.expire_all()
    for challenge_id in world["expired"]:
        assert db.session.get(Challenge, challenge_id).state is S.closed
        assert count(AuditEvent, AuditEvent.subject_type == "challenge", AuditEvent.subject_id == challenge_id,
                     AuditEvent.action == "challenge_closed") == 1
    closed_notes = count(Notification, Notification.title.like("榜单已到期截止：%"))
    assert closed_notes == 2 * len(world["expired"])  # the poster's two users, once each
    assert count(Notification, Notification.title.like("榜单已截止，可组织评审遴选：%")) == len(world["expired"])
    assert count(Notification, Notification.category == "milestone") == len(world["milestones"])  # one solver user
    for milestone_id in world["milestones"]:
        assert db.session.get(Milestone, milestone_id).reminded_at is not None
    assert count(Notification, Notification.category == "digest") == 2 * len(world["institutions"])
    for org_id in world["institutions"]:
        assert db.session.get(Organisation, org_id).digest_sent_on == clock.today()
    doubled = db.session.execute(db.select(Notification.user_id, Notification.title).group_by(
        Notification.user_id, Notification.title).having(db.func.count() > 1)).all()
    assert not doubled, doubled
    mails = [(m.to, m.subject) for m in outbox]
    assert len(mails) == len(set(mails)) == count(Notification), mails  # one mail per message, none twice


# ----- at the same moment ----------------------------------------------------------------------------

def at_once(app, work, parallel: int):
    """`parallel` calls of `work`, each in its own thread, application context and database session
    (two cron runs overlapping, or two hosts running the same timer), released together."""
    results: list = [None] * parallel

    def run(i):
        with app.app_context():
            results[i] = work()
            db.session.remove()

    together(parallel, run)
    return results


@pytest.mark.timeout(300)
def test_simultaneous_runs_close_remind_and_send_each_once(app, ctx, outbox):
    world = busy_world()
    results = at_once(app, jobs.run_due_jobs, parallel=4)
    assert sum(r["failed"] for r in results) == 0, results
    assert sum(r["closed"] for r in results) == len(world["expired"])
    assert sum(r["reminders"] for r in results) == len(world["milestones"])
    assert sum(r["digests"] for r in results) == len(world["institutions"])
    assert_each_done_once(world, outbox)
    assert jobs.run_due_jobs() == {"closed": 0, "reminders": 0, "review_reminders": 0, "supervision_reminders": 0, "digests": 0, "form_submissions": 0, "failed": 0}  # nothing left


def test_a_second_run_finds_nothing_and_the_digest_waits_a_week(app, ctx, outbox):
    world = busy_world(expired=1, milestones=1, institutions=1)
    assert jobs.run_due_jobs() == {"closed": 1, "reminders": 1, "review_reminders": 0, "supervision_reminders": 0, "digests": 1, "form_submissions": 0, "failed": 0}
    assert jobs.run_due_jobs() == {"closed": 0, "reminders": 0, "review_reminders": 0, "supervision_reminders": 0, "digests": 0, "form_submissions": 0, "failed": 0}
    assert_each_done_once(world, outbox)
    with time_machine.travel(clock.now() + timedelta(days=6), tick=False):
        assert jobs.run_due_jobs()["digests"] == 0
    with time_machine.travel(clock.now() + timedelta(days=7), tick=False):
        assert jobs.run_due_jobs()["digests"] == 1


def test_a_failing_item_is_rolled_back_alone_and_done_next_run(app, ctx, runner, outbox, monkeypatch):
    world = busy_world(expired=2, milestones=0, institutions=0)
    first, second = world["expired"]
    real = challenges.notify.chain_admins

    def refuse_first(chain, category, title, *args, **kwargs):
        if "到期榜单0" in title:
            raise RuntimeError("mail queue down")
        return real(chain, category, title, *args, **kwargs)

    monkeypatch.setattr(challenges.notify, "chain_admins", refuse_first)
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 1
    assert "已截止榜单 1 个" in result.output and "1 项失败" in result.output
    assert state_of(first) is S.published and state_of(second) is S.closed  # the claim went with the failure
    assert count(AuditEvent, AuditEvent.action == "challenge_closed") == 1
    monkeypatch.setattr(challenges.notify, "chain_admins", real)
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0 and "已截止榜单 1 个" in result.output
    assert state_of(first) is S.closed
    assert count(AuditEvent, AuditEvent.action == "challenge_closed") == 2


# ----- the commands ------------------------------------------------------------------------------------

def test_run_jobs_prints_what_it_did(app, ctx, runner, outbox):
    busy_world(expired=2, milestones=1, institutions=1)
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "已截止榜单 2 个，发送里程碑提醒 1 条，发送评审截止提醒 0 条，发送督办逾期提醒 0 条，推荐周报 1 份，清理过期表单令牌 0 次。"
    result = runner.invoke(args=["run-jobs"])
    assert result.output.strip() == "已截止榜单 0 个，发送里程碑提醒 0 条，发送评审截止提醒 0 条，发送督办逾期提醒 0 条，推荐周报 0 份，清理过期表单令牌 0 次。"


def test_run_jobs_loop_runs_round_after_round_until_stopped(app, ctx, runner, monkeypatch):
    first = make_challenge(make_org(), S.published, deadline=clock.today() - timedelta(days=1)).id
    db.session.commit()
    pauses = []

    def pause(seconds):
        pauses.append(seconds)
        if len(pauses) == 1:  # between the rounds another deadline passes
            make_challenge(make_org(), S.published, title="第二个到期榜单", deadline=clock.today() - timedelta(days=1))
            db.session.commit()
            return False
        return True  # then SIGTERM, say

    monkeypatch.setattr(jobs, "_pause", pause)
    result = runner.invoke(args=["run-jobs", "--loop", "60"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "每 60 秒检查一次到期任务（Ctrl-C 停止）。" and lines[-1] == "已停止。"
    rounds = [line for line in lines if "已截止榜单 1 个" in line]
    assert len(rounds) == 2 and all(re.match(r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] ", line) for line in rounds)
    assert len(pauses) == 2 and all(0 < s <= 60 for s in pauses)
    assert state_of(first) is S.closed
    assert count(Challenge, Challenge.state == S.closed) == 2


def test_enqueue_needs_a_job_queue(app, runner):
    result = runner.invoke(args=["run-jobs", "--enqueue"])
    assert result.exit_code != 0 and "JOB_QUEUE_URL" in result.output
    assert "JOB_QUEUE_URL" in runner.invoke(args=["jobs-worker", "--burst"]).output


# ----- the job queue (RQ on the local Redis) -----------------------------------------------------------

@pytest.mark.timeout(300)
@pytest.mark.skipif(REDIS_URL is None, reason="Redis not reachable on 127.0.0.1:6379: the job queue is not tested")
def test_queued_work_is_done_once_by_an_rq_worker(app, ctx, runner, outbox):
    from rq.registry import FailedJobRegistry

    app.config.update(JOB_QUEUE_URL=REDIS_URL, JOB_QUEUE_NAME=f"marketplace-test-{uuid.uuid4().hex}")
    world = busy_world()
    queue = jobs.job_queue()
    try:
        for _ in range(2):  # two runs before any worker caught up: everything is on the queue twice
            result = runner.invoke(args=["run-jobs", "--enqueue"])
            assert result.exit_code == 0, result.output
            # Four institutions are due a digest: the solver too, though it has nothing to be recommended.
            assert result.output.strip() == "已加入任务队列：到期榜单 3 个，里程碑提醒 2 条，评审截止提醒 0 条，督办逾期提醒 0 条，推荐周报 4 家机构，过期表单令牌清理 0 次。"
        assert queue.count == 2 * (3 + 2 + 4)
        assert state_of(world["expired"][0]) is S.published  # queued, not done

        result = runner.invoke(args=["jobs-worker", "--burst"])
        assert result.exit_code == 0, result.output
        assert queue.count == 0 and FailedJobRegistry(queue=queue).count == 0
        assert_each_done_once(world, outbox)
        result = runner.invoke(args=["run-jobs", "--enqueue"])
        assert result.output.strip() == "已加入任务队列：到期榜单 0 个，里程碑提醒 0 条，评审截止提醒 0 条，督办逾期提醒 0 条，推荐周报 1 家机构，过期表单令牌清理 0 次。"
    finally:
        queue.delete(delete_jobs=True)
        queue.connection.close()


# ----- the migration ---------------------------------------------------------------------------------

@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    """An app on a database with no schema yet (its own PostgreSQL database, dropped afterwards)."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
        else:
            try:
                url = stack.enter_context(own_postgres_database(f"mkt_upgrade_{os.getpid()}"))
            except Exception:
                pytest.skip("no right to create a PostgreSQL database for the upgrade test")
        app = create_app(_test_config(url, tmp_path))
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_upgrade_carries_each_institutions_last_digest_over(empty_database):
    """Before 0010 the last digest was read off the inbox: nobody gets a second one this week for the upgrade."""
    from flask_migrate import upgrade

    with empty_database.app_context():
        upgrade(revision="0009")
        rows = {}
        for n, name in enumerate(["收到过周报的研究院", "没收到过的大学"], start=1):
            rows[name] = db.session.execute(insert(Organisation).values(
                name=name, type=OrgType.institute, status=OrgStatus.verified, credit_code=f"9142010000000000{n}X")
                .returning(Organisation.id)).scalar_one()
            db.session.execute(insert(User).values(email=f"u{n}@example.com", name="用户", password_hash="x",
                                                   organisation_id=rows[name]))
        user_id = db.session.scalar(db.select(User.id).filter_by(email="u1@example.com"))
        for sent in (datetime(2026, 3, 1, 2, 0, tzinfo=UTC), datetime(2026, 3, 3, 17, 0, tzinfo=UTC)):  # 4 March in China
            db.session.execute(insert(Notification).values(user_id=user_id, category="digest", title="周报",
                                                           created_at=sent))
        db.session.commit()
        upgrade()
        sent_on = dict(db.session.execute(text("SELECT name, digest_sent_on FROM organisation")).all())
        assert sent_on["没收到过的大学"] is None
        assert str(sent_on["收到过周报的研究院"]) == "2026-03-04"


def test_the_upgrade_dates_the_closes_people_made(empty_database):
    """Before 0011 an early close was only in the audit trail: the closing day (China time) is carried over."""
    from flask_migrate import upgrade

    from marketplace.models import Chain

    with empty_database.app_context():
        upgrade(revision="0010")
        org = db.session.execute(insert(Organisation).values(
            name="发榜企业", type=OrgType.enterprise, status=OrgStatus.verified, credit_code="91420100000000001X")
            .returning(Organisation.id)).scalar_one()
        chain = db.session.execute(insert(Chain).values(code="ai", name="人工智能").returning(Chain.id)).scalar_one()
        ids = {}
        for title, actor in (("提前截止的榜单", org), ("到期截止的榜单", None)):
            ids[title] = db.session.execute(insert(Challenge).values(
                organisation_id=org, chain_id=chain, title=title, budget_wan=Decimal("500"), deadline=date(2026, 6, 1),
                state=ChallengeState.closed).returning(Challenge.id)).scalar_one()
            user = None
            if actor:
                user = db.session.execute(insert(User).values(email="p@example.com", name="发榜人", password_hash="x",
                                                              organisation_id=org).returning(User.id)).scalar_one()
            db.session.execute(insert(AuditEvent).values(
                actor_id=user, action="challenge_closed", subject_type="challenge", subject_id=ids[title],
                from_state="published", to_state="closed", created_at=datetime(2026, 3, 3, 17, 0, tzinfo=UTC)))
        db.session.commit()
        upgrade()
        closed_on = dict(db.session.execute(text("SELECT title, closed_on FROM challenge")).all())
        assert str(closed_on["提前截止的榜单"]) == "2026-03-04"  # 01:00 on 4 March in China
        assert closed_on["到期截止的榜单"] is None
