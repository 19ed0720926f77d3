"""待办: the work waiting for a user on the 工作台, by the roles they hold.

A chain's lead department sees its chain's (a platform admin every chain's, plus the organisation
verification queue) — managers.py; an enterprise member what waits on its organisation's listings —
enterprise.py; an institution member its consortium invitations, drafts and projects —
institution.py; an expert the reviews assigned to them — expert.py. Every kind follows core.py: one
query, its first few rows and total on the 工作台, a page at a time at /todo/<kind>, and only the
counts, all in one statement, for the menu badge. A disabled account, or a member of an organisation
not (or no longer) verified, has none.
"""
from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...models import User
from ...paging import MAX_PAGE, ListPage, clamp
from . import enterprise, expert, institution, managers
from .core import FIRST, PER_PAGE, SHOWN, Entry, Kind, Todo

__all__ = ["FIRST", "PER_PAGE", "SHOWN", "Entry", "Kind", "Todo", "for_user", "one_kind", "waiting_count"]


def kinds(user: User) -> dict[str, Kind] | None:
    """The kinds of work on the user's list, by code, in display order; None for a user with none."""
    if not user.is_enabled:
        return None
    found = managers.kinds(user)
    if user.can_act:  # an organisation's work is done by its verified, enabled members only
        organisation = user.organisation
        if organisation.is_enterprise:
            found += enterprise.KINDS
        if organisation.is_institution:
            found += institution.KINDS
        # Reviews assigned to the user, whether or not they still sit on a committee (they may still
        # score them); asking `is_expert` would load the memberships on every page the menu is on.
        found += expert.KINDS
    return {kind.code: kind for kind in found} or None


def for_user(user: User) -> list[Todo] | None:
    """The user's to-do list (kinds with nothing waiting left out); None for anyone with no 待办."""
    found = kinds(user)
    if found is None:
        return None
    todos = [kind.build(user, FIRST) for kind in found.values()]
    return [t for t in todos if t.count]


def waiting_count(user: User) -> int:
    """How many items wait for the user in all, for the menu: one statement, counts only."""
    found = kinds(user)
    if not found:
        return 0
    counts = [kind.count(user) for kind in found.values()]
    return db.session.scalar(select(sum(counts[1:], counts[0]))) or 0


def one_kind(user: User, code: str, page: int = 1) -> tuple[Todo, ListPage] | None:
    """Every waiting item of one kind, PER_PAGE a page (a page past the end shows the last one);
    None when the user has no such kind of work (the verification queue is platform admins')."""
    kind = (kinds(user) or {}).get(code)
    if kind is None:
        return None
    page = min(max(page, 1), MAX_PAGE)  # 10**20 would overflow the database's integer in OFFSET
    todo = kind.build(user, ((page - 1) * PER_PAGE, PER_PAGE))
    if not todo.count and kind in expert.KINDS and not user.is_expert:
        return None  # every acting user has the reviews kind (see kinds); the page is for experts
    if not todo.entries and page > 1:  # past the end: the window count came back with no row
        total = kind.build(user, (0, 1)).count
        page = clamp(page, total, PER_PAGE)
        todo = kind.build(user, ((page - 1) * PER_PAGE, PER_PAGE))
    return todo, ListPage(todo.entries, page, PER_PAGE, todo.count)
