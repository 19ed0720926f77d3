"""Attachments: PDF and Word files, checked by content, stored outside static/ under generated names."""
from __future__ import annotations

import hashlib
import os
import unicodedata
import uuid
from pathlib import Path

import filetype

from ..extensions import db
from ..models import Attachment
from .errors import PermissionDenied, ServiceError

# Extension → the content types its bytes may really be (sniffed, never trusted from the browser).
ALLOWED = {
    ".pdf": {"application/pdf"},
    ".doc": {"application/msword"},
    ".docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
}
MAX_BYTES = 10 * 1024 * 1024
MAX_PER_OWNER = 10


def clean_name(name: str) -> str:
    """The file's own name without any directory part, control characters or leading dots."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    return name[:200]


def storage_dir(instance_path: str) -> Path:
    path = Path(instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(actor, owner, upload, instance_path: str) -> Attachment:
    """Check and store one uploaded file for `owner` (a challenge, proposal…); raises ServiceError."""
    if actor.organisation_id != getattr(owner, "organisation_id", None) and not actor.is_platform_admin:
        raise PermissionDenied("只能为本机构的内容上传附件。")
    name = clean_name(upload.filename)
    extension = os.path.splitext(name)[1].lower()
    if not name or extension not in ALLOWED:
        raise ServiceError("附件仅支持 PDF、Word（.pdf / .doc / .docx）文件。", field="attachment")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ServiceError(f"附件不能超过 {MAX_BYTES // (1024 * 1024)} MB。", field="attachment")
    if not data:
        raise ServiceError("附件是空文件。", field="attachment")
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ALLOWED[extension]:
        raise ServiceError("附件内容与文件类型不符（只接受真实的 PDF 或 Word 文档）。", field="attachment")
    existing = db.session.scalar(db.select(db.func.count()).select_from(Attachment).filter_by(
        owner_type=type(owner).__tablename__, owner_id=owner.id))
    if existing >= MAX_PER_OWNER:
        raise ServiceError(f"每项内容最多 {MAX_PER_OWNER} 个附件。", field="attachment")
    stored = uuid.uuid4().hex + extension
    (storage_dir(instance_path) / stored).write_bytes(data)
    attachment = Attachment(
        owner_type=type(owner).__tablename__, owner_id=owner.id, original_name=name, stored_name=stored,
        content_type=kind.mime, size=len(data), sha256=hashlib.sha256(data).hexdigest(), uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def of(owner) -> list[Attachment]:
    return db.session.scalars(db.select(Attachment).filter_by(
        owner_type=type(owner).__tablename__, owner_id=owner.id).order_by(Attachment.id)).all()


def path_of(attachment: Attachment, instance_path: str) -> Path:
    return storage_dir(instance_path) / attachment.stored_name


def delete(actor, owner, attachment: Attachment, instance_path: str) -> None:
    if actor.organisation_id != getattr(owner, "organisation_id", None) and not actor.is_platform_admin:
        raise PermissionDenied("只能删除本机构的附件。")
    db.session.delete(attachment)
    db.session.flush()
    try:
        path_of(attachment, instance_path).unlink()
    except FileNotFoundError:
        pass
