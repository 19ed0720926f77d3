"""The match index (0–100 per query), the relevance cutoff, the df-based stop list and filler in reasons."""

import json

import numpy as np
import pytest
from matching_testkit import DOCS
from test_matching_cli import write_beir

from matching import IndexFileError, InvalidParameterError, Matcher
from matching import eval as meval
from matching.cutoff import recommend, rows
from matching.explain import is_filler
from matching.params import COMMON_MIN_DOCS, DEFAULT_MIN_MATCH
from matching.scoring import match_index

QUERIES = ["石墨烯 导热", "液冷服务器 数据中心 PUE", "量子", "面向制造业的大模型训练与推理平台，提供知识问答和缺陷检测。",
           "功能性纺织品：抗菌、吸湿排汗面料及智能可穿戴服装，服务器散热，石墨烯"]


def test_match_index_is_between_0_and_100_and_rises_with_the_raw_score():
    m = Matcher(min_match=0.0).fit(DOCS)
    for q in QUERIES:
        hits = m.search(q, k=len(DOCS))
        assert hits, q
        assert all(0.0 <= h.match <= 100.0 for h in hits)
        # Sorted by raw score, the index never rises: it is monotonic within a query.
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        assert all(a.match >= b.match for a, b in zip(hits, hits[1:]))
        ratios = {round(h.match / h.score, 6) for h in hits if h.match < 100}
        assert len(ratios) <= 1, (q, ratios)  # one scale factor per query: the ideal score


def test_a_document_matched_by_its_own_text_scores_near_100_whatever_the_query_length():
    m = Matcher(feedback_docs=0, min_match=0.0).fit(DOCS)
    for d in DOCS:
        own = m.search(f"{d['title']} {d['text']}", k=1)[0]
        assert own.id == d["id"] and own.match >= 90, (d["id"], own.match)
        title_only = m.search(d["title"], k=1)[0]
        assert title_only.id == d["id"] and title_only.match >= 90


def test_unrelated_hit_has_a_low_index_and_the_cutoff_drops_it():
    m = Matcher(feedback_docs=0, min_match=0.0).fit(DOCS)
    hits = {h.id: h.match for h in m.search("石墨烯导热膜用于手机散热的服务器", k=6)}
    assert hits["cap:1"] > 40 and hits.get("cap:2", 0) < hits["cap:1"]
    cut = Matcher(feedback_docs=0, min_match=40.0).fit(DOCS).search("石墨烯导热膜用于手机散热的服务器", k=6)
    assert [h.id for h in cut] == ["cap:1"]  # fewer than k: only what reaches the cutoff


def test_min_match_per_search_and_default():
    m = Matcher().fit(DOCS)
    assert m.min_match == DEFAULT_MIN_MATCH
    every = m.search("服务器 散热 石墨烯", k=6, min_match=0.0)
    strict = m.search("服务器 散热 石墨烯", k=6, min_match=60.0)
    assert len(strict) < len(every) and all(h.match >= 60 for h in strict)
    assert [h.id for h in strict] == [h.id for h in every[:len(strict)]]  # the cutoff only trims the tail
    assert m.search("服务器 散热 石墨烯", k=6, min_match=100.0) == [] or all(
        h.match == 100.0 for h in m.search("服务器 散热 石墨烯", k=6, min_match=100.0))


@pytest.mark.parametrize("bad", [-0.5, 100.01, "50", float("nan"), True])
def test_bad_min_match_per_search_is_refused(bad):
    m = Matcher().fit(DOCS)
    with pytest.raises(InvalidParameterError, match="'min_match' parameter of Matcher.search"):
        m.search("石墨烯", min_match=bad)


def test_match_index_handles_an_empty_ideal():
    assert match_index(3.0, 0.0) == 0.0
    assert list(match_index(np.array([1.0, 5.0]), 2.0)) == [50.0, 100.0]


