"""What the browser tests share: a fresh page (its own cookies) and logging in as a demo user.

Imported by the test modules as `from browser_kit import ...`: pytest puts this folder (it has no
__init__.py) on sys.path when it loads the folder's conftest.py, in every pytest-xdist worker too, as
tests/web's modules import `factories` and `pages`.
"""
from __future__ import annotations

DEMO_PASSWORD = "demo-password"  # every account of the demo data (`flask seed-demo`)
LOGIN_PATH = "/auth/login"
TIMEOUT_MS = 15000


def new_page(browser, viewport: tuple[int, int] = (1280, 900), **options):
    """A new browser context (own cookies) in Chinese at `viewport` (width, height), and a page in it
    that waits up to 15 s. `options` go to `browser.new_context` (e.g. is_mobile, has_touch).
    Returns (context, page): the caller closes the context."""
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", **options)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, page


def submit_login(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """On the login page: fills in 邮箱 and 密码 and presses 登录 (without waiting for where it leads)."""
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def log_in(page, base_url: str, email: str, password: str = DEMO_PASSWORD):
    """Opens the login page, logs in as `email` and waits until the browser has left the login page."""
    response = page.goto(base_url + LOGIN_PATH)
    assert response.status < 400, f"{LOGIN_PATH} answered {response.status}"
    submit_login(page, email, password)
    page.wait_for_url(lambda url: LOGIN_PATH not in url)
    return page


def logged_in_page(browser, server, email: str, viewport: tuple[int, int] = (1280, 900), **options):
    """`new_page` then `log_in` on `server` (a live_server fixture's dict): returns (context, page)."""
    context, page = new_page(browser, viewport, **options)
    log_in(page, server["url"], email)
    return context, page
