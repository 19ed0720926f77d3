"""The platform's one clock: the users' calendar is China's, whatever the server's time zone.

A deadline, a due date or a 公示 period is a date on the users' calendar (Asia/Shanghai): a listing
due on 3 March closes at 00:00 on 4 March China time, which is 16:00 on 3 March UTC. Every
service, model, form, page and command asks `today()` (or `now()`) here, never `date.today()` or
`datetime.now()`, which follow the server's zone (UTC on most hosts). Timestamps stored in the
database stay in UTC (`utcnow`) and are shown in China time (the `local_time` filter).

`tests/web/test_clock.py` fails when `date.today(` or `datetime.now(` appears elsewhere in the package.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

# China has kept UTC+8 all year since 1991: a fixed offset needs no time-zone database on the host.
CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")


def utcnow() -> datetime:
    """Timezone-aware now in UTC, for stored timestamps; pass the function itself as a column
    default so each row gets its own time."""
    return datetime.now(UTC)


def now() -> datetime:
    """Timezone-aware now in China time: the users' wall clock."""
    return utcnow().astimezone(CHINA_TIME)


def today() -> date:
    """Today's date on the users' calendar (China time)."""
    return now().date()


def local(value: datetime) -> datetime:
    """A stored (UTC) timestamp in China time; a naive one is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA_TIME)
