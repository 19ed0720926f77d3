"""Printable official documents (公示, 评审意见汇总, 立项通知书, 验收意见): who may have each, when it
exists, and what it says. The route renders the returned `Document` to an A4 PDF (documents/pdf.py).

Each document is available to those who may see its source page: a 公示 to everyone (the page is
public), the 评审意见汇总 to the chain's lead department and platform admins (the score table's
readers: experts stay anonymous to everyone else), a project's notices to its parties and managers.
A document exists only once what it records has happened: no 立项通知书 before 立项, no 验收意见
before 验收, no 评审意见汇总 before an expert has scored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .. import clock
from ..models import Challenge, Project, ProjectState, Publicity, Review, ReviewState, User
from .admins import OFFICE_NAME
from .errors import InvalidTransition, PermissionDenied
from .projects import can_view as can_view_project
from .projects import indicator_items
from .reviews import rubric, score_table
from .rules import rule
from .visibility import is_manager

PLATFORM_NAME = "湖北省产业链揭榜挂帅平台"


@dataclass
class Document:
    """One printable document: the template that lays it out and the facts it carries."""

    template: str  # under templates/documents/
    title: str
    filename: str  # the download's (Chinese) name
    ascii_name: str  # its stand-in for clients that cannot read RFC 5987 names
    number: str  # 文号: stable, derived from the record it prints
    issuer: str
    issued_on: date  # 成文日期: when what it records happened
    context: dict = field(default_factory=dict)

    @property
    def printed_on(self) -> date:
        """The day this copy was made (the footer's 生成日期)."""
        return clock.today()


def _issuer(challenge: Challenge) -> str:
    """The chain's lead department (牵头部门) issues; the platform office when none is recorded."""
    return challenge.chain.lead_department or OFFICE_NAME


def _local_date(moment) -> date:
    return clock.local(moment).date() if moment else clock.today()


def _safe_name(text: str) -> str:
    """A title fit for a file name: no path separators or control characters, not overly long."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", text).strip()[:60] or "文件"


# ----- who may have which document (services/rules.py) -------------------------------------------

@rule("may_print_review_summary")
def check_may_print_review_summary(actor: User, challenge: Challenge) -> None:
    if not is_manager(actor, challenge):
        raise PermissionDenied("评审意见汇总仅限本链牵头部门与平台管理员下载。")
    if not any(r.state is ReviewState.submitted for p in challenge.proposals for r in p.reviews):
        raise InvalidTransition("尚无专家提交评审意见，评审意见汇总尚不能生成。")


@rule("may_print_approval_notice")
def check_may_print_approval_notice(actor: User, project: Project) -> None:
    """A project exists only from 立项 on: its parties and managers may print the notice."""
    if not can_view_project(actor, project):
        raise PermissionDenied("立项通知书仅限项目承担单位、发榜企业和牵头部门下载。")


@rule("may_print_acceptance_opinion")
def check_may_print_acceptance_opinion(actor: User, project: Project) -> None:
    if not can_view_project(actor, project):
        raise PermissionDenied("验收意见仅限项目承担单位、发榜企业和牵头部门下载。")
    if not project.acceptance_note:
        raise InvalidTransition(f"项目状态为“{project.state.label}”，尚未组织验收，还没有验收意见。")


# ----- the documents -------------------------------------------------------------------------------

def publicity_notice(notice: Publicity) -> Document:
    """公示: public as its page is, to guests too."""
    challenge = notice.challenge
    return Document(
        template="publicity.html", title="揭榜挂帅项目遴选结果公示",
        filename=f"遴选结果公示-{_safe_name(challenge.title)}.pdf", ascii_name=f"publicity-{notice.id}.pdf",
        number=f"GS-{notice.starts_on.year}-{notice.id:04d}", issuer=_issuer(challenge), issued_on=notice.starts_on,
        context={"notice": notice, "challenge": challenge, "selected": notice.selected_proposals},
    )


@dataclass
class AnonymousReview:
    expert: str  # 专家1, 专家2 … numbered across the challenge
    scores: list  # [(criterion, score)] in the rubric's order
    total: float | None
    comment: str


def _anonymise(text: str, reviews: list[Review], labels: dict[int, str]) -> str:
    """A comment that names an expert of the challenge (its author signing, or a colleague) names them by
    number only, and their organisation not at all."""
    for review in reviews:
        for words, instead in ((review.expert.organisation.name, "某单位"),
                               (review.expert.name, labels.get(review.expert_id, "其他专家"))):
            if words and len(words) > 1:
                text = text.replace(words, instead)
    return text


def review_summary(actor: User, challenge: Challenge) -> Document:
    """评审意见汇总: each proposal's submitted scores and comments, the experts as 专家1, 专家2 …"""
    check_may_print_review_summary(actor, challenge)
    table = score_table(challenge)
    submitted = sorted((r for row in table for r in row.reviews if r.is_submitted), key=lambda r: r.id)
    everyone = [r for row in table for r in row.reviews]  # recused and pending ones too: any may be named
    labels: dict[int, str] = {}
    for review in submitted:
        labels.setdefault(review.expert_id, f"专家{len(labels) + 1}")
    criteria = rubric(challenge)
    rows = []
    for row in table:
        done = [r for r in row.reviews if r.is_submitted]
        assigned = [r for r in row.reviews if r.state is not ReviewState.recused]
        rows.append({"proposal": row.proposal, "mean": row.mean, "spread": row.spread, "done": len(done),
                     "assigned": len(assigned), "reviews": [
                         AnonymousReview(labels[r.expert_id], [(name, r.scores.get(name)) for name, _ in criteria],
                                         r.total, _anonymise(r.comment, everyone, labels))
                         for r in sorted(done, key=lambda r: labels[r.expert_id])]})
    last = max((r.submitted_at for r in submitted if r.submitted_at), default=None)
    return Document(
        template="review_summary.html", title="专家评审意见汇总表",
        filename=f"评审意见汇总-{_safe_name(challenge.title)}.pdf", ascii_name=f"review-summary-{challenge.id}.pdf",
        number=f"PS-{_local_date(last).year}-{challenge.id:04d}", issuer=_issuer(challenge), issued_on=clock.today(),
        context={"challenge": challenge, "rows": rows, "criteria": criteria, "experts": len(labels)},
    )


def approval_notice(actor: User, project: Project) -> Document:
    """立项通知书: the parties, funding, period, task and milestones as approved."""
    check_may_print_approval_notice(actor, project)
    approved_on = _local_date(project.created_at)
    return Document(
        template="approval_notice.html", title="揭榜挂帅项目立项通知书",
        filename=f"立项通知书-{_safe_name(project.challenge.title)}.pdf", ascii_name=f"approval-notice-{project.id}.pdf",
        number=f"LX-{approved_on.year}-{project.id:04d}", issuer=_issuer(project.challenge), issued_on=approved_on,
        context={"project": project, "challenge": project.challenge, "members": project.proposal.accepted_members},
    )


def acceptance_opinion(actor: User, project: Project) -> Document:
    """验收意见: every indicator as checked, the conclusion and the acceptance committee's opinion."""
    check_may_print_acceptance_opinion(actor, project)
    accepted_on = _local_date(project.ended_at)
    checks = project.acceptance_checks or [{"indicator": text, "met": None, "note": ""}
                                           for text in indicator_items(project.challenge.indicators)]
    return Document(
        template="acceptance_opinion.html", title="揭榜挂帅项目验收意见",
        filename=f"验收意见-{_safe_name(project.challenge.title)}.pdf",
        ascii_name=f"acceptance-opinion-{project.id}.pdf",
        number=f"YS-{accepted_on.year}-{project.id:04d}", issuer=_issuer(project.challenge), issued_on=accepted_on,
        context={"project": project, "challenge": project.challenge, "members": project.proposal.accepted_members,
                 "checks": checks, "passed": project.state is ProjectState.accepted},
    )
