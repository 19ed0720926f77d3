"""Issue 13, item 7: the read-only 链长 / 总链长 role — who may assign it, what the governance hub shows
each role, and that the key-links page is read-only for them (no controls, every POST refused)."""
import pytest
from factories import make_chain_admin, make_challenge, make_org, make_platform_admin, make_user
from pages import first, links, select, text_of
from statements import page_statements

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import AuditEvent, KeyLink, Notification, OrgType, User
from marketplace.services import admins
from marketplace.services import chains as chain_service
from marketplace.services.errors import InvalidTransition, PermissionDenied, ServiceError

EIGHT = ["compute", "ai", "software", "quantum", "textile", "green", "appliance", "materials"]


def chain(code):
    return chain_service.chain_by_code(code)


def user(email) -> User:
    return db.session.scalar(db.select(User).filter_by(email=email))


@pytest.fixture
def world(ctx):
    """A platform admin, the 人工智能 department, a 链长 of 人工智能 and a 总链长 (both in a government
    office), an official not yet appointed, an enterprise user and a key link of 人工智能 with a listing."""
    make_platform_admin("root@example.com")
    make_chain_admin("chain-ai@example.com", "ai")
    office = make_org("湖北省制造强省建设领导小组办公室", type=OrgType.government)
    make_user("leader-ai@example.com", office, name="陈卫东", leader_chain=chain("ai"))
    make_user("chief@example.com", office, name="王建国", is_chief_leader=True)
    make_user("official@example.com", office, name="刘敏")
    make_user("poster@example.com", make_org("发榜企业"))
    link = KeyLink(chain=chain("ai"), year=clock.today().year, segment="大模型推理芯片适配")
    db.session.add(link)
    link.challenges.append(make_challenge(title="推理芯片适配榜"))
    db.session.commit()
    return link


# ----- assigning the role ---------------------------------------------------------------------------

def test_a_platform_admin_appoints_a_leader_who_is_told_and_audited(client, auth, world, outbox):
    auth.login("root@example.com")
    official = user("official@example.com")
    response = client.post(f"/admin/users/{official.id}", data={"admin_chain": "", "leader_chain": "quantum"})
    assert response.status_code == 303
    official = user("official@example.com")
    assert official.leader_chain.code == "quantum" and not official.is_chief_leader
    assert "量子科技链长" in official.role_labels
    audit = db.session.scalar(db.select(AuditEvent).filter_by(action="chain_leader_set", subject_id=official.id))
    assert audit.to_state == "量子科技链长" and audit.actor.email == "root@example.com"
    notice = db.session.scalar(db.select(Notification).filter_by(user_id=official.id))
    assert "量子科技链长" in notice.title and notice.url == "/governance/"
    assert any(mail.to == "official@example.com" for mail in outbox)
    assert "设置链长 / 总链长" in client.get(f"/admin/users/{official.id}").get_data(as_text=True)


def test_a_chief_leader_is_set_and_then_cleared(client, auth, world):
    auth.login("root@example.com")
    official = user("official@example.com")
    assert client.post(f"/admin/users/{official.id}", data={"is_chief_leader": "y"}).status_code == 303
    assert user("official@example.com").is_chief_leader
    assert client.post(f"/admin/users/{official.id}", data={}).status_code == 303
    official = user("official@example.com")
    assert not official.is_chain_leader
    trail = db.session.scalars(db.select(AuditEvent).filter_by(action="chain_leader_set", subject_id=official.id)
                               .order_by(AuditEvent.id)).all()
    assert [(e.from_state, e.to_state) for e in trail] == [("", "总链长"), ("总链长", "")]


@pytest.mark.parametrize("kind", [OrgType.enterprise, OrgType.university, OrgType.institute, OrgType.other])
def test_only_a_government_user_may_be_a_leader(client, auth, world, kind):
    staff = make_user("staff@example.com", make_org("某非政府单位", type=kind))
    db.session.commit()
    auth.login("root@example.com")
    page = client.get(f"/admin/users/{staff.id}")
    assert first(page.get_data(as_text=True), "#no-chain-leader") is not None
    assert first(page.get_data(as_text=True), "select[name=leader_chain]") is None
    response = client.post(f"/admin/users/{staff.id}", data={"leader_chain": "ai"})  # a forged form
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "链长、总链长只能是政府部门的用户" in page and kind.label in page
    assert user("staff@example.com").leader_chain_id is None
    with pytest.raises(ServiceError, match="只能是政府部门的用户"):
        admins.set_chain_leader(user("root@example.com"), user("staff@example.com"), chain("ai"), False)
    with pytest.raises(ServiceError, match="只能是政府部门的用户"):
        admins.set_chain_leader(user("root@example.com"), user("staff@example.com"), None, True)


