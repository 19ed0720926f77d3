"""Bounds on every number and date a request carries, checked before anything reaches SQL.

Python's int and Decimal hold any size (and Decimal also NaN, sNaN and Infinity), while the database
does not: SQLite stores at most 2^63 − 1, PostgreSQL's INTEGER at most 2^31 − 1, NUMERIC(12, 2) at
most 9,999,999,999.99. A value outside those used to end in a 500; here it is refused (or, for the
lenient listing filters, ignored) before a query is built. The rules live in this one module:
the URL converter, the form fields and the query-string readers all use it.
"""
from __future__ import annotations

import math
from datetime import date
from decimal import Decimal, InvalidOperation

from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter
from wtforms import DecimalField, HiddenField, IntegerField
from wtforms.validators import ValidationError

from . import clock

# Every id and counter column is an INTEGER: PostgreSQL's int4 is the narrower of the two backends.
INT_MAX = 2**31 - 1
# Amounts in 万元. The columns are NUMERIC(12, 2); the site's own ceiling (a 榜额, a quoted price, a
# project's funding) is far below that: 1,000,000 万元 = 100 亿元.
AMOUNT_MAX_WAN = Decimal("1000000")
# Longest number text worth parsing: keeps int("9" * 4000) and Decimal("1e999999999") out of reach.
MAX_DIGITS = 24
# Largest decimal worth comparing: 10^15, far beyond any amount and any NUMERIC column here.
MAX_MAGNITUDE = 15
# Dates a form may carry: a project, a deadline or a milestone this far from today is a typo.
DATE_YEARS = 10
# Milestones and project ends: a listing closes within a year and may run 120 months after that.
PROJECT_YEARS = 12


class IdConverter(IntegerConverter):
    """Flask's <int:…> converter, but an id beyond any stored one does not match (404), instead of
    overflowing the database's integer when the row is looked up."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = INT_MAX,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app) -> None:
    """Replace the `int` URL converter for every route; must run before the blueprints register."""
    app.url_map.converters["int"] = IdConverter


# ----- reading loose values (query strings, hidden fields) ---------------------------------------

def _read(value, convert):
    """`convert` of the trimmed text, or None when it is empty, absurdly long or unreadable."""
    text = str(value).strip() if value is not None else ""
    if not text or len(text) > MAX_DIGITS:
        return None
    try:
        return convert(text)
    except (InvalidOperation, ValueError):
        return None


def parse_int(value, low: int = -INT_MAX, high: int = INT_MAX) -> int | None:
    """An integer within [low, high] from text, or None when it is not one."""
    number = _read(value, int)
    return number if number is not None and low <= number <= high else None


def parse_decimal(value, low: Decimal | None = None, high: Decimal | None = None) -> Decimal | None:
    """A finite Decimal within [low, high] from text, or None (for NaN, sNaN, Infinity, 1e999…)."""
    number = _read(value, Decimal)
    if number is None:
        return None
    # adjusted() and as_tuple() read the number without the decimal context: abs(), quantize() or
    # normalize() on 1e999999999 would raise Overflow themselves.
    if not number.is_finite() or number.adjusted() > MAX_MAGNITUDE or number.as_tuple().exponent < -MAX_DIGITS:
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    return number


def parse_float(value, low: float, high: float) -> float | None:
    """A finite float within [low, high], or None (nan, inf and 1e400 are not numbers to store)."""
    number = _read(value, float)
    return number if number is not None and math.isfinite(number) and low <= number <= high else None


def form_int(form, name: str, low: int, high: int, message: str) -> int | None:
    """An optional integer of a posted form: absent is None, present and unreadable or out of range
    is a 400 with `message` (these come from hidden fields: only a crafted request gets it wrong)."""
    raw = form.get(name)
    if raw in (None, ""):
        return None
    number = parse_int(raw, low, high)
    if number is None:
        raise BadRequest(description=message)
    return number


def form_float(form, name: str, low: float, high: float, message: str) -> float | None:
    """Like form_int, for a float."""
    raw = form.get(name)
    if raw in (None, ""):
        return None
    number = parse_float(raw, low, high)
    if number is None:
        raise BadRequest(description=message)
    return number


# ----- form fields -------------------------------------------------------------------------------

class BoundedIntegerField(IntegerField):
    """An IntegerField whose text must be a readable integer of database size: anything else gets
    the field's own "应为…整数" message, like a word typed into it."""

    def process_formdata(self, valuelist):
        if valuelist and parse_int(valuelist[0], -INT_MAX, INT_MAX) is None and str(valuelist[0]).strip():
            self.data = None
            raise ValueError(self.invalid_value_message or "请输入整数。")
        super().process_formdata(valuelist)


class BoundedDecimalField(DecimalField):
    """A DecimalField that refuses NaN, sNaN, Infinity and absurd sizes as unreadable. WTForms'
    own accepts them all (Decimal('sNaN') is valid Python), and they then break comparisons, the
    page that shows the form again, or the NUMERIC column."""

    def process_formdata(self, valuelist):
        if valuelist and str(valuelist[0]).strip() and parse_decimal(valuelist[0]) is None:
            self.data = None
            raise ValueError(self.invalid_value_message or "请输入数字。")
        super().process_formdata(valuelist)


class VersionField(HiddenField):
    """The hidden row version of an edit form: an int, or None when missing or not a number (a
    stale or crafted form then loses the compare-and-set like any stale edit, never a 500)."""

    def process_formdata(self, valuelist):
        self.data = parse_int(valuelist[0], 0, INT_MAX) if valuelist else None


def within_years(years: int = DATE_YEARS, message: str | None = None):
    """A date no more than `years` from today either way (0001-01-01 and 9999-12-31 are typos)."""

    def check(form, field):
        data = field.data
        if not isinstance(data, date) or field.process_errors:
            return
        today = clock.today()
        low, high = _shift(today, -years), _shift(today, years)
        if not low <= data <= high:
            raise ValidationError(message or f"日期应在 {low} 至 {high} 之间。")

    return check


def _shift(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without one
        return day.replace(year=day.year + years, day=28)

