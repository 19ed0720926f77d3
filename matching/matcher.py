"""The Matcher: fit documents, search them with explained BM25 scores over words and character bigrams."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from .build import assemble, featurize_chunk, iter_chunks, stack_chunks
from .explain import QueryPlan, common_words, explain_row, is_filler
from .feedback import expansion
from .index import Index
from .params import (
    BOOLEAN,
    CALLABLE,
    DEFAULT_COMMON_DF,
    DEFAULT_MIN_MATCH,
    MATCH_INDEX,
    NONE,
    InstanceOf,
    Interval,
    validate_params,
)
from .scoring import BIGRAM, WORD, BM25Params, bm25_idf, ideal_score, match_index
from .tokenize import BIGRAM_PREFIX, Analyzer, stopwords
from .vocab import DocIds


class NotFittedError(ValueError, AttributeError):
    """Raised when a Matcher is used before `fit` or `load`."""


@dataclass(frozen=True)
class Hit:
    """One search result: document id, score and the query words that produced it."""

    id: str
    score: float  # raw BM25: sorts hits of one query, means nothing across queries
    terms: list[tuple[str, float]]
    match: float = 0.0  # the match index, 0–100, comparable across queries (see `match_index`)


Filter = Callable[[str], bool] | Set[str] | list[str] | tuple[str, ...] | None  # ids a hit may have

_AT_LEAST_0 = Interval(Real, 0, None, closed="left")
_SHARE = Interval(Real, 0, 1, closed="both")
_COUNT = Interval(Integral, 0, None, closed="left")
# What `search` and `search_many` take besides the query (checked on every call: they are cheap).
_SEARCH_CONSTRAINTS = {
    "k": [Interval(Integral, 1, None, closed="left")],
    "filter": [NONE, CALLABLE, InstanceOf((Set, list, tuple), "a set of document ids")],
    "min_match": [NONE, MATCH_INDEX],
}


def _threshold_candidates(scores: np.ndarray, k: int, block: int = 128) -> np.ndarray:
    """Rows whose score can be in the top k: at least the k-th largest of the block maxima.

    The k blocks with the largest maxima hold k scores at least that large, so nothing in the true
    top k is below it; scanning block maxima is much cheaper than a partition of every score.
    """
    n = len(scores)
    if n <= 4 * block or k * 8 > n // block:
        return np.flatnonzero(scores > 0)
    full = n - n % block  # whole blocks as a view, the tail apart: no copy of n scores per query
    blocks = scores[:full].reshape(-1, block).max(axis=1)
    if full < n:
        blocks = np.append(blocks, max(scores[full:].max(), 0.0))
    thr = np.partition(blocks, len(blocks) - k)[len(blocks) - k]
    return np.flatnonzero(scores >= thr) if thr > 0 else np.flatnonzero(scores > 0)


_BINARY_SEARCH_RATIO = 20000  # postings per feature above which `_postings_of` beats a mask


def _postings_of(rows: np.ndarray, ends: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Positions, in order, of the postings of the `wanted` rows (sorted) among `rows`, whose
    segments (one per feature, ending at `ends`) are each in ascending row order: a binary search per
    segment instead of a look-up of every posting (millions at 1M documents)."""
    found = []
    a = 0
    for b in ends.tolist():
        if b > a:
            seg = rows[a:b]
            i = np.searchsorted(seg, wanted)
            ok = i < b - a
            i = i[ok]
            found.append(i[seg[i] == wanted[ok]] + a)
        a = b
    return np.concatenate(found) if found else np.zeros(0, np.int64)


