"""Working days by China's official holiday calendar (国务院办公厅 节假日安排).

Every count of working days (the 公示 period, 督办 deadlines) goes through here. The calendar comes
from the `chinesecalendar` package: statutory holidays are not working days and adjusted working
days (调休, e.g. a Saturday before 国庆) are. The State Council publishes each year's arrangement
late in the year before, so the package covers a fixed range of years (1.11: 2004–2026) and needs
a yearly update. Outside the covered years a day counts as a working day when it is Monday–Friday
— holidays are then *not* known, and the UI says so with `FALLBACK_NOTE` (see `covered`).
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from chinese_calendar import is_workday as _official_workday

FALLBACK_NOTE = "（按周末计算，未含法定节假日）"


@cache
def covered(year: int) -> bool:
    """Whether the official calendar is known for `year` (else weekends only are skipped)."""
    try:
        _official_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date) -> bool:
    """A working day: by the official calendar where it is known, otherwise Monday–Friday."""
    if covered(day.year):
        return _official_workday(day)
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (the start day itself is not counted).

    Issued Monday 2025-09-29 with 5 working days: 09-30, 10-09, 10-10, 10-11 (调休 Saturday), 10-13.
    """
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            left -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not after `start`).

    The inverse of `add_working_days`: working_days_between(d, add_working_days(d, n)) == n.
    """
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += is_working_day(current)
    return count


def all_covered(*days: date) -> bool:
    """Whether every year from the first to the last of `days` is in the official calendar."""
    years = [d.year for d in days]
    return all(covered(year) for year in range(min(years), max(years) + 1))
