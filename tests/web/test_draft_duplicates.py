"""Issue 12: the duplicate warning appears while a challenge is a draft (not only once submitted),
and follows the draft as it is edited."""
from factories import make_challenge, make_org, make_user
from pages import first, links, text_of

from marketplace.extensions import db
from marketplace.models import Challenge, ChallengeState

SIMILAR = "section[aria-labelledby=similar-heading]"


def _copy_of(original: Challenge) -> dict:
    return dict(title=original.title + "（二期）", keywords=original.keywords, background=original.background,
                difficulty=original.difficulty, indicators=original.indicators,
                expected_outcome=original.expected_outcome)


def test_a_draft_copy_of_a_posted_listing_is_warned_as_a_likely_duplicate(client, auth, ctx):
    original = make_challenge(make_org("先发企业"))
    poster = make_org("发榜企业")
    make_user("poster@example.com", poster)
    draft = make_challenge(poster, ChallengeState.draft, **_copy_of(original))
    rival = make_challenge(make_org("另一家企业"), ChallengeState.draft, **(_copy_of(original) | {"title": "别家草稿"}))
    db.session.commit()
    auth.login("poster@example.com")
    section = first(client.get(f"/challenges/{draft.id}"), SIMILAR)
    assert section is not None
    shown = text_of(section)
    assert "可能重复的已有榜单" in shown and "提交前请确认不是重复发布" in shown
    assert original.title in shown and "疑似重复" in shown and "相似度" in shown
    assert "别家草稿" not in shown  # another company's draft stays its own (drafts are indexed, never shown)
    found = links(client.get("/search?q=液冷 冷板"))
    assert f"/challenges/{rival.id}" not in found and f"/challenges/{original.id}" in found


def test_the_warning_follows_the_draft_as_it_is_edited(client, auth, ctx):
    original = make_challenge(make_org("先发企业"))
    poster = make_org("发榜企业")
    make_user("poster@example.com", poster)
    draft = make_challenge(poster, ChallengeState.draft, title="纺织印染废水零排放回用工艺", keywords="印染废水, 回用",
                           background="印染废水排放量大。", difficulty="高盐废水的分盐结晶。",
                           indicators="回用率 ≥ 90%", expected_outcome="示范线 1 条")
    db.session.commit()
    auth.login("poster@example.com")
    before = first(client.get(f"/challenges/{draft.id}"), SIMILAR)
    assert before is None or "疑似重复" not in text_of(before)
    for field, value in _copy_of(original).items():  # the poster rewrites the draft into a copy
        setattr(draft, field, value)
    db.session.commit()
    after = first(client.get(f"/challenges/{draft.id}"), SIMILAR)
    assert after is not None and "疑似重复" in text_of(after) and original.title in text_of(after)
