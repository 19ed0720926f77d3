"""Organisation admins invite members, change roles and disable accounts."""
import pytest
from factories import make_org, make_user
from pages import first, link_path

from marketplace.extensions import db
from marketplace.models import OrgRole, User


@pytest.fixture
def org(ctx):
    org = make_org("成员测试企业")
    make_user("boss@example.com", org)
    make_user("staff@example.com", org, role=OrgRole.member)
    db.session.commit()
    return org


def invite(client, email="new@example.com", role="member"):
    response = client.post("/orgs/mine/members", data={"email": email, "role": role})
    field = first(response, "input#invite-link")  # the link to hand over, ready to copy
    return response, field.attributes.get("value") if field is not None else None


def test_invitation_creates_member_once(app, client, auth, org):
    auth.login("boss@example.com")
    response, link = invite(client)
    assert response.status_code == 200 and link
    newcomer = app.test_client()
    path = link_path(link, "/auth/invitation/")
    assert "成员测试企业" in newcomer.get(path).get_data(as_text=True)
    response = newcomer.post(path, data={"name": "新成员", "password": "pass-word-1", "confirm": "pass-word-1",
                                          "accept_terms": "y"})
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="new@example.com"))
    assert user.organisation_id == org.id and user.org_role is OrgRole.member
    assert app.test_client().get(path).status_code == 404  # used once


def test_invitation_refuses_existing_user_and_duplicates(client, auth, org):
    auth.login("boss@example.com")
    response, _ = invite(client, "staff@example.com")
    assert response.status_code == 400 and "已是平台用户" in response.get_data(as_text=True)
    invite(client, "x@example.com")
    response, _ = invite(client, "x@example.com")
    assert response.status_code == 400 and "未使用的邀请" in response.get_data(as_text=True)


def test_member_cannot_invite(client, auth, org):
    auth.login("staff@example.com")
    response, _ = invite(client)
    assert response.status_code == 403


def test_last_admin_cannot_step_down(client, auth, org):
    auth.login("boss@example.com")
    staff = db.session.scalar(db.select(User).filter_by(email="staff@example.com"))
    client.post(f"/orgs/mine/members/{staff.id}/role", data={"role": "admin"})
    assert db.session.get(User, staff.id).org_role is OrgRole.admin
    client.post(f"/orgs/mine/members/{staff.id}/role", data={"role": "member"})
    boss = db.session.scalar(db.select(User).filter_by(email="boss@example.com"))
    response = client.post(f"/orgs/mine/members/{boss.id}/role", data={"role": "member"})
    assert response.status_code == 409 and "至少需要保留一名管理员" in response.get_data(as_text=True)
    assert db.session.get(User, boss.id).is_org_admin


def test_disabling_a_member_logs_them_out(app, client, auth, org):
    staff_client = app.test_client()
    staff_client.post("/auth/login", data={"email": "staff@example.com", "password": "password-123"})
    assert staff_client.get("/dashboard").status_code == 200
    auth.login("boss@example.com")
    staff = db.session.scalar(db.select(User).filter_by(email="staff@example.com"))
    client.post(f"/orgs/mine/members/{staff.id}/enabled", data={"enabled": "0"})
    assert staff_client.get("/dashboard").status_code == 302


def test_cannot_manage_another_organisations_member(client, auth, org):
    outsider = make_user("out@example.com", make_org("别家企业"), role=OrgRole.member)
    db.session.commit()
    auth.login("boss@example.com")
    assert client.post(f"/orgs/mine/members/{outsider.id}/enabled", data={"enabled": "0"}).status_code == 403


def test_an_unverified_organisation_is_not_offered_invitations(client, auth, ctx):
    """The form shows exactly when the service would invite: not before the organisation is verified."""
    from marketplace.models import OrgStatus

    make_user("waiting@example.com", make_org("待认证企业", status=OrgStatus.pending))
    db.session.commit()
    auth.login("waiting@example.com")
    page = client.get("/orgs/mine/members")
    assert page.status_code == 200 and first(page, 'input[name="email"]') is None
    assert "通过平台认证后即可邀请成员" in page.get_data(as_text=True)  # says why, instead of a form that fails
    response = client.post("/orgs/mine/members", data={"email": "new@example.com", "role": "member"})
    assert response.status_code == 403 and "认证通过后才能邀请成员" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1
