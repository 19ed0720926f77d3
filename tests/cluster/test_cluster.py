"""Two app nodes behind nginx, on PostgreSQL, Redis and an RQ worker (deploy/local_cluster.py), and what
happens when parts of it fail: a node killed under load, a worker killed mid-job, Redis gone.

Real processes on loopback ports of their own, one cluster for the module (its start — database, demo
data, two nodes — is most of the time). Deselect with `-m "not cluster"`.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from cluster_visitor import Visitor
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
import local_cluster  # noqa: E402

from marketplace.config import sqlalchemy_url  # noqa: E402

PG = os.environ.get("CLUSTER_PG_URL", local_cluster.DEFAULT_PG)
MISSING = local_cluster.missing_parts(PG)

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.xdist_group("cluster"),
    pytest.mark.skipif(bool(MISSING), reason="; ".join(MISSING) or "-"),
    pytest.mark.timeout(420),  # the first test waits for the cluster's start (~1–2 min on a busy machine)
]

INSTITUTION = "institution@demo.example"
ENTERPRISE = "enterprise@demo.example"
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def cluster():
    with local_cluster.LocalCluster(pg_url=PG) as running:
        yield running


@pytest.fixture(scope="module")
def database(cluster):
    engine = create_engine(sqlalchemy_url(cluster.database_url), isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def scalar(engine, sql: str, **params):
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def rows(engine, sql: str, **params) -> list:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).all()


def marker() -> str:
    """A word no demo text holds, to find one record by search."""
    return "zq" + uuid.uuid4().hex[:10]


def new_capability(visitor: Visitor, chain_id: int, title: str, token: str | None = None):
    return visitor.post("/capabilities/new", {
        "title": title, "chain_ids": str(chain_id), "direction": "集群写入测试",
        "description": f"{title}：两个节点写入同一数据库，检查每次成功的写入都已保存。", "version": "",
    }, token)


def created_id(answer) -> int | None:
    found = re.search(r"/capabilities/(\d+)$", answer.location) if answer.status == 302 else None
    return int(found.group(1)) if found else None


def logged_in(base: str, email: str) -> Visitor:
    visitor = Visitor(base)
    answer = visitor.login(email)
    assert answer.status == 302, (answer.status, answer.text[:500])
    return visitor


def finds(visitor: Visitor, word: str, capability_id: int) -> bool:
    """Whether a search for `word` lists the capability (its link: the query itself is echoed in the page)."""
    return f'href="/capabilities/{capability_id}"' in visitor.get(f"/search?q={word}").text


def until(condition, seconds: float, pause: float = 0.1):
    """Poll `condition` until it is true or `seconds` pass; returns its last value."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(pause)


def test_a_capability_written_through_one_node_is_found_through_the_other_within_2_seconds(cluster, database):
    """Does a node's match index learn another node's write from the change log, quickly?"""
    chain_id = scalar(database, "SELECT min(id) FROM chain")
    word = marker()
    writer = logged_in(cluster.node_url("a"), INSTITUTION)
    reader = Visitor(cluster.node_url("b"))
    answer = new_capability(writer, chain_id, f"跨节点检索 {word}")
    written = time.monotonic()
    created = created_id(answer)
    assert created, (answer.status, answer.text[:500])
    found = until(lambda: finds(reader, word, created), 5)
    elapsed = time.monotonic() - written
    print(f"\n[cluster] written through node a, found through node b after {elapsed:.2f} s")
    assert found and elapsed <= 2.0


def test_nginx_serves_the_pages_static_files_itself(cluster):
    """Every script and stylesheet a page links (the site's and Bootstrap's) comes from nginx, not a node."""
    site = Visitor(cluster.url)
    links = re.findall(r'(?:href|src)="(/(?:static|bootstrap/static)/[^"?]+)', site.get("/").text)
    assert any(link.startswith("/bootstrap/") for link in links) and any(link.startswith("/static/") for link in links)
    assert [link for link in links if site.get(link).status != 200] == []
    assert "/static/" not in cluster.log("a") + cluster.log("b")  # the nodes' access logs never saw them


