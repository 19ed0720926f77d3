"""答疑: clarification questions on a published challenge and the poster's answers."""
from __future__ import annotations

from ..clock import utcnow
from ..extensions import db
from ..models import Challenge, ChallengeQuestion, User
from ..notifications import notify
from . import audit
from .errors import InvalidTransition, PermissionDenied, ServiceError
from .locking import refuse_repeat
from .rules import rule
from .visibility import can_view_details

MAX_LENGTH = 2000


@rule("may_ask_question")
def check_may_ask(actor: User, challenge: Challenge) -> None:
    """A verified institution asks on a published listing it may read in full."""
    if not (actor.can_act and actor.organisation.is_institution):
        raise PermissionDenied("只有已认证的高校、院所等揭榜机构可以提问。")
    if not can_view_details(actor, challenge):
        raise PermissionDenied("您无权查看该榜单详情。")
    if not challenge.is_published:
        raise InvalidTransition("只有揭榜中的榜单可以提问。")


def ask(actor: User, challenge: Challenge, text: str) -> ChallengeQuestion:
    """A verified institution asks a question on a published listing it may read in full."""
    check_may_ask(actor, challenge)
    text = _required_text(text, "question", "问题")
    refuse_repeat(actor.organisation, ChallengeQuestion, challenge_id=challenge.id, asked_by_id=actor.id, question=text)
    question = ChallengeQuestion(challenge=challenge, asked_by_id=actor.id, question=text)
    db.session.add(question)
    db.session.flush()
    audit.record(actor, "question_asked", challenge)
    notify.organisation(challenge.organisation, "question", f"收到答疑提问：{challenge.title}", text[:200],
                        f"/challenges/{challenge.id}#qa")
    return question


@rule("may_answer_question")
def check_may_answer(actor: User, challenge: Challenge) -> None:
    """The posting enterprise, verified, answers the questions on its listing."""
    if actor.organisation_id != challenge.organisation_id or not actor.can_act:
        raise PermissionDenied("只有发榜企业可以答复问题。")


def answer(actor: User, question: ChallengeQuestion, text: str) -> None:
    """The poster answers (or corrects its answer); every viewer of the details sees it."""
    challenge = question.challenge
    check_may_answer(actor, challenge)
    text = _required_text(text, "answer", "答复")
    if text == question.answer:
        return  # the same answer again (a double click, a resubmitted form): nothing to record or tell
    question.answer = text
    question.answered_by_id = actor.id
    question.answered_at = utcnow()
    audit.record(actor, "question_answered", challenge)
    if question.asked_by is not None:
        notify.users([question.asked_by], "question", f"您的提问已答复：{challenge.title}", text[:200],
                     f"/challenges/{challenge.id}#qa")
    db.session.flush()


def _required_text(text: str | None, field: str, noun: str) -> str:
    """The trimmed text of a question or answer; empty or over MAX_LENGTH is refused at `field`."""
    text = (text or "").strip()
    if not text:
        raise ServiceError(f"请填写{noun}内容。", field=field)
    if len(text) > MAX_LENGTH:
        raise ServiceError(f"{noun}不能超过 {MAX_LENGTH} 字。", field=field)
    return text
