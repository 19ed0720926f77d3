"""The eight chains: their settings, 链主 enterprises, expert committees and lead departments."""
from __future__ import annotations

from ..extensions import db
from ..models import Chain, ChainLead, ExpertMembership, IndexChange, Organisation, User
from . import audit
from .errors import InvalidTransition, PermissionDenied, ServiceError
from .locking import delete_once
from .rules import rule

# The policy's eight emerging chains (鄂政发〔2023〕 链长制实施方案), in the policy's order.
# Leaders and departments are defaults for a fresh install; platform admins edit them.
EIGHT_CHAINS = (
    ("compute", "算力与大数据", "省发展改革委",
     "建设全国算力枢纽与数据要素市场，推进智算中心、液冷与绿色数据中心、数据流通交易。"),
    ("ai", "人工智能", "省经信厅",
     "突破大模型、智能芯片适配、机器视觉与具身智能，推动人工智能赋能制造业。"),
    ("software", "软件和信息服务", "省经信厅",
     "发展基础软件、工业软件、信息安全与信息技术服务，提升软件供给能力。"),
    ("quantum", "量子科技", "省科技厅",
     "布局量子通信、量子计算、量子精密测量，推进量子技术工程化与产业化。"),
    ("textile", "现代纺织服装", "省经信厅",
     "推动纺织服装高端化、智能化、绿色化，发展功能性面料、智能制造与品牌建设。"),
    ("green", "节能环保", "省生态环境厅",
     "发展高效节能装备、污染治理、资源循环利用与碳减排技术，服务绿色低碳转型。"),
    ("appliance", "智能家电", "省商务厅",
     "发展高能效、智能互联家电及核心零部件，建设智能家居生态。"),
    ("materials", "新材料", "省经信厅",
     "突破先进基础材料、关键战略材料与前沿新材料，支撑产业链自主可控。"),
)


def ensure_chains() -> int:
    """Create any of the eight chains that is missing; returns how many were created."""
    existing = set(db.session.scalars(db.select(Chain.code)))
    created = 0
    for order, (code, name, department, description) in enumerate(EIGHT_CHAINS):
        if code in existing:
            continue
        db.session.add(Chain(
            code=code, name=name, lead_department=department, description=description,
            leader="省人民政府领导同志（链长）", sort_order=order,
        ))
        created += 1
    db.session.flush()
    return created


def all_chains() -> list[Chain]:
    return db.session.scalars(db.select(Chain).order_by(Chain.sort_order)).all()


def chain_by_code(code: str) -> Chain | None:
    return db.session.scalar(db.select(Chain).filter_by(code=code))


def can_manage(actor: User, chain: Chain) -> bool:
    """Platform admins manage every chain; a chain admin manages their own."""
    return actor.is_platform_admin or actor.admin_chain_id == chain.id


@rule("may_manage_chain")
def check_may_manage(actor: User, chain: Chain) -> None:
    """The chain's settings page (quota, 链主, expert committee)."""
    if not can_manage(actor, chain):
        raise PermissionDenied("只能管理本部门牵头的产业链。")


def update_settings(actor: User, chain: Chain, *, leader: str, lead_department: str,
                    description: str, quota_min: int, quota_max: int) -> None:
    """Edit a chain's leader, department, description and yearly key-link quota."""
    if not can_manage(actor, chain):
        raise PermissionDenied("只有平台管理员或本链牵头部门可以修改产业链设置。")
    if not 1 <= quota_min <= quota_max <= 20:
        raise ServiceError("关键缺失环节年度数量应满足 1 ≤ 下限 ≤ 上限 ≤ 20。", field="key_link_quota_max")
    chain.leader = leader.strip()
    chain.lead_department = lead_department.strip()
    chain.description = description.strip()
    chain.key_link_quota_min, chain.key_link_quota_max = quota_min, quota_max
    audit.record(actor, "chain_settings_changed", chain)
    db.session.flush()


def designate_lead(actor: User, chain: Chain, organisation: Organisation) -> ChainLead:
    """Platform admin designates a verified enterprise 链主 of a chain."""
    if not actor.is_platform_admin:
        raise PermissionDenied("只有平台管理员可以认定链主企业。")
    if not organisation.is_enterprise:
        raise ServiceError("链主须为企业。", field="organisation_id")
    if not organisation.is_verified:
        raise ServiceError("该企业尚未通过认证。", field="organisation_id")
    if any(lead.organisation_id == organisation.id for lead in chain.leads):
        raise InvalidTransition("该企业已是本链链主。")
    lead = ChainLead(chain=chain, organisation=organisation, designated_by_id=actor.id)
    db.session.add(lead)
    db.session.flush()
    audit.record(actor, "chain_lead_designated", chain, reason=organisation.name)
    return lead


