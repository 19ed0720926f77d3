"""答疑 and attachments of a challenge (registered on the challenges blueprint)."""
from __future__ import annotations

from flask import abort, flash, url_for
from flask_login import current_user

from ..access import acting_user, login_required
from ..extensions import db
from ..models import Attachment, Challenge, ChallengeQuestion
from ..services import attachment_rules, questions
from ..services.visibility import can_view_details
from ..webkit import run, send_attachment
from .forms import AnswerForm, AttachmentForm, QuestionForm
from .routes import _again, _back, bp, get_challenge, instance_path, render_show


@bp.post("/<int:challenge_id>/questions")
@login_required
def ask(challenge_id):
    challenge = get_challenge(challenge_id)
    form = QuestionForm()
    again = _again(challenge, "question_form", form)
    if not form.validate_on_submit():
        return again(400)
    return run(lambda: questions.ask(acting_user(), challenge, form.question.data),
               "问题已提交，发榜企业答复后所有可查看本榜单详情的机构均可看到。",
               url_for("challenges.show", challenge_id=challenge.id, _anchor="qa"), again, form)


@bp.post("/<int:challenge_id>/questions/<int:question_id>/answer")
@login_required
def answer(challenge_id, question_id):
    challenge = get_challenge(challenge_id)
    question = db.get_or_404(ChallengeQuestion, question_id)
    if question.challenge_id != challenge.id:
        abort(404)
    form = AnswerForm()
    if not form.validate_on_submit():  # one answer box per question: the reason goes above the page
        flash("请填写答复内容（不超过 2000 字）。", "danger")
        return render_show(challenge, 400)
    return run(lambda: questions.answer(acting_user(), question, form.answer.data), "答复已发布。", _back(challenge),
               _again(challenge))


@bp.post("/<int:challenge_id>/attachments")
@login_required
def upload(challenge_id):
    challenge = get_challenge(challenge_id)
    form = AttachmentForm()
    again = _again(challenge, "attachment_form", form)
    if not form.validate_on_submit() or not form.attachment.data:
        flash("请选择要上传的文件。", "danger")
        return render_show(challenge, 400)
    return run(lambda: attachment_rules.add(acting_user(), challenge, form.attachment.data, instance_path()),
               lambda saved: f"已上传附件：{saved.original_name}", _back(challenge), again, form)


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
    return run(lambda: attachment_rules.remove(acting_user(), challenge, attachment, instance_path()), "附件已删除。",
               _back(challenge))
