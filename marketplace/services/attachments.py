"""Attachments: files checked by content, stored outside static/ under generated names.

Each use says which kinds it accepts (`Kinds`): listings, proposals and milestones take PDF and
Word documents (`DOCUMENTS`, the default); organisations' verification documents take scans and
photos too (see services/verification.py).
"""
from __future__ import annotations

import hashlib
import io
import os
import unicodedata
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app, has_app_context

from ..extensions import db
from ..models import Attachment, Organisation
from .errors import PermissionDenied, ServiceError
from .locking import refuse_repeat

MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Kinds:
    """What one use of attachments accepts, and how it says no.

    `allowed` maps each extension to the content types its bytes may really be (sniffed with
    `filetype`, never trusted from the browser).
    """

    allowed: Mapping[str, frozenset[str]]
    max_files: int
    wrong_type: str     # the name's extension is not one of `allowed`
    wrong_content: str  # the bytes are not what the extension says
    too_many: str       # the owner already has `max_files`


PDF = frozenset({"application/pdf"})
DOCUMENTS = Kinds(
    allowed={
        ".pdf": PDF,
        ".doc": frozenset({"application/msword"}),
        ".docx": frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}),
    },
    max_files=10,
    wrong_type="附件仅支持 PDF、Word（.pdf / .doc / .docx）文件。",
    wrong_content="附件内容与文件类型不符（只接受真实的 PDF 或 Word 文档）。",
    too_many="每项内容最多 10 个附件。",
)


def clean_name(name: str) -> str:
    """The file's own name without any directory part, control characters or leading dots."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    return name[:200]


def storage_dir(instance_path: str) -> Path:
    """The folder uploaded files live in: UPLOAD_FOLDER when configured, else `uploads` in the instance folder.

    Several app nodes share one UPLOAD_FOLDER (a mounted volume) rather than keeping the bytes in the
    database: files of 10 MB would go through every backup, replica and connection of a database
    sized for rows, and the web server can send a file from disk without holding a database
    connection. The row (name, type, sha256) stays in the database, so a node sees a file the moment
    its row commits.
    """
    configured = current_app.config.get("UPLOAD_FOLDER") if has_app_context() else None
    path = Path(configured) if configured else Path(instance_path) / "uploads"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _write_private(path: Path, data: bytes) -> None:
    """Licence scans and proposals are for the site alone: 0600 whatever the process umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


# An Office file (.docx/.xlsx/.pptx) is a zip archive: 2 MB of it can inflate to gigabytes for
# whoever opens it (or indexes it). Its directory is read, never its contents.
ZIP_MAGIC = b"PK\x03\x04"
ARCHIVE_MAX_TOTAL = 100 * 1024 * 1024  # uncompressed, all parts together
ARCHIVE_MAX_ENTRIES = 2000
ARCHIVE_MAX_RATIO = 200                # uncompressed / compressed, for any part larger than…
ARCHIVE_RATIO_FROM = 1024 * 1024       # …1 MB (a small, very repetitive XML part is normal)


