"""Script payloads in every text field of challenges and listings stay escaped wherever shown."""
import pytest
from factories import make_chain_admin, make_challenge, make_org, make_platform_admin, make_user

from marketplace.extensions import db
from marketplace.models import Achievement, Capability, ChallengeQuestion, ChallengeRevision, ChallengeState, OrgType
from marketplace.services.chains import chain_by_code

P = '<script>alert(1)</script>'


@pytest.fixture
def world(ctx):
    org = make_org(P + "企业")
    make_user("owner@example.com", org)
    uni = make_org(P + "大学", type=OrgType.university)
    make_user("uni@example.com", uni)
    make_chain_admin("chain-ai@example.com", "ai")
    make_platform_admin("root@example.com")
    text = {name: P + name for name in ("title", "background", "difficulty", "indicators", "expected_outcome",
                                         "conditions", "keywords", "contact_name")}
    text["contact_phone"] = P  # the column holds 32 characters
    published = make_challenge(org, ChallengeState.published, **text)
    submitted = make_challenge(org, ChallengeState.submitted, **text)
    returned = make_challenge(org, ChallengeState.returned, return_reason=P, **text)
    db.session.add(ChallengeQuestion(challenge=published, question=P + "问", answer=P + "答"))
    db.session.add(ChallengeRevision(challenge=published, version=2, changes={"title": [P, P + "新"]}))
    capability = Capability(organisation=uni, chains=[chain_by_code("ai")], **{
        n: P + n for n in ("title", "direction", "description", "team_lead", "notable_members", "facilities",
                           "results", "keywords")})
    achievement = Achievement(organisation=uni, chain=chain_by_code("ai"), trl=5,
                              contact_phone=P, **{n: P + n for n in ("title", "summary", "ip", "contact_name")})
    db.session.add_all([capability, achievement])
    db.session.commit()
    return {"published": published.id, "submitted": submitted.id, "returned": returned.id,
            "capability": capability.id, "achievement": achievement.id, "org": org.id}


PAGES = [
    (None, "/challenges/"), (None, "/challenges/?q=title"), (None, "/challenges/{published}"),
    (None, "/capabilities/"), (None, "/capabilities/{capability}"), (None, "/achievements/"),
    (None, "/achievements/{achievement}"), (None, "/search?q=title+summary+direction"), (None, "/chains/ai"),
    (None, "/orgs/{org}"), ("owner@example.com", "/challenges/mine"), ("owner@example.com", "/challenges/{returned}"),
    ("owner@example.com", "/challenges/{returned}/edit"), ("chain-ai@example.com", "/challenges/review"),
    ("chain-ai@example.com", "/challenges/{submitted}"), ("root@example.com", "/challenges/{published}"),
    ("uni@example.com", "/capabilities/{capability}/edit"),
]


@pytest.mark.parametrize("who, page", PAGES)
def test_payloads_escaped(client, auth, world, who, page):
    if who:
        auth.login(who)
    response = client.get(page.format(**world))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html


def test_confirmation_prompts_escape_names(client, auth, world):
    auth.login("owner@example.com")
    html = client.get(f"/challenges/{world['published']}").get_data(as_text=True)
    assert "data-confirm" in html and "<script>alert(1)" not in html
