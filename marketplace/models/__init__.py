"""Database models, one module per entity; importing this package registers them all."""
from .attachment import Attachment
from .audit import AuditEvent
from .chain import Chain, ChainLead
from .chain_report import ChainReport
from .challenge import Challenge, ChallengeInvitation, ChallengeQuestion, ChallengeRevision
from .consent import Consent
from .enums import (
                    CHOSEN_PROPOSAL_STATES,
                    INSTITUTION_TYPES,
                    REGISTRABLE_TYPES,
                    ChallengeMode,
                    ChallengeState,
                    DeclineCode,
                    IPTerms,
                    ItemProgress,
                    ListingStatus,
                    MemberState,
                    MidtermResult,
                    MilestoneState,
                    OrgRole,
                    OrgStatus,
                    OrgType,
                    PlanCategory,
                    PlanState,
                    ProjectState,
                    ProposalState,
                    ReviewState,
                    SupervisionState,
                    TransferMode,
                    Visibility,
)
from .form_submission import FormSubmission
from .index_change import IndexChange, RecommendationEvent
from .key_link import KeyLink, key_link_challenge
from .listing import Achievement, Capability, capability_chain
from .login_attempt import LoginAttempt
from .notification import Notification, NotificationPreference
from .organisation import Organisation
from .project import Milestone, Project
from .proposal import ConsortiumMember, Proposal, ProposalMilestone
from .review import Objection, Publicity, Review
from .supervision import Supervision
from .user import ExpertMembership, Invitation, User, UserSession, token_digest
from .work_plan import (
                    MILESTONES_MAX,
                    MILESTONES_MIN,
                    WorkPlan,
                    WorkPlanItem,
                    WorkPlanMilestone,
                    WorkPlanProgress,
                    WorkPlanRevision,
                    work_plan_item_challenge,
                    work_plan_item_key_link,
                    work_plan_item_project,
)

__all__ = [
    "ChainReport",
    "ItemProgress",
    "PlanCategory",
    "PlanState",
    "Supervision",
    "SupervisionState",
    "MILESTONES_MAX",
    "MILESTONES_MIN",
    "WorkPlan",
    "WorkPlanItem",
    "WorkPlanMilestone",
    "WorkPlanProgress",
    "WorkPlanRevision",
    "work_plan_item_challenge",
    "work_plan_item_key_link",
    "work_plan_item_project",
    "KeyLink",
    "key_link_challenge",
    "Consent",
    "CHOSEN_PROPOSAL_STATES",
    "LoginAttempt",
    "FormSubmission",
    "IndexChange",
    "RecommendationEvent",
    "ConsortiumMember",
    "DeclineCode",
    "MemberState",
    "Milestone",
    "MidtermResult",
    "MilestoneState",
    "Objection",
    "Project",
    "ProjectState",
    "Proposal",
    "ProposalMilestone",
    "ProposalState",
    "Publicity",
    "Review",
    "ReviewState",
    "Achievement",
    "Attachment",
    "Capability",
    "Challenge",
    "ChallengeInvitation",
    "ChallengeMode",
    "ChallengeQuestion",
    "ChallengeRevision",
    "ChallengeState",
    "IPTerms",
    "ListingStatus",
    "TransferMode",
    "Visibility",
    "capability_chain",
    "Notification",
    "NotificationPreference",
    "AuditEvent",
    "Chain",
    "ChainLead",
    "ExpertMembership",
    "Invitation",
    "OrgRole",
    "OrgStatus",
    "OrgType",
    "INSTITUTION_TYPES",
    "REGISTRABLE_TYPES",
    "Organisation",
    "User",
    "UserSession",
    "token_digest",
]
