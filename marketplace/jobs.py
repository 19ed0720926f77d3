"""Time-driven work: closing listings at their deadline, milestone reminders.

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
_last_run = [0.0]


def run_due_jobs() -> dict[str, int]:
    """Close expired listings and send due milestone reminders; returns what was done."""
    from .services import challenges, projects

    done = {"closed": challenges.close_expired(), "reminders": projects.due_reminders()}
    db.session.commit()
    return done


def init_app(app) -> None:
    @app.before_request
    def periodic_jobs():
        now = time.monotonic()
        if now - _last_run[0] < INTERVAL_SECONDS or request.endpoint in (None, "static", "main.healthz"):
            return
        _last_run[0] = now
        run_due_jobs()

    @app.cli.command("run-jobs")
    @with_appcontext
    def run_jobs_command():
        """Close listings past their deadline and send milestone reminders (for cron)."""
        done = run_due_jobs()
        click.echo(f"已截止榜单 {done['closed']} 个，发送里程碑提醒 {done['reminders']} 条。")
