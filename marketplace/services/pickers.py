"""Who an admin may pick for a chain: experts for its committee and enterprises to designate 链主.

Admins find people by what they remember of them (a name, an organisation, part of an e-mail, an area
of expertise), never by typing an exact e-mail. One shape of candidate serves both pickers, so the
page's search list and the type-ahead's JSON are the same thing."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, or_

from ..extensions import db
from ..models import Chain, ChainLead, Challenge, ExpertMembership, Organisation, OrgStatus, OrgType, User
from .errors import InvalidTransition, NotFound, ServiceError

# A picker shows a short list: the admin narrows the search rather than scrolling hundreds of names.
PICK_LIMIT = 20
QUERY_MAX = 64


@dataclass(frozen=True)
class Candidate:
    id: int
    label: str  # what the admin picks by: the person's or the enterprise's name
    detail: str  # what tells two of the same name apart
    note: str = ""  # why it is listed first (the chain's own enterprises)

    def as_json(self) -> dict:
        return asdict(self)


def _matches(q: str, *columns):
    """Any column contains the words typed, ignoring case; % and _ are matched literally."""
    needle = q.strip().lower()[:QUERY_MAX]
    return or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns))


def _short(text: str, n: int = 30) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n] + "…"


def _committee_ids(chain: Chain):
    return db.select(ExpertMembership.user_id).where(ExpertMembership.chain_id == chain.id)


def expert_candidates(chain: Chain, q: str, limit: int = PICK_LIMIT) -> list[Candidate]:
    """Enabled users of verified organisations not yet on this chain's committee, matching `q` in name,
    organisation, e-mail or expertise. Nothing before something is typed: the list is everyone."""
    if not q.strip():
        return []
    users = db.session.scalars(
        db.select(User).join(User.organisation)
        .where(User.is_enabled, Organisation.is_verified, User.id.not_in(_committee_ids(chain)),
               _matches(q, User.name, User.email, Organisation.name, User.expertise))
        .order_by(User.name, User.id).limit(limit))
    return [Candidate(u.id, u.name, " · ".join(part for part in (
        u.organisation.name, u.email, u.expert_title, _short(u.expertise)) if part)) for u in users]


def expert_to_appoint(chain: Chain, user_id: int | None) -> User:
    """The user picked for the committee, or the reason they cannot be (in the admin's words)."""
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise NotFound("未找到所选用户，请重新搜索后选择。", field="user_id")
    if not user.can_act:
        raise ServiceError("该用户所在机构尚未通过平台认证（或账号已停用），认证通过后才能聘任为专家。", field="user_id")
    if any(m.chain_id == chain.id for m in user.expert_memberships):
        raise InvalidTransition("该用户已是本链专家委员会成员。", field="user_id")
    return user


def _chain_posters(chain: Chain) -> dict[int, int]:
    """Enterprises with challenges in this chain and how many: the chain's own enterprises."""
    return dict(db.session.execute(db.select(Challenge.organisation_id, func.count()).filter_by(
        chain_id=chain.id).group_by(Challenge.organisation_id)).all())


def lead_candidates(chain: Chain, q: str, limit: int = PICK_LIMIT) -> list[Candidate]:
    """Verified enterprises not yet 链主 here: with nothing typed, the chain's own enterprises (those
    posting challenges in it); with a search, every verified enterprise matching it, the chain's own
    first."""
    posted = _chain_posters(chain)
    taken = db.select(ChainLead.organisation_id).where(ChainLead.chain_id == chain.id)
    query = db.select(Organisation).where(Organisation.type == OrgType.enterprise,
                                          Organisation.status == OrgStatus.verified, Organisation.id.not_in(taken))
    if q.strip():
        query = query.where(_matches(q, Organisation.name, Organisation.credit_code, Organisation.region))
    elif posted:
        query = query.where(Organisation.id.in_(posted))
    else:
        return []
    own_first = db.case((Organisation.id.in_(posted or [0]), 0), else_=1)
    enterprises = db.session.scalars(query.order_by(own_first, Organisation.name).limit(limit))
    return [Candidate(o.id, o.name, " · ".join(part for part in (o.region, o.credit_code) if part),
                      f"本链榜单 {posted[o.id]} 项" if o.id in posted else "") for o in enterprises]
