"""答疑 and attachments of a challenge (registered on the challenges blueprint)."""
from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from ..access import acting_user, login_required
from ..extensions import db
from ..models import Attachment, Challenge, ChallengeQuestion
from ..services import attachment_rules, questions
from ..services.errors import ServiceError
from ..services.visibility import can_view_details
from ..webkit import send_attachment
from .forms import AnswerForm, AttachmentForm, QuestionForm
from .routes import _refused, _transition, bp, get_challenge, instance_path


@bp.post("/<int:challenge_id>/questions")
@login_required
def ask(challenge_id):
    challenge = get_challenge(challenge_id)
    form = QuestionForm()
    if not form.validate_on_submit():
        return _refused(challenge, question_form=form)
    try:
        questions.ask(acting_user(), challenge, form.question.data)
    except ServiceError as error:
        return _refused(challenge, error, question_form=form)
    db.session.commit()
    flash("问题已提交，发榜企业答复后所有可查看本榜单详情的机构均可看到。", "success")
    return redirect(url_for("challenges.show", challenge_id=challenge.id, _anchor="qa")), 303


@bp.post("/<int:challenge_id>/questions/<int:question_id>/answer")
@login_required
def answer(challenge_id, question_id):
    challenge = get_challenge(challenge_id)
    question = db.get_or_404(ChallengeQuestion, question_id)
    if question.challenge_id != challenge.id:
        abort(404)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _refused(challenge, ServiceError("请填写答复内容（不超过 2000 字）。"))
    return _transition(challenge, lambda: questions.answer(acting_user(), question, form.answer.data), "答复已发布。")


@bp.post("/<int:challenge_id>/attachments")
@login_required
def upload(challenge_id):
    challenge = get_challenge(challenge_id)
    form = AttachmentForm()
    if not form.validate_on_submit() or not form.attachment.data:
        return _refused(challenge, ServiceError("请选择要上传的文件。"))
    try:
        saved = attachment_rules.add(acting_user(), challenge, form.attachment.data, instance_path())
    except ServiceError as error:
        return _refused(challenge, error)
    db.session.commit()
    flash(f"已上传附件：{saved.original_name}", "success")
    return redirect(url_for("challenges.show", challenge_id=challenge.id)), 303


def _attachment(challenge_id: int, attachment_id: int) -> tuple[Challenge, Attachment]:
    challenge = get_challenge(challenge_id)
    attachment = db.get_or_404(Attachment, attachment_id)
    if attachment.owner_type != "challenge" or attachment.owner_id != challenge.id:
        abort(404)
    return challenge, attachment


@bp.route("/<int:challenge_id>/attachments/<int:attachment_id>")
def download(challenge_id, attachment_id):
    challenge, attachment = _attachment(challenge_id, attachment_id)
    if not can_view_details(current_user, challenge):
        abort(404)
    return send_attachment(attachment, "challenge", challenge.id)


@bp.post("/<int:challenge_id>/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(challenge_id, attachment_id):
    challenge, attachment = _attachment(challenge_id, attachment_id)
    return _transition(challenge, lambda: attachment_rules.remove(acting_user(), challenge, attachment, instance_path()),
                       "附件已删除。")
