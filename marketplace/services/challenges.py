"""Challenges (榜单): drafting, review by the chain's lead department, publication and closing."""
from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from ..clock import utcnow
from ..extensions import db
from ..models import Challenge, ChallengeInvitation, ChallengeRevision, ChallengeState, Organisation, User
from ..notifications import notify
from . import audit
from .errors import InvalidTransition, PermissionDenied, ServiceError
from .locking import claim_once, refuse_repeat
from .rules import rule
from .visibility import is_manager

S = ChallengeState
# Fields the poster writes; editing them on a published listing is versioned.
FIELDS = ("title", "chain_id", "mode", "background", "difficulty", "indicators", "expected_outcome", "budget_wan",
          "deadline", "period_months", "conditions", "keywords", "ip_terms", "visibility", "contact_name",
          "contact_phone")
# The states each action starts from (the checks below refuse the others).
EDITABLE_STATES = (S.draft, S.returned, S.submitted, S.published)
SUBMITTABLE_STATES = (S.draft, S.returned)
WITHDRAWABLE_STATES = (S.draft, S.submitted, S.returned, S.published, S.closed)
INVITABLE_STATES = (S.draft, S.submitted, S.published)


class EditConflict(InvalidTransition):
    """Someone else saved the listing since this user opened it (optimistic lock)."""


def is_owner(user: User, challenge: Challenge) -> bool:
    return user.organisation_id == challenge.organisation_id


def _require_owner(user: User, challenge: Challenge, action: str) -> None:
    if not is_owner(user, challenge):
        raise PermissionDenied(f"只有发榜企业可以{action}。")
    if not user.can_act:
        raise PermissionDenied("您所在机构尚未通过平台认证。")


def _require_manager(user: User, challenge: Challenge, action: str) -> None:
    if not is_manager(user, challenge):
        raise PermissionDenied(f"只有{challenge.chain.name}产业链牵头部门或平台管理员可以{action}。")


def _require_state(challenge: Challenge, allowed: tuple, action: str) -> None:
    if challenge.state not in allowed:
        raise InvalidTransition(f"榜单当前状态为“{challenge.state.label}”，不能{action}。")


# ----- who may do what (services/rules.py): each check raises the refusal -------------------------

@rule("may_post_challenge")
def check_may_create(actor: User) -> None:
    if not actor.can_act:
        raise PermissionDenied("您所在机构尚未通过平台认证，认证通过后才能发榜。")
    if not actor.organisation.is_enterprise:
        raise PermissionDenied("只有企业可以发布技术难题榜单。")


@rule("may_edit_challenge")
def check_may_edit(actor: User, challenge: Challenge) -> None:
    _require_owner(actor, challenge, "修改榜单")
    _require_state(challenge, EDITABLE_STATES, "修改")


@rule("may_submit_challenge")
def check_may_submit(actor: User, challenge: Challenge) -> None:
    _require_owner(actor, challenge, "提交审核")
    _require_state(challenge, SUBMITTABLE_STATES, "提交审核")


@rule("may_approve_challenge")
def check_may_approve(actor: User, challenge: Challenge) -> None:
    _require_manager(actor, challenge, "审核发布榜单")
    _require_state(challenge, (S.submitted,), "发布")


@rule("may_return_challenge")
def check_may_return(actor: User, challenge: Challenge) -> None:
    _require_manager(actor, challenge, "退回榜单")
    _require_state(challenge, (S.submitted,), "退回")


@rule("may_close_challenge")
def check_may_close(actor: User, challenge: Challenge) -> None:
    """The poster (or a manager) closes applications early."""
    if not is_manager(actor, challenge):
        _require_owner(actor, challenge, "截止揭榜")
    _require_state(challenge, (S.published,), "截止揭榜")


@rule("may_withdraw_challenge")
def check_may_withdraw(actor: User, challenge: Challenge) -> None:
    _require_owner(actor, challenge, "撤回榜单")
    _require_state(challenge, WITHDRAWABLE_STATES, "撤回")


@rule("may_invite_to_challenge")
def check_may_invite(actor: User, challenge: Challenge) -> None:
    """Invitations are for invited-only and commissioned listings, until applications close."""
    if not is_manager(actor, challenge):
        _require_owner(actor, challenge, "邀请揭榜机构")
    if not challenge.takes_invitations:
        raise InvalidTransition("只有定向邀请或委托攻关的榜单需要邀请揭榜机构。")
    _require_state(challenge, INVITABLE_STATES, "邀请揭榜机构")



