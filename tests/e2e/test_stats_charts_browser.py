"""The statistics pages draw their charts in a real browser: an ECharts canvas in every chart box, every
request to the app's own server (ECharts comes from static/vendor/, installed by npm at build time, never
from a CDN), and no console error (the CSP refuses inline script and style: the charts use neither)."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_kit import logged_in_page, new_page

VENDORED = Path(__file__).resolve().parents[2] / "marketplace" / "static" / "vendor" / "echarts" / "echarts.min.js"


def _watch(page) -> tuple[list[str], list[str]]:
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return requests, errors


def _charts_drawn(page, url: str) -> int:
    page.goto(url)
    boxes = page.locator("[data-chart]")
    page.wait_for_function("document.querySelectorAll('[data-chart]').length > 0 && "
                           "[...document.querySelectorAll('[data-chart]')].every(b => b.querySelector('canvas'))")
    count = boxes.count()
    for i in range(count):
        box = boxes.nth(i)
        assert box.get_attribute("aria-hidden") == "true"
        assert box.locator("canvas").count() >= 1, f"chart {box.get_attribute('data-chart')} not drawn"
    return count


def test_the_statistics_pages_draw_their_charts_from_local_files(browser, live_server):
    if not VENDORED.exists():
        message = "ECharts is not in marketplace/static/vendor: the build copies it there from npm (make install)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI has npm: charts missing there is a broken build
        pytest.skip(message)
    base = live_server["url"]
    host = urlsplit(base).netloc
    context, page = new_page(browser)
    requests, errors = _watch(page)
    assert _charts_drawn(page, base + "/stats") == 3  # funnel, months, chains
    context.close()

    context, page = logged_in_page(browser, live_server, "admin@demo.example")
    admin_requests, admin_errors = _watch(page)
    assert _charts_drawn(page, base + "/admin/stats") >= 8
    assert page.locator("table").count() >= 10  # every chart has its table
    context.close()

    everything = requests + admin_requests
    assert any(url.endswith("/static/vendor/echarts/echarts.min.js") for url in everything)
    assert [url for url in everything if urlsplit(url).netloc != host and not url.startswith("data:")] == []
    assert errors + admin_errors == []
