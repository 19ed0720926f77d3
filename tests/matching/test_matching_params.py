"""Parameter validation: every setting is declared once (`_parameter_constraints`) and a bad value
raises InvalidParameterError naming the parameter, what it may be and the value given."""

import inspect
import math
import re

import numpy as np
import pytest
from matching_testkit import DOCS

from matching import IndexFileError, InvalidParameterError, Matcher, beir
from matching.baselines import BM25Words, TfidfBigrams, TfidfWords
from matching.params import Interval
from matching.tokenize import Analyzer

# (parameter, bad value, what the message says is allowed)
BAD_MATCHER = [
    ("tokenizer", "jieba", "None or a callable"),
    ("k1", -0.1, "a number in [0, inf)"),
    ("k1", "1.2", "a number in [0, inf)"),
    ("k1", math.nan, "a number in [0, inf)"),
    ("k1", math.inf, "a number in [0, inf)"),
    ("b", -0.01, "a number in [0, 1]"),
    ("b", 1.01, "a number in [0, 1]"),
    ("bigram_k1", -1, "a number in [0, inf)"),
    ("bigram_b", 2, "a number in [0, 1]"),
    ("bigram_weight", -0.5, "a number in [0, inf)"),
    ("title_weight", -2.0, "a number in [0, inf)"),
    ("title_weight", None, "a number in [0, inf)"),
    ("k3", -1.0, "a number in [0, inf)"),
    ("ngrams", 1, "a bool"),
    ("ngrams", "yes", "a bool"),
    ("user_dict", None, "a bool"),
    ("use_stopwords", 0, "a bool"),
    ("feedback_docs", -1, "an int in [0, inf)"),
    ("feedback_docs", 2.5, "an int in [0, inf)"),
    ("feedback_docs", True, "an int in [0, inf)"),
    ("feedback_terms", -3, "an int in [0, inf)"),
    ("feedback_terms", 30.0, "an int in [0, inf)"),
    ("feedback_weight", -0.1, "a number in [0, inf)"),
    ("feedback_max_df", 1.5, "a number in [0, 1]"),
    ("feedback_max_df", -0.1, "a number in [0, 1]"),
    ("backend", "hanlp", "one of 'auto', 'jieba', 'rjieba'"),
    ("backend", None, "one of 'auto', 'jieba', 'rjieba'"),
    ("n_jobs", 0, "None or an int in [1, inf)"),
    ("n_jobs", -1, "None or an int in [1, inf)"),
    ("n_jobs", 2.0, "None or an int in [1, inf)"),
    ("min_match", -1, "a number in [0, 100]"),
    ("min_match", 100.5, "a number in [0, 100]"),
    ("min_match", "10", "a number in [0, 100]"),
    ("min_match", math.nan, "a number in [0, 100]"),
    ("min_match", None, "a number in [0, 100]"),
    ("common_df", 1.5, "a number in [0, 1]"),
    ("common_df", -0.1, "a number in [0, 1]"),
]

# Values on the edge of each range, all usable.
BOUNDARY_MATCHER = [
    ("k1", 0), ("k1", 0.0), ("b", 0.0), ("b", 1.0), ("b", 1), ("bigram_k1", 0.0), ("bigram_b", 0.0), ("bigram_b", 1.0),
    ("bigram_weight", 0.0), ("title_weight", 0.0), ("k3", 0.0), ("ngrams", False), ("user_dict", False),
    ("use_stopwords", False), ("feedback_docs", 0), ("feedback_terms", 0), ("feedback_weight", 0.0),
    ("feedback_max_df", 0.0), ("feedback_max_df", 1.0), ("backend", "auto"), ("backend", "jieba"),
    ("backend", "rjieba"), ("n_jobs", None), ("n_jobs", 1), ("k1", np.float32(0.5)), ("feedback_docs", np.int64(3)),
    ("ngrams", np.bool_(True)), ("tokenizer", str.split), ("min_match", 0), ("min_match", 100.0),
    ("common_df", 0.0), ("common_df", 1.0),
]


def message(name, allowed, value, owner="Matcher"):
    return re.escape(f"the '{name}' parameter of {owner} must be {allowed}; got {value!r}")


