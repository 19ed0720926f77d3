"""Consent to the 用户协议 and 隐私政策 (PIPL): recorded at account creation, asked again after a new version.

The versions in force are the config's TERMS_VERSION and PRIVACY_VERSION (one place). A user whose
latest acceptance is of older versions is sent to the consent page before any other page
(help/consent.py) until they accept; every acceptance is a new row, so the record keeps which
versions each user accepted and when.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from ..clock import utcnow
from ..extensions import db
from ..models import Consent, User

VIA_REGISTER = "register"
VIA_INVITATION = "invitation"
VIA_RENEWAL = "renewal"
VIA_DEMO = "demo"

# The forms' message when the box is left unticked (formkit.consent_box).
REFUSAL = "请阅读并勾选“我已阅读并同意《用户协议》和《隐私政策》”后再继续。"


def current_versions() -> tuple[str, str]:
    """(用户协议 version, 隐私政策 version) in force."""
    return current_app.config["TERMS_VERSION"], current_app.config["PRIVACY_VERSION"]


def record(user: User, via: str, versions: tuple[str, str] | None = None,
           accepted_at: datetime | None = None) -> Consent:
    """Record that `user` accepted `versions` (default: those in force) at `accepted_at` (default: now)."""
    terms, privacy = versions or current_versions()
    consent = Consent(user=user, terms_version=terms, privacy_version=privacy,
                      accepted_at=accepted_at or utcnow(), via=via)
    db.session.add(consent)
    db.session.flush()
    return consent


def latest(user: User) -> Consent | None:
    return db.session.scalar(db.select(Consent).filter_by(user_id=user.id)
                             .order_by(Consent.accepted_at.desc(), Consent.id.desc()).limit(1))


def is_current(user: User) -> bool:
    """Has the user accepted the versions in force (in their latest acceptance)?"""
    last = latest(user)
    return last is not None and (last.terms_version, last.privacy_version) == current_versions()


def renew(user: User) -> Consent | None:
    """The consent page's acceptance of the versions in force; a second one (a double click, another
    tab) records nothing more."""
    if is_current(user):
        return None
    return record(user, VIA_RENEWAL)
