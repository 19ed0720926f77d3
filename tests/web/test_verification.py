"""Platform admins verify or reject organisations; a pending organisation cannot act."""
import pytest
from factories import make_org, make_platform_admin, make_user

from marketplace.extensions import db
from marketplace.models import AuditEvent, Organisation, OrgRole, OrgStatus


@pytest.fixture
def pending(ctx):
    org = make_org("待审核科技有限公司", status=OrgStatus.pending)
    make_user("applicant@example.com", org)
    make_platform_admin("root@example.com")
    db.session.commit()
    return org


def test_pending_organisation_can_edit_profile_but_not_act(client, auth, pending):
    auth.login("applicant@example.com")
    response = client.post("/orgs/mine", data={
        "region": "襄阳市", "contact_name": "张三", "contact_phone": "0710-1234567", "profile": "从事碳化硅衬底研发。"})
    assert response.status_code == 302
    assert db.session.get(Organisation, pending.id).region == "襄阳市"
    response = client.post("/orgs/mine/members", data={"email": "new@example.com", "role": "member"})
    assert response.status_code == 403
    assert "尚未通过平台认证" in response.get_data(as_text=True)
    assert "待审核" in client.get("/dashboard").get_data(as_text=True)


def test_admin_verifies_organisation_with_audit_trail(client, auth, pending):
    auth.login("root@example.com")
    assert "待审核科技有限公司" in client.get("/admin/organisations").get_data(as_text=True)
    response = client.post(f"/admin/organisations/{pending.id}/verify")
    assert response.status_code == 303
    org = db.session.get(Organisation, pending.id)
    assert org.status is OrgStatus.verified and org.verified_at is not None
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="organisation_verified"))
    assert (event.from_state, event.to_state) == ("pending", "verified")
    assert event.actor.email == "root@example.com"
    # Verifying twice is a state conflict, reported not crashed.
    response = client.post(f"/admin/organisations/{pending.id}/verify")
    assert response.status_code == 409 and "该机构已认证" in response.get_data(as_text=True)


def test_reject_needs_a_reason_and_shows_it_to_the_applicant(app, client, auth, pending):
    auth.login("root@example.com")
    response = client.post(f"/admin/organisations/{pending.id}/reject", data={"reason": ""})
    assert response.status_code == 400
    assert "请填写不予认证的原因" in response.get_data(as_text=True)
    assert db.session.get(Organisation, pending.id).status is OrgStatus.pending
    client.post(f"/admin/organisations/{pending.id}/reject", data={"reason": "营业执照信息与填写不符"})
    assert db.session.get(Organisation, pending.id).status is OrgStatus.rejected
    applicant = app.test_client()
    applicant.post("/auth/login", data={"email": "applicant@example.com", "password": "password-123"})
    assert "营业执照信息与填写不符" in applicant.get("/dashboard").get_data(as_text=True)
    # Correcting the profile puts the organisation back in the queue.
    applicant.post("/orgs/mine", data={"region": "武汉市", "contact_name": "张三", "contact_phone": "027-12345678"})
    assert db.session.get(Organisation, pending.id).status is OrgStatus.pending


def test_unverified_organisation_page_is_hidden_from_public(client, auth, pending):
    assert client.get(f"/orgs/{pending.id}").status_code == 404
    auth.login("applicant@example.com")
    assert client.get(f"/orgs/{pending.id}").status_code == 200


def test_member_cannot_edit_profile(client, auth, ctx):
    org = make_org("某企业")
    make_user("m@example.com", org, role=OrgRole.member)
    db.session.commit()
    auth.login("m@example.com")
    assert client.post("/orgs/mine", data={"region": "武汉市", "contact_name": "x", "contact_phone": "027-1234567"}).status_code == 403


def test_profile_bad_input_is_kept_with_message(client, auth, pending):
    auth.login("applicant@example.com")
    response = client.post("/orgs/mine", data={"region": "武汉市", "contact_name": "张三", "contact_phone": "abc",
                                               "website": "not a url", "profile": "保留我的简介"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请输入有效的电话号码" in html and "请输入有效网址" in html and "保留我的简介" in html
