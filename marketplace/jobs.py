"""Time-driven work: closing listings at their deadline, milestone, review and overdue 督办 reminders,
weekly digests, and deleting the tokens of old form submissions.

None of it runs inside a user's request. `flask run-jobs` does what is due, from cron or a systemd
timer (`--loop SECONDS` keeps it running on a host with neither); with a job queue (JOB_QUEUE_URL,
a Redis URL), `flask run-jobs --enqueue` puts the due work on an RQ queue instead and
`flask jobs-worker` does it. Either way each piece of work — one listing to close, one reminder,
one institution's digest — is claimed by a compare-and-set before it is done
(`services.locking.claim_once`), and the claim commits together with the audit rows and messages it
causes (mail leaves after that commit): two overlapping runs, two workers, or the same work queued
twice close, remind and send once.

The queue is RQ on Redis rather than Celery on RabbitMQ: the site already runs Redis (rate limits,
login throttle), so a queue there adds no service to install, secure and watch, and RQ's one idea —
a job is a function and its arguments — is all this work needs. What Celery adds (routing, chords,
a broker with acknowledgements) is covered here by the claims: a job lost with a killed worker is
due again, and the next `run-jobs --enqueue` (or RQ's retry of the abandoned job) queues it again,
without a second effect. Mail from requests can go through the same queue (MAIL_VIA_QUEUE,
notifications/mail.py). The match index's snapshot is not queue work: each host saves its own
index files (`flask index-snapshot` from that host's timer).
"""
from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import click
from flask import current_app, has_app_context
from flask.cli import with_appcontext

from . import clock
from .extensions import db

QUEUE_TTL = 3600  # seconds queued work may wait: what no worker took by then is due again next run
# A job that failed, or whose worker died under it (RQ finds it abandoned once its heartbeat lapses),
# is queued again this many times; the claims make a repeat of work already done a no-op.
RETRIES = 2


@dataclass(frozen=True)
class Job:
    """One kind of time-driven work: `find` lists the ids due today, `run` claims and does one."""

    done: str  # how `run-jobs` reports what it did, with {n}
    queued: str  # how `run-jobs --enqueue` reports what it queued
    find: Callable[[date], list[int]]
    run: Callable[[int, date], bool]


def _jobs() -> dict[str, Job]:
    from .notifications import digest
    from .services import challenges, projects, reviews, submissions, supervision

    return {
        "closed": Job("已截止榜单 {n} 个", "到期榜单 {n} 个", challenges.expired, challenges.close_if_expired),
        "reminders": Job("发送里程碑提醒 {n} 条", "里程碑提醒 {n} 条", projects.due_milestones, projects.remind_if_due),
        "review_reminders": Job("发送评审截止提醒 {n} 条", "评审截止提醒 {n} 条", reviews.due_reviews,
                                reviews.remind_if_due),
        # A 督办单 past its reply day: its chain's department is told once (reminded_at).
        "supervision_reminders": Job("发送督办逾期提醒 {n} 条", "督办逾期提醒 {n} 条", supervision.overdue_unreminded,
                                     supervision.remind_if_overdue),
        "digests": Job("推荐周报 {n} 份", "推荐周报 {n} 家机构", digest.due_organisations, digest.send_digest),
        # One piece of work a day at most: the tokens of forms sent more than KEEP_DAYS ago go.
        "form_submissions": Job("清理过期表单令牌 {n} 次", "过期表单令牌清理 {n} 次", submissions.stale,
                                submissions.prune),
    }



def run_item(name: str, item_id: int, today: date | None = None, *, reraise: bool = False) -> bool | None:
    """Claim and do one piece of work in a transaction of its own; True if this call did it, False if
    there was nothing (left) to do, None if it failed (rolled back and logged: it is due again next run)."""
    job = _jobs()[name]
    try:
        done = job.run(item_id, today or clock.today())
        db.session.commit()
        return done
    except Exception:
        db.session.rollback()
        if reraise:
            raise
        current_app.logger.exception("job %s failed for %s", name, item_id)
        return None


def run_due_jobs(today: date | None = None) -> dict[str, int]:
    """Close expired listings, send due milestone and review reminders and weekly digests; returns how
    many of each this call did, and how many failed."""
    today = today or clock.today()
    jobs = _jobs()
    done = dict.fromkeys(jobs, 0) | {"failed": 0}
    for name, job in jobs.items():
        due = job.find(today)
        db.session.commit()  # end the read: each claim starts a transaction of its own
        for item_id in due:
            outcome = run_item(name, item_id, today)
            if outcome is None:
                done["failed"] += 1
            elif outcome:
                done[name] += 1
    return done


def summary(done: dict[str, int], queued: bool = False) -> str:
    """What a run did (or queued), in the words `run-jobs` prints."""
    text = "，".join((job.queued if queued else job.done).format(n=done.get(name, 0))
                    for name, job in _jobs().items())
    if done.get("failed"):
        text += f"，{done['failed']} 项失败（详见日志，下次运行时重试）"
    return text + "。"


# ----- the job queue (RQ on Redis) ----------------------------------------------------------------

def job_queue():
    """The RQ queue named by JOB_QUEUE_NAME on JOB_QUEUE_URL; a ClickException when none is configured."""
    if not current_app.config.get("JOB_QUEUE_URL"):
        raise click.ClickException("未配置任务队列：请设置 JOB_QUEUE_URL（Redis 地址，例如 redis://127.0.0.1:6379/1）。")
    return queue_for(current_app)


