"""Input as people type or paste it (issue 12): keywords, over-long titles, websites without a scheme,
and the odd white space Word leaves behind."""
import pytest
from factories import make_org, make_user
from pages import error_summary, select, text_of

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Capability, Challenge, Organisation, OrgType
from marketplace.services.chains import chain_by_code

CAPABILITY = {"title": "碳化硅单晶生长与缺陷控制", "direction": "宽禁带半导体衬底", "team_lead": "李卫东 教授",
              "team_size": "25", "description": "掌握物理气相传输法生长 8 英寸碳化硅单晶。",
              "notable_members": "", "facilities": "", "results": "", "keywords": "碳化硅，衬底"}


@pytest.fixture
def world(ctx):
    uni = make_org("华楚理工大学", type=OrgType.university)
    make_user("uni@example.com", uni)
    make_user("ent@example.com", make_org("某企业"))
    db.session.commit()
    return {"uni": uni.id, "materials": chain_by_code("materials").id}


def challenge_form(world, **changes):
    from datetime import timedelta
    return {"title": "碳化硅衬底微管缺陷控制", "chain_id": world["materials"], "mode": "open_call",
            "background": "衬底依赖进口。", "difficulty": "", "indicators": "", "expected_outcome": "",
            "budget_wan": "600", "deadline": (clock.today() + timedelta(days=40)).isoformat(), "period_months": "24",
            "conditions": "", "keywords": "碳化硅, 衬底", "ip_terms": "joint", "visibility": "public",
            "contact_name": "王工", "contact_phone": "027-88888888"} | changes


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.mark.parametrize("keywords", ["碳, 衬底", "碳化硅；衬 底", "碳化硅、c"])
def test_one_character_keyword_is_refused_for_capabilities_and_challenges(client, auth, world, keywords):
    """Regression: a capability's keywords were only joined, so "碳, 衬底" stored a 1-character keyword."""
    auth.login("uni@example.com")
    response = client.post("/capabilities/new", data=CAPABILITY | {"chain_ids": [world["materials"]], "keywords": keywords})
    assert response.status_code == 400
    assert "每个关键词至少 2 个字" in error_summary(response.get_data(as_text=True))["#keywords"]
    assert count(Capability) == 0
    auth.login("ent@example.com")
    response = client.post("/challenges/new", data=challenge_form(world, keywords=keywords))
    assert response.status_code == 400
    assert "每个关键词至少 2 个字" in error_summary(response.get_data(as_text=True))["#keywords"]
    assert count(Challenge) == 0


def test_keywords_split_on_every_separator(client, auth, world):
    auth.login("uni@example.com")
    response = client.post("/capabilities/new", data=CAPABILITY | {
        "chain_ids": [world["materials"]], "keywords": "碳化硅，衬底,外延、缺陷；热场;晶体 长晶"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(Capability.keywords)) == "碳化硅, 衬底, 外延, 缺陷, 热场, 晶体, 长晶"


def test_over_long_title_is_refused_with_its_length(client, auth, world):
    """Regression: the message gave the limit only; the length typed is what tells how much to cut."""
    auth.login("uni@example.com")
    response = client.post("/capabilities/new", data=CAPABILITY | {"chain_ids": [world["materials"]], "title": "甲" * 215})
    assert response.status_code == 400
    assert "不能超过 200 字（当前 215 字）" in error_summary(response.get_data(as_text=True))["#title"]
    assert count(Capability) == 0
    auth.login("ent@example.com")
    response = client.post("/challenges/new", data=challenge_form(world, title="乙" * 61))
    assert response.status_code == 400
    assert "（当前 61 字）" in error_summary(response.get_data(as_text=True))["#title"]
    assert count(Challenge) == 0


def test_title_inputs_carry_their_limit_for_the_counter(client, auth, world):
    auth.login("uni@example.com")
    [title] = select(client.get("/capabilities/new").get_data(as_text=True), "input#title")
    assert title.attributes.get("data-max-chars") == "200" and "maxlength" not in title.attributes


def profile(**changes):
    return {"region": "武汉市", "contact_name": "张三", "contact_phone": "027-12345678", "contact_email": "",
            "website": "", "profile": "从事碳化硅衬底研发。"} | changes


def test_website_without_scheme_gets_https(client, auth, world):
    """Regression: "www.example.com" was refused as not a full address."""
    auth.login("uni@example.com")
    assert client.post("/orgs/mine", data=profile(website="www.example.com")).status_code == 302
    assert db.session.get(Organisation, world["uni"]).website == "https://www.example.com"


@pytest.mark.parametrize("website", ["javascript:alert(1)", "ftp://files.example.com", "data:text/html,hi"])
def test_website_with_another_scheme_is_refused(client, auth, world, website):
    auth.login("uni@example.com")
    response = client.post("/orgs/mine", data=profile(website=website))
    assert response.status_code == 400 and "#website" in error_summary(response.get_data(as_text=True))
    assert db.session.get(Organisation, world["uni"]).website == ""


def test_word_white_space_is_normalised_and_paragraphs_kept(client, auth, world):
    """Regression: NBSP, U+3000, zero-width spaces and U+2028 pasted from Word were stored as typed, and the
    public page ran the profile's paragraphs together."""
    auth.login("uni@example.com")
    response = client.post("/orgs/mine", data=profile(
        contact_name="\u3000张\u00a0三\u200b", profile="\ufeff第一段：碳化硅。\u2028第二段：衬底\u00a0研发\u200b。\u2029\u3000\u3000第三段"))
    assert response.status_code == 302
    org = db.session.get(Organisation, world["uni"])
    assert org.contact_name == "张 三"
    assert org.profile == "第一段：碳化硅。\n第二段：衬底 研发。\n\u3000\u3000第三段"
    [text] = select(client.get(f"/orgs/{org.id}").get_data(as_text=True), "section p.pre-line")
    assert text_of(text).startswith("第一段")
