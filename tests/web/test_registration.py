"""Registering an organisation and its first user."""
import pytest

from factories import credit_code, make_org
from marketplace.extensions import db
from marketplace.models import Organisation, OrgRole, OrgStatus, User


def form(**overrides):
    data = {
        "name": "武汉新芯材料科技有限公司", "org_type": "enterprise", "credit_code": credit_code(900001),
        "region": "武汉市", "contact_name": "王磊", "contact_phone": "027-87654321",
        "user_name": "王磊", "email": "wanglei@example.com", "password": "secret-pass-1", "confirm": "secret-pass-1",
    }
    data.update(overrides)
    return data


def counts():
    return db.session.scalar(db.select(db.func.count()).select_from(Organisation)), \
        db.session.scalar(db.select(db.func.count()).select_from(User))


def test_registration_creates_pending_org_and_admin_user(client, ctx):
    """A valid registration makes a pending organisation whose first user is its admin, logged in."""
    response = client.post("/auth/register", data=form())
    assert response.status_code == 302
    org = db.session.scalar(db.select(Organisation).filter_by(name="武汉新芯材料科技有限公司"))
    assert org.status is OrgStatus.pending
    user = org.members[0]
    assert user.email == "wanglei@example.com" and user.org_role is OrgRole.admin
    page = client.get("/orgs/mine").get_data(as_text=True)
    assert "待审核" in page


@pytest.mark.parametrize("code, message", [
    ("91350100M000100Y44", "校验位不正确"),     # passes a naive regex, wrong check character
    ("1234", "应为 18 位"),
    ("91350100M000100O43", "不允许的字符"),
])
def test_invalid_credit_code_is_refused_with_input_kept(client, ctx, code, message):
    before = counts()
    response = client.post("/auth/register", data=form(credit_code=code))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'value="武汉新芯材料科技有限公司"' in html  # the input is kept
    assert "is-invalid" in html
    assert counts() == before  # nothing half-written


def test_duplicate_organisation_name_and_code_are_refused(client, ctx):
    existing = make_org("武汉新芯材料科技有限公司")
    db.session.commit()
    before = counts()
    response = client.post("/auth/register", data=form(email="other@example.com"))
    assert response.status_code == 400 and "该机构名称已注册" in response.get_data(as_text=True)
    response = client.post("/auth/register", data=form(name="另一家公司", credit_code=existing.credit_code))
    assert response.status_code == 400 and "统一社会信用代码已注册" in response.get_data(as_text=True)
    assert counts() == before


def test_duplicate_email_leaves_no_orphan_organisation(client, ctx):
    from factories import make_user

    make_user("wanglei@example.com")
    db.session.commit()
    before = counts()
    response = client.post("/auth/register", data=form())
    assert response.status_code == 400
    assert "该邮箱已注册" in response.get_data(as_text=True)
    assert counts() == before


def test_missing_fields_get_chinese_messages(client, ctx):
    response = client.post("/auth/register", data=form(name="", password="short", confirm="other"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写机构全称" in html and "密码长度应为" in html and "两次输入的密码不一致" in html


def test_government_type_cannot_be_chosen_at_registration(client, ctx):
    response = client.post("/auth/register", data=form(org_type="government"))
    assert response.status_code == 400
