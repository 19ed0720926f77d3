"""The public statistics page (/stats): the province's counters and charts, readable without an account."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request

from ..services.stats import figures, pages, tables
from ..services.stats.workbook import workbook

bp = Blueprint("stats", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def echarts_available() -> bool:
    """Whether the build installed ECharts into static/vendor/ (make install, from npm): without it the
    pages show their tables only, and say so."""
    return (Path(current_app.static_folder) / "vendor" / "echarts" / "echarts.min.js").is_file()


def xlsx_response(shown: list[tables.Table], filename: str) -> Response:
    """The page's tables as a workbook download (`?format=xlsx` on either statistics page)."""
    return Response(workbook(shown), mimetype=XLSX, headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.route("/stats")
def public():
    year = pages.year_asked(request.args)
    province, each = figures.overview(year)
    shown = tables.public_tables(province, each)
    if request.args.get("format") == "xlsx":
        return xlsx_response(shown, f"stats-{year}.xlsx")
    return render_template("stats/public.html", year=year, years=pages.years(), province=province,
                           tables=shown, charts=tables.charts(shown), echarts=echarts_available())
