"""Shared fixtures: an app on a real database file (and on PostgreSQL when one answers)."""
from __future__ import annotations

import contextvars
import os
import shutil
import socket
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from factories import make_user
from flask import has_app_context
from flask.testing import FlaskClient
from pages import only
from sqlalchemy import create_engine, make_url, text

from marketplace import create_app
from marketplace.extensions import db

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _postgres_url() -> str | None:
    """TEST_DATABASE_URL, or the local PostgreSQL when its port answers; None otherwise."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return DEFAULT_PG_URL
    except OSError:
        return None


PG_URL = _postgres_url()
BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(
        PG_URL is None, reason="PostgreSQL not reachable on 127.0.0.1:5432 and TEST_DATABASE_URL not set")),
]


class CSRFClient(FlaskClient):
    """A test client that sends the CSRF token with every form POST, like a browser page would.

    Pass csrf=False to post without it (to test that CSRF is enforced). `logged_in()` tells whether
    the client is signed in.
    """

    def post(self, *args, csrf: bool = True, **kwargs):
        data = kwargs.get("data")
        if csrf and (data is None or isinstance(data, dict)) and "json" not in kwargs:
            data = dict(data or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)

    def open(self, *args, **kwargs):
        # Each request runs in an empty context, so it pushes its own app context (own `g`,
        # own db session) even while a test holds one open for set-up, as a real server would.
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # the test's objects reload what the request changed
        return response

    def logged_in(self) -> bool:
        """Whether this client's session is signed in: the dashboard opens instead of sending it to log in."""
        return self.get("/dashboard").status_code == 200

    def csrf_token(self) -> str:
        return only(self.get("/auth/login"), 'meta[name="csrf-token"]').attributes["content"]


def _test_config(url: str, instance: Path) -> dict:
    return {
        "INSTANCE_PATH": str(instance),
        "TESTING": True,
        "APP_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Room for the concurrency harness: 20 simultaneous requests, each with its session's
        # connection and, at times, a second one (the match index reads through its own).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 5, "max_overflow": 45},
        "BASE_URL": "http://localhost",  # links in mail point where the test client sends its requests
    }


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite file migrated once per run; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    app = create_app(_test_config(f"sqlite:///{path}", path.parent))
    with app.app_context():
        _upgrade()
        db.engine.dispose()
    return path


@contextmanager
def own_postgres_database(name: str):
    """A fresh, empty PostgreSQL database `name` on the test server (its URL), dropped on exit.
    Raises on entry when the user may not create databases."""
    base = make_url(_sqlalchemy_pg(PG_URL))
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_postgres(tmp_path_factory):
    """A PostgreSQL database of this test process's own, migrated once, dropped at the end.

    Its own database (not the shared `test` one) lets two suites, or the pytest-xdist workers of one
    (each a process of its own), run at once on one server.
    """
    with ExitStack() as stack:
        try:
            url = stack.enter_context(own_postgres_database(f"mkt_test_{os.getpid()}"))
        except Exception:  # no CREATEDB right: use the given database, emptied
            if os.environ.get("PYTEST_XDIST_WORKER"):
                pytest.fail("TEST_DATABASE_URL's user may not create databases, so the pytest-xdist workers would "
                            "share and empty one database under each other: grant CREATEDB, or run in one process "
                            "(-n 0)")
            url = make_url(_sqlalchemy_pg(PG_URL)).render_as_string(hide_password=False)
            with create_engine(url).begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        app = create_app(_test_config(url, Path(tmp_path_factory.mktemp("pg-instance"))))
        with app.app_context():
            _upgrade()
            db.engine.dispose()
        yield url


def _sqlalchemy_pg(url: str) -> str:
    from marketplace.config import sqlalchemy_url

    return sqlalchemy_url(url)


def _upgrade() -> None:
    from flask_migrate import upgrade

    from marketplace.services.chains import ensure_chains

    upgrade()
    ensure_chains()
    db.session.commit()


def _empty_postgres(url: str) -> None:
    engine = create_engine(_sqlalchemy_pg(url))
    with engine.begin() as connection:
        tables = [t for (t,) in connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        if tables:
            connection.execute(text(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path):
    """A fresh app and database per test: a copied SQLite file, or an emptied PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "marketplace.sqlite3"
        shutil.copy(request.getfixturevalue("migrated_sqlite"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("migrated_postgres")
        _empty_postgres(url)
    app = create_app(_test_config(url, tmp_path))
    app.test_client_class = CSRFClient
    with app.app_context():
        from marketplace.services.chains import ensure_chains

        ensure_chains()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    from marketplace.services import match_index

    match_index._indexes.clear()


@pytest.fixture
def sibling_app(app):
    """Makes more apps on the test's database, as more gunicorn workers would be (each with its own
    in-process limiter); `make(**config)` overrides settings (None leaves one unset, to its default).
    Disposed after the test."""
    made = []

    def make(**overrides):
        config = {key: app.config[key] for key in (
            "INSTANCE_PATH", "TESTING", "APP_ENV", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "PASSWORD_HASH_METHOD",
            "RATELIMIT_STORAGE_URI")}
        config.update(overrides)
        config = {key: value for key, value in config.items() if value is not None}
        other = create_app(config)
        other.test_client_class = CSRFClient
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()
        redis_client = other.extensions.get("login_throttle_redis")
        if redis_client is not None:
            redis_client.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def outbox(app):
    """The mail the app sends, kept in this list (app.extensions["mail_outbox"]) instead of logged."""
    app.config["MAIL_BACKEND"] = "memory"
    return app.extensions.setdefault("mail_outbox", [])


@pytest.fixture
def user(ctx):
    """One user, user@example.com (password factories.PASSWORD), admin of a verified enterprise."""
    user = make_user("user@example.com")
    db.session.commit()
    return user


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context for calling services and models directly."""
    with app.app_context():
        yield


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = "password-123", **extra):
        return self._client.post("/auth/login", data={"email": email, "password": password, **extra})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def people(ctx):
    """One of each kind of actor: an enterprise poster and a rival, two chains' lead departments, a
    platform admin, a university, a partner institute, an unverified institute and an expert."""
    from types import SimpleNamespace

    from factories import make_chain_admin, make_expert, make_org, make_platform_admin, make_user

    from marketplace.models import OrgStatus, OrgType

    return SimpleNamespace(
        poster=make_user("poster@example.com", make_org("发榜企业")),
        rival=make_user("rival@example.com", make_org("另一家企业")),
        manager=make_chain_admin("chain-ai@example.com", "ai"),
        other_manager=make_chain_admin("chain-tx@example.com", "textile"),
        admin=make_platform_admin(),
        institution=make_user("uni@example.com", make_org("华楚理工大学", type=OrgType.university)),
        partner=make_user("partner@example.com", make_org("联合研究院", type=OrgType.institute)),
        pending=make_user("pending@example.com", make_org("待审核研究院", type=OrgType.institute,
                                                          status=OrgStatus.pending)),
        expert=make_expert("expert@example.com"),
    )
