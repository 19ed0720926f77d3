"""Forms for proposals, consortium invitations, expert review and selection."""
from __future__ import annotations

from wtforms import (DateField, DecimalField, FieldList, Form, FormField, IntegerField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import NumberRange, Optional

from ..formkit import BaseForm, chosen, max_length, options, required
from ..models import DeclineCode

MILESTONE_ROWS = 5


class MilestoneRow(Form):
    """One row of the milestone table; a row with no title is ignored."""

    title = StringField("里程碑", validators=[Optional(), max_length(200)])
    due_date = DateField("完成日期", validators=[Optional()])
    deliverable = StringField("交付物", validators=[Optional(), max_length(500)])
    fund_share = IntegerField("经费比例（%）", validators=[Optional(), NumberRange(min=0, max=100, message="应为 0—100。")])

    class Meta:
        locales = ["zh"]


class ProposalForm(BaseForm):
    technical_plan = TextAreaField("技术方案", validators=[required("技术方案"), max_length(20000)],
                                   description="技术路线、关键技术的解决思路，以及如何逐项达到榜单的技术指标。")
    team = TextAreaField("团队组成", validators=[required("团队组成"), max_length(5000)])
    track_record = TextAreaField("前期基础与业绩", validators=[max_length(5000)])
    price_wan = DecimalField("报价（万元）", places=2, validators=[
        required("报价"), NumberRange(min=0.01, max=1000000, message="报价应在 0.01—1,000,000 万元之间。")])
    schedule = TextAreaField("进度安排", validators=[max_length(5000)])
    milestones = FieldList(FormField(MilestoneRow), min_entries=MILESTONE_ROWS, max_entries=MILESTONE_ROWS)

    def milestone_rows(self) -> list[dict]:
        """The filled rows; raises ValueError with a Chinese message for a half-filled row."""
        rows = []
        for index, entry in enumerate(self.milestones.entries, start=1):
            data = entry.form.data
            if not (data["title"] or "").strip():
                if data["due_date"] or (data["deliverable"] or "").strip():
                    raise ValueError(f"第 {index} 个里程碑缺少名称。")
                continue
            if not data["due_date"]:
                raise ValueError(f"第 {index} 个里程碑缺少完成日期。")
            rows.append({"title": data["title"].strip(), "due_date": data["due_date"],
                         "deliverable": (data["deliverable"] or "").strip(), "fund_share": data["fund_share"] or 0})
        return rows


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


def score_form(criteria, formdata=None, data=None):
    """A ScoreForm with one 0–100 field per criterion of the rubric."""

    class Scores(ScoreForm):
        pass

    for index, (name, weight) in enumerate(criteria):
        setattr(Scores, f"c{index}", DecimalField(f"{name}（权重 {weight}）", places=1, validators=[
            required(name), NumberRange(min=0, max=100, message="评分应为 0—100。")]))
    return Scores(formdata=formdata, data=data) if formdata is not None else Scores(data=data)


class SelectForm(BaseForm):
    proposal_ids = SelectMultipleField("拟立项方案", coerce=int, validators=[chosen("拟立项方案")],
                                       description="选择多个方案即为“赛马”：多个团队并行攻关，阶段评估后择优继续。")
    text = TextAreaField("公示内容", validators=[max_length(5000)], description="留空则自动生成。")


class ApproveForm(BaseForm):
    funding_wan = DecimalField("立项经费（万元）", places=2, validators=[
        required("立项经费"), NumberRange(min=0.01, message="立项经费应大于 0。")])
    start_date = DateField("开始日期", validators=[required("开始日期")])
    end_date = DateField("结束日期", validators=[required("结束日期")])
    task_book = TextAreaField("任务书摘要", validators=[required("任务书摘要"), max_length(10000)])


class RubricForm(BaseForm):
    rubric = TextAreaField("评审细则", validators=[required("评审细则"), max_length(2000)],
                           description="每行一项：指标名称 权重，权重合计 100。如：技术先进性 30")


class ObjectionForm(BaseForm):
    text = TextAreaField("异议内容", validators=[required("异议内容"), max_length(5000)])


class ResponseForm(BaseForm):
    response = TextAreaField("处理意见", validators=[required("处理意见"), max_length(5000)])
