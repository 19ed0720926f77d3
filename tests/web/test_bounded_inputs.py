"""Numbers and dates from URLs and forms are range-checked before they reach SQL: 4xx, never 500.

Regression (issue 10, "Input"): ids ≥ 2^63, `budget_min=sNaN`, `rank=2**70` and 立项 funding too large
for its column answered 500; 立项 took dates 0001-01-01…9999-12-31 and 9,999,999,999.99 万元.
"""
from datetime import timedelta

import pytest
from factories import (
    make_chain_admin,
    make_challenge,
    make_expert,
    make_org,
    make_platform_admin,
    make_poster_and_university,
    make_proposal,
)

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import (
    Achievement,
    Capability,
    Challenge,
    ChallengeState,
    Project,
    ProposalState,
    Publicity,
    RecommendationEvent,
    Review,
)
from marketplace.services.chains import chain_by_code

HUGE = [str(2**63), str(10**20)]


@pytest.fixture
def world(ctx):
    poster, uni = make_poster_and_university()
    make_platform_admin("root@example.com")
    make_chain_admin("chain-ai@example.com", "ai")
    expert = make_expert("e0@example.com")
    challenge = make_challenge(poster, ChallengeState.published)
    proposal = make_proposal(challenge, uni)
    db.session.commit()
    return {"challenge": challenge.id, "proposal": proposal.id, "expert": expert.id}


@pytest.mark.parametrize("huge", HUGE)
@pytest.mark.parametrize("path", [
    "/challenges/{}", "/challenges/{}/edit", "/proposals/{}", "/projects/{}", "/publicity/{}", "/orgs/{}",
    "/admin/organisations/{}", "/admin/users/{}", "/capabilities/{}", "/achievements/{}", "/reviews/{}",
    "/challenges/1/attachments/{}", "/challenges/{}/scores.xlsx",
])
def test_huge_ids_in_urls_are_not_found(client, auth, world, path, huge):
    auth.login("root@example.com")
    response = client.get(path.format(huge))
    assert response.status_code == 404


def test_huge_id_in_a_post_url_is_not_found(client, auth, world):
    auth.login("chain-ai@example.com")
    assert client.post(f"/proposals/{2**63}/reviewers", data={"expert_id": world["expert"]}).status_code == 404
    assert client.post(f"/challenges/{10**30}/close").status_code == 404


@pytest.mark.parametrize("query", [
    "budget_min=sNaN", "budget_max=inf", "budget_max=-Infinity", "budget_min=1e999999999", "budget_min=" + "9" * 400,
    "page=" + "9" * 30,
])
def test_listing_filters_ignore_numbers_out_of_range(client, world, query):
    """The listing filters are lenient by design (a bad value is ignored, the rest still apply)."""
    response = client.get(f"/challenges/?{query}")
    assert response.status_code == 200 and "高效液冷冷板散热系统研制" in response.get_data(as_text=True)


def feedback(**changes):
    return {"context": "institution_challenges", "kind": "useful", "query_id": "org:1",
            "doc_id": "ch:1", "rank": "1", "score": "0.5"} | changes


@pytest.mark.parametrize("changes", [
    {"rank": str(2**70)}, {"rank": "2**70"}, {"rank": "-1"}, {"score": "nan"},
    {"score": "inf"}, {"score": "1e400"}, {"score": "9" * 400},
])
def test_recommendation_feedback_numbers_are_bounded(client, auth, world, changes):
    auth.login("uni@example.com")
    response = client.post("/recommendations/feedback", data=feedback(**changes))
    assert response.status_code == 400 and "反馈内容无效" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(RecommendationEvent)) == 0


def test_reviewer_assignment_rank_is_bounded(client, auth, world):
    auth.login("chain-ai@example.com")
    response = client.post(f"/proposals/{world['proposal']}/reviewers",
                           data={"expert_id": world["expert"], "rank": str(2**70)})
    assert response.status_code == 400 and "推荐排名无效" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Review)) == 0
    assert client.post(f"/proposals/{world['proposal']}/reviewers",
                       data={"expert_id": world["expert"], "rank": "3"}).status_code == 303


