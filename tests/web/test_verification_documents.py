"""认证材料: an organisation's admins upload its licence scans while pending; admins and members read them."""
import io
import os
import struct
import zlib

import pytest
from factories import make_chain_admin, make_challenge, make_org, make_platform_admin, make_user
from pages import error_summary, select, text_of, without

from marketplace.extensions import db
from marketplace.models import Attachment, AuditEvent, ChallengeState, Organisation, OrgRole, OrgStatus, OrgType

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def png_bytes() -> bytes:
    """A valid 1×1 grey PNG: signature, IHDR, IDAT, IEND, each chunk with its CRC."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
            + chunk(b"IEND", b""))


@pytest.fixture
def people(ctx):
    org = make_org("待审核科技有限公司", status=OrgStatus.pending)
    make_user("applicant@example.com", org)
    make_user("colleague@example.com", org, role=OrgRole.member)
    make_user("other@example.com", make_org("别家企业"))
    make_chain_admin("chain@example.com")
    make_platform_admin("root@example.com")
    db.session.commit()
    return org.id


def upload(client, name, data):
    return client.post("/orgs/mine/documents", data={"attachment": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def documents(org_id):
    return db.session.scalars(db.select(Attachment).filter_by(owner_type="organisation", owner_id=org_id)
                              .order_by(Attachment.id)).all()


def test_pending_profile_says_what_to_upload_and_why(client, auth, people):
    auth.login("applicant@example.com")
    page = client.get("/orgs/mine").get_data(as_text=True)
    assert "请上传营业执照扫描件或照片，平台据此核验机构名称与统一社会信用代码" in page
    assert 'action="/orgs/mine/documents"' in page and 'enctype="multipart/form-data"' in page


def test_a_university_is_asked_for_its_legal_person_certificate(client, auth, ctx):
    make_user("uni@example.com", make_org("某大学", type=OrgType.university, status=OrgStatus.pending))
    db.session.commit()
    auth.login("uni@example.com")
    assert "请上传事业单位法人证书或办学许可证扫描件" in client.get("/orgs/mine").get_data(as_text=True)


def test_admin_uploads_a_real_pdf_and_a_real_png(app, client, auth, people):
    auth.login("applicant@example.com")
    assert upload(client, "营业执照（副本）.pdf", PDF).status_code == 303
    assert upload(client, "营业执照照片.PNG", png_bytes()).status_code == 303
    pdf, png = documents(people)
    assert (pdf.original_name, pdf.content_type) == ("营业执照（副本）.pdf", "application/pdf")
    assert (png.content_type, os.path.splitext(png.stored_name)[1]) == ("image/png", ".png")
    assert os.path.exists(os.path.join(app.instance_path, "uploads", png.stored_name))
    page = client.get("/orgs/mine").get_data(as_text=True)
    assert "营业执照（副本）.pdf" in page and "营业执照照片.PNG" in page
    assert 'data-confirm="确定删除认证材料 营业执照（副本）.pdf？"' in page
    uploaded = db.session.scalars(db.select(AuditEvent.reason).filter_by(action="verification_document_uploaded")).all()
    assert sorted(uploaded) == ["营业执照照片.PNG", "营业执照（副本）.pdf"]


@pytest.mark.parametrize("name, data, message", [
    ("营业执照.png", PDF, "内容与文件类型不符"),                               # a PDF named .png
    ("营业执照.png", b"GIF89a" + b"\x00" * 64, "内容与文件类型不符"),          # a GIF named .png
    ("营业执照.jpg", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "内容与文件类型不符"),
    ("营业执照.docx", PDF, "仅支持 PDF、JPG、PNG"),
    ("空文件.pdf", b"", "空文件"),
])
def test_files_that_are_not_scans_are_refused(client, auth, people, name, data, message):
    auth.login("applicant@example.com")
    response = upload(client, name, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    # Once at the field, and once in the summary, whose entry links to the field.
    assert text_of(without(html, "[data-error-summary]")).count(message) == 1
    assert [field for field, entry in error_summary(html).items() if message in entry] == ["#attachment"]
    assert documents(people) == []


def test_a_sixth_document_is_refused(client, auth, people):
    auth.login("applicant@example.com")
    for n in range(5):
        assert upload(client, f"材料{n}.pdf", PDF).status_code == 303
    response = upload(client, "材料6.png", png_bytes())
    assert response.status_code == 400 and "最多上传 5 份认证材料" in response.get_data(as_text=True)
    assert len(documents(people)) == 5


def test_challenge_attachments_still_take_only_pdf_and_word(client, auth, ctx):
    """The per-use kinds: a PNG is a verification document, not a listing attachment."""
    org = make_org("发榜企业")
    make_user("owner@example.com", org)
    challenge = make_challenge(org, ChallengeState.published)
    db.session.commit()
    auth.login("owner@example.com")
    response = client.post(f"/challenges/{challenge.id}/attachments", content_type="multipart/form-data",
                           data={"attachment": (io.BytesIO(png_bytes()), "图.png")})
    assert response.status_code == 400 and "仅支持 PDF、Word" in response.get_data(as_text=True)


def test_a_plain_member_cannot_upload(client, auth, people):
    auth.login("colleague@example.com")
    assert "认证材料由本机构管理员上传" in client.get("/orgs/mine").get_data(as_text=True)
    assert upload(client, "营业执照.pdf", PDF).status_code == 403
    assert documents(people) == []


@pytest.mark.parametrize("who, expected", [
    ("applicant@example.com", 200), ("colleague@example.com", 200), ("root@example.com", 200),
    ("other@example.com", 404), ("chain@example.com", 404), (None, 404),
])
def test_only_members_and_platform_admins_download(app, auth, people, who, expected):
    owner = app.test_client()
    owner.post("/auth/login", data={"email": "applicant@example.com", "password": "password-123"})
    upload(owner, "营业执照.pdf", PDF)
    document = documents(people)[0]
    client = app.test_client()
    if who:
        client.post("/auth/login", data={"email": who, "password": "password-123"})
    response = client.get(f"/orgs/{people}/documents/{document.id}")
    assert response.status_code == expected
    if expected == 200:
        assert response.data == PDF and "filename*=UTF-8''" in response.headers["Content-Disposition"]
    response.close()


def test_a_document_is_not_reachable_under_another_organisation(client, auth, people):
    """The platform admin may read every organisation's documents, but only under their own organisation."""
    applicant = client.application.test_client()
    applicant.post("/auth/login", data={"email": "applicant@example.com", "password": "password-123"})
    upload(applicant, "营业执照.pdf", PDF)
    document = documents(people)[0]
    other = db.session.scalar(db.select(Organisation.id).filter_by(name="别家企业"))
    auth.login("root@example.com")
    assert client.get(f"/orgs/{other}/documents/{document.id}").status_code == 404


