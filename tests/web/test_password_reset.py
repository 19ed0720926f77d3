"""忘记密码: a neutral answer, a rate limit, and signed, expiring, single-use reset links."""
import time

import pytest
import time_machine
from factories import PASSWORD, make_user
from pages import link_path

from marketplace.extensions import db
from marketplace.models import AuditEvent, User
from marketplace.services import password_reset

NEUTRAL = "如果该邮箱已注册且账号可用，我们已向其发送重置密码的邮件"
NEW_PASSWORD = "brand-new-pass-7"


def ask(client, email, **kwargs):
    return client.post("/auth/forgot", data={"email": email}, follow_redirects=True, **kwargs)


def reset_path(mail) -> str:
    return link_path(mail, "/auth/reset/")


def test_login_page_links_to_forgot_password(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/auth/forgot"' in html and "忘记密码" in html
    assert client.get("/auth/forgot").status_code == 200


def test_known_address_gets_a_link_and_the_neutral_message(client, outbox, user):
    response = ask(client, "User@Example.com")
    assert response.status_code == 200 and NEUTRAL in response.get_data(as_text=True)
    assert [m.to for m in outbox] == ["user@example.com"]
    assert outbox[0].subject == "重置登录密码" and "60 分钟" in outbox[0].body
    assert reset_path(outbox[0]).startswith("/auth/reset/")


def test_unknown_and_disabled_addresses_get_the_same_answer_and_no_mail(client, outbox, user):
    """The page must not reveal whether an address has an (enabled) account."""
    assert NEUTRAL in ask(client, "user@example.com").get_data(as_text=True)
    outbox.clear()
    user.is_enabled = False
    db.session.commit()
    for email in ("nobody@example.com", "user@example.com"):
        response = ask(client, email)
        assert response.status_code == 200
        assert NEUTRAL in response.get_data(as_text=True)
    assert outbox == []


def test_invalid_email_is_refused_on_the_form(client, outbox, user):
    response = client.post("/auth/forgot", data={"email": "not-an-address"})
    assert response.status_code == 400 and "请输入有效的邮箱地址" in response.get_data(as_text=True)
    assert outbox == []


def test_reset_sets_the_password_and_ends_every_session(app, client, outbox, user):
    other_device = app.test_client()
    other_device.post("/auth/login", data={"email": "user@example.com", "password": PASSWORD})
    assert other_device.logged_in()
    ask(client, "user@example.com")
    path = reset_path(outbox[0])
    page = client.get(path)
    assert page.status_code == 200 and "设置新密码" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert "密码已重置" in client.get("/auth/login").get_data(as_text=True)
    assert not other_device.logged_in()
    assert client.post("/auth/login", data={"email": "user@example.com", "password": PASSWORD}).status_code == 400
    assert client.post("/auth/login", data={"email": "user@example.com", "password": NEW_PASSWORD}).status_code == 302
    actions = db.session.scalars(db.select(AuditEvent.action).filter_by(subject_type="user", subject_id=user.id)).all()
    assert actions == ["password_reset_requested", "password_reset"]


@pytest.mark.parametrize("data, message", [
    ({"password": "short", "confirm": "short"}, "密码长度应为 8—128 位"),
    ({"password": NEW_PASSWORD, "confirm": "something-else"}, "两次输入的密码不一致"),
    ({"password": "password", "confirm": "password"}, "该密码过于常见"),
    ({"password": "12345678", "confirm": "12345678"}, "该密码过于常见"),
    ({"password": "user@example.com", "confirm": "user@example.com"}, "不能使用您的邮箱"),
])
def test_new_password_follows_the_password_rules(client, outbox, user, data, message):
    ask(client, "user@example.com")
    response = client.post(reset_path(outbox[0]), data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_a_link_works_once(client, outbox, user):
    ask(client, "user@example.com")
    path = reset_path(outbox[0])
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    for response in (client.get(path), client.post(path, data={"password": "again-pass-8", "confirm": "again-pass-8"})):
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and "重置链接无效或已使用" in html
        assert 'href="/auth/forgot"' in html
    assert db.session.get(User, user.id).check_password(NEW_PASSWORD)


def test_changing_the_password_otherwise_also_spends_the_link(client, auth, outbox, user):
    ask(client, "user@example.com")
    path = reset_path(outbox[0])
    auth.login("user@example.com")
    client.post("/auth/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert client.get(path).status_code == 400


def test_tampered_links_are_refused(client, outbox, user):
    ask(client, "user@example.com")
    token = reset_path(outbox[0]).rsplit("/", 1)[1]
    other = make_user("other@example.com")
    db.session.commit()
    forged = password_reset.make_token(other).split(".")[0] + "." + token.split(".", 1)[1]  # other id, user's signature
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "nonsense", "x.y.z"):
        response = client.get(f"/auth/reset/{bad}")
        assert response.status_code == 400, bad
        assert "重置链接无效" in response.get_data(as_text=True)


def test_expired_links_are_refused(app, client, outbox, user):
    ask(client, "user@example.com")
    path, sent = reset_path(outbox[0]), time.time()
    max_age = app.config["PASSWORD_RESET_MAX_AGE"]
    with time_machine.travel(sent + max_age - 60, tick=False):  # a minute before it expires: still good
        assert client.get(path).status_code == 200
    with time_machine.travel(sent + max_age + 2, tick=False):  # the clock moves on, the test does not wait
        response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "重置链接已过期" in html and 'href="/auth/forgot"' in html


def test_a_link_of_a_since_disabled_account_is_refused(client, outbox, user):
    ask(client, "user@example.com")
    user.is_enabled = False
    db.session.commit()
    response = client.post(reset_path(outbox[0]), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400 and "该账号已停用" in response.get_data(as_text=True)
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_requests_are_rate_limited_per_address_asked_about(app, client, outbox, user):
    """Many clients cannot flood one mailbox: the limit follows the e-mail address too."""
    limit = int(app.config["PASSWORD_RESET_EMAIL_RATE_LIMIT"].split()[0])
    for i in range(limit):
        assert ask(client, "user@example.com", environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code == 200
    response = ask(client, "user@example.com", environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert response.status_code == 429 and "操作过于频繁" in response.get_data(as_text=True)
    assert len(outbox) == limit
    assert ask(client, "nobody@example.com", environ_base={"REMOTE_ADDR": "10.0.1.2"}).status_code == 200


def test_requests_are_rate_limited_per_client(app, client, outbox, user):
    limit = int(app.config["PASSWORD_RESET_RATE_LIMIT"].split()[0])
    for i in range(limit):
        assert ask(client, f"someone{i}@example.com").status_code == 200
    assert ask(client, "user@example.com").status_code == 429
    assert outbox == []


def test_forgot_password_needs_the_csrf_token(client, outbox, user):
    assert client.post("/auth/forgot", data={"email": "user@example.com"}, csrf=False).status_code == 400
    assert outbox == []
