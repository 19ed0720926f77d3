"""Office documents are zip archives: one that would inflate out of proportion is refused on upload.

Regression (issue 10, "Input"): a 2 MB zip that inflates to 2 GiB was accepted as `.docx`.
Each bomb here is made by the test with zipfile: small on disk, huge when inflated.
"""
import io
import os
import zipfile

import pytest
from factories import make_challenge, make_org, make_user

from marketplace.extensions import db
from marketplace.models import Attachment, ChallengeState

MB = 1024 * 1024


def docx(extra=(), entries: int = 0) -> bytes:
    """A Word document (what `filetype` recognises as one), with `extra` (name, size) parts of zeros
    written in 1 MB chunks, and `entries` more tiny parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        chunk = bytes(MB)
        for name, size in extra:
            with archive.open(name, "w", force_zip64=True) as part:
                for _ in range(size // MB):
                    part.write(chunk)
        for i in range(entries):
            archive.writestr(f"word/media/p{i}.xml", "")
    return buffer.getvalue()


@pytest.fixture
def challenge_id(ctx):
    org = make_org("发榜企业")
    make_user("owner@example.com", org)
    challenge = make_challenge(org, ChallengeState.published)
    db.session.commit()
    return challenge.id


def upload(client, challenge_id, data, name="技术方案.docx"):
    # The body is encoded in memory: the test client's own encoder spools a large upload to a
    # temporary file that it never closes (a ResourceWarning that lands on a later test).
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart({"csrf_token": client.csrf_token(),
                                       "attachment": FileStorage(io.BytesIO(data), filename=name)})
    return client.post(f"/challenges/{challenge_id}/attachments", data=body, csrf=False,
                       content_type=f"multipart/form-data; boundary={boundary}")


def stored() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Attachment))


@pytest.fixture(scope="module")
def two_gib_bomb() -> bytes:
    return docx([("word/media/image1.bin", 2048 * MB)])


def test_a_zip_bomb_docx_is_refused(app, client, auth, challenge_id, two_gib_bomb):
    assert len(two_gib_bomb) < 3 * MB  # small on disk…
    with zipfile.ZipFile(io.BytesIO(two_gib_bomb)) as archive:  # …2 GiB inflated
        assert sum(i.file_size for i in archive.infolist()) >= 2048 * MB
    auth.login("owner@example.com")
    response = upload(client, challenge_id, two_gib_bomb)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "超过 100 MB 的上限（疑似压缩炸弹）" in html
    assert stored() == 0
    # An ordinary document with a long text and a photo (which does not compress) still goes in.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>" + "<w:p>冷板流道设计</w:p>" * 20000 + "</w:document>")
        archive.writestr("word/media/image1.png", os.urandom(2 * MB))
    assert upload(client, challenge_id, buffer.getvalue()).status_code == 303
    assert stored() == 1


@pytest.mark.parametrize("data, message", [
    (lambda: docx([("word/media/image1.bin", 50 * MB)]), "压缩比异常（疑似压缩炸弹）"),  # under 100 MB, ratio ~1000
    (lambda: docx(entries=2001), "部件过多（2003 个，最多 2000 个）"),
])
def test_suspicious_archives_are_refused(client, auth, challenge_id, data, message):
    auth.login("owner@example.com")
    response = upload(client, challenge_id, data())
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert stored() == 0

