"""Enumerations stored in the database, each with its Chinese label for the pages."""
from __future__ import annotations

import enum


class LabelledEnum(str, enum.Enum):
    """A string enum whose members carry a Chinese label: `Member("value", "标签")`."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls, exclude: tuple = ()) -> list[tuple[str, str]]:
        """(value, label) pairs for a select field."""
        return [(m.value, m.label) for m in cls if m not in exclude]


class OrgType(LabelledEnum):
    enterprise = ("enterprise", "企业")
    university = ("university", "高等院校")
    institute = ("institute", "科研院所")
    other = ("other", "其他机构")
    government = ("government", "政府部门")

    @property
    def is_institution(self) -> bool:
        """Universities, institutes and other bodies answer challenges (揭榜方)."""
        return self in (OrgType.university, OrgType.institute, OrgType.other)


class OrgStatus(LabelledEnum):
    pending = ("pending", "待审核")
    verified = ("verified", "已认证")
    rejected = ("rejected", "未通过")


class OrgRole(LabelledEnum):
    member = ("member", "成员")
    admin = ("admin", "管理员")


class ChallengeMode(LabelledEnum):
    open_call = ("open_call", "揭榜挂帅")
    commissioned = ("commissioned", "委托攻关")
    joint = ("joint", "联合攻关")


class ChallengeState(LabelledEnum):
    draft = ("draft", "草稿")
    submitted = ("submitted", "待审核")
    returned = ("returned", "已退回")
    published = ("published", "揭榜中")
    closed = ("closed", "已截止")
    awarded = ("awarded", "已立项")
    failed = ("failed", "流榜")
    withdrawn = ("withdrawn", "已撤回")


class Visibility(LabelledEnum):
    public = ("public", "完全公开")
    summary = ("summary", "公开摘要，详情仅对已认证机构可见")
    invited = ("invited", "仅受邀机构可见")


class IPTerms(LabelledEnum):
    solver_licence = ("solver_licence", "知识产权归揭榜方，发榜方获得使用许可")
    assigned = ("assigned", "知识产权归发榜方")
    joint = ("joint", "双方共有")
    negotiable = ("negotiable", "另行协商")


class ListingStatus(LabelledEnum):
    active = ("active", "展示中")
    archived = ("archived", "已下架")


class TransferMode(LabelledEnum):
    transfer = ("transfer", "转让")
    licence = ("licence", "许可")
    equity = ("equity", "作价入股")
    joint_dev = ("joint_dev", "合作开发")
    service = ("service", "技术服务")


class ProposalState(LabelledEnum):
    draft = ("draft", "草稿")
    submitted = ("submitted", "已提交")
    shortlisted = ("shortlisted", "入围")
    declined = ("declined", "未入围")
    selected = ("selected", "拟立项")
    not_selected = ("not_selected", "未中选")
    withdrawn = ("withdrawn", "已撤回")


class DeclineCode(LabelledEnum):
    out_of_scope = ("out_of_scope", "方案与需求不符")
    indicators = ("indicators", "技术指标未达要求")
    price = ("price", "报价不合理")
    team = ("team", "团队能力不足")
    other = ("other", "其他")


class MemberState(LabelledEnum):
    invited = ("invited", "待确认")
    accepted = ("accepted", "已确认")
    declined = ("declined", "已拒绝")


class ReviewState(LabelledEnum):
    assigned = ("assigned", "待评审")
    submitted = ("submitted", "已评审")
    recused = ("recused", "已回避")


class ProjectState(LabelledEnum):
    approved = ("approved", "已立项")
    in_progress = ("in_progress", "实施中")
    accepted = ("accepted", "验收通过")
    terminated = ("terminated", "已终止")


class MilestoneState(LabelledEnum):
    planned = ("planned", "计划中")
    submitted = ("submitted", "待确认")
    confirmed = ("confirmed", "已确认")
    rejected = ("rejected", "已退回")
