"""Failed logins are throttled per client address and per account, in total across workers.

Two gunicorn workers are two `create_app()` apps on one database, each with Flask-Limiter's
in-process storage: a limit that holds only per worker would let twice as many attempts through.
"""
import json
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from factories import PASSWORD, make_user

from marketplace.extensions import db, limiter
from marketplace.models import LoginAttempt


@pytest.fixture
def worker(sibling_app):
    """Makes other workers: apps on the same database, each with its own in-process limiter."""
    return sibling_app


def attempt(client, email, password="wrong-password", address="10.0.0.1"):
    return client.post("/auth/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def users(ctx):
    for n in range(45):
        make_user(f"u{n}@example.com")
    db.session.commit()


def test_per_address_limit_holds_across_two_worker_processes(app, users, tmp_path):
    """40 wrong passwords from one address, 20 to each of two processes: 10 answered, 30 refused.

    Separate processes, as gunicorn's workers are: in one process every app shares Flask-Limiter's
    in-memory counter, which hid the per-worker limit (20 of 40 passed with two workers).
    """
    here = [attempt(app.test_client(), f"u{n}@example.com").status_code for n in range(20)]
    there = other_process(app, tmp_path, [(f"u{n}@example.com", "10.0.0.1") for n in range(20, 40)])
    statuses = here + there
    assert statuses.count(400) == 10 and statuses.count(429) == 30, statuses


def test_one_account_is_locked_whatever_the_address(app, users, worker):
    """Guessing one account's password from 40 addresses through two workers: 10 guesses, then locked."""
    clients = [app.test_client(), worker().test_client()]
    statuses = [attempt(clients[n % 2], "u0@example.com", address=f"10.1.0.{n}").status_code for n in range(40)]
    assert statuses.count(400) == 10 and statuses.count(429) == 30, statuses
    # Locked: even the right password is not checked, and the page says when to retry.
    response = attempt(clients[0], "u0@example.com", PASSWORD, address="10.9.9.9")
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "登录失败次数过多" in html and "分钟后" in html and "北京时间" in html
    assert 'value="u0@example.com"' in html  # the form is kept
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    # Another account from a fresh address is not affected.
    assert attempt(clients[1], "u1@example.com", PASSWORD, address="10.9.9.8").status_code == 302


def test_a_successful_login_clears_the_account_failures(app, users):
    client = app.test_client()
    for n in range(9):
        assert attempt(client, "u0@example.com", address=f"10.2.0.{n}").status_code == 400
    assert attempt(client, "u0@example.com", PASSWORD, address="10.2.1.1").status_code == 302
    client = app.test_client()
    for n in range(9):
        assert attempt(client, "u0@example.com", address=f"10.2.2.{n}").status_code == 400
    assert attempt(client, "u0@example.com", PASSWORD, address="10.2.3.1").status_code == 302
    client = app.test_client()  # and the count starts again from zero: ten more before the lock
    assert [attempt(client, "u0@example.com", address=f"10.2.4.{n}").status_code for n in range(11)] == \
        [400] * 10 + [429]


def test_account_lock_holds_across_processes(app, users, tmp_path):
    """A worker in another process, sharing only the database, sees this process's failures."""
    for n in range(10):
        assert attempt(app.test_client(), "u0@example.com", address=f"10.3.0.{n}").status_code == 400
    assert other_process(app, tmp_path, [("u0@example.com", "10.3.9.9")]) == [429]


def other_process(app, tmp_path, attempts, **settings) -> list[int]:
    """Run logins (email, address[, password]; wrong by default) in a fresh Python process on the same
    database, each from a fresh client; their statuses. `settings` override the app's (None: unset)."""
    config = {"INSTANCE_PATH": str(tmp_path), "TESTING": True, "APP_ENV": "testing", "SECRET_KEY": "test-secret",
              "RATELIMIT_STORAGE_URI": "memory://", "WTF_CSRF_ENABLED": False,
              "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
              "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]} | settings
    config = {key: value for key, value in config.items() if value is not None}
    attempts = [(email, address, *rest, "wrong-password")[:3] for email, address, *rest in attempts]
    script = textwrap.dedent(f"""
        import json
        from marketplace import create_app
        app = create_app({config!r})
        print(json.dumps([app.test_client().post("/auth/login", data={{"email": email, "password": password}},
                                                 environ_base={{"REMOTE_ADDR": address}}).status_code
                          for email, address, password in {attempts!r}]))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def shared_redis():
    """Settings that put every worker's limits in the local Redis (REDIS_URL alone, as a deployment
    sets it), under key prefixes of this test's own so that runs at once do not count each other's
    requests; its keys are deleted afterwards. Skips when Redis does not answer."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    probe = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        probe.ping()
    except redis.exceptions.ConnectionError:
        probe.close()
        pytest.skip("Redis does not answer on 127.0.0.1:6379: start redis-server to test the limits that "
                    "workers share through it")
    prefix = f"mkt-test-{uuid.uuid4().hex}"
    settings = {"REDIS_URL": url, "RATELIMIT_STORAGE_URI": None, "RATELIMIT_KEY_PREFIX": prefix,
                "LOGIN_THROTTLE_PREFIX": f"{prefix}:login:"}
    yield SimpleNamespace(url=url, settings=settings, keys=lambda: sorted(probe.scan_iter(f"*{prefix}*")))
    for key in probe.scan_iter(f"*{prefix}*"):  # Flask-Limiter's storage puts "LIMITS:" in front
        probe.delete(key)
    probe.close()
    # Flask-Limiter keeps the first key prefix it is given for the process (one Limiter for every app):
    # hand the next test's apps a clean one.
    limiter._key_prefix = ""


def test_request_limit_in_redis_holds_across_workers_and_processes(app, users, worker, shared_redis, tmp_path):
    """LOGIN_RATE_LIMIT (Flask-Limiter, per address; set to 10 a minute here) counted in Redis by every worker.

    The logins succeed, so the failed-login throttle stays out of it. Two apps in this process share
    one Limiter object whatever its storage, so a third worker in another process shows that the
    count lives in Redis."""
    settings = shared_redis.settings | {"LOGIN_RATE_LIMIT": "10 per minute"}
    workers = [worker(**settings) for _ in range(2)]
    assert [w.config["RATELIMIT_STORAGE_URI"] for w in workers] == [shared_redis.url] * 2
    here = [attempt(workers[n % 2].test_client(), f"u{n}@example.com", PASSWORD, address="10.6.0.1").status_code
            for n in range(6)]
    there = other_process(app, tmp_path, [(f"u{n}@example.com", "10.6.0.1", PASSWORD) for n in range(6, 12)],
                          **settings)
    assert here + there == [302] * 10 + [429] * 2, (here, there)
    assert any(b"10.6.0.1" in key for key in shared_redis.keys())  # the count is in Redis, under our prefix
    assert attempt(workers[1].test_client(), "u20@example.com", PASSWORD, address="10.6.0.2").status_code == 302


def test_login_throttle_in_redis_holds_across_workers_and_processes(app, users, worker, shared_redis, tmp_path):
    """With the limits in Redis, failed logins are counted there (not in the table), across workers."""
    workers = [worker(**shared_redis.settings) for _ in range(2)]
    clients = [w.test_client() for w in workers]
    statuses = [attempt(clients[n % 2], "u0@example.com", address=f"10.4.0.{n}").status_code for n in range(40)]
    assert statuses.count(400) == 10 and statuses.count(429) == 30, statuses
    response = attempt(clients[0], "u0@example.com", PASSWORD, address="10.4.9.9")
    assert response.status_code == 429 and "登录失败次数过多" in response.get_data(as_text=True)
    # A worker in another process, sharing Redis, finds the account locked too; another account is not.
    logins = [("u0@example.com", "10.4.9.8", PASSWORD), ("u1@example.com", "10.4.9.7", PASSWORD)]
    assert other_process(app, tmp_path, logins, **shared_redis.settings) == [429, 302]
    assert any(b":login:account:" in key for key in shared_redis.keys())
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(LoginAttempt)) == 0


def test_a_password_reset_lifts_the_account_lock(app, users):
    """The lockout message points to 忘记密码: a reset must actually let the owner in."""
    from marketplace.models import User
    from marketplace.services import password_reset

    client = app.test_client()
    for n in range(10):
        assert attempt(client, "u0@example.com", address=f"10.3.0.{n}").status_code == 400
    assert attempt(client, "u0@example.com", PASSWORD, address="10.3.1.1").status_code == 429
    with app.test_request_context():
        token = password_reset.make_token(db.session.scalar(db.select(User).filter_by(email="u0@example.com")))
    page = client.post(f"/auth/reset/{token}", data={"password": "Kx9#tidal-granite", "confirm": "Kx9#tidal-granite"})
    assert page.status_code in (302, 303), page.get_data(as_text=True)[:500]
    assert attempt(client, "u0@example.com", "Kx9#tidal-granite", address="10.3.1.2").status_code == 302
