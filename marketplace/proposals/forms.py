"""Forms for proposals and consortium invitations (the evaluation desk's are in evaluation/forms.py)."""
from __future__ import annotations

from decimal import Decimal

from wtforms import DateField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional, StopValidation, ValidationError

from ..bounds import PROJECT_YEARS, BoundedDecimalField, BoundedIntegerField, VersionField, within_years
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
