"""Carrying out an approved work plan: progress notes (with files), sub-milestones confirmed done on a
date, items marked complete; and the counts the overview and the 督办 pages read (按期 / 滞后 / 已完成,
on China's calendar: an item is 滞后 from the day after a sub-milestone's due day passes unconfirmed)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import selectinload

from .. import clock
from ..extensions import db
from ..models import Attachment, Chain, ItemProgress, PlanState, WorkPlan, WorkPlanItem, WorkPlanMilestone
from ..models.work_plan import WorkPlanProgress
from . import attachments, audit
from .errors import InvalidTransition, ServiceError
from .locking import claim
from .rules import rule
from .work_plans import _check_manager

NOTE_MAX = 2000


def _check_running(actor, item: WorkPlanItem) -> None:
    _check_manager(actor, item.plan.chain)
    if item.plan.state is not PlanState.approved:
        raise InvalidTransition("工作计划批准后才能填报进展。")
    if item.completed_on is not None:
        raise InvalidTransition(f"该事项已于 {item.completed_on} 完成。")


@rule("may_report_plan_progress")
def check_may_report(actor, item: WorkPlanItem) -> None:
    """Progress notes and milestone confirmations: the chain's managers, on an open item of an approved plan."""
    _check_running(actor, item)


@rule("may_confirm_plan_milestone")
def check_may_confirm(actor, milestone: WorkPlanMilestone) -> None:
    _check_running(actor, milestone.item)
    if milestone.confirmed_on is not None:
        raise InvalidTransition(f"该节点已于 {milestone.confirmed_on} 确认完成。")


@rule("may_complete_plan_item")
def check_may_complete(actor, item: WorkPlanItem) -> None:
    _check_running(actor, item)
    open_steps = [m.title for m in item.milestones if m.confirmed_on is None]
    if open_steps:
        raise InvalidTransition(f"还有 {len(open_steps)} 个任务节点未确认（{'、'.join(open_steps)}），全部确认后才能标记完成。")


def add_note(actor, item: WorkPlanItem, note: str, upload=None, instance_path: str = "") -> WorkPlanProgress:
    """A progress note, with an optional file (PDF / Word, checked as every upload is)."""
    check_may_report(actor, item)
    note = (note or "").strip()
    if not note:
        raise ServiceError("请填写进展情况。", field="note")
    if len(note) > NOTE_MAX:
        raise ServiceError(f"进展情况不超过 {NOTE_MAX} 字（当前 {len(note)} 字）。", field="note")
    entry = WorkPlanProgress(item=item, note=note, author=actor)
    db.session.add(entry)
    db.session.flush()
    named = ""
    if upload is not None and upload.filename:
        # The note belongs to a chain, not an organisation: who may attach was checked just above.
        named = f"（附件：{attachments.save(actor, entry, upload, instance_path, checked=True).original_name}）"
    audit.record(actor, "plan_progress_added", item.plan, reason=f"{item.title}：{note[:60]}{named}")
    return entry


def files(notes) -> dict[int, list[Attachment]]:
    """The files of each progress note, by note id (one query)."""
    ids = [n.id for n in notes]
    found: dict[int, list[Attachment]] = {i: [] for i in ids}
    if ids:
        for a in db.session.scalars(db.select(Attachment).where(
                Attachment.owner_type == WorkPlanProgress.__tablename__, Attachment.owner_id.in_(ids))
                .order_by(Attachment.id)):
            found[a.owner_id].append(a)
    return found


def confirm_milestone(actor, milestone: WorkPlanMilestone, done_on: date | None) -> WorkPlanMilestone:
    """Confirm a sub-milestone done on `done_on` (not in the future, not before the item starts)."""
    check_may_confirm(actor, milestone)
    if done_on is None:
        raise ServiceError("请填写完成日期。", field="done_on")
    if done_on > clock.today():
        raise ServiceError("完成日期不能晚于今天。", field="done_on")
    if done_on < milestone.item.start_date:
        raise ServiceError(f"完成日期不能早于事项开始日期 {milestone.item.start_date}。", field="done_on")
    claim(milestone)  # a double click confirms once
    milestone.confirmed_on, milestone.confirmed_by = done_on, actor
    audit.record(actor, "plan_milestone_confirmed", milestone.item.plan,
                 reason=f"{milestone.item.title}：{milestone.title}（{done_on}）")
    db.session.flush()
    return milestone


def complete(actor, item: WorkPlanItem) -> WorkPlanItem:
    """Mark an item done today (China's date), once every sub-milestone is confirmed."""
    check_may_complete(actor, item)
    claim(item)
    item.completed_on = clock.today()
    audit.record(actor, "plan_item_completed", item.plan, reason=item.title)
    db.session.flush()
    return item


# ----- counts -------------------------------------------------------------------------------------

def counts_progress(plan: WorkPlan | None) -> bool:
    """The one rule every page, report and 通报 follows: only an approved plan's items are commitments
    that can be 按期 or 滞后. A draft, submitted or returned plan is shown by its state and its item
    count, never as 按期 N, 滞后 0 (the 督办 matrix counts approved plans only, for the same reason)."""
    return plan is not None and plan.state is PlanState.approved


@dataclass
class Counts:
    total: int = 0
    on_track: int = 0
    late: int = 0
    done: int = 0
    counted: bool = True  # False: the plan is not approved, only `total` means anything

    def add(self, progress: ItemProgress) -> None:
        self.total += 1
        setattr(self, progress.name, getattr(self, progress.name) + 1)

    @property
    def uncounted_line(self) -> str:
        return f"清单 {self.total} 项（未批准，不计进度）"


def counts(plan: WorkPlan | None, day: date | None = None) -> Counts:
    if plan is not None and not counts_progress(plan):
        return Counts(total=len(plan.items), counted=False)
    found = Counts()
    for item in plan.items if plan is not None else ():
        found.add(item.progress_on(day or clock.today()))
    return found


def item_progress(item: WorkPlanItem, day: date | None = None) -> ItemProgress | None:
    """An item's 按期 / 滞后 / 已完成 on `day`, or None while its plan is not approved."""
    return item.progress_on(day or clock.today()) if counts_progress(item.plan) else None


def overview(chains: list[Chain], year: int) -> list[tuple[Chain, WorkPlan | None, Counts]]:
    """Each chain's plan for the year (or None) with its item counts today."""
    plans = {p.chain_id: p for p in db.session.scalars(
        db.select(WorkPlan).where(WorkPlan.year == year, WorkPlan.chain_id.in_([c.id for c in chains]))
        .options(selectinload(WorkPlan.items).selectinload(WorkPlanItem.milestones)))}  # not a query per plan and item
    today = clock.today()
    return [(c, plans.get(c.id), counts(plans.get(c.id), today)) for c in chains]

