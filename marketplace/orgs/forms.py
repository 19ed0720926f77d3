"""Forms for an organisation's profile and members."""
from __future__ import annotations

import re

from flask_wtf.file import FileField
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, Email, Optional, Regexp, StopValidation

from ..formkit import REGIONS, BaseForm, chosen, max_length, options, required
from ..models import OrgRole

# "scheme:" at the start, but not "host:port" (www.example.com:8080).
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):(?!\d)")


def with_scheme(value):
    """A website typed without a scheme ("www.example.com") is taken as https://."""
    if value and not _SCHEME.match(value):
        return f"https://{value}"
    return value


def web_scheme(form, field):
    """Only http(s) addresses: javascript:, data:, ftp: and the like are refused."""
    found = _SCHEME.match(field.data or "")
    if found and found.group(1).lower() not in ("http", "https"):
        raise StopValidation("网址应以 http:// 或 https:// 开头，如 https://www.example.com。")


class ProfileForm(BaseForm):
    region = SelectField("所在地区", choices=options([(r, r) for r in REGIONS]), validators=[chosen("所在地区")])
    contact_name = StringField("联系人", validators=[required("联系人"), max_length(64)])
    contact_phone = StringField("联系电话", validators=[
        required("联系电话"),
        Regexp(r"^[0-9+\-() ]{7,20}$", message="请输入有效的电话号码，如 027-87654321 或 13800000000。"),
    ])
    contact_email = EmailField("联系邮箱", validators=[Optional(), Email(message="请输入有效的邮箱地址。"), max_length(254)])
    website = StringField("网站", filters=[with_scheme], validators=[
        Optional(), web_scheme, URL(message="请输入有效网址，如 www.example.com。"), max_length(254)],
        description="如 www.example.com（未写 https:// 时自动补上）。")
    profile = TextAreaField("机构简介", validators=[max_length(5000)],
                            description="主营业务或研究方向、平台与资质、代表性成果等，便于平台为您精准匹配。")


class InviteForm(BaseForm):
    email = EmailField("被邀请人邮箱", validators=[required("被邀请人邮箱"), Email(message="请输入有效的邮箱地址。")])
    role = SelectField("角色", choices=options(OrgRole.choices()), default=OrgRole.member.value)


class DocumentForm(BaseForm):
    attachment = FileField("认证材料（PDF / JPG / PNG，每份不超过 10 MB）", validators=[Optional()],
                           render_kw={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"})
