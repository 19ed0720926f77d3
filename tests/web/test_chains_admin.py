"""Chain settings, 链主 designation (with the policy's 2–5 warning) and expert committees."""
import pytest
from factories import make_chain_admin, make_org, make_platform_admin, make_user
from pages import only, text_of, texts

from marketplace.extensions import db
from marketplace.models import Chain, OrgStatus, OrgType
from marketplace.services.chains import chain_by_code


@pytest.fixture
def admins(ctx):
    make_platform_admin("root@example.com")
    make_chain_admin("chain-ai@example.com", "ai")
    db.session.commit()


def test_designating_leads_warns_outside_two_to_five(client, auth, admins):
    orgs = [make_org(f"链主候选{i}") for i in range(6)]
    db.session.commit()
    auth.login("root@example.com")
    response = client.post("/admin/chains/ai/leads", data={"organisation_id": orgs[0].id}, follow_redirects=True)
    assert "链主企业仅 1 家" in response.get_data(as_text=True)
    for org in orgs[1:5]:
        client.post("/admin/chains/ai/leads", data={"organisation_id": org.id})
    response = client.post("/admin/chains/ai/leads", data={"organisation_id": orgs[5].id}, follow_redirects=True)
    assert "超过政策建议的 5 家上限" in response.get_data(as_text=True)
    assert len(chain_by_code("ai").leads) == 6
    assert "链主候选5" in client.get("/chains/ai").get_data(as_text=True)


@pytest.mark.parametrize("kind, status", [(OrgType.university, OrgStatus.verified), (OrgType.enterprise, OrgStatus.pending)])
def test_only_verified_enterprises_can_be_leads(client, auth, admins, kind, status):
    org = make_org("不合格机构", type=kind, status=status)
    db.session.commit()
    auth.login("root@example.com")
    response = client.post("/admin/chains/ai/leads", data={"organisation_id": org.id})
    assert response.status_code == 400
    assert chain_by_code("ai").leads == []


def test_chain_admin_cannot_designate_leads(client, auth, admins):
    org = make_org("某企业")
    db.session.commit()
    auth.login("chain-ai@example.com")
    assert client.post("/admin/chains/ai/leads", data={"organisation_id": org.id}).status_code == 403


def test_chain_admin_appoints_expert_to_own_chain(client, auth, admins):
    prof = make_user("prof@example.com", make_org("某大学", type=OrgType.university), name="李教授")
    db.session.commit()
    auth.login("chain-ai@example.com")
    response = client.post("/admin/chains/ai/experts", data={"user_id": prof.id, "title": "教授", "expertise": ""})
    assert response.status_code == 400 and "请填写专家的研究专长" in response.get_data(as_text=True)
    response = client.post("/admin/chains/ai/experts", data={"user_id": prof.id, "title": "教授",
                                                            "expertise": "机器视觉与缺陷检测"})
    assert response.status_code == 303
    assert "李教授" in client.get("/chains/ai").get_data(as_text=True)  # the chain's admin sees the names
    response = client.post("/admin/chains/ai/experts", data={"user_id": 999_999, "expertise": "x"})
    assert response.status_code == 404 and "未找到所选用户" in response.get_data(as_text=True)


def test_chain_settings_validate_quota(client, auth, admins):
    auth.login("chain-ai@example.com")
    data = {"leader": "省领导", "lead_department": "省经信厅", "description": "", "key_link_quota_min": 6, "key_link_quota_max": 4}
    response = client.post("/admin/chains/ai", data=data)
    assert response.status_code == 400 and "下限" in response.get_data(as_text=True)
    data.update(key_link_quota_min=3, key_link_quota_max=5, lead_department="湖北省经济和信息化厅")
    assert client.post("/admin/chains/ai", data=data).status_code == 303
    assert db.session.scalar(db.select(Chain).filter_by(code="ai")).lead_department == "湖北省经济和信息化厅"


def test_platform_admin_grants_chain_admin_role(client, auth, admins):
    user = make_user("gov@example.com", make_org("省科技厅", type=OrgType.government))
    db.session.commit()
    auth.login("root@example.com")
    assert client.post(f"/admin/users/{user.id}", data={"admin_chain": "quantum"}).status_code == 303
    client.post("/auth/logout")
    auth.login("gov@example.com")
    assert client.get("/admin/chains/quantum").status_code == 200
    assert client.get("/admin/chains/ai").status_code == 403


def test_admin_cannot_remove_own_platform_admin_role(client, auth, admins):
    from marketplace.models import User

    root = db.session.scalar(db.select(User).filter_by(email="root@example.com"))
    auth.login("root@example.com")
    response = client.post(f"/admin/users/{root.id}", data={"admin_chain": ""})
    assert response.status_code == 409
    assert "不能撤销自己的平台管理员权限" in response.get_data(as_text=True)


def test_lead_picker_starts_with_the_chains_posters_asks_first_and_searches_the_rest(client, auth, admins):
    from factories import make_challenge

    make_org("甲不相关企业")
    poster = make_org("乙本链发榜企业")
    make_challenge(poster, chain_code="ai")
    db.session.commit()
    auth.login("root@example.com")
    html = client.get("/admin/chains/ai").get_data(as_text=True)
    listed = texts(html, "#lead-results li strong")
    assert listed == ["乙本链发榜企业"] and "本链榜单 1 项" in text_of(html, "#lead-results")
    assert only(html, 'form:has(#lead-results)').attributes["data-confirm"].startswith("确定认定所选企业为")
    # A search finds the other verified enterprises too, the chain's own still first.
    html = client.get("/admin/chains/ai?lead_q=企业").get_data(as_text=True)
    assert texts(html, "#lead-results li strong") == ["乙本链发榜企业", "甲不相关企业"]
    response = client.post("/admin/chains/ai/leads", data={"organisation_id": ""})
    assert response.status_code == 400 and "请先搜索并选择企业" in response.get_data(as_text=True)
    response = client.post("/admin/chains/ai/leads", data={"organisation_id": "999999"})
    assert response.status_code == 404 and "未找到所选企业" in response.get_data(as_text=True)
    assert chain_by_code("ai").leads == []