def test_a_file_uploaded_through_one_node_downloads_through_the_other(cluster, database):
    """Do both nodes read and write the one upload folder (UPLOAD_FOLDER)?"""
    challenge_id = scalar(database, """
        SELECT c.id FROM challenge c JOIN "user" u ON u.organisation_id = c.organisation_id
        WHERE u.email = :email AND c.state = 'published' ORDER BY c.id LIMIT 1""", email=ENTERPRISE)
    assert challenge_id, "the demo data has a published challenge of the enterprise"
    uploader = logged_in(cluster.node_url("a"), ENTERPRISE)
    data = MINIMAL_PDF + uuid.uuid4().hex.encode()
    page = f"/challenges/{challenge_id}"
    answer = uploader.upload(f"{page}/attachments", {}, {"attachment": ("集群附件.pdf", data, "application/pdf")},
                             token=uploader.csrf(page))
    assert answer.status == 303 and answer.location.endswith(page), (answer.status, answer.text[:800])
    attachment_id = scalar(database, "SELECT id FROM attachment WHERE owner_type = 'challenge' AND owner_id = :c "
                                     "AND sha256 = :h", c=challenge_id, h=hashlib.sha256(data).hexdigest())
    assert attachment_id
    downloaded = uploader.at(cluster.node_url("b")).get(f"{page}/attachments/{attachment_id}")
    assert downloaded.status == 200 and downloaded.body == data


def test_killing_a_node_under_load_loses_no_committed_write_and_it_catches_up_on_return(cluster, database):
    """nginx fails over to node b when node a dies (SIGKILL) mid-load; every write answered with success is
    in the database; node a, restarted, serves what was written while it was down."""
    chain_id = scalar(database, "SELECT min(id) FROM chain")
    run = marker()
    results: list[tuple[float, str, int | None, int]] = []  # (sent at, title, created id, status)
    stop = threading.Event()
    killed_at: list[float] = []

    def write(worker: int):
        visitor = logged_in(cluster.url, INSTITUTION)
        token = visitor.csrf("/capabilities/new")
        n = 0
        while not stop.is_set():
            n += 1
            title = f"故障转移 {run} {marker()}"
            sent = time.monotonic()
            try:
                answer = new_capability(visitor, chain_id, title, token)
                results.append((sent, title, created_id(answer), answer.status))
            except OSError:  # the connection itself failed: no answer, nothing claimed
                results.append((sent, title, None, 0))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(4)
    killed_at.append(time.monotonic())
    cluster.kill("a")  # SIGKILL to its process group: the master and its workers, as a crashed host
    pages_during = [Visitor(cluster.url).get(path).status for path in ("/", "/capabilities/", "/healthz")]
    time.sleep(4)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    succeeded = [(title, created) for _, title, created, _ in results if created]
    after_kill = [r for r in results if r[0] > killed_at[0] + 1]
    print(f"\n[cluster] {len(results)} writes, {len(succeeded)} answered with success, "
          f"{len(after_kill)} sent more than 1 s after the kill: statuses {sorted({r[3] for r in results})}")
    assert pages_during == [200, 200, 200]
    assert after_kill and all(created for _, _, created, _ in after_kill), "node b alone answers every write"
    stored = dict(rows(database, "SELECT title, id FROM capability WHERE title LIKE :run", run=f"故障转移 {run}%"))
    lost = [title for title, created in succeeded if stored.get(title) != created]
    assert not lost, f"writes answered with success but not in the database: {lost}"

    cluster.start_node("a")
    _, title, created, _ = after_kill[-1]
    assert finds(Visitor(cluster.node_url("a")), title.split()[-1], created), "node a serves what b wrote meanwhile"


