"""The search pickers of a chain's settings page: experts found by name, organisation, e-mail or
expertise (never typed in by e-mail), 链主 enterprises with the chain's own first, and the type-ahead's
JSON only for those who manage the chain."""
import pytest
from factories import make_chain_admin, make_challenge, make_expert, make_org, make_platform_admin, make_user
from pages import only, text_of, texts

from marketplace.extensions import db
from marketplace.models import ExpertMembership, OrgStatus, OrgType, User
from marketplace.services.chains import chain_by_code


@pytest.fixture
def admins(ctx):
    make_platform_admin("root@example.com")
    make_chain_admin("chain-ai@example.com", "ai")
    make_chain_admin("chain-compute@example.com", "compute")
    make_user("poster@example.com", make_org("某发榜企业"), name="王经理")
    db.session.commit()


@pytest.fixture
def people(admins):
    """Candidates of every kind: who a picker should offer, and who not."""
    hust = make_org("华中光电大学", type=OrgType.university)
    make_user("li.optics@hust.example", hust, name="李光明", expertise="硅光芯片与光电子器件")
    make_user("zhang@whu.example", make_org("珞珈材料研究院", type=OrgType.institute), name="张材料",
              expertise="高分子复合材料")
    make_user("off@hust.example", hust, name="李停用", expertise="光通信", is_enabled=False)
    make_user("pending@new.example", make_org("待认证学院", type=OrgType.university, status=OrgStatus.pending),
              name="李待认证", expertise="光学")
    make_expert("sitting@hust.example", "ai", hust).name = "李在任"
    db.session.commit()


def _names(html) -> list[str]:
    return texts(html, "#expert-results li strong")


@pytest.mark.parametrize("q, found", [("李", ["李光明"]), ("华中光电", ["李光明"]), ("whu.example", ["张材料"]),
                                      ("复合材料", ["张材料"]), ("没有这个人", [])])
def test_the_expert_search_finds_by_name_organisation_email_or_expertise(client, auth, people, q, found):
    auth.login("chain-ai@example.com")
    html = client.get("/admin/chains/ai", query_string={"expert_q": q}).get_data(as_text=True)
    # Never the disabled, the unverified or who already sits on this committee.
    assert _names(html) == found
    if not found:
        assert "没有找到与“没有这个人”相符的候选" in text_of(html, "#expert-results")
    for name in found:
        button = only(html, f'#expert-results button[aria-label="加入专家库：{name}"]')
        assert button.attributes["name"] == "user_id" and button.attributes["type"] == "submit"
    # The search box is labelled, a combobox, and in the page's GET search form (no JavaScript needed).
    box = only(html, "input#user_id")
    assert box.attributes["role"] == "combobox" and box.attributes["form"] == "expert-search"
    assert only(html, 'label[for="user_id"]').text().strip() == "搜索专家"
    assert only(html, "form#expert-search").attributes["method"] == "get"
    assert "专家的平台账号邮箱" not in html and 'type="email"' not in html


def test_appointing_through_the_picker_adds_the_expert(client, auth, people):
    auth.login("chain-ai@example.com")
    html = client.get("/admin/chains/ai?expert_q=李光明").get_data(as_text=True)
    user_id = only(html, "#expert-results button").attributes["value"]
    response = client.post("/admin/chains/ai/experts", data={"user_id": user_id, "title": "教授", "expertise": ""})
    assert response.status_code == 303
    member = db.session.scalar(db.select(User).filter_by(name="李光明"))
    assert [m.chain.code for m in member.expert_memberships] == ["ai"] and member.expert_title == "教授"
    # Now on the committee, no longer a candidate.
    assert _names(client.get("/admin/chains/ai?expert_q=李光明").get_data(as_text=True)) == []


@pytest.mark.parametrize("who, status, message", [
    ("nobody", 404, "未找到所选用户"),
    ("李停用", 400, "尚未通过平台认证（或账号已停用）"),
    ("李待认证", 400, "尚未通过平台认证"),
    ("李在任", 409, "已是本链专家委员会成员"),
    ("", 400, "请先搜索并选择专家"),
    ("abc", 400, "请先搜索并选择专家"),
])
def test_the_expert_picker_refuses_in_chinese_and_keeps_the_input(client, auth, people, who, status, message):
    user = db.session.scalar(db.select(User).filter_by(name=who)) if who not in ("nobody", "", "abc") else None
    user_id = user.id if user else {"nobody": "999999"}.get(who, who)
    before = db.session.scalar(db.select(db.func.count()).select_from(ExpertMembership))
    auth.login("chain-ai@example.com")
    response = client.post("/admin/chains/ai/experts", data={"user_id": user_id, "title": "研究员",
                                                            "expertise": "保留的专长"})
    html = response.get_data(as_text=True)
    assert response.status_code == status and message in text_of(html, "[data-error-summary]")
    assert only(html, "#user_id").attributes.get("aria-invalid") == "true"
    assert only(html, "#expertise").text() == "保留的专长"
    assert db.session.scalar(db.select(db.func.count()).select_from(ExpertMembership)) == before


