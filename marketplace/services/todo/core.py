"""The one design every kind of 待办 follows, whoever's list it is on.

A kind of work is one query (`Kind.query`) for every waiting item of one user, ordered to the end
(ties broken by id) so that no item falls between two pages, and a function turning one of its rows
into an entry. The 工作台 runs it with a window count — its first SHOWN rows and the total in one
round trip — so it costs the same few queries however much is waiting; no row loads a relationship.
The page /todo/<kind> runs the same query a page at a time; the menu asks only the counts.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, func, select

from ... import clock
from ...extensions import db
from ...models import User
from ...models.challenge import closed_before, deadline_label

SHOWN = 5  # rows listed per kind of work on the 工作台; the count says how many there are in all
PER_PAGE = 20  # rows per page of the list of one kind (/todo/<kind>)
FIRST = (0, SHOWN)  # the (offset, limit) of the rows the 工作台 shows


@dataclass(frozen=True)
class Entry:
    """One thing to do: a line of text and the page (endpoint and its arguments) where it is done."""

    text: str
    endpoint: str
    args: dict
    note: str = ""
    when: datetime | None = None  # shown after the note, in local time
    overdue: bool = False  # past its due date: the note is shown as a warning


@dataclass
class Todo:
    code: str
    label: str
    count: int
    entries: list[Entry] = field(default_factory=list)
    endpoint: str | None = None  # the page that lists all of them, when there is one


@dataclass(frozen=True)
class Kind:
    """One kind of work: its code (the /todo/<code> page), its heading, the query of every waiting
    item of a user (ordered to the end), how a row reads, and the page listing them all, if any."""

    code: str
    label: str
    query: Callable[[User], Select]
    entry: Callable[..., Entry]
    endpoint: str | None = None

    def build(self, user: User, window: tuple[int, int]) -> Todo:
        total, rows = page(self.query(user), window)
        return Todo(self.code, self.label, total, [self.entry(r) for r in rows], self.endpoint)

    def count(self, user: User):
        """How many items are waiting, as a scalar subquery (the menu adds up every kind's in one statement)."""
        return select(func.count()).select_from(self.query(user).order_by(None).subquery()).scalar_subquery()


def page(query: Select, window: tuple[int, int]) -> tuple[int, list]:
    """The rows of `query` in the (offset, limit) window and the number of all its rows, in one
    round trip (no row, hence 0, when the window starts past the end)."""
    offset, limit = window
    rows = db.session.execute(query.add_columns(func.count().over().label("total")).offset(offset).limit(limit)).all()
    return (rows[0].total if rows else 0), rows


def closed_note(deadline: date, closed_on: date | None) -> str:
    """When applications closed: the deadline, or the actual day of an early close (and the deadline)."""
    if closed_before(deadline, closed_on):
        return deadline_label(deadline, closed_on)
    return f"{deadline} 截止"


def is_overdue(due: date) -> bool:
    return due < clock.today()


def due_note(due: date, prefix: str = "") -> str:
    """A due date as the list shows it: overdue ones say so (and by how many days)."""
    late = (clock.today() - due).days
    if late > 0:
        return f"已逾期 {late} 天（{prefix}{due}）"
    return f"{prefix}{due}" + ("（今天）" if late == 0 else "")


def excerpt(text: str, length: int = 40) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"
