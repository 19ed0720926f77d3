"""Recommendation feedback only from those shown the recommendation, once each, rate-limited, and an
export that copies no text its judges could not see; the duplicate check shows no hidden words."""
import json

import pytest
from factories import make_challenge, make_expert, make_org, make_proposal, make_user
from pages import select, text_of, texts

from marketplace.extensions import db
from marketplace.models import Capability, ChallengeState, OrgType, RecommendationEvent, Visibility
from marketplace.services import recommend_feedback
from marketplace.services.chains import chain_by_code

HIDDEN = "两相浸没冷却液配方与相变温控"  # only in the summary-only listing's hidden parts
SECRET_PLAN = "秘密的微通道拓扑方案细节"


@pytest.fixture
def world(ctx):
    poster = make_org("发榜企业")
    make_user("poster@example.com", poster)
    outsider = make_user("other@example.com", make_org("无关企业"))
    cooling = make_org("传热研究院", type=OrgType.institute)
    make_user("cooling@example.com", cooling)
    db.session.add(Capability(organisation=cooling, chains=[chain_by_code("ai")], title="液冷冷板散热技术",
                              description="微通道冷板 液冷 散热 热阻", direction="", keywords=""))
    challenge = make_challenge(poster, ChallengeState.published, title="液冷冷板散热系统研制", keywords="液冷, 冷板, 散热")
    proposal = make_proposal(challenge, cooling, technical_plan=SECRET_PLAN)
    expert = make_expert("expert@example.com")
    draft = make_challenge(poster, ChallengeState.draft, title="液冷冷板散热系统二期", keywords="液冷, 冷板, 散热",
                           background="机柜散热", difficulty=HIDDEN, indicators="热阻低", expected_outcome="样机")
    rival = make_challenge(make_org("竞争企业"), ChallengeState.published, title="液冷冷板散热改造", keywords="液冷, 冷板",
                           background=HIDDEN, difficulty=HIDDEN, indicators=HIDDEN, expected_outcome="样机",
                           visibility=Visibility.summary)
    db.session.commit()
    return dict(challenge=challenge.id, cooling=cooling.id, proposal=proposal.id, expert=expert.id, draft=draft.id,
                rival=rival.id, outsider=outsider.id, poster=poster.id)


def _post(client, context, query_id, doc_id, kind="useful", **extra):
    return client.post("/recommendations/feedback", data={"context": context, "query_id": query_id,
                                                          "doc_id": doc_id, "kind": kind, "rank": "1", "score": "2.5",
                                                          **extra})


def _events():
    return db.session.scalars(db.select(RecommendationEvent).order_by(RecommendationEvent.id)).all()


def test_feedback_on_a_recommendation_not_shown_to_the_user_is_refused(client, auth, world):
    auth.login("other@example.com")
    forged = [("challenge_institutions", f"ch:{world['challenge']}", f"org:{world['cooling']}"),
              ("reviewers", f"prop:{world['proposal']}", f"exp:{world['expert']}"),
              ("similar_challenges", f"ch:{world['draft']}", f"ch:{world['rival']}"),
              ("institution_challenges", f"org:{world['cooling']}", f"ch:{world['challenge']}")]
    for context, query_id, doc_id in forged:
        response = _post(client, context, query_id, doc_id)
        assert response.status_code == 403, (context, response.status_code)
        assert "不能评价" in response.get_data(as_text=True)
    for bad in [("challenge_institutions", "ch:abc", "org:1"), ("nope", "ch:1", "org:1"),
                ("challenge_institutions", f"ch:{2**70}", f"org:{world['cooling']}")]:
        assert _post(client, *bad).status_code in (400, 403)
    assert _post(client, "challenge_institutions", f"ch:{world['challenge']}", f"org:{world['cooling']}",
                 kind="selected").status_code == 400  # actions are recorded by the actions themselves
    assert _events() == []


