"""Who governs a chain and who may read its governance pages (链长制).

The chain's lead department (牵头部门, `User.admin_chain_id`) and the platform admins manage a
chain's key links, work plan, 督办 replies and reports; a 链长 (`User.leader_chain_id`) reads one
chain's and a 总链长 (`User.is_chief_leader`) every chain's, and changes nothing. Every governance
page asks here, so the read-only roles see exactly what the managers see, without the buttons.
"""
from __future__ import annotations

from ..extensions import db
from ..models import Chain


def _logged_in(actor) -> bool:
    return actor is not None and actor.is_authenticated and actor.is_enabled


def can_manage(actor, chain: Chain) -> bool:
    """The chain's lead department or a platform admin."""
    return _logged_in(actor) and (actor.is_platform_admin or actor.admin_chain_id == chain.id)


def can_view(actor, chain: Chain) -> bool:
    """Those who manage the chain, its 链长 and every 总链长."""
    return can_manage(actor, chain) or (
        _logged_in(actor) and (actor.is_chief_leader or actor.leader_chain_id == chain.id))


def sees_every_chain(actor) -> bool:
    """Platform admins and 总链长 read all eight chains' governance."""
    return _logged_in(actor) and (actor.is_platform_admin or actor.is_chief_leader)


def viewable_chains(actor) -> list[Chain]:
    """The chains whose governance pages `actor` may read, in the platform's order."""
    if not _logged_in(actor):
        return []
    query = db.select(Chain).order_by(Chain.sort_order, Chain.id)
    if not sees_every_chain(actor):
        ids = {i for i in (actor.admin_chain_id, actor.leader_chain_id) if i is not None}
        if not ids:
            return []
        query = query.where(Chain.id.in_(ids))
    return list(db.session.scalars(query))
