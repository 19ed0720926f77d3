"""站内信 and notification e-mail: delivery, per-category opt-out, reading, settings, safety."""
import logging

import pytest
from factories import make_org, make_user
from pages import first, flash_messages, only, select, text_of, texts

from marketplace.extensions import db
from marketplace.models import Notification, NotificationPreference
from marketplace.notifications import inbox as notifications
from marketplace.services.errors import PermissionDenied

PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def people(ctx):
    org = make_org("消息测试企业")
    alice = make_user("alice@example.com", org, name="爱丽丝")
    bob = make_user("bob@example.com", org, name="鲍勃")
    db.session.commit()
    return alice, bob


def ticked(page) -> set[str]:
    """The boxes ticked on the settings page."""
    boxes = select(page, 'form input[type="checkbox"]')
    return {box.attributes["name"] for box in boxes if "checked" in box.attributes}


def rows(user, category=None):
    query = db.select(Notification).filter_by(user_id=user.id)
    if category:
        query = query.filter_by(category=category)
    return db.session.scalars(query.order_by(Notification.id)).all()


def test_notify_fills_inboxes_and_mails_each_user_once(outbox, people):
    """Each user gets one row and one mail; None and repeats are skipped."""
    alice, bob = people
    created = notifications.notify([alice, None, bob, alice], "proposal", "收到新的揭榜方案：液冷散热",
                                   "清华大学提交了方案。", "/challenges/1")
    db.session.commit()
    assert len(created) == 2
    row = rows(alice)[0]
    assert (row.category, row.title, row.body, row.url, row.read_at) == (
        "proposal", "收到新的揭榜方案：液冷散热", "清华大学提交了方案。", "/challenges/1", None)
    assert len(rows(bob)) == 1
    assert sorted(m.to for m in outbox) == ["alice@example.com", "bob@example.com"]
    assert {m.subject for m in outbox} == {"收到新的揭榜方案：液冷散热"}
    assert "清华大学提交了方案。" in outbox[0].body and "/challenges/1" in outbox[0].body


def test_mail_is_sent_only_when_the_change_commits(outbox, people):
    """A rolled-back change sends no e-mail (and leaves no inbox row)."""
    alice, _ = people
    notifications.notify([alice], "selection", "方案拟立项")
    assert outbox == []  # not before the commit
    db.session.rollback()
    db.session.commit()
    assert outbox == [] and rows(alice) == []


def test_inbox_off_means_no_row_but_mail(outbox, people):
    alice, _ = people
    notifications.set_preferences(alice, {"review": (False, True)})
    assert notifications.notify([alice], "review", "评审任务") == []
    db.session.commit()
    assert rows(alice) == []
    assert [m.to for m in outbox] == ["alice@example.com"]


def test_email_off_means_row_but_no_mail(outbox, people):
    """Opting out of one category's e-mail leaves the other categories' e-mail on."""
    alice, _ = people
    notifications.set_preferences(alice, {"milestone": (True, False)})
    notifications.notify([alice], "milestone", "里程碑将于 7 天后到期")
    db.session.commit()
    assert len(rows(alice, "milestone")) == 1 and outbox == []
    notifications.notify([alice], "challenge", "榜单已发布")
    db.session.commit()
    assert [m.subject for m in outbox] == ["榜单已发布"]


def test_disabled_account_gets_no_mail(outbox, people):
    alice, _ = people
    alice.is_enabled = False
    notifications.notify([alice], "account", "账号已停用")
    db.session.commit()
    assert len(rows(alice)) == 1 and outbox == []


def test_preferences_default_on_and_saved(people):
    alice, _ = people
    assert list(notifications.preferences(alice)) == list(notifications.CATEGORIES)
    assert all(p == (True, True) for p in notifications.preferences(alice).values())
    notifications.set_preferences(alice, {"digest": (False, False)})
    notifications.set_preferences(alice, {"digest": (True, False), "account": (False, True)})
    db.session.commit()
    saved = notifications.preferences(alice)
    assert saved["digest"] == (True, False) and saved["account"] == (False, True) and saved["review"] == (True, True)
    assert db.session.scalar(db.select(db.func.count()).select_from(NotificationPreference)) == 2


