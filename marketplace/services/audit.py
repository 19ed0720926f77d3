"""Recording state changes in the audit trail."""
from __future__ import annotations

from ..extensions import db
from ..models import AuditEvent


def record(actor, action: str, subject, from_state="", to_state="", reason: str = "") -> AuditEvent:
    """Add an audit event for `subject` (any model with an id); flushed with the caller's work."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=type(subject).__tablename__,
        subject_id=subject.id,
        from_state=getattr(from_state, "value", from_state) or "",
        to_state=getattr(to_state, "value", to_state) or "",
        reason=reason or "",
    )
    db.session.add(event)
    return event


def trail(subject) -> list[AuditEvent]:
    """The audit events of one object, oldest first."""
    return db.session.scalars(
        db.select(AuditEvent)
        .filter_by(subject_type=type(subject).__tablename__, subject_id=subject.id)
        .order_by(AuditEvent.created_at, AuditEvent.id)
    ).all()