def test_every_constructor_parameter_is_declared():
    """Is each Matcher keyword checked, and is nothing checked that the constructor does not take?"""
    params = [p for p in inspect.signature(Matcher).parameters if p != "self"]
    assert list(Matcher._parameter_constraints) == params
    assert set(Matcher().get_params()) == set(params)
    analyzer = [p for p in inspect.signature(Analyzer).parameters if p != "self"]
    assert list(Analyzer._parameter_constraints) == analyzer
    assert all(Matcher._parameter_constraints[p] is Analyzer._parameter_constraints[p] for p in analyzer)
    bm25 = [p for p in inspect.signature(BM25Words).parameters if p != "self"]
    assert set(BM25Words._parameter_constraints) == set(bm25)


@pytest.mark.parametrize("name,value,allowed", BAD_MATCHER)
def test_bad_setting_raises_at_fit_naming_it(name, value, allowed):
    m = Matcher(**{name: value})  # the constructor only stores (scikit-learn's convention)
    with pytest.raises(InvalidParameterError, match=message(name, allowed, value)) as caught:
        m.fit(DOCS)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, TypeError)
    assert not hasattr(m, "index_")


@pytest.mark.parametrize("name,value", BOUNDARY_MATCHER)
def test_boundary_setting_is_accepted(name, value):
    m = Matcher(**{name: value}).fit(DOCS)
    hits = m.search("石墨烯 导热" if name != "tokenizer" else "研发高导热石墨烯薄膜，导热性能优异，用于5G基站和手机散热。", k=3)
    assert len(m) == len(DOCS) and isinstance(hits, list)


def test_add_on_unfitted_checks_settings_too():
    with pytest.raises(InvalidParameterError, match="'k3'"):
        Matcher(k3=-1).add(DOCS)


def test_title_weight_zero_leaves_titles_out():
    """A zero title weight must not index title words with tf 0 (they would still count in df)."""
    m = Matcher(title_weight=0.0, feedback_docs=0).fit([{"id": "a", "title": "石墨烯", "text": "液冷服务器"}])
    assert m.search("石墨烯") == [] and m.search("液冷服务器", k=1)[0].id == "a"


@pytest.mark.parametrize("k", [0, -1, 1.5, 2.0, None, True, "3"])
def test_bad_k_raises(k):
    m = Matcher().fit(DOCS)
    with pytest.raises(InvalidParameterError, match=message("k", "an int in [1, inf)", k, "Matcher.search")):
        m.search("石墨烯", k=k)
    with pytest.raises(InvalidParameterError, match=message("k", "an int in [1, inf)", k, "Matcher.search_many")):
        m.search_many(["石墨烯"], k=k)


@pytest.mark.parametrize("k", [1, np.int64(1), 10**9])
def test_boundary_k_accepted(k):
    m = Matcher().fit(DOCS)
    assert m.search("石墨烯", k=k)[0].id == "cap:1"
    assert m.search_many(["石墨烯"], k=k)[0][0].id == "cap:1"


@pytest.mark.parametrize("bad", ["cap:1", 5, {"cap:1": True}])
def test_bad_filter_raises(bad):
    m = Matcher().fit(DOCS)
    allowed = "None or a callable or a set of document ids"
    with pytest.raises(InvalidParameterError, match=message("filter", allowed, bad, "Matcher.search")):
        m.search("石墨烯", filter=bad)


@pytest.mark.parametrize("good", [None, {"cap:1"}, frozenset({"cap:1"}), ["cap:1"], ("cap:1",),
                                  lambda doc_id: doc_id == "cap:1", {"cap:1": 1}.keys()])
def test_filter_forms_accepted(good):
    assert [h.id for h in Matcher().fit(DOCS).search("石墨烯", filter=good)] == ["cap:1"]


def test_unfitted_is_reported_before_k():
    from matching import NotFittedError

    with pytest.raises(NotFittedError):
        Matcher().search("石墨烯", k=0)


def test_load_rejects_invalid_saved_settings(tmp_path):
    m = Matcher().fit(DOCS)
    m.k1 = -1.0  # as if the file had been edited or damaged
    m.save(tmp_path / "bad.npz")
    with pytest.raises(IndexFileError, match=r"saved settings are not valid .*'k1' parameter of Matcher"):
        Matcher.load(tmp_path / "bad.npz")


