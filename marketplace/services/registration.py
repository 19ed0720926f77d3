"""Registration in two steps, so that the form never tells whether an address is registered.

1. `start()` takes the organisation's details, the applicant's name and e-mail address. Whatever
   the address, the page answers the same "请查收邮件", and the work done is the same (one look-up of
   the address, one of the organisation, one mail after the commit), so neither the text nor the
   time of the answer says anything. The mail differs:
   - a new address gets a signed link (itsdangerous, REGISTRATION_MAX_AGE seconds, no table) that
     carries the details; opening it is proof of owning the mailbox;
   - the owner of an existing account is told that someone tried to register with the address,
     with a link to 忘记密码;
   - when the organisation's name or credit code is taken, the applicant is told so by mail, and
     pointed to the organisation's admins: an organisation still awaiting verification is not
     public, so it is named only to someone who owns a mailbox and asked, rate-limited per address
     and per client. (The names of verified organisations are public on their pages anyway.)
2. `complete()` (the link's page) sets the password and creates the pending organisation and its
   admin through organisations.register(), which checks everything again: a link used twice, or
   an organisation registered meanwhile, is refused there.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..clock import utcnow
from ..extensions import db
from ..models import Organisation, User
from ..notifications import mail
from . import accounts, consent, organisations, verification
from .errors import ServiceError

SALT = "registration"
CONSENT = "consent"  # the link's record of the 用户协议 / 隐私政策 versions accepted, and when
FIELDS = ("name", "org_type", "credit_code", "region", "contact_name", "contact_phone", "user_name", "email")
SIGNATURE = "\n\n—— 湖北省产业链揭榜挂帅平台"


class RegistrationLinkError(ServiceError):
    """A confirmation link that is expired, altered or already used (answered with 400)."""


def max_age() -> int:
    return int(current_app.config.get("REGISTRATION_MAX_AGE", 24 * 3600))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def start(*, accepted_terms: bool, **details: str) -> None:
    """Send the mail that fits the address; returns nothing, so the caller cannot tell which.

    The applicant ticked 我已阅读并同意 on this form: the link carries the versions accepted and when,
    and complete() records them against the new account."""
    from ..credit_code import normalise

    if not accepted_terms:
        raise ServiceError(consent.REFUSAL, field="accept_terms")
    details = {key: (details.get(key) or "").strip() for key in FIELDS}
    details["email"] = accounts.normalise_email(details["email"])
    details["credit_code"] = normalise(details["credit_code"])
    existing = accounts.find_user_by_email(details["email"])
    taken = db.session.scalar(db.select(Organisation).where(
        (Organisation.name == details["name"]) | (Organisation.credit_code == details["credit_code"])).limit(1))
    if existing is not None:
        _mail_address_taken(existing)
    elif taken is not None:
        _mail_organisation_taken(details, taken)
    else:
        terms, privacy = consent.current_versions()
        _mail_confirmation(details | {CONSENT: {"terms": terms, "privacy": privacy, "at": utcnow().isoformat()}})


def details_for_token(token: str) -> dict:
    """The registration details a valid, unused link carries; raises RegistrationLinkError otherwise."""
    try:
        details = _serializer().loads(token or "", max_age=max_age())
    except SignatureExpired:
        raise RegistrationLinkError("注册链接已过期，请重新填写注册信息。") from None
    except BadSignature:
        raise RegistrationLinkError("注册链接无效，请检查链接是否完整，或重新填写注册信息。") from None
    if not isinstance(details, dict) or set(details) - {CONSENT} != set(FIELDS):
        raise RegistrationLinkError("注册链接无效，请重新填写注册信息。")
    if accounts.find_user_by_email(details["email"]) is not None:
        # Only the owner of the mailbox has the link, so saying this reveals nothing new.
        raise RegistrationLinkError("该注册链接已使用，账号已创建，请直接登录。")
    return details


def complete(token: str, password: str) -> User:
    """Create the pending organisation and its admin from the link's details and this password."""
    details = dict(details_for_token(token))
    accepted = details.pop(CONSENT, None)
    user = organisations.register(password=password, **details)
    if accepted:  # (a link mailed before consent was recorded carries none: the user is asked at login)
        consent.record(user, consent.VIA_REGISTER, (accepted["terms"], accepted["privacy"]),
                       datetime.fromisoformat(accepted["at"]))
    verification.tell_platform_admins(user.organisation, f"新机构注册待认证：{user.organisation.name}",
                                      "请核对机构资料和认证材料后审核。")
    return user


def _mail_confirmation(details: dict) -> None:
    link = mail.site_url("auth.register_confirm", token=_serializer().dumps(details))
    hours = max_age() // 3600
    body = (f"{details['user_name']}，您好：\n\n您正在湖北省产业链揭榜挂帅平台注册机构“{details['name']}”的管理员账号。"
            f"请在 {hours} 小时内打开下面的链接，设置登录密码，完成注册：\n\n{link}\n\n"
            "如果不是您本人操作，请忽略本邮件，不会创建任何账号。" + SIGNATURE)
    mail.send_after_commit(mail.Mail(to=details["email"], subject="完成机构注册", body=body))


def _mail_address_taken(user: User) -> None:
    forgot = mail.site_url("auth.forgot_password")
    login = mail.site_url("auth.login")
    body = (f"{user.name}，您好：\n\n有人刚刚使用您的邮箱 {user.email} 在湖北省产业链揭榜挂帅平台申请注册机构账号。"
            f"该邮箱已有账号，因此没有创建新账号。\n\n如果是您本人：请直接登录 {login}；"
            f"忘记密码可在此重置：{forgot}\n\n如果不是您本人操作，请忽略本邮件，您的账号不受影响。" + SIGNATURE)
    mail.send_after_commit(mail.Mail(to=user.email, subject="有人尝试用您的邮箱注册", body=body))


def _mail_organisation_taken(details: dict, organisation: Organisation) -> None:
    what = "统一社会信用代码" if organisation.credit_code == details["credit_code"] else "机构名称"
    body = (f"{details['user_name']}，您好：\n\n您申请注册的机构“{details['name']}”未能注册：该{what}已在平台注册。"
            "同一机构只能注册一次，请联系本单位在平台上的管理员邀请您加入；如有疑问，请联系平台管理员。"
            "\n\n如果不是您本人操作，请忽略本邮件。" + SIGNATURE)
    mail.send_after_commit(mail.Mail(to=details["email"], subject="机构注册未完成", body=body))
