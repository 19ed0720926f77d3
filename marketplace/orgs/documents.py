"""An organisation's verification documents (认证材料), registered on the orgs blueprint."""
from __future__ import annotations

from flask import abort, current_app, url_for
from flask_login import current_user

from ..access import acting_user, login_required
from ..extensions import db
from ..formkit import apply_error
from ..models import Attachment, Organisation
from ..services import verification
from ..services.errors import ServiceError
from ..webkit import run, send_attachment
from .forms import DocumentForm
from .routes import bp, render_mine


@bp.post("/mine/documents")
@login_required
def upload_document():
    form = DocumentForm()

    def again(status):
        return render_mine(document_form=form, status=status)

    if not form.validate_on_submit() or not form.attachment.data:
        apply_error(form, ServiceError("请选择要上传的文件。", field="attachment"))
        return again(400)
    return run(lambda: verification.upload(acting_user(), current_user.organisation, form.attachment.data,
                                           current_app.instance_path),
               lambda saved: f"已上传认证材料：{saved.original_name}", url_for("orgs.mine", _anchor="documents"),
               again, form)


@bp.post("/mine/documents/<int:attachment_id>/delete")
@login_required
def delete_document(attachment_id):
    organisation = current_user.organisation
    attachment = _document(organisation, attachment_id)
    return run(lambda: verification.delete(acting_user(), organisation, attachment, current_app.instance_path),
               "认证材料已删除。", url_for("orgs.mine", _anchor="documents"))


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

