"""Forms for logging in, registering, passwords and invitations."""
from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import Email, EqualTo, Length, Regexp, ValidationError

from ..formkit import REGIONS, BaseForm, chosen, consent_box, max_length, options, required
from ..models import REGISTRABLE_TYPES, OrgType
from ..services.accounts import MIN_PASSWORD_LENGTH

EMAIL_MESSAGE = "请输入有效的邮箱地址。"
PASSWORD_LENGTH = Length(min=MIN_PASSWORD_LENGTH, max=128, message=f"密码长度应为 {MIN_PASSWORD_LENGTH}—128 位。")


class LoginForm(BaseForm):
    email = EmailField("邮箱", validators=[required("邮箱"), Email(message=EMAIL_MESSAGE)])
    password = PasswordField("密码", validators=[required("密码")])
    remember = BooleanField("记住我（14 天）")


class RegisterForm(BaseForm):
    name = StringField("机构全称", validators=[required("机构全称"), Length(min=2, max=128, message="机构全称应为 2—128 个字符。")])
    org_type = SelectField("机构类型", choices=options(OrgType.choices(only=REGISTRABLE_TYPES), "请选择"),
                           validators=[chosen("机构类型")])
    credit_code = StringField("统一社会信用代码", validators=[required("统一社会信用代码"), max_length(40)],
                              description="18 位，见营业执照或事业单位法人证书。")
    region = SelectField("所在地区", choices=options([(r, r) for r in REGIONS], "请选择"), validators=[chosen("所在地区")])
    contact_name = StringField("联系人", validators=[required("联系人"), max_length(64)])
    contact_phone = StringField("联系电话", validators=[
        required("联系电话"),
        Regexp(r"^[0-9+\-() ]{7,20}$", message="请输入有效的电话号码，如 027-87654321 或 13800000000。"),
    ])
    user_name = StringField("您的姓名", validators=[required("您的姓名"), max_length(64)])
    email = EmailField("登录邮箱", validators=[required("登录邮箱"), Email(message=EMAIL_MESSAGE), max_length(254)],
                       description="我们会向该邮箱发送一封邮件，按邮件中的链接设置密码即完成注册。")
    accept_terms = consent_box()

    def validate_credit_code(self, field):
        from ..credit_code import normalise, problem

        message = problem(normalise(field.data or ""))
        if message:
            raise ValidationError(message)


class RegisterConfirmForm(BaseForm):
    """The second step of registration, from the mailed link: the admin account's password."""

    password = PasswordField("密码", validators=[required("密码"), PASSWORD_LENGTH])
    confirm = PasswordField("确认密码", validators=[required("确认密码"), EqualTo("password", message="两次输入的密码不一致。")])


class ChangePasswordForm(BaseForm):
    current_password = PasswordField("当前密码", validators=[required("当前密码")])
    password = PasswordField("新密码", validators=[required("新密码"), PASSWORD_LENGTH])
    confirm = PasswordField("确认新密码", validators=[required("确认新密码"), EqualTo("password", message="两次输入的密码不一致。")])


class ForgotPasswordForm(BaseForm):
    email = EmailField("登录邮箱", validators=[required("登录邮箱"), Email(message=EMAIL_MESSAGE), max_length(254)])


class ResetPasswordForm(BaseForm):
    """The new password of a reset link: the same rules as the password change page."""

    password = PasswordField("新密码", validators=[required("新密码"), PASSWORD_LENGTH])
    confirm = PasswordField("确认新密码", validators=[required("确认新密码"), EqualTo("password", message="两次输入的密码不一致。")])


class AcceptInvitationForm(BaseForm):
    name = StringField("您的姓名", validators=[required("您的姓名"), max_length(64)])
    password = PasswordField("密码", validators=[required("密码"), PASSWORD_LENGTH])
    confirm = PasswordField("确认密码", validators=[required("确认密码"), EqualTo("password", message="两次输入的密码不一致。")])
    accept_terms = consent_box()