@pytest.mark.parametrize("call", [
    lambda user: notifications.notify([user], "nonsense", "标题"),
    lambda user: notifications.set_preferences(user, {"nonsense": (True, True)}),
    lambda user: notifications.notify([user], "proposal", "标题", url="https://evil.example/"),
    lambda user: notifications.notify([user], "proposal", "标题", url="//evil.example/x"),
])
def test_unknown_category_or_foreign_url_is_an_error(people, call):
    with pytest.raises(ValueError):
        call(people[0])


def test_long_title_is_shortened_to_fit(people):
    alice, _ = people
    notifications.notify([alice], "challenge", "榜" * 300)
    db.session.commit()
    assert len(rows(alice)[0].title) == notifications.TITLE_LENGTH


def test_inbox_is_newest_first_and_counts_unread(people):
    alice, bob = people
    for n in range(3):
        notifications.notify([alice], "question", f"问题 {n}")
    notifications.notify([bob], "question", "别人的问题")
    db.session.commit()
    page = notifications.messages(alice, 1, 2)
    assert [n.title for n in page.items] == ["问题 2", "问题 1"] and page.total == 3
    assert notifications.unread_count(alice) == 3
    notifications.mark_read(alice, page.items[0])
    assert notifications.unread_count(alice) == 2
    assert notifications.mark_all_read(alice) == 2
    db.session.commit()
    assert notifications.unread_count(alice) == 0 and notifications.unread_count(bob) == 1


def test_only_the_owner_marks_a_message_read(client, auth, people):
    """Another user's POST answers 404 and leaves the message unread; the service refuses too."""
    alice, bob = people
    [note] = notifications.notify([alice], "proposal", "方案入围", url="/challenges/")
    db.session.commit()
    with pytest.raises(PermissionDenied):
        notifications.mark_read(bob, note)
    auth.login("bob@example.com")
    assert client.post(f"/inbox/{note.id}/read").status_code == 404
    assert db.session.get(Notification, note.id).read_at is None
    auth.logout()
    auth.login("alice@example.com")
    response = client.post(f"/inbox/{note.id}/read")
    assert response.status_code == 303 and response.headers["Location"] == "/challenges/"
    assert db.session.get(Notification, note.id).read_at is not None


@pytest.mark.parametrize("url, target", [
    ("/challenges/?page=2", "/challenges/?page=2"),
    ("", "/inbox/"),
    ("https://evil.example/", "/inbox/"),
    ("//evil.example/", "/inbox/"),
    ("/\\evil.example/", "/inbox/"),
    ("javascript:alert(1)", "/inbox/"),
])
def test_read_redirects_only_to_local_paths(client, auth, people, url, target):
    """A stored url that is not a local path (written around notify()) sends the user to the inbox."""
    alice, _ = people
    note = Notification(user_id=alice.id, category="account", title="测试", url=url)
    db.session.add(note)
    db.session.commit()
    auth.login("alice@example.com")
    response = client.post(f"/inbox/{note.id}/read")
    assert response.status_code == 303 and response.headers["Location"] == target


def test_read_all_marks_only_own_messages(client, auth, people):
    alice, bob = people
    notifications.notify([alice, bob], "digest", "本周推荐")
    notifications.notify([alice], "digest", "上周推荐")
    db.session.commit()
    auth.login("alice@example.com")
    response = client.post("/inbox/read-all", follow_redirects=True)
    assert "已将 2 条消息标为已读。" in response.get_data(as_text=True)
    assert notifications.unread_count(alice) == 0 and notifications.unread_count(bob) == 1


def test_inbox_page_lists_messages_with_unread_in_bold(client, auth, people):
    alice, _ = people
    notifications.notify([alice], "review", "评审任务：液冷散热", "请在 10 日内完成评分。")
    notifications.notify([alice], "review", "已读的消息")
    db.session.commit()
    notifications.mark_read(alice, rows(alice)[1])
    db.session.commit()
    auth.login("alice@example.com")
    html = client.get("/inbox/").get_data(as_text=True)
    assert "请在 10 日内完成评分。" in html and "评审任务" in html
    assert text_of(only(html, ".fw-bold")) == "未读：评审任务：液冷散热"  # bold, and said to screen readers


def test_navbar_shows_unread_badge(client, auth, people):
    alice, _ = people
    auth.login("alice@example.com")
    assert "条未读" not in client.get("/dashboard").get_data(as_text=True)
    notifications.notify([alice], "account", "机构已通过认证")
    notifications.notify([alice], "account", "您已被设为机构管理员")
    db.session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert text_of(only(html, 'a.nav-link[href="/inbox/"]')) == "消息 2 条未读"
    assert text_of(html, 'a.nav-link[href="/inbox/"] .badge') == "2 条未读"
    client.post("/inbox/read-all")
    assert "条未读" not in client.get("/dashboard").get_data(as_text=True)