def _move(actor, challenge: Challenge, to: ChallengeState, action: str, reason: str = "") -> None:
    before = challenge.state
    challenge.state = to
    audit.record(actor, action, challenge, before, to, reason)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter: 1-31 + 1 → 2-28/29)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_deadline(today: date | None = None) -> date:
    """Applications stay open at most a year: a listing due years away is no call for solvers."""
    return add_months(today or clock.today(), 12)


def project_end(challenge: Challenge) -> date:
    """The end of the project period, counted from the 揭榜 deadline: no project can start before
    applications close (selection and 公示 come later still), so this is the latest a milestone may fall."""
    return add_months(challenge.deadline, challenge.period_months)


def _check_fields(fields: dict, new: bool) -> None:
    if fields.get("budget_wan") is not None and Decimal(fields["budget_wan"]) <= 0:
        raise ServiceError("榜额应大于 0 万元。", field="budget_wan")
    deadline = fields.get("deadline")
    if deadline is not None and new and deadline < clock.today():
        raise ServiceError("揭榜截止日期不能早于今天。", field="deadline")
    if deadline is not None and deadline > latest_deadline():
        raise ServiceError(f"揭榜截止日期最晚为一年后（{latest_deadline()}）。", field="deadline")


def create(actor: User, **fields) -> Challenge:
    """A new draft challenge of the actor's (verified) enterprise."""
    check_may_create(actor)
    _check_fields(fields, new=True)
    refuse_repeat(actor.organisation, Challenge, organisation_id=actor.organisation_id, title=fields.get("title"))
    challenge = Challenge(organisation=actor.organisation, created_by=actor, state=S.draft,
                          **{k: v for k, v in fields.items() if k in FIELDS})
    db.session.add(challenge)
    db.session.flush()
    audit.record(actor, "challenge_created", challenge, "", S.draft)
    return challenge


def update(actor: User, challenge: Challenge, expected_version: int, **fields) -> list[str]:
    """Save the poster's edits; returns the changed field names. Refuses a stale version (EditConflict)."""
    check_may_edit(actor, challenge)
    if expected_version != challenge.version:
        raise EditConflict("该榜单已被他人修改（您打开的是旧版本）。为避免覆盖对方的修改，本次保存未生效；"
                           "请刷新页面查看最新内容后重新编辑。您填写的内容保留在下方。")
    _check_fields(fields, new=challenge.state is S.draft)
    changes = {}
    for name in FIELDS:
        if name in fields and fields[name] != getattr(challenge, name):
            changes[name] = [_plain(getattr(challenge, name)), _plain(fields[name])]
            setattr(challenge, name, fields[name])
    if not changes:
        return []
    if challenge.is_published:
        db.session.add(ChallengeRevision(challenge=challenge, version=challenge.version + 1, editor_id=actor.id,
                                         changes=changes))
        audit.record(actor, "challenge_edited", challenge, reason="、".join(changes))
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict("该榜单刚刚被他人保存，本次保存未生效；请刷新页面后重新编辑。") from None
    return list(changes)


def _plain(value):
    """A JSON-friendly form of a field value for the revision record."""
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, (date, Decimal)):
        return str(value)
    return value


NEEDED_FOR_REVIEW = (("difficulty", "主要技术难点"), ("indicators", "技术指标"), ("expected_outcome", "预期成果"))


def missing_for_review(challenge: Challenge) -> list[tuple[str, str]]:
    """(field, label) of what a draft may leave empty but the lead department needs to review it."""
    return [(name, label) for name, label in NEEDED_FOR_REVIEW if not (getattr(challenge, name) or "").strip()]


def submit(actor: User, challenge: Challenge) -> None:
    """Send a draft (or a returned listing, after changes) to the chain's lead department."""
    check_may_submit(actor, challenge)
    if challenge.deadline < clock.today():
        raise ServiceError("揭榜截止日期已过，请修改截止日期后再提交。", field="deadline")
    missing = missing_for_review(challenge)
    if missing:
        raise ServiceError(f"提交审核前请填写：{'、'.join(label for _, label in missing)}。")
    _move(actor, challenge, S.submitted, "challenge_submitted")
    notify.chain_admins(challenge.chain, "challenge", f"待审核榜单：{challenge.title}",
                        f"{challenge.organisation.name}提交了榜单，请审核。", f"/challenges/{challenge.id}")
    db.session.flush()


