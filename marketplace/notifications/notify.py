"""Who to tell about a change: the users of an organisation, a chain's lead department, the platform
admins, one user."""
from __future__ import annotations

from ..extensions import db
from ..models import Chain, Organisation, User


def _send(users, category: str, title: str, body: str, url: str) -> None:
    from . import inbox  # the inbox and mail delivery

    inbox.notify(users, category, title, body, url)


def organisation(org: Organisation, category: str, title: str, body: str = "", url: str = "") -> None:
    """Every enabled member of the organisation."""
    _send([u for u in org.members if u.is_enabled], category, title, body, url)


def chain_admins(chain: Chain, category: str, title: str, body: str = "", url: str = "") -> None:
    """The chain's lead department users."""
    users = db.session.scalars(db.select(User).filter_by(admin_chain_id=chain.id, is_enabled=True)).all()
    _send(users, category, title, body, url)


def platform_admins(category: str, title: str, body: str = "", url: str = "") -> None:
    """Every enabled platform admin."""
    users = db.session.scalars(db.select(User).filter_by(is_platform_admin=True, is_enabled=True)
                               .order_by(User.id)).all()
    _send(users, category, title, body, url)


def users(people, category: str, title: str, body: str = "", url: str = "") -> None:
    _send([u for u in people if u is not None and u.is_enabled], category, title, body, url)
