"""Behaviour of Matcher on tiny hand-checked corpora."""

import pytest
from matching_testkit import DOCS, ENGLISH

from matching import Hit, Matcher, NotFittedError


@pytest.fixture(scope="module")
def m():
    return Matcher().fit(DOCS)


@pytest.mark.parametrize("query,best", [
    ("石墨烯散热膜", "cap:1"), ("数据中心液冷 PUE", "cap:2"), ("量子密钥分发", "cap:3"),
    ("碳化硅功率模块", "cap:4"), ("抗菌面料", "cap:5"), ("制造业大模型", "cap:6"), ("ＧＰＵ算力", "cap:2"),
])
def test_best_document_first(m, query, best):
    hits = m.search(query, k=3)
    assert hits[0].id == best
    assert all(isinstance(h, Hit) for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_terms_are_readable_words_that_sum_to_the_score(m):
    hit = m.search("石墨烯导热性能", k=1)[0]
    words = [t for t, _ in hit.terms]
    assert words[:2] == ["石墨烯", "导热性能"] or set(words[:2]) == {"石墨烯", "导热性能"}
    assert all("\x1f" not in t and len(t) >= 1 for t in words)
    assert [c for _, c in hit.terms] == sorted((c for _, c in hit.terms), reverse=True)
    assert sum(c for _, c in hit.terms) == pytest.approx(hit.score, rel=1e-5)


def test_english_ranking_by_hand():
    m = Matcher(tokenizer=str.split, use_stopwords=False, feedback_docs=0).fit(ENGLISH)
    assert [h.id for h in m.search("apple", k=10)] == ["d", "a"]  # shorter doc, same idf: d first
    assert [h.id for h in m.search("cherry", k=10)] == ["b", "c"]
    hit = m.search("apple cherry", k=1)[0]
    assert {t for t, _ in hit.terms} <= {"apple", "cherry"}


def test_unfitted_and_bad_k():
    with pytest.raises(NotFittedError, match="fit"):
        Matcher().search("石墨烯")
    m = Matcher().fit(DOCS)
    for k in (0, -1, 1.5, None):
        with pytest.raises(ValueError):
            m.search("石墨烯", k=k)


@pytest.mark.parametrize("query", ["", "   ", "，。！？", "😀🎉", "\n\t", "的了和"])
def test_empty_queries_return_nothing(m, query):
    assert m.search(query) == []


def test_add_remove_and_replace():
    m = Matcher().fit(DOCS)
    m.add([{"id": "cap:7", "title": "氮化镓射频芯片", "text": "GaN射频前端芯片用于5G基站。"}])
    assert m.search("氮化镓", k=1)[0].id == "cap:7"
    assert len(m) == 7 and "cap:7" in m
    m.add([{"id": "cap:7", "title": "钠离子电池", "text": "钠离子电池正极材料。"}])  # edit
    assert m.search("氮化镓") == [] and m.search("钠离子电池", k=1)[0].id == "cap:7"
    assert len(m) == 7
    assert m.remove(["cap:1", "nope"]) == 1
    assert "cap:1" not in m and all(h.id != "cap:1" for h in m.search("石墨烯导热", k=10))
    assert m.ids == ["cap:2", "cap:3", "cap:4", "cap:5", "cap:6", "cap:7"]


def test_add_on_unfitted_fits():
    m = Matcher().add(DOCS[:2])
    assert len(m) == 2


def test_filter_before_top_k(m):
    all_hits = m.search("芯片 模块 网络 平台", k=10)
    assert len(all_hits) >= 2
    hidden = all_hits[0].id
    allowed = {h.id for h in all_hits[1:]}
    got = m.search("芯片 模块 网络 平台", k=len(allowed), filter=allowed)
    assert {h.id for h in got} == allowed  # the hidden one did not take a slot
    got2 = m.search("芯片 模块 网络 平台", k=len(allowed), filter=lambda i: i != hidden)
    assert [h.id for h in got2] == [h.id for h in all_hits[1:]][: len(allowed)]
    assert m.search("石墨烯", filter=set()) == []


def test_container_protocol_and_explain(m):
    assert len(m) == 6 and "cap:3" in m and "cap:99" not in m
    assert m.ids == [d["id"] for d in DOCS]
    terms = m.explain("量子密钥分发网络", "cap:3")
    assert terms and terms[0][0] in {"量子密钥分发", "网络"}
    with pytest.raises(KeyError):
        m.explain("x", "missing")


def test_deterministic():
    a = [[(h.id, h.score, h.terms) for h in Matcher().fit(DOCS).search(q, k=6)] for q in ["芯片", "服务器 网络"]]
    b = [[(h.id, h.score, h.terms) for h in Matcher().fit(DOCS).search(q, k=6)] for q in ["芯片", "服务器 网络"]]
    assert a == b


def test_search_many(m):
    out = m.search_many(["石墨烯", "量子"], k=2)
    assert [hits[0].id for hits in out] == ["cap:1", "cap:3"]


def test_constructor_only_stores_settings():
    m = Matcher(k1=2.0, tokenizer=str.split)
    assert m.get_params()["k1"] == 2.0 and not hasattr(m, "index_") and len(m) == 0


def test_duplicate_ids_in_fit_rejected():
    with pytest.raises(ValueError):
        Matcher().fit([DOCS[0], DOCS[0]])
    with pytest.raises(ValueError):
        Matcher().fit([{"text": "no id"}])
