"""Extension instances, created unbound; create_app() binds them."""
from flask import has_request_context, request
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

# Named constraints, so that migrations can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
bootstrap = Bootstrap5()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Turn on WAL and foreign keys for every SQLite connection (both are off by default)."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # Writers queue on SQLite's one write lock: wait for it (a burst of simultaneous submissions
        # on a busy machine) rather than fail the request after a few seconds.
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


@event.listens_for(Session, "after_begin")
def _sqlite_write_requests_take_the_lock(session, transaction, connection):
    """On SQLite, a state-changing request (POST…) takes the write lock when its session begins.

    Its reads and its writes then happen in one serialised step, as a row lock would make them on
    PostgreSQL: a concurrent duplicate waits, then reads the state the first one left and is refused.
    Without it, the second writer's read snapshot goes stale under WAL and its write fails with
    "database is locked". Reads (GET) keep SQLite's default, lock-free behaviour, and so do other
    sessions and connections (the match index reads through its own): only the request's session
    takes the lock, so nothing in the same request waits for it.
    """
    if connection.dialect.name != "sqlite" or transaction.nested:
        return
    if has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS") and session is db.session():
        connection.exec_driver_sql("BEGIN IMMEDIATE")