def test_a_job_whose_worker_is_killed_runs_again_and_takes_effect_once(cluster, database):
    """A weekly digest whose worker dies (SIGKILL) mid-job is done by the next run, once."""
    from redis import Redis
    from rq import Queue
    from rq.registry import StartedJobRegistry

    queue = Queue("jiebang", connection=Redis.from_url(cluster.redis_url + "/1"))
    started = StartedJobRegistry(queue=queue)
    # Hold every due institution's row the way a long transaction would: the digest's claim
    # (UPDATE … WHERE it is still due) waits on it, in the middle of the job.
    holder = database.connect().execution_options(isolation_level="READ COMMITTED")
    transaction = holder.begin()
    held = holder.execute(text("SELECT id FROM organisation WHERE digest_sent_on IS NULL FOR NO KEY UPDATE")).all()
    since = scalar(database, "SELECT coalesce(max(id), 0) FROM notification")  # count only this test's digests
    assert held

    def waiting_digest():
        jobs = [queue.fetch_job(i) for i in started.get_job_ids()]
        digests = [j for j in jobs if j is not None and j.description.startswith("digests ")]
        waits = scalar(database, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND wait_event_type = 'Lock'")
        return digests[0] if digests and waits else None

    try:
        cluster.flask("run-jobs", "--enqueue")
        job = until(waiting_digest, 90, pause=0.3)
        assert job, "the worker is in a digest, waiting for its claim"
        organisation_id = int(job.description.split()[1])
        cluster.kill("worker")
    finally:
        transaction.rollback()
        holder.close()

    def digests_sent():
        """(notifications, recipients) of the organisation's digests."""
        return tuple(rows(database, """SELECT count(*), count(DISTINCT n.user_id) FROM notification n
                                       JOIN "user" u ON u.id = n.user_id
                                       WHERE u.organisation_id = :o AND n.category = 'digest' AND n.id > :since""",
                                    o=organisation_id, since=since)[0])

    time.sleep(1)  # the killed worker's connection ends; its transaction is rolled back by PostgreSQL
    assert digests_sent() == (0, 0)
    assert scalar(database, "SELECT digest_sent_on FROM organisation WHERE id = :o", o=organisation_id) is None

    # Two ways back, both taken: RQ finds the job abandoned once its worker's heartbeat lapses (brought
    # forward here) and queues it again (Retry); and the next run finds the digest still due.
    started.cleanup(timestamp=time.time() + 10**6)
    assert job.id in queue.job_ids
    cluster.flask("run-jobs", "--enqueue")
    cluster.start_worker()

    def drained():
        return queue.count == 0 and not started.get_job_ids()

    assert until(lambda: drained() and (time.sleep(1) or drained()), 120, pause=0.3), "the queue drains"
    assert scalar(database, "SELECT digest_sent_on FROM organisation WHERE id = :o", o=organisation_id) is not None
    notifications, recipients = digests_sent()
    assert notifications >= 1 and notifications == recipients, "one digest per member, not two"


def test_with_redis_down_pages_logins_and_limits_work_and_queued_work_waits(cluster, database):
    """Redis killed: pages answer, rate limits count in memory, the login throttle in the database, mail is
    sent directly, `run-jobs --enqueue` fails cleanly; once Redis is back the work is queued and done once."""
    with database.connect() as connection:
        connection.execute(text("UPDATE organisation SET digest_sent_on = NULL"))
    since = scalar(database, "SELECT coalesce(max(id), 0) FROM notification")
    attempts = scalar(database, "SELECT count(*) FROM login_attempt")
    cluster.kill("redis")
    try:
        site = Visitor(cluster.url)
        assert [site.get(p).status for p in ("/", "/search?q=%E6%99%BA%E8%83%BD", "/auth/login")] == [200] * 3
        assert site.login(INSTITUTION, "wrong-password").status == 400
        assert scalar(database, "SELECT count(*) FROM login_attempt") > attempts, "failures counted in the database"
        assert site.login(INSTITUTION).status == 302

        # 忘记密码 is limited per client address (5 per hour): with the count in each process's memory a
        # node of two workers lets at most 10 through. (Straight to node b, whose ProxyFix trusts the address.)
        client = Visitor(cluster.node_url("b"), headers={"X-Forwarded-For": f"203.0.113.{os.getpid() % 250 + 1}"})
        token = client.csrf("/auth/forgot")
        statuses = [client.post("/auth/forgot", {"email": email}, token).status
                    for email in ["expert@demo.example"] + [f"nobody{i}@demo.example" for i in range(11)]]
        assert set(statuses) <= {302, 429} and 429 in statuses, statuses
        assert "sent directly" in cluster.log("b"), "the reset mail went out without the queue"

        jobs = cluster.flask("run-jobs", "--enqueue", check=False)
        assert jobs.returncode == 1 and "运行到期任务失败" in jobs.stderr, jobs.stdout + jobs.stderr
        assert scalar(database, "SELECT count(*) FROM organisation WHERE digest_sent_on IS NOT NULL") == 0
    finally:
        cluster.start_redis()
    if not cluster.running("worker"):  # a worker that lost Redis may exit; systemd's Restart=always brings it back
        cluster.start_worker()
    cluster.flask("run-jobs", "--enqueue")
    sent = until(lambda: scalar(database, "SELECT count(*) FROM organisation WHERE digest_sent_on IS NOT NULL"), 90, 0.3)
    assert sent, "the digests queued after Redis came back were sent"
    time.sleep(2)
    repeated = scalar(database, """SELECT count(*) FROM (SELECT user_id FROM notification WHERE id > :since
                                   AND category = 'digest' GROUP BY user_id HAVING count(*) > 1) twice""", since=since)
    assert repeated == 0
    assert Visitor(cluster.url).get("/").status == 200
