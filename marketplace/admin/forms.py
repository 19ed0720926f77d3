"""Forms of the admin area."""
from __future__ import annotations

from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import StopValidation

from ..bounds import BoundedIntegerField, VersionField
from ..formkit import BaseForm, between, max_length, options, required


class RejectForm(BaseForm):
    reason = TextAreaField("不予认证的原因", validators=[required("不予认证的原因"), max_length(1000)])


class ChainSettingsForm(BaseForm):
    leader = StringField("链长", validators=[required("链长"), max_length(128)])
    lead_department = StringField("牵头部门", validators=[required("牵头部门"), max_length(128)])
    description = TextAreaField("产业链简介", validators=[max_length(2000)])
    key_link_quota_min = BoundedIntegerField("关键缺失环节年度数量下限", invalid_value_message="应为 1—20 之间的整数。", validators=[
        required("下限"), between(1, 20, "应为 1—20 之间的整数。")])
    key_link_quota_max = BoundedIntegerField("关键缺失环节年度数量上限", invalid_value_message="应为 1—20 之间的整数。", validators=[
        required("上限"), between(1, 20, "应为 1—20 之间的整数。")])


def chosen_from_search(message: str):
    """Nothing was picked (a picker's id is never 0)."""
    def check(form, field):
        if field.data is None:
            raise StopValidation(message)

    return check


def picked(label: str) -> BoundedIntegerField:
    """The id a picker's button sends (搜索后选择): nothing or a non-number asks to search and choose."""
    message = f"请先搜索并选择{label}。"
    return BoundedIntegerField(label, invalid_value_message=message, validators=[chosen_from_search(message)])


class DesignateLeadForm(BaseForm):
    organisation_id = picked("企业")


class AppointExpertForm(BaseForm):
    user_id = picked("专家")
    title = StringField("职称", validators=[max_length(64)])
    expertise = TextAreaField("研究专长", validators=[max_length(2000)],
                              description="用于为方案推荐评审专家；已有专长的账号可留空。")


class UserRolesForm(BaseForm):
    is_platform_admin = BooleanField("平台管理员")
    admin_chain = SelectField("牵头部门账号（所管产业链）", default="")  # absent when not offered: none
    # The read-only 链长制 roles, offered like admin_chain: absent from the form means none.
    leader_chain = SelectField("链长（所联系的产业链，只读）", default="")
    is_chief_leader = BooleanField("总链长（查看全部产业链，只读）")


class KeyLinkForm(BaseForm):
    """One of the year's key missing links (关键缺失环节)."""

    segment = StringField("环节名称", validators=[required("环节名称"), max_length(200)])
    why_missing = TextAreaField("缺失原因", validators=[max_length(2000)])
    target_indicators = TextAreaField("目标指标", validators=[max_length(2000)])
    priority = SelectField("优先级", choices=options([("1", "高"), ("2", "中"), ("3", "低")]), default="2")
    confirm_over_quota = BooleanField("确认超出年度数量上限")
    version = VersionField()  # the link's version when the edit form was opened (compare-and-set)



class SupervisionForm(BaseForm):
    """A 督办单: what is asked and the reply deadline in working days."""

    request = TextAreaField("督办事项及要求", validators=[required("督办事项及要求"), max_length(2000)])
    working_days = BoundedIntegerField("答复期限（工作日）", default=5, invalid_value_message="应为 1—30 之间的整数。",
                                       validators=[required("答复期限"), between(1, 30, "应为 1—30 之间的整数。")])


class SupervisionReplyForm(BaseForm):
    reply = TextAreaField("答复内容", validators=[required("答复内容"), max_length(4000)])
    version = VersionField()  # the 督办单's version when the page was opened (compare-and-set)
