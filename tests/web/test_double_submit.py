"""A form submitted twice (double click, refresh, back-and-resubmit) creates one record.

Each test reads the form as the page renders it (its submission token included), sends it twice
and counts the records; the second answer sends the user to what the first one created.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from factories import credit_code, make_challenge
from pages import flash_messages, form_values, link_path, only, select

from marketplace import clock, jobs
from marketplace.extensions import db
from marketplace.models import (
    Capability,
    Challenge,
    ChallengeQuestion,
    ChallengeState,
    FormSubmission,
    Invitation,
    Objection,
    Organisation,
    Publicity,
    User,
)
from marketplace.services import registration, submissions
from marketplace.services.chains import chain_by_code

FIELD = submissions.FIELD


def count(model, **criteria) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).filter_by(**criteria))


def twice(client, url: str, data: dict):
    """The same form sent twice; both answers."""
    return client.post(url, data=data), client.post(url, data=data)


def assert_sent_to_the_first(first, second) -> None:
    assert first.status_code in (302, 303), first.status_code
    assert second.status_code == 303 and second.location == first.location


def assert_says_already_sent(client, response) -> None:
    assert submissions.REPEATED in flash_messages(client.get(response.location))


def test_every_rendering_of_a_form_carries_a_fresh_token(client, auth, people):
    db.session.commit()
    auth.login("poster@example.com")
    tokens = [form_values(client.get("/challenges/new"), "main form[method=post]")[FIELD] for _ in range(2)]
    assert all(len(token) >= 32 for token in tokens) and tokens[0] != tokens[1]


def test_a_new_challenge_sent_twice_is_one_draft(client, auth, people):
    db.session.commit()
    auth.login("poster@example.com")
    data = form_values(client.get("/challenges/new"), "main form[method=post]") | {
        "title": "碳化硅衬底微管缺陷控制", "chain_id": str(chain_by_code("materials").id), "mode": "open_call",
        "background": "衬底依赖进口。", "budget_wan": "600", "period_months": "24", "keywords": "碳化硅, 衬底",
        "deadline": (clock.today() + timedelta(days=40)).isoformat(), "ip_terms": "joint", "visibility": "public",
        "contact_name": "王工", "contact_phone": "027-88888888"}
    first, second = twice(client, "/challenges/new", data)
    assert_sent_to_the_first(first, second)
    assert count(Challenge) == 1
    challenge = db.session.scalar(db.select(Challenge))
    assert first.location.endswith(f"/challenges/{challenge.id}")
    assert_says_already_sent(client, second)


def test_a_question_sent_twice_is_asked_once(client, auth, people):
    challenge = make_challenge(people.poster.organisation)
    db.session.commit()
    auth.login("uni@example.com")
    action = f"/challenges/{challenge.id}/questions"
    data = form_values(client.get(f"/challenges/{challenge.id}"), f'form[action="{action}"]') | {
        "question": "样机测试由哪一方负责？"}
    first, second = twice(client, action, data)
    assert_sent_to_the_first(first, second)
    assert count(ChallengeQuestion, challenge_id=challenge.id) == 1
    # A new rendering of the page is a new form: the same question asked on purpose is the
    # service's to judge (here: refused as a repeat within a minute), not the token's.
    data[FIELD] = form_values(client.get(f"/challenges/{challenge.id}"), f'form[action="{action}"]')[FIELD]
    assert client.post(action, data=data).status_code == 409
    assert count(ChallengeQuestion, challenge_id=challenge.id) == 1


def test_a_capability_sent_twice_is_one_listing(client, auth, people):
    db.session.commit()
    auth.login("uni@example.com")
    data = form_values(client.get("/capabilities/new"), "main form[method=post]") | {
        "title": "碳化硅单晶生长与缺陷控制", "direction": "宽禁带半导体衬底", "team_lead": "李卫东 教授",
        "team_size": "25", "description": "掌握物理气相传输法生长 8 英寸碳化硅单晶。", "keywords": "碳化硅，衬底",
        "chain_ids": [str(chain_by_code("materials").id)]}
    first, second = twice(client, "/capabilities/new", data)
    assert_sent_to_the_first(first, second)
    assert count(Capability) == 1


def test_an_objection_sent_twice_is_lodged_once(client, auth, people):
    challenge = make_challenge(people.poster.organisation)
    notice = Publicity(challenge=challenge, starts_on=clock.today(), ends_on=clock.today() + timedelta(days=7),
                       text="公示")
    db.session.add(notice)
    db.session.commit()
    auth.login("partner@example.com")
    action = f"/publicity/{notice.id}/objections"
    data = form_values(client.get(f"/publicity/{notice.id}"), f'form[action="{action}"]') | {
        "text": "对报价构成有疑问，请核实设备费用明细是否合理。"}
    first, second = twice(client, action, data)
    assert_sent_to_the_first(first, second)
    assert count(Objection, publicity_id=notice.id) == 1


def test_a_member_invitation_sent_twice_is_one_invitation(client, auth, people):
    """Not through webkit.run (its answer is a page with the link): the claim is the route's own."""
    db.session.commit()
    auth.login("poster@example.com")
    data = form_values(client.get("/orgs/mine/members"), "main form[method=post]") | {
        "email": "new@example.com", "role": "member"}
    first, second = twice(client, "/orgs/mine/members", data)
    assert first.status_code == 200 and select(first, "input#invite-link")
    assert second.status_code == 303 and second.location.endswith("/orgs/mine/members")
    assert count(Invitation, email="new@example.com") == 1
    assert_says_already_sent(client, second)


