"""Capabilities and achievements: posting, editing, archiving, browsing and searching."""
import pytest
from factories import make_org, make_user
from pages import error_summary, first, form_values, only, select, text_of

from marketplace.extensions import db
from marketplace.models import Achievement, Capability, ListingStatus, OrgStatus, OrgType, Visibility
from marketplace.services.chains import chain_by_code


@pytest.fixture
def world(ctx):
    uni = make_org("华楚理工大学", type=OrgType.university, region="武汉市")
    make_user("uni@example.com", uni)
    make_user("ent@example.com", make_org("某企业"))
    make_user("pending@example.com", make_org("待审研究院", type=OrgType.institute, status=OrgStatus.pending))
    db.session.commit()
    return {"ai": chain_by_code("ai").id, "materials": chain_by_code("materials").id}


CAPABILITY = {"title": "碳化硅单晶生长与缺陷控制", "direction": "宽禁带半导体衬底", "team_lead": "李卫东 教授",
              "team_size": "25", "description": "掌握物理气相传输法生长 8 英寸碳化硅单晶，微管密度低于 0.1 个/cm²。",
              "notable_members": "", "facilities": "晶体生长中试线", "results": "发明专利 12 项", "keywords": "碳化硅，衬底"}


def test_institution_posts_capability_and_it_is_searchable(client, auth, world):
    auth.login("uni@example.com")
    response = client.post("/capabilities/new", data=CAPABILITY | {"chain_ids": [world["materials"], world["ai"]]})
    assert response.status_code == 302
    capability = db.session.scalar(db.select(Capability))
    assert [c.code for c in capability.chains] == ["ai", "materials"] and capability.keywords == "碳化硅, 衬底"
    client.post("/auth/logout")
    html = client.get("/capabilities/?q=碳化硅 微管密度").get_data(as_text=True)
    assert "<mark>碳化硅</mark>" in html and "匹配词" in html
    assert "碳化硅单晶" in client.get("/capabilities/?chain=materials&org_type=university&region=武汉市").get_data(as_text=True)
    assert "碳化硅单晶" not in client.get("/capabilities/?chain=quantum").get_data(as_text=True)
    assert "碳化硅单晶" not in client.get("/capabilities/?org_type=enterprise").get_data(as_text=True)


def test_capability_bad_input(client, auth, world):
    auth.login("uni@example.com")
    response = client.post("/capabilities/new", data=CAPABILITY | {"title": "", "team_size": "-3"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写能力名称" in html and "请选择服务的产业链" in html and "应为 1—10000" in html
    assert "宽禁带半导体衬底" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Capability)) == 0


@pytest.mark.parametrize("who, code", [("ent@example.com", 403), ("pending@example.com", 403)])
def test_only_verified_institutions_post(client, auth, world, who, code):
    auth.login(who)
    assert client.get("/capabilities/new").status_code == code
    assert client.get("/achievements/new").status_code == code


def test_achievement_lifecycle(client, auth, world):
    auth.login("uni@example.com")
    data = {"title": "高导热石墨烯散热膜", "chain_id": world["materials"], "summary": "导热系数 1500 W/(m·K)。",
            "trl": "6", "ip": "发明专利 5 项", "transfer_mode": "licence", "contact_name": "张工",
            "contact_phone": "027-87000000"}
    assert client.post("/achievements/new", data=data | {"trl": "10"}).status_code == 400
    assert client.post("/achievements/new", data=data).status_code == 302
    achievement = db.session.scalar(db.select(Achievement))
    assert achievement.transfer_mode.label == "许可"
    html = client.get(f"/achievements/{achievement.id}").get_data(as_text=True)
    assert "许可" in html and "TRL 6" in html
    response = client.post(f"/achievements/{achievement.id}/edit",
                           data=data | {"title": "石墨烯散热膜（第二代）", "version": achievement.version})
    assert response.status_code == 302
    stale = client.post(f"/achievements/{achievement.id}/edit", data=data | {"title": "旧版本", "version": 1})
    assert stale.status_code == 409 and "旧版本" in stale.get_data(as_text=True)
    client.post(f"/achievements/{achievement.id}/status", data={"status": "archived"})
    assert db.session.get(Achievement, achievement.id).status is ListingStatus.archived
    client.post("/auth/logout")
    assert client.get(f"/achievements/{achievement.id}").status_code == 404
    assert "石墨烯散热膜" not in client.get("/achievements/").get_data(as_text=True)


