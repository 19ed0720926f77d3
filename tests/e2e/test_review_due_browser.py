"""A review's due date on the evaluation desk, from the keyboard in a real browser: the chain admin
opens 改期 of a waiting review, a day in the past is refused next to the field (announced, the
disclosure left open with what was typed), a valid day is saved; the expert's list shows it."""
from __future__ import annotations

import re
from datetime import timedelta

from browser_kit import logged_in_page

from marketplace import clock


def test_the_chain_admin_moves_a_due_date_from_the_keyboard(browser, live_server, screenshots):
    # A review the demo expert is still to score: its listing's desk.
    context, page = logged_in_page(browser, live_server, "expert@demo.example")
    page.goto(live_server["url"] + "/reviews/")
    waiting = page.locator("tbody tr", has_text="待评审").first
    waiting.get_by_role("link").click()
    page.wait_for_url(lambda url: re.search(r"/reviews/\d+$", url) is not None)
    assert page.locator("[data-review-due]").inner_text().startswith("评审截止日期：")
    listing = page.get_by_role("link", name="查看榜单").get_attribute("href")
    context.close()

    context, page = logged_in_page(browser, live_server, "chain-ai@demo.example")
    page.goto(live_server["url"] + listing + "/evaluation")
    opener = page.locator("summary", has_text="改期").first
    opener.focus()
    page.keyboard.press("Enter")
    field = page.get_by_label(re.compile("的评审截止日期$")).first
    assert field.is_visible()
    field.focus()
    field.fill((clock.today() - timedelta(days=1)).isoformat())
    page.keyboard.press("Tab")  # to 保存
    with page.expect_navigation():
        page.keyboard.press("Enter")
    field = page.locator('input[aria-invalid="true"]').first
    assert field.is_visible()  # its disclosure is open again, with what was typed
    assert "评审截止日期不能早于今天" in page.locator(".invalid-feedback").first.inner_text()
    assert field.get_attribute("aria-describedby") == field.get_attribute("id") + "-error"
    page.screenshot(path=str(screenshots / "review-due-refused.png"), full_page=True)
    new_date = (clock.today() + timedelta(days=20)).isoformat()
    field.fill(new_date)
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"评审截止日期改为 {new_date}" in page.locator("main").inner_text()
    context.close()
