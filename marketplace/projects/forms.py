"""Forms for project tracking."""
from __future__ import annotations

from wtforms import SelectField, TextAreaField

from ..bounds import BoundedIntegerField
from ..formkit import BaseForm, between, chosen, max_length, options, required
from ..models import MidtermResult


class EvidenceForm(BaseForm):
    evidence = TextAreaField("完成情况与证明材料说明", validators=[required("完成情况说明"), max_length(5000)])


class ReasonForm(BaseForm):
    reason = TextAreaField("原因", validators=[required("原因"), max_length(2000)])


class MidtermForm(BaseForm):
    midterm_result = SelectField("检查结论", choices=options(MidtermResult.choices(), "请选择"),
                         validators=[chosen("检查结论")])
    midterm_note = TextAreaField("检查意见", validators=[required("检查意见"), max_length(5000)])


class StageGateForm(BaseForm):
    decision = SelectField("评估决定", choices=options([("continue", "继续支持"), ("stop", "终止该团队")], "请选择"),
                           validators=[chosen("评估决定")])
    gate_note = TextAreaField("评估意见", validators=[required("评估意见"), max_length(5000)])


class AcceptanceForm(BaseForm):
    """Per-indicator fields (met_<i>, note_<i>) come from the request; see routes.acceptance."""

    acceptance_result = SelectField("验收结论", choices=options([("passed", "验收通过"), ("failed", "验收不通过")], "请选择"),
                         validators=[chosen("验收结论")])
    acceptance_note = TextAreaField("验收意见", validators=[required("验收意见"), max_length(5000)])
    trl = BoundedIntegerField("验收时的技术成熟度（TRL 1—9）", default=7, invalid_value_message="技术成熟度应为 1—9 的整数。", validators=[
        required("技术成熟度"), between(1, 9, "技术成熟度应为 1—9 级。")],
                       description="验收通过后记入成果库的成果成熟度：6 级为相关环境中的样机演示，7 级为实际环境中的系统样机。")
