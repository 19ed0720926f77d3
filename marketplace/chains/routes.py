"""The chain list and each chain's page."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..services import chains as chain_service

bp = Blueprint("chains", __name__)


@bp.route("/")
def index():
    return render_template("chains/index.html", chains=chain_service.all_chains())


@bp.route("/<code>")
def show(code):
    chain = chain_service.chain_by_code(code) or abort(404)
    return render_template("chains/show.html", chain=chain, committee=chain_service.committee(chain))
