"""Issue 12: a chain admin (牵头部门) can only be a user of a government organisation."""
import pytest
from factories import make_org, make_platform_admin, make_user

from marketplace.extensions import db
from marketplace.models import OrgType, User
from marketplace.services import chains
from marketplace.services.errors import ServiceError


@pytest.fixture
def root(ctx):
    admin = make_platform_admin("root@example.com")
    db.session.commit()
    return admin


@pytest.mark.parametrize("kind", [OrgType.enterprise, OrgType.university, OrgType.institute, OrgType.other])
def test_a_user_outside_government_is_refused_with_a_reason(client, auth, root, kind):
    user = make_user("staff@example.com", make_org("某非政府单位", type=kind))
    db.session.commit()
    auth.login("root@example.com")
    response = client.post(f"/admin/users/{user.id}", data={"admin_chain": "ai"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "牵头部门账号只能是政府部门的用户" in page and kind.label in page
    assert db.session.scalar(db.select(User).filter_by(email="staff@example.com")).admin_chain_id is None
    with pytest.raises(ServiceError, match="政府部门"):
        chains.set_chain_admin(root, user, chains.chain_by_code("quantum"))


def test_a_government_user_is_appointed_and_anyone_can_be_relieved(client, auth, root):
    official = make_user("gov@example.com", make_org("省科技厅", type=OrgType.government))
    stray = make_user("stray@example.com", make_org("历史遗留企业"), admin_chain=chains.chain_by_code("ai"))
    db.session.commit()
    auth.login("root@example.com")
    assert client.post(f"/admin/users/{official.id}", data={"admin_chain": "quantum"}).status_code == 303
    assert db.session.get(User, official.id).admin_chain.code == "quantum"
    # A wrong appointment made before the rule can still be withdrawn.
    assert client.post(f"/admin/users/{stray.id}", data={"admin_chain": ""}).status_code == 303
    assert db.session.get(User, stray.id).admin_chain_id is None


def test_the_user_page_offers_the_chain_choice_only_to_government_users(client, auth, root):
    from pages import select

    staff = make_user("staff@example.com", make_org("某企业"))
    official = make_user("gov@example.com", make_org("省科技厅", type=OrgType.government))
    db.session.commit()
    auth.login("root@example.com")
    page = client.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    assert not select(page, "select[name=admin_chain]") and "牵头部门账号只能是政府部门的用户" in page
    assert client.post(f"/admin/users/{staff.id}", data={"is_platform_admin": "y"}).status_code == 303  # other roles still
    page = client.get(f"/admin/users/{official.id}").get_data(as_text=True)
    assert select(page, "select[name=admin_chain]") and "牵头部门账号只能是政府部门的用户" not in page
