"""督办: the provincial office chases a late work-plan item or a running project with a 督办单, and the
chain's lead department replies within a number of working days (China's official calendar,
workdays.py). Who sees what is services/oversight.py's: the platform admins issue, the chain's own
department replies, 链长 / 总链长 read.

The matrix (8 chains × status) counts only approved plans: a draft or returned plan is not yet the
chain's commitment. A project is 滞后 by the public results page's rule (services/results.py): a
milestone past its due date without confirmation.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import clock, workdays
from ..clock import utcnow
from ..extensions import db
from ..models import Challenge, MilestoneState, Project, ProjectState, Supervision, SupervisionState, User
from ..models.enums import ItemProgress, PlanState
from ..models.work_plan import WorkPlan, WorkPlanItem
from ..notifications import notify
from . import audit, oversight, plan_progress
from .errors import InvalidTransition, NotFound, PermissionDenied, ServiceError
from .locking import Conflict, claim_once
from .results import STATUS_FILTERS, ResultStatus
from .rules import rule

DEFAULT_DAYS, MIN_DAYS, MAX_DAYS = 5, 1, 30  # the reply deadline, in working days
REQUEST_MAX, REPLY_MAX = 2000, 4000
CATEGORY = "supervision"  # notifications/inbox.py CATEGORIES


# ----- who may -----------------------------------------------------------------------------------

def _signed_in(actor) -> bool:
    return actor is not None and actor.is_authenticated and actor.is_enabled


def page_path(supervision: Supervision) -> str:
    """The 督办单's page, for the messages about it."""
    return f"/admin/supervision/{supervision.id}"


def _running(project: Project) -> bool:
    return project.state in (ProjectState.approved, ProjectState.in_progress)


@rule("may_issue_supervision")
def check_may_issue(actor, subject: WorkPlanItem | Project) -> None:
    """A platform admin, on an item of an approved plan that is 滞后 today, or on a running project."""
    if not _signed_in(actor) or not actor.is_platform_admin:
        raise PermissionDenied("只有平台管理员（省制造强省办）可以发督办单。")
    if isinstance(subject, WorkPlanItem):
        if not plan_progress.counts_progress(subject.plan):
            raise InvalidTransition("该工作计划尚未批准，其事项不能督办。")
        progress = subject.progress_on(clock.today())
        if progress is not ItemProgress.late:
            raise InvalidTransition(f"该事项{progress.label}，没有滞后，不能发督办单。")
    elif not _running(subject):
        raise InvalidTransition(f"该项目已{subject.state.label}，不能再督办。")


@rule("may_reply_supervision")
def check_may_reply(actor, supervision: Supervision) -> None:
    """The chain's lead department answers an open 督办单 (not the office that issued it, nor a 链长)."""
    if not _signed_in(actor) or actor.admin_chain_id != supervision.chain_id:
        raise PermissionDenied("只有该产业链的牵头部门可以答复督办单。")
    if supervision.state is not SupervisionState.open:
        raise InvalidTransition("该督办单已答复，不能重复答复。")


# ----- issuing and replying ----------------------------------------------------------------------

def reply_due(working_days: int, day: date | None = None) -> date:
    """The reply day: the `working_days`-th working day after `day` (today in China)."""
    return workdays.add_working_days(day or clock.today(), working_days)


def deadline_note(due: date, day: date | None = None) -> str:
    """workdays.FALLBACK_NOTE when the official calendar does not cover the count, else ""."""
    return "" if workdays.all_covered(day or clock.today(), due) else workdays.FALLBACK_NOTE


def reply_by(due: date, note: str = "") -> str:
    """The reply deadline as every page and message words it: the day itself is allowed ("于 … 前" would
    read as "before that day")."""
    return f"最迟于 {due}{note} 答复（含当日）"


def subject_title(supervision_or_subject) -> str:
    subject = supervision_or_subject
    if isinstance(subject, Supervision):
        subject = subject.item or subject.project
    if isinstance(subject, WorkPlanItem):
        return f"工作清单事项“{subject.title}”"
    return f"项目“{subject.challenge.title}”（{subject.organisation.name}）"


def chain_of(subject: WorkPlanItem | Project):
    return subject.plan.chain if isinstance(subject, WorkPlanItem) else subject.challenge.chain


def _clean_days(working_days) -> int:
    if not isinstance(working_days, int) or not MIN_DAYS <= working_days <= MAX_DAYS:
        raise ServiceError(f"答复期限应为 {MIN_DAYS}—{MAX_DAYS} 个工作日。", field="working_days")
    return working_days


