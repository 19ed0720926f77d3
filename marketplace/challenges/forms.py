"""Forms for posting, reviewing and discussing challenges."""
from __future__ import annotations

from decimal import Decimal

from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional, Regexp, ValidationError

from .. import clock
from ..bounds import BoundedDecimalField, BoundedIntegerField, VersionField, within_years
from ..formkit import (
    BAD_DATE,
    BaseForm,
    between,
    chosen,
    decimals,
    keywords_check,
    max_length,
    options,
    required,
    title_field,
)
from ..models import ChallengeMode, IPTerms, Visibility
from ..services.challenges import latest_deadline

TITLE_MAX = 60
KEYWORDS_MAX = 10
ON_SUBMIT = "提交审核时必填，保存草稿时可暂不填写。"


class ChallengeForm(BaseForm):
    """Fields in the order the page shows them: the error summary lists problems in this order."""

    title = title_field("榜单名称", TITLE_MAX, description=f"一句话说清要攻克的技术难题（不超过 {TITLE_MAX} 个字），"
                        "如“面向液冷智算中心的高效冷板散热系统研制”。")
    chain_id = SelectField("所属产业链", coerce=int, validators=[chosen("所属产业链")])
    mode = SelectField("攻关方式", choices=options(ChallengeMode.choices()), default="open_call",
                       description="揭榜挂帅：面向已认证机构公开征集；委托攻关：直接邀请机构；联合攻关：多家机构组成联合体。")
    keywords = StringField("关键词", validators=[max_length(500), keywords_check(KEYWORDS_MAX)],
                           description=f"用逗号或顿号分隔，最多 {KEYWORDS_MAX} 个，每个至少 2 个字，如：液冷, 冷板, PUE。")
    background = TextAreaField("需求背景", validators=[required("需求背景"), max_length(5000)])
    difficulty = TextAreaField("主要技术难点", validators=[max_length(5000)], description=ON_SUBMIT)
    indicators = TextAreaField("技术指标（验收标准）", validators=[max_length(5000)],
                               description="可量化、可检测的指标，逐条列出，将作为验收标准。" + ON_SUBMIT)
    expected_outcome = TextAreaField("预期成果", validators=[max_length(3000)], description=ON_SUBMIT)
    budget_wan = BoundedDecimalField("榜额（万元）", places=2, invalid_value_message="榜额应为数字，单位万元。", validators=[
        required("榜额"), between(Decimal("0.01"), 1000000, "榜额应在 0.01—1,000,000 万元之间。"),
        decimals(2, "榜额最多保留两位小数（单位万元）。")])
    deadline = DateField("揭榜截止日期", validators=[required("揭榜截止日期"), within_years()], invalid_value_message=BAD_DATE,
                         description="揭榜期最长一年：不早于今天，不晚于一年后的同一天。")
    period_months = BoundedIntegerField("项目周期（月）", default=12, invalid_value_message="项目周期应为 1—120 的整数（月）。",
                                 validators=[required("项目周期"), between(1, 120, "项目周期应为 1—120 个月。")],
                                 description="自揭榜截止日起算；揭榜方案的里程碑须在周期内完成。")
    conditions = TextAreaField("揭榜条件", validators=[max_length(3000)])
    ip_terms = SelectField("知识产权约定", choices=options(IPTerms.choices()), default="negotiable")
    visibility = SelectField("公开范围", choices=options(Visibility.choices()), default="public")
    contact_name = StringField("联系人", validators=[required("联系人"), max_length(64)])
    contact_phone = StringField("联系电话", validators=[
        required("联系电话"),
        Regexp(r"^[0-9+\-() ]{7,20}$", message="请输入有效的电话号码，如 027-87654321 或 13800000000。")])
    version = VersionField()

    def validate_deadline(self, field):
        if field.data and field.data < clock.today() and not self.version.data:
            raise ValidationError("揭榜截止日期不能早于今天。")
        if field.data and field.data > latest_deadline():
            raise ValidationError(f"揭榜截止日期最晚为一年后（{latest_deadline()}）。")



class ReasonForm(BaseForm):
    reason = TextAreaField("原因", validators=[required("原因"), max_length(2000)])


class InviteInstitutionForm(BaseForm):
    organisation_id = SelectField("揭榜机构", coerce=int, validators=[chosen("揭榜机构")])


class QuestionForm(BaseForm):
    question = TextAreaField("问题", validators=[required("问题内容"), max_length(2000)])


class AnswerForm(BaseForm):
    answer = TextAreaField("答复", validators=[required("答复内容"), max_length(2000)])


class AttachmentForm(BaseForm):
    attachment = FileField("附件（PDF / Word，不超过 10 MB）", validators=[Optional()])
