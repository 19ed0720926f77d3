"""Compare-and-set for state changes that two requests may make at the same moment.

Every stateful row carries a version (SQLAlchemy's `version_id_col`): the ORM's UPDATE says
`WHERE id = ? AND version = ?`, so of two simultaneous changes to one row the second changes
nothing and raises StaleDataError, answered with 409 (see `security.py`). Where the rule is
"one" across rows (one 公示 per challenge, one project per proposal, one review per expert and
proposal), a unique constraint says so and its violation is answered the same way.

`claim(row)` is for the changes whose effect lands on *other* rows (opening a 公示 creates a
Publicity and changes proposals; 立项 creates a Project): it bumps the parent's version now, so two
requests deciding on the same parent are serialised — on PostgreSQL the second UPDATE waits for the
first transaction and then matches no row; on SQLite writers queue on the database lock and the
same WHERE clause refuses the stale one.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from ..clock import utcnow
from ..extensions import db
from .errors import InvalidTransition

CONFLICT_MESSAGE = "该记录刚刚已被其他操作（或同一操作的重复提交）修改，本次操作未执行。请刷新页面，查看最新状态后再操作。"


class Conflict(InvalidTransition):
    """Another request changed the row first (409)."""

    def __init__(self, message: str = CONFLICT_MESSAGE):
        super().__init__(message)


def claim(row, *reread) -> None:
    """Compare-and-set on `row`'s version: bump it in the database now, or raise Conflict.

    `reread` are rows whose state the caller is about to check and that every change of them
    claims `row` first (an organisation's members): read again once the claim holds, they show what
    the last request to hold it committed, not what this request loaded before.
    """
    model = type(row)
    result = db.session.execute(
        update(model).where(model.id == row.id, model.version == row.version).values(version=model.version + 1),
        execution_options={"synchronize_session": False})
    if result.rowcount != 1:
        raise Conflict()
    set_committed_value(row, "version", row.version + 1)
    for other in reread:
        db.session.refresh(other)


def claim_once(model, row_id: int, *still_due, **done) -> bool:
    """Compare-and-set for work that must happen once whoever runs it (the time-driven jobs: two
    workers, two overlapping runs, a job queued twice): `UPDATE model SET **done WHERE id = row_id
    AND *still_due`. True when this transaction made the change: it now holds the row, does the work,
    and the work commits with the claim. False when the row no longer asks for it: done already, or
    being done by another transaction — on PostgreSQL this UPDATE waits for that one's row lock and
    then matches no row; on SQLite it takes the database's write lock first (as state-changing
    requests do, extensions.py), so it reads what the previous writer committed.

    The row's version is not bumped unless `done` says so (version=model.version + 1): bookkeeping
    such as "reminder sent" must not refuse a user's simultaneous edit of the same row.
    """
    _write_lock()
    result = db.session.execute(update(model).where(model.id == row_id, *still_due).values(**done),
                                execution_options={"synchronize_session": False})
    return result.rowcount == 1


def _write_lock() -> None:
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


REPEAT_WINDOW = timedelta(minutes=1)
REPEAT_MESSAGE = "刚刚已提交过相同的内容（可能是重复点击、刷新或返回后再次提交），本次未重复创建。"


def lock(row, *reread) -> None:
    """Wait for `row`'s lock and hold it to the end of the transaction, then read `row` and `reread`
    again: a check made after it sees what the previous holder committed.

    For "check, then write elsewhere" where simultaneous requests are all legitimate and should
    queue rather than fail (colleagues adding different files, experts scoring one proposal). On
    PostgreSQL this is `SELECT … FOR UPDATE`; on SQLite a state-changing request already holds the
    database's write lock (extensions.py), so the statement only re-reads.
    """
    model = type(row)
    db.session.execute(select(model.id).where(model.id == row.id).with_for_update())
    for other in (row, *reread):
        db.session.refresh(other)


def refuse_repeat(owner_row, model, **same) -> None:
    """A create's double submit (double click, refresh, back-and-resubmit) makes one record.

    Creates under `owner_row` (the acting organisation) queue on its lock; then a record of `model`
    equal in `same` made within REPEAT_WINDOW means this is the same submission again.
    """
    lock(owner_row)
    recent = db.session.scalar(select(model.id).filter_by(**same).where(
        model.created_at >= utcnow() - REPEAT_WINDOW).limit(1))
    if recent is not None:
        raise Conflict(REPEAT_MESSAGE)


def delete_once(row) -> None:
    """Delete `row` now, or raise Conflict when a simultaneous request already deleted it (so the
    removal is recorded once, not once per double click)."""
    model = type(row)
    result = db.session.execute(delete(model).where(model.id == row.id), execution_options={"synchronize_session": False})
    if result.rowcount != 1:
        raise Conflict()
    db.session.expunge(row)


def is_unique_violation(error: IntegrityError) -> bool:
    """A duplicate of a row the rules say is one (PostgreSQL SQLSTATE 23505, SQLite's UNIQUE message)."""
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) == "23505":
        return True
    return "UNIQUE constraint failed" in str(original)
