"""What the report says about the chain's own work: the 工作清单 items (done / total, the late ones
named) and the 督办 record, read from the work-plan and 督办 models as they stand on a given day."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import selectinload

from ... import clock
from ...extensions import db
from ...models import Chain, ItemProgress, Project, Supervision, SupervisionState, WorkPlan, WorkPlanItem
from .. import plan_progress


@dataclass(frozen=True)
class ItemRow:
    seq: int
    title: str
    category: str
    responsible: str
    period: str
    progress: ItemProgress | None  # None: the plan is not approved, its items are not counted
    late_milestones: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanRecord:
    state: str  # the plan's state label, or 未制定
    key_points: str
    items: list[ItemRow] = field(default_factory=list)
    counted: bool = True  # plan_progress.counts_progress: only an approved plan's items are 按期 / 滞后

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def done(self) -> int:
        return sum(row.progress is ItemProgress.done for row in self.items)

    @property
    def late(self) -> list[ItemRow]:
        return [row for row in self.items if row.progress is ItemProgress.late]


@dataclass(frozen=True)
class SupervisionRow:
    subject: str
    request: str
    issued_on: date
    reply_due: date
    status: str  # 已答复（日期） / 逾期未答复 / 待答复
    overdue: bool
    reply: str


def plan_record(chain: Chain, year: int, day: date) -> PlanRecord:
    """The year's plan as it stands on `day` (items 滞后 on that day, computed in China's calendar)."""
    plan = db.session.scalar(
        db.select(WorkPlan).filter_by(chain_id=chain.id, year=year)
        .options(selectinload(WorkPlan.items).selectinload(WorkPlanItem.milestones)))
    if plan is None:
        return PlanRecord(state="未制定", key_points="")
    rows, counted = [], plan_progress.counts_progress(plan)
    for item in plan.items:
        late = tuple(f"{m.title}（{m.due_on:%m-%d} 到期）" for m in item.late_milestones(day)) if counted else ()
        rows.append(ItemRow(
            seq=item.seq, title=item.title, category=item.category.label,
            responsible=" ".join(p for p in (item.responsible_unit, item.responsible_person) if p),
            period=f"{item.start_date:%Y-%m-%d} 至 {item.end_date:%Y-%m-%d}", progress=item.progress_on(day) if counted else None,
            late_milestones=late))
    return PlanRecord(state=plan.state.label, key_points=plan.key_points, items=rows, counted=counted)


def _subject(supervision: Supervision) -> str:
    if supervision.item is not None:
        return f"工作清单：{supervision.item.title}"
    return f"项目：{supervision.project.challenge.title}"


def supervision_record(chain: Chain, year: int, day: date) -> list[SupervisionRow]:
    """Every 督办单 of the chain's year, oldest first, with its reply status on `day`."""
    rows = []
    query = (db.select(Supervision).filter_by(chain_id=chain.id, year=year)
             .options(selectinload(Supervision.item), selectinload(Supervision.project).selectinload(Project.challenge))
             .order_by(Supervision.issued_on, Supervision.id))
    for s in db.session.scalars(query):
        if s.state is SupervisionState.answered:
            status = "已答复" + (f"（{clock.local(s.replied_at):%Y-%m-%d}）" if s.replied_at else "")
        else:
            status = "逾期未答复" if s.is_overdue(day) else "待答复"
        rows.append(SupervisionRow(subject=_subject(s), request=s.request, issued_on=s.issued_on,
                                   reply_due=s.reply_due, status=status, overdue=s.is_overdue(day), reply=s.reply))
    return rows