def test_load_checks_tokenizer_argument(tmp_path):
    Matcher().fit(DOCS).save(tmp_path / "ok.npz")
    with pytest.raises(InvalidParameterError, match=message("tokenizer", "None or a callable", "split",
                                                            "Matcher.load")):
        Matcher.load(tmp_path / "ok.npz", tokenizer="split")


@pytest.mark.parametrize("name,value,allowed", [
    ("tokenizer", 3, "None or a callable"), ("user_dict", "yes", "a bool"), ("use_stopwords", None, "a bool"),
    ("backend", "pkuseg", "one of 'auto', 'jieba', 'rjieba'"), ("backend", 1, "one of 'auto', 'jieba', 'rjieba'"),
])
def test_analyzer_settings_checked(name, value, allowed):
    kwargs = {name: value}
    tokenizer = kwargs.pop("tokenizer", None)
    with pytest.raises(InvalidParameterError, match=message(name, allowed, value, "Analyzer")):
        Analyzer(tokenizer, **kwargs)


@pytest.mark.parametrize("backend", ["auto", "jieba", "rjieba"])
def test_analyzer_backends_accepted(backend):
    assert "石墨烯" in Analyzer(backend=backend, use_stopwords=False).words("石墨烯导热膜")


@pytest.mark.parametrize("cls,kwargs,allowed", [
    (BM25Words, {"k1": -0.1}, "a number in [0, inf)"), (BM25Words, {"b": 1.5}, "a number in [0, 1]"),
    (BM25Words, {"tokenizer": "jieba"}, "None or a callable"), (TfidfWords, {"tokenizer": 1}, "None or a callable"),
])
def test_baseline_settings_checked_at_fit(cls, kwargs, allowed):
    (name, value), = kwargs.items()
    with pytest.raises(InvalidParameterError, match=message(name, allowed, value, cls.__name__)):
        cls(**kwargs).fit(DOCS)


@pytest.mark.parametrize("kwargs", [{"k1": 0.0}, {"b": 0.0}, {"b": 1.0}, {"tokenizer": str.split}])
def test_baseline_boundaries_accepted(kwargs):
    docs = DOCS if "tokenizer" not in kwargs else [{"id": "a", "text": "x y"}, {"id": "b", "text": "y z"}]
    assert isinstance(BM25Words(**kwargs).fit(docs).search("x y", k=1), list)


@pytest.mark.parametrize("cls", [TfidfWords, TfidfBigrams, BM25Words])
def test_baseline_k_checked(cls):
    system = cls().fit(DOCS)
    assert len(system.search("石墨烯", k=1)) == 1
    with pytest.raises(InvalidParameterError, match=message("k", "an int in [1, inf)", 0, f"{cls.__name__}.search")):
        system.search("石墨烯", k=0)


def test_metrics_k_checked():
    assert beir.metrics({"q": ["a"]}, {"q": {"a": 1}}, k=1)["ndcg@1"] == 1.0
    with pytest.raises(InvalidParameterError, match=message("k", "an int in [1, inf)", 0, "metrics")):
        beir.metrics({"q": ["a"]}, {"q": {"a": 1}}, k=0)


def test_interval_edges_and_text():
    from numbers import Integral, Real

    closed = Interval(Real, 0, 1, closed="both")
    assert closed.accepts(0) and closed.accepts(1.0) and not closed.accepts(1.0000001) and not closed.accepts(True)
    left = Interval(Real, 0, 1, closed="left")
    assert left.accepts(0) and not left.accepts(1) and str(left) == "a number in [0, 1)"
    right = Interval(Real, 0, 1, closed="right")
    assert not right.accepts(0) and right.accepts(1) and str(right) == "a number in (0, 1]"
    neither = Interval(Integral, -2, 2, closed="neither")
    assert not neither.accepts(-2) and neither.accepts(1) and not neither.accepts(1.0)
    assert str(neither) == "an int in (-2, 2)"
    assert str(Interval(Real, None, 0, closed="right")) == "a number in (-inf, 0]"
    assert Interval(Integral, 1, None, closed="left").accepts(10**400)  # a huge int is no float overflow
    with pytest.raises(ValueError):
        Interval(float, 0, 1)  # Integral or Real only: float would refuse numpy and Python ints
