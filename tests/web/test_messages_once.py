"""Each refusal is said once next to its field (plus its entry in the error summary above the form),
never again in a banner, and never not at all."""
from datetime import timedelta

import pytest
from factories import make_chain_admin, make_challenge, make_poster_and_university, make_project, make_proposal
from pages import flash_messages, text_of, texts, without

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import ChallengeState, Milestone, ProposalState

S = ChallengeState


@pytest.fixture
def world(ctx):
    poster, uni = make_poster_and_university("owner@example.com")
    make_chain_admin("chain-ai@example.com", "ai")
    submitted = make_challenge(poster, S.submitted, title="待审榜单")
    published = make_challenge(poster, S.published)
    awarded = make_challenge(poster, S.awarded, title="已立项榜单")
    project = make_project(make_proposal(awarded, uni, ProposalState.selected),
                           [Milestone(seq=1, title="样机", due_date=clock.today() + timedelta(days=60))],
                           task_book="研制冷板。")
    db.session.commit()
    return {"submitted": submitted.id, "published": published.id, "project": project.id}


def assert_once(response, message: str, summary_entries: int = 1) -> None:
    assert response.status_code == 400
    rest = text_of(without(response, "[data-error-summary]"))
    assert rest.count(message) == 1, rest.count(message)      # next to the field only…
    assert not [banner for banner in flash_messages(response) if message in banner]  # …in no banner
    assert sum(summary.count(message) for summary in texts(response, "[data-error-summary]")) == summary_entries


@pytest.mark.parametrize("who, action, message", [
    ("chain-ai@example.com", "return", "请填写原因。"),
    ("owner@example.com", "withdraw", "请填写原因。"),
])
def test_empty_reason_is_said_once(client, auth, world, who, action, message):
    """Regression: an empty 退回修改 reason showed "请填写原因。" twice (a banner and the field)."""
    auth.login(who)
    response = client.post(f"/challenges/{world['submitted']}/{action}", data={"reason": " "})
    assert_once(response, message)
    assert message in text_of(response, f"#{action}-reason-error")  # the one place it is said


def test_empty_question_is_said_once(client, auth, world):
    """Regression: "请填写问题内容（不超过 2000 字）。" in a banner plus "请填写问题内容。" at the field."""
    auth.login("uni@example.com")
    response = client.post(f"/challenges/{world['published']}/questions", data={"question": ""})
    assert_once(response, "请填写问题内容")


def test_service_refusal_at_a_field_is_said_once(client, auth, world):
    """A rule the service checks (rubric weights) lands at its field, not also in a banner."""
    auth.login("chain-ai@example.com")
    response = client.post(f"/challenges/{world['published']}/rubric", data={"rubric": "技术先进性 50\n可行性 40"})
    assert_once(response, "权重合计应为 100，当前为 90。")


def test_empty_reason_to_terminate_a_project_says_why(client, auth, world):
    """Regression: an empty 终止原因 was refused (400) with no message at all."""
    auth.login("chain-ai@example.com")
    response = client.post(f"/projects/{world['project']}/terminate", data={"reason": ""})
    assert response.status_code == 400 and response.get_data(as_text=True).count("请填写原因。") == 1