def test_the_poster_and_the_institution_may_judge_what_they_were_shown_once(client, auth, world):
    auth.login("poster@example.com")
    pairing = ("challenge_institutions", f"ch:{world['challenge']}", f"org:{world['cooling']}")
    for _ in range(3):
        assert _post(client, *pairing).status_code == 303
    assert [(e.kind, e.chain_id) for e in _events()] == [("useful", chain_by_code("ai").id)]
    assert _post(client, *pairing, kind="not_useful", chain_id="999").status_code == 303  # a change of mind
    assert [(e.kind, e.chain_id) for e in _events()] == [("not_useful", chain_by_code("ai").id)]
    auth.logout()
    auth.login("cooling@example.com")
    own, others = f"org:{world['cooling']}", f"org:{world['poster']}"
    assert _post(client, "institution_challenges", own, f"ch:{world['challenge']}").status_code == 303
    assert _post(client, "institution_challenges", others, f"ch:{world['challenge']}").status_code == 403
    assert len(_events()) == 2


def test_a_flood_of_feedback_is_rate_limited(client, auth, world):
    auth.login("poster@example.com")
    pairing = ("challenge_institutions", f"ch:{world['challenge']}", f"org:{world['cooling']}")
    statuses = [_post(client, *pairing, kind=("useful", "not_useful")[i % 2]).status_code for i in range(40)]
    assert 429 in statuses and statuses.count(303) <= 30
    assert len(_events()) == 1


def test_export_copies_no_text_from_forged_or_hidden_judgements(app, client, auth, world, tmp_path, runner):
    from marketplace.models import User

    # Stored the way the old route stored anything posted: an outsider naming someone's proposal.
    recommend_feedback.record(db.session.get(User, world["outsider"]), "reviewers", f"prop:{world['proposal']}",
                              f"exp:{world['expert']}", "useful", None)
    db.session.commit()
    auth.login("poster@example.com")  # sees the rival listing only as a summary: may judge it as such
    assert _post(client, "similar_challenges", f"ch:{world['draft']}", f"ch:{world['rival']}").status_code == 303
    folder = tmp_path / "beir"
    result = runner.invoke(args=["export-feedback", str(folder)])
    assert result.exit_code == 0, result.output
    exported = "".join((folder / name).read_text(encoding="utf-8")
                       for name in ("corpus.jsonl", "queries.jsonl", "qrels.tsv"))
    assert SECRET_PLAN not in exported and f"prop:{world['proposal']}" not in exported
    corpus = {d["_id"]: d for d in map(json.loads, (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines())}
    rival = corpus[f"ch:{world['rival']}"]
    assert rival["title"] == "液冷冷板散热改造" and "液冷" in rival["text"] and HIDDEN not in rival["text"]


def _shared_words(response, title: str) -> set[str]:
    """The words highlighted as shared with `title` in the page's panel of similar listings."""
    items = select(response, 'section[aria-labelledby="similar-heading"] li')
    [item] = [li for li in items if text_of(li, "a") == title]
    return set(texts(item, "mark"))


def test_duplicate_check_shows_only_public_words_of_a_summary_only_listing(client, auth, world):
    auth.login("poster@example.com")
    words = _shared_words(client.get(f"/challenges/{world['draft']}"), "液冷冷板散热改造")
    public = "液冷冷板散热改造 液冷, 冷板"  # its title and keywords: what a summary shows
    assert words and all(word in public for word in words), words
    assert not any(word in HIDDEN for word in words)


def test_duplicate_check_shows_all_shared_words_to_who_sees_the_listing_in_full(client, auth, world):
    make_user("chain-ai@example.com", make_org("经信局", type=OrgType.government), admin_chain=chain_by_code("ai"))
    db.session.commit()
    from marketplace.models import Challenge

    db.session.get(Challenge, world["draft"]).state = ChallengeState.submitted
    db.session.commit()
    auth.login("chain-ai@example.com")
    words = _shared_words(client.get(f"/challenges/{world['draft']}"), "液冷冷板散热改造")
    assert any(word in HIDDEN for word in words), words  # the lead department reads the listing in full
