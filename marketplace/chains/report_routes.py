"""A chain's year-end report: the page (figures, narrative form, downloads) and its Word and Excel files.

Readable by those who may read the chain's governance (oversight.can_view: its lead department, platform
admins, its 链长 and every 总链长); everyone else gets 404, so the report's existence is not disclosed.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, render_template, url_for

from .. import clock
from ..access import acting_user, login_required
from ..services import chains as chain_service
from ..services import oversight
from ..services.reports import docx_report, narrative, xlsx_report
from ..services.reports.content import assemble, narrative_of
from ..webkit import run
from .forms import NarrativeForm
from .routes import bp

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YEAR_MIN = 2000


def download(data: bytes, mimetype: str, filename: str, ascii_name: str) -> Response:
    """A generated file under its Chinese name (RFC 5987 filename*=UTF-8''…, an ASCII filename= for older
    clients); never kept by a shared cache (the reports are not public)."""
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": disposition,
                                                      "Cache-Control": "private, no-store"})


def check_year(year: int) -> int:
    """A year with a report: from 2000 to next year (a report of 2999 is a typo, not an empty year)."""
    if not YEAR_MIN <= year <= clock.today().year + 1:
        abort(404)
    return year


def _readable_chain(code: str):
    chain = chain_service.chain_by_code(code)
    if chain is None or not oversight.can_view(acting_user(), chain):
        abort(404)
    return chain


def _page(chain, year, form=None, status=200):
    content = assemble(chain, year)
    editable = narrative.can_edit(acting_user(), chain)
    if form is None and editable:
        stored = narrative_of(chain, year)
        form = NarrativeForm(formdata=None, narrative=content.narrative, version=stored.version if stored else 0)
    next_year = year + 1 if year + 1 <= clock.today().year else None
    return render_template("chains/report.html", chain=chain, year=year, content=content, next_year=next_year,
                           form=form if editable else None, limit=narrative.NARRATIVE_MAX), status


@bp.route("/<code>/report/<int:year>")
@login_required
def report_page(code, year):
    return _page(_readable_chain(code), check_year(year))


@bp.post("/<code>/report/<int:year>")
@login_required
def report_save(code, year):
    chain, year = _readable_chain(code), check_year(year)
    form = NarrativeForm()
    if not form.validate_on_submit():
        return _page(chain, year, form, 400)
    return run(lambda: narrative.save(acting_user(), chain, year, form.version.data, form.narrative.data),
               "已保存年度工作总结。", url_for("chains.report_page", code=chain.code, year=year),
               lambda status: _page(chain, year, form, status), form)


@bp.route("/<code>/report/<int:year>.docx")
@login_required
def report_docx(code, year):
    content = assemble(_readable_chain(code), check_year(year))
    return download(docx_report.build(content), DOCX, content.filename_stem + ".docx", content.ascii_stem + ".docx")


@bp.route("/<code>/report/<int:year>.xlsx")
@login_required
def report_xlsx(code, year):
    content = assemble(_readable_chain(code), check_year(year))
    return download(xlsx_report.build(content), XLSX, content.filename_stem + ".xlsx", content.ascii_stem + ".xlsx")
