"""Forms for capabilities and achievements."""
from __future__ import annotations

from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional, Regexp

from ..bounds import BoundedIntegerField, VersionField
from ..formkit import BaseForm, between, chosen, keywords_check, max_length, options, required, title_field
from ..models import TransferMode


class CapabilityForm(BaseForm):
    title = title_field("能力名称", 200, description="如“大模型推理加速与国产 AI 芯片算子优化”。")
    chain_ids = SelectMultipleField("服务的产业链", coerce=int, validators=[chosen("服务的产业链")],
                                    description="可多选。")
    direction = StringField("研究方向", validators=[required("研究方向"), max_length(500)])
    description = TextAreaField("能力描述", validators=[required("能力描述"), max_length(5000)],
                                description="能解决什么问题、采用什么方法、已有哪些基础与数据。平台据此为您推荐榜单。")
    team_lead = StringField("团队负责人", validators=[max_length(64)])
    team_size = BoundedIntegerField("团队规模（人）", invalid_value_message="应为 1—10000 之间的整数。",
                             validators=[Optional(), between(1, 10000, "应为 1—10000 之间的整数。")])
    notable_members = TextAreaField("骨干成员", validators=[max_length(2000)])
    facilities = TextAreaField("平台与设施", validators=[max_length(3000)])
    results = TextAreaField("代表性成果", validators=[max_length(3000)])
    keywords = StringField("关键词", validators=[max_length(500), keywords_check()],
                           description="用逗号或顿号分隔，每个至少 2 个字，如：碳化硅, 衬底。")
    version = VersionField()


class AchievementForm(BaseForm):
    title = title_field("成果名称", 200)
    chain_id = SelectField("所属产业链", coerce=int, validators=[chosen("所属产业链")])
    summary = TextAreaField("成果简介", validators=[required("成果简介"), max_length(5000)],
                            description="技术内容、性能指标、应用场景。")
    trl = BoundedIntegerField("技术成熟度（TRL 1—9）", default=5, invalid_value_message="技术成熟度应为 1—9 的整数。", validators=[
        required("技术成熟度"), between(1, 9, "技术成熟度应为 1—9 级。")])
    ip = TextAreaField("知识产权（专利等）", validators=[max_length(2000)])
    transfer_mode = SelectField("转化方式", choices=options(TransferMode.choices(), "待定"), validators=[Optional()])
    contact_name = StringField("联系人", validators=[required("联系人"), max_length(64)])
    contact_phone = StringField("联系电话", validators=[
        required("联系电话"),
        Regexp(r"^[0-9+\-() ]{7,20}$", message="请输入有效的电话号码，如 027-87654321 或 13800000000。")])
    version = VersionField()