def test_a_registration_confirmed_twice_registers_once(client, ctx):
    details = {"name": "武汉新芯材料科技有限公司", "org_type": "enterprise", "credit_code": credit_code(900001),
               "region": "武汉市", "contact_name": "王磊", "contact_phone": "027-87654321", "user_name": "王磊",
               "email": "wanglei@example.com"}
    url = f"/auth/register/confirm/{registration._serializer().dumps(details)}"
    data = form_values(client.get(url), "main form[method=post]") | {
        "password": "Kx9#tidal-granite", "confirm": "Kx9#tidal-granite"}
    del data["csrf_token"]  # the client sends its session's own
    first = client.post(url, data=data)
    client.post("/auth/logout")  # the second click's request left before the first answer's cookie came
    second = client.post(url, data=data)
    assert first.status_code == 302 and second.status_code == 303
    assert second.location.endswith("/orgs/mine") and first.location.endswith("/orgs/mine")
    assert count(Organisation, name="武汉新芯材料科技有限公司") == 1


def test_an_invitation_accepted_twice_makes_one_account(app, client, auth, people):
    """The link can be used once: the repeat is recognised before the link is checked."""
    db.session.commit()
    auth.login("poster@example.com")
    page = client.post("/orgs/mine/members", data={"email": "new@example.com", "role": "member"})
    path = link_path(only(page, "input#invite-link").attributes["value"], "/auth/invitation/")
    newcomer = app.test_client()
    data = form_values(newcomer.get(path), "main form[method=post]") | {
        "name": "新成员", "password": "pass-word-1", "confirm": "pass-word-1", "accept_terms": "y"}
    # The second click leaves before the first answer (which signs in, with a new session) arrives:
    # it carries the session cookie of the page.
    cookie = newcomer.get_cookie("session")
    again = app.test_client()
    again.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    first, second = newcomer.post(path, data=data), again.post(path, data=data)
    assert first.status_code == 302 and second.status_code == 303 and second.location == first.location
    assert count(User, email="new@example.com") == 1


def test_a_refused_submission_leaves_its_token_for_the_corrected_one(client, auth, people):
    """The claim rolls back with the refusal: the user fixes the form and sends the same page again."""
    challenge = make_challenge(people.poster.organisation)
    db.session.commit()
    auth.login("uni@example.com")
    action = f"/challenges/{challenge.id}/questions"
    data = form_values(client.get(f"/challenges/{challenge.id}"), f'form[action="{action}"]')
    assert client.post(action, data=data | {"question": ""}).status_code == 400
    assert count(FormSubmission) == 0
    response = client.post(action, data=data | {"question": "样机测试由哪一方负责？"})
    assert response.status_code == 303 and count(ChallengeQuestion) == 1
    assert count(FormSubmission, token=data[FIELD]) == 1


