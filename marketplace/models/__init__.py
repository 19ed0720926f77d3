"""Database models, one module per entity; importing this package registers them all."""
from .audit import AuditEvent
from .chain import Chain, ChainLead
from .enums import OrgRole, OrgStatus, OrgType
from .organisation import Organisation
from .user import ExpertMembership, Invitation, User, UserSession, token_digest

__all__ = [
    "AuditEvent",
    "Chain",
    "ChainLead",
    "ExpertMembership",
    "Invitation",
    "OrgRole",
    "OrgStatus",
    "OrgType",
    "Organisation",
    "User",
    "UserSession",
    "token_digest",
]
