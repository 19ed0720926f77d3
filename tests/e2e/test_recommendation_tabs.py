"""A listing's owner reads its content first, then its recommendations, in tabs used from the keyboard;
recommendations show 匹配度, never raw scores (demo data, a real browser)."""
from __future__ import annotations

import re

import pytest
from browser_kit import logged_in_page


@pytest.fixture
def owner(browser, live_server):
    context, page = logged_in_page(browser, live_server, "enterprise@demo.example")
    yield page
    context.close()


def _own_challenge(page, live_server) -> None:
    page.goto(live_server["url"] + "/challenges/mine")
    hrefs = page.locator("main a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    listing = next(h for h in hrefs if h and re.fullmatch(r"/challenges/\d+", h))
    page.goto(live_server["url"] + listing)


def test_content_tab_first_then_recommendations_by_arrow_keys(owner, live_server, screenshots):
    page = owner
    _own_challenge(page, live_server)
    tablist = page.get_by_role("tablist", name="榜单内容与推荐揭榜机构")
    assert tablist.is_visible()
    content_tab = page.get_by_role("tab", name="榜单内容")
    rec_tab = page.get_by_role("tab", name=re.compile("推荐揭榜机构"))
    assert content_tab.get_attribute("aria-selected") == "true"
    assert page.locator("#panel-content").is_visible() and page.locator("#panel-rec").is_hidden()
    content_tab.focus()
    page.keyboard.press("ArrowRight")
    assert rec_tab.get_attribute("aria-selected") == "true" and content_tab.get_attribute("tabindex") == "-1"
    assert page.evaluate("document.activeElement.id") == "tab-rec"
    assert page.locator("#panel-rec").is_visible() and page.locator("#panel-content").is_hidden()
    panel = page.locator("#panel-rec")
    assert "匹配得分" not in panel.inner_text()
    badges = panel.locator("[data-match]").all_inner_texts()
    assert all(re.fullmatch(r"匹配度 \d{1,3}", b) for b in badges)
    assert badges or panel.locator("[data-no-recommendations]").is_visible()
    page.screenshot(path=str(screenshots / "recommendation-tabs.png"), full_page=True)
    page.keyboard.press("Home")
    assert content_tab.get_attribute("aria-selected") == "true" and page.locator("#panel-content").is_visible()
    page.keyboard.press("End")
    assert rec_tab.get_attribute("aria-selected") == "true"


def test_filtered_recommendations_open_on_their_tab(owner, live_server):
    page = owner
    _own_challenge(page, live_server)
    page.goto(page.url.split("?")[0] + "?rec_region=武汉市")
    assert page.get_by_role("tab", name=re.compile("推荐揭榜机构")).get_attribute("aria-selected") == "true"
    assert page.locator("#panel-rec").is_visible() and page.locator("#panel-content").is_hidden()
    page.goto(page.url.split("?")[0] + "#rec-heading")
    assert page.locator("#panel-rec").is_visible()