def remove_lead(actor: User, lead: ChainLead) -> None:
    if not actor.is_platform_admin:
        raise PermissionDenied("只有平台管理员可以取消链主认定。")
    chain, name = lead.chain, lead.organisation.name
    delete_once(lead)
    audit.record(actor, "chain_lead_removed", chain, reason=name)
    db.session.flush()


def appoint_expert(actor: User, chain: Chain, user: User, title: str = "", expertise: str = "") -> ExpertMembership:
    """Appoint a user to the chain's expert committee (专家委员会)."""
    if not can_manage(actor, chain):
        raise PermissionDenied("只有平台管理员或本链牵头部门可以聘任专家。")
    if any(m.chain_id == chain.id for m in user.expert_memberships):
        raise InvalidTransition("该用户已是本链专家委员会成员。")
    if not user.can_act:
        raise ServiceError("该用户所在机构尚未通过平台认证（或账号已停用），认证通过后才能聘任为专家。", field="user_id")
    # The title and expertise are one profile shared by every committee the expert sits on: a chain's
    # lead department may not rewrite what another chain appointed them with.
    elsewhere = [m for m in user.expert_memberships if m.chain_id != chain.id]
    rewrites = (title and title.strip() != user.expert_title) or (expertise and expertise.strip() != user.expertise)
    if elsewhere and rewrites and not actor.is_platform_admin:
        raise ServiceError("该专家已是其他产业链专家委员会成员，职称与研究专长由平台管理员维护；请留空以沿用现有信息。",
                           field="expertise")
    if title:
        user.expert_title = title.strip()
    if expertise:
        user.expertise = expertise.strip()
    if not user.expertise:
        raise ServiceError("请填写专家的研究专长，推荐评审专家时依据此项。", field="expertise")
    membership = ExpertMembership(user=user, chain=chain)
    db.session.add(membership)
    db.session.flush()
    audit.record(actor, "expert_appointed", chain, reason=user.email)
    return membership


def dismiss_expert(actor: User, membership: ExpertMembership) -> None:
    if not can_manage(actor, membership.chain):
        raise PermissionDenied("只有平台管理员或本链牵头部门可以解聘专家。")
    chain, email, user_id = membership.chain, membership.user.email, membership.user_id
    delete_once(membership)
    db.session.add(IndexChange(doc_id=f"exp:{user_id}"))  # the expert's committees are in the index
    audit.record(actor, "expert_dismissed", chain, reason=email)
    db.session.flush()


def check_may_lead_chain(user: User) -> None:
    """A chain's lead department (牵头部门) account belongs to a government department, nothing else."""
    organisation = user.organisation
    if organisation is None or not organisation.is_government:
        kind = f"「{organisation.name}」是{organisation.type.label}" if organisation is not None else "该用户不属于任何单位"
        raise ServiceError(f"牵头部门账号只能是政府部门的用户：{kind}，不能指定为产业链牵头部门。", field="admin_chain")


@rule("may_appoint_chain_admin")
def check_may_appoint_chain_admin(actor: User, user: User) -> None:
    """A platform admin may make `user` a lead department account: only a government department's user."""
    if not actor.is_platform_admin:
        raise PermissionDenied("只有平台管理员可以指定牵头部门账号。")
    check_may_lead_chain(user)


def set_chain_admin(actor: User, user: User, chain: Chain | None) -> None:
    """Platform admin makes a user of a government department the lead department (chain admin) of one
    chain, or none (anyone may be relieved)."""
    if not actor.is_platform_admin:
        raise PermissionDenied("只有平台管理员可以指定牵头部门账号。")
    if chain is not None:
        check_may_appoint_chain_admin(actor, user)
        if user.leader_chain_id == chain.id:  # the 链长 oversees the department (services/admins.py)
            raise InvalidTransition(f"该用户是{chain.name}链长，不能同时担任本链牵头部门账号。", field="admin_chain")
    before = user.admin_chain.code if user.admin_chain else ""
    user.admin_chain = chain
    audit.record(actor, "chain_admin_set", user, before, chain.code if chain else "")
    db.session.flush()


def set_platform_admin(actor: User, user: User, value: bool) -> None:
    if not actor.is_platform_admin:
        raise PermissionDenied("只有平台管理员可以授予平台管理员权限。")
    if user.id == actor.id and not value:
        raise InvalidTransition("不能撤销自己的平台管理员权限。")
    user.is_platform_admin = value
    audit.record(actor, "platform_admin_set" if value else "platform_admin_unset", user)
    db.session.flush()


def committee(chain: Chain) -> list[User]:
    return db.session.scalars(
        db.select(User).join(ExpertMembership).filter(ExpertMembership.chain_id == chain.id).order_by(User.name)
    ).all()
