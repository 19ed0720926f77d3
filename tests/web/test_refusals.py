"""A service refusal on every state-changing route is answered with a 4xx, never a 500 nor a redirect.

For every rule of the URL map that accepts POST there is a case here (`CASES`, keyed by the rule; a
test fails when a POST route is added without one). Each case builds a world in which the service
refuses the request: most perform the action once, successfully, and then again, when the state no
longer allows it (the concurrency harness's scenarios, `race_scenarios_*.py`, reused); others post as
the wrong actor. The refused request must answer 4xx with the service's Chinese message in the page,
and leave every table as it was.

A few services refuse only what their route has already refused (a guard or a form's choices run
first): there the service is made to refuse as it would in a race between the route's check and its
own (`Refusal.forced`), so that the route's handling of it is still tested.
"""
from __future__ import annotations

import html
import sys

import pytest
from factories import PASSWORD, make_challenge
from races import S, world
from refusal_cases import CASES, NO_REFUSAL, challenge_edit_stale
from refusals_kit import UNTRACKED_TABLES

from marketplace.extensions import db
from marketplace.services.errors import ServiceError


def post_rules(app) -> set[str]:
    return {rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def test_every_post_route_has_a_refusal_case(app):
    """A new POST route fails here until it has a case (or a reason in NO_REFUSAL)."""
    rules = post_rules(app)
    assert not set(CASES) & set(NO_REFUSAL)
    assert rules - set(CASES) - set(NO_REFUSAL) == set(), "POST routes with no refusal case"
    assert (set(CASES) | set(NO_REFUSAL)) - rules == set(), "cases for routes that no longer exist"


# ----- the test ----------------------------------------------------------------------------------

def snapshot() -> dict[str, list[str]]:
    """Every row of every table: "nothing was written" is this unchanged."""
    db.session.commit()  # a fresh transaction: see what the requests committed
    return {table.name: sorted(repr(tuple(row)) for row in db.session.execute(table.select()))
            for table in db.metadata.sorted_tables if table.name not in UNTRACKED_TABLES}


SERVICE_PACKAGES = ("marketplace.services.", "marketplace.notifications.")


def record_refusals(monkeypatch) -> list[ServiceError]:
    """Every ServiceError a service (a module of marketplace.services, or the notifications package's,
    which owns the inbox) raises from now on, in order."""
    raised = []
    original = ServiceError.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if sys._getframe(1).f_globals.get("__name__", "").startswith(SERVICE_PACKAGES):
            raised.append(self)

    monkeypatch.setattr(ServiceError, "__init__", init)
    return raised


def client_of(app, email: str | None):
    client = app.test_client()
    if email is not None:
        response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, f"login of {email} failed"
    return client


@pytest.mark.parametrize("rule", sorted(CASES), ids=lambda rule: CASES[rule].__name__)
def test_a_refusal_is_a_4xx_with_its_message_and_writes_nothing(app, ctx, monkeypatch, rule):
    refusal = CASES[rule](*world())
    db.session.commit()
    adapter = app.url_map.bind("localhost")
    assert adapter.match(refusal.url.split("?")[0], method="POST", return_rule=True)[0].rule == rule
    client = client_of(app, refusal.actor)
    if refusal.first:
        response = client.post(refusal.url, data=refusal.payload())
        # a redirect, or (a new invitation) the page with its link
        assert response.status_code in (200, 302, 303), (response.status_code, response.get_data(as_text=True)[:2000])
    if refusal.forced:
        module, name, error = refusal.forced

        def refuse(*args, **kwargs):
            raise error

        monkeypatch.setattr(f"{module}.{name}", refuse)
    before = snapshot()
    raised = record_refusals(monkeypatch)

    response = client.post(refusal.url, data=refusal.payload())

    page = html.unescape(response.get_data(as_text=True))
    assert 400 <= response.status_code < 500, (response.status_code, page[:2000])
    if refusal.status:
        assert response.status_code == refusal.status, (response.status_code, page[:2000])
    if refusal.forced:
        message = refusal.forced[2].message
        assert response.status_code == refusal.forced[2].status
    else:
        assert raised, (f"no service refused: the answer came from elsewhere ({response.status_code})",
                        page[page.find("<main"):][:1500])
        message = refusal.message or raised[0].message
        if refusal.message is None:
            assert response.status_code == raised[0].status
    assert message in page, (message, page[:3000])
    monkeypatch.undo()  # the recorder off before reading the database back
    assert snapshot() == before, "a refused request wrote to the database"


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_a_refusal_without_a_form_page_links_back_or_answers_a_problem(app, ctx, accept):
    """The global handler's answer: the message, the status and a link back to where the route sends
    the user (here the challenge's page); for a JSON client, RFC 9457 problem details."""
    poster, uni, experts = world()
    challenge = make_challenge(poster, S.draft)
    db.session.commit()
    client = client_of(app, "poster@example.com")
    assert client.post(f"/challenges/{challenge.id}/submit").status_code == 303
    response = client.post(f"/challenges/{challenge.id}/submit", headers={"Accept": accept})
    assert response.status_code == 409
    if accept == "application/json":
        assert response.mimetype == "application/problem+json"
        problem = response.get_json()
        assert set(problem) == {"type", "title", "status", "detail"}
        assert (problem["type"], problem["title"], problem["status"]) == ("about:blank", "Conflict", 409)
        assert "榜单" in problem["detail"]
    else:
        page = response.get_data(as_text=True)
        assert "409" in page and '<div class="alert alert-danger" role="alert">' in page
        assert f'<a href="/challenges/{challenge.id}">返回上一页</a>' in page


def test_a_refusal_on_a_form_page_keeps_the_input(app, ctx):
    """The form page again, not an error page: what the user typed is still there, with the reason."""
    poster, uni, experts = world()
    refusal = challenge_edit_stale(poster, uni, experts)
    db.session.commit()
    client = client_of(app, refusal.actor)
    assert client.post(refusal.url, data=refusal.payload()).status_code == 302
    typed = refusal.payload() | {"background": "衬底依赖进口，良率受微管缺陷制约。"}
    response = client.post(refusal.url, data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "该榜单已被他人修改" in page
    assert "衬底依赖进口，良率受微管缺陷制约。" in page and 'name="title"' in page
