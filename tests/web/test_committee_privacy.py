"""Reviewer confidentiality on the public chain page: applicants (and everyone else) learn how many
experts sit on the committee, not who; the chain's lead department and platform admins see the names."""
import pytest
from factories import make_chain_admin, make_expert, make_org_with_user, make_platform_admin
from pages import text_of

from marketplace.extensions import db
from marketplace.models import OrgType


@pytest.fixture
def committee(ctx):
    for i, name in enumerate(["周评审", "吴评审", "郑评审"]):
        make_expert(f"e{i}@example.com", "ai").name = name
    make_expert("other@example.com", "compute").name = "王外链"
    make_platform_admin("root@example.com")
    make_chain_admin("chain-ai@example.com", "ai")
    make_chain_admin("chain-compute@example.com", "compute")
    make_org_with_user("uni@example.com", "某揭榜大学", type=OrgType.university)
    make_org_with_user("poster@example.com", "某发榜企业")
    db.session.commit()


@pytest.mark.parametrize("who", [None, "uni@example.com", "poster@example.com", "chain-compute@example.com",
                                 "e0@example.com"])
def test_the_public_and_applicants_see_the_count_not_the_names(client, auth, committee, who):
    if who:
        auth.login(who)
    section = text_of(client.get("/chains/ai"), "section[aria-labelledby=committee-heading]")
    assert "现有专家 3 人" in section and "名单不公开" in section
    for name in ("周评审", "吴评审", "郑评审", "王外链"):
        assert name not in section


@pytest.mark.parametrize("who", ["root@example.com", "chain-ai@example.com"])
def test_the_chains_managers_see_the_names(client, auth, committee, who):
    auth.login(who)
    section = text_of(client.get("/chains/ai"), "section[aria-labelledby=committee-heading]")
    assert "现有专家 3 人" in section and "仅本链牵头部门与平台管理员可见" in section
    assert all(name in section for name in ("周评审", "吴评审", "郑评审")) and "王外链" not in section


def test_no_names_anywhere_on_the_public_page(client, committee):
    html = client.get("/chains/ai").get_data(as_text=True)
    assert not any(name in html for name in ("周评审", "吴评审", "郑评审"))
    assert "专家委员会组建中" in text_of(client.get("/chains/quantum"), "section[aria-labelledby=committee-heading]")
