"""Normalisation, segmentation, domain dictionary and stopwords."""

from collections import Counter

import pytest

from matching.normalize import normalize, normalize_many
from matching.tokenize import BIGRAM_PREFIX, Analyzer, char_bigrams, stopwords, user_words


@pytest.fixture(scope="module")
def an():
    return Analyzer()


def test_nfkc_lowercase_and_traditional():
    assert normalize("ＧＰＵ与５Ｇ") == "gpu与5g"
    assert normalize("量子密鑰分發與軟體") == "量子密钥分发与软体"
    assert normalize("<p>石墨烯&amp;<b>碳化硅</b></p>") .split() == ["石墨烯&", "碳化硅"]


def test_normalize_many_gives_the_same_features(an):
    texts = ["ＧＰＵ算力，ＰＵＥ１．２", "量子密鑰", "", "<i>x</i>石墨烯", "纯中文，全角标点。", "RT-PCR检测"]
    for raw, fast in zip(texts, normalize_many(texts)):
        assert Counter(an.words(fast, normalized=True)) == Counter(an.words(raw))
        assert char_bigrams(fast) == char_bigrams(normalize(raw))


@pytest.mark.parametrize("term", ["石墨烯", "碳化硅", "量子密钥分发", "液冷服务器", "大模型", "导热性能"])
def test_domain_terms_stay_whole(an, term):
    assert term in an.words(f"本项目研究{term}的关键技术")


def test_latin_and_numbers_kept(an):
    words = an.words("5G基站、GPU集群、PUE指标、SiC器件与RT-PCR检测，Wi-Fi 6和C++")
    for tok in ["5g", "gpu", "pue", "sic", "rt-pcr", "wi-fi", "6", "c++"]:
        assert tok in words


def test_stopwords_and_punctuation_dropped(an):
    words = an.words("我们的研究，以及其他的方法！")
    assert "的" not in words and "以及" not in words and "，" not in words
    assert "研究" in words


def test_word_counts_match_words(an):
    text = normalize("基于大模型的液冷服务器调度，GPU利用率提升30%。大模型训练")
    assert an.word_counts(text) == Counter(an.words(text, normalized=True))


def test_query_spans_cover_text(an):
    spans, ntext = an.query_spans("液冷服务器，ＰＵＥ")
    assert [(t, ntext[a:b]) for t, a, b in spans] == [(t, t) for t, _, _ in spans]
    assert "pue" in [t for t, _, _ in spans]


def test_bigrams_only_inside_cjk_runs():
    assert char_bigrams("石墨烯，ab碳化") == [BIGRAM_PREFIX + x for x in ["石墨", "墨烯", "碳化"]]


def test_shipped_dictionary_and_stopwords():
    words = user_words()
    assert len(words) >= 500 and len(set(words)) == len(words)
    assert {"石墨烯", "量子密钥分发", "液冷服务器", "大模型", "导热性能"} <= set(words)
    import rjieba

    default = rjieba.Jieba()
    assert default.cut("碳化硅") == ["碳化硅"]  # already whole by default, so not in the list
    assert all(len(default.cut(w)) > 1 for w in words)  # each term repairs a default split
    assert "的" in stopwords() and "石墨烯" not in stopwords()


def test_custom_tokenizer_is_used():
    an = Analyzer(str.split, use_stopwords=False)
    assert an.words("Hello World hello") == ["hello", "world", "hello"]


def test_jieba_backend_agrees_with_rjieba():
    text = "本文提出一种基于卷积神经网络的石墨烯薄膜缺陷检测方法，实验表明检测精度显著提升。"
    assert Analyzer(backend="jieba").words(text) == Analyzer(backend="rjieba").words(text)
