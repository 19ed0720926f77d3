"""Organisations: registration, verification, profile."""
from __future__ import annotations

from ..clock import utcnow
from ..credit_code import normalise as normalise_credit_code
from ..credit_code import problem as credit_code_problem
from ..extensions import db
from ..models import REGISTRABLE_TYPES, Organisation, OrgRole, OrgStatus, OrgType, User
from ..notifications import notify
from . import accounts, audit
from .errors import InvalidTransition, PermissionDenied, ServiceError
from .rules import rule

PROFILE_FIELDS = ("region", "contact_name", "contact_phone", "contact_email", "website", "profile")


def _check_unique(name: str, credit_code: str, exclude_id: int | None = None) -> None:
    query = db.select(Organisation).where(
        (Organisation.name == name) | (Organisation.credit_code == credit_code)
    )
    for other in db.session.scalars(query):
        if other.id == exclude_id:
            continue
        if other.credit_code == credit_code:
            raise ServiceError("该统一社会信用代码已注册，请联系本单位管理员邀请加入。", field="credit_code")
        raise ServiceError("该机构名称已注册，请联系本单位管理员邀请加入。", field="name")


def register(*, name: str, org_type: str, credit_code: str, region: str, contact_name: str,
             contact_phone: str, email: str, user_name: str, password: str) -> User:
    """Create a pending organisation and its first user (organisation admin); returns the user."""
    name = (name or "").strip()
    code = normalise_credit_code(credit_code)
    problem = credit_code_problem(code)
    if problem:
        raise ServiceError(problem, field="credit_code")
    try:
        kind = OrgType(org_type)
    except ValueError:
        raise ServiceError("请选择机构类型。", field="org_type") from None
    if kind not in REGISTRABLE_TYPES:
        raise ServiceError("请选择机构类型。", field="org_type")
    _check_unique(name, code)
    organisation = Organisation(
        name=name, type=kind, credit_code=code, region=region.strip(),
        contact_name=contact_name.strip(), contact_phone=contact_phone.strip(),
        contact_email=accounts.normalise_email(email), status=OrgStatus.pending,
    )
    db.session.add(organisation)
    db.session.flush()
    user = accounts.create_user(organisation, email, user_name, password, OrgRole.admin)
    audit.record(user, "organisation_registered", organisation, "", OrgStatus.pending)
    return user


def _require_platform_admin(actor: User) -> None:
    if not actor.is_platform_admin:
        raise PermissionDenied("只有平台管理员可以审核机构。")


@rule("may_verify_organisation")
def check_may_verify(actor: User, organisation: Organisation) -> None:
    _require_platform_admin(actor)
    if organisation.is_verified:
        raise InvalidTransition("该机构已认证。")


@rule("may_reject_organisation")
def check_may_reject(actor: User, organisation: Organisation) -> None:
    _require_platform_admin(actor)
    if organisation.status is not OrgStatus.pending:
        raise InvalidTransition("只能驳回待审核的机构。")


def verify(actor: User, organisation: Organisation) -> None:
    """Platform admin verifies a pending (or previously rejected) organisation."""
    check_may_verify(actor, organisation)
    before = organisation.status
    organisation.status = OrgStatus.verified
    organisation.rejection_reason = ""
    organisation.verified_at = utcnow()
    organisation.verified_by_id = actor.id
    audit.record(actor, "organisation_verified", organisation, before, OrgStatus.verified)
    notify.organisation(organisation, "account", "机构认证已通过", "现在可以发榜、揭榜和参与评审。", "/dashboard")
    db.session.flush()


def reject(actor: User, organisation: Organisation, reason: str) -> None:
    """Platform admin rejects a pending organisation, with a reason the applicant sees."""
    check_may_reject(actor, organisation)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写不予认证的原因。", field="reason")
    organisation.status = OrgStatus.rejected
    organisation.rejection_reason = reason
    audit.record(actor, "organisation_rejected", organisation, OrgStatus.pending, OrgStatus.rejected, reason)
    notify.organisation(organisation, "account", "机构认证未通过", reason, "/orgs/mine")
    db.session.flush()


@rule("may_edit_profile")
def check_may_edit_profile(actor: User, organisation: Organisation) -> None:
    """The organisation's admins (pending ones too) and platform admins edit its profile."""
    if not (actor.is_platform_admin or (actor.organisation_id == organisation.id and actor.is_org_admin)):
        raise PermissionDenied("只有本机构管理员可以修改机构资料。")


def update_profile(actor: User, organisation: Organisation, **fields) -> None:
    """Edit the profile (see check_may_edit_profile)."""
    check_may_edit_profile(actor, organisation)
    for key, value in fields.items():
        if key not in PROFILE_FIELDS:
            raise ValueError(f"not a profile field: {key}")
        setattr(organisation, key, (value or "").strip())
    resubmit_if_rejected(actor, organisation)
    db.session.flush()


def resubmit_if_rejected(actor: User, organisation: Organisation, reason: str = "") -> None:
    """A rejected applicant who corrects the profile or supplies documents goes back into the queue."""
    if organisation.is_rejected:
        organisation.status = OrgStatus.pending
        audit.record(actor, "organisation_resubmitted", organisation, OrgStatus.rejected, OrgStatus.pending, reason)


def pending_queue() -> list[Organisation]:
    return db.session.scalars(
        db.select(Organisation).filter_by(status=OrgStatus.pending).order_by(Organisation.created_at)
    ).all()
