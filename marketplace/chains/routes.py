"""The chain list and each chain's page."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from ..extensions import db
from ..models import Challenge
from ..services import chains as chain_service
from ..services import key_links
from ..services.stats import figures
from ..services.visibility import LISTED_STATES, listed_filter

bp = Blueprint("chains", __name__)


@bp.route("/")
def index():
    return render_template("chains/index.html", chains=chain_service.all_chains())


@bp.route("/<code>")
def show(code):
    chain = chain_service.chain_by_code(code) or abort(404)
    rows = db.session.scalars(
        db.select(Challenge).where(Challenge.chain_id == chain.id, listed_filter(current_user))
        .order_by(Challenge.published_at.desc().nullslast(), Challenge.id.desc())
    ).all()
    by_state = {state: [c for c in rows if c.state is state] for state in LISTED_STATES}
    quota = key_links.quota(chain)
    # Public: each link with its status and only the listings the viewer may see (no internal fields).
    links = [(link, key_links.status(link), [c for c in link.challenges if c in rows])
             for link in key_links.links(chain, quota.year)]
    # Reviewer confidentiality: applicants must not be able to infer (or lobby) who will score them, so
    # the public sees how many sit on the committee; names only those who manage the chain.
    committee = chain_service.committee(chain)
    names_shown = current_user.is_authenticated and chain_service.can_manage(current_user, chain)
    return render_template("chains/show.html", chain=chain, committee_size=len(committee),
                           committee=committee if names_shown else None,
                           by_state=by_state, key_links=links, quota=quota,
                           key_link_line=figures.key_link_line(chain, quota.year))