def test_inbox_needs_login(client):
    response = client.get("/inbox/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.post("/inbox/read-all").status_code == 302


def test_settings_page_saves_choices(client, auth, people):
    """Unticked boxes turn the channel off; the page says so in Chinese and shows the choice."""
    alice, _ = people
    auth.login("alice@example.com")
    html = client.get("/inbox/settings").get_data(as_text=True)
    assert texts(html, "thead th") == ["消息类别", "站内信", "邮件"] and "推荐周报" in texts(html, "tbody th")
    assert text_of(html, 'label[for="email_digest"]') == "推荐周报：邮件" and first(html, "input#email_digest")
    every = {f"{channel}_{code}" for code in notifications.CATEGORIES for channel in ("inbox", "email")}
    assert ticked(html) == every
    data = {f"{channel}_{code}": "y" for code in notifications.CATEGORIES for channel in ("inbox", "email")}
    del data["email_digest"], data["inbox_consortium"]
    response = client.post("/inbox/settings", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "消息设置已保存。" in flash_messages(html)
    assert ticked(html) == every - {"email_digest", "inbox_consortium"}
    saved = notifications.preferences(alice)
    assert saved["digest"] == (True, False) and saved["consortium"] == (False, True) and saved["review"] == (True, True)


def test_settings_post_needs_csrf(client, auth, people):
    auth.login("alice@example.com")
    assert client.post("/inbox/settings", data={}, csrf=False).status_code == 400


def test_title_and_body_are_escaped(client, auth, people):
    alice, _ = people
    notifications.notify([alice], "question", PAYLOAD, PAYLOAD)
    db.session.commit()
    auth.login("alice@example.com")
    html = client.get("/inbox/").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_log_backend_writes_recipient_subject_and_body(app, people, caplog):
    alice, _ = people
    assert app.config["MAIL_BACKEND"] == "log"
    with caplog.at_level(logging.INFO, logger="marketplace.mail"):
        notifications.notify([alice], "account", "机构认证通过", "欢迎使用平台。")
        db.session.commit()
    text = caplog.text
    assert "alice@example.com" in text and "机构认证通过" in text and "欢迎使用平台。" in text


def test_mail_failure_is_logged_not_raised(app, people, caplog):
    """An unreachable SMTP server leaves the inbox row committed and logs the error."""
    alice, _ = people
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)
    with caplog.at_level(logging.ERROR, logger="marketplace.mail"):
        notifications.notify([alice], "selection", "项目已立项")
        db.session.commit()
    assert len(rows(alice)) == 1
    assert "Could not send mail to alice@example.com" in caplog.text


def test_deleting_a_user_deletes_their_messages(people):
    alice, _ = people
    notifications.notify([alice], "account", "欢迎")
    notifications.set_preferences(alice, {"digest": (False, False)})
    db.session.commit()
    user_id = alice.id
    db.session.execute(db.delete(type(alice)).where(type(alice).id == user_id))
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification).filter_by(user_id=user_id)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(NotificationPreference)) == 0


def test_smtp_backend_uses_the_configured_server(app, people, monkeypatch):
    """MAIL_SERVER/PORT/USE_TLS/USERNAME/PASSWORD/SENDER reach smtplib (environment strings too)."""
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user, password))

        def send_message(self, message):
            sent.append(("send", message["From"], message["To"], message["Subject"], message.get_content()))

    monkeypatch.setattr("marketplace.notifications.mail.smtplib.SMTP", FakeSMTP)
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="smtp.example.gov.cn", MAIL_PORT="587", MAIL_USE_TLS="1",
                      MAIL_USERNAME="platform", MAIL_PASSWORD="secret", MAIL_SENDER="jiebang@example.gov.cn")
    notifications.notify([people[0]], "selection", "项目已立项", "恭喜。")
    db.session.commit()
    assert sent[:3] == [("connect", "smtp.example.gov.cn", 587), ("starttls",), ("login", "platform", "secret")]
    assert sent[3][:4] == ("send", "jiebang@example.gov.cn", "alice@example.com", "项目已立项")
    assert "恭喜。" in sent[3][4]
