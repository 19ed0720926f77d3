"""An organisation's verification documents (认证材料), registered on the orgs blueprint."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, url_for
from flask_login import current_user

from ..access import acting_user, login_required
from ..extensions import db
from ..formkit import ConfirmForm, apply_error
from ..models import Attachment, Organisation
from ..services import verification
from ..services.errors import ServiceError
from ..webkit import send_attachment
from .forms import DocumentForm
from .routes import bp, render_mine


@bp.post("/mine/documents")
@login_required
def upload_document():
    form = DocumentForm()
    if not form.validate_on_submit() or not form.attachment.data:
        return _refused(ServiceError("请选择要上传的文件。", field="attachment"), form)
    try:
        saved = verification.upload(acting_user(), current_user.organisation, form.attachment.data,
                                    current_app.instance_path)
    except ServiceError as error:
        return _refused(error, form)
    db.session.commit()
    flash(f"已上传认证材料：{saved.original_name}", "success")
    return redirect(url_for("orgs.mine", _anchor="documents")), 303


@bp.post("/mine/documents/<int:attachment_id>/delete")
@login_required
def delete_document(attachment_id):
    organisation = current_user.organisation
    attachment = _document(organisation, attachment_id)
    ConfirmForm().validate_on_submit()
    try:
        verification.delete(acting_user(), organisation, attachment, current_app.instance_path)
    except ServiceError as error:
        return _refused(error)
    db.session.commit()
    flash("认证材料已删除。", "success")
    return redirect(url_for("orgs.mine", _anchor="documents")), 303


@bp.route("/<int:org_id>/documents/<int:attachment_id>")
def document(org_id, attachment_id):
    """Download one document: platform admins and the organisation's members; 404 for anyone else."""
    organisation = db.get_or_404(Organisation, org_id)
    if not verification.can_read(current_user, organisation):
        abort(404)
    return send_attachment(_document(organisation, attachment_id), verification.OWNER_TYPE, organisation.id)


def _document(organisation: Organisation, attachment_id: int) -> Attachment:
    attachment = db.get_or_404(Attachment, attachment_id)
    if attachment.owner_type != verification.OWNER_TYPE or attachment.owner_id != organisation.id:
        abort(404)
    return attachment


def _refused(error: ServiceError, form: DocumentForm | None = None):
    """The profile page again with the reason at the upload field (403 page for a permission refusal)."""
    db.session.rollback()
    if error.status == 403:
        abort(403, description=error.message)
    form = form or DocumentForm(formdata=None)
    if error.status == 409:  # the state forbids it: no upload form is shown to carry the message
        flash(error.message, "danger")
    else:
        apply_error(form, error)  # a bad file: once at the field, and in the summary above the form
    return render_mine(document_form=form, status=error.status)
