"""Login, logout, sessions, password change, rate limits, CSRF and safe redirects."""

import pytest
from factories import PASSWORD, make_user, median_seconds
from pages import only

from marketplace.access import safe_next
from marketplace.extensions import db
from marketplace.models import User


def test_login_and_logout(client, auth, user):
    assert not client.logged_in()
    response = auth.login("user@example.com")
    assert response.status_code == 302
    assert client.logged_in()
    auth.logout()
    assert not client.logged_in()


def test_login_is_case_insensitive_on_email(client, auth, user):
    auth.login("User@Example.COM")
    assert client.logged_in()


@pytest.mark.parametrize("email, password", [("user@example.com", "wrong-password"), ("nobody@example.com", PASSWORD)])
def test_bad_credentials_give_one_message_and_keep_email(client, auth, user, email, password):
    response = auth.login(email, password)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "邮箱或密码不正确" in html
    assert f'value="{email}"' in html
    assert not client.logged_in()


def test_old_session_cookie_is_dead_after_logout(app, client, auth, user):
    """Logout revokes the session server-side: a copy of the cookie taken before is refused."""
    auth.login("user@example.com")
    stolen = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/dashboard").status_code == 302


def test_password_change_ends_other_sessions(app, client, auth, user):
    other_device = app.test_client()
    other_device.post("/auth/login", data={"email": "user@example.com", "password": PASSWORD})
    assert other_device.logged_in()
    auth.login("user@example.com")
    response = client.post("/auth/password", data={
        "current_password": PASSWORD, "password": "new-password-9", "confirm": "new-password-9"})
    assert response.status_code == 302
    assert client.logged_in()  # this session continues with a fresh token
    assert not other_device.logged_in()
    client.post("/auth/logout")
    assert auth.login("user@example.com", PASSWORD).status_code == 400
    assert auth.login("user@example.com", "new-password-9").status_code == 302


def test_password_change_with_wrong_current_password(client, auth, user):
    auth.login("user@example.com")
    response = client.post("/auth/password", data={
        "current_password": "nope-nope", "password": "new-password-9", "confirm": "new-password-9"})
    assert response.status_code == 400
    assert "当前密码不正确" in response.get_data(as_text=True)


def test_disabled_user_cannot_log_in(client, auth, user):
    user.is_enabled = False
    db.session.commit()
    response = auth.login("user@example.com")
    assert response.status_code == 403 and "该账号已停用" in response.get_data(as_text=True)
    assert "/dashboard" not in response.headers.get("Location", "")


def test_login_is_rate_limited(app, client, user):
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    # Right passwords: failed ones meet the account's own throttle first (services/login_throttle.py).
    for _ in range(limit):
        assert client.post("/auth/login", data={"email": "user@example.com", "password": PASSWORD}).status_code == 302
    response = client.post("/auth/login", data={"email": "user@example.com", "password": PASSWORD})
    assert response.status_code == 429 and 0 < int(response.headers["Retry-After"]) <= 60
    assert "操作过于频繁" in response.get_data(as_text=True)
    # the login form again, the e-mail kept (never the password): not an error page without the form
    assert only(response, "input[name=email]").attributes["value"] == "user@example.com"
    assert not only(response, "input[name=password]").attributes.get("value")


def test_registration_is_rate_limited(app, client):
    limit = int(app.config["REGISTER_RATE_LIMIT"].split()[0])
    for _ in range(limit):
        assert client.post("/auth/register", data={"name": ""}).status_code == 400
    assert client.post("/auth/register", data={"name": ""}).status_code == 429


def test_post_without_csrf_token_is_refused(client, user):
    response = client.post("/auth/login", data={"email": "user@example.com", "password": PASSWORD}, csrf=False)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "页面已过期" in page and "CSRF" not in page
    assert not client.logged_in()


def test_logout_without_csrf_token_is_refused(client, auth, user):
    auth.login("user@example.com")
    assert client.post("/auth/logout", csrf=False).status_code == 400
    assert client.logged_in()


def test_next_redirect_to_local_path(client, auth, user):
    response = client.post("/auth/login?next=/orgs/mine", data={"email": "user@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/orgs/mine"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
    "http:/evil.example", "\\\\evil.example", "/%0d%0aSet-Cookie:x", " //evil.example",
])
def test_next_redirect_never_leaves_the_site(client, auth, user, target):
    response = client.post("/auth/login", query_string={"next": target},
                           data={"email": "user@example.com", "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location


def test_safe_next_rules():
    assert safe_next("/chains/ai?x=1") == "/chains/ai?x=1"
    assert safe_next("//evil.example", "/") == "/"
    assert safe_next(None, "/home") == "/home"


def test_protected_page_redirects_guest_to_login_with_next(client):
    response = client.get("/orgs/mine")
    assert response.status_code == 302
    assert "/auth/login?next=" in response.headers["Location"]


def test_session_cookie_flags(app, client, auth, user):
    auth.login("user@example.com")
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert cookie.secure  # outside development the session cookie is Secure


def test_development_cookies_are_not_secure(tmp_path):
    from marketplace import create_app

    app = create_app({"APP_ENV": "development", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is False
    app = create_app({"COOKIE_SECURE": "0", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_login_takes_as_long_for_an_unknown_email(app, client, ctx):
    """An unknown address is refused after hashing too: the response time does not reveal accounts."""
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"  # production's cost, where a difference shows
    make_user("user@example.com")
    db.session.commit()

    def log_in(email, n):
        response = client.post("/auth/login", data={"email": email, "password": "wrong-password"},
                               environ_base={"REMOTE_ADDR": f"10.5.0.{n}"})
        assert response.status_code == 400

    # Medians of 7 and bounds wide enough for a loaded CI machine; the leak was a factor of about 17.
    known = median_seconds(lambda n: log_in("user@example.com", n))
    unknown = median_seconds(lambda n: log_in(f"nobody{n}@example.com", 10 + n))
    assert 0.33 < unknown / known < 3, (known, unknown)


@pytest.mark.parametrize("password, message", [
    ("12345678", "过于常见"),
    ("password", "过于常见"),
    ("user@example.com", "不能使用您的邮箱"),
    ("user@example", "不能使用您的邮箱"),
    ("测试用户测试用户", "不能使用您的邮箱"),
])
def test_password_change_refuses_weak_and_personal_passwords(client, auth, user, password, message):
    auth.login("user@example.com")
    response = client.post("/auth/password", data={
        "current_password": PASSWORD, "password": password, "confirm": password})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and "is-invalid" in html
    assert db.session.get(User, user.id).check_password(PASSWORD)
