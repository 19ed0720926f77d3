"""The platform office's own organisation and its administrators."""
from __future__ import annotations

from ..clock import utcnow
from ..extensions import db
from ..models import Organisation, OrgRole, OrgStatus, OrgType, User
from . import accounts

OFFICE_NAME = "湖北省制造强省建设领导小组办公室"
# The office's code is fixed so that every install finds the same organisation.
OFFICE_CREDIT_CODE = "11420000MB1A00001X"


def office() -> Organisation:
    """The government organisation platform and chain admins belong to, created on first use."""
    organisation = db.session.scalar(db.select(Organisation).filter_by(type=OrgType.government))
    if organisation is None:
        from ..credit_code import check_character

        code = OFFICE_CREDIT_CODE[:17] + check_character(OFFICE_CREDIT_CODE[:17])
        organisation = Organisation(
            name=OFFICE_NAME, type=OrgType.government, credit_code=code, region="武汉市",
            status=OrgStatus.verified, verified_at=utcnow(),
            profile="设在省经济和信息化厅，负责全省制造业重点产业链链长制日常协调工作。",
        )
        db.session.add(organisation)
        db.session.flush()
    return organisation


def create_platform_admin(email: str, name: str, password: str) -> User:
    """A platform admin account in the office; raises ServiceError for a taken e-mail or weak password."""
    user = accounts.create_user(office(), email, name, password, OrgRole.admin)
    user.is_platform_admin = True
    db.session.flush()
    return user
