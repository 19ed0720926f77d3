"""Counting the SQL statements a request or a call sends: the pages' query budgets (a number that must
not grow with the data) are tested with these, one way everywhere.

    with recorded() as seen:
        figures.overview(2026)
    page_statements(client, "/stats")  # the statements of one GET that must answer 200
"""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from marketplace.extensions import db


@contextmanager
def recorded():
    """The SQL text of every statement sent inside the block, in order."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def page_statements(client, url: str) -> list[str]:
    """The statements of one GET of `url`, which must answer 200."""
    with recorded() as seen:
        status = client.get(url).status_code
    assert status == 200, (url, status)
    return seen
