"""Forms sent back with errors, used from the keyboard in a real browser: the error summary takes
focus, its links land on the fields, the input is kept, and focus is always visible."""
from __future__ import annotations

import pytest
from browser_kit import log_in, logged_in_page, new_page


@pytest.fixture
def page(browser, live_server):
    context, page = logged_in_page(browser, live_server, "enterprise@demo.example")
    yield page
    context.close()


def test_error_summary_takes_focus_and_links_to_fields(page, live_server, screenshots):
    page.goto(live_server["url"] + "/challenges/new")
    page.get_by_label("需求背景").fill("保留这段输入：产线视觉检测依赖进口算法。")
    page.get_by_label("榜额（万元）").fill("12.345")
    page.get_by_role("button", name="保存", exact=True).first.click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    summary = page.locator("[data-error-summary]")
    assert "两位小数" in summary.inner_text() and "请填写榜单名称" in summary.inner_text()
    summary.get_by_role("link", name="榜单名称", exact=False).first.press("Enter")
    assert page.evaluate("location.hash") == "#title"
    assert page.get_by_label("需求背景").input_value() == "保留这段输入：产线视觉检测依赖进口算法。"
    page.screenshot(path=str(screenshots / "forms-error-summary.png"), full_page=True)


def test_focus_is_visible_from_the_keyboard(page, live_server):
    page.goto(live_server["url"] + "/challenges/")
    for _ in range(3):  # skip link, brand, first menu entry
        page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    width = page.evaluate("parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
    assert outline != "none" and width >= 2, (outline, width)


def test_no_confirmation_for_a_form_not_filled_in_but_one_before_acting(browser, live_server):
    context, page = new_page(browser)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, live_server["url"], "admin@demo.example")
    page.goto(live_server["url"] + "/admin/chains/ai")
    # Enter in the empty search box searches the page (GET); it never designates anyone.
    page.get_by_role("combobox", name="搜索企业").fill("公司")
    page.get_by_role("combobox", name="搜索企业").press("Enter")
    page.wait_for_url(lambda url: "lead_q=" in url)
    assert dialogs == []
    page.locator("#lead-results button").first.click()  # a candidate's button asks, and "cancel" changes nothing
    assert len(dialogs) == 1 and "链主" in dialogs[0]
    assert "lead_q=" in page.url
    context.close()
