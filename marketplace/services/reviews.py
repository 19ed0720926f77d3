"""Expert review (专家评审): assignment with conflict-of-interest checks, rubric scoring, score tables."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta

from .. import clock
from ..clock import utcnow
from ..extensions import db
from ..models import (
    CHOSEN_PROPOSAL_STATES,
    Challenge,
    ExpertMembership,
    Proposal,
    ProposalState,
    Review,
    ReviewState,
    User,
)
from ..models.review import default_due_on
from ..notifications import notify
from . import audit
from .errors import InvalidTransition, PermissionDenied, ServiceError
from .locking import claim_once, lock
from .rules import rule
from .visibility import is_manager

DEFAULT_RUBRIC = (("技术先进性", 30), ("技术可行性", 25), ("团队能力", 20), ("经费合理性", 15), ("预期效益", 10))
DEFAULT_REVIEWERS = 3
REVIEWABLE = (ProposalState.submitted, ProposalState.shortlisted, ProposalState.selected)
# A due date further ahead is a typo (or a review nobody will wait for): the selection waits on it.
DUE_MAX_DAYS = 60
REMINDER_DAYS = 2  # the expert is reminded (once) when the due date is this near


def rubric(challenge: Challenge) -> list[tuple[str, int]]:
    """The challenge's criteria and weights (they sum to 100)."""
    return [tuple(item) for item in (challenge.rubric or DEFAULT_RUBRIC)]


def set_rubric(actor: User, challenge: Challenge, criteria: list[tuple[str, int]]) -> None:
    """Set the weights before any review is submitted; they must sum to 100."""
    if not is_manager(actor, challenge):
        raise PermissionDenied("只有牵头部门可以设置评审细则。")
    criteria = [(name.strip(), int(weight)) for name, weight in criteria if name.strip()]
    if not criteria or any(w <= 0 for _, w in criteria):
        raise ServiceError("每项评审指标须有名称和正的权重。", field="rubric")
    if sum(w for _, w in criteria) != 100:
        raise ServiceError(f"权重合计应为 100，当前为 {sum(w for _, w in criteria)}。", field="rubric")
    lock(challenge)  # scores are submitted under the same lock: no score lands under a changing rubric
    if db.session.scalar(db.select(Review.id).join(Proposal).where(
            Proposal.challenge_id == challenge.id, Review.state == ReviewState.submitted).limit(1)):
        raise InvalidTransition("已有专家提交评分，不能再修改评审细则。")
    if criteria == rubric(challenge):
        return  # unchanged (a double click, or saving the default as it stands): nothing to record
    challenge.rubric = [list(c) for c in criteria]
    audit.record(actor, "rubric_set", challenge, reason="；".join(f"{n} {w}" for n, w in criteria))
    db.session.flush()


def weighted_total(criteria: list[tuple[str, int]], scores: dict[str, float]) -> float:
    """Σ score × weight / 100, each score 0–100: the total is on the same 0–100 scale."""
    return round(sum(float(scores[name]) * weight for name, weight in criteria) / 100, 2)


def conflict(expert: User, proposal: Proposal) -> str | None:
    """Why this expert may not review this proposal, or None."""
    if expert.organisation_id == proposal.organisation_id:
        return "专家来自揭榜牵头单位"
    if expert.organisation_id == proposal.challenge.organisation_id:
        return "专家来自发榜企业"
    if expert.organisation_id in {m.organisation_id for m in proposal.members}:
        return "专家来自联合体成员单位"
    if expert.organisation_id in _competitors(proposal):
        return "专家来自同一榜单的其他揭榜单位"
    return None


def _competitors(proposal: Proposal) -> set[int]:
    """Organisations (leads and consortium members) of the other proposals on the same challenge:
    judging a rival's proposal is a conflict of interest too."""
    found = set()
    for other in proposal.challenge.proposals:
        if other.id == proposal.id or other.state is ProposalState.draft:
            continue
        found.add(other.organisation_id)
        found.update(m.organisation_id for m in other.members)
    return found


def committee(challenge: Challenge) -> list[User]:
    members = db.session.scalars(db.select(User).join(ExpertMembership).where(
        ExpertMembership.chain_id == challenge.chain_id, User.is_enabled.is_(True)).order_by(User.name)).all()
    return [user for user in members if user.can_act]  # a pending organisation's expert cannot review yet


