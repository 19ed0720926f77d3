"""A real server (gunicorn on a fresh SQLite file with the demo data) and Debian's Chromium."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Closed network, running as root on CI: the flags the machine's notes ask for.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items):
    """Under pytest-xdist (`-n N`, `--dist loadgroup` from pyproject.toml) the browser tests are meant
    to run in one worker, with one live server. (pytest-xdist 3.8 on pytest 9.2 ignores the groups:
    then each worker starts a server of its own, on its own port, folder and database.)"""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.xdist_group("e2e"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        message = (f"Debian's Chromium is not installed at {CHROMIUM}: run `apt-get install -y chromium` "
                   "(.ci/run does this on CI) to run the browser tests")
        if os.environ.get("CI"):
            pytest.fail(message)  # on CI a missing browser is a broken build, not a skip
        pytest.skip(message)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright package is missing: `make test` installs it")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """gunicorn serving the app on a free loopback port, on its own instance folder and database."""
    # The story logs in a dozen times a minute from one address: more than a person would.
    yield from _serve(tmp_path_factory.mktemp("e2e-instance"), 'LOGIN_RATE_LIMIT = "200 per minute"\n')


@pytest.fixture(scope="session")
def short_idle_server(tmp_path_factory):
    """A second live server whose sessions end after 20 seconds without a request, warning 10 seconds
    before: the idle timeout seen in a browser without waiting two hours (the first server keeps the default)."""
    yield from _serve(tmp_path_factory.mktemp("e2e-idle-instance"),
                      "SESSION_IDLE_TIMEOUT = 20\nSESSION_IDLE_WARNING = 10\n")


def _serve(instance: Path, instance_config: str):
    env = dict(os.environ, INSTANCE_PATH=str(instance), FLASK_APP="marketplace", COOKIE_SECURE="0",
               DATABASE_URL=f"sqlite:///{instance / 'e2e.sqlite3'}", MAIL_BACKEND="log")
    for name in ("REDIS_URL", "SESSION_IDLE_TIMEOUT", "SESSION_IDLE_WARNING"):
        env.pop(name, None)
    (instance / "config.py").write_text(instance_config)
    bin_dir = Path(sys.executable).parent
    for command in (["db-upgrade"], ["seed-demo"]):
        subprocess.run([str(bin_dir / "flask"), *command], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    log = open(instance / "server.log", "w")
    server = subprocess.Popen([str(bin_dir / "gunicorn"), "--workers", "1", "--threads", "4", "--bind",
                               f"127.0.0.1:{port}", "marketplace:create_app()"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            break
        except OSError as error:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(f"the server did not start; see {instance / 'server.log'}") from error
            time.sleep(0.3)
    yield {"url": url, "database": instance / "e2e.sqlite3", "log": instance / "server.log"}
    server.terminate()
    server.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """A fresh folder for this run's screenshots, printed so a reader can find them (one per xdist
    worker that runs browser tests, should they ever be spread over several)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = datetime.now().strftime("%Y%m%d-%H%M%S") + (f"-{worker}" if worker else "")
    folder = ROOT / "test-artifacts" / "e2e" / name
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\n[e2e] screenshots: {folder}")
    return folder


@pytest.fixture
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True, scope="session")
def _clean_old_artifacts():
    """Keep only the five newest screenshot folders."""
    folder = ROOT / "test-artifacts" / "e2e"
    if folder.exists():
        for old in sorted(folder.iterdir())[:-5]:
            shutil.rmtree(old, ignore_errors=True)
    yield
