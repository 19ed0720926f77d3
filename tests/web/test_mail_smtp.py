"""Mail over real SMTP: an aiosmtpd server in a thread on a free loopback port, and the app's "smtp"
backend (notifications/mail.py) set up to deliver to it as a deployment would be."""
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from factories import make_org, make_user
from pages import link_path

from marketplace.extensions import db
from marketplace.notifications import inbox as notifications


class Mailbox:
    """The SMTP server's handler: keeps each accepted message with its envelope; checks logins."""

    def __init__(self, username: str, password: str):
        self.messages = []  # (MAIL FROM, RCPT TOs, raw bytes, parsed message)
        self.logins = []
        self._account = (username.encode(), password.encode())

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), raw,
                              message_from_bytes(raw, policy=policy.default)))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append(auth_data.login.decode())
        return AuthResult(success=(auth_data.login, auth_data.password) == self._account)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app):
    """A real SMTP server the app delivers to, with the settings a deployment sets (without TLS:
    loopback only). Yields its mailbox; stopped after the test."""
    mailbox = Mailbox("platform", "smtp-secret")
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port(), authenticator=mailbox.authenticate,
                            auth_require_tls=False)
    controller.start()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=str(controller.port),
                      MAIL_USE_TLS="0", MAIL_USERNAME="platform", MAIL_PASSWORD="smtp-secret",
                      MAIL_SENDER="jiebang@example.gov.cn", MAIL_TIMEOUT=10)
    yield mailbox
    controller.stop()


def test_a_password_reset_mail_arrives_with_its_link(client, ctx, smtp):
    make_user("zhang@example.com", name="张工")
    db.session.commit()
    response = client.post("/auth/forgot", data={"email": "zhang@example.com"})
    assert response.status_code == 302
    [(sender, recipients, raw, message)] = smtp.messages
    assert smtp.logins == ["platform"]  # the configured account logged in
    assert (sender, recipients) == ("jiebang@example.gov.cn", ["zhang@example.com"])
    assert (message["From"], message["To"]) == ("jiebang@example.gov.cn", "zhang@example.com")
    assert message["Subject"] == "重置登录密码"
    assert b"Subject: =?utf-8?" in raw  # the Chinese subject travels encoded (RFC 2047), as mail servers need
    body = message.get_content()
    assert body.startswith("张工，您好") and "60 分钟内" in body
    page = client.get(link_path(body, "/auth/reset/"))  # the link in the mail opens the form to set a new password
    assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)


def test_a_notification_mail_arrives_for_each_recipient(ctx, smtp):
    org = make_org("邮件测试企业")
    alice = make_user("alice@example.com", org, name="爱丽丝")
    bob = make_user("bob@example.com", org, name="鲍勃")
    db.session.commit()
    notifications.notify([alice, bob], "proposal", "收到新的揭榜方案：液冷散热", "清华大学提交了方案。", "/challenges/7")
    assert smtp.messages == []  # nothing leaves before the commit
    db.session.commit()
    received = {message["To"]: message for _, _, _, message in smtp.messages}
    assert sorted(received) == ["alice@example.com", "bob@example.com"]
    assert [recipients for _, recipients, _, _ in smtp.messages] in (
        [["alice@example.com"], ["bob@example.com"]], [["bob@example.com"], ["alice@example.com"]])  # one each
    for message in received.values():
        assert message["Subject"] == "收到新的揭榜方案：液冷散热"
        body = message.get_content()
        assert "清华大学提交了方案。" in body and "查看详情：http://localhost/challenges/7" in body
