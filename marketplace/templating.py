"""Jinja filters and globals shared by every page."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import request, url_for

CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC timestamp shown in China time (the users' clock)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(CHINA_TIME).strftime(fmt)


def page_url(page: int) -> str:
    """The current URL with `page` replaced, keeping the other query arguments."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def init_app(app) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals["page_url"] = page_url
