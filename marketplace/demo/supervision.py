"""Demo 督办: this year one 督办单 answered and one overdue (issued more than five working days ago and
unanswered), and last year one answered — on late work-plan items when the demo has approved plans
(the plans' demo runs before this one), otherwise on running projects, those with an overdue milestone
first. Dates are relative to `clock.today()`; the rows and their inbox messages are written straight
into their final states, with their audit entries, as the rest of the demo is."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..models import (
    Challenge,
    MilestoneState,
    Notification,
    PlanState,
    Project,
    ProjectState,
    Supervision,
    SupervisionState,
    User,
)
from ..models.work_plan import WorkPlan, WorkPlanItem
from ..services import audit
from ..services import supervision as service

DAYS = service.DEFAULT_DAYS


def _items(year: int, late_only: bool) -> list[WorkPlanItem]:
    items = db.session.scalars(select(WorkPlanItem).join(WorkPlan).where(
        WorkPlan.year == year, WorkPlan.state == PlanState.approved).order_by(WorkPlan.chain_id, WorkPlanItem.seq)).all()
    return [i for i in items if not late_only or i.late_milestones(clock.today())]


def _projects(running: bool) -> list[Project]:
    query = select(Project).join(Challenge, Challenge.id == Project.challenge_id).order_by(Project.id)
    if running:
        query = query.where(Project.state.in_((ProjectState.approved, ProjectState.in_progress)))
    projects = db.session.scalars(query).all()
    return sorted(projects, key=lambda p: not service.late_milestones(p))  # overdue milestones first


def _make_late(project: Project, issued_on: date) -> None:
    """The demo lifecycle's running projects are all on schedule: move the first unconfirmed milestone
    of a chased one to a few days before its 督办单, so the 督办 has its reason (and the matrix a late
    project)."""
    if service.late_milestones(project, issued_on):
        return
    waiting = [m for m in project.milestones if m.state is not MilestoneState.confirmed]
    if waiting:
        waiting[0].due_date = issued_on - timedelta(days=3)


def _late_on(subject, day: date) -> bool:
    """Whether `subject` was 滞后 on `day` by the app's rule (from the day after a due day passed
    unconfirmed), as far as its record tells: a 督办单 is only issued on such a day."""
    if isinstance(subject, WorkPlanItem):
        if subject.completed_on is not None and subject.completed_on <= day:
            return False
        return any(m.due_on < day and (m.confirmed_on is None or m.confirmed_on >= day) for m in subject.milestones)
    return bool(service.late_milestones(subject, day))


def _first_late_day(subject, planned: date, last: date) -> date | None:
    """The planned day if `subject` was late then, else the first later day (up to `last`) when it was."""
    day = planned
    while day <= last:
        if _late_on(subject, day):
            return day
        day += timedelta(days=1)
    return None


def _confirmed_late(item: WorkPlanItem, day: date) -> None:
    """Last year's demo items were all confirmed on time: the one chased had a step confirmed a week after
    `day` (its 督办单's), before the item was completed, so the 督办 had its reason."""
    if _late_on(item, day):
        return
    passed = [m for m in item.milestones if m.due_on < day]
    confirmed = day + timedelta(days=7)
    if passed and (item.completed_on is None or item.completed_on > confirmed):
        passed[-1].confirmed_on = confirmed


def _chase(subjects: list, planned: date, last: date, taken: list, this_year: bool = True) -> tuple | None:
    """The first of `subjects` (not already chased) late on a day from `planned` to `last`, with that day.
    This year a running project is first made late; last year an item is given a step confirmed late."""
    for subject in subjects:
        if subject in taken:
            continue
        if this_year and isinstance(subject, Project) and subject.state in (ProjectState.approved,
                                                                              ProjectState.in_progress):
            _make_late(subject, planned)
        if not this_year and isinstance(subject, WorkPlanItem):
            _confirmed_late(subject, planned)
        day = _first_late_day(subject, planned, last)
        if day is not None:
            taken.append(subject)
            return subject, day
    return None


def _at(day: date, hour: int) -> datetime:
    """A moment of a China day, as the UTC time stored."""
    return datetime.combine(day, time(hour), tzinfo=UTC) - timedelta(hours=8)


def _sent(admin: User | None, subject, year: int, issued_on: date, request: str, reply: str = "") -> Supervision:
    chain = service.chain_of(subject)
    supervision = Supervision(
        chain=chain, year=year, item=subject if isinstance(subject, WorkPlanItem) else None,
        project=subject if isinstance(subject, Project) else None, request=request,
        issued_by_id=admin.id if admin else None, issued_on=issued_on, working_days=DAYS,
        reply_due=service.reply_due(DAYS, issued_on), created_at=_at(issued_on, 10))
    db.session.add(supervision)
    db.session.flush()
    title = service.subject_title(subject)
    audit.record(admin, "supervision_issued", supervision, to_state=SupervisionState.open,
                 reason=f"{title}，{DAYS} 个工作日内答复（最迟 {supervision.reply_due}，含当日）").created_at = _at(issued_on, 10)
    url = f"/admin/supervision/{supervision.id}"
    departments = db.session.scalars(select(User).filter_by(admin_chain_id=chain.id, is_enabled=True)).all()
    for user in departments:
        db.session.add(Notification(user_id=user.id, category=service.CATEGORY, title=f"督办单：{title}",
                                    body=f"请{service.reply_by(supervision.reply_due)}。督办要求：{request}", url=url,
                                    created_at=_at(issued_on, 10)))
    if reply:
        answered_on = min(service.reply_due(DAYS - 2, issued_on), clock.today())
        replier = departments[0] if departments else None
        supervision.state, supervision.reply = SupervisionState.answered, reply
        supervision.replied_by_id, supervision.replied_at = (replier.id if replier else None), _at(answered_on, 16)
        audit.record(replier, "supervision_replied", supervision, SupervisionState.open,
                     SupervisionState.answered).created_at = _at(answered_on, 16)
        if admin is not None:
            db.session.add(Notification(user_id=admin.id, category=service.CATEGORY,
                                        title=f"{chain.name}产业链已答复督办单：{title}", body=reply, url=url,
                                        created_at=_at(answered_on, 16), read_at=_at(answered_on, 18)))
    return supervision


def seed_supervision(progress=print) -> int:
    """Three demo 督办单 (two this year, one last year); returns how many were made (0 with no subject)."""
    today = clock.today()
    admin = db.session.scalar(select(User).filter_by(is_platform_admin=True, is_enabled=True).order_by(User.id))
    this_year = _items(today.year, late_only=True) or _projects(running=True)
    last_year = _items(today.year - 1, late_only=False) or _projects(running=False)
    if len(this_year) < 2 or not last_year:
        progress("演示数据中没有可督办的滞后事项或在研项目，未创建督办单。")
        return 0
    # Answered: issued three weeks ago, answered before its day. Overdue: issued two weeks ago (ten
    # working days at least), unanswered; `flask run-jobs` sends its reminder. Each on a day its subject
    # was already late (later than planned if it became late later).
    taken: list = []
    answered = _chase(this_year, today - timedelta(days=21), today, taken)
    overdue = _chase(this_year, today - timedelta(days=14), today, taken)
    earlier = _chase(last_year, date(today.year - 1, 9, 15), date(today.year - 1, 12, 31), taken,
                    this_year=False)
    made = 0
    if answered:
        _sent(admin, answered[0], today.year, answered[1],
              "该事项子节点已过期未完成，请说明滞后原因，提出整改措施和完成时限。",
              "已召开专题推进会，明确责任单位与完成时限，预计下月底前完成该节点，届时报送进展材料。")
        made += 1
    if overdue:
        _sent(admin, overdue[0], today.year, overdue[1],
              "请于期限内报送进展情况及下一步工作安排，说明存在的困难和需要协调的事项。")
        made += 1
    if earlier:
        _sent(admin, earlier[0], today.year - 1, earlier[1], "请报送年度任务完成情况，未完成部分说明原因。",
              "年度任务已全部完成，相关材料已随年度报告报送。")
        made += 1
    db.session.flush()
    progress(f"已创建演示督办单 {made} 份（本年已答复 {int(bool(answered))} 份、待答复 {int(bool(overdue))} 份，"
             f"上年已答复 {int(bool(earlier))} 份）。")
    return made
