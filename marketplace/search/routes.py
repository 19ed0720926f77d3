"""Site search: one query over challenges, capabilities and achievements, ranked by the match index
and cut to what the visitor may see (services/browse.search_all, services/recommend/search.py)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..services import browse

bp = Blueprint("search", __name__)

MAX_QUERY = 200  # characters: a longer query is cut, not refused (it is typed into the top bar)


@bp.route("/search")
def results():
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    found = browse.search_all(current_user, q) if q else None
    return render_template("search/results.html", q=q, results=found)
