"""What a node does when its Redis is away, and where the parts several nodes share live (UPLOAD_FOLDER,
mail through the job queue). The whole cluster under the same faults: tests/cluster/test_cluster.py."""
from __future__ import annotations

import io
import socket
import uuid

import pytest
from factories import PASSWORD, make_challenge, make_org, make_user

from marketplace.extensions import db, limiter
from marketplace.models import Attachment, ChallengeState, LoginAttempt


def closed_port_url(database: int = 0) -> str:
    """A Redis URL where nothing listens: connections are refused, as when redis-server was killed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/{database}"


@pytest.fixture
def redis_gone(sibling_app):
    """A worker whose REDIS_URL (rate limits, login throttle) and job queue point at a Redis that is down."""
    url = closed_port_url()
    yield sibling_app(REDIS_URL=url, RATELIMIT_STORAGE_URI=None, JOB_QUEUE_URL=url, MAIL_VIA_QUEUE=True,
                      MAIL_BACKEND="memory", LOGIN_RATE_LIMIT="100 per minute")
    limiter._storage_dead = False  # one Limiter serves every app of the process: the next test's storage is alive


def test_with_redis_down_failed_logins_are_counted_in_the_database_and_still_lock(app, redis_gone):
    """Regression: a Redis that went away made every login a 500 (the throttle's Redis call raised)."""
    with app.app_context():
        make_user("member@example.com")
        db.session.commit()
    client = redis_gone.test_client()
    statuses = [client.post("/auth/login", data={"email": "member@example.com", "password": "wrong"},
                            environ_base={"REMOTE_ADDR": "10.8.0.1"}).status_code for _ in range(12)]
    assert statuses == [400] * 10 + [429] * 2  # LOGIN_IP_LIMIT, 10 a minute, counted in the table
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(LoginAttempt)) >= 10
    right = client.post("/auth/login", data={"email": "member@example.com", "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.8.0.2"})
    assert right.status_code == 429  # the account's 10 failures hold too: no guessing while Redis is down
    assert client.get("/").status_code == 200 and client.get("/auth/login").status_code == 200


def test_with_the_queue_down_mail_is_sent_directly(app, redis_gone):
    """MAIL_VIA_QUEUE with the queue unreachable: the reset mail still leaves, from the request."""
    with app.app_context():
        make_user("member@example.com")
        db.session.commit()
    response = redis_gone.test_client().post("/auth/forgot", data={"email": "member@example.com"})
    assert response.status_code == 302
    assert [mail.to for mail in redis_gone.extensions["mail_outbox"]] == ["member@example.com"]


def test_mail_through_the_queue_is_sent_by_the_worker_not_the_request(app, sibling_app):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis does not answer on 127.0.0.1:6379: start redis-server to test the job queue")
    worker = sibling_app(JOB_QUEUE_URL=url, JOB_QUEUE_NAME=f"marketplace-test-{uuid.uuid4().hex}",
                         MAIL_VIA_QUEUE=True, MAIL_BACKEND="memory")
    with app.app_context():
        make_user("member@example.com")
        db.session.commit()
    outbox = worker.extensions.setdefault("mail_outbox", [])
    from marketplace import jobs

    with worker.app_context():
        queue = jobs.job_queue()
    try:
        assert worker.test_client().post("/auth/forgot", data={"email": "member@example.com"}).status_code == 302
        assert outbox == [] and queue.count == 1  # the request only queued it
        result = worker.test_cli_runner().invoke(args=["jobs-worker", "--burst"])
        assert result.exit_code == 0, result.output
        assert [mail.to for mail in outbox] == ["member@example.com"] and queue.count == 0
    finally:
        queue.delete(delete_jobs=True)
        queue.connection.close()


def test_uploads_are_stored_in_the_configured_upload_folder(app, client, auth, tmp_path):
    """UPLOAD_FOLDER (a folder every node mounts) holds the files, not the node's instance folder."""
    shared = tmp_path / "shared-uploads"
    app.config["UPLOAD_FOLDER"] = str(shared)
    with app.app_context():
        org = make_org("发榜企业")
        make_user("owner@example.com", org)
        challenge_id = make_challenge(org, ChallengeState.published).id
        db.session.commit()
    auth.login("owner@example.com")
    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    response = client.post(f"/challenges/{challenge_id}/attachments", content_type="multipart/form-data",
                           data={"attachment": (io.BytesIO(pdf), "说明.pdf")})
    assert response.status_code == 303
    with app.app_context():
        attachment_id, stored = db.session.execute(db.select(Attachment.id, Attachment.stored_name)).one()
    assert (shared / stored).read_bytes() == pdf
    assert not (tmp_path / "uploads" / stored).exists()
    download = client.get(f"/challenges/{challenge_id}/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == pdf
    download.close()
