"""督办 on the 工作台: the chain's department sees its open 督办单 to answer (the overdue ones first,
marked 已逾期), the platform admins every 督办单 past its reply day and still unanswered."""
from __future__ import annotations

from sqlalchemy import func, select

from ... import clock
from ...models import Chain, Challenge, Project, Supervision, SupervisionState, User
from ...models.work_plan import WorkPlanItem
from .core import Entry, Kind, due_note, is_overdue


def _open(user: User):
    """Open 督办单 with their subject's title (an item's, or the project's listing's), earliest due first:
    the overdue ones come first because their day is the earliest."""
    subject = func.coalesce(WorkPlanItem.title, Challenge.title).label("subject")
    return (select(Supervision.id, Supervision.reply_due, Chain.name.label("chain"), subject)
            .join(Chain, Chain.id == Supervision.chain_id)
            .outerjoin(WorkPlanItem, WorkPlanItem.id == Supervision.item_id)
            .outerjoin(Project, Project.id == Supervision.project_id)
            .outerjoin(Challenge, Challenge.id == Project.challenge_id)
            .where(Supervision.state == SupervisionState.open)
            .order_by(Supervision.reply_due, Supervision.id))


REPLY = Kind(
    "supervision_reply", "督办待答复",
    lambda user: _open(user).where(Supervision.chain_id == user.admin_chain_id),
    lambda r: Entry(r.subject, "admin.supervision_show", {"supervision_id": r.id},
                    due_note(r.reply_due, "最迟答复日 "), overdue=is_overdue(r.reply_due)))

OVERDUE = Kind(
    "supervision_overdue", "督办逾期未答复",
    lambda user: _open(user).where(Supervision.reply_due < clock.today()),
    lambda r: Entry(f"{r.chain} · {r.subject}", "admin.supervision_show", {"supervision_id": r.id},
                    due_note(r.reply_due, "最迟答复日 "), overdue=True))


def kinds(user: User) -> list[Kind]:
    """The department answers its chain's; the platform admins chase the overdue ones of every chain."""
    return ([OVERDUE] if user.is_platform_admin else []) + ([REPLY] if user.is_chain_admin else [])
