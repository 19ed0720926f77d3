"""Issue 12: a new registration and a (re-)uploaded verification document tell the platform admins,
once per organisation per batch of uploads, with a link to the organisation's verification page."""
import io
from datetime import timedelta

import pytest
from factories import credit_code, make_org, make_platform_admin, make_user
from pages import link_path

from marketplace.extensions import db
from marketplace.models import AuditEvent, Notification, Organisation, OrgStatus, User
from marketplace.services import verification

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def admins(ctx):
    make_platform_admin("root@example.com")
    make_platform_admin("root2@example.com")
    make_platform_admin("retired@example.com").is_enabled = False
    db.session.commit()


def notices(email: str) -> list[Notification]:
    user = db.session.scalar(db.select(User).filter_by(email=email))
    return db.session.scalars(db.select(Notification).filter_by(user_id=user.id, category="verification")
                              .order_by(Notification.id)).all()


def upload(client, name):
    return client.post("/orgs/mine/documents", data={"attachment": (io.BytesIO(PDF), name)},
                       content_type="multipart/form-data")


def test_a_completed_registration_tells_every_enabled_platform_admin(client, admins, outbox):
    client.post("/auth/register", data={
        "name": "武汉新芯材料科技有限公司", "org_type": "enterprise", "credit_code": credit_code(900001),
        "region": "武汉市", "contact_name": "王磊", "contact_phone": "027-87654321",
        "user_name": "王磊", "email": "wanglei@example.com", "accept_terms": "y"})
    path = link_path(outbox[-1], "/auth/register/confirm/")
    outbox.clear()
    assert client.post(path, data={"password": "secret-pass-1", "confirm": "secret-pass-1"}).status_code == 302
    org = db.session.scalar(db.select(Organisation).filter_by(name="武汉新芯材料科技有限公司"))
    for email in ("root@example.com", "root2@example.com"):
        [notice] = notices(email)
        assert notice.title == "新机构注册待认证：武汉新芯材料科技有限公司"
        assert notice.url == f"/admin/organisations/{org.id}"
    assert notices("retired@example.com") == []
    assert sorted(m.to for m in outbox) == ["root2@example.com", "root@example.com"]


@pytest.fixture
def applicant(admins):
    org = make_org("待审核科技有限公司", status=OrgStatus.pending)
    make_user("applicant@example.com", org)
    db.session.commit()
    return org.id


def test_quick_uploads_make_one_notice_and_a_later_batch_another(client, auth, applicant):
    auth.login("applicant@example.com")
    assert upload(client, "营业执照（正本）.pdf").status_code == 303
    assert upload(client, "营业执照（副本）.pdf").status_code == 303
    [notice] = notices("root@example.com")
    assert notice.title == "机构上传了认证材料：待审核科技有限公司"
    assert notice.url == f"/admin/organisations/{applicant}" and "营业执照（正本）.pdf" in notice.body
    assert len(notices("root2@example.com")) == 1 and notices("retired@example.com") == []
    # Later than a batch after the last upload, a new document is news again.
    for event in db.session.scalars(db.select(AuditEvent).filter_by(subject_type="organisation",
                                                                    subject_id=applicant)):
        event.created_at -= verification.BATCH + timedelta(minutes=1)
    db.session.commit()
    assert upload(client, "补充材料.pdf").status_code == 303
    assert [n.title for n in notices("root@example.com")][-1] == "机构上传了认证材料：待审核科技有限公司"
    assert len(notices("root@example.com")) == 2 and "补充材料.pdf" in notices("root@example.com")[-1].body


def test_a_rejected_organisation_re_uploading_tells_the_admins(client, auth, applicant):
    db.session.get(Organisation, applicant).status = OrgStatus.rejected
    db.session.commit()
    auth.login("applicant@example.com")
    assert upload(client, "重新上传的营业执照.pdf").status_code == 303
    assert db.session.get(Organisation, applicant).status is OrgStatus.pending
    assert len(notices("root@example.com")) == 1 and len(notices("root2@example.com")) == 1
