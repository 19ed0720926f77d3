"""`make run`'s gunicorn (gunicorn.conf.py): the master loads the match index before forking two workers;
each worker, on database connections of its own, answers from it and sees a change that another process
commits afterwards."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from factories import make_org

from marketplace.extensions import db
from marketplace.models import Capability, Chain, Organisation, OrgType
from marketplace.services.chains import chain_by_code

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _capability(org, title: str) -> Capability:
    cap = Capability(organisation=org, chains=[db.session.get(Chain, chain_by_code("ai").id)], title=title,
                     description=f"{title} 液冷 冷板 散热 热阻", direction="", keywords="液冷, 冷板")
    db.session.add(cap)
    return cap


def _link(cap_id: int) -> str:
    return f'href="/capabilities/{cap_id}"'  # the title itself is cut by the highlighted words


@pytest.fixture
def lab(app, ctx) -> tuple[int, int]:
    """An institute with one capability, committed before the server starts (the master indexes it)."""
    org = make_org("预加载研究院", type=OrgType.institute)
    cap = _capability(org, "预加载的液冷冷板工艺")
    db.session.commit()
    return org.id, cap.id


@pytest.fixture
def server(app, lab, tmp_path):
    """gunicorn started as `make run` starts it (the checkout's gunicorn.conf.py), on the test's database."""
    env = dict(os.environ, INSTANCE_PATH=app.instance_path, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               COOKIE_SECURE="0", MAIL_BACKEND="log", PYTHONPATH=str(ROOT))
    env.pop("REDIS_URL", None)
    port = _free_port()
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
                                    "--workers", "2", "--bind", f"127.0.0.1:{port}", "marketplace:create_app()"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.3)
        yield base, process, log_path
    finally:
        process.terminate()
        process.wait(timeout=30)


def _workers(process, deadline: float = 60) -> int:
    """How many workers the master has, once it has two or `deadline` seconds passed."""
    stop = time.monotonic() + deadline
    while True:
        found = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        if len(found) >= 2 or time.monotonic() > stop:
            return len(found)
        time.sleep(0.2)


def _search_pages(base: str, query: str, count: int = 12) -> list[str]:
    """`count` searches at once: more than two workers serve one at a time, so both of them answer."""
    url = f"{base}/search?q={urllib.parse.quote(query)}"
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: urllib.request.urlopen(url, timeout=60).read().decode(), range(count)))


def test_preloaded_workers_answer_from_the_masters_index_and_see_later_changes(app, ctx, lab, server):
    base, process, log_path = server
    log = log_path.read_text()
    assert "loaded before forking the workers" in log and "match index of 1 documents" in log, log
    assert _workers(process) == 2  # both forked (the first may answer /healthz before the second exists)
    org_id, cap_id = lab
    assert all(_link(cap_id) in page for page in _search_pages(base, "液冷 冷板"))
    later = _capability(db.session.get(Organisation, org_id), "预加载之后的液冷冷板测试")  # committed by this process
    db.session.commit()
    assert all(_link(later.id) in page and _link(cap_id) in page for page in _search_pages(base, "液冷 冷板"))
    assert "Traceback" not in log_path.read_text()
