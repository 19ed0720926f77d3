"""Text that users type is escaped on every page that shows it."""
import pytest
from factories import make_org, make_platform_admin, make_user

from marketplace.extensions import db
from marketplace.models import ChainLead, OrgStatus
from marketplace.services.chains import chain_by_code

PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def hostile(ctx):
    org = make_org(PAYLOAD + "公司", profile=PAYLOAD, contact_name=PAYLOAD)
    make_user("evil@example.com", org, name=PAYLOAD)
    pending = make_org(PAYLOAD + "待审", status=OrgStatus.pending)
    db.session.add(ChainLead(chain=chain_by_code("ai"), organisation=org))
    make_platform_admin("root@example.com")
    db.session.commit()
    return {"org": org.id, "pending": pending.id, "user": org.members[0].id}


def assert_escaped(html: str):
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("who, page", [
    ("guest", "/orgs/{org}"),
    ("guest", "/chains/ai"),
    ("guest", "/"),
    ("evil@example.com", "/dashboard"),
    ("evil@example.com", "/orgs/mine"),
    ("evil@example.com", "/orgs/mine/members"),
    ("root@example.com", "/admin/organisations?status=all"),
    ("root@example.com", "/admin/organisations/{pending}"),
    ("root@example.com", "/admin/organisations/{org}"),
    ("root@example.com", "/admin/users"),
    ("root@example.com", "/admin/users/{user}"),
    ("root@example.com", "/admin/chains/ai"),
])
def test_payload_is_escaped(client, auth, hostile, who, page):
    if who != "guest":
        auth.login(who)
    response = client.get(page.format(**hostile))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    if page in ("/",):
        assert "<script>alert" not in html  # the home page shows counts, not names
    else:
        assert_escaped(html)


def test_payload_in_confirmation_prompt_is_escaped(client, auth, hostile):
    """The data-confirm attribute of the verify button quotes the organisation name safely."""
    auth.login("root@example.com")
    html = client.get(f"/admin/organisations/{hostile['pending']}").get_data(as_text=True)
    assert 'data-confirm="确认通过“&lt;script&gt;' in html
