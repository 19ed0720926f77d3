"""The platform office's own organisation, its administrators, and who holds the read-only 链长 / 总链长 role."""
from __future__ import annotations

from ..clock import utcnow
from ..extensions import db
from ..models import Chain, Organisation, OrgRole, OrgStatus, OrgType, User
from ..notifications import notify
from . import accounts, audit
from .errors import InvalidTransition, PermissionDenied, ServiceError
from .rules import rule

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


# ----- 链长 / 总链长 (read-only oversight) -----------------------------------------------------------

def leader_label(chain: Chain | None, chief: bool) -> str:
    """How the role reads in the audit trail and the notice: "总链长", "人工智能链长" or ""."""
    if chief:
        return "总链长"
    return f"{chain.name}链长" if chain is not None else ""


@rule("may_appoint_chain_leader")
def check_may_appoint_chain_leader(actor: User, user: User) -> None:
    """A platform admin may make `user` a 链长 or 总链长: only a government organisation's user, since the
    role is a provincial leader's (省领导) and its office's, never an enterprise's or a university's."""
    if not actor.is_platform_admin:
        raise PermissionDenied("只有平台管理员可以指定链长、总链长。")
    organisation = user.organisation
    if organisation is None or not organisation.is_government:
        kind = f"「{organisation.name}」是{organisation.type.label}" if organisation is not None else "该用户不属于任何单位"
        raise ServiceError(f"链长、总链长只能是政府部门的用户：{kind}，不能指定。", field="leader_chain")


def set_chain_leader(actor: User, user: User, chain: Chain | None, chief: bool) -> None:
    """Platform admin makes `user` the 链长 of `chain`, a 总链长 (`chief`), or neither (anyone may be
    relieved); the user is told. Raises PermissionDenied for anyone else, ServiceError for a user outside
    government, InvalidTransition for a 总链长 given one chain too or a chain's own lead department."""
    if not actor.is_platform_admin:
        raise PermissionDenied("只有平台管理员可以指定链长、总链长。")
    if chain is None and not chief:
        before = leader_label(user.leader_chain, user.is_chief_leader)
        user.leader_chain, user.is_chief_leader = None, False
        if before:
            audit.record(actor, "chain_leader_set", user, before, "", reason=f"{before} → 无")
            notify.users([user], "account", f"您已不再担任{before}", "您不再以该身份查看产业链治理页面。")
        db.session.flush()
        return
    check_may_appoint_chain_leader(actor, user)
    if chief and chain is not None:
        # Two answers to one question (which chains does this person read?) would disagree sooner or later.
        raise InvalidTransition("总链长可查看全部产业链，请不要再选择所联系的产业链。", field="leader_chain")
    if chain is not None and user.admin_chain_id == chain.id:
        # The 链长 oversees the chain's lead department: the overseer may not be the overseen, and the
        # department's full rights would hide the read-only role anyway. Another chain's 链长 is fine.
        raise InvalidTransition(f"该用户是{chain.name}的牵头部门账号，不能同时担任本链链长。", field="leader_chain")
    before, after = leader_label(user.leader_chain, user.is_chief_leader), leader_label(chain, chief)
    user.leader_chain, user.is_chief_leader = chain, chief
    if before != after:
        audit.record(actor, "chain_leader_set", user, before, after, reason=f"{before or '无'} → {after}")
        scope = "全部八条产业链" if chief else f"{chain.name}产业链"
        notify.users([user], "account", f"您已被指定为{after}",
                     f"您可以查看{scope}的关键缺失环节、工作计划、督办、统计与年度报告（只读）。", "/governance/")
    db.session.flush()