def test_others_cannot_edit(client, auth, world):
    auth.login("uni@example.com")
    client.post("/capabilities/new", data=CAPABILITY | {"chain_ids": [world["ai"]]})
    capability = db.session.scalar(db.select(Capability))
    client.post("/auth/logout")
    other = make_user("other-uni@example.com", make_org("另一所大学", type=OrgType.university))
    db.session.commit()
    auth.login(other.email)
    assert client.get(f"/capabilities/{capability.id}/edit").status_code == 403
    assert client.post(f"/capabilities/{capability.id}/status", data={"status": "archived"}).status_code == 403


def test_site_search_covers_all_three_kinds(client, auth, world):
    auth.login("uni@example.com")
    client.post("/capabilities/new", data=CAPABILITY | {"chain_ids": [world["materials"]]})
    client.post("/achievements/new", data={"title": "碳化硅外延片", "chain_id": world["materials"], "summary": "外延缺陷控制",
                                           "trl": "5", "contact_name": "张工", "contact_phone": "027-87000000"})
    html = client.get("/search?q=碳化硅").get_data(as_text=True)
    assert "科研能力（1）" in html and "成果（1）" in html


def test_bad_input_is_summarised_at_the_top_with_links_to_fields(client, auth, world):
    auth.login("uni@example.com")
    html = client.post("/capabilities/new", data=CAPABILITY | {"title": "", "team_size": "-3"}).get_data(as_text=True)
    summary = only(html, "[data-error-summary]")
    assert "请修改以下 3 处后再提交" in text_of(summary)
    entries = error_summary(summary)
    for field_id, message in (("title", "请填写能力名称"), ("chain_ids", "请选择服务的产业链"), ("team_size", "应为 1—10000")):
        assert message in entries[f"#{field_id}"]
        assert first(html, f"#{field_id}") is not None  # the link lands on the field


def test_chains_are_checkboxes_and_keep_their_ticks(client, auth, world):
    auth.login("uni@example.com")
    html = client.get("/capabilities/new").get_data(as_text=True)
    assert select(html, "select[multiple]") == [] and len(select(html, 'input[type="checkbox"][name="chain_ids"]')) == 8
    response = client.post("/capabilities/new", data=CAPABILITY | {"title": "", "chain_ids": [world["ai"]]})
    ticked = form_values(response, "form:has(input[name=chain_ids])")["chain_ids"]
    assert ticked == str(world["ai"])  # that one ticked, and only that one


def test_searching_a_chain_name_finds_its_challenges(client, world):
    from factories import make_challenge

    make_challenge(make_org("质检企业"), chain_code="ai", title="铸件内腔缺陷小样本检测", keywords="缺陷检测, 小样本",
                   background="缸体内腔缺陷靠人工目检。", difficulty="样本少。", indicators="检出率 ≥ 99%")
    make_challenge(make_org("纺纱企业"), chain_code="textile", title="细纱断头在线监测", keywords="断头, 监测",
                   background="断头靠人工巡检。", difficulty="锭数多。", indicators="检出率 ≥ 98%")
    db.session.commit()
    make_challenge(make_org("保密企业"), chain_code="ai", title="摘要公开的视觉检测需求", keywords="视觉, 检测",
                   visibility=Visibility.summary, background="细节只对认证机构公开。")
    db.session.commit()
    for url in ("/search?q=人工智能", "/challenges/?q=人工智能"):
        html = client.get(url).get_data(as_text=True)
        assert "铸件内腔缺陷小样本检测" in html and "细纱断头在线监测" not in html, url
        assert "摘要公开的视觉检测需求" in html, url  # its chain is public, so a guest finds it by the chain too
