"""Forms for proposals, consortium invitations, expert review and selection."""
from __future__ import annotations

from decimal import Decimal

from wtforms import (DateField, FieldList, Form, FormField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import Optional, StopValidation, ValidationError

from ..bounds import AMOUNT_MAX_WAN, PROJECT_YEARS, BoundedDecimalField, BoundedIntegerField, VersionField, within_years
from ..formkit import BAD_DATE, BaseForm, between, chosen, decimals, max_length, options, required
from ..models import DeclineCode

MILESTONE_ROWS = 5


def _date_if_named(row, field):
    """A named milestone needs its due date (runs before Optional, which would skip a blank one)."""
    if not (field.raw_data or [""])[0].strip() and (row.title.data or "").strip():
        field.errors[:] = []
        raise StopValidation("已填写里程碑名称，但缺少完成日期。")


class MilestoneRow(Form):
    """One row of the milestone table; a row left blank is ignored, a half-filled one is refused."""

    title = StringField("里程碑名称", validators=[max_length(200)])  # labels get the row number: see __init__
    due_date = DateField("完成日期", validators=[_date_if_named, Optional(), within_years(PROJECT_YEARS)],
                         invalid_value_message=BAD_DATE)
    deliverable = StringField("交付物", validators=[Optional(), max_length(500)])
    fund_share = BoundedIntegerField("经费比例（%）", validators=[Optional(), between(0, 100, "应为 0—100 的整数。")],
                              invalid_value_message="应为 0—100 的整数。")

    class Meta:
        locales = ["zh"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self:  # "第 3 个里程碑完成日期": each error in the summary says which row it is in
            field.label.text = f"第 {self.number} 个{field.label.text if field.name.endswith('title') else '里程碑' + field.label.text}"

    @property
    def number(self) -> int:
        """The row's number on the page (its prefix is milestones-<index>-)."""
        return int(self._prefix.rstrip("-").rsplit("-", 1)[-1]) + 1

    def is_blank(self) -> bool:
        return not any((f.raw_data or [""])[0].strip() for f in (self.title, self.due_date, self.deliverable, self.fund_share))

    def validate_title(self, field):
        if not (field.data or "").strip() and not self.is_blank():
            raise ValidationError("本行已填写内容，但缺少名称。")


class ProposalForm(BaseForm):
    technical_plan = TextAreaField("技术方案", validators=[required("技术方案"), max_length(20000)],
                                   description="技术路线、关键技术的解决思路，以及如何逐项达到榜单的技术指标。")
    team = TextAreaField("团队组成", validators=[required("团队组成"), max_length(5000)])
    track_record = TextAreaField("前期基础与业绩", validators=[max_length(5000)])
    price_wan = BoundedDecimalField("报价（万元）", places=2, invalid_value_message="报价应为数字，单位万元。", validators=[
        required("报价"), between(Decimal("0.01"), 1000000, "报价应在 0.01—1,000,000 万元之间。"),
        decimals(2, "报价最多保留两位小数。")])
    schedule = TextAreaField("进度安排", validators=[max_length(5000)])
    milestones = FieldList(FormField(MilestoneRow), "里程碑", min_entries=MILESTONE_ROWS, max_entries=MILESTONE_ROWS)
    version = VersionField()  # the draft's version when the form was opened: a colleague's save is never overwritten

    def milestone_rows(self) -> list[dict]:
        """The rows with a name and a readable date, each with its number on the page (`row`);
        half-filled rows carry their own error (see MilestoneRow)."""
        rows = []
        for entry in self.milestones.entries:
            row = entry.form
            if (row.title.data or "").strip() and row.due_date.data is not None:
                # A share its own field already refused counts as 0 here, so the plan's checks do not
                # report the same mistake a second time.
                share = 0 if row.fund_share.errors else (row.fund_share.data or 0)
                rows.append({"row": row.number, "title": row.title.data.strip(), "due_date": row.due_date.data,
                             "deliverable": (row.deliverable.data or "").strip(), "fund_share": share})
        return rows

    def milestones_blank(self) -> bool:
        return all(entry.form.is_blank() for entry in self.milestones.entries)


class MemberInviteForm(BaseForm):
    organisation_id = SelectField("联合体成员单位", coerce=int, validators=[chosen("成员单位")])
    role = StringField("分工", validators=[max_length(200)])


class DeclineForm(BaseForm):
    code = SelectField("未入围原因", choices=options(DeclineCode.choices(), "请选择"), validators=[chosen("未入围原因")])
    reason = TextAreaField("具体说明", validators=[max_length(2000)])


class AssignForm(BaseForm):
    expert_id = SelectField("评审专家", coerce=int, validators=[chosen("评审专家")])


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
    # Funding above the 榜额 is allowed (the desk shows it for attention); beyond the site's ceiling, or
    # dates a decade away, it is a typo, and a value too large for NUMERIC(12, 2) used to be a 500.
    funding_wan = BoundedDecimalField("立项经费（万元）", places=2, invalid_value_message="立项经费应为数字，单位万元。", validators=[
        required("立项经费"),
        between(Decimal("0.01"), AMOUNT_MAX_WAN, f"立项经费应在 0.01—{AMOUNT_MAX_WAN:,.0f} 万元之间。"),
        decimals(2, "立项经费最多保留两位小数。")])
    start_date = DateField("开始日期", validators=[required("开始日期"), within_years()], invalid_value_message=BAD_DATE)
    end_date = DateField("结束日期", validators=[required("结束日期"), within_years(PROJECT_YEARS)],
                         invalid_value_message=BAD_DATE)
    task_book = TextAreaField("任务书摘要", validators=[required("任务书摘要"), max_length(10000)])

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
