"""The fast sparse scoring equals a slow computation straight from the formulas."""

import math
import random
from collections import Counter

import numpy as np
import pytest
from matching_testkit import DOCS, ENGLISH

from matching import Matcher
from matching.scoring import reference_bm25_scores
from matching.tokenize import BIGRAM_PREFIX

SENTS = [d["text"] for d in DOCS] + [
    "研究了碳纤维复合材料的力学性能与界面结合。", "提出一种基于深度学习的图像识别算法。",
    "污水处理厂节能降耗的运行优化。", "变频空调压缩机的控制策略。", "纳米材料在锂离子电池负极中的应用。",
]


def corpus(n=40, seed=3):
    rng = random.Random(seed)
    return [{"id": f"d{i}", "title": rng.choice(["", "石墨烯", "量子通信", "大模型平台"]),
             "text": "".join(rng.sample(SENTS, rng.randint(1, 4)))} for i in range(n)]


def features(m, doc):
    """Weighted term frequencies and lengths of a document, from the analyzer, by hand."""
    an = m._analyzer()
    c, dl = Counter(), [0.0, 0.0]
    for field, weight in (("text", 1.0), ("title", m.title_weight)):
        words, grams = an.analyze(doc.get(field) or "")
        for f in words + grams:
            c[f] += weight
        dl[0] += weight * len(words)
        dl[1] += weight * len(grams)
    return dict(c), tuple(dl)


def query_features(m, q):
    an = m._analyzer()
    words, grams = an.analyze(q)
    return dict(Counter(words + grams))


def slow_feedback(m, docs, feats, lens, qf):
    """First pass, RM3-style expansion from the top documents, second pass: all in plain loops."""
    w = m._bm25_params()
    s1 = reference_bm25_scores(feats, lens, qf, w)
    n = len(docs)
    order = sorted(range(n), key=lambda i: (-s1[i], i))
    top = [i for i in order[: m.feedback_docs] if s1[i] > 0]
    if not top:
        return s1
    avg = sum(length[0] for length in lens) / n
    df = Counter(t for f in feats for t in f if not t.startswith(BIGRAM_PREFIX))
    acc = Counter()
    for i in top:
        k = w.k1[0] * (1 - w.b[0] + w.b[0] * lens[i][0] / avg)
        wts = {t: tf / (tf + k) * math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
               for t, tf in feats[i].items()
               if not t.startswith(BIGRAM_PREFIX) and 2 <= df[t] <= m.feedback_max_df * n}
        total = sum(wts.values())
        for t, v in wts.items():
            acc[t] += v / total * s1[i] / s1[top[0]]
    best = max(acc.values())
    s = list(s1)
    for t, a in acc.items():
        qw = m.feedback_weight * a / best
        for i in range(n):
            tf = feats[i].get(t, 0.0)
            if tf:
                k = w.k1[0] * (1 - w.b[0] + w.b[0] * lens[i][0] / avg)
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                s[i] += qw * idf * tf * (w.k1[0] + 1) / (tf + k)
    return s


QUERIES = ["石墨烯复合材料力学性能", "量子通信网络部署", "深度学习图像识别", "大模型 GPU 算力", "空调"]


@pytest.mark.parametrize("params", [
    {"feedback_docs": 0}, {"feedback_docs": 0, "k1": 2.0, "b": 0.3, "bigram_weight": 1.5, "k3": 8.0},
    {"feedback_docs": 0, "ngrams": False},
])
def test_first_pass_equals_reference(params):
    docs = corpus()
    m = Matcher(**params).fit(docs)
    pairs = [features(m, d) for d in docs]
    feats = [f if m.ngrams else {t: v for t, v in f.items() if not t.startswith(BIGRAM_PREFIX)} for f, _ in pairs]
    lens = [length if m.ngrams else (length[0], 0.0) for _, length in pairs]
    for q in QUERIES:
        qf = query_features(m, q)
        if not m.ngrams:
            qf = {t: v for t, v in qf.items() if not t.startswith(BIGRAM_PREFIX)}
        ref = reference_bm25_scores(feats, lens, qf, m._bm25_params())
        fast = m.scores(q)
        assert np.allclose([fast[d["id"]] for d in docs], ref, rtol=1e-5, atol=1e-6)


def test_feedback_equals_reference():
    docs = corpus(60, seed=5)
    m = Matcher(feedback_terms=10_000, feedback_max_df=0.5).fit(docs)
    pairs = [features(m, d) for d in docs]
    feats, lens = [f for f, _ in pairs], [length for _, length in pairs]
    for q in QUERIES:
        ref = slow_feedback(m, docs, feats, lens, query_features(m, q))
        fast = m.scores(q)
        assert np.allclose([fast[d["id"]] for d in docs], ref, rtol=1e-5, atol=1e-6)


def test_hits_scores_match_scores():
    docs = corpus()
    m = Matcher().fit(docs)
    for q in QUERIES:
        full = m.scores(q)
        for h in m.search(q, k=5):
            assert h.score == pytest.approx(full[h.id], rel=1e-6)


def test_incremental_equals_fresh_fit():
    docs = corpus(50, seed=7)
    params = {"feedback_terms": 10_000}
    inc = Matcher(**params).fit(docs[:30])
    inc.add(docs[30:])
    inc.remove([d["id"] for d in docs[:10]])
    inc.add([{**docs[12], "text": "改写后的文本：变频空调压缩机"}])
    final = docs[10:12] + [{**docs[12], "text": "改写后的文本：变频空调压缩机"}] + docs[13:]
    fresh = Matcher(**params).fit(final)
    for q in QUERIES:
        a, b = inc.scores(q), fresh.scores(q)
        assert a.keys() == b.keys()
        assert np.allclose([a[i] for i in sorted(a)], [b[i] for i in sorted(b)], rtol=1e-5, atol=1e-6)


def test_english_reference_with_str_split():
    m = Matcher(tokenizer=str.split, use_stopwords=False, feedback_docs=0).fit(ENGLISH)
    feats = [dict(Counter(d["text"].split())) for d in ENGLISH]
    lens = [(float(len(d["text"].split())), 0.0) for d in ENGLISH]
    ref = reference_bm25_scores(feats, lens, {"apple": 1, "fig": 1}, m._bm25_params())
    fast = m.scores("apple fig")
    assert np.allclose([fast[d["id"]] for d in ENGLISH], ref)
