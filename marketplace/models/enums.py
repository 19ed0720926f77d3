"""Enumerations stored in the database, each with its Chinese label for the pages.

Each enum lists its members and their labels only: `draft = "草稿"` is the member `draft`, stored
as "draft", shown as 草稿 (`member.label`). A code that cannot be a Python name is given as a pair,
`passed = ("pass", "通过")`; not in an enum column, though: SQLAlchemy stores a member's name.
"""
from __future__ import annotations

import enum


class _LabelledType(enum.EnumType):
    """Turns `name = "标签"` into the member `name` whose value is its name and whose label is 标签.

    It rewrites the class body's member values before Enum makes the members (`_member_names`, the
    names Enum is about to turn into members, is the same in Python 3.11 to 3.13)."""

    def __new__(metacls, cls, bases, classdict, **kwargs):
        for name in classdict._member_names:
            label = classdict[name]
            if isinstance(label, str):
                dict.__setitem__(classdict, name, (name, label))
        return super().__new__(metacls, cls, bases, classdict, **kwargs)


class LabelledEnum(str, enum.Enum, metaclass=_LabelledType):
    """A string enum whose members carry a Chinese label."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls, exclude: tuple = (), only: tuple | None = None) -> list[tuple[str, str]]:
        """(value, label) pairs for a select field: every member, or `only` those, less `exclude`."""
        return [(m.value, m.label) for m in (cls if only is None else only) if m not in exclude]


class OrgType(LabelledEnum):
    enterprise = "企业"
    university = "高等院校"
    institute = "科研院所"
    other = "其他机构"
    government = "政府部门"

    @property
    def is_institution(self) -> bool:
        """Universities, institutes and other bodies answer challenges (揭榜方)."""
        return self in INSTITUTION_TYPES


# What an institution (揭榜方) is: the one definition, for Python and SQL alike.
INSTITUTION_TYPES = (OrgType.university, OrgType.institute, OrgType.other)
# What may register on the platform (government bodies are created by the platform admins).
REGISTRABLE_TYPES = (OrgType.enterprise, *INSTITUTION_TYPES)


class OrgStatus(LabelledEnum):
    pending = "待审核"
    verified = "已认证"
    rejected = "未通过"


class OrgRole(LabelledEnum):
    member = "成员"
    admin = "管理员"


class ChallengeMode(LabelledEnum):
    open_call = "揭榜挂帅"
    commissioned = "委托攻关"
    joint = "联合攻关"


class ChallengeState(LabelledEnum):
    draft = "草稿"
    submitted = "待审核"
    returned = "已退回"
    published = "揭榜中"
    closed = "已截止"
    awarded = "已立项"
    failed = "流榜"
    withdrawn = "已撤回"


class Visibility(LabelledEnum):
    public = "完全公开"
    summary = "公开摘要，详情仅对已认证机构可见"
    invited = "仅受邀机构可见"

    @property
    def is_restricted(self) -> bool:
        """Not everyone reads the whole listing: the list pages say so next to it."""
        return self is not Visibility.public


class IPTerms(LabelledEnum):
    solver_licence = "知识产权归揭榜方，发榜方获得使用许可"
    assigned = "知识产权归发榜方"
    joint = "双方共有"
    negotiable = "另行协商"


class ListingStatus(LabelledEnum):
    active = "展示中"
    archived = "已下架"


class TransferMode(LabelledEnum):
    transfer = "转让"
    licence = "许可"
    equity = "作价入股"
    joint_dev = "合作开发"
    service = "技术服务"


class ProposalState(LabelledEnum):
    draft = "草稿"
    submitted = "已提交"
    shortlisted = "入围"
    declined = "未入围"
    selected = "拟立项"
    not_selected = "未中选"
    withdrawn = "已撤回"
    # After 立项 the proposal follows its project (ProjectState.proposal_state).
    approved = "已立项"
    accepted = "验收通过"
    terminated = "终止"


# Proposals that were chosen (拟立项) and may since have become projects.
CHOSEN_PROPOSAL_STATES = (ProposalState.selected, ProposalState.approved, ProposalState.accepted,
                          ProposalState.terminated)


class DeclineCode(LabelledEnum):
    out_of_scope = "方案与需求不符"
    indicators = "技术指标未达要求"
    price = "报价不合理"
    team = "团队能力不足"
    other = "其他"


class MemberState(LabelledEnum):
    invited = "待确认"
    accepted = "已确认"
    declined = "已拒绝"


class ReviewState(LabelledEnum):
    assigned = "待评审"
    submitted = "已评审"
    recused = "已回避"


class ProjectState(LabelledEnum):
    approved = "已立项"
    in_progress = "实施中"
    accepted = "验收通过"
    terminated = "已终止"

    @property
    def proposal_state(self) -> ProposalState:
        """What the project's proposal shows: 已立项 while it runs, then 验收通过 or 终止."""
        return {ProjectState.accepted: ProposalState.accepted,
                ProjectState.terminated: ProposalState.terminated}.get(self, ProposalState.approved)


class MilestoneState(LabelledEnum):
    planned = "计划中"
    submitted = "待确认"
    confirmed = "已确认"
    rejected = "已退回"


class MidtermResult(LabelledEnum):
    """中期检查 conclusions (stored as text in project.midterm_result)."""

    passed = ("pass", "通过")
    concern = "需整改"


class PlanState(LabelledEnum):
    """A chain's annual work plan (工作要点 + 工作清单): the chain admin submits, the platform admin
    approves or returns; an approved plan changes only as a new revision with a reason."""

    draft = "草稿"
    submitted = "待审批"
    returned = "已退回"
    approved = "已批准"


class PlanCategory(LabelledEnum):
    """What a work-plan item (工作清单 条目) is about."""

    key_link = "关键缺失环节攻关"
    investment = "补链招商"
    platform = "平台建设"
    policy = "政策出台"
    promotion = "宣传推介"
    other = "其他"


class ItemProgress(LabelledEnum):
    """Where a work-plan item stands on a given day (computed, not stored)."""

    on_track = "按期"
    late = "滞后"
    done = "已完成"


class SupervisionState(LabelledEnum):
    """A 督办单: issued by the platform admin, answered by the chain admin."""

    open = "待答复"
    answered = "已答复"
