"""Downloads of the printable official documents, each beside its source page and readable by the same
people: the 公示 by everyone, the 评审意见汇总 by the lead department, a project's notices by its parties."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response

from ..access import acting_user, login_required
from ..challenges.routes import get_challenge
from ..extensions import db
from ..models import Publicity
from ..projects.routes import get_project
from ..services import official_documents
from ..services.official_documents import Document
from .pdf import render

bp = Blueprint("documents", __name__)


def _send(document: Document, public: bool = False) -> Response:
    """The PDF as a download under its Chinese name (RFC 5987 filename*=UTF-8''…, with a plain ASCII
    filename= for older clients). Only a public 公示 may be kept by a shared cache."""
    disposition = f"attachment; filename=\"{document.ascii_name}\"; filename*=UTF-8''{quote(document.filename, safe='')}"
    return Response(render(document), mimetype="application/pdf", headers={
        "Content-Disposition": disposition, "Cache-Control": "no-cache" if public else "private, no-store"})


@bp.route("/publicity/<int:publicity_id>/notice.pdf")
def publicity_notice(publicity_id):
    # Public, like the 公示 page itself (evaluation.publicity).
    return _send(official_documents.publicity_notice(db.get_or_404(Publicity, publicity_id)), public=True)


@bp.route("/challenges/<int:challenge_id>/review-summary.pdf")
@login_required
def review_summary(challenge_id):
    return _send(official_documents.review_summary(acting_user(), get_challenge(challenge_id)))


@bp.route("/projects/<int:project_id>/approval-notice.pdf")
@login_required
def approval_notice(project_id):
    return _send(official_documents.approval_notice(acting_user(), get_project(project_id)))


@bp.route("/projects/<int:project_id>/acceptance-opinion.pdf")
@login_required
def acceptance_opinion(project_id):
    return _send(official_documents.acceptance_opinion(acting_user(), get_project(project_id)))
