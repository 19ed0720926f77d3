"""Demo 链长 / 总链长: the read-only accounts of the 链长制 (leader-ai@ and chief@demo.example).

The names are invented; the titles are the ones the policy gives the roles (a 省领导 leads each chain,
the 总链长 all eight). Both sit in the office's own organisation, a government one as the role requires.
"""
from __future__ import annotations

from ..extensions import db
from ..models import Chain, OrgRole, User
from ..services.admins import check_may_appoint_chain_leader, office

AI_LEADER = ("leader-ai@demo.example", "陈立新（副省长）", "陈立新（省人民政府副省长）")
CHIEF = ("chief@demo.example", "周国栋（省长）")


def seed_leaders(make_user, chains: dict[str, Chain]) -> None:
    """Add the 人工智能 链长 and a 总链长, made by the seeder's `make_user(email, name, organisation, …)`.
    They are plain members of the office: a read-only role must not administer the office's accounts."""
    government = office()
    email, name, title = AI_LEADER
    leader = make_user(email, name, government, role=OrgRole.member, leader_chain=chains["ai"])
    chains["ai"].leader = title  # the chain page names its 链长
    chief = make_user(CHIEF[0], CHIEF[1], government, role=OrgRole.member, is_chief_leader=True)
    appointer = db.session.scalars(db.select(User).filter_by(is_platform_admin=True).order_by(User.id)).first()
    for user in (leader, chief):  # the same rule the user page applies, so the demo stays possible to redo by hand
        check_may_appoint_chain_leader(appointer, user)
