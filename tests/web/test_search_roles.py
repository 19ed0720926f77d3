"""Issue 12: the same query finds the same visible listings for every role, typed with or without
spaces between its words (a logged-in university searching 人工智能芯片 used to get nothing)."""
import pytest
from factories import make_challenge, make_org
from flask_login import AnonymousUserMixin
from pages import links

from marketplace.extensions import db
from marketplace.models import Visibility
from marketplace.services import browse

# Each pair: the words typed together, and apart.
QUERIES = [("人工智能芯片", "人工智能 芯片"), ("推理加速卡", "推理 加速卡"), ("光量子芯片", "光量子 芯片"),
           ("细纱断头", "细纱 断头")]


@pytest.fixture
def listings(people):
    found = {
        "public": make_challenge(make_org("算力企业"), title="边缘推理加速卡研制", keywords="推理, 加速卡",
                                 background="面向人工智能推理的国产芯片适配。", difficulty="算子融合。").id,
        "summary": make_challenge(make_org("光电企业"), title="光量子芯片工艺开发", keywords="光量子, 芯片",
                                  visibility=Visibility.summary, background="细节只对认证机构公开。",
                                  difficulty="低损耗波导。").id,
        "textile": make_challenge(make_org("纺纱企业"), chain_code="textile", title="细纱断头在线监测",
                                  keywords="细纱, 断头", background="断头靠人工巡检。", difficulty="锭数多。").id,
    }
    db.session.commit()
    return found


def _found(user, q: str) -> dict[str, set[int]]:
    return {kind: {row.id for row in page.items} for kind, page in browse.search_all(user, q, per_kind=200).items()}


def _roles(people):
    return {"anonymous": AnonymousUserMixin(), "enterprise": people.poster, "university": people.institution,
            "expert": people.expert, "chain admin": people.manager, "platform admin": people.admin}


@pytest.mark.parametrize("together, apart", QUERIES)
def test_every_role_finds_at_least_what_a_guest_finds_with_or_without_spaces(people, listings, together, apart):
    guest = _found(AnonymousUserMixin(), together)
    assert guest["challenges"], together
    for role, user in _roles(people).items():
        joined, spaced = _found(user, together), _found(user, apart)
        assert joined == spaced, (role, together)
        for kind, ids in guest.items():
            assert ids <= joined[kind], (role, together, kind)


def test_a_university_finds_the_chain_listings_a_guest_finds(people, listings, client, auth):
    for role, user in _roles(people).items():
        found = _found(user, "人工智能芯片")["challenges"]
        assert {listings["public"], listings["summary"]} <= found, role
        assert listings["textile"] not in found, role
    auth.login("uni@example.com")
    shown = links(client.get("/search?q=人工智能芯片"))
    assert f"/challenges/{listings['public']}" in shown and f"/challenges/{listings['summary']}" in shown
