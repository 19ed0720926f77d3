"""The platform admin's user page: disable / re-enable an account, send a password-reset e-mail."""

import pytest
from factories import PASSWORD, make_chain_admin, make_org, make_platform_admin, make_user
from pages import flash_messages, link_path, only

from marketplace.extensions import db
from marketplace.models import AuditEvent, OrgRole, User


@pytest.fixture
def people(ctx):
    org = make_org("某企业")
    org_admin = make_user("orgadmin@example.com", org, name="机构管理员")
    member = make_user("member@example.com", org, role=OrgRole.member, name="李工")
    admin = make_platform_admin("root@example.com")
    make_chain_admin("chain-ai@example.com")
    db.session.commit()
    return {"member": member.id, "org_admin": org_admin.id, "admin": admin.id}


def trail(user_id) -> list[tuple[str, int | None]]:
    return [tuple(r) for r in db.session.execute(
        db.select(AuditEvent.action, AuditEvent.actor_id).filter_by(subject_type="user", subject_id=user_id)
        .order_by(AuditEvent.id)).all()]


def set_enabled(client, user_id, enabled: bool, **kwargs):
    return client.post(f"/admin/users/{user_id}/enabled", data={"enabled": "1" if enabled else "0"}, **kwargs)


def test_user_page_offers_confirmed_actions(client, auth, people):
    auth.login("root@example.com")
    html = client.get(f"/admin/users/{people['member']}").get_data(as_text=True)
    confirm = {action: only(html, f'form[action="/admin/users/{people["member"]}/{action}"]').attributes["data-confirm"]
               for action in ("enabled", "password-reset")}
    assert confirm["enabled"].startswith("确定停用 李工")
    assert confirm["password-reset"].startswith("确定向 member@example.com")


def test_disabling_ends_sessions_and_blocks_login_until_re_enabled(app, client, auth, people):
    victim = app.test_client()
    victim.post("/auth/login", data={"email": "member@example.com", "password": PASSWORD})
    assert victim.logged_in()
    auth.login("root@example.com")
    response = set_enabled(client, people["member"], False)
    assert response.status_code == 303
    assert "已停用 李工 的账号" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert not db.session.get(User, people["member"]).is_enabled
    assert not victim.logged_in()
    refused = victim.post("/auth/login", data={"email": "member@example.com", "password": PASSWORD})
    assert refused.status_code == 403 and "该账号已停用" in refused.get_data(as_text=True)
    wrong = victim.post("/auth/login", data={"email": "member@example.com", "password": "not-the-password"})
    assert wrong.status_code == 400 and "该账号已停用" not in wrong.get_data(as_text=True)  # no hint without it
    page = client.get(f"/admin/users/{people['member']}").get_data(as_text=True)
    assert "已停用" in page and "平台管理员停用账号" in page  # the audit trail on the page
    assert set_enabled(client, people["member"], True).status_code == 303
    assert victim.post("/auth/login", data={"email": "member@example.com", "password": PASSWORD}).status_code == 302
    assert trail(people["member"]) == [("account_disabled", people["admin"]), ("account_enabled", people["admin"])]


def test_admin_cannot_disable_themselves(client, auth, people):
    auth.login("root@example.com")
    response = set_enabled(client, people["admin"], False)
    assert response.status_code == 409 and "不能停用自己的账号" in response.get_data(as_text=True)
    assert db.session.get(User, people["admin"]).is_enabled
    assert client.logged_in()
    assert trail(people["admin"]) == []


@pytest.mark.parametrize("who", ["chain-ai@example.com", "orgadmin@example.com"])
def test_only_platform_admins_use_these_actions(client, auth, outbox, people, who):
    auth.login(who)
    assert set_enabled(client, people["member"], False).status_code == 403
    assert client.post(f"/admin/users/{people['member']}/password-reset").status_code == 403
    assert db.session.get(User, people["member"]).is_enabled and outbox == []


def test_actions_need_the_csrf_token(client, auth, people):
    auth.login("root@example.com")
    assert set_enabled(client, people["member"], False, csrf=False).status_code == 400
    assert db.session.get(User, people["member"]).is_enabled


def test_org_admin_cannot_undo_a_platform_disable(client, auth, people):
    auth.login("root@example.com")
    set_enabled(client, people["member"], False)
    client.post("/auth/logout")
    auth.login("orgadmin@example.com")
    page = client.get("/orgs/mine/members").get_data(as_text=True)
    assert "由平台管理员停用" in page  # no 启用 button is offered for it…
    assert f"/orgs/mine/members/{people['member']}/enabled" not in page
    response = client.post(f"/orgs/mine/members/{people['member']}/enabled", data={"enabled": "1"})
    assert response.status_code == 409  # …and a forged request is refused
    assert "只能由平台管理员启用" in response.get_data(as_text=True)
    assert not db.session.get(User, people["member"]).is_enabled


def test_org_admin_can_still_re_enable_their_own_disable(client, auth, people):
    auth.login("orgadmin@example.com")
    client.post(f"/orgs/mine/members/{people['member']}/enabled", data={"enabled": "0"})
    client.post(f"/orgs/mine/members/{people['member']}/enabled", data={"enabled": "1"})
    assert db.session.get(User, people["member"]).is_enabled


def test_admin_sends_a_reset_mail_that_works(client, auth, outbox, people):
    auth.login("root@example.com")
    response = client.post(f"/admin/users/{people['member']}/password-reset", follow_redirects=True)
    assert any("已向 member@example.com 发送重置密码邮件" in banner for banner in flash_messages(response))
    assert [m.to for m in outbox] == ["member@example.com"]
    assert "平台管理员发送重置密码邮件" in response.get_data(as_text=True)
    assert trail(people["member"]) == [("password_reset_sent", people["admin"])]
    path = link_path(outbox[0], "/auth/reset/")
    client.post("/auth/logout")
    assert client.post(path, data={"password": "reset-by-admin-1", "confirm": "reset-by-admin-1"}).status_code == 302
    assert client.post("/auth/login", data={"email": "member@example.com", "password": "reset-by-admin-1"}).status_code == 302


def test_no_reset_mail_for_a_disabled_account(client, auth, outbox, people):
    auth.login("root@example.com")
    set_enabled(client, people["member"], False)
    html = client.get(f"/admin/users/{people['member']}").get_data(as_text=True)
    assert "发送重置密码邮件" not in html and "启用账号" in html
    response = client.post(f"/admin/users/{people['member']}/password-reset")
    assert response.status_code == 409 and "请先启用" in response.get_data(as_text=True)
    assert outbox == []