def test_only_the_chains_managers_appoint(client, auth, people):
    user = db.session.scalar(db.select(User).filter_by(name="李光明"))
    for email, status in [("chain-compute@example.com", 403), ("poster@example.com", 403)]:
        auth.login(email)
        assert client.post("/admin/chains/ai/experts", data={"user_id": user.id}).status_code == status
        auth.logout()
    assert db.session.get(User, user.id).expert_memberships == []


def test_the_type_ahead_answers_managers_only(client, auth, people):
    assert client.get("/admin/chains/ai/candidates/experts?q=李").status_code in (302, 401)  # not logged in
    for email in ("poster@example.com", "chain-compute@example.com"):
        auth.login(email)
        assert client.get("/admin/chains/ai/candidates/experts?q=李").status_code == 403
        auth.logout()
    auth.login("chain-ai@example.com")
    response = client.get("/admin/chains/ai/candidates/experts?q=李")
    assert response.status_code == 200 and response.is_json
    assert [c["label"] for c in response.json["results"]] == ["李光明"]
    assert set(response.json["results"][0]) == {"id", "label", "detail", "note"}
    assert client.get("/admin/chains/ai/candidates/experts?q=").json == {"results": []}
    # 链主 are the platform admins' to designate: a chain admin gets no list of enterprises.
    assert client.get("/admin/chains/ai/candidates/leads?q=企业").status_code == 403
    assert client.get("/admin/chains/ai/candidates/other?q=x").status_code == 404
    auth.logout()
    auth.login("root@example.com")
    assert client.get("/admin/chains/ai/candidates/leads?q=发榜").json["results"][0]["label"] == "某发榜企业"


def test_percent_and_underscore_are_searched_literally(client, auth, people):
    auth.login("chain-ai@example.com")
    assert client.get("/admin/chains/ai/candidates/experts?q=%25").json == {"results": []}
    assert client.get("/admin/chains/ai/candidates/experts?q=_").json == {"results": []}


def test_lead_picker_lists_the_chains_enterprises_first_then_searches_the_rest(client, auth, admins):
    other = make_org("甲外链企业")
    make_challenge(other, chain_code="compute")
    make_org("丙未认证企业", status=OrgStatus.pending)
    make_org("丁科技大学", type=OrgType.university)
    own = [make_org("乙本链企业"), make_org("戊本链企业")]
    for org in own:
        make_challenge(org, chain_code="ai")
    make_challenge(own[1], chain_code="ai")
    db.session.commit()
    auth.login("root@example.com")
    html = client.get("/admin/chains/ai").get_data(as_text=True)
    assert texts(html, "#lead-results li strong") == ["乙本链企业", "戊本链企业"]  # only the chain's own, unsearched
    assert "本链榜单 2 项" in text_of(html, "#lead-results li:nth-child(2)")
    html = client.get("/admin/chains/ai?lead_q=企业").get_data(as_text=True)
    assert texts(html, "#lead-results li strong") == ["乙本链企业", "戊本链企业", "某发榜企业", "甲外链企业"]
    html = client.get("/admin/chains/ai?lead_q=大学").get_data(as_text=True)
    assert texts(html, "#lead-results li strong") == []  # universities are never 链主
    response = client.post("/admin/chains/ai/leads", data={"organisation_id": own[0].id})
    assert response.status_code == 303 and [lead.organisation.name for lead in chain_by_code("ai").leads] == ["乙本链企业"]
    html = client.get("/admin/chains/ai?lead_q=企业").get_data(as_text=True)
    assert "乙本链企业" not in texts(html, "#lead-results li strong")  # already 链主


def test_one_picker_for_both(client, auth, people):
    """The two pickers are one macro: the same markup, wired to the same script."""
    auth.login("root@example.com")
    html = client.get("/admin/chains/ai").get_data(as_text=True)
    boxes = [only(html, f"[data-picker]:has(#{name})") for name in ("user_id", "organisation_id")]
    assert [box.attributes["data-name"] for box in boxes] == ["user_id", "organisation_id"]
    for box in boxes:
        combobox = box.css_first("[role=combobox]")
        assert combobox.attributes["aria-controls"] == box.attributes["data-listbox"]
        assert box.css_first("[role=listbox]").attributes["id"] == box.attributes["data-listbox"]
    assert 'src="/static/js/picker.js"' in html
