"""Public results (/results/): every project after 立项, its progress and status, for anyone to read."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..services import chains as chain_service
from ..services import results

bp = Blueprint("results", __name__)


@bp.route("/")
def index():
    chain = chain_service.chain_by_code(request.args.get("chain", ""))
    status = request.args.get("status", "")
    status = status if status in results.ResultStatus.__members__ else ""
    page = results.page_of_results(current_user, request.args.get("page", 1, type=int),
                                   chain_id=chain.id if chain else None, status=status)
    return render_template("results/index.html", page=page, chains=chain_service.all_chains(),
                           statuses=results.ResultStatus.choices(),
                           filters={"chain": chain.code if chain else "", "status": status})