def _corpus(n: int) -> list[dict]:
    """n documents that all say 平台 and 我司; each has a rare topic word of its own."""
    topics = ["石墨烯", "液冷", "量子", "碳化硅", "纺织", "大模型", "光伏", "氢能", "芯片", "电池"]
    return [{"id": f"d{i}", "title": f"{topics[i % len(topics)]}研究{i}",
             "text": f"我司平台提供{topics[i % len(topics)]}测试。编号{i}"} for i in range(n)]


def test_df_stop_list_holds_words_in_most_documents_and_is_saved_with_the_index(tmp_path):
    m = Matcher(feedback_docs=0).fit(_corpus(COMMON_MIN_DOCS + 10))
    assert "平台" in m.common_terms and "测试" in m.common_terms
    assert "石墨烯" not in m.common_terms  # in a tenth of the documents: a topic
    assert not m.is_reason("平台") and m.is_reason("石墨烯")
    m.save(tmp_path / "i.npz")
    assert Matcher.load(tmp_path / "i.npz").common_terms == m.common_terms
    # Fixed when fitted: adding documents does not change what is a reason until the next fit.
    m.add([{"id": "new", "title": "石墨烯", "text": "石墨烯"}])
    assert "平台" in m.common_terms


def test_no_df_stop_list_for_a_handful_of_documents():
    assert Matcher().fit(_corpus(COMMON_MIN_DOCS - 1)).common_terms == frozenset()


def test_an_index_file_of_the_previous_format_is_refused(tmp_path):
    """A version-2 file (an .npz archive with a JSON header) is refused, naming the version."""
    from matching import store

    header = {"format": store.FORMAT, "version": 2, "params": {}, "ids": [], "terms": [], "common": []}
    np.savez(tmp_path / "old.npz", header=np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8))
    with pytest.raises(IndexFileError, match="older format.*version 2"):
        Matcher.load(tmp_path / "old.npz")


@pytest.mark.parametrize("term", ["我司", "率约", "比约", "量达", "超过", "小于", "不同", "时间", "95", "10ms", "kw",
                                  "器是", "液", "公司", "余个", "集上",
                                  # general words a new user found among the demo's reasons
                                  "省内", "快速", "响应", "支撑", "大量", "运行", "自主", "国外", "研发", "示范",
                                  "利用", "多重", "落地"])
def test_the_issues_filler_and_fragments_are_never_reasons(term):
    assert is_filler(term)
    assert not Matcher().fit(DOCS).is_reason(term)


@pytest.mark.parametrize("term", ["石墨烯", "液冷", "节约", "热阻", "pue", "碳化硅", "个数", "线上", "集成"])
def test_topic_words_are_reasons(term):
    assert not is_filler(term) and Matcher().fit(DOCS).is_reason(term)


def test_cutoff_rows_and_rule():
    found = {"queries": 2, "relevant": [40.0, 12.0], "irrelevant": [3.0, 8.0, 15.0]}
    table = {r["threshold"]: r for r in rows(found, thresholds=(0, 10, 20))}
    assert table[0]["relevant_kept"] == 1.0 and table[0]["irrelevant_dropped"] == 0.0
    assert table[10]["relevant_kept"] == 1.0 and table[10]["irrelevant_dropped"] == pytest.approx(2 / 3)
    assert table[10]["precision"] == pytest.approx(2 / 3) and table[10]["listed_per_query"] == 1.5
    assert table[20]["relevant_kept"] == 0.5
    assert recommend([rows(found, thresholds=(0, 10, 20))], keep=1.0) == 10
    assert recommend([rows(found, thresholds=(0, 10, 20))], keep=0.5) == 20


def test_cutoff_table_cli(tmp_path, capsys):
    write_beir(tmp_path / "tiny")
    assert meval.main([str(tmp_path / "tiny"), "--cutoff-table", "--json"]) == 0
    out = capsys.readouterr().out
    assert "cutoff table" in out and "rule: the highest cutoff" in out
    table = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    assert table["dataset"] == "tiny" and table["cutoff"][0]["threshold"] == 0
    assert table["cutoff"][0]["relevant_kept"] == 1.0  # both queries find their document
