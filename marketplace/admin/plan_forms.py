"""Forms of the annual work plan page (工作要点, 工作清单 items, decisions, progress)."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import DateField, FieldList, Form, FormField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional, StopValidation

from ..bounds import PROJECT_YEARS, VersionField, within_years
from ..formkit import BAD_DATE, BaseForm, max_length, options, required
from ..models import PlanCategory
from ..models.work_plan import MILESTONES_MAX
from ..services.work_plans import PLAN_REGIONS, ItemInput


class PlanForm(BaseForm):
    key_points = TextAreaField("工作要点", validators=[max_length(5000)],
                               description="本链本年度的总体目标和主要举措（提交审批前须填写）。")
    reason = TextAreaField("修改原因", validators=[max_length(1000)],
                           description="计划已批准：每次修改都作为一次修订留存，须说明原因。")
    version = VersionField()


def _date_if_named(row, field):
    if not (field.raw_data or [""])[0].strip() and (row.title.data or "").strip():
        field.errors[:] = []
        raise StopValidation("已填写节点名称，但缺少日期。")


def _name_if_dated(row, field):
    # A row with a date but no name is a mistake, not a blank row to drop silently.
    if not (field.data or "").strip() and (row.due_on.raw_data or [""])[0].strip():
        raise StopValidation("请填写节点名称（本行已填写节点日期）。")


class StepRow(Form):
    """One sub-milestone of the 任务图; a blank row is ignored."""

    title = StringField("节点名称", validators=[_name_if_dated, max_length(200)])
    due_on = DateField("节点日期", validators=[_date_if_named, Optional(), within_years(PROJECT_YEARS)],
                       invalid_value_message=BAD_DATE)

    class Meta:
        locales = ["zh"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        number = int(self._prefix.rstrip("-").rsplit("-", 1)[-1]) + 1
        for f in self:  # "第 3 个节点日期": each error in the summary says which row it is in
            f.label.text = f"第 {number} 个{f.label.text}"


class ItemForm(BaseForm):
    title = StringField("事项名称", validators=[required("事项名称"), max_length(200)])
    category = SelectField("类别", choices=options(PlanCategory.choices(), "请选择"), validators=[required("类别")])
    # The service refuses a value off the list with its own message (validate_choice off).
    regions = SelectMultipleField("重点地区", choices=options((r, r) for r in PLAN_REGIONS), validate_choice=False)
    key_links = SelectMultipleField("关联关键缺失环节", coerce=int, validate_choice=False)
    challenges = SelectMultipleField("关联榜单", coerce=int, validate_choice=False)
    projects = SelectMultipleField("关联项目", coerce=int, validate_choice=False)
    responsible_unit = StringField("责任单位", validators=[required("责任单位"), max_length(128)])
    responsible_person = StringField("责任人", validators=[required("责任人"), max_length(64)])
    start_date = DateField("开始日期", validators=[required("开始日期"), within_years()], invalid_value_message=BAD_DATE)
    end_date = DateField("完成日期", validators=[required("完成日期"), within_years()], invalid_value_message=BAD_DATE)
    milestones = FieldList(FormField(StepRow), "任务图", min_entries=MILESTONES_MAX, max_entries=MILESTONES_MAX)
    reason = TextAreaField("修改原因", validators=[max_length(1000)])
    version = VersionField()

    def set_links(self, links, listings, projects) -> None:
        self.key_links.choices = options((k.id, k.segment) for k in links)
        self.challenges.choices = options((c.id, c.title) for c in listings)
        self.projects.choices = options((p.id, p.challenge.title) for p in projects)

    def fill(self, item) -> None:
        """The form of an existing item (GET of its edit page)."""
        for name in ("title", "responsible_unit", "responsible_person", "start_date", "end_date"):
            getattr(self, name).data = getattr(item, name)
        self.category.data = item.category.value
        self.regions.data = list(item.regions or [])
        self.key_links.data = [k.id for k in item.key_links]
        self.challenges.data = [c.id for c in item.challenges]
        self.projects.data = [p.id for p in item.projects]
        for entry, step in zip(self.milestones.entries, item.milestones, strict=False):
            entry.form.title.data, entry.form.due_on.data = step.title, step.due_on

    def add_problems(self, problems) -> None:
        """The service's own checks (work_plans.item_problems) next to the fields the form's validators
        passed: one submission shows every problem. The 任务图's count waits until its rows are right."""
        rows_wrong = any(e.form.errors for e in self.milestones.entries)
        for name, message in problems:
            f = getattr(self, name)
            if name == "milestones":
                if not rows_wrong:
                    f.errors = [*f.errors, message]
            elif not f.errors:  # a field the form already faults keeps the form's own message
                f.errors = [message]

    def data_in(self) -> ItemInput:
        steps = [(e.form.title.data.strip(), e.form.due_on.data) for e in self.milestones.entries
                 if (e.form.title.data or "").strip() and e.form.due_on.data is not None]
        return ItemInput(
            title=self.title.data or "", category=self.category.data or "", regions=self.regions.data or [],
            responsible_unit=self.responsible_unit.data or "", responsible_person=self.responsible_person.data or "",
            start_date=self.start_date.data, end_date=self.end_date.data, milestones=steps,
            key_link_ids=self.key_links.data or [], challenge_ids=self.challenges.data or [],
            project_ids=self.projects.data or [])


class DecisionForm(BaseForm):
    reason = TextAreaField("退回原因", validators=[max_length(1000)])
    version = VersionField()


class ProgressForm(BaseForm):
    note = TextAreaField("进展情况", validators=[required("进展情况"), max_length(2000)])
    attachment = FileField("附件（PDF / Word，可选，不超过 10 MB）", validators=[Optional()])


class ConfirmForm(BaseForm):
    done_on = DateField("完成日期", validators=[required("完成日期")], invalid_value_message=BAD_DATE)
