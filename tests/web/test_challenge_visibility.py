"""Who sees which listing, by direct URL, in the hall and in search; and the access matrix of the pages."""
import pytest
from factories import make_chain_admin, make_challenge, make_expert, make_org, make_platform_admin, make_user
from pages import texts

from marketplace.extensions import db
from marketplace.models import ChallengeInvitation, ChallengeState, OrgRole, OrgType, Visibility

S = ChallengeState
ROLES = ["guest", "owner_member", "other_enterprise", "institution", "expert_ai", "chain_admin_ai",
         "chain_admin_compute", "platform_admin"]
SECRET = "只在详情里出现的钛酸锶钡薄膜"


@pytest.fixture
def world(ctx):
    poster = make_org("发榜企业")
    institution = make_org("受邀大学", type=OrgType.university)
    users = {
        "owner_member": make_user("owner@example.com", poster, role=OrgRole.member),
        "other_enterprise": make_user("other@example.com", make_org("别家企业")),
        "institution": make_user("inst@example.com", institution),
        "uninvited": make_user("uninvited@example.com", make_org("未受邀研究院", type=OrgType.institute)),
        "expert_ai": make_expert("expert@example.com", "ai"),
        "chain_admin_ai": make_chain_admin("chain-ai@example.com", "ai"),
        "chain_admin_compute": make_chain_admin("chain-compute@example.com", "compute"),
        "platform_admin": make_platform_admin("root@example.com"),
    }
    listings = {
        "public": make_challenge(poster, title="公开榜单甲"),
        "summary": make_challenge(poster, title="摘要榜单乙", visibility=Visibility.summary, difficulty=SECRET),
        "invited": make_challenge(poster, title="邀请榜单丙", visibility=Visibility.invited, difficulty=SECRET),
        "draft": make_challenge(poster, S.draft, title="草稿榜单丁"),
        "submitted": make_challenge(poster, S.submitted, title="待审榜单戊"),
    }
    db.session.add(ChallengeInvitation(challenge=listings["invited"], organisation=institution))
    db.session.commit()
    return {"users": {k: u.email for k, u in users.items()}, "ids": {k: c.id for k, c in listings.items()}}


# Status of GET /challenges/<id> per listing and role (404 hides the listing's existence).
PAGE = {
    "public":    [200, 200, 200, 200, 200, 200, 200, 200],
    "summary":   [200, 200, 200, 200, 200, 200, 200, 200],
    # A committee expert sees an invited-only listing only while reviewing one of its proposals
    # (test_access_gaps.py): the invitation is the enterprise's choice of readers.
    "invited":   [404, 200, 404, 200, 404, 200, 404, 200],
    "draft":     [404, 200, 404, 404, 404, 404, 404, 200],
    "submitted": [404, 200, 404, 404, 404, 200, 404, 200],
}
# Whether the summary-only listing's details are shown.
SUMMARY_DETAILS = [False, True, False, True, True, True, False, True]


def login(client, auth, world, role):
    if role != "guest":
        auth.login(world["users"][role])


@pytest.mark.parametrize("listing, role, expected",
                         [(k, r, codes[i]) for k, codes in PAGE.items() for i, r in enumerate(ROLES)])
def test_direct_url_access(client, auth, world, listing, role, expected):
    login(client, auth, world, role)
    assert client.get(f"/challenges/{world['ids'][listing]}").status_code == expected


@pytest.mark.parametrize("role, shown", list(zip(ROLES, SUMMARY_DETAILS)))
def test_summary_only_details(client, auth, world, role, shown):
    login(client, auth, world, role)
    html = client.get(f"/challenges/{world['ids']['summary']}").get_data(as_text=True)
    assert "摘要榜单乙" in html
    assert (SECRET in html) is shown
    if not shown:
        assert "仅公开摘要" in html


@pytest.mark.parametrize("role", ROLES)
def test_hall_and_search_hide_what_the_url_hides(client, auth, world, role):
    login(client, auth, world, role)
    hall = client.get("/challenges/").get_data(as_text=True)
    for listing, codes in PAGE.items():
        visible_in_hall = codes[ROLES.index(role)] == 200 and listing in ("public", "summary", "invited")
        title = {"public": "公开榜单甲", "summary": "摘要榜单乙", "invited": "邀请榜单丙"}.get(listing)
        if title:
            assert (title in hall) is visible_in_hall, (listing, role)
    for page in ("/challenges/?q=钛酸锶钡", "/search?q=钛酸锶钡"):
        html = client.get(page).get_data(as_text=True).replace("<mark>", "").replace("</mark>", "")
        sees_summary_details = SUMMARY_DETAILS[ROLES.index(role)]
        sees_invited = PAGE["invited"][ROLES.index(role)] == 200
        assert ("摘要榜单乙" in html) is sees_summary_details, (page, role)
        assert ("邀请榜单丙" in html) is sees_invited, (page, role)
    unlisted = client.get("/search?q=榜单").get_data(as_text=True).replace("<mark>", "").replace("</mark>", "")
    assert "公开榜单甲" in unlisted  # the search did run and found the published one
    assert "草稿榜单丁" not in unlisted and "待审榜单戊" not in unlisted


def test_uninvited_institution_cannot_see_invited_listing(client, auth, world):
    auth.login(world["users"]["uninvited"])
    assert client.get(f"/challenges/{world['ids']['invited']}").status_code == 404
    assert "邀请榜单丙" not in client.get("/challenges/").get_data(as_text=True)


@pytest.mark.parametrize("page, codes", [
    ("/challenges/new",    [302, 200, 200, 403, 403, 403, 403, 403]),
    ("/challenges/mine",   [302, 200, 200, 200, 200, 200, 200, 200]),
    ("/challenges/review", [302, 403, 403, 403, 403, 200, 200, 200]),
    ("/challenges/{public}/edit", [302, 200, 403, 403, 403, 403, 403, 403]),
])
def test_page_access_matrix(client, auth, world, page, codes):
    for role, expected in zip(ROLES, codes):
        client.post("/auth/logout")
        login(client, auth, world, role)
        assert client.get(page.format(**world["ids"])).status_code == expected, role


def test_review_queue_lists_own_chain_only(client, auth, world):
    make_challenge(make_org("算力企业"), S.submitted, chain_code="compute", title="算力待审榜单")
    db.session.commit()
    auth.login(world["users"]["chain_admin_ai"])
    assert texts(client.get("/challenges/review"), "tbody a") == ["待审榜单戊"]
    client.post("/auth/logout")
    auth.login(world["users"]["chain_admin_compute"])  # the other listing is in a queue: its own chain's
    assert texts(client.get("/challenges/review"), "tbody a") == ["算力待审榜单"]
