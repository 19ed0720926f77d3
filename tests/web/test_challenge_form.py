"""The 发布榜单 form: limits a real 揭榜挂帅 listing keeps, each refused with a message that says what to fix."""
from datetime import timedelta

import pytest
from factories import make_org, make_user
from pages import error_summary

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Challenge
from marketplace.services.chains import chain_by_code
from marketplace.services.challenges import latest_deadline


@pytest.fixture
def form(ctx):
    make_user("owner@example.com", make_org("发榜企业"))
    db.session.commit()
    return {"title": "碳化硅衬底微管缺陷控制", "chain_id": chain_by_code("materials").id, "mode": "open_call",
            "background": "衬底依赖进口。", "difficulty": "", "indicators": "", "expected_outcome": "",
            "budget_wan": "600", "deadline": (clock.today() + timedelta(days=40)).isoformat(), "period_months": "24",
            "conditions": "", "keywords": "碳化硅, 衬底", "ip_terms": "joint", "visibility": "public",
            "contact_name": "王工", "contact_phone": "027-88888888"}


def count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Challenge))


@pytest.mark.parametrize("changes, message", [
    ({"title": "面向液冷智算中心的高效冷板散热系统研制" * 20}, "榜单名称不能超过 60 字（当前 380 字）"),
    ({"keywords": "a, b, c"}, "每个关键词至少 2 个字：“a”、“b”、“c” 太短。"),
    ({"keywords": "、".join(f"关键词{i}" for i in range(11))}, "关键词最多 10 个，现有 11 个"),
    ({"deadline": "2099-12-31"}, "揭榜截止日期最晚为一年后"),
    ({"budget_wan": "abc"}, "榜额应为数字，单位万元。"),
    ({"budget_wan": "12.345"}, "榜额最多保留两位小数"),
    ({"period_months": "两年"}, "项目周期应为 1—120 的整数"),
])
def test_bad_challenge_input_says_what_to_fix(client, auth, form, changes, message):
    """Regression: a 400-character title, "a, b, c", a deadline in 2099 and 12.345 were accepted, and
    "abc" as 榜额 answered "请填写榜额。" although something was typed."""
    auth.login("owner@example.com")
    response = client.post("/challenges/new", data=form | changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert "请填写榜额" not in html and "请填写项目周期" not in html and "衬底依赖进口。" in html
    assert count() == 0


def test_limits_themselves_are_accepted(client, auth, form):
    auth.login("owner@example.com")
    data = form | {"title": "液" * 60, "keywords": "、".join(f"关键词{i}" for i in range(10)), "budget_wan": "12.34",
                   "deadline": latest_deadline().isoformat()}
    assert client.post("/challenges/new", data=data).status_code == 302
    challenge = db.session.scalar(db.select(Challenge))
    assert len(challenge.keyword_list) == 10 and str(challenge.budget_wan) == "12.34"


def test_fields_required_only_for_review_are_marked(client, auth, form):
    """主要技术难点, 技术指标 and 预期成果 may stay empty in a draft, but 提交审核 demands them: the form says so."""
    auth.login("owner@example.com")
    html = client.get("/challenges/new").get_data(as_text=True)
    assert html.count("提交审核时必填") == 3
    assert "揭榜期最长一年" in html and "不超过 60 个字" in html


def test_empty_number_and_date_ask_to_be_filled(client, auth, form):
    auth.login("owner@example.com")
    html = client.post("/challenges/new", data=form | {"budget_wan": "", "deadline": "", "period_months": ""}).get_data(as_text=True)
    assert "请填写榜额。" in html and "请填写揭榜截止日期。" in html and "请填写项目周期。" in html
    assert "应为数字" not in html and "年-月-日" not in html


def test_error_summary_follows_the_page_order(client, auth, form):
    auth.login("owner@example.com")
    html = client.post("/challenges/new", data=form | {"title": "", "keywords": "a, b", "budget_wan": "12.345"}).get_data(
        as_text=True)
    fields = [href for href in error_summary(html) if href in ("#title", "#keywords", "#budget_wan")]
    assert fields == ["#title", "#keywords", "#budget_wan"]