def issue(actor: User, subject: WorkPlanItem | Project, request: str, working_days: int = DEFAULT_DAYS) -> Supervision:
    """Issue a 督办单 on `subject`; the chain's lead department is notified. Raises PermissionDenied,
    InvalidTransition or ServiceError (bad input)."""
    check_may_issue(actor, subject)
    request = (request or "").strip()
    if not request:
        raise ServiceError("请填写督办事项及要求。", field="request")
    if len(request) > REQUEST_MAX:
        raise ServiceError(f"督办事项及要求不超过 {REQUEST_MAX} 字。", field="request")
    working_days = _clean_days(working_days)
    today = clock.today()
    chain = chain_of(subject)
    supervision = Supervision(
        chain=chain, year=subject.plan.year if isinstance(subject, WorkPlanItem) else today.year,
        item=subject if isinstance(subject, WorkPlanItem) else None,
        project=subject if isinstance(subject, Project) else None,
        request=request, issued_by_id=actor.id, issued_on=today, working_days=working_days,
        reply_due=reply_due(working_days, today))
    db.session.add(supervision)
    db.session.flush()
    title = subject_title(subject)
    audit.record(actor, "supervision_issued", supervision, to_state=SupervisionState.open,
                 reason=f"{title}，{working_days} 个工作日内答复（最迟 {supervision.reply_due}，含当日）")
    notify.chain_admins(chain, CATEGORY, f"督办单：{title}",
                        f"省制造强省办就{title}发出督办单，请"
                        f"{reply_by(supervision.reply_due, deadline_note(supervision.reply_due, today))}。"
                        f"督办要求：{request}",
                        page_path(supervision))
    return supervision


def reply(actor: User, supervision: Supervision, version: int | None, text: str) -> Supervision:
    """The chain's department answers. Compare-and-set: `version` is the one its page showed, and the
    versioned UPDATE refuses a second simultaneous reply (409). The platform admins are notified."""
    check_may_reply(actor, supervision)
    text = (text or "").strip()
    if not text:
        raise ServiceError("请填写答复内容。", field="reply")
    if len(text) > REPLY_MAX:
        raise ServiceError(f"答复内容不超过 {REPLY_MAX} 字。", field="reply")
    if version != supervision.version:
        raise Conflict("该督办单刚刚已被答复或修改，本次答复未保存。请刷新页面查看。")
    supervision.state, supervision.reply = SupervisionState.answered, text
    supervision.replied_by_id, supervision.replied_at = actor.id, utcnow()
    late = supervision.reply_due < clock.today()
    audit.record(actor, "supervision_replied", supervision, SupervisionState.open, SupervisionState.answered,
                 reason="逾期答复" if late else "")
    db.session.flush()  # the UPDATE … WHERE version = ? now: a simultaneous reply fails here
    notify.platform_admins(CATEGORY, f"{supervision.chain.name}产业链已答复督办单：{subject_title(supervision)}",
                           text, page_path(supervision))
    return supervision


# ----- the daily reminder (jobs.py) --------------------------------------------------------------

def _reminder_due(today: date):
    return (Supervision.state == SupervisionState.open, Supervision.reply_due < today,
            Supervision.reminded_at.is_(None))


def overdue_unreminded(today: date | None = None) -> list[int]:
    """The 督办单 past their reply day with no reminder yet: the ids `remind_if_overdue` takes."""
    today = today or clock.today()
    return list(db.session.scalars(select(Supervision.id).where(*_reminder_due(today))
                                   .order_by(Supervision.reply_due, Supervision.id)))


def remind_if_overdue(supervision_id: int, today: date | None = None) -> bool:
    """Tell the chain's department, once, that a 督办单 is overdue: `reminded_at` is claimed by
    compare-and-set and only the call that set it sends. Returns whether it sent."""
    today = today or clock.today()
    if not claim_once(Supervision, supervision_id, *_reminder_due(today), reminded_at=utcnow()):
        return False
    supervision = db.session.get(Supervision, supervision_id, populate_existing=True)
    title = subject_title(supervision)
    audit.record(None, "supervision_reminded", supervision, reason=f"答复期限 {supervision.reply_due} 已过")
    notify.chain_admins(supervision.chain, CATEGORY, f"督办单已逾期未答复：{title}",
                        f"该督办单的答复期限为 {supervision.reply_due}（含当日），现已逾期，请尽快答复。",
                        page_path(supervision))
    db.session.flush()
    return True


# ----- reading -----------------------------------------------------------------------------------

def get(actor, supervision_id: int) -> Supervision:
    """The 督办单 if `actor` may read its chain; NotFound otherwise (another chain's is not revealed)."""
    supervision = db.session.get(Supervision, supervision_id)
    if supervision is None or not oversight.can_view(actor, supervision.chain):
        raise NotFound("您访问的页面不存在或已被删除。")
    return supervision


def trail(supervision: Supervision):
    return audit.trail(supervision)


# ----- the matrix: 8 chains × status -------------------------------------------------------------

# Column code → heading, in the matrix's order; each number links to the list behind it (`listing`).
COLUMNS = {
    "items": "清单事项", "on_track": "按期", "late": "滞后", "done": "已完成",
    "projects": "在研项目", "late_projects": "滞后项目",
    "open": "督办待答复", "overdue": "其中逾期", "answered": "已答复",
}
ITEM_COLUMNS = {"on_track": ItemProgress.on_track, "late": ItemProgress.late, "done": ItemProgress.done}


