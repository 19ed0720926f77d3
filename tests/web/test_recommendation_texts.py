"""Explanations read a hit's text from a few columns (recommend/items.TEXT_COLUMNS), not from its object:
those columns must make exactly the text the index was built from, or a reason would be checked against
the wrong words."""
from factories import make_challenge, make_expert, make_org

from marketplace.extensions import db
from marketplace.models import Achievement, Capability, ChallengeState, OrgType
from marketplace.services.chains import chain_by_code
from marketplace.services.match_index import TEXTS
from marketplace.services.recommend.items import MODELS, TEXT_COLUMNS, load_texts


def test_text_columns_make_the_indexed_text_of_every_kind(ctx):
    """Does each kind's row of TEXT_COLUMNS give match_index.TEXTS the same text as the object does?"""
    lab = make_org("传热研究院", type=OrgType.institute)
    challenge = make_challenge(make_org("发榜企业"), ChallengeState.published, title="液冷冷板散热系统研制",
                               keywords="液冷, 冷板", background="机柜功率密度上升", difficulty="热阻低于0.05",
                               indicators="PUE 1.15", expected_outcome="样机一套")
    capability = Capability(organisation=lab, chains=[chain_by_code("ai")], title="微通道冷板", keywords="冷板",
                            direction="两相冷却", description="微通道 液冷 散热", facilities="风洞", results="专利三项")
    achievement = Achievement(organisation=lab, chain=chain_by_code("ai"), title="浸没式液冷机柜", summary="单相浸没",
                              ip="发明专利")
    db.session.add_all([capability, achievement])
    expert = make_expert("expert@example.com")
    expert.expert_title = "研究员"
    db.session.commit()
    objects = {"ch": challenge, "cap": capability, "ach": achievement, "exp": expert}
    assert set(objects) == set(TEXT_COLUMNS) == set(MODELS)
    rows = load_texts(f"{kind}:{obj.id}" for kind, obj in objects.items())
    for kind, obj in objects.items():
        row = rows[f"{kind}:{obj.id}"]
        assert TEXTS[kind](row) == TEXTS[kind](obj), kind
        assert (row.id, row.organisation_id) == (obj.id, obj.organisation_id)
    assert "PUE 1.15" in TEXTS["ch"](rows[f"ch:{challenge.id}"])[1]
