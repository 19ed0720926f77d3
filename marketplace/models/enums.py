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
