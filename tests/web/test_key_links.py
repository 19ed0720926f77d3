"""The year's key missing links (关键缺失环节) as their own records: decided by the chain's department,
answered by listings and projects; the quota warns both ways; a chain admin sees only its chain; the
0015 migration turns every old per-listing mark into a link."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from factories import (
    make_chain_admin,
    make_challenge,
    make_org,
    make_platform_admin,
    make_poster_and_university,
    make_project,
    make_proposal,
    make_user,
)
from pages import select, text_of
from statements import page_statements
from test_jobs import empty_database  # noqa: F401 (a fixture: an app on a database with no schema yet)

from marketplace.extensions import db
from marketplace.models import AuditEvent, ChainLead, ChallengeState, KeyLink, Notification, ProjectState
from marketplace.services import key_links
from marketplace.services.chains import chain_by_code
from marketplace.services.errors import InvalidTransition, PermissionDenied, ServiceError
from marketplace.services.locking import Conflict

S = ChallengeState
YEAR = 2026


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 12, 3, 2, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def world(ctx):
    poster, uni = make_poster_and_university()
    make_chain_admin("chain-ai@example.com", "ai")
    make_chain_admin("chain-tx@example.com", "textile")
    make_platform_admin()
    db.session.commit()
    return poster, uni


def _admin():
    from marketplace.models import User
    return db.session.scalar(db.select(User).filter_by(email="chain-ai@example.com"))


def _add(n, year=YEAR, chain="ai"):
    return [key_links.create(_admin() if chain == "ai" else make_platform_admin("r2@example.com"),
                             chain_by_code(chain), year, f"环节{i}", confirm_over_quota=True) for i in range(n)]


# ----- the quota warns both ways --------------------------------------------------------------------

def test_the_quota_warns_under_the_minimum_and_over_the_maximum(world, client, auth):
    auth.login("chain-ai@example.com")
    _add(2)
    db.session.commit()
    page = client.get(f"/admin/chains/ai/key-links?year={YEAR}").get_data(as_text=True)
    assert "少于 3 个" in text_of(page, "[data-quota-warning]")
    _add(1)
    db.session.commit()
    page = client.get(f"/admin/chains/ai/key-links?year={YEAR}").get_data(as_text=True)
    assert select(page, "[data-quota-warning]") == [] and "已选 3 个" in text_of(page, "[data-quota]")
    _add(3)
    db.session.commit()
    page = client.get(f"/admin/chains/ai/key-links?year={YEAR}").get_data(as_text=True)
    assert "超过 5 个" in text_of(page, "[data-quota-warning]")


def test_the_quota_follows_the_chain_setting(world):
    chain = chain_by_code("ai")
    chain.key_link_quota_min, chain.key_link_quota_max = 1, 2
    _add(1)
    assert key_links.quota(chain, YEAR).warning is None
    _add(2)
    assert "超过 2 个" in key_links.quota(chain, YEAR).warning


def test_one_more_than_the_maximum_asks_for_confirmation(world, client, auth):
    _add(5)
    db.session.commit()
    auth.login("chain-ai@example.com")
    response = client.post(f"/admin/chains/ai/key-links?year={YEAR}", data={"segment": "第六个", "priority": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "再加将超过年度上限 5 个" in page and 'name="confirm_over_quota"' in page
    assert key_links.quota(chain_by_code("ai"), YEAR).used == 5
    response = client.post(f"/admin/chains/ai/key-links?year={YEAR}",
                           data={"segment": "第六个", "priority": "1", "confirm_over_quota": "y"})
    assert response.status_code == 303 and key_links.quota(chain_by_code("ai"), YEAR).used == 6
    assert "超出年度上限，已确认" in db.session.scalars(
        db.select(AuditEvent.reason).filter_by(action="key_link_created")).all()[-1]


# ----- create, edit, conflict, delete ---------------------------------------------------------------

def test_create_edit_and_a_stale_edit(world, client, auth):
    auth.login("chain-ai@example.com")
    response = client.post(f"/admin/chains/ai/key-links?year={YEAR}", data={
        "segment": "高端光刻胶", "why_missing": "全部依赖进口", "target_indicators": "分辨率 ≤ 28nm", "priority": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"year={YEAR}")
    link = db.session.scalar(db.select(KeyLink))
    assert (link.segment, link.why_missing, link.priority, link.year, link.created_by.email) == (
        "高端光刻胶", "全部依赖进口", 1, YEAR, "chain-ai@example.com")
    form = {"segment": "高端光刻胶（ArF）", "why_missing": "依赖进口", "target_indicators": "", "priority": "2",
            "version": str(link.version)}
    assert client.post(f"/admin/chains/ai/key-links/{link.id}/edit", data=form).status_code == 303
    db.session.refresh(link)
    assert (link.segment, link.priority, link.version) == ("高端光刻胶（ArF）", 2, 2)
    response = client.post(f"/admin/chains/ai/key-links/{link.id}/edit", data=form | {"segment": "旧页面"})
    assert response.status_code == 409 and "已被他人修改" in response.get_data(as_text=True)
    assert "旧页面" in response.get_data(as_text=True)  # the input is kept
    db.session.refresh(link)
    assert link.segment == "高端光刻胶（ArF）"


def test_a_blank_segment_is_refused_in_chinese(world, client, auth):
    auth.login("chain-ai@example.com")
    response = client.post("/admin/chains/ai/key-links", data={"segment": "", "priority": "2"})
    assert response.status_code == 400 and "环节名称" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(KeyLink)) == 0
    with pytest.raises(ServiceError, match="请填写环节名称"):
        key_links.create(_admin(), chain_by_code("ai"), YEAR, "   ")


def test_delete_only_when_no_listing_answers(world, client, auth):
    poster, _ = world
    link, answered = _add(2)
    answered.challenges.append(make_challenge(poster, S.published))
    db.session.commit()
    auth.login("chain-ai@example.com")
    page = client.get(f"/admin/chains/ai/key-links?year={YEAR}").get_data(as_text=True)
    assert len(select(page, f'form[action="/admin/chains/ai/key-links/{link.id}/delete"][data-confirm]')) == 1
    assert select(page, f'form[action="/admin/chains/ai/key-links/{answered.id}/delete"]') == []
    assert client.post(f"/admin/chains/ai/key-links/{answered.id}/delete").status_code == 409
    assert client.post(f"/admin/chains/ai/key-links/{link.id}/delete").status_code == 303
    assert [k.segment for k in db.session.scalars(db.select(KeyLink))] == ["环节1"]


def test_stale_service_edit_raises_conflict(world):
    link, = _add(1)
    with pytest.raises(Conflict):
        key_links.edit(_admin(), link, link.version - 1, "x", "", "", 2)


# ----- attach and detach; the status ----------------------------------------------------------------

def test_attach_detach_and_the_status_from_listings_and_projects(world, client, auth):
    poster, uni = world
    link, = _add(1)
    listing, draft = make_challenge(poster, S.published, title="光刻胶榜单"), make_challenge(poster, S.draft)
    textile_listing = make_challenge(poster, S.published, chain_code="textile")
    db.session.commit()
    assert key_links.status(link) == "尚无榜单"
    auth.login("chain-ai@example.com")
    page = client.get(f"/admin/chains/ai/key-links?year={YEAR}").get_data(as_text=True)
    assert [o.attributes["value"] for o in select(page, f"#attach-{link.id} option")] == [str(listing.id)]
    assert client.post(f"/admin/chains/ai/key-links/{link.id}/attach",
                       data={"challenge_id": listing.id}).status_code == 303
    db.session.refresh(link)
    assert link.challenges == [listing] and key_links.status(link) == "已发榜 1"
    assert "关键缺失环节" in client.get(f"/challenges/{listing.id}").get_data(as_text=True)
    for other in (draft, textile_listing):
        assert client.post(f"/admin/chains/ai/key-links/{link.id}/attach",
                           data={"challenge_id": other.id}).status_code == 409
    second, = _add(1)
    with pytest.raises(InvalidTransition, match="一个榜单只响应一个环节"):
        key_links.attach(_admin(), second, listing)
    project = make_project(make_proposal(listing, uni))
    assert key_links.status(link) == "已立项"
    project.state = ProjectState.accepted
    assert key_links.status(link) == "验收通过"
    db.session.rollback()
    assert client.post(f"/admin/chains/ai/key-links/{link.id}/detach/{listing.id}").status_code == 303
    db.session.refresh(link)
    assert link.challenges == []


# ----- role scoping ---------------------------------------------------------------------------------

def test_only_the_chains_admin_and_platform_admins_manage(world, client, auth):
    poster, _ = world
    link, = _add(1)
    make_user("boss@example.com", poster)
    db.session.commit()
    assert client.get("/admin/chains/ai/key-links").status_code in (302, 401)  # anonymous: to the login page
    assert client.post(f"/admin/chains/ai/key-links/{link.id}/delete").status_code in (302, 400, 401, 403)
    for email in ("chain-tx@example.com", "boss@example.com"):
        auth.login(email)
        assert client.get("/admin/chains/ai/key-links").status_code == 403
        assert client.post("/admin/chains/ai/key-links", data={"segment": "x", "priority": "2"}).status_code == 403
        assert client.post(f"/admin/chains/ai/key-links/{link.id}/delete").status_code == 403
        auth.logout()
    assert db.session.scalar(db.select(db.func.count()).select_from(KeyLink)) == 1
    with pytest.raises(PermissionDenied):
        key_links.create(db.session.scalar(db.select(type(_admin())).filter_by(email="chain-tx@example.com")),
                         chain_by_code("ai"), YEAR, "x")
    auth.login("chain-tx@example.com")  # its own chain's page is fine, and shows none of ai's links
    page = client.get("/admin/chains/textile/key-links").get_data(as_text=True)
    assert "环节0" not in page
    auth.logout()
    auth.login("root@example.com")
    assert "环节0" in client.get("/admin/chains/ai/key-links").get_data(as_text=True)


def test_the_year_selector_offers_stored_years_this_year_and_next(world, client, auth):
    _add(1, year=2024)
    db.session.commit()
    auth.login("chain-ai@example.com")
    page = client.get("/admin/chains/ai/key-links").get_data(as_text=True)
    assert [o.attributes["value"] for o in select(page, "#year-select option")] == ["2027", "2026", "2024"]
    assert "2024 年尚未确定" not in client.get("/admin/chains/ai/key-links?year=2024").get_data(as_text=True)
    assert "2025 年尚未确定关键缺失环节" in client.get("/admin/chains/ai/key-links?year=2025").get_data(as_text=True)


# ----- 为此环节征集榜单 --------------------------------------------------------------------------------

def test_soliciting_notifies_the_chains_lead_and_posting_enterprises(world, client, auth):
    poster, uni = world
    lead = make_org("链主企业")
    make_user("lead@example.com", lead)
    db.session.add(ChainLead(chain=chain_by_code("ai"), organisation=lead))
    make_challenge(poster, S.published)  # the poster has posted in ai
    make_user("tx-only@example.com", make_org("纺织企业"))
    link, = _add(1)
    db.session.commit()
    auth.login("chain-ai@example.com")
    assert client.post(f"/admin/chains/ai/key-links/{link.id}/solicit").status_code == 303
    notes = db.session.scalars(db.select(Notification)).all()
    assert sorted(n.user.email for n in notes) == sorted(["lead@example.com"] + [u.email for u in poster.members])
    assert all(n.url == f"/challenges/new?key_link={link.id}" and "环节0" in n.title for n in notes)


# ----- the public chain page ------------------------------------------------------------------------

def test_the_chain_page_lists_the_years_links_with_status_and_no_internal_fields(world, client):
    poster, _ = world
    link, empty = _add(2)
    key_links.edit(_admin(), link, link.version, "公开环节", "内部缺失原因", "内部目标", 1)
    link.challenges.append(make_challenge(poster, S.published, title="公开榜单"))
    db.session.commit()
    page = client.get("/chains/ai").get_data(as_text=True)
    rows = [text_of(node.html) for node in select(page, "[data-key-link]")]
    assert rows[0].startswith("公开环节 已发榜 1") and "公开榜单" in rows[0]
    assert rows[1].startswith("环节1 尚无榜单")
    assert "内部缺失原因" not in page and "优先级" not in page


# ----- the migration --------------------------------------------------------------------------------

def test_the_upgrade_turns_every_key_link_mark_into_a_link(empty_database):  # noqa: F811
    """Before 0015 a listing carried key_link_year; every mark becomes a link answered by that listing."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import insert, inspect, text

    from marketplace.models import Chain, Organisation, OrgStatus, OrgType, Proposal, ProposalState

    with empty_database.app_context():
        upgrade(revision="0014")
        org = db.session.execute(insert(Organisation).values(
            name="发榜企业", type=OrgType.enterprise, status=OrgStatus.verified, credit_code="91420100000000001X")
            .returning(Organisation.id)).scalar_one()
        chain = db.session.scalar(db.select(Chain.id).filter_by(code="ai")) or db.session.execute(
            insert(Chain).values(code="ai", name="人工智能").returning(Chain.id)).scalar_one()
        marks = {"标记甲": 2025, "标记乙": 2026, "标记丙": 2026, "未标记": None}
        for title, year in marks.items():
            db.session.execute(text(
                "INSERT INTO challenge (organisation_id, chain_id, title, background, difficulty, indicators, "
                "expected_outcome, budget_wan, deadline, period_months, conditions, keywords, ip_terms, visibility, "
                "contact_name, contact_phone, state, return_reason, key_link_year, failure_reason, is_demo, "
                "created_at, updated_at, version, mode) VALUES (:o, :c, :t, '', :why, :ind, '', :b, :d, 12, "
                "'', '', 'negotiable', 'public', '', '', 'published', '', :y, '', false, :now, :now, 1, 'open_call')"),
                {"o": org, "c": chain, "t": title, "why": "难点" + title, "ind": "指标" + title, "b": 100,
                 "d": date(2027, 1, 1), "y": year,
                 "now": datetime(2026, 1, 1, tzinfo=UTC)})
        marked_id = db.session.scalar(text("SELECT id FROM challenge WHERE title = '标记甲'"))
        db.session.execute(insert(Proposal).values(challenge_id=marked_id, organisation_id=org, price_wan=100,
                                                   state=ProposalState.submitted))
        db.session.commit()
        upgrade()
        assert db.session.scalar(text("SELECT count(*) FROM proposal")) == 1  # nothing cascaded away
        rows = db.session.execute(text(
            "SELECT challenge.title, key_link.year, key_link.segment, key_link.why_missing, key_link.target_indicators, "
            "key_link.chain_id FROM key_link JOIN key_link_challenge ON key_link_challenge.key_link_id = key_link.id "
            "JOIN challenge ON challenge.id = key_link_challenge.challenge_id ORDER BY challenge.title")).all()
        assert sorted((r[0], r[1]) for r in rows) == sorted((t, y) for t, y in marks.items() if y)
        assert all(r[2] == r[0] and r[3] == "难点" + r[0] and r[4] == "指标" + r[0] and r[5] == chain for r in rows)
        assert db.session.scalar(text("SELECT count(*) FROM key_link")) == 3
        assert "key_link_year" not in [c["name"] for c in inspect(db.engine).get_columns("challenge")]
        db.session.commit()
        downgrade(revision="0014")  # and back: the links become marks again
        assert dict(db.session.execute(text("SELECT title, key_link_year FROM challenge")).all()) == marks