def test_a_superscript_digit_in_the_rubric_is_refused_not_a_500(client, auth, world):
    auth.login("chain-ai@example.com")
    response = client.post(f"/challenges/{world['challenge']}/rubric", data={"rubric": "技术先进性 ²\n可行性 70"})
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("value", ["sNaN", "NaN", "Infinity", "1e999999999"])
def test_non_numbers_as_scores_are_refused(client, auth, world, value):
    auth.login("chain-ai@example.com")
    client.post(f"/proposals/{world['proposal']}/reviewers", data={"expert_id": world["expert"]})
    client.post("/auth/logout")
    auth.login("e0@example.com")
    review = db.session.scalar(db.select(Review))
    data = {"c0": value, "c1": "80", "c2": "70", "c3": "60", "c4": "90", "comment": "可行。"}
    response = client.post(f"/reviews/{review.id}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "评分应为 0—100 的数字。" in html
    assert db.session.get(Review, review.id).scores in ({}, None)


# ----- the 发布榜单 form ---------------------------------------------------------------------------

@pytest.fixture
def challenge_form(world):
    return {"title": "碳化硅衬底微管缺陷控制", "chain_id": chain_by_code("materials").id, "mode": "open_call",
            "background": "衬底依赖进口。", "difficulty": "", "indicators": "", "expected_outcome": "",
            "budget_wan": "600", "deadline": (clock.today() + timedelta(days=40)).isoformat(), "period_months": "24",
            "conditions": "", "keywords": "碳化硅, 衬底", "ip_terms": "joint", "visibility": "public",
            "contact_name": "王工", "contact_phone": "027-88888888"}


@pytest.mark.parametrize("changes, message", [
    ({"budget_wan": "sNaN"}, "榜额应为数字，单位万元。"),
    ({"budget_wan": "NaN"}, "榜额应为数字，单位万元。"),
    ({"budget_wan": "Infinity"}, "榜额应为数字，单位万元。"),
    ({"budget_wan": "1e999999999"}, "榜额应为数字，单位万元。"),
    ({"budget_wan": "9999999999.99"}, "榜额应在 0.01—1,000,000 万元之间。"),
    ({"period_months": "1" + "0" * 400}, "项目周期应为 1—120 的整数"),
    ({"period_months": str(2**70)}, "项目周期应为 1—120 的整数"),
])
def test_challenge_amounts_are_bounded(client, auth, challenge_form, changes, message):
    auth.login("poster@example.com")
    response = client.post("/challenges/new", data=challenge_form | changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert "衬底依赖进口。" in html  # the form is kept
    assert db.session.scalar(db.select(db.func.count()).select_from(Challenge).filter_by(title="碳化硅衬底微管缺陷控制")) == 0


@pytest.mark.parametrize("version", ["abc", str(2**70), "-1"])
def test_a_crafted_version_is_a_conflict_not_a_500(client, auth, world, challenge_form, version):
    auth.login("poster@example.com")
    challenge_form = challenge_form | {"chain_id": chain_by_code("ai").id, "version": version, "title": "改过的标题"}
    response = client.post(f"/challenges/{world['challenge']}/edit", data=challenge_form)
    assert response.status_code == 409
    assert db.session.get(Challenge, world["challenge"]).title == "高效液冷冷板散热系统研制"


# ----- capabilities, achievements, proposals ------------------------------------------------------

def test_capability_and_achievement_integers_are_bounded(client, auth, world):
    auth.login("uni@example.com")
    capability = {"title": "碳化硅单晶生长", "direction": "宽禁带半导体衬底", "team_size": "1" + "0" * 400,
                  "description": "掌握物理气相传输法。", "chain_ids": [chain_by_code("ai").id]}
    response = client.post("/capabilities/new", data=capability)
    assert response.status_code == 400 and "应为 1—10000 之间的整数" in response.get_data(as_text=True)
    achievement = {"title": "冷板样机", "chain_id": chain_by_code("ai").id, "summary": "两相冷板。", "trl": str(2**70),
                   "contact_name": "李工", "contact_phone": "027-88888888"}
    response = client.post("/achievements/new", data=achievement)
    assert response.status_code == 400 and "技术成熟度应为 1—9" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Capability)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Achievement)) == 0


