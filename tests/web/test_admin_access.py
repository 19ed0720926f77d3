"""Who may open which admin page: guest / member / org admin / expert / chain admin / platform admin."""
import pytest
from factories import make_chain_admin, make_expert, make_org, make_platform_admin, make_user

from marketplace.extensions import db
from marketplace.models import OrgRole, OrgStatus

ROLES = ["guest", "member", "org_admin", "expert", "chain_admin_ai", "platform_admin"]

# Expected status per page and role: 200 shown, 302 sent to login, 403 refused.
MATRIX = {
    "/admin/":                       [302, 403, 403, 403, 200, 200],
    "/admin/organisations":          [302, 403, 403, 403, 403, 200],
    "/admin/organisations/{org}":    [302, 403, 403, 403, 403, 200],
    "/admin/chains":                 [302, 403, 403, 403, 200, 200],
    "/admin/chains/ai":              [302, 403, 403, 403, 200, 200],
    "/admin/chains/compute":         [302, 403, 403, 403, 403, 200],
    "/admin/users":                  [302, 403, 403, 403, 403, 200],
    "/admin/users/{user}":           [302, 403, 403, 403, 403, 200],
    "/admin/plans":                  [302, 403, 403, 403, 200, 200],
    "/admin/chains/ai/plan":         [302, 403, 403, 403, 200, 200],
    "/admin/chains/compute/plan":    [302, 403, 403, 403, 403, 200],
}
CASES = [(page, role, codes[i]) for page, codes in MATRIX.items() for i, role in enumerate(ROLES)]


@pytest.fixture
def people(ctx):
    org = make_org("被审核企业", status=OrgStatus.pending)
    member_org = make_org("成员企业")
    accounts = {
        "member": make_user("member@example.com", member_org, role=OrgRole.member),
        "org_admin": make_user("orgadmin@example.com", member_org),
        "expert": make_expert("expert@example.com"),
        "chain_admin_ai": make_chain_admin("chain-ai@example.com", "ai"),
        "platform_admin": make_platform_admin("root@example.com"),
    }
    db.session.commit()
    return {"org": org.id, "user": accounts["member"].id, "emails": {k: u.email for k, u in accounts.items()}}


@pytest.mark.parametrize("page, role, expected", CASES)
def test_admin_page_access(client, auth, people, page, role, expected):
    if role != "guest":
        auth.login(people["emails"][role])
    response = client.get(page.format(org=people["org"], user=people["user"]))
    assert response.status_code == expected
    if expected == 302:
        assert "/auth/login" in response.headers["Location"]
    if expected == 403:
        assert "没有权限" in response.get_data(as_text=True)


@pytest.mark.parametrize("role, expected", [("org_admin", 403), ("chain_admin_ai", 403), ("platform_admin", 303)])
def test_only_platform_admin_verifies_organisations(client, auth, people, role, expected):
    auth.login(people["emails"][role])
    response = client.post(f"/admin/organisations/{people['org']}/verify")
    assert response.status_code == expected


def test_chain_admin_cannot_change_another_chains_settings(client, auth, people):
    auth.login(people["emails"]["chain_admin_ai"])
    response = client.post("/admin/chains/compute", data={
        "leader": "x", "lead_department": "y", "key_link_quota_min": 3, "key_link_quota_max": 5})
    assert response.status_code == 403