def approve(actor: User, challenge: Challenge) -> None:
    """The lead department publishes a submitted listing."""
    check_may_approve(actor, challenge)
    _move(actor, challenge, S.published, "challenge_published")
    challenge.return_reason = ""
    challenge.published_at = utcnow()
    notify.organisation(challenge.organisation, "challenge", f"榜单已审核发布：{challenge.title}",
                        url=f"/challenges/{challenge.id}")
    db.session.flush()


def return_for_changes(actor: User, challenge: Challenge, reason: str) -> None:
    """The lead department sends a submitted listing back with a reason."""
    check_may_return(actor, challenge)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写退回原因，发榜企业将据此修改。", field="reason")
    challenge.return_reason = reason
    _move(actor, challenge, S.returned, "challenge_returned", reason)
    notify.organisation(challenge.organisation, "challenge", f"榜单被退回修改：{challenge.title}", reason,
                        f"/challenges/{challenge.id}")
    db.session.flush()


def close(actor: User, challenge: Challenge, reason: str = "") -> None:
    """The poster (or a manager) closes applications early."""
    check_may_close(actor, challenge)
    _move(actor, challenge, S.closed, "challenge_closed", reason or "发榜方提前截止")
    challenge.closed_on = clock.today()  # before the deadline, pages show this date (Challenge.deadline_label)
    db.session.flush()


def withdraw(actor: User, challenge: Challenge, reason: str) -> None:
    """The poster withdraws the listing (before any proposal is selected)."""
    check_may_withdraw(actor, challenge)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写撤回原因。", field="reason")
    _move(actor, challenge, S.withdrawn, "challenge_withdrawn", reason)
    db.session.flush()


def expired(today: date | None = None) -> list[int]:
    """The published listings whose deadline has passed (a listing is open through its deadline day,
    China time): the ids `close_if_expired` takes, oldest deadline first."""
    today = today or clock.today()
    return list(db.session.scalars(db.select(Challenge.id).where(
        Challenge.state == S.published, Challenge.deadline < today).order_by(Challenge.deadline, Challenge.id)))


def close_if_expired(challenge_id: int, today: date | None = None) -> bool:
    """Close one listing past its deadline, once (the system acts): the state changes by
    compare-and-set from 揭榜中, so of two runs only the one that changed it records and notifies.
    Returns whether this call closed it."""
    today = today or clock.today()
    if not claim_once(Challenge, challenge_id, Challenge.state == S.published, Challenge.deadline < today,
                      version=Challenge.version + 1):
        return False
    challenge = db.session.get(Challenge, challenge_id, populate_existing=True)
    # The change itself goes through the ORM, like every other, so that the match index hears of it.
    _move(None, challenge, S.closed, "challenge_closed", "已到揭榜截止日期，系统自动截止")
    challenge.closed_on = today
    notify.organisation(challenge.organisation, "challenge", f"榜单已到期截止：{challenge.title}",
                        url=f"/challenges/{challenge.id}")
    notify.chain_admins(challenge.chain, "challenge", f"榜单已截止，可组织评审遴选：{challenge.title}",
                        url=f"/challenges/{challenge.id}/evaluation")
    db.session.flush()
    return True


def invite(actor: User, challenge: Challenge, organisation: Organisation) -> ChallengeInvitation:
    """Invite a verified institution to an invited-only or commissioned listing."""
    check_may_invite(actor, challenge)
    if not (organisation.is_verified and organisation.is_institution):
        raise ServiceError("只能邀请已认证的高校、院所等揭榜机构。", field="organisation_id")
    if organisation.id in challenge.invited_organisation_ids:
        raise InvalidTransition("该机构已在邀请名单中。")
    invitation = ChallengeInvitation(challenge=challenge, organisation=organisation, invited_by_id=actor.id)
    db.session.add(invitation)
    db.session.flush()
    notify.organisation(organisation, "challenge", f"揭榜邀请：{challenge.title}",
                        f"{challenge.organisation.name}邀请贵单位揭榜。", f"/challenges/{challenge.id}")
    audit.record(actor, "challenge_invited", challenge, reason=organisation.name)
    return invitation