def test_a_former_non_government_leader_is_refused_with_the_form_kept(client, auth, world):
    staff = make_user("staff@example.com", make_org("历史遗留企业"), leader_chain=chain("textile"))
    db.session.commit()
    auth.login("root@example.com")
    response = client.post(f"/admin/users/{staff.id}", data={"leader_chain": "ai"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "只能是政府部门的用户" in page
    assert user("staff@example.com").leader_chain.code == "textile"
    # …and can still be relieved.
    assert client.post(f"/admin/users/{staff.id}", data={"leader_chain": ""}).status_code == 303
    assert user("staff@example.com").leader_chain_id is None


def test_only_a_platform_admin_assigns_the_role(client, auth, world):
    official = user("official@example.com")
    for email in ("chain-ai@example.com", "chief@example.com", "poster@example.com"):
        with pytest.raises(PermissionDenied):
            admins.set_chain_leader(user(email), official, chain("ai"), False)
        auth.login(email)
        assert client.post(f"/admin/users/{official.id}", data={"leader_chain": "ai"}).status_code == 403
        auth.logout()
    assert user("official@example.com").leader_chain_id is None


def test_a_department_is_not_its_own_chains_leader(client, auth, world):
    """The 链长 oversees the lead department: one account may not be both for the same chain."""
    auth.login("root@example.com")
    department = user("chain-ai@example.com")
    response = client.post(f"/admin/users/{department.id}", data={"admin_chain": "ai", "leader_chain": "ai"})
    assert response.status_code == 409 and "不能同时担任本链链长" in response.get_data(as_text=True)
    assert user("chain-ai@example.com").leader_chain_id is None
    # Another chain's 链长 is fine; and 链长 → department of the same chain works in one step.
    assert client.post(f"/admin/users/{department.id}",
                       data={"admin_chain": "ai", "leader_chain": "quantum"}).status_code == 303
    leader = user("leader-ai@example.com")
    assert client.post(f"/admin/users/{leader.id}", data={"admin_chain": "ai", "leader_chain": ""}).status_code == 303
    leader = user("leader-ai@example.com")
    assert leader.admin_chain.code == "ai" and leader.leader_chain_id is None
    materials = _leader_of("materials")
    with pytest.raises(InvalidTransition, match="不能同时担任本链牵头部门"):
        chain_service.set_chain_admin(user("root@example.com"), materials, chain("materials"))


def _leader_of(code) -> User:
    official = make_user(f"leader-{code}@example.com", make_org(type=OrgType.government), leader_chain=chain(code))
    db.session.flush()
    return official


def test_a_chief_leader_is_not_given_one_chain_too(client, auth, world):
    auth.login("root@example.com")
    official = user("official@example.com")
    response = client.post(f"/admin/users/{official.id}", data={"leader_chain": "ai", "is_chief_leader": "y"})
    assert response.status_code == 409 and "总链长可查看全部产业链" in response.get_data(as_text=True)
    assert not user("official@example.com").is_chain_leader


# ----- the governance hub ---------------------------------------------------------------------------

def hub_chains(client) -> list[str]:
    response = client.get("/governance/")
    assert response.status_code == 200
    return [node.attributes["data-chain"] for node in select(response.get_data(as_text=True), "[data-chain]")]


@pytest.mark.parametrize(("email", "expected"), [
    ("leader-ai@example.com", ["ai"]), ("chief@example.com", EIGHT), ("chain-ai@example.com", ["ai"]),
    ("root@example.com", EIGHT)])
def test_the_hub_shows_each_role_its_chains(client, auth, world, email, expected):
    auth.login(email)
    assert hub_chains(client) == expected


def test_the_hub_links_each_chain_to_its_key_links(client, auth, world):
    auth.login("leader-ai@example.com")
    page = client.get("/governance/?year=2025").get_data(as_text=True)
    assert "/admin/chains/ai/key-links?year=2025" in links(page, "[data-chain=ai] a")
    assert "只读" in text_of(page, "[data-chain=ai] h2")


def test_the_hub_links_every_governance_page_and_shows_the_year_at_a_glance(app, client, auth, world):
    """Per chain: key links, plan, statistics and report, and the chain's plan state, key-link line and
    督办 counts; across chains the 督办 matrix, and for those who see every chain the province's pages."""
    auth.login("chief@example.com")
    page = client.get("/governance/?year=2026").get_data(as_text=True)
    assert {"/admin/chains/ai/key-links?year=2026", "/admin/chains/ai/plan?year=2026",
            "/admin/stats?chain=ai&year=2026", "/chains/ai/report/2026"} <= set(links(page, "[data-chain=ai] a"))
    shared = links(page, "[data-shared-pages] a")
    assert {"/admin/supervision?year=2026", "/admin/stats?year=2026", "/admin/plans?year=2026",
            "/admin/reports/2026", "/admin/reports/2026.zip"} <= set(shared)
    assert "尚未制定" in text_of(page, "[data-chain=ai] [data-plan-state]")
    assert text_of(page, "[data-chain=ai] [data-key-link-line]").startswith("2026 年关键缺失环节")
    assert "待答复 0" in text_of(page, "[data-chain=ai] [data-supervision]")
    for href in links(page, "[data-chain=ai] a") + shared:  # every link opens for a 总链长
        assert client.get(href).status_code == 200, href
    auth.logout()
    auth.login("leader-ai@example.com")  # one chain: 督办 (scoped by its page), no province-wide pages
    assert links(client.get("/governance/?year=2026").get_data(as_text=True), "[data-shared-pages] a") == [
        "/admin/supervision?year=2026"]


def test_the_hub_counts_a_late_item_and_an_open_supervision(client, auth, world):
    from factories import make_plan_item

    from marketplace.services import supervision

    late = make_plan_item("ai", title="滞后的事项")
    make_plan_item("ai", late=False)
    supervision.issue(user("root@example.com"), late, "请说明滞后原因。", 5)
    db.session.commit()
    auth.login("leader-ai@example.com")
    page = client.get(f"/governance/?year={clock.today().year}").get_data(as_text=True)
    assert "已批准 · 清单 2 项：按期 1，滞后 1，已完成 0" in text_of(page, "[data-chain=ai] [data-plan-state]")
    assert "待答复 1" in text_of(page, "[data-chain=ai] [data-supervision]")


def test_the_hub_refuses_others(client, auth, world):
    assert client.get("/governance/").status_code == 302  # anonymous → login
    assert "/auth/login" in client.get("/governance/").headers["Location"]
    for email in ("poster@example.com", "official@example.com"):
        auth.login(email)
        assert client.get("/governance/").status_code == 403
        auth.logout()


def test_a_leader_lands_on_the_hub_not_a_403(client, auth, world):
    auth.login("leader-ai@example.com")
    for path in ("/admin/", "/admin/chains"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/governance/")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/chains/ai").status_code == 403


# Each admin page for a 链长 of 人工智能 and a 总链长: 200 read, 302 sent to the hub, 403 refused.
LEADER_MATRIX = {
    "/admin/": (302, 302), "/admin/chains": (302, 302), "/admin/chains/ai": (403, 403),
    "/admin/organisations": (403, 403), "/admin/users": (403, 403),
    "/admin/chains/ai/key-links": (200, 200), "/admin/chains/quantum/key-links": (403, 200),
}


@pytest.mark.parametrize(("path", "codes"), LEADER_MATRIX.items())
def test_what_a_leader_may_open_under_admin(client, auth, world, path, codes):
    for email, expected in zip(("leader-ai@example.com", "chief@example.com"), codes, strict=True):
        auth.login(email)
        assert client.get(path).status_code == expected, (email, path)
        auth.logout()


# ----- the menu and the 工作台 --------------------------------------------------------------------

@pytest.mark.parametrize(("email", "shown"), [
    ("leader-ai@example.com", True), ("chief@example.com", True), ("chain-ai@example.com", True),
    ("root@example.com", True), ("poster@example.com", False), ("official@example.com", False)])
def test_the_menu_entry(client, auth, world, email, shown):
    auth.login(email)
    entry = first(client.get("/challenges/").get_data(as_text=True), "[data-nav-governance]")
    assert (entry is not None) is shown
    if shown:
        assert entry.attributes["href"] == "/governance/" and text_of(entry) == "产业链治理"


def statements(client, url: str) -> int:
    return len(page_statements(client, url))


def test_the_menu_entry_costs_no_statement(client, auth, world):
    """The entry reads the user's own columns: the same user's page asks as many statements before and
    after being made 链长 (the 链长 has no 待办 of its own either)."""
    auth.login("official@example.com")
    statements(client, "/challenges/")  # warm up: the first page of a session reads the consent
    ordinary = statements(client, "/challenges/")
    assert first(client.get("/challenges/").get_data(as_text=True), "[data-nav-governance]") is None
    user("official@example.com").leader_chain = chain("ai")
    db.session.commit()
    assert statements(client, "/challenges/") == ordinary
    assert first(client.get("/challenges/").get_data(as_text=True), "[data-nav-governance]") is not None


def test_the_dashboard_of_a_leader_links_to_the_hub_and_chains(client, auth, world):
    auth.login("leader-ai@example.com")
    page = client.get("/dashboard").get_data(as_text=True)
    section = first(page, "[data-governance]")
    assert section is not None and "/governance/" in links(section)
    assert "/admin/chains/ai/key-links" in links(section)
    auth.logout()
    auth.login("poster@example.com")
    assert first(client.get("/dashboard").get_data(as_text=True), "[data-governance]") is None


# ----- the key-links page, read-only --------------------------------------------------------------

@pytest.mark.parametrize("email", ["leader-ai@example.com", "chief@example.com"])
def test_a_leader_reads_the_key_links_without_controls(client, auth, world, email):
    auth.login(email)
    response = client.get("/admin/chains/ai/key-links")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "大模型推理芯片适配" in page and "推理芯片适配榜" in page
    assert first(page, "[data-read-only]") is not None
    assert select(page, "main form[method=post]") == [] and select(page, "main input:not([type=hidden])") == []
    assert [text_of(b) for b in select(page, "main button")] == ["查看"]  # the year selector, nothing else
    assert "修改" not in text_of(page, "[data-key-link]") and "添加环节" not in page


def test_a_leader_of_another_chain_does_not_read_it(client, auth, world):
    auth.login("leader-ai@example.com")
    assert client.get("/admin/chains/quantum/key-links").status_code == 403


def test_the_department_still_has_its_controls(client, auth, world):
    auth.login("chain-ai@example.com")
    page = client.get("/admin/chains/ai/key-links").get_data(as_text=True)
    assert first(page, "[data-read-only]") is None and "添加环节" in page and "为此环节征集榜单" in page


def key_link_posts(link) -> list[tuple[str, dict]]:
    challenge = link.challenges[0]
    other = make_challenge(title="另一个榜单")
    db.session.commit()
    base = f"/admin/chains/ai/key-links/{link.id}"
    return [("/admin/chains/ai/key-links", {"segment": "新环节", "priority": "2"}),
            (f"{base}/edit", {"segment": "改名", "priority": "1", "version": str(link.version)}),
            (f"{base}/delete", {}), (f"{base}/attach", {"challenge_id": str(other.id)}),
            (f"{base}/detach/{challenge.id}", {}), (f"{base}/solicit", {})]


@pytest.mark.parametrize("email", ["leader-ai@example.com", "chief@example.com"])
def test_every_key_link_post_is_refused_to_a_leader(client, auth, world, email):
    posts = key_link_posts(world)
    auth.login(email)
    assert client.get(f"/admin/chains/ai/key-links/{world.id}/edit").status_code == 403
    for url, data in posts:
        assert client.post(url, data=data).status_code == 403, url
    link = db.session.get(KeyLink, world.id)
    assert link.segment == "大模型推理芯片适配" and len(link.challenges) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(KeyLink)) == 1


def test_a_department_leading_another_chain_reads_it_but_changes_nothing(client, auth, world):
    """The before-request gate lets admins through; the page itself still refuses a reader's POST."""
    department = make_chain_admin("chain-q@example.com", "quantum")
    department.leader_chain = chain("ai")
    db.session.commit()
    posts = key_link_posts(world)
    auth.login("chain-q@example.com")
    page = client.get("/admin/chains/ai/key-links").get_data(as_text=True)
    assert first(page, "[data-read-only]") is not None
    for url, data in posts:
        assert client.post(url, data=data).status_code == 403, url


# ----- help -------------------------------------------------------------------------------------------

def test_the_leaders_guide_is_listed_and_open(client):
    assert "/help/guide/chain-leader" in links(client.get("/help/").get_data(as_text=True))
    page = client.get("/help/guide/chain-leader").get_data(as_text=True)
    assert "总链长" in page and "/governance/" in page


# ----- demo data ------------------------------------------------------------------------------------

def test_the_demo_has_a_leader_and_a_chief_who_find_their_chains(app, runner, ctx):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "leader-ai@demo.example" in result.output and "chief@demo.example" in result.output
    leader, chief = user("leader-ai@demo.example"), user("chief@demo.example")
    assert leader.leader_chain.code == "ai" and chief.is_chief_leader
    for official in (leader, chief):
        assert official.organisation.is_government and not official.is_org_admin and not official.is_chain_admin
    client = app.test_client()
    for email, expected in (("leader-ai@demo.example", ["ai"]), ("chief@demo.example", EIGHT)):
        client.post("/auth/login", data={"email": email, "password": "demo-password"})
        assert hub_chains(client) == expected
        client.post("/auth/logout")


def test_the_public_chain_page_offers_a_leader_the_read_only_page(client, auth, world):
    assert first(client.get("/chains/ai").get_data(as_text=True), "[data-read-key-links]") is None
    auth.login("leader-ai@example.com")
    link = first(client.get("/chains/ai").get_data(as_text=True), "[data-read-key-links]")
    assert link is not None and link.attributes["href"] == "/admin/chains/ai/key-links"
    assert first(client.get("/chains/quantum").get_data(as_text=True), "[data-read-key-links]") is None