def queue_for(app):
    """The RQ queue of `app`'s JOB_QUEUE_URL, on one Redis connection pool per app (with REDIS_TIMEOUT)."""
    from redis import Redis
    from rq import Queue

    connection = app.extensions.get("job_queue_redis")
    if connection is None:
        timeout = float(app.config.get("REDIS_TIMEOUT") or 2)
        # socket_timeout stays unset: a worker blocks on the queue for longer than any timeout.
        connection = app.extensions["job_queue_redis"] = Redis.from_url(app.config["JOB_QUEUE_URL"],
                                                                         socket_connect_timeout=timeout)
    return Queue(app.config["JOB_QUEUE_NAME"], connection=connection)


def enqueue_due_jobs(queue, today: date | None = None) -> dict[str, int]:
    """Put each piece of due work on `queue` (one RQ job each); returns how many of each kind.

    Work already on the queue may be put there again (a run before the workers caught up): the
    claims make the second one a no-op.
    """
    from rq import Retry

    today = today or clock.today()
    jobs = _jobs()
    queued = dict.fromkeys(jobs, 0)
    for name, job in jobs.items():
        for item_id in job.find(today):
            queue.enqueue(perform, name, item_id, ttl=QUEUE_TTL, result_ttl=0, retry=Retry(max=RETRIES),
                          description=f"{name} {item_id}")
            queued[name] += 1
    db.session.commit()
    return queued


def perform(name: str, item_id: int) -> bool:
    """What an RQ worker runs: one piece of work, in the worker's app context (`flask jobs-worker`)
    or, under RQ's own `rq worker`, in an app made for it. A failure is raised, so that RQ records it."""
    return _in_app(lambda: bool(run_item(name, item_id, reraise=True)))


def send_mail(to: str, subject: str, body: str) -> bool:
    """What an RQ worker runs for a mail a request queued (MAIL_VIA_QUEUE): send it now; a failure of
    the mail server is raised, so that RQ records the job as failed."""
    from .notifications.mail import Mail, deliver

    return _in_app(lambda: deliver(current_app._get_current_object(), Mail(to, subject, body)))


def _in_app(work: Callable[[], bool]) -> bool:
    """Run `work` in the worker's app context (`flask jobs-worker`) or, under RQ's own `rq worker`, in an
    app made for it."""
    if has_app_context():
        return work()
    from . import create_app

    with create_app().app_context():
        try:
            return work()
        finally:
            db.session.remove()
            db.engine.dispose()


# ----- commands -----------------------------------------------------------------------------------

_stop = threading.Event()


def _pause(seconds: float) -> bool:
    """Wait between rounds of `--loop`; True when asked to stop (SIGTERM, Ctrl-C) meanwhile."""
    return _stop.wait(seconds)


@click.command("run-jobs")
@click.option("--loop", "interval", type=click.IntRange(min=1), metavar="SECONDS",
              help="Keep running, one round every SECONDS (for a host with no cron or systemd timer).")
@click.option("--enqueue", is_flag=True, help="Put the due work on the job queue (JOB_QUEUE_URL) for `flask jobs-worker`.")
@with_appcontext
def run_jobs_command(interval, enqueue):
    """Close listings past their deadline, send milestone and review reminders and weekly digests (for cron)."""
    queue = job_queue() if enqueue else None
    if interval is None:
        failed = _round(queue)
        if failed:
            raise SystemExit(1)
        return
    _stop.clear()
    previous = {sig: signal.signal(sig, lambda *_: _stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"每 {interval} 秒检查一次到期任务（Ctrl-C 停止）。")
    try:
        while True:
            started = time.monotonic()
            _round(queue, quiet=True)
            if _stop.is_set() or _pause(max(0.0, interval - (time.monotonic() - started))):
                break
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("已停止。")


def _round(queue, quiet: bool = False) -> int:
    """One run of the due work (or of putting it on the queue); prints what was done. Returns the
    number of failures."""
    stamp = f"[{clock.now():%Y-%m-%d %H:%M:%S}] " if quiet else ""
    try:
        if queue is not None:
            queued = enqueue_due_jobs(queue)
            if any(queued.values()) or not quiet:
                click.echo(stamp + "已加入任务队列：" + summary(queued, queued=True))
            return 0
        done = run_due_jobs()
    except Exception as error:  # the database or Redis is away: say so; a loop tries again next round
        db.session.rollback()
        current_app.logger.exception("run-jobs failed")
        click.echo(f"{stamp}运行到期任务失败：{error}", err=True)
        return 1
    if any(done.values()) or not quiet:
        click.echo(stamp + summary(done))
    return done["failed"]


@click.command("jobs-worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty (instead of waiting for more).")
@with_appcontext
def jobs_worker_command(burst):
    """Do the work `run-jobs --enqueue` put on the job queue (an RQ worker; run one or several)."""
    from rq import SimpleWorker

    queue = job_queue()
    # SimpleWorker runs each job in this process, in this app context: RQ's default worker forks a
    # child per job, which would inherit this process's database connections.
    worker = SimpleWorker([queue], connection=queue.connection)
    click.echo(f"任务队列 {queue.name} 的处理进程已启动{'（队列清空后退出）' if burst else '（Ctrl-C 停止）'}。")
    worker.work(burst=burst, logging_level="INFO")


commands = [run_jobs_command, jobs_worker_command]
