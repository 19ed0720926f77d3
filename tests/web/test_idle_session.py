"""The idle timeout: a session ends after SESSION_IDLE_TIMEOUT without a request, says why on the
login page, comes back to where it was; the keep-alive renews it, asking how long is left does not."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from factories import PASSWORD
from pages import only

from marketplace import clock, create_app
from marketplace.auth.idle import IDLE_MESSAGE

HOUR = 3600


@pytest.fixture
def start():
    """The moment the test logs in; the clock then moves only when the test moves it."""
    with time_machine.travel(clock.utcnow(), tick=False) as traveller:
        yield traveller


def later(traveller, seconds: float) -> None:
    traveller.shift(timedelta(seconds=seconds))


def test_the_default_is_two_hours_with_a_five_minute_warning(tmp_path, monkeypatch):
    monkeypatch.delenv("SESSION_IDLE_TIMEOUT", raising=False)
    monkeypatch.delenv("SESSION_IDLE_WARNING", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["SESSION_IDLE_TIMEOUT"] == 2 * HOUR and app.config["SESSION_IDLE_WARNING"] == 300


def test_the_timeout_can_be_set_from_the_environment_and_the_instance_config(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_TIMEOUT", "90m")
    (tmp_path / "config.py").write_text("SESSION_IDLE_WARNING = 120\n")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["SESSION_IDLE_TIMEOUT"] == 90 * 60 and app.config["SESSION_IDLE_WARNING"] == 120


def test_an_idle_session_ends_with_a_plain_message_and_login_returns_to_the_page(app, client, auth, user, start):
    auth.login("user@example.com")
    assert client.get("/dashboard").status_code == 200
    later(start, 2 * HOUR + 1)
    response = client.get("/inbox/?page=1")
    assert response.status_code == 302 and response.location.startswith("/auth/login?next=")
    login_page = client.get(response.location).get_data(as_text=True)
    assert IDLE_MESSAGE in login_page
    assert not client.logged_in()
    back = client.post(response.location, data={"email": "user@example.com", "password": PASSWORD})
    assert back.status_code == 302 and back.location == "/inbox/?page=1"


def test_opening_the_login_page_after_the_timeout_shows_it_with_the_message(client, auth, user, start):
    """The login page is where an idle session is sent: opened directly, it is shown (not redirected to itself)."""
    auth.login("user@example.com")
    later(start, 2 * HOUR + 1)
    response = client.get("/auth/login")
    assert response.status_code == 200 and IDLE_MESSAGE in response.get_data(as_text=True)
    assert not client.logged_in()
    auth.login("user@example.com")
    assert client.logged_in()


def test_each_request_renews_the_session(client, auth, user, start):
    auth.login("user@example.com")
    for _ in range(3):
        later(start, 2 * HOUR - 60)
        assert client.get("/dashboard").status_code == 200
    assert client.logged_in()


def test_a_remembered_login_does_not_come_back_after_the_timeout(client, auth, user, start):
    auth.login("user@example.com", remember="y")
    later(start, 2 * HOUR + 1)
    assert client.get("/dashboard").status_code == 302
    assert not client.logged_in()  # the remember-me cookie's session was revoked with it


def test_asking_how_long_is_left_is_not_activity(client, auth, user, start):
    auth.login("user@example.com")
    client.get("/dashboard")
    later(start, HOUR)
    status = client.get("/auth/session", headers={"Accept": "application/json"})
    assert status.status_code == 200 and status.json["remaining"] == HOUR
    assert status.json["timeout"] == 2 * HOUR and status.json["warning"] == 300
    later(start, HOUR + 1)
    expired = client.get("/auth/session", headers={"Accept": "application/json"})
    assert expired.status_code == 401 and expired.json["detail"] == IDLE_MESSAGE
    assert IDLE_MESSAGE in client.get("/auth/login").get_data(as_text=True)  # the page the warning goes to


def test_keep_alive_renews_the_session(client, auth, user, start):
    auth.login("user@example.com")
    token = only(client.get("/dashboard"), 'meta[name="csrf-token"]').attributes["content"]
    later(start, 2 * HOUR - 30)
    renewed = client.post("/auth/session/keep-alive", headers={"Accept": "application/json", "X-CSRFToken": token},
                          csrf=False)
    assert renewed.status_code == 200 and renewed.json["remaining"] == 2 * HOUR
    later(start, 2 * HOUR - 30)
    status = client.get("/auth/session", headers={"Accept": "application/json"})
    assert status.status_code == 200 and status.json["remaining"] == 30


def test_keep_alive_needs_the_form_token(client, auth, user):
    auth.login("user@example.com")
    refused = client.post("/auth/session/keep-alive", headers={"Accept": "application/json"}, csrf=False)
    assert refused.status_code == 400 and refused.content_type == "application/problem+json"
    assert "CSRF" not in refused.json["detail"]


def test_a_form_posted_after_the_timeout_keeps_its_text_and_logs_out(client, auth, user, start):
    auth.login("user@example.com")
    token = client.csrf_token()
    later(start, 2 * HOUR + 5)
    response = client.post("/inbox/settings", data={"csrf_token": token, "note": "保留这段话"},
                           headers={"Referer": "http://localhost/inbox/settings"}, csrf=False)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and IDLE_MESSAGE in html and "保留这段话" in html
    assert only(html, 'a.btn-primary').attributes["href"] == "/auth/login?next=/inbox/settings"
    assert not client.logged_in()


def test_the_warning_script_is_only_on_logged_in_pages(app, client, auth, user):
    script = 'script[src$="js/session-idle.js"]'
    assert not only(client.get("/"), "body").css(script)
    auth.login("user@example.com")
    tag = only(client.get("/dashboard"), script)
    assert tag.attributes["data-idle-timeout"] == "7200" and tag.attributes["data-idle-warning"] == "300"
    assert tag.attributes["data-keep-alive-url"] == "/auth/session/keep-alive"
    app.config["SESSION_IDLE_TIMEOUT"] = 0  # no timeout: nothing to warn about, and nobody is logged out
    assert not only(client.get("/dashboard"), "body").css(script)
