"""Forms for posting, reviewing and discussing challenges."""
from __future__ import annotations

from datetime import date

from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, DecimalField, HiddenField, IntegerField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import NumberRange, Optional, Regexp, ValidationError

from ..formkit import BaseForm, chosen, max_length, options, required
from ..models import ChallengeMode, IPTerms, Visibility


class ChallengeForm(BaseForm):
    title = StringField("榜单名称", validators=[required("榜单名称"), max_length(200)],
                        description="一句话说清要攻克的技术难题，如“面向液冷智算中心的高效冷板散热系统研制”。")
    chain_id = SelectField("所属产业链", coerce=int, validators=[chosen("所属产业链")])
    mode = SelectField("攻关方式", choices=options(ChallengeMode.choices()), default="open_call",
                       description="揭榜挂帅：面向已认证机构公开征集；委托攻关：直接邀请机构；联合攻关：多家机构组成联合体。")
    background = TextAreaField("需求背景", validators=[required("需求背景"), max_length(5000)])
    difficulty = TextAreaField("主要技术难点", validators=[max_length(5000)])
    indicators = TextAreaField("技术指标（验收标准）", validators=[max_length(5000)],
                               description="可量化、可检测的指标，逐条列出，将作为验收标准。")
    expected_outcome = TextAreaField("预期成果", validators=[max_length(3000)])
    budget_wan = DecimalField("榜额（万元）", places=2, validators=[
        required("榜额"), NumberRange(min=0.01, max=1000000, message="榜额应在 0.01—1,000,000 万元之间。")])
    deadline = DateField("揭榜截止日期", validators=[required("揭榜截止日期")])
    period_months = IntegerField("项目周期（月）", default=12, validators=[
        required("项目周期"), NumberRange(min=1, max=120, message="项目周期应为 1—120 个月。")])
    conditions = TextAreaField("揭榜条件", validators=[max_length(3000)])
    keywords = StringField("关键词", validators=[max_length(500)], description="用逗号分隔，如：液冷, 冷板, PUE。")
    ip_terms = SelectField("知识产权约定", choices=options(IPTerms.choices()), default="negotiable")
    visibility = SelectField("公开范围", choices=options(Visibility.choices()), default="public")
    contact_name = StringField("联系人", validators=[required("联系人"), max_length(64)])
    contact_phone = StringField("联系电话", validators=[
        required("联系电话"),
        Regexp(r"^[0-9+\-() ]{7,20}$", message="请输入有效的电话号码，如 027-87654321 或 13800000000。")])
    version = HiddenField()

    def validate_deadline(self, field):
        if field.data and field.data < date.today() and not self.version.data:
            raise ValidationError("揭榜截止日期不能早于今天。")


class ReasonForm(BaseForm):
    reason = TextAreaField("原因", validators=[required("原因"), max_length(2000)])


class KeyLinkForm(BaseForm):
    confirm_over_quota = BooleanField("确认超出年度数量上限")


class InviteInstitutionForm(BaseForm):
    organisation_id = SelectField("揭榜机构", coerce=int, validators=[chosen("揭榜机构")])


class QuestionForm(BaseForm):
    question = TextAreaField("问题", validators=[required("问题内容"), max_length(2000)])


class AnswerForm(BaseForm):
    answer = TextAreaField("答复", validators=[required("答复内容"), max_length(2000)])


class AttachmentForm(BaseForm):
    attachment = FileField("附件（PDF / Word，不超过 10 MB）", validators=[Optional()])
