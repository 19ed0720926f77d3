"""Forms of the evaluation desk: assigning experts, scoring, selection and 公示, objections, 立项."""
from __future__ import annotations

from decimal import Decimal

from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import Optional, ValidationError

from ..bounds import AMOUNT_MAX_WAN, PROJECT_YEARS, BoundedDecimalField, within_years
from ..formkit import BAD_DATE, BaseForm, between, chosen, decimals, max_length, required


class AssignForm(BaseForm):
    expert_id = SelectField("评审专家", coerce=int, validators=[chosen("评审专家")])
    # Left empty: today + REVIEW_DAYS (the desk pre-fills it); its bounds are the service's (reviews.check_due_on).
    due_on = DateField("评审截止日期", validators=[Optional()], invalid_value_message=BAD_DATE)


class DueForm(BaseForm):
    """Another due date for a review still waiting for its expert."""

    due_on = DateField("评审截止日期", validators=[required("评审截止日期")], invalid_value_message=BAD_DATE)


class ScoreForm(BaseForm):
    """Criteria are the challenge's rubric: the fields are added per request (see score_form)."""

    comment = TextAreaField("评审意见", validators=[required("评审意见"), max_length(5000)])


SCORE = "评分应为 0—100 的数字。"


def score_form(criteria, formdata=None, data=None):
    """A ScoreForm with one 0–100 field per criterion of the rubric."""

    class Scores(ScoreForm):
        pass

    for index, (name, weight) in enumerate(criteria):
        setattr(Scores, f"c{index}", BoundedDecimalField(f"{name}（权重 {weight}）", places=1, invalid_value_message=SCORE, validators=[
            required(name), between(0, 100, SCORE)]))
    return Scores(formdata=formdata, data=data) if formdata is not None else Scores(data=data)


class SelectForm(BaseForm):
    proposal_ids = SelectMultipleField("拟立项方案", coerce=int, validators=[chosen("拟立项方案")],
                                       description="选择多个方案即为“赛马”：多个团队并行攻关，阶段评估后择优继续。")
    text = TextAreaField("公示内容", validators=[max_length(5000)], description="留空则自动生成。")


class ApproveForm(BaseForm):
    # Funding above the 榜额 is allowed when confirmed with a reason (the service asks); beyond the site's ceiling, or
    # dates a decade away, it is a typo, and a value too large for NUMERIC(12, 2) used to be a 500.
    funding_wan = BoundedDecimalField("立项经费（万元）", places=2, invalid_value_message="立项经费应为数字，单位万元。", validators=[
        required("立项经费"),
        between(Decimal("0.01"), AMOUNT_MAX_WAN, f"立项经费应在 0.01—{AMOUNT_MAX_WAN:,.0f} 万元之间。"),
        decimals(2, "立项经费最多保留两位小数。")])
    start_date = DateField("开始日期", validators=[required("开始日期"), within_years()], invalid_value_message=BAD_DATE)
    end_date = DateField("结束日期", validators=[required("结束日期"), within_years(PROJECT_YEARS)],
                         invalid_value_message=BAD_DATE)
    confirm_over_budget = BooleanField("确认立项经费超出榜额")
    over_budget_reason = TextAreaField("超出榜额的理由", validators=[max_length(1000)],
                                       description="立项经费高于榜额时必填，记入操作记录。")
    task_book = TextAreaField("任务书摘要", validators=[required("任务书摘要"), max_length(10000)],
                              description="至少 20 个字：攻关内容、目标指标与进度安排。")

    def validate_end_date(self, field):
        start = self.start_date.data
        if field.data and start and not self.start_date.errors and field.data <= start:
            raise ValidationError("结束日期应晚于开始日期。")


class RubricForm(BaseForm):
    rubric = TextAreaField("评审细则", validators=[required("评审细则"), max_length(2000)],
                           description="每行一项：指标名称 权重，权重合计 100。如：技术先进性 30")


class ObjectionForm(BaseForm):
    text = TextAreaField("异议内容", validators=[required("异议内容"), max_length(5000)])


class ResponseForm(BaseForm):
    response = TextAreaField("处理意见", validators=[required("处理意见"), max_length(5000)])