@rule("may_assign_reviewer")
def check_may_assign(actor: User, proposal: Proposal) -> None:
    if not is_manager(actor, proposal.challenge):
        raise PermissionDenied("只有本链牵头部门或平台管理员可以分配评审专家。")
    if proposal.state not in REVIEWABLE:
        raise InvalidTransition(f"方案状态为“{proposal.state.label}”，不能分配评审。")


def check_due_on(due_on: date) -> None:
    """A review's due date: from today, at most DUE_MAX_DAYS ahead."""
    today = clock.today()
    if due_on < today:
        raise ServiceError(f"评审截止日期不能早于今天（{today}）。", field="due_on")
    if due_on > today + timedelta(days=DUE_MAX_DAYS):
        raise ServiceError(f"评审截止日期最晚为 {today + timedelta(days=DUE_MAX_DAYS)}（{DUE_MAX_DAYS} 天内）。",
                           field="due_on")


def assign(actor: User, proposal: Proposal, expert: User, due_on: date | None = None) -> Review:
    """The chain admin assigns a committee expert, due on `due_on` (by default today + REVIEW_DAYS);
    conflicts of interest are refused."""
    challenge = proposal.challenge
    check_may_assign(actor, proposal)
    due_on = due_on or default_due_on()
    check_due_on(due_on)
    if not any(m.chain_id == challenge.chain_id for m in expert.expert_memberships):
        raise ServiceError(f"{expert.name}不是{challenge.chain.name}专家委员会成员。", field="expert_id")
    if not expert.can_act:
        raise ServiceError(f"{expert.name}所在机构尚未通过平台认证（或账号已停用），暂不能评审。", field="expert_id")
    reason = conflict(expert, proposal)
    if reason:
        raise ServiceError(f"利益冲突，不能分配：{reason}。", field="expert_id")
    if any(r.expert_id == expert.id for r in proposal.reviews):
        raise InvalidTransition(f"{expert.name}已在本方案的评审名单中。")
    review = Review(proposal=proposal, expert=expert, assigned_by_id=actor.id, due_on=due_on)
    db.session.add(review)
    db.session.flush()
    audit.record(actor, "review_assigned", proposal, reason=f"{expert.name}，{due_on} 截止")
    notify.users([expert], "review", f"评审任务：{challenge.title}",
                 f"请在评审任务中查看方案并打分，评审截止日期为 {due_on}。", f"/reviews/{review.id}")
    return review


@rule("may_change_review_due")
def check_may_change_due(actor: User, review: Review) -> None:
    """Who may assign may move the due date of a review still waiting for its expert."""
    check_may_assign(actor, review.proposal)
    if review.state is not ReviewState.assigned:
        raise InvalidTransition("该评审已提交或已回避，不能再修改截止日期。")


def change_due(actor: User, review: Review, due_on: date) -> None:
    """The chain admin gives the expert another due date; the expert is told, and reminded again before it."""
    check_may_change_due(actor, review)
    check_due_on(due_on)
    if due_on == review.due_on:
        return  # unchanged (a double click): nothing to record
    before = review.due_on
    review.due_on, review.reminded_at = due_on, None
    audit.record(actor, "review_due_changed", review.proposal, reason=f"{review.expert.name}：{before} → {due_on}")
    notify.users([review.expert], "review", f"评审截止日期调整：{review.proposal.challenge.title}",
                 f"评审截止日期由 {before} 改为 {due_on}。", f"/reviews/{review.id}")
    db.session.flush()


def _reminder_due(today: date) -> tuple:
    """A review still waiting for its expert, on a proposal under review, due within REMINDER_DAYS, not yet reminded."""
    return (Review.state == ReviewState.assigned, Review.reminded_at.is_(None),
            Review.proposal_id.in_(db.select(Proposal.id).where(Proposal.state.in_(REVIEWABLE))),
            Review.due_on <= today + timedelta(days=REMINDER_DAYS), Review.due_on >= today)


def due_reviews(today: date | None = None) -> list[int]:
    """The reviews whose reminder is due: the ids `remind_if_due` takes."""
    today = today or clock.today()
    return list(db.session.scalars(db.select(Review.id).where(*_reminder_due(today))
                                   .order_by(Review.due_on, Review.id)))