@dataclass
class Row:
    chain: object  # a Chain, or None for the province's totals
    items: int = 0
    on_track: int = 0
    late: int = 0
    done: int = 0
    projects: int = 0
    late_projects: int = 0
    open: int = 0
    overdue: int = 0
    answered: int = 0

    def cells(self) -> list[tuple[str, int]]:
        return [(code, getattr(self, code)) for code in COLUMNS]


def _approved_items(chain_ids, year: int) -> list[WorkPlanItem]:
    # plan_progress.counts_progress as a query: only an approved plan's items are counted.
    return list(db.session.scalars(
        select(WorkPlanItem).join(WorkPlan).where(WorkPlan.chain_id.in_(chain_ids), WorkPlan.year == year,
                                                  WorkPlan.state == PlanState.approved)
        .options(selectinload(WorkPlanItem.milestones), selectinload(WorkPlanItem.plan))
        .order_by(WorkPlan.chain_id, WorkPlanItem.seq, WorkPlanItem.id)))


def _running_projects(chain_ids, late_only: bool = False):
    query = (select(Project).join(Challenge, Challenge.id == Project.challenge_id)
             .where(Challenge.chain_id.in_(chain_ids), Project.state.in_((ProjectState.approved,
                                                                           ProjectState.in_progress))))
    if late_only:
        query = query.where(STATUS_FILTERS[ResultStatus.late]())
    return query


def _supervisions(chain_ids, year: int):
    return (select(Supervision).where(Supervision.chain_id.in_(chain_ids), Supervision.year == year)
            .order_by(Supervision.reply_due, Supervision.id))


def matrix(actor, year: int) -> tuple[list[Row], Row | None]:
    """One row per chain `actor` may read (oversight.viewable_chains), and the province's totals for
    those who see every chain (None for the others)."""
    chains = oversight.viewable_chains(actor)
    rows = {chain.id: Row(chain) for chain in chains}
    ids = list(rows)
    today = clock.today()
    for chain, _plan, counts in plan_progress.overview(chains, year):
        if counts.counted:  # plan_progress.counts_progress: only an approved plan's items count
            row = rows[chain.id]
            row.items, row.on_track, row.late, row.done = counts.total, counts.on_track, counts.late, counts.done
    for column, late_only in (("projects", False), ("late_projects", True)):
        query = (_running_projects(ids, late_only).with_only_columns(Challenge.chain_id, db.func.count(Project.id))
                 .group_by(Challenge.chain_id))
        for chain_id, count in db.session.execute(query):
            setattr(rows[chain_id], column, count)
    for supervision in db.session.scalars(_supervisions(ids, year)):
        row = rows[supervision.chain_id]
        if supervision.state is SupervisionState.answered:
            row.answered += 1
        else:
            row.open += 1
            row.overdue += supervision.is_overdue(today)
    if not oversight.sees_every_chain(actor):
        return list(rows.values()), None
    total = Row(None)
    for row in rows.values():
        for field in fields(Row)[1:]:
            setattr(total, field.name, getattr(total, field.name) + getattr(row, field.name))
    return list(rows.values()), total


def listing(chains, year: int, show: str) -> list:
    """The records behind one number of the matrix: items, projects or 督办单 of `chains` (one chain's
    row, or every chain for the 全省合计 row; the caller checked that the actor may read them). An
    unknown `show` is NotFound."""
    today, ids = clock.today(), [chain.id for chain in chains]
    if show == "items":
        return _approved_items(ids, year)
    if show in ITEM_COLUMNS:
        return [i for i in _approved_items(ids, year) if i.progress_on(today) is ITEM_COLUMNS[show]]
    if show in ("projects", "late_projects"):
        return list(db.session.scalars(_running_projects(ids, show == "late_projects")
                                       .order_by(Project.id)))
    if show in ("open", "overdue", "answered"):
        found = db.session.scalars(_supervisions(ids, year)).all()
        if show == "answered":
            return [s for s in found if s.state is SupervisionState.answered]
        return [s for s in found if s.state is SupervisionState.open and (show == "open" or s.is_overdue(today))]
    raise NotFound("您访问的页面不存在或已被删除。")


def late_milestones(project: Project, day: date | None = None) -> list:
    """The project's milestones past their due date and not confirmed (what makes it 滞后)."""
    day = day or clock.today()
    return [m for m in project.milestones if m.due_date < day and m.state is not MilestoneState.confirmed]


def years() -> list[int]:
    """The years the matrix offers: those with plans or 督办单, and this year, newest first."""
    stored = set(db.session.scalars(select(WorkPlan.year).distinct())) | set(
        db.session.scalars(select(Supervision.year).distinct()))
    return sorted(stored | {clock.today().year}, reverse=True)
