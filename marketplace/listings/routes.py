"""Capabilities (科研能力) and the achievements database (成果库)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from ..access import acting_user, verified_required
from ..extensions import db
from ..formkit import options
from ..models import Achievement, Capability, ListingStatus, OrgType, TransferMode
from ..models.base import join_keywords
from ..services import browse, listings
from ..services import chains as chain_service
from ..services.visibility import can_view_listing
from ..webkit import run
from .forms import AchievementForm, CapabilityForm

bp = Blueprint("listings", __name__)


def _get(model, listing_id):
    listing = db.get_or_404(model, listing_id)
    if not can_view_listing(current_user, listing):
        abort(404)
    return listing


def _list_page(kind: str, fetch):
    filters = browse.Filters.from_args(request.args)
    page = fetch(filters, request.args.get("page", 1, type=int))
    return render_template("listings/index.html", kind=kind, page=page, filters=filters,
                           chains=chain_service.all_chains(), org_types=OrgType.choices(exclude=(OrgType.government,)))


@bp.route("/capabilities/")
def capabilities():
    return _list_page("capability", browse.capabilities)


@bp.route("/achievements/")
def achievements():
    return _list_page("achievement", browse.achievements)


@bp.route("/capabilities/<int:listing_id>")
def capability(listing_id):
    listing = _get(Capability, listing_id)
    return render_template("listings/capability.html", listing=listing)


@bp.route("/achievements/<int:listing_id>")
def achievement(listing_id):
    listing = _get(Achievement, listing_id)
    return render_template("listings/achievement.html", listing=listing)


def _capability_fields(form) -> dict:
    # A text box left out of the request is "" (the columns are NOT NULL), as if sent empty.
    return {name: (getattr(form, name).data or "").strip()
            for name in ("title", "direction", "description", "team_lead", "notable_members", "facilities", "results")
            } | {"team_size": form.team_size.data, "keywords": join_keywords(form.keywords.data)}


def _achievement_fields(form) -> dict:
    return {
        "title": form.title.data.strip(), "chain_id": form.chain_id.data, "summary": form.summary.data.strip(),
        "trl": form.trl.data, "ip": (form.ip.data or "").strip(),
        "transfer_mode": TransferMode(form.transfer_mode.data) if form.transfer_mode.data else None,
        "contact_name": form.contact_name.data.strip(), "contact_phone": form.contact_phone.data.strip(),
    }


def _edit(kind: str, model, form_class, listing_id, save_new, save_existing, prepare):
    """Shared create/edit flow: validate, call the service, commit; on refusal keep the input (4xx)."""
    listing = _get(model, listing_id) if listing_id else None
    # The services' own rules and messages, before the form is shown (a refusal is the global 403).
    if listing is None:
        listings.check_may_post(acting_user())
    else:
        listings.check_may_change(acting_user(), listing)
    form = form_class(obj=listing if request.method == "GET" else None)
    prepare(form, listing)

    def again(status):
        return render_template("listings/form.html", form=form, kind=kind, listing=listing), status

    if not form.validate_on_submit():
        return again(400 if form.is_submitted() else 200)

    def save():
        if listing is None:
            return save_new(form)
        save_existing(form, listing)
        return listing

    return run(save, "已保存。", lambda saved: url_for(f"listings.{kind}", listing_id=saved.id), again, form, code=302)


def _prepare_capability(form, listing):
    form.chain_ids.choices = options([(c.id, c.name) for c in chain_service.all_chains()])
    if request.method == "GET" and listing is not None:
        form.chain_ids.data = [c.id for c in listing.chains]
        form.version.data = listing.version


def _prepare_achievement(form, listing):
    form.chain_id.choices = options([(c.id, c.name) for c in chain_service.all_chains()])
    if request.method == "GET" and listing is not None:
        form.transfer_mode.data = listing.transfer_mode.value if listing.transfer_mode else ""
        form.version.data = listing.version


@bp.route("/capabilities/new", methods=["GET", "POST"], defaults={"listing_id": None})
@bp.route("/capabilities/<int:listing_id>/edit", methods=["GET", "POST"])
@verified_required
def capability_form(listing_id):
    return _edit(
        "capability", Capability, CapabilityForm, listing_id,
        lambda f: listings.create_capability(acting_user(), f.chain_ids.data, **_capability_fields(f)),
        lambda f, listing: listings.update_capability(acting_user(), listing, int(f.version.data or 0),
                                                      f.chain_ids.data, **_capability_fields(f)),
        _prepare_capability)


@bp.route("/achievements/new", methods=["GET", "POST"], defaults={"listing_id": None})
@bp.route("/achievements/<int:listing_id>/edit", methods=["GET", "POST"])
@verified_required
def achievement_form(listing_id):
    return _edit(
        "achievement", Achievement, AchievementForm, listing_id,
        lambda f: listings.create_achievement(acting_user(), **_achievement_fields(f)),
        lambda f, listing: listings.update_achievement(acting_user(), listing, int(f.version.data or 0),
                                                       **_achievement_fields(f)),
        _prepare_achievement)


@bp.post("/<kind>/<int:listing_id>/status")
@verified_required
def set_status(kind, listing_id):
    model = {"capabilities": Capability, "achievements": Achievement}.get(kind) or abort(404)
    listing = _get(model, listing_id)
    status = ListingStatus.archived if request.form.get("status") == "archived" else ListingStatus.active
    endpoint = "listings.capability" if model is Capability else "listings.achievement"
    return run(lambda: listings.set_status(acting_user(), listing, status),
               "已下架。" if status is ListingStatus.archived else "已重新上架。", url_for(endpoint, listing_id=listing.id))