def test_the_solicitation_link_opens_the_new_listing_form_on_the_link(world, client, auth):
    chain = chain_by_code("textile")
    link = key_links.create(make_platform_admin("r3@example.com"), chain, YEAR, "高支纱智能纺纱",
                            target_indicators="断头率 ≤ 20 根/千锭·时")
    db.session.commit()
    auth.login("poster@example.com")
    page = client.get(f"/challenges/new?key_link={link.id}").get_data(as_text=True)
    assert "关键缺失环节“高支纱智能纺纱”" in text_of(page, "[data-answering]")
    assert f'action="/challenges/new?key_link={link.id}"' in page
    assert select(page, 'select[name="chain_id"] option[selected]')[0].attributes["value"] == str(chain.id)
    assert "断头率 ≤ 20 根/千锭·时" in text_of(page, 'textarea[name="indicators"]')
    assert select(client.get("/challenges/new?key_link=abc").get_data(as_text=True), "[data-answering]") == []


# ----- the demo -------------------------------------------------------------------------------------

def test_the_demo_has_this_years_links_in_every_state(runner, ctx):
    from marketplace import clock

    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    year = clock.today().year
    statuses = {key_links.status(link) for link in db.session.scalars(db.select(KeyLink).filter_by(year=year))}
    assert {"尚无榜单", "已发榜 1"} <= statuses and statuses & {"已立项", "验收通过"}
    for chain_code in ("ai", "textile"):
        assert key_links.quota(chain_by_code(chain_code), year).used == 4  # the 3 former marks + 1 open link
    assert any("少于" in (key_links.quota(c, year + 1).warning or "")
               for c in db.session.scalars(db.select(type(chain_by_code("ai")))))


def test_the_hall_loads_the_key_link_badges_in_one_go(world, client):
    """The hall shows each listing's key-link badge: more linked listings cost no more statements."""
    def statements() -> int:
        return len(page_statements(client, "/challenges/"))

    poster, _ = world

    def linked(n):
        for link in _add(n):
            key_links.attach(_admin(), link, make_challenge(poster, ChallengeState.published, title=f"{link.segment}的榜单"))
        db.session.commit()

    linked(1)
    before = statements()
    linked(4)
    assert statements() == before
    assert client.get("/challenges/").get_data(as_text=True).count("关键缺失环节") >= 5
