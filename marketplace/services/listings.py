"""Capabilities (科研能力) and achievements (成果) that institutions post."""
from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import Achievement, Capability, Chain, ListingStatus, User
from . import audit
from .challenges import EditConflict
from .errors import InvalidTransition, PermissionDenied, ServiceError
from .locking import refuse_repeat
from .rules import rule

CAPABILITY_FIELDS = ("title", "direction", "description", "team_lead", "team_size", "notable_members",
                     "facilities", "results", "keywords")
ACHIEVEMENT_FIELDS = ("title", "summary", "chain_id", "trl", "ip", "transfer_mode", "contact_name", "contact_phone")


@rule("may_post_listing")
def check_may_post(actor: User) -> None:
    """Verified institutions post capabilities and achievements."""
    if not actor.can_act:
        raise PermissionDenied("您所在机构尚未通过平台认证，认证通过后才能发布。")
    if not actor.organisation.is_institution:
        raise PermissionDenied("科研能力与成果由高校、科研院所等揭榜机构发布。")


@rule("may_change_listing")
def check_may_change(actor: User, listing) -> None:
    """Edit, archive or re-activate: its own organisation (verified), or a platform admin."""
    if actor.organisation_id != listing.organisation_id or not actor.can_act:
        if not actor.is_platform_admin:
            raise PermissionDenied("只能修改本机构发布的内容。")


def _apply(actor: User, listing, fields: dict, names: tuple, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != listing.version:
        raise EditConflict("该内容已被他人修改，本次保存未生效；请刷新页面查看最新内容后重新编辑。您填写的内容保留在下方。")
    for name in names:
        if name in fields:
            setattr(listing, name, fields[name])
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict("该内容刚刚被他人保存，本次保存未生效；请刷新页面后重新编辑。") from None


def _chains(chain_ids) -> list[Chain]:
    chains = db.session.scalars(db.select(Chain).where(Chain.id.in_(chain_ids or []))).all()
    if not chains:
        raise ServiceError("请至少选择一条产业链。", field="chain_ids")
    return chains


def create_capability(actor: User, chain_ids, **fields) -> Capability:
    check_may_post(actor)
    refuse_repeat(actor.organisation, Capability, organisation_id=actor.organisation_id, title=fields.get("title"))
    capability = Capability(organisation=actor.organisation, created_by_id=actor.id, chains=_chains(chain_ids),
                            **{k: v for k, v in fields.items() if k in CAPABILITY_FIELDS})
    db.session.add(capability)
    db.session.flush()
    audit.record(actor, "capability_created", capability)
    return capability


def update_capability(actor: User, capability: Capability, expected_version: int, chain_ids, **fields) -> None:
    check_may_change(actor, capability)
    capability.chains = _chains(chain_ids)
    _apply(actor, capability, fields, CAPABILITY_FIELDS, expected_version)
    audit.record(actor, "capability_edited", capability)


def create_achievement(actor: User, **fields) -> Achievement:
    check_may_post(actor)
    _check_trl(fields.get("trl"))
    refuse_repeat(actor.organisation, Achievement, organisation_id=actor.organisation_id, title=fields.get("title"))
    achievement = Achievement(organisation=actor.organisation, created_by_id=actor.id,
                              **{k: v for k, v in fields.items() if k in ACHIEVEMENT_FIELDS})
    db.session.add(achievement)
    db.session.flush()
    audit.record(actor, "achievement_created", achievement)
    return achievement


def update_achievement(actor: User, achievement: Achievement, expected_version: int, **fields) -> None:
    check_may_change(actor, achievement)
    _check_trl(fields.get("trl"))
    _apply(actor, achievement, fields, ACHIEVEMENT_FIELDS, expected_version)
    audit.record(actor, "achievement_edited", achievement)


def _check_trl(trl) -> None:
    if trl is not None and not 1 <= int(trl) <= 9:
        raise ServiceError("技术成熟度应为 1—9 级。", field="trl")


def set_status(actor: User, listing, status: ListingStatus) -> None:
    """Archive (下架) or re-activate a capability or achievement."""
    check_may_change(actor, listing)
    if listing.status is status:
        raise InvalidTransition("状态未变化。")
    before = listing.status
    listing.status = status
    audit.record(actor, f"{type(listing).__tablename__}_{status.value}", listing, before, status)
    db.session.flush()
