"""The screenshots of the 操作指南 (templates/help/guide_*.html), made by driving Chromium through the
pages each guide describes, as the demo user of that role.

By default they are written to a temporary folder (the test then checks only that every page opens
and every screenshot the guides use is made); with UPDATE_HELP_SCREENSHOTS=1 (`make screenshots`)
they replace the committed ones in marketplace/static/help/. JPEG at 1200×800: a guide's pictures
stay small.
"""
from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest
from browser_kit import log_in, new_page

ROOT = Path(__file__).resolve().parents[2]
HELP_STATIC = ROOT / "marketplace" / "static" / "help"
GUIDES = ROOT / "marketplace" / "templates" / "help"
VIEWPORT = (1200, 800)


def guide_images() -> set[str]:
    """Every screenshot the guides show: the names given to their `shot(...)` macro."""
    names = set()
    for template in GUIDES.glob("guide_*.html"):
        names |= set(re.findall(r"shot\('([^']+)'", template.read_text()))
    return names


@pytest.fixture
def folder(tmp_path) -> Path:
    if os.environ.get("UPDATE_HELP_SCREENSHOTS"):
        HELP_STATIC.mkdir(parents=True, exist_ok=True)
        return HELP_STATIC
    return tmp_path


class Camera:
    def __init__(self, browser, server, folder: Path):
        self.browser, self.url, self.folder = browser, server["url"], folder
        self.database = server["database"]
        self.context = self.page = None
        self.made: list[str] = []

    def as_user(self, email: str | None):
        if self.context is not None:
            self.context.close()
        self.context, self.page = new_page(self.browser, VIEWPORT)
        if email:
            log_in(self.page, self.url, email)
            assert "/help/consent" not in self.page.url, "the demo accounts have accepted the texts in force"

    def go(self, path: str, expect: str | None = None):
        response = self.page.goto(self.url + path)
        assert response.status < 400, f"{path} answered {response.status}"
        if expect:
            assert expect in self.page.content(), f"expected “{expect}” on {path}"

    def shot(self, name: str, scroll_to: str | None = None):
        """A 1200×800 JPEG of the viewport: the page's top, or with `scroll_to` (a text) near the top."""
        if scroll_to:
            self.page.get_by_text(scroll_to, exact=True).first.evaluate(
                "node => window.scrollTo(0, node.getBoundingClientRect().top + window.scrollY - 80)")
        else:
            self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=str(self.folder / name), type="jpeg", quality=72)
        self.made.append(name)

    def query(self, sql: str, *params):
        with sqlite3.connect(self.database) as connection:
            row = connection.execute(sql, params).fetchone()
        assert row is not None, sql
        return row[0]

    def published_challenge_of(self, email: str) -> int:
        return self.query(
            "SELECT c.id FROM challenge c JOIN user u ON u.organisation_id = c.organisation_id "
            "WHERE u.email = ? AND c.state = 'published' AND c.visibility = 'public' ORDER BY c.id LIMIT 1", email)


@pytest.fixture
def camera(browser, live_server, folder):
    camera = Camera(browser, live_server, folder)
    yield camera
    if camera.context is not None:
        camera.context.close()


def test_the_guides_screenshots(camera, folder):
    # Anyone: the registration form, with the consent box.
    camera.as_user(None)
    camera.go("/auth/register", expect="我已阅读并同意")
    camera.page.get_by_label("机构全称").fill("武汉示例智能装备有限公司")
    camera.page.get_by_label("您的姓名").fill("张工")
    camera.page.get_by_label("登录邮箱").fill("zhang@example.com")
    camera.shot("register.jpg", scroll_to="管理员账号")

    # 企业 (链主 of 人工智能).
    camera.as_user("enterprise@demo.example")
    camera.go("/dashboard", expect="工作台")
    camera.shot("enterprise-dashboard.jpg")
    camera.go("/challenges/new", expect="发布榜单")
    camera.shot("enterprise-new-challenge.jpg")
    camera.go("/challenges/mine")
    camera.shot("enterprise-mine.jpg")
    challenge = camera.published_challenge_of("enterprise@demo.example")
    camera.go(f"/challenges/{challenge}", expect="推荐揭榜机构")
    camera.shot("enterprise-challenge.jpg")

    # 高校院所 (链创).
    camera.as_user("institution@demo.example")
    camera.go("/challenges/", expect="榜单大厅")
    camera.shot("institution-hall.jpg")
    camera.go("/dashboard", expect="为本单位推荐的榜单")
    camera.shot("institution-dashboard.jpg")
    camera.go("/capabilities/new")
    camera.shot("institution-capability-new.jpg")
    camera.go(f"/challenges/{challenge}", expect="揭榜（提交方案）")
    camera.shot("institution-challenge.jpg")

    # 评审专家.
    camera.as_user("expert@demo.example")
    camera.go("/dashboard", expect="专家委员会")
    camera.shot("expert-dashboard.jpg")
    camera.go("/reviews/", expect="评审任务")
    camera.shot("expert-reviews.jpg")
    review = camera.query(
        "SELECT r.id FROM review r JOIN user u ON u.id = r.expert_id "
        "WHERE u.email = 'expert@demo.example' AND r.state = 'assigned' ORDER BY r.id LIMIT 1")
    camera.go(f"/reviews/{review}", expect="提交评分")
    camera.shot("expert-review.jpg")

    # 牵头部门 of 人工智能.
    camera.as_user("chain-ai@demo.example")
    camera.go("/dashboard", expect="待办")
    camera.shot("chain-dashboard.jpg")
    camera.go("/challenges/review", expect="榜单审核")
    camera.shot("chain-review.jpg")
    closed = camera.query(
        "SELECT c.id FROM challenge c JOIN chain ch ON ch.id = c.chain_id "
        "WHERE ch.code = 'ai' AND c.state = 'closed' ORDER BY c.id LIMIT 1")
    camera.go(f"/challenges/{closed}/evaluation", expect="评审与遴选")
    camera.shot("chain-desk.jpg")
    camera.go("/publicity/")
    camera.shot("chain-publicity.jpg")

    # 平台管理员.
    camera.as_user("admin@demo.example")
    camera.go("/admin/")
    camera.shot("admin-index.jpg")
    camera.go("/admin/organisations")
    camera.shot("admin-organisations.jpg")
    camera.go("/admin/chains")
    camera.shot("admin-chains.jpg")
    camera.go("/admin/users")
    camera.shot("admin-users.jpg")

    # Every picture the guides show is made here, and nothing else.
    assert set(camera.made) == guide_images()
    for name in camera.made:
        image = folder / name
        assert image.read_bytes()[:2] == b"\xff\xd8", f"{name} is not a JPEG"
        assert 5_000 < image.stat().st_size < 400_000, f"{name}: {image.stat().st_size} bytes"
