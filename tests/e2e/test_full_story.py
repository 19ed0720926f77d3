"""The whole 揭榜挂帅 story in a real browser, from posting a challenge to the 成果库.

enterprise posts → chain admin publishes → institution submits a proposal → three experts score
→ chain admin selects and approves the project → milestone submitted and confirmed → acceptance
passes → the achievement appears in the 成果库. A screenshot is saved after every step.
"""
from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

import pytest
from browser_kit import log_in, new_page

from marketplace import clock

TITLE = "端到端测试：工业视觉缺陷检测大模型轻量化部署"
# Experts of the 人工智能 committee whose organisations have no conflict with the applicant.
EXPERTS = ["expert@demo.example", "exp-ai-3@demo.example", "exp-ai-4@demo.example"]


class Story:
    def __init__(self, browser, server, folder):
        self.browser, self.url, self.folder = browser, server["url"], folder
        self.step = 0
        self.context = None
        self.page = None

    def as_user(self, email: str | None):
        """A fresh browser context (own cookies) logged in as `email`, or a guest for None."""
        if self.context is not None:
            self.context.close()
        self.context, self.page = new_page(self.browser)
        self.page.on("dialog", lambda dialog: dialog.accept())  # our confirmations before destructive actions
        if email:
            log_in(self.page, self.url, email)
        return self.page

    def go(self, path: str):
        response = self.page.goto(self.url + path)
        assert response.status < 400, f"{path} answered {response.status}"

    def shot(self, name: str):
        self.step += 1
        self.page.screenshot(path=str(self.folder / f"{self.step:02d}-{name}.png"), full_page=True)

    def expect_text(self, text: str):
        assert text in self.page.content(), f"expected “{text}” on {self.page.url}"

    def click(self, name: str):
        self.page.get_by_role("button", name=name, exact=True).first.click()
        self.page.wait_for_load_state()


@pytest.fixture
def story(browser, live_server, screenshots):
    story = Story(browser, live_server, screenshots)
    yield story
    if story.context is not None:
        story.context.close()


