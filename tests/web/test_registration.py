"""Registering an organisation and its first user: details, a mailed link, then the password.

The form answers the same whatever the address or organisation; only the mail differs.
"""

import pytest
from factories import credit_code, make_org, make_user, median_seconds
from pages import link_path, only

from marketplace.extensions import db
from marketplace.models import Organisation, OrgRole, OrgStatus, User

PASSWORD = "secret-pass-1"
SENT = "请查收邮件"


def form(**overrides):
    data = {
        "name": "武汉新芯材料科技有限公司", "org_type": "enterprise", "credit_code": credit_code(900001),
        "region": "武汉市", "contact_name": "王磊", "contact_phone": "027-87654321",
        "user_name": "王磊", "email": "wanglei@example.com", "accept_terms": "y",
    }
    data.update(overrides)
    return data


def counts():
    return db.session.scalar(db.select(db.func.count()).select_from(Organisation)), \
        db.session.scalar(db.select(db.func.count()).select_from(User))


def confirm_path(mail) -> str:
    return link_path(mail, "/auth/register/confirm/")


def register(client, **overrides):
    return client.post("/auth/register", data=form(**overrides), follow_redirects=True)


def test_registration_mails_a_link_that_sets_the_password_and_creates_the_pending_org(client, ctx, outbox):
    before = counts()
    response = register(client)
    assert response.status_code == 200 and SENT in response.get_data(as_text=True)
    assert counts() == before  # nothing is created before the address is confirmed
    [mail] = outbox
    assert mail.to == "wanglei@example.com" and mail.subject == "完成机构注册"
    path = confirm_path(mail)
    page = client.get(path)
    assert page.status_code == 200 and "武汉新芯材料科技有限公司" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = client.post(path, data={"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/orgs/mine"
    org = db.session.scalar(db.select(Organisation).filter_by(name="武汉新芯材料科技有限公司"))
    assert org.status is OrgStatus.pending
    user = org.members[0]
    assert user.email == "wanglei@example.com" and user.org_role is OrgRole.admin
    assert "待审核" in client.get("/orgs/mine").get_data(as_text=True)
    # The link works once: afterwards it says the account exists (only the mailbox owner has it).
    again = client.get(path)
    assert again.status_code == 400 and "已使用" in again.get_data(as_text=True)


def test_a_registered_email_gets_the_same_answer_and_its_owner_a_warning(client, ctx, outbox):
    """The page never says 该邮箱已注册: the owner of the address is told by mail instead."""
    fresh = register(client, email="nobody@example.com").get_data(as_text=True)
    make_user("wanglei@example.com", name="王磊")
    db.session.commit()
    outbox.clear()
    before = counts()
    response = register(client, name="另一家公司", credit_code=credit_code(900002))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and SENT in html and "已注册" not in html
    assert _main(html).replace("wanglei@example.com", "X") == _main(fresh).replace("nobody@example.com", "X")
    [mail] = outbox
    assert mail.to == "wanglei@example.com" and mail.subject == "有人尝试用您的邮箱注册"
    assert "http://localhost/auth/forgot" in mail.body and "/auth/register/confirm/" not in mail.body
    assert counts() == before


def test_a_pending_organisation_is_not_revealed_by_the_form(client, ctx, outbox):
    """An organisation awaiting verification is not public: the form answers as for any other."""
    existing = make_org("武汉新芯材料科技有限公司", status=OrgStatus.pending)
    db.session.commit()
    before = counts()
    for data in ({"email": "a@example.com"}, {"email": "b@example.com", "name": "另一家公司",
                                               "credit_code": existing.credit_code}):
        response = register(client, **data)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and SENT in html and "已注册" not in html
    first, second = outbox
    assert "该机构名称已在平台注册" in first.body and "/auth/register/confirm/" not in first.body
    assert "该统一社会信用代码已在平台注册" in second.body
    assert counts() == before


def test_registration_takes_as_long_for_a_registered_email(app, client, ctx, outbox):
    """No step of the form's answer depends on the address: no password is hashed for a new one."""
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"  # production's cost, where a difference would show
    make_user("wanglei@example.com")
    db.session.commit()

    # Medians of 7, and wide bounds: a loaded 2-core CI machine is noisy, while the leak this guards
    # against (a password hashed for a new address only) was a factor of about 20.
    def register_as(email, n):
        register(client, email=email, credit_code=credit_code(910000 + n))

    known = median_seconds(lambda n: register_as("wanglei@example.com", n))
    unknown = median_seconds(lambda n: register_as(f"new{n}@example.com", 10 + n))
    assert 0.25 < unknown / known < 4, (known, unknown)


@pytest.mark.parametrize("password, message", [
    ("12345678", "过于常见"),
    ("password", "过于常见"),
    ("wanglei@example.com", "不能使用您的邮箱"),
    ("wanglei2024!", "不能使用您的邮箱"),
    ("武汉新芯材料科技有限公司", "不能使用您的邮箱"),
])
def test_weak_or_personal_passwords_are_refused_at_registration(client, ctx, outbox, password, message):
    register(client)
    path = confirm_path(outbox[0])
    before = counts()
    response = client.post(path, data={"password": password, "confirm": password})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert "武汉新芯材料科技有限公司" in html and "is-invalid" in html  # the page and its details stay
    assert counts() == before


def test_an_altered_or_expired_link_is_refused(app, client, ctx, outbox):
    register(client)
    path = confirm_path(outbox[0])
    response = client.get(path[:-3] + "abc")
    assert response.status_code == 400 and "注册链接无效" in response.get_data(as_text=True)
    app.config["REGISTRATION_MAX_AGE"] = -1
    response = client.get(path)
    assert response.status_code == 400 and "注册链接已过期" in response.get_data(as_text=True)


def test_an_organisation_registered_meanwhile_is_refused_at_the_link(client, ctx, outbox):
    register(client)
    path = confirm_path(outbox[0])
    make_org("武汉新芯材料科技有限公司")
    db.session.commit()
    before = counts()
    response = client.post(path, data={"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 400 and "该机构名称已注册" in response.get_data(as_text=True)
    assert counts() == before


def test_registration_mails_to_one_address_are_rate_limited(app, client, outbox):
    limit = int(app.config["REGISTER_EMAIL_RATE_LIMIT"].split()[0])
    for n in range(limit):  # from different clients: the limit is the address's, not the client's
        response = client.post("/auth/register", data=form(credit_code=credit_code(920000 + n)),
                               environ_base={"REMOTE_ADDR": f"10.7.0.{n}"})
        assert response.status_code == 302
    response = client.post("/auth/register", data=form(), environ_base={"REMOTE_ADDR": "10.7.7.7"})
    assert response.status_code == 429
    assert len(outbox) == limit


@pytest.mark.parametrize("code, message", [
    ("91350100M000100Y44", "校验位不正确"),     # passes a naive regex, wrong check character
    ("1234", "应为 18 位"),
    ("91350100M000100O43", "不允许的字符"),
])
def test_invalid_credit_code_is_refused_with_input_kept(client, ctx, outbox, code, message):
    before = counts()
    response = client.post("/auth/register", data=form(credit_code=code))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'value="武汉新芯材料科技有限公司"' in html  # the input is kept
    assert "is-invalid" in html
    assert counts() == before and outbox == []  # nothing half-written, nothing sent


def test_missing_fields_get_chinese_messages(client, ctx):
    response = client.post("/auth/register", data=form(name="", email="not-an-address"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写机构全称" in html and "请输入有效的邮箱地址" in html


def test_confirm_page_keeps_password_rules(client, ctx, outbox):
    register(client)
    path = confirm_path(outbox[0])
    response = client.post(path, data={"password": "short", "confirm": "other"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "密码长度应为" in html and "两次输入的密码不一致" in html


def test_government_type_cannot_be_chosen_at_registration(client, ctx):
    response = client.post("/auth/register", data=form(org_type="government"))
    assert response.status_code == 400


def _main(html: str) -> str:
    """The page's main content, without the CSRF token and other per-request parts."""
    return only(html, "main").html