def test_a_form_without_a_token_still_works_unprotected(client, auth, people):
    """A page rendered before tokens existed, or an API client: done as before (see services/submissions.py)."""
    challenge = make_challenge(people.poster.organisation)
    db.session.commit()
    auth.login("uni@example.com")
    response = client.post(f"/challenges/{challenge.id}/questions", data={"question": "样机测试由哪一方负责？"})
    assert response.status_code == 303 and count(ChallengeQuestion) == 1 and count(FormSubmission) == 0


def test_another_accounts_token_is_refused(app, client, auth, people):
    challenge = make_challenge(people.poster.organisation)
    db.session.commit()
    auth.login("uni@example.com")
    action = f"/challenges/{challenge.id}/questions"
    data = form_values(client.get(f"/challenges/{challenge.id}"), f'form[action="{action}"]') | {
        "question": "样机测试由哪一方负责？"}
    assert client.post(action, data=data).status_code == 303
    other = app.test_client()
    other.post("/auth/login", data={"email": "partner@example.com", "password": "password-123"})
    del data["csrf_token"]  # the other client sends its session's own
    response = other.post(action, data=data | {"question": "另一个问题：验收标准如何确定？"})
    assert response.status_code == 409 and submissions.OTHER_USER in response.get_data(as_text=True)
    assert count(ChallengeQuestion) == 1


@pytest.mark.parametrize("bad", ["", "short", "x" * 65, "<script>alert(1)</script>xxxxxxxx"])
def test_a_token_that_is_not_ours_counts_as_none(client, auth, people, bad):
    challenge = make_challenge(people.poster.organisation)
    db.session.commit()
    auth.login("uni@example.com")
    response = client.post(f"/challenges/{challenge.id}/questions", data={"question": "样机测试由哪一方负责？", FIELD: bad})
    assert response.status_code == 303 and count(ChallengeQuestion) == 1 and count(FormSubmission) == 0


def test_old_tokens_are_deleted_by_the_job(client, auth, people):
    challenge = make_challenge(people.poster.organisation)
    db.session.commit()
    auth.login("uni@example.com")
    action = f"/challenges/{challenge.id}/questions"
    start = clock.now()
    with time_machine.travel(start, tick=False):
        old = form_values(client.get(f"/challenges/{challenge.id}"), f'form[action="{action}"]')
        client.post(action, data=old | {"question": "旧问题：样机测试由哪一方负责？"})
    with time_machine.travel(start + timedelta(days=3), tick=False):
        auth.login("uni@example.com")  # days idle: the session ended (auth/idle.py)
        recent = form_values(client.get(f"/challenges/{challenge.id}"), f'form[action="{action}"]')
        client.post(action, data=recent | {"question": "新问题：验收标准如何确定？"})
        assert count(FormSubmission) == 2
        assert jobs.run_due_jobs()["form_submissions"] == 0  # both younger than KEEP_DAYS
    with time_machine.travel(start + timedelta(days=submissions.KEEP_DAYS + 2), tick=False):
        assert jobs.run_due_jobs()["form_submissions"] == 1
        assert [row.token for row in db.session.scalars(db.select(FormSubmission))] == [recent[FIELD]]
        assert jobs.run_due_jobs()["form_submissions"] == 0  # nothing left to delete


def test_the_pages_that_create_records_carry_a_token(client, auth, people):
    """The record-creating forms of a listing's page, for its poster and for an institution."""
    challenge = make_challenge(people.poster.organisation)
    db.session.commit()
    auth.login("uni@example.com")
    page = client.get(f"/challenges/{challenge.id}")
    assert form_values(page, f'form[action="/challenges/{challenge.id}/questions"]').get(FIELD)
    auth.logout()
    auth.login("poster@example.com")
    page = client.get(f"/challenges/{challenge.id}")
    assert form_values(page, f'form[action="/challenges/{challenge.id}/attachments"]').get(FIELD)
    # An edit form has none: a stale repeat of an edit is refused by the record's version.
    draft = make_challenge(people.poster.organisation, ChallengeState.draft)
    db.session.commit()
    assert FIELD not in form_values(client.get(f"/challenges/{draft.id}/edit"), "main form[method=post]")
