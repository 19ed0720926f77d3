"""The bench's own database: a SQLite file in its instance folder (the default), or a database of its own,
`marketplace_bench`, on the PostgreSQL server DATABASE_URL names (never the database that URL names: the
bench writes freely into what it prepares, and drops it only when it is the bench's and has the wrong size).

Preparing takes minutes at 100k listings, so a prepared database is reused: SQLite's is marked by a file in
the instance folder, PostgreSQL's by a row in the table `bench_prepared` inside it.
"""
from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

BENCH_DATABASE = "marketplace_bench"
MARKER_TABLE = "bench_prepared"


def bench_url(given: str, instance: Path, database: str = BENCH_DATABASE) -> str:
    """The URL the bench uses: SQLite in the instance folder, or the bench's own `database` on the server
    `given` names (same host, port and user); raises SystemExit for other databases."""
    if not given or given.startswith("sqlite"):
        return f"sqlite:///{instance / 'bench.sqlite3'}"
    url = make_url(given)
    if url.get_backend_name() != "postgresql":
        raise SystemExit(f"the bench runs on SQLite or PostgreSQL, not {url.get_backend_name()}")
    return url.set(drivername="postgresql+psycopg", database=database).render_as_string(hide_password=False)


def describe(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite, {parsed.database}"
    return f"PostgreSQL, database {parsed.database} on {parsed.host or 'localhost'}:{parsed.port or 5432}"


def _size(capabilities: int, challenges: int) -> str:
    return f"{capabilities} capabilities, {challenges} challenges"


def postgres_state(url: str) -> str | None:
    """The size the bench database was prepared with; None when it does not exist yet, or "" when it
    exists without the bench's marker (half prepared). Refuses a database of that name that holds
    tables but neither marker: it is not the bench's."""
    parsed = make_url(url)
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                     {"name": parsed.database}):
                return None
    finally:
        server.dispose()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            if MARKER_TABLE not in tables:
                if tables and "bench_preparing" not in tables:
                    raise SystemExit(f"database {parsed.database} exists and is not the bench's: drop or rename it")
                return ""
            return connection.scalar(text(f"SELECT size FROM {MARKER_TABLE}")) or ""
    finally:
        engine.dispose()


def recreate_postgres(url: str) -> None:
    parsed = make_url(url)
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        engine = create_engine(url)
        with engine.begin() as connection:  # marks it as the bench's while it is filled
            connection.execute(text("CREATE TABLE bench_preparing (started TEXT)"))
        engine.dispose()
    finally:
        server.dispose()


def mark_postgres(url: str, size: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"CREATE TABLE {MARKER_TABLE} (size TEXT NOT NULL)"))
            connection.execute(text(f"INSERT INTO {MARKER_TABLE} (size) VALUES (:size)"), {"size": size})
            connection.execute(text("DROP TABLE IF EXISTS bench_preparing"))
    finally:
        engine.dispose()


def prepare(url: str, instance: Path, capabilities: int, challenges: int, flask: Callable,
            say: Callable[[str], None]) -> None:
    """Make sure `url` holds the demo data plus the synthetic listings, and `instance` its index;
    reuse both when already prepared at this size. `flask(*args, quiet=True)` runs a flask command."""
    size = _size(capabilities, challenges)
    sqlite = url.startswith("sqlite")
    marker = instance / f"bench-{capabilities}-{challenges}.done"
    if sqlite:
        prepared = marker.exists()
    else:
        state = postgres_state(url)
        prepared = state == size
        if state is not None and not prepared:
            say(f"the bench database holds {state or 'a half-prepared run'}, not {size}: preparing it again")
        if not prepared:
            recreate_postgres(url)
    if prepared:
        say(f"reusing the prepared database ({size})")
        if not (instance / "index" / "matcher.npz").exists():
            say(f"no index in {instance}: building it from the database (minutes)…")
            instance.mkdir(parents=True, exist_ok=True)
            flask("reindex", quiet=False)
            marker.write_text("ok")
        return
    shutil.rmtree(instance, ignore_errors=True)
    instance.mkdir(parents=True)
    say("creating the database and the demo data…")
    flask("db-upgrade")
    flask("seed-demo")
    say(f"adding {size}, then indexing (minutes)…")
    started = time.monotonic()
    flask("seed-scale", "--capabilities", str(capabilities), "--challenges", str(challenges), quiet=False)
    say(f"prepared in {time.monotonic() - started:.0f} s")
    if not sqlite:
        mark_postgres(url, size)
    marker.write_text("ok")


def run_flask(bin_dir: Path, root: Path, env: dict) -> Callable:
    def flask(*args: str, quiet: bool = True):
        return subprocess.run([str(bin_dir / "flask"), *args], cwd=root, env=env, check=True, text=True,
                              capture_output=quiet)

    return flask
