"""The menu's 工作台 badge and the 待办 from the keyboard, in a real browser: a screen reader hears
“N 项待办” on the menu link, and the first item of the list opens the page where the work is done."""
from __future__ import annotations

import re

from browser_kit import logged_in_page


def test_the_menu_counts_the_work_and_the_list_leads_to_it(browser, live_server, screenshots):
    # The demo expert has reviews assigned.
    context, page = logged_in_page(browser, live_server, "expert@demo.example")
    page.goto(live_server["url"] + "/challenges/")
    menu = page.get_by_role("navigation", name="主导航").get_by_role("link", name=re.compile(r"^工作台 \d+ 项待办$"))
    waiting = int(re.search(r"\d+", menu.inner_text()).group())
    assert waiting >= 1
    menu.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url.endswith("/dashboard"))
    reviews = page.locator('[data-todo="reviews"]')
    assert sum(int(n) for n in page.locator("[data-todo] h3 .badge").all_inner_texts()) == waiting
    page.screenshot(path=str(screenshots / "todo-expert-dashboard.png"), full_page=True)
    first_item = reviews.locator("li > a").first
    first_item.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: re.search(r"/reviews/\d+$", url) is not None)
    assert page.get_by_role("button", name=re.compile("提交")).count() >= 1
    context.close()
