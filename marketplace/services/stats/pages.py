"""What both statistics pages share: the year asked for and the years offered."""
from __future__ import annotations

from ... import clock
from ...bounds import parse_int

FIRST_YEAR = 2023  # the policy's year (鄂政办发〔2023〕): no listing is older


def year_asked(args) -> int:
    """`?year=` within the years offered, else this year (China's calendar)."""
    this_year = clock.today().year
    return parse_int(args.get("year") or "", FIRST_YEAR, this_year + 1) or this_year


def years() -> list[int]:
    """This year back to the first, newest first (the year selector)."""
    return list(range(clock.today().year, FIRST_YEAR - 1, -1))

