"""Links in mail start at BASE_URL, never at the request's Host; TRUSTED_HOSTS and ProxyFix by setting."""
import re

import pytest
from factories import make_user

from marketplace import create_app
from marketplace.extensions import db
from marketplace.notifications import notify


@pytest.fixture
def env_app(sibling_app, monkeypatch):
    """An app made the way gunicorn makes it, with settings from the environment."""
    def make(**environment):
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return sibling_app(MAIL_BACKEND="memory", WTF_CSRF_ENABLED=False)  # forged requests come from scripts

    return make


def links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def test_a_forged_host_gets_no_foreign_link_in_the_reset_mail(app, client, outbox, user):
    app.config["WTF_CSRF_ENABLED"] = False  # the attacker posts from a script, with no cookie for that host
    response = client.post("/auth/forgot", data={"email": "user@example.com"}, headers={"Host": "evil.example"},
                           csrf=False)
    assert response.status_code == 302
    [mail] = outbox
    assert "evil.example" not in mail.body
    assert links(mail.body) and all(link.startswith("http://localhost/auth/reset/") for link in links(mail.body))


def test_base_url_from_the_environment_is_used_for_every_mailed_link(env_app, user):
    app = env_app(BASE_URL="https://jiebang.example.gov.cn")
    client = app.test_client()
    client.post("/auth/forgot", data={"email": "user@example.com"}, headers={"Host": "evil.example"}, csrf=False)
    [mail] = app.extensions["mail_outbox"]
    assert links(mail.body)[0].startswith("https://jiebang.example.gov.cn/auth/reset/")


def test_mail_sent_outside_a_request_links_to_the_configured_base(app, outbox, ctx, user):
    """A cron job (run-jobs) has no request and so no host: its mail still carries whole links."""
    app.config["BASE_URL"] = "https://jiebang.example.gov.cn/platform"
    notify.users([user], "milestone", "里程碑即将到期", "请按时提交。", "/projects/7")
    db.session.commit()
    [mail] = outbox
    assert "查看详情：https://jiebang.example.gov.cn/platform/projects/7" in mail.body


def test_default_base_url_is_the_local_server(tmp_path, monkeypatch):
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"
    monkeypatch.setenv("PORT", "8000")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["BASE_URL"] == "http://127.0.0.1:8000"


def test_trusted_hosts_from_the_environment_refuse_other_hosts(env_app):
    app = env_app(TRUSTED_HOSTS="jiebang.example.gov.cn, localhost")
    client = app.test_client()
    assert client.get("/auth/login", headers={"Host": "jiebang.example.gov.cn"}).status_code == 200
    response = client.get("/auth/login", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "evil.example" not in response.get_data(as_text=True)


def test_behind_a_proxy_the_throttle_counts_the_forwarded_client(env_app, ctx):
    """With PROXY_FIX_X_FOR=1 every client behind the proxy has its own count, not the proxy's."""
    for n in range(12):
        make_user(f"p{n}@example.com")
    db.session.commit()
    app = env_app(PROXY_FIX_X_FOR="1")
    client = app.test_client()

    def attempt(n, client_address):
        return client.post("/auth/login", data={"email": f"p{n}@example.com", "password": "wrong-password"},
                           headers={"X-Forwarded-For": client_address}, csrf=False).status_code

    assert [attempt(n, "203.0.113.5") for n in range(11)] == [400] * 10 + [429]
    assert attempt(11, "198.51.100.7") == 400  # another client behind the same proxy


def test_a_deployment_without_base_url_is_warned_and_make_run_is_not(tmp_path, caplog):
    """Behind a proxy or with TRUSTED_HOSTS, mail would link to 127.0.0.1: say so at start."""
    base = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    with caplog.at_level("WARNING"):
        create_app(base)
    assert "BASE_URL is not set" not in caplog.text
    with caplog.at_level("WARNING"):
        create_app(base | {"PROXY_FIX_X_FOR": "1"})
    assert "BASE_URL is not set" in caplog.text