@pytest.mark.parametrize("changes, message", [
    ({"price_wan": "sNaN"}, "报价应为数字，单位万元。"),
    ({"price_wan": "-Infinity"}, "报价应为数字，单位万元。"),
    ({"milestones-0-fund_share": "1" + "0" * 400}, "应为 0—100 的整数。"),
    ({"milestones-0-due_date": "0001-01-01"}, "日期应在"),
])
def test_proposal_numbers_are_bounded(client, auth, world, changes, message):
    challenge = make_challenge(make_org("另一家企业"), ChallengeState.published, title="另一张榜单")
    db.session.commit()
    auth.login("uni@example.com")
    data = {"technical_plan": "采用微通道。", "team": "教授 2 人", "price_wan": "300",
            "milestones-0-title": "样机", "milestones-0-due_date": (clock.today() + timedelta(days=90)).isoformat(),
            "milestones-0-fund_share": "50"} | changes
    response = client.post(f"/challenges/{challenge.id}/proposals/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and "采用微通道。" in html


# ----- 立项 ---------------------------------------------------------------------------------------

@pytest.fixture
def approvable(world):
    """The proposal selected and its 公示 over: the chain admin may approve the project."""
    challenge = db.session.get(Challenge, world["challenge"])
    challenge.state = ChallengeState.closed
    challenge.proposals[0].state = ProposalState.selected
    db.session.add(Publicity(challenge_id=challenge.id, text="拟由下列单位承担。",
                             starts_on=clock.today() - timedelta(days=10), ends_on=clock.today() - timedelta(days=1)))
    db.session.commit()
    return world


def approve(client, world, **changes):
    data = {"funding_wan": "450", "start_date": clock.today().isoformat(),
            "end_date": (clock.today() + timedelta(days=700)).isoformat(), "task_book": "按任务书完成冷板与CDU研制，两年内通过验收并示范运行。"}
    return client.post(f"/proposals/{world['proposal']}/approve", data=data | changes)


@pytest.mark.parametrize("changes, message", [
    ({"funding_wan": "9999999999.99"}, "立项经费应在 0.01—1,000,000 万元之间。"),
    ({"funding_wan": "99999999999999"}, "立项经费应在 0.01—1,000,000 万元之间。"),
    ({"funding_wan": "1000000.01"}, "立项经费应在 0.01—1,000,000 万元之间。"),
    ({"funding_wan": "sNaN"}, "立项经费应为数字，单位万元。"),
    ({"funding_wan": "Infinity"}, "立项经费应为数字，单位万元。"),
    ({"start_date": "0001-01-01"}, "日期应在"),
    ({"end_date": "9999-12-31"}, "日期应在"),
    ({"start_date": (clock.today() + timedelta(days=100)).isoformat(),
      "end_date": (clock.today() + timedelta(days=50)).isoformat()}, "结束日期应晚于开始日期。"),
])
def test_approval_amounts_and_dates_are_bounded(client, auth, approvable, changes, message):
    auth.login("chain-ai@example.com")
    response = approve(client, approvable, **changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert "按任务书完成冷板与CDU研制，两年内通过验收并示范运行。" in html  # the form is kept
    assert db.session.scalar(db.select(db.func.count()).select_from(Project)) == 0


def test_approval_above_the_budget_but_within_bounds_is_accepted(client, auth, approvable):
    auth.login("chain-ai@example.com")
    assert approve(client, approvable, funding_wan="9999999999.99").status_code == 400
    assert approve(client, approvable, funding_wan="900").status_code == 400  # the 榜额 is 500: confirm it
    assert approve(client, approvable, funding_wan="900", confirm_over_budget="y",
                   over_budget_reason="增加中试验证。").status_code == 303
    project = db.session.scalar(db.select(Project))
    assert str(project.funding_wan) == "900.00"
