"""Verification documents (认证材料): the licences a platform admin checks an organisation against.

An enterprise proves who it is with its 营业执照; a university or institute with its 事业单位法人证书
or 办学许可证. The organisation's admins upload scans or photos of them (PDF, JPG, PNG; at most
`SCANS.max_files`) while the organisation is pending or rejected; once it is verified they stay as
the record of what was checked and can no longer be added to or removed. Only platform admins and
the organisation's own members may read them.
"""
from __future__ import annotations

from datetime import timedelta

from .. import clock
from ..extensions import db
from ..models import Attachment, AuditEvent, Organisation, OrgStatus, OrgType, User
from ..notifications import notify
from . import attachments, audit, organisations
from .errors import InvalidTransition, PermissionDenied
from .rules import rule

OWNER_TYPE = Organisation.__tablename__
IMAGES = {".jpg": frozenset({"image/jpeg"}), ".jpeg": frozenset({"image/jpeg"}), ".png": frozenset({"image/png"})}
SCANS = attachments.Kinds(
    allowed={".pdf": attachments.PDF, **IMAGES},
    max_files=5,
    wrong_type="认证材料仅支持 PDF、JPG、PNG 文件（扫描件或照片）。",
    wrong_content="文件内容与文件类型不符（只接受真实的 PDF、JPG 或 PNG 文件）。",
    too_many="每个机构最多上传 5 份认证材料，请先删除不需要的文件。",
)

# What each kind of organisation is asked for: the certificate that carries its name and its
# 统一社会信用代码.
_WHAT = {
    OrgType.enterprise: "营业执照",
    OrgType.university: "事业单位法人证书或办学许可证",
    OrgType.institute: "事业单位法人证书（企业性质的院所请上传营业执照）",
}
_OTHER = "营业执照、事业单位法人证书或社会组织登记证书"

# Uploads (or a registration) within this time of the organisation's previous one are one batch:
# the platform admins are told once, at its start, and find every document on the page linked.
BATCH = timedelta(minutes=10)
_NEWS = ("organisation_registered", "verification_document_uploaded")


def what_to_upload(organisation: Organisation) -> str:
    """The certificate(s) this organisation should upload, in words for the profile page."""
    return _WHAT.get(organisation.type, _OTHER)


def documents(organisation: Organisation) -> list[Attachment]:
    return attachments.of(organisation)


def counts(organisation_ids) -> dict[int, int]:
    """How many documents each of these organisations has supplied (none: left out)."""
    return attachments.counts(OWNER_TYPE, organisation_ids)


def is_open(organisation: Organisation) -> bool:
    """Documents can be added or removed only until the organisation is verified."""
    return organisation.status in (OrgStatus.pending, OrgStatus.rejected)


def can_read(user, organisation: Organisation) -> bool:
    """Platform admins and the organisation's own members; nobody else learns the documents exist."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_platform_admin or user.organisation_id == organisation.id


@rule("may_manage_documents")
def check_may_manage(actor: User, organisation: Organisation) -> None:
    """The organisation's admin adds or removes its documents until the organisation is verified."""
    if actor.organisation_id != organisation.id or not actor.is_org_admin:
        raise PermissionDenied("只有本机构管理员可以管理认证材料。")
    if not is_open(organisation):
        # No field named: the upload form is no longer shown to carry the message.
        raise InvalidTransition("机构已通过认证，认证材料作为认证记录保存，不能再增删。")


def upload(actor: User, organisation: Organisation, file, instance_path: str) -> Attachment:
    """Store one verification document; a rejected organisation goes back into the queue. The
    platform admins are told, once per batch of uploads (BATCH).

    Raises PermissionDenied (not an admin of this organisation), InvalidTransition (already
    verified) or ServiceError (wrong kind, too large, too many).
    """
    check_may_manage(actor, organisation)
    saved = attachments.save(actor, organisation, file, instance_path, kinds=SCANS)
    first_of_batch = not _recent_news(organisation)
    audit.record(actor, "verification_document_uploaded", organisation, reason=saved.original_name)
    organisations.resubmit_if_rejected(actor, organisation, "补充认证材料")
    if first_of_batch:
        tell_platform_admins(organisation, f"机构上传了认证材料：{organisation.name}",
                             f"新上传：{saved.original_name}。请核对认证材料后审核。")
    return saved


def tell_platform_admins(organisation: Organisation, title: str, body: str) -> None:
    """One notice to every platform admin, linking to the organisation's verification page."""
    notify.platform_admins("verification", title, body, f"/admin/organisations/{organisation.id}")


def _recent_news(organisation: Organisation) -> bool:
    """Whether the organisation registered or uploaded a document within the last BATCH."""
    return db.session.scalar(db.select(AuditEvent.id).where(
        AuditEvent.subject_type == OWNER_TYPE, AuditEvent.subject_id == organisation.id,
        AuditEvent.action.in_(_NEWS), AuditEvent.created_at > clock.utcnow() - BATCH).limit(1)) is not None


def delete(actor: User, organisation: Organisation, attachment: Attachment, instance_path: str) -> None:
    """Remove one verification document while the organisation is not yet verified."""
    check_may_manage(actor, organisation)
    name = attachment.original_name
    attachments.delete(actor, organisation, attachment, instance_path)
    audit.record(actor, "verification_document_deleted", organisation, reason=name)