class Matcher:
    """Rank documents for a Chinese query with BM25 over jieba words plus character bigrams.

    Settings are checked against `_parameter_constraints` when `fit` or `load` starts (scikit-learn's
    convention: the constructor only stores them); a bad one raises InvalidParameterError.
    """

    # What each setting may be (see params.py), in the order get_params and saved files list them.
    # k1 and b are BM25's (words, then bigrams), k3 saturates repeated query words; the analyzer's
    # own settings are declared once, by Analyzer.
    _parameter_constraints: dict = {
        "tokenizer": Analyzer._parameter_constraints["tokenizer"],
        "k1": [_AT_LEAST_0],
        "b": [_SHARE],
        "bigram_k1": [_AT_LEAST_0],
        "bigram_b": [_SHARE],
        "bigram_weight": [_AT_LEAST_0],
        "title_weight": [_AT_LEAST_0],
        "k3": [_AT_LEAST_0],
        "ngrams": [BOOLEAN],
        "user_dict": Analyzer._parameter_constraints["user_dict"],
        "use_stopwords": Analyzer._parameter_constraints["use_stopwords"],
        "feedback_docs": [_COUNT],
        "feedback_terms": [_COUNT],
        "feedback_weight": [_AT_LEAST_0],
        "feedback_max_df": [_SHARE],
        "backend": Analyzer._parameter_constraints["backend"],
        "n_jobs": [NONE, Interval(Integral, 1, None, closed="left")],
        "min_match": [MATCH_INDEX],
        "common_df": [_SHARE],
        "max_query_features": [NONE, Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, tokenizer: Callable[[str], list[str]] | None = None, k1: float = 1.2,
                 b: float = 0.75, bigram_k1: float = 1.2, bigram_b: float = 0.75,
                 bigram_weight: float = 0.5, title_weight: float = 2.0, k3: float = 1.0,
                 ngrams: bool = True, user_dict: bool = True, use_stopwords: bool = True,
                 feedback_docs: int = 8, feedback_terms: int = 30, feedback_weight: float = 0.5,
                 feedback_max_df: float = 0.1, backend: str = "auto", n_jobs: int | None = None,
                 min_match: float = DEFAULT_MIN_MATCH, common_df: float = DEFAULT_COMMON_DF,
                 max_query_features: int | None = None):
        self.tokenizer = tokenizer
        self.k1 = k1
        self.b = b
        self.bigram_k1 = bigram_k1
        self.bigram_b = bigram_b
        self.bigram_weight = bigram_weight
        self.title_weight = title_weight
        self.k3 = k3
        self.ngrams = ngrams
        self.user_dict = user_dict
        self.use_stopwords = use_stopwords
        self.feedback_docs = feedback_docs
        self.feedback_terms = feedback_terms
        self.feedback_weight = feedback_weight
        self.feedback_max_df = feedback_max_df
        self.backend = backend
        self.n_jobs = n_jobs
        self.min_match = min_match
        self.common_df = common_df
        self.max_query_features = max_query_features

    # ----- settings ---------------------------------------------------------------------------
    def get_params(self) -> dict:
        """Return the constructor settings (sklearn convention)."""
        return {k: getattr(self, k) for k in self._parameter_constraints}

    def _validate_params(self) -> None:
        """Check every setting against `_parameter_constraints`; raises InvalidParameterError."""
        validate_params(self._parameter_constraints, self.get_params(), type(self).__name__)

    def _bm25_params(self) -> BM25Params:
        return BM25Params(k1=(self.k1, self.bigram_k1), b=(self.b, self.bigram_b),
                          family_weight=(1.0, self.bigram_weight), k3=self.k3)

    def _analyzer(self) -> Analyzer:
        return Analyzer(self.tokenizer, user_dict=self.user_dict, use_stopwords=self.use_stopwords,
                        backend=self.backend)

    # ----- documents -> features --------------------------------------------------------------
    @staticmethod
    def _doc_id(doc: Mapping) -> str:
        try:
            return str(doc["id"])
        except (KeyError, TypeError):
            raise ValueError(f"document needs an 'id': {doc!r:.80}") from None

    def fit(self, docs: Iterable[Mapping]) -> Matcher:
        """Index `docs` ({"id", "title", "text"} dicts), replacing any previous index; returns self.

        Raises InvalidParameterError for a bad setting, ValueError for a missing or duplicate id."""
        self._validate_params()
        docs = list(docs)
        ids = [self._doc_id(d) for d in docs]
        index = Index()
        try:
            index.docs = DocIds.build(ids)
        except ValueError:
            raise ValueError("duplicate document ids in fit()") from None
        del ids
        chunks = iter_chunks(self._analyzer(), docs, self.title_weight, self.ngrams, self.n_jobs)
        index.vocab, (indptr, indices, data), dl = stack_chunks(chunks)
        index.set_base(indptr, indices, data, dl)
        index.common = common_words(index, self.common_df)
        self.index_ = index
        return self

    def _check(self) -> Index:
        idx = getattr(self, "index_", None)
        if idx is None:
            raise NotFittedError("this Matcher is not fitted yet: call fit(docs) or Matcher.load(path) first")
        return idx

    def add(self, docs: Iterable[Mapping]) -> Matcher:
        """Index more documents without refitting; an existing id is replaced (edit). Returns self."""
        if getattr(self, "index_", None) is None:
            return self.fit(docs)
        idx = self.index_
        docs = list(docs)
        ids = [self._doc_id(d) for d in docs]
        chunk = featurize_chunk(self._analyzer(), docs, self.title_weight, self.ngrams)
        rows, cols, tfs, dl = assemble(idx.vocab, [chunk])
        order = np.argsort(rows, kind="stable")
        bounds = np.searchsorted(rows[order], np.arange(len(ids) + 1))
        for r, doc_id in enumerate(ids):
            sel = order[bounds[r]:bounds[r + 1]]
            idx.append(doc_id, cols[sel], tfs[sel], (float(dl[r, 0]), float(dl[r, 1])))
        return self

    def remove(self, ids: Iterable[str]) -> int:
        """Delete documents by id (unknown ids are ignored); returns how many were removed."""
        if isinstance(ids, str):
            ids = [ids]
        return self._check().remove([str(i) for i in ids])

    # ----- container protocol -----------------------------------------------------------------
    @property
    def ids(self) -> list[str]:
        """Ids of the indexed documents, in index order."""
        idx = getattr(self, "index_", None)
        return [] if idx is None else idx.live_ids()

    def __len__(self) -> int:
        idx = getattr(self, "index_", None)
        return 0 if idx is None else idx.n_alive

    def __contains__(self, doc_id) -> bool:
        idx = getattr(self, "index_", None)
        return idx is not None and idx.row_of(str(doc_id)) is not None

    @property
    def common_terms(self) -> frozenset[str]:
        """The df-based stop list: words in more than `common_df` of the documents when the index was
        fitted (empty under params.COMMON_MIN_DOCS documents); saved and loaded with the index."""
        idx = getattr(self, "index_", None)
        return frozenset() if idx is None else idx.common

    def is_reason(self, term: str) -> bool:
        """Whether a matched term may be shown as a reason: not filler (explain.is_filler), not one
        of this index's common words, not a stopword."""
        return not is_filler(term, self.common_terms) and term not in stopwords()

    # ----- search -----------------------------------------------------------------------------
    def _plan(self, query: str) -> QueryPlan:
        analyzer = self._analyzer()
        spans, ntext = analyzer.query_spans(query if isinstance(query, str) else str(query))
        stop = stopwords() if self.use_stopwords else frozenset()
        return QueryPlan(spans, ntext, stop, self.ngrams, analyzer.parts())

    def _score(self, plan: QueryPlan):
        """First-pass BM25, then feedback; returns scores and, for the explanations, posting blocks
        (rows, contributions, plan feature index per segment, segment ends)."""
        idx = self.index_
        w = self._bm25_params()
        cols = idx.vocab.lookup(plan.features)
        keep = np.flatnonzero(cols >= 0)
        fids = cols[keep]
        qtf = np.asarray(plan.qtf, dtype=np.float64)[keep]
        cap = self.max_query_features
        if cap is not None and len(fids) > cap:
            # A long query (a whole listing's text) keeps its `cap` most telling features, as
            # Lucene's MoreLikeThis does: the dropped ones are the commonest words and bigrams, whose
            # long posting lists were most of the scoring time and add little to the ranking.
            fam = idx.vocab.family_of(fids).astype(np.intp)
            weight = (np.asarray(w.family_weight)[fam] * w.query_weight(qtf)
                      * bm25_idf(idx.df_of(fids), max(idx.n_alive, 1)))
            chosen = np.sort(np.argsort(-weight, kind="stable")[:cap])
            keep, fids, qtf = keep[chosen], fids[chosen], qtf[chosen]
            used = np.zeros(len(cols), dtype=bool)
            used[keep] = True
            used |= cols < 0  # words unknown to the index still count against the ideal, as before
            plan.ideal = self._ideal(plan, w, cols, used)  # over the features the query kept
        else:
            plan.ideal = self._ideal(plan, w, cols)
        scores, rows, contrib, (order, ends) = idx.score(fids, w.query_weight(qtf), w)
        first = (rows, contrib, keep[order], ends)
        if self.feedback_docs > 0 and len(rows):
            live = scores if idx.n_alive == idx.n_rows else np.where(idx.alive, scores, 0.0)
            cand = _threshold_candidates(live, self.feedback_docs)
            cand = cand[live[cand] > 0]
            top = cand[np.lexsort((cand, -live[cand]))][: self.feedback_docs]
            efids, eqw = expansion(idx, live, top, w, self.feedback_terms, self.feedback_weight,
                                   self.feedback_max_df)
            if len(efids):
                s2, rows2, contrib2, (order2, ends2) = idx.score(efids, eqw, w)
                base = len(plan.features)
                plan.add_expansion([idx.vocab.term(f) for f in efids.tolist()])
                scores += s2
                return scores, [first, (rows2, contrib2, order2 + base, ends2)]
        return scores, [first]

    def _ideal(self, plan: QueryPlan, w: BM25Params, fids: np.ndarray, used: np.ndarray | None = None) -> float:
        """The query's ideal score (scoring.ideal_score), over its own features (not the expansion),
        whose columns are `fids` (-1: not in the index); `used` leaves out features a long query dropped."""
        idx = self.index_
        df = np.where(fids >= 0, idx.df_of(np.maximum(fids, 0)), 0.0)
        family = np.asarray([BIGRAM if f.startswith(BIGRAM_PREFIX) else WORD for f in plan.features], dtype=np.uint8)
        qw = w.query_weight(np.asarray(plan.qtf, dtype=np.float64))
        if used is not None:
            df, family, qw = df[used], family[used], qw[used]
        return ideal_score(df, family, qw, max(idx.n_alive, 1), w, idx.avgdl())

    def search(self, query: str, k: int = 10, filter: Filter = None, min_match: float | None = None) -> list[Hit]:
        """Return the top `k` hits for `query` whose match index is at least `min_match` (None: this
        Matcher's `min_match` setting, 0 lists every hit), best first; raises NotFittedError, and
        InvalidParameterError (a ValueError) for k < 1, a filter that is no set or callable, or a
        `min_match` outside 0–100."""
        self._check()
        validate_params(_SEARCH_CONSTRAINTS, {"k": k, "filter": filter, "min_match": min_match}, "Matcher.search")
        return self._search(query, int(k), filter, self.min_match if min_match is None else min_match)

    def _search(self, query: str, k: int, filter: Filter, min_match: float = 0.0) -> list[Hit]:
        idx = self.index_
        plan = self._plan(query)
        if not plan.features:
            return []
        scores, blocks = self._score(plan)
        top = self._top(scores, k, filter)
        if len(top) == 0:
            return []
        matches = match_index(scores[top], plan.ideal)
        # The top k by raw score, less those under the cutoff: the same within a query, as the
        # index rises with the raw score, so this only trims the tail.
        keep = matches >= min_match
        top, matches = top[keep], matches[keep]
        if len(top) == 0:
            return []
        per_row: dict[int, dict[int, float]] = {int(r): {} for r in top}
        mark = np.zeros(idx.n_rows, dtype=bool)
        mark[top] = True
        for rows, contrib, feature, ends in blocks:
            # a look-up per posting is cheaper for short lists (measured: 100k documents), a binary
            # search per feature for long ones (1M)
            if len(rows) > _BINARY_SEARCH_RATIO * len(ends):
                sel = _postings_of(rows, ends, np.sort(top))
            else:
                sel = np.flatnonzero(mark[rows])
            which = feature[np.searchsorted(ends, sel, side="right")]
            for r, j, c in zip(rows[sel].tolist(), which.tolist(), contrib[sel].tolist()):
                d = per_row[r]
                d[j] = d.get(j, 0.0) + c
        return [Hit(idx.docs.id_of(r), float(scores[r]), explain_row(per_row[int(r)], plan), float(m))
                for r, m in zip(top.tolist(), matches.tolist())]

    def _top(self, scores: np.ndarray, k: int, filter: Filter) -> np.ndarray:
        """Rows of the k best live documents passing `filter`; ties broken by index order."""
        idx = self.index_
        if idx.n_alive != idx.n_rows:
            scores = np.where(idx.alive, scores, 0.0)
        if filter is not None and not callable(filter):
            allowed = np.zeros(idx.n_rows, dtype=bool)
            allowed[[r for r in map(idx.row_of, filter) if r is not None]] = True
            scores = np.where(allowed, scores, 0.0)
            filter = None
        if filter is None:
            cand = _threshold_candidates(scores, k)
        else:
            cand = np.flatnonzero(scores > 0)
        cand = cand[scores[cand] > 0]
        order = cand[np.lexsort((cand, -scores[cand]))]
        if filter is None:
            return order[:k]
        out = []
        for r in order.tolist():
            if filter(idx.docs.id_of(r)):
                out.append(r)
                if len(out) == k:
                    break
        return np.asarray(out, dtype=np.int64)

    def search_many(self, queries: Iterable[str], k: int = 10, filter: Filter = None) -> list[list[Hit]]:
        """Run `search` for each query; returns one hit list per query."""
        self._check()
        validate_params(_SEARCH_CONSTRAINTS, {"k": k, "filter": filter}, "Matcher.search_many")
        return [self._search(q, int(k), filter, self.min_match) for q in queries]

    def explain(self, query: str, doc_id: str) -> list[tuple[str, float]]:
        """Return the (word, contribution) terms of `doc_id` for `query`; raises KeyError for unknown ids."""
        idx = self._check()
        if idx.row_of(str(doc_id)) is None:
            raise KeyError(doc_id)
        hits = self.search(query, k=1, filter={str(doc_id)}, min_match=0.0)
        return hits[0].terms if hits else []

    def scores(self, query: str) -> dict[str, float]:
        """Return the score of every live document for `query` (zero when nothing matches)."""
        idx = self._check()
        plan = self._plan(query)
        s = self._score(plan)[0] if plan.features else np.zeros(idx.n_rows)
        return {idx.docs.id_of(r): float(s[r]) for r in np.flatnonzero(idx.alive).tolist()}

    # ----- persistence ------------------------------------------------------------------------
    def save(self, path) -> None:
        """Write the index to `path` (npz + json inside, no pickle)."""
        from .store import save

        save(self, path)

    @classmethod
    def load(cls, path, tokenizer: Callable[[str], list[str]] | None = None) -> Matcher:
        """Read an index written by `save`; raises IndexFileError if it is missing or corrupt (its
        saved settings included), InvalidParameterError for a `tokenizer` that is not callable."""
        from .store import load

        return load(cls, path, tokenizer)
