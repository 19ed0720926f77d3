"""In a real browser: leaving a changed form asks first (but not when sending it, nor for a search),
and an idle session warns, can be renewed with "继续使用", and left alone ends at the login page."""
from __future__ import annotations

import re
import time

from browser_kit import logged_in_page, submit_login

IDLE_MESSAGE = "由于长时间未操作，您已自动退出登录"


ENTERPRISE = "enterprise@demo.example"


def test_leaving_a_changed_form_asks_first_but_sending_it_does_not(browser, live_server):
    context, page = logged_in_page(browser, live_server, ENTERPRISE)
    dialogs = []
    answer = {"leave": False}

    def on_dialog(dialog):
        dialogs.append(dialog.type)
        dialog.accept() if answer["leave"] else dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(live_server["url"] + "/challenges/new")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="榜单大厅").click()
    page.wait_for_url("**/challenges/")
    assert dialogs == []  # nothing typed: nothing to lose, no question

    page.goto(live_server["url"] + "/challenges/new")
    page.get_by_label("需求背景").fill("还没保存的需求背景。")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="榜单大厅").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"] and page.url.endswith("/challenges/new")  # "stay": the text is still there
    assert page.get_by_label("需求背景").input_value() == "还没保存的需求背景。"

    page.get_by_role("button", name="保存", exact=True).first.click()  # sending the form does not ask
    page.wait_for_load_state()
    assert dialogs == ["beforeunload"]
    assert "还没保存的需求背景。" in page.get_by_label("需求背景").input_value()  # sent back to fix (incomplete)

    page.get_by_label("全站搜索").fill("碳化硅")  # a search form: typing in it is nothing to lose
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="成果库").click()
    page.wait_for_url("**/achievements**")
    assert dialogs == ["beforeunload"]

    page.goto(live_server["url"] + "/challenges/new")
    page.get_by_label("所属产业链").select_option(index=2)  # a choice changed counts too
    answer["leave"] = True
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="榜单大厅").click()
    page.wait_for_url("**/challenges/")
    assert dialogs == ["beforeunload", "beforeunload"]
    context.close()


def test_an_idle_session_warns_can_be_renewed_and_ends_at_the_login_page(browser, short_idle_server, screenshots):
    """The server of this test ends sessions after 20 s without a request and warns 10 s before."""
    context, page = logged_in_page(browser, short_idle_server, ENTERPRISE)
    page.goto(short_idle_server["url"] + "/inbox/")
    warning = page.get_by_role("alertdialog")
    warning.wait_for(state="visible", timeout=20000)
    assert re.search(r"您已 \d+ 分钟未操作，将于 00:(0\d|10) 后自动退出", warning.inner_text())
    assert page.evaluate("document.activeElement.textContent") == "继续使用"  # it takes focus, so it is read out
    page.screenshot(path=str(screenshots / "idle-warning.png"))

    warning.get_by_role("button", name="继续使用").click()
    warning.wait_for(state="hidden", timeout=5000)
    renewed_at = time.monotonic()
    left = page.evaluate("fetch('/auth/session', {headers: {Accept: 'application/json'}}).then(r => r.json())")
    assert left["remaining"] >= 18, left  # the server renewed the session, not only this page's timer
    assert page.url.endswith("/inbox/")

    # Left alone: the warning comes back, then the page ends at the login page, which says why.
    warning.wait_for(state="visible", timeout=20000)
    assert time.monotonic() - renewed_at >= 8
    page.wait_for_url(re.compile(r"/auth/login\?next=%2Finbox%2F$|/auth/login\?next=/inbox/$"), timeout=25000)
    assert IDLE_MESSAGE in page.locator("[data-flash]").inner_text()
    page.screenshot(path=str(screenshots / "idle-logged-out.png"))

    # Logging in again goes back to where the user was.
    submit_login(page, ENTERPRISE)
    page.wait_for_url(short_idle_server["url"] + "/inbox/")
    context.close()


def test_activity_in_another_tab_keeps_the_warning_away(browser, short_idle_server):
    context, first = logged_in_page(browser, short_idle_server, ENTERPRISE)
    second = context.new_page()
    start = time.monotonic()
    for _ in range(3):  # the other tab is used every 6 s; the first one is left alone
        second.wait_for_timeout(6000)
        second.goto(short_idle_server["url"] + "/dashboard")
    assert time.monotonic() - start > 16
    assert not first.get_by_role("alertdialog").is_visible()  # it asked the server before warning
    assert "/auth/login" not in first.url
    context.close()
