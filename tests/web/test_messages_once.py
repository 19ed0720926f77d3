"""Each refusal is said once next to its field (plus its entry in the error summary above the form),
never again in a banner, and never not at all."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from factories import make_chain_admin, make_challenge, make_org, make_proposal, make_user
from marketplace import clock
from marketplace.extensions import db
from marketplace.models import ChallengeState, Milestone, OrgType, Project, ProposalState

S = ChallengeState


@pytest.fixture
def world(ctx):
    poster = make_org("发榜企业")
    make_user("owner@example.com", poster)
    uni = make_org("华楚理工大学", type=OrgType.university)
    make_user("uni@example.com", uni)
    make_chain_admin("chain-ai@example.com", "ai")
    submitted = make_challenge(poster, S.submitted, title="待审榜单")
    published = make_challenge(poster, S.published)
    awarded = make_challenge(poster, S.awarded, title="已立项榜单")
    project = Project(challenge=awarded, proposal=make_proposal(awarded, uni, ProposalState.selected),
                      organisation_id=uni.id, funding_wan=Decimal("450"), start_date=clock.today(),
                      end_date=clock.today() + timedelta(days=700), task_book="研制冷板。",
                      milestones=[Milestone(seq=1, title="样机", due_date=clock.today() + timedelta(days=60))])
    db.session.add(project)
    db.session.commit()
    return {"submitted": submitted.id, "published": published.id, "project": project.id}


def split(html: str) -> tuple[str, str]:
    """(the error summary at the top of the form, the rest of the page)."""
    pattern = r'<div class="alert alert-danger error-summary".*?</ul>\s*</div>'
    summary = "".join(re.findall(pattern, html, flags=re.S))
    return summary, re.sub(pattern, "", html, flags=re.S)


def assert_once(response, message: str, summary_entries: int = 1) -> None:
    summary, rest = split(response.get_data(as_text=True))
    assert response.status_code == 400
    assert rest.count(message) == 1, rest.count(message)      # next to the field only, no banner
    assert summary.count(message) == summary_entries


@pytest.mark.parametrize("who, action, message", [
    ("chain-ai@example.com", "return", "请填写原因。"),
    ("owner@example.com", "withdraw", "请填写原因。"),
])
def test_empty_reason_is_said_once(client, auth, world, who, action, message):
    """Regression: an empty 退回修改 reason showed "请填写原因。" twice (a banner and the field)."""
    auth.login(who)
    response = client.post(f"/challenges/{world['submitted']}/{action}", data={"reason": " "})
    assert_once(response, message)
    assert f'id="{action}-reason-error"' in response.get_data(as_text=True)


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
