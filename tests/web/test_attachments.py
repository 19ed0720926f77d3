"""Attachments: only real PDF/Word files, size-limited, stored under generated names, names kept."""
import io
import os
import zipfile

import pytest
from factories import make_challenge, make_org, make_user

from marketplace.extensions import db
from marketplace.models import Attachment, ChallengeState, OrgType

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def setup(ctx):
    org = make_org("发榜企业")
    make_user("owner@example.com", org)
    make_user("inst@example.com", make_org("某大学", type=OrgType.university))
    make_user("other@example.com", make_org("别家企业"))
    challenge = make_challenge(org, ChallengeState.published)
    db.session.commit()
    return challenge.id


def upload(client, challenge_id, name, data):
    return client.post(f"/challenges/{challenge_id}/attachments",
                       data={"attachment": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def count():
    return db.session.scalar(db.select(db.func.count()).select_from(Attachment))


def test_chinese_pdf_name_round_trips(app, client, auth, setup):
    auth.login("owner@example.com")
    response = upload(client, setup, "技术需求说明书（2026版）.pdf", PDF)
    assert response.status_code == 303
    attachment = db.session.scalar(db.select(Attachment))
    assert attachment.original_name == "技术需求说明书（2026版）.pdf"
    assert attachment.stored_name != attachment.original_name and attachment.stored_name.endswith(".pdf")
    stored = os.path.join(app.instance_path, "uploads", attachment.stored_name)
    assert os.path.exists(stored) and "static" not in stored
    client.post("/auth/logout")
    auth.login("inst@example.com")
    download = client.get(f"/challenges/{setup}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    assert "filename*=UTF-8''" in download.headers["Content-Disposition"]
    assert "%E6%8A%80%E6%9C%AF" in download.headers["Content-Disposition"]  # 技术, percent-encoded
    download.close()


def test_docx_accepted(client, auth, setup):
    auth.login("owner@example.com")
    assert upload(client, setup, "方案.docx", docx_bytes()).status_code == 303
    assert count() == 1


@pytest.mark.parametrize("name, data, message", [
    ("说明.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "内容与文件类型不符"),       # a Windows executable
    ("说明.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "内容与文件类型不符"),            # a Linux executable
    ("说明.docx", PDF, "内容与文件类型不符"),
    ("run.exe", PDF, "仅支持 PDF、Word"),
    ("空文件.pdf", b"", "空文件"),
])
def test_bad_files_are_refused(client, auth, setup, name, data, message):
    auth.login("owner@example.com")
    response = upload(client, setup, name, data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count() == 0


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_oversized_file_is_refused(client, auth, setup):
    auth.login("owner@example.com")
    response = upload(client, setup, "大文件.pdf", PDF + b"0" * (10 * 1024 * 1024))
    assert response.status_code == 400 and "不能超过 10 MB" in response.get_data(as_text=True)
    assert count() == 0
    import gc

    gc.collect()  # Werkzeug's spooled temp file for the large body: collected here, not in a later test


# Werkzeug leaves its spooled temp file for the refused body to the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_request_over_the_global_limit_gets_413(app, client, auth, setup):
    auth.login("owner@example.com")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = upload(client, setup, "大文件.pdf", PDF + b"0" * 4096)
    assert response.status_code == 413 and "超过大小限制" in response.get_data(as_text=True)
    import gc

    gc.collect()  # collect the leaked temp file here, where its warning is expected


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\windows\\说明.pdf", "/abs/path/说明.pdf"])
def test_path_parts_are_stripped(app, client, auth, setup, name):
    auth.login("owner@example.com")
    assert upload(client, setup, name, PDF).status_code == 303
    attachment = db.session.scalar(db.select(Attachment))
    assert "/" not in attachment.original_name and "\\" not in attachment.original_name
    assert not attachment.original_name.startswith(".")
    assert os.path.dirname(os.path.join(app.instance_path, "uploads", attachment.stored_name)).endswith("uploads")


def test_only_the_poster_uploads(client, auth, setup):
    auth.login("other@example.com")
    assert upload(client, setup, "说明.pdf", PDF).status_code == 403
    assert count() == 0