def check_archive(data: bytes, wrong_content: str) -> None:
    """Refuse a zip-based document that would inflate out of proportion; raises ServiceError."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise ServiceError(wrong_content, field="attachment") from None
    if len(entries) > ARCHIVE_MAX_ENTRIES:
        raise ServiceError(f"文档内部包含的部件过多（{len(entries)} 个，最多 {ARCHIVE_MAX_ENTRIES} 个），"
                           "疑似异常文件，请另存为普通文档后重新上传。", field="attachment")
    total = sum(entry.file_size for entry in entries)
    if total > ARCHIVE_MAX_TOTAL:
        raise ServiceError(f"文档解压后达 {total / 1024 / 1024:,.0f} MB，超过 {ARCHIVE_MAX_TOTAL // 1024 // 1024} MB "
                           "的上限（疑似压缩炸弹），请压缩图片或拆分文档后重新上传。", field="attachment")
    for entry in entries:
        if entry.file_size > ARCHIVE_RATIO_FROM and entry.file_size > ARCHIVE_MAX_RATIO * max(entry.compress_size, 1):
            raise ServiceError(f"文档中的部件 {clean_name(entry.filename)} 压缩比异常（疑似压缩炸弹），不予接受。",
                               field="attachment")


def owning_organisation_id(owner) -> int | None:
    """The organisation an owner belongs to: an organisation owns itself, anything else names one."""
    if type(owner).__tablename__ == "organisation":
        return owner.id
    return getattr(owner, "organisation_id", None)


def save(actor, owner, upload, instance_path: str, kinds: Kinds = DOCUMENTS, checked: bool = False) -> Attachment:
    """Check and store one uploaded file for `owner` (a challenge, proposal, organisation…) if it is
    one of `kinds`; raises ServiceError. `checked`: the caller has decided who may attach (a chain's
    governance records belong to no organisation)."""
    if not checked and actor.organisation_id != owning_organisation_id(owner) and not actor.is_platform_admin:
        raise PermissionDenied("只能为本机构的内容上传附件。")
    name = clean_name(upload.filename)
    extension = os.path.splitext(name)[1].lower()
    if not name or extension not in kinds.allowed:
        raise ServiceError(kinds.wrong_type, field="attachment")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ServiceError(f"附件不能超过 {MAX_BYTES // (1024 * 1024)} MB。", field="attachment")
    if not data:
        raise ServiceError("附件是空文件。", field="attachment")
    kind = filetype.guess(data)
    if kind is None or kind.mime not in kinds.allowed[extension]:
        raise ServiceError(kinds.wrong_content, field="attachment")
    if data.startswith(ZIP_MAGIC):  # .docx / .xlsx / .pptx are zip archives
        check_archive(data, kinds.wrong_content)
    digest = hashlib.sha256(data).hexdigest()
    # Uploads under one organisation are serialised (the file limit holds under simultaneous
    # uploads) and the same file sent twice in a row (a double click) is stored once.
    org_id = owning_organisation_id(owner)
    refuse_repeat(db.session.get(Organisation, org_id) if org_id is not None else owner, Attachment,
                  owner_type=type(owner).__tablename__, owner_id=owner.id, original_name=name, sha256=digest)
    if count(owner) >= kinds.max_files:
        raise ServiceError(kinds.too_many, field="attachment")
    stored = uuid.uuid4().hex + extension
    _write_private(storage_dir(instance_path) / stored, data)
    attachment = Attachment(
        owner_type=type(owner).__tablename__, owner_id=owner.id, original_name=name, stored_name=stored,
        content_type=kind.mime, size=len(data), sha256=digest, uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def of(owner) -> list[Attachment]:
    return db.session.scalars(db.select(Attachment).filter_by(
        owner_type=type(owner).__tablename__, owner_id=owner.id).order_by(Attachment.id)).all()


def count(owner) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Attachment).filter_by(
        owner_type=type(owner).__tablename__, owner_id=owner.id))


def counts(owner_type: str, owner_ids) -> dict[int, int]:
    """How many files each of these owners has (owners without any are left out), in one query."""
    rows = db.session.execute(
        db.select(Attachment.owner_id, db.func.count()).where(
            Attachment.owner_type == owner_type, Attachment.owner_id.in_(list(owner_ids)))
        .group_by(Attachment.owner_id))
    return {owner_id: n for owner_id, n in rows}


def path_of(attachment: Attachment, instance_path: str) -> Path:
    return storage_dir(instance_path) / attachment.stored_name


def delete(actor, owner, attachment: Attachment, instance_path: str) -> None:
    """Remove one of `owner`'s files, row and bytes; raises PermissionDenied for another organisation's."""
    if actor.organisation_id != owning_organisation_id(owner) and not actor.is_platform_admin:
        raise PermissionDenied("只能删除本机构的附件。")
    if attachment.owner_type != type(owner).__tablename__ or attachment.owner_id != owner.id:
        raise PermissionDenied("该附件不属于此内容。")
    db.session.delete(attachment)
    db.session.flush()
    try:
        path_of(attachment, instance_path).unlink()
    except FileNotFoundError:
        pass
