"""Record which indexed documents a flush touched, in the same transaction (one place, not per service)."""
from __future__ import annotations

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from ..models import Achievement, Capability, Challenge, ExpertMembership, IndexChange, Organisation, User

PREFIX = {Challenge: "ch", Capability: "cap", Achievement: "ach"}
_PENDING = "index_pending"


def doc_id(obj) -> str | None:
    for model, prefix in PREFIX.items():
        if isinstance(obj, model):
            return f"{prefix}:{obj.id}"
    if isinstance(obj, User):
        return f"exp:{obj.id}"
    if isinstance(obj, ExpertMembership):
        return f"exp:{obj.user_id}"
    return None


@event.listens_for(Session, "after_flush")
def _collect(session, flush_context):
    pending = session.info.setdefault(_PENDING, set())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, IndexChange):
            continue
        if isinstance(obj, Organisation):
            pending.add(("org", obj.id))  # its listings' visibility follows its verification
            continue
        if isinstance(obj, User) and not _expert_fields_changed(obj):
            continue  # logins and password changes do not touch the index
        key = doc_id(obj)
        if key and not key.endswith(":None"):
            pending.add(("doc", key))


def _expert_fields_changed(user: User) -> bool:
    state = inspect(user)
    return any(state.attrs[name].history.has_changes() for name in ("expertise", "expert_title", "name", "is_enabled"))


CHANGED = "index_changed"


@event.listens_for(Session, "after_flush_postexec")
def _record(session, flush_context):
    pending = session.info.pop(_PENDING, set())
    if not pending:
        return
    keys = {key for kind, key in pending if kind == "doc"}
    org_ids = [key for kind, key in pending if kind == "org"]
    if org_ids:
        for model, prefix in PREFIX.items():
            rows = session.execute(select(model.id).where(model.organisation_id.in_(org_ids))).scalars()
            keys.update(f"{prefix}:{i}" for i in rows)
    for key in sorted(keys):
        session.add(IndexChange(doc_id=key))
    if keys:
        session.info[CHANGED] = True  # this request's cached index must replay the log again