def remind_if_due(review_id: int, today: date | None = None) -> bool:
    """Remind the expert that a review is due within REMINDER_DAYS, once: `reminded_at` is set by
    compare-and-set where it is still empty, and only the call that set it sends. Returns whether it sent."""
    today = today or clock.today()
    if not claim_once(Review, review_id, *_reminder_due(today), reminded_at=utcnow()):
        return False
    review = db.session.get(Review, review_id, populate_existing=True)
    left = (review.due_on - today).days
    when = "今天" if left == 0 else f" {left} 天后"
    notify.users([review.expert], "review", f"评审任务将于{when}（{review.due_on}）截止：{review.proposal.challenge.title}",
                 f"评审截止日期为 {review.due_on}，请尽快查看方案并打分；如有利益冲突请申请回避。",
                 f"/reviews/{review.id}")
    db.session.flush()
    return True


@rule("may_recuse")
def check_may_recuse(actor: User, review: Review) -> None:
    """The expert the review is assigned to answers it once: a score, or stepping aside."""
    if review.expert_id != actor.id:
        raise PermissionDenied("只能处理分配给自己的评审任务。")
    if not actor.can_act:
        raise PermissionDenied("您所在机构尚未通过平台认证（或账号已停用），暂不能评审。")
    if review.state is not ReviewState.assigned:
        raise InvalidTransition("该评审已提交或已回避。")


@rule("may_score")
def check_may_score(actor: User, review: Review) -> None:
    """…and scores it while the proposal is still under review (not declined or decided)."""
    check_may_recuse(actor, review)
    if review.proposal.state not in REVIEWABLE:
        raise InvalidTransition(f"该方案已{review.proposal.state.label}，不再评审。")


def recuse(actor: User, review: Review, reason: str) -> None:
    """The expert declares a conflict of interest and steps aside."""
    check_may_recuse(actor, review)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请说明回避原因（利益冲突情形）。", field="reason")
    review.state = ReviewState.recused
    review.recusal_reason = reason
    audit.record(actor, "review_recused", review.proposal, reason=reason)
    notify.chain_admins(review.proposal.challenge.chain, "review", f"专家申请回避：{review.proposal.challenge.title}",
                        f"{actor.name}声明利益冲突，请补充分配专家。", f"/challenges/{review.proposal.challenge_id}/evaluation")
    db.session.flush()


def submit(actor: User, review: Review, scores: dict[str, float], comment: str) -> None:
    """The expert submits a score (0–100) for every criterion, and a comment."""
    check_may_recuse(actor, review)
    # Queue behind a rubric change or a decision on the proposal, then judge what they left.
    lock(review.proposal.challenge, review.proposal)
    check_may_score(actor, review)
    criteria = rubric(review.proposal.challenge)
    clean = {}
    for name, _ in criteria:
        value = scores.get(name)
        if value is None or not 0 <= float(value) <= 100:
            raise ServiceError(f"“{name}”的评分应为 0—100。", field="scores")
        clean[name] = float(value)
    if not (comment or "").strip():
        raise ServiceError("请填写评审意见。", field="comment")
    review.scores = clean
    review.total = weighted_total(criteria, clean)
    review.comment = comment.strip()
    review.state = ReviewState.submitted
    review.submitted_at = utcnow()
    audit.record(actor, "review_submitted", review.proposal)
    db.session.flush()


@dataclass
class ScoreRow:
    proposal: Proposal
    reviews: list[Review] = field(default_factory=list)

    @property
    def totals(self) -> list[float]:
        return [r.total for r in self.reviews if r.state is ReviewState.submitted]

    @property
    def mean(self) -> float | None:
        return round(statistics.fmean(self.totals), 2) if self.totals else None

    @property
    def spread(self) -> float | None:
        """Highest minus lowest total: a large spread flags disagreement among the experts."""
        return round(max(self.totals) - min(self.totals), 2) if self.totals else None

    @property
    def stdev(self) -> float | None:
        return round(statistics.pstdev(self.totals), 2) if len(self.totals) > 1 else None


SHOWN = tuple(dict.fromkeys(REVIEWABLE + CHOSEN_PROPOSAL_STATES + (ProposalState.declined, ProposalState.not_selected)))


def score_table(challenge: Challenge) -> list[ScoreRow]:
    """Every submitted proposal with its scores (declined and not selected ones too), best mean first."""
    rows = [ScoreRow(p, sorted(p.reviews, key=lambda r: r.id)) for p in challenge.proposals if p.state in SHOWN]
    return sorted(rows, key=lambda row: (row.mean is None, -(row.mean or 0), row.proposal.id))


def assignments(expert: User) -> list[Review]:
    """Waiting ones first, soonest due first; then the answered ones, latest first."""
    return db.session.scalars(db.select(Review).filter_by(expert_id=expert.id).order_by(
        Review.state, Review.due_on, Review.assigned_at.desc())).all()
