"""The quarterly 通报: one page per chain with the report's numbers, sent by the platform admin to each
chain's lead department once (a second send only when confirmed), recorded in the audit trail."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from factories import make_org, make_user
from pages import only, select

from marketplace.extensions import db
from marketplace.models import AuditEvent, Notification, OrgType
from marketplace.services.chains import chain_by_code

YEAR = 2026


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 11, 16, 2, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def world(people):
    people.leader = make_user("leader@example.com", make_org(type=OrgType.government), leader_chain=chain_by_code("ai"))
    db.session.commit()
    return people


def login(client, email):
    assert client.post("/auth/login", data={"email": email, "password": "password-123"}).status_code == 302


def messages(user) -> list[Notification]:
    return db.session.scalars(db.select(Notification).filter_by(user_id=user.id)).all()


def test_the_office_sees_one_page_per_chain_with_the_basis_stated(client, world):
    login(client, "root@example.com")
    page = client.get(f"/admin/reports/{YEAR}/q3")
    assert page.status_code == 200
    assert len(select(page, "article[id^=chain-]")) == 8
    # figures.py has no cut-off day: the year to date, said on the page.
    assert "通报生成之日" in only(page, "[data-basis]").text()


def test_a_chain_admin_sees_its_own_chain_only_and_cannot_send(client, world):
    login(client, "chain-ai@example.com")
    page = client.get(f"/admin/reports/{YEAR}/q3")
    assert [a.attributes["id"] for a in select(page, "article[id^=chain-]")] == ["chain-ai"]
    assert "发送通报" not in page.text
    response = client.post(f"/admin/reports/{YEAR}/q3/send")
    assert response.status_code == 403
    assert not db.session.scalars(db.select(AuditEvent).filter_by(action="bulletin_sent")).all()


def test_a_leader_reads_the_bulletin_of_its_chain(client, world):
    login(client, "leader@example.com")
    page = client.get(f"/admin/reports/{YEAR}/q2")
    assert page.status_code == 200
    assert [a.attributes["id"] for a in select(page, "article[id^=chain-]")] == ["chain-ai"]


def test_an_enterprise_has_no_bulletin(client, world):
    login(client, "poster@example.com")
    assert client.get(f"/admin/reports/{YEAR}/q3").status_code == 403


def test_a_quarter_not_begun_or_out_of_range(client, world):
    login(client, "root@example.com")
    assert client.get(f"/admin/reports/{YEAR + 1}/q1").status_code == 409
    assert client.get(f"/admin/reports/{YEAR}/q5").status_code == 404


def test_sending_tells_each_chains_admins_once_and_a_second_send_asks_to_confirm(client, world):
    login(client, "root@example.com")
    response = client.post(f"/admin/reports/{YEAR}/q3/send")
    assert response.status_code == 303
    for manager, code in ((world.manager, "ai"), (world.other_manager, "textile")):
        (message,) = messages(manager)
        assert message.url == f"/admin/reports/{YEAR}/q3#chain-{code}" and "第 3 季度" in message.title
    assert messages(world.admin) == [] and messages(world.poster) == []
    events = db.session.scalars(db.select(AuditEvent).filter_by(action="bulletin_sent")).all()
    assert len(events) == 8 and {e.to_state for e in events} == {f"{YEAR}Q3"}

    again = client.post(f"/admin/reports/{YEAR}/q3/send")
    assert again.status_code == 409 and "已于" in again.text and "确认再次发送" in again.text
    assert len(messages(world.manager)) == 1

    confirmed = client.post(f"/admin/reports/{YEAR}/q3/send", data={"confirm": "1"})
    assert confirmed.status_code == 303 and len(messages(world.manager)) == 2
    # Another quarter is a send of its own.
    assert client.post(f"/admin/reports/{YEAR}/q2/send").status_code == 303


def test_the_chain_admin_opens_the_link_it_was_sent(client, world):
    login(client, "root@example.com")
    client.post(f"/admin/reports/{YEAR}/q3/send")
    client.post("/auth/logout")
    login(client, "chain-ai@example.com")
    (message,) = messages(world.manager)
    assert client.get(message.url.split("#")[0]).status_code == 200


def test_the_bulletin_pdf(client, world):
    login(client, "chain-ai@example.com")
    response = client.get(f"/admin/reports/{YEAR}/q3.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]


def test_a_double_click_sends_once(client, world):
    """The form's submission token: the second request of a double click does nothing (no 409 either)."""
    from marketplace.services.submissions import FIELD

    login(client, "root@example.com")
    token = only(client.get(f"/admin/reports/{YEAR}/q3"), f'input[name="{FIELD}"]').attributes["value"]
    assert client.post(f"/admin/reports/{YEAR}/q3/send", data={FIELD: token}).status_code == 303
    assert client.post(f"/admin/reports/{YEAR}/q3/send", data={FIELD: token}).status_code == 303
    assert len(messages(world.manager)) == 1


def test_the_years_index_offers_the_quarters_begun(client, world):
    login(client, "root@example.com")
    links = [a.attributes["href"] for a in select(client.get(f"/admin/reports/{YEAR}"), f"a[href*='/reports/{YEAR}/q']")]
    assert links == [f"/admin/reports/{YEAR}/q{q}" for q in (1, 2, 3, 4)]
    with time_machine.travel(datetime(2026, 5, 6, 2, 0, tzinfo=UTC), tick=False):
        login(client, "root@example.com")
        links = [a.attributes["href"] for a in select(client.get(f"/admin/reports/{YEAR}"), f"a[href*='/reports/{YEAR}/q']")]
    assert links == [f"/admin/reports/{YEAR}/q{q}" for q in (1, 2)]


def test_the_pdf_numbers_the_sections_it_prints_in_turn(client, world):
    """The report numbers 一 to 七; the 通报 prints four of them, numbered 一 to 四 (not 一、二、三、七)."""
    from marketplace.models import User
    from marketplace.services.reports import bulletin

    root = db.session.scalar(db.select(User).filter_by(email="root@example.com"))
    for _, printed in bulletin.make(root, YEAR, 3).printed_pages:
        assert [s.title.split("、")[0] for s, _ in printed] == ["一", "二", "三", "四"]
        assert printed[-1][0].title == "四、督办事项"
