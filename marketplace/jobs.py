"""Time-driven work: closing listings at their deadline, milestone reminders, weekly digests.

Without a scheduler to install, the first request after an interval runs them (in-process, at
most once a minute per worker); `flask run-jobs` does the same from cron.
"""
from __future__ import annotations

import time

import click
from flask import request
from flask.cli import with_appcontext

from .extensions import db

INTERVAL_SECONDS = 60
DIGEST_INTERVAL_SECONDS = 3600  # the digest itself goes out weekly; this is how often we look
_last_run = [0.0]
_last_digest_check = [0.0]


def run_due_jobs(digests: bool = True) -> dict[str, int]:
    """Close expired listings, send due milestone reminders and weekly digests; returns what was done."""
    from .services import challenges, projects

    done = {"closed": challenges.close_expired(), "reminders": projects.due_reminders(), "digests": 0}
    if digests:
        from .services.digest import send_weekly_digests

        done["digests"] = send_weekly_digests()
    db.session.commit()
    return done


def init_app(app) -> None:
    @app.before_request
    def periodic_jobs():
        now = time.monotonic()
        if now - _last_run[0] < INTERVAL_SECONDS or request.endpoint in (None, "static", "main.healthz"):
            return
        _last_run[0] = now
        due_digest = now - _last_digest_check[0] >= DIGEST_INTERVAL_SECONDS
        if due_digest:
            _last_digest_check[0] = now
        try:
            run_due_jobs(digests=due_digest)
        except Exception:  # a failing job must not fail the page that happened to trigger it
            db.session.rollback()
            app.logger.exception("periodic jobs failed")

    @app.cli.command("run-jobs")
    @with_appcontext
    def run_jobs_command():
        """Close listings past their deadline and send milestone reminders (for cron)."""
        done = run_due_jobs()
        click.echo(f"已截止榜单 {done['closed']} 个，发送里程碑提醒 {done['reminders']} 条，推荐周报 {done['digests']} 份。")
