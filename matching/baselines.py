"""The plain references we must beat: TF-IDF over jieba words, TF-IDF over character bigrams, BM25 words.

These are the only TF-IDF rankers in the package; the Matcher itself ranks with BM25.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from .params import CALLABLE, NONE, Interval, validate_params

_TOP_K = {"k": [Interval(Integral, 1, None, closed="left")]}


def jieba_words(text: str) -> list[str]:
    """The everyday tokenizer: global jieba.lcut, whitespace tokens dropped."""
    import jieba

    return [t for t in jieba.lcut(text) if t.strip()]


def quiet_jieba() -> None:
    """Silence the global jieba's start-up banner (for the CLIs' tables)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)


class _Ranker:
    """Shared top-k over a query-by-document score matrix; settings checked by `fit` (see params.py)."""

    _parameter_constraints: dict = {"tokenizer": [NONE, CALLABLE]}

    def _validate_params(self) -> None:
        validate_params(self._parameter_constraints, {k: getattr(self, k) for k in self._parameter_constraints},
                        type(self).__name__)

    def search_many(self, queries: list[str], k: int = 10) -> list[list[tuple[str, float]]]:
        """Return, per query, the top-k (doc id, score) pairs, best first; raises InvalidParameterError for k < 1."""
        validate_params(_TOP_K, {"k": k}, f"{type(self).__name__}.search")
        s = self.scores(queries)
        out = []
        for row in range(s.shape[0]):
            r = np.asarray(s[row].todense()).ravel() if sp.issparse(s) else s[row]
            top = np.argsort(-r, kind="stable")[:k]
            out.append([(self.ids_[i], float(r[i])) for i in top if r[i] > 0])
        return out

    def search(self, query: str, k: int = 10):
        """Top-k (doc id, score) for one query."""
        return self.search_many([query], k)[0]


class TfidfWords(_Ranker):
    """TfidfVectorizer(tokenizer=jieba.lcut) + cosine: the baseline everyone would write."""

    name = "tfidf-words"

    def __init__(self, tokenizer=None):
        self.tokenizer = tokenizer

    def fit(self, docs):
        self._validate_params()
        docs = list(docs)
        self.ids_ = [d["id"] for d in docs]
        self.vec_ = TfidfVectorizer(tokenizer=self.tokenizer or jieba_words, token_pattern=None)
        self.mat_ = self.vec_.fit_transform([f"{d.get('title') or ''} {d['text']}" for d in docs])
        return self

    def scores(self, queries):
        return (self.vec_.transform(queries) @ self.mat_.T).toarray()


class TfidfBigrams(TfidfWords):
    """TF-IDF over character bigrams + cosine."""

    name = "tfidf-char2"

    def fit(self, docs):
        self._validate_params()
        docs = list(docs)
        self.ids_ = [d["id"] for d in docs]
        self.vec_ = TfidfVectorizer(analyzer="char", ngram_range=(2, 2))
        self.mat_ = self.vec_.fit_transform([f"{d.get('title') or ''} {d['text']}" for d in docs])
        return self


class BM25Words(_Ranker):
    """Okapi BM25 (k1 1.2, b 0.75, idf log(1 + (N - df + .5)/(df + .5))) over jieba words."""

    name = "bm25-words"
    _parameter_constraints: dict = {**_Ranker._parameter_constraints,
                                    "k1": [Interval(Real, 0, None, closed="left")],
                                    "b": [Interval(Real, 0, 1, closed="both")]}

    def __init__(self, k1: float = 1.2, b: float = 0.75, tokenizer=None):
        self.k1, self.b, self.tokenizer = k1, b, tokenizer

    def fit(self, docs):
        self._validate_params()
        docs = list(docs)
        self.ids_ = [d["id"] for d in docs]
        self.vec_ = CountVectorizer(tokenizer=self.tokenizer or jieba_words, token_pattern=None)
        tf = self.vec_.fit_transform([f"{d.get('title') or ''} {d['text']}" for d in docs]).tocsr().astype(np.float64)
        n = tf.shape[0]
        dl = np.asarray(tf.sum(axis=1)).ravel()
        df = np.bincount(tf.indices, minlength=tf.shape[1])
        self.idf_ = np.log1p((n - df + 0.5) / (df + 0.5))
        k = self.k1 * (1 - self.b + self.b * dl / max(dl.mean(), 1e-9))
        rows = np.repeat(np.arange(n), np.diff(tf.indptr))
        tf.data = tf.data * (self.k1 + 1) / (tf.data + k[rows])
        self.mat_ = tf.tocsc()
        return self

    def scores(self, queries):
        q = self.vec_.transform(queries).astype(np.float64)
        q.data[:] = 1.0  # each distinct query term counts once, as in most BM25 implementations
        return (q.multiply(self.idf_).tocsr() @ self.mat_.T).toarray()


REFERENCES = (TfidfWords, TfidfBigrams, BM25Words)
