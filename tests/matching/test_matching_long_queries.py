"""`max_query_features`: a long query (a whole listing's text) keeps only its most telling features."""

import random

import pytest
from matching_testkit import DOCS

from matching import Matcher
from matching.params import InvalidParameterError

WORDS = ["石墨烯导热膜", "液冷服务器", "数据中心", "量子密钥分发", "碳化硅功率器件", "新能源汽车电驱", "光伏逆变器",
         "智能纺织面料", "吸湿排汗", "行业大模型", "缺陷检测", "知识问答", "锂电池隔膜", "氢燃料电池", "工业机器人"]
COMMON = "本项目围绕关键技术开展研究，形成相关成果，满足企业需求"


def corpus(n=400, seed=7):
    rng = random.Random(seed)
    return [{"id": f"d{i}", "title": rng.choice(WORDS),
             "text": COMMON + "，".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))} for i in range(n)]


LONG = COMMON * 3 + "量子密钥分发" * 2 + "，" + COMMON + "碳化硅功率器件和光伏逆变器的可靠性" + COMMON


def plan_size(m, query):
    return len(m._plan(query).features)


def test_a_short_query_is_answered_exactly_as_without_the_cap():
    docs = corpus() + DOCS
    capped, plain = Matcher(max_query_features=64).fit(docs), Matcher().fit(docs)
    for query in ("量子密钥分发", "液冷服务器 数据中心", "碳化硅"):
        assert plan_size(capped, query) <= 64
        got = [(h.id, h.score, h.terms, h.match) for h in capped.search(query, k=10, min_match=0)]
        assert got == [(h.id, h.score, h.terms, h.match) for h in plain.search(query, k=10, min_match=0)]


def test_a_long_query_scores_with_its_most_telling_features_only():
    docs = corpus()
    capped, plain = Matcher(max_query_features=8, feedback_docs=0).fit(docs), Matcher(feedback_docs=0).fit(docs)
    assert plan_size(plain, LONG) > 8
    hits = capped.search(LONG, k=20, min_match=0)
    used = {term for h in hits for term, _ in h.terms}
    # The rare, specific words decide; the boilerplate every document shares is dropped.
    assert hits and "量子密钥分发" in dict(hits[0].terms)
    assert "量子密钥分发" in dict(plain.search(LONG, k=1, min_match=0)[0].terms)
    assert "本项目" not in used and "关键技术" not in used
    assert len(used) <= 8 < len({term for h in plain.search(LONG, k=20, min_match=0) for term, _ in h.terms})
    # The match index is measured against what the capped query can score.
    assert all(0 <= h.match <= 100 for h in hits)


def test_the_setting_is_checked_and_saved(tmp_path):
    with pytest.raises(InvalidParameterError):
        Matcher(max_query_features=0).fit(DOCS)
    m = Matcher(max_query_features=32).fit(corpus(50))
    m.save(tmp_path / "m.idx")
    loaded = Matcher.load(tmp_path / "m.idx")
    assert loaded.max_query_features == 32
    assert [h.id for h in loaded.search(LONG, k=5, min_match=0)] == [h.id for h in m.search(LONG, k=5, min_match=0)]
