"""The same form sent many times at the same moment (a frantic double click, two tabs restored at
once): one record, and every answer sends the user to it. On PostgreSQL this is the race of
separate workers: each request in its own thread, session and connection (races.together)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from factories import make_challenge
from pages import form_values
from races import _clients, together, world

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Capability, Challenge, ChallengeQuestion, FormSubmission
from marketplace.services.chains import chain_by_code

COUNT = 8


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def fire_same_form(app, email: str, page: str, css: str, url: str, fields: dict) -> list:
    """COUNT posts of one rendering of the form (one token), released together; their answers."""
    clients, csrf = _clients(app, email, COUNT)
    data = form_values(clients[0].get(page), css) | fields | {"csrf_token": csrf}
    answers: list = [None] * COUNT
    together(COUNT, lambda i: answers.__setitem__(i, clients[i].post(url, data=data)))
    db.session.expire_all()
    return answers


def assert_all_sent_to_one(answers) -> None:
    statuses = [answer.status_code for answer in answers]
    assert all(status in (302, 303) for status in statuses), statuses  # no 409, no 500: the token decided
    assert len({answer.location for answer in answers}) == 1


@pytest.mark.timeout(300)
def test_one_question_from_simultaneous_posts_of_one_form(app, ctx):
    poster, uni, experts = world()
    challenge = make_challenge(poster)
    db.session.commit()
    answers = fire_same_form(app, "uni@example.com", f"/challenges/{challenge.id}",
                             f'form[action="/challenges/{challenge.id}/questions"]',
                             f"/challenges/{challenge.id}/questions", {"question": "样机测试由哪一方负责？"})
    assert_all_sent_to_one(answers)
    assert count(ChallengeQuestion) == 1 and count(FormSubmission) == 1


@pytest.mark.timeout(300)
def test_one_challenge_from_simultaneous_posts_of_one_form(app, ctx):
    world()
    db.session.commit()
    fields = {"title": "碳化硅衬底微管缺陷控制", "chain_id": str(chain_by_code("materials").id), "mode": "open_call",
              "background": "衬底依赖进口。", "budget_wan": "600", "period_months": "24", "keywords": "碳化硅, 衬底",
              "deadline": (clock.today() + timedelta(days=40)).isoformat(), "ip_terms": "joint",
              "visibility": "public", "contact_name": "王工", "contact_phone": "027-88888888"}
    answers = fire_same_form(app, "poster@example.com", "/challenges/new", "main form[method=post]",
                             "/challenges/new", fields)
    assert_all_sent_to_one(answers)
    assert count(Challenge) == 1
    assert answers[0].location.endswith(f"/challenges/{db.session.scalar(db.select(Challenge.id))}")


@pytest.mark.timeout(300)
def test_one_capability_from_simultaneous_posts_of_one_form(app, ctx):
    world()
    db.session.commit()
    fields = {"title": "碳化硅单晶生长与缺陷控制", "direction": "宽禁带半导体衬底", "team_lead": "李卫东 教授",
              "team_size": "25", "description": "掌握物理气相传输法生长 8 英寸碳化硅单晶。", "keywords": "碳化硅，衬底",
              "chain_ids": [str(chain_by_code("materials").id)]}
    answers = fire_same_form(app, "uni@example.com", "/capabilities/new", "main form[method=post]",
                             "/capabilities/new", fields)
    assert_all_sent_to_one(answers)
    assert count(Capability) == 1