def test_delete_while_pending_removes_the_file(app, client, auth, people):
    auth.login("applicant@example.com")
    upload(client, "错传的文件.pdf", PDF)
    document = documents(people)[0]
    stored = os.path.join(app.instance_path, "uploads", document.stored_name)
    assert client.post(f"/orgs/mine/documents/{document.id}/delete").status_code == 303
    assert documents(people) == [] and not os.path.exists(stored)


def test_no_delete_and_no_upload_after_verification(client, auth, app, people):
    auth.login("applicant@example.com")
    upload(client, "营业执照.pdf", PDF)
    document = documents(people)[0]
    admin = app.test_client()
    admin.post("/auth/login", data={"email": "root@example.com", "password": "password-123"})
    assert admin.post(f"/admin/organisations/{people}/verify").status_code == 303
    page = client.get("/orgs/mine").get_data(as_text=True)
    assert "营业执照.pdf" in page and "不能再删除" in page
    assert f"/orgs/mine/documents/{document.id}/delete" not in page
    response = client.post(f"/orgs/mine/documents/{document.id}/delete")
    assert response.status_code == 409 and "不能再增删" in response.get_data(as_text=True)
    assert upload(client, "新执照.pdf", PDF).status_code == 409
    assert [d.original_name for d in documents(people)] == ["营业执照.pdf"]


def test_uploading_puts_a_rejected_organisation_back_in_the_queue(client, auth, app, people):
    admin = app.test_client()
    admin.post("/auth/login", data={"email": "root@example.com", "password": "password-123"})
    admin.post(f"/admin/organisations/{people}/reject", data={"reason": "未提供营业执照"})
    auth.login("applicant@example.com")
    assert "补充材料后，机构将重新进入审核" in client.get("/orgs/mine").get_data(as_text=True)
    assert upload(client, "营业执照.png", png_bytes()).status_code == 303
    assert db.session.get(Organisation, people).status is OrgStatus.pending


def test_admin_sees_the_documents_and_the_queue_counts_them(client, auth, app, people):
    make_user("empty@example.com", make_org("没交材料的公司", status=OrgStatus.pending))
    db.session.commit()
    applicant = app.test_client()
    applicant.post("/auth/login", data={"email": "applicant@example.com", "password": "password-123"})
    upload(applicant, "营业执照.pdf", PDF)
    upload(applicant, "营业执照照片.png", png_bytes())
    auth.login("root@example.com")
    queue = client.get("/admin/organisations").get_data(as_text=True)
    rows = {name: text_of(row) for row in select(queue, "tbody tr")
            for name in ("待审核科技有限公司", "没交材料的公司") if name in text_of(row, "td")}
    assert "材料 2 份" in rows["待审核科技有限公司"]
    assert "未上传材料" in rows["没交材料的公司"]
    detail = client.get(f"/admin/organisations/{people}").get_data(as_text=True)
    pdf, png = documents(people)
    assert f'href="/orgs/{people}/documents/{pdf.id}"' in detail and "营业执照照片.png" in detail
    download = client.get(f"/orgs/{people}/documents/{png.id}")
    assert download.data == png_bytes() and download.mimetype == "image/png"
    download.close()
    # A rejection sent back without a reason still shows the documents beside the error.
    response = client.post(f"/admin/organisations/{people}/reject", data={"reason": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "营业执照照片.png" in page and "尚未上传认证材料" not in page
