"""A form submitted twice in a real browser creates one record: a double click on its button, the
button pressed again while the first request is on its way, the result page refreshed, the form
sent again after going back to it."""
from __future__ import annotations

import re
import sqlite3
import uuid
from datetime import date, timedelta

import pytest
from browser_kit import log_in, new_page

REPEATED = "此表单已提交，未重复创建。"
FORM = "main form[method=post]"


@pytest.fixture
def page(browser, live_server):
    context, page = new_page(browser)
    page.on("dialog", lambda dialog: dialog.accept())  # a browser's "send the form again?" question
    log_in(page, live_server["url"], "enterprise@demo.example")
    yield page
    context.close()


def rows(live_server, sql: str, *args) -> int:
    with sqlite3.connect(live_server["database"]) as connection:
        return connection.execute(sql, args).fetchone()[0]


def challenges_titled(live_server, title: str) -> int:
    return rows(live_server, "SELECT count(*) FROM challenge WHERE title = ?", title)


def fill_challenge(page, live_server) -> str:
    """The 发布榜单 form filled in with a title of its own; returns the title."""
    title = f"双击测试榜单{uuid.uuid4().hex[:8]}"
    page.goto(live_server["url"] + "/challenges/new")
    page.get_by_label("榜单名称").fill(title)
    page.get_by_label("需求背景").fill("产线视觉检测依赖进口算法。")
    page.get_by_label("榜额（万元）").fill("300")
    page.get_by_label("揭榜截止日期").fill((date.today() + timedelta(days=40)).isoformat())
    page.get_by_label("项目周期（月）").fill("18")
    page.get_by_label("关键词").fill("视觉检测, 缺陷识别")
    return title


def test_a_double_click_creates_one_challenge(page, live_server, screenshots):
    title = fill_challenge(page, live_server)
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.locator(FORM).get_by_role("button", name="保存").dblclick()
    page.wait_for_url(re.compile(r"/challenges/\d+$"))
    page.wait_for_load_state()
    assert challenges_titled(live_server, title) == 1
    assert len([url for url in posts if url.endswith("/challenges/new")]) == 1  # the second click sent nothing
    page.screenshot(path=str(screenshots / "double-submit-after-double-click.png"), full_page=True)


# Runs in the page once the form is on its way (the page cannot be asked then: its navigation is
# pending): notes what the button says, then presses it and submits the form once more.
WATCH = """() => {
  const form = document.querySelector('main form[method=post]');
  const button = form.querySelector('button[type=submit]');
  window.addEventListener('submit', () => setTimeout(() => {
    localStorage.setItem('while-sending', JSON.stringify({
      disabled: button.disabled, ariaDisabled: button.getAttribute('aria-disabled'), text: button.textContent,
      busy: form.getAttribute('aria-busy')}));
    button.click();
    form.requestSubmit();
  }, 50));
}"""


def test_the_button_says_it_is_sending_and_cannot_be_pressed_again(page, live_server):
    title = fill_challenge(page, live_server)
    held = []  # the POST is held back here, as on a slow connection

    def hold(route):
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    page.route("**/challenges/new", hold)
    page.evaluate(WATCH)
    page.locator(FORM).get_by_role("button", name="保存").click(no_wait_after=True)
    page.wait_for_timeout(1500)
    assert len(held) == 1  # the second press and the second submit sent nothing
    held[0].continue_()
    page.wait_for_url(re.compile(r"/challenges/\d+$"))
    seen = page.evaluate("JSON.parse(localStorage.getItem('while-sending'))")
    assert seen == {"disabled": True, "ariaDisabled": "true", "text": "提交中…", "busy": "true"}
    assert challenges_titled(live_server, title) == 1


def test_back_and_resubmit_creates_nothing_more(page, live_server, screenshots):
    title = fill_challenge(page, live_server)
    page.locator(FORM).get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/challenges/\d+$"))
    first = page.url
    page.reload()  # refreshing the result page is a GET: nothing sent again
    page.go_back()
    page.wait_for_url(re.compile(r"/challenges/new$"))
    button = page.locator(FORM).get_by_role("button", name="保存")
    assert button.is_enabled() and button.get_attribute("aria-disabled") is None  # usable again after "back"
    assert page.get_by_label("榜单名称").input_value() == title  # the browser kept what was typed
    button.click()
    page.wait_for_load_state()
    # Whether the browser kept the page or loaded it again (with a fresh token), the form goes with the
    # token it was first sent with (submit-once.js): sent to the first one's listing, nothing created.
    assert page.url == first
    assert any(REPEATED in text for text in page.locator("[data-flash]").all_inner_texts())
    assert challenges_titled(live_server, title) == 1
    page.screenshot(path=str(screenshots / "double-submit-back-and-resubmit.png"), full_page=True)


def test_a_page_shown_again_from_the_back_forward_cache_has_its_button_back(page, live_server):
    """Headless Chromium keeps no back-forward cache: the submit is stopped after submit-once.js held
    the form (as if the page had been left), then the page is shown again as the cache would."""
    fill_challenge(page, live_server)
    page.evaluate("window.addEventListener('submit', (event) => event.preventDefault())")  # after submit-once.js
    button = page.locator(FORM).locator("button[type=submit]")
    button.click()
    page.wait_for_function("document.querySelector('main form[method=post] button[type=submit]').disabled")
    assert button.inner_text() == "提交中…" and button.get_attribute("aria-disabled") == "true"
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    assert button.is_enabled() and button.inner_text() == "保存"
    assert button.get_attribute("aria-disabled") is None and page.locator(FORM).get_attribute("aria-busy") is None


def test_refreshing_the_answer_to_a_form_sends_nothing_twice(page, live_server):
    """The invitation form answers with a page (the link, shown once), not a redirect: refreshing it
    sends the same form again, token and all."""
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(live_server["url"] + "/orgs/mine/members")
    page.get_by_label("邮箱").fill(email)
    page.get_by_role("button", name="生成邀请").click()
    page.wait_for_load_state()
    assert page.locator("#invite-link").count() == 1
    page.reload()
    page.wait_for_load_state()
    assert rows(live_server, "SELECT count(*) FROM invitation WHERE email = ?", email) == 1
    assert any(REPEATED in text for text in page.locator("[data-flash]").all_inner_texts())