def test_from_challenge_to_achievement(story, live_server):
    page = story.as_user("enterprise@demo.example")
    # 1. The enterprise posts a challenge and submits it for review.
    story.go("/challenges/new")
    page.get_by_label("榜单名称").fill(TITLE)
    page.get_by_label("需求背景").fill("产线视觉检测依赖进口算法，部署在边缘工控机上推理太慢。")
    page.get_by_label("主要技术难点").fill("小样本缺陷学习与模型压缩后的精度保持。")
    page.get_by_label("技术指标（验收标准）").fill("1. 缺陷检出率 ≥ 99.5%\n2. 单帧推理时延 ≤ 30 ms\n3. 误报率 ≤ 0.5%")
    page.get_by_label("预期成果").fill("可部署的检测模型与软件 1 套。")
    page.get_by_label("榜额（万元）").fill("300")
    page.get_by_label("揭榜截止日期").fill((clock.today() + timedelta(days=30)).isoformat())
    page.get_by_label("关键词").fill("机器视觉, 缺陷检测, 模型压缩")
    story.click("保存")
    story.expect_text("榜单草稿已保存")
    story.shot("enterprise-draft")
    story.click("提交审核")
    story.expect_text("已提交牵头部门审核")
    challenge_path = page.url.replace(story.url, "").split("?")[0]
    story.shot("enterprise-submitted")

    # 2. The chain admin publishes it.
    page = story.as_user("chain-ai@demo.example")
    story.go("/challenges/review")
    page.get_by_role("link", name=TITLE).click()
    story.click("审核通过并发布")
    story.expect_text("榜单已审核通过并发布")
    story.shot("chain-admin-published")

    # 3. The institution answers with a proposal.
    page = story.as_user("institution@demo.example")
    story.go(challenge_path)
    page.get_by_role("link", name="揭榜（提交方案）").click()
    page.get_by_label("技术方案").fill("基于知识蒸馏与量化感知训练的轻量化检测模型，逐项对标检出率、时延与误报率指标。")
    page.get_by_label("团队组成").fill("教授 2 人、副教授 3 人、博士研究生 6 人。")
    page.get_by_label("报价（万元）").fill("280")
    page.get_by_label("第 1 个里程碑名称").fill("模型压缩与小样本训练")
    page.get_by_label("第 1 个里程碑完成日期").fill((clock.today() + timedelta(days=90)).isoformat())
    page.get_by_label("第 1 个里程碑交付物").fill("压缩模型与测试报告")
    page.get_by_label("第 1 个里程碑经费比例").fill("100")
    story.click("保存草稿")
    story.expect_text("方案草稿已保存")
    story.click("提交方案")
    story.expect_text("方案已提交")
    proposal_path = page.url.replace(story.url, "").split("?")[0]
    story.shot("institution-proposal")

    # 4. The chain admin assigns three experts; 5. each scores it.
    page = story.as_user("chain-ai@demo.example")
    story.go(challenge_path + "/evaluation")
    for _ in EXPERTS:
        select = page.get_by_label("为 华楚理工大学 分配专家")
        options = [o for o in select.locator("option").all_inner_texts() if o and "回避" not in o]
        select.select_option(label=options[0])
        story.click("分配")
        story.expect_text("已分配专家")
    story.shot("chain-admin-assigned")
    for n, email in enumerate(EXPERTS):
        page = story.as_user(email)
        story.go("/reviews/")
        page.get_by_role("link", name=TITLE).click()
        for criterion, score in zip(("技术先进性", "技术可行性", "团队能力", "经费合理性", "预期效益"), (88, 85, 90, 80, 86)):
            page.get_by_label(criterion, exact=False).fill(str(score - n))
        page.get_by_label("评审意见").fill("技术路线可行，指标论证充分。")
        story.click("提交评分")
        story.expect_text("评分已提交")
    story.shot("experts-scored")

    # 6. The enterprise closes applications; 7. the chain admin selects and opens the 公示.
    page = story.as_user("enterprise@demo.example")
    story.go(challenge_path)
    story.click("提前截止揭榜")
    story.expect_text("已截止揭榜")
    page = story.as_user("chain-ai@demo.example")
    story.go(challenge_path + "/evaluation")
    story.expect_text("86.")  # the mean of the three weighted totals is shown
    page.locator("#proposal_ids-choices").get_by_label(re.compile("^华楚理工大学（均分")).check()
    story.click("确定并公示（默认 5 个工作日）")
    story.expect_text("已确定拟立项方案并开始公示")
    story.shot("publicity")

    # The five-working-day publicity cannot be waited for in a test: move its dates into the past.
    with sqlite3.connect(live_server["database"]) as db:
        db.execute("UPDATE publicity SET starts_on = ?, ends_on = ?",
                   ((clock.today() - timedelta(days=9)).isoformat(), (clock.today() - timedelta(days=2)).isoformat()))

    # 8. Project approval (立项).
    story.go(challenge_path + "/evaluation")
    page.get_by_label("立项经费（万元）").fill("280")
    page.get_by_label("开始日期").fill(clock.today().isoformat())
    page.get_by_label("结束日期").fill((clock.today() + timedelta(days=365)).isoformat())
    page.get_by_label("任务书摘要").fill("完成轻量化检测模型研制与产线部署，达到全部技术指标。")
    story.click("批准立项")
    story.expect_text("项目已立项")
    project_path = page.url.replace(story.url, "").split("?")[0]
    story.shot("project-approved")

    # 9. The institution starts the work and submits the first milestone.
    page = story.as_user("institution@demo.example")
    story.go(project_path)
    story.click("启动实施")
    page.locator("textarea[name=evidence]").first.fill("压缩模型已完成，检出率 99.6%，时延 24 ms，测试报告已提交。")
    story.click("提交里程碑成果")
    story.expect_text("里程碑成果已提交")
    story.shot("milestone-submitted")

    # 10. The enterprise and the chain admin confirm it.
    for email in ("enterprise@demo.example", "chain-ai@demo.example"):
        page = story.as_user(email)
        story.go(project_path)
        story.click("确认")
        story.expect_text("已确认")
    story.expect_text("1 / 1 个里程碑已确认")
    story.shot("milestone-confirmed")

    # 11. Acceptance: every indicator checked, passed.
    for i in range(3):
        page.locator(f"#met-{i}-yes").check()
    page.get_by_label("验收结论").select_option(label="验收通过")
    page.get_by_label("验收意见").fill("三项技术指标均经第三方测试确认达到，同意通过验收。")
    story.click("提交验收结论")
    story.expect_text("验收通过，成果已进入成果库")
    story.shot("accepted")

    # 12. Anyone finds the result in the 成果库.
    page = story.as_user(None)
    story.go("/achievements/")
    story.expect_text(TITLE)
    story.shot("achievement-listed")
    assert proposal_path.startswith("/proposals/")
