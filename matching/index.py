"""Inverted index: a column-compressed term-frequency matrix plus a small write segment for `add`."""

from __future__ import annotations

from itertools import islice

import numpy as np
import scipy.sparse as sp

from .scoring import BIGRAM, WORD, BM25Params, bm25_idf, length_norm
from .tokenize import BIGRAM_PREFIX

# The write segment is folded into the main matrix once it holds this share of the documents,
# so `add` stays O(document) and queries never scan a long list of small segments.
_MERGE_SHARE = 0.10
_MERGE_MIN = 2048


class _Grow:
    """A numpy array with amortised O(1) append along axis 0."""

    def __init__(self, dtype, width: int | None = None):
        shape = (16,) if width is None else (16, width)
        self.buf = np.zeros(shape, dtype=dtype)
        self.n = 0

    def extend(self, values: np.ndarray) -> None:
        need = self.n + len(values)
        if need > len(self.buf):
            new = np.zeros((max(need, 2 * len(self.buf)),) + self.buf.shape[1:], dtype=self.buf.dtype)
            new[: self.n] = self.buf[: self.n]
            self.buf = new
        self.buf[self.n: need] = values
        self.n = need

    @property
    def view(self) -> np.ndarray:
        return self.buf[: self.n]


class Index:
    """Term-frequency postings with document lengths, document frequencies and deletions."""

    def __init__(self):
        self.vocab: dict[str, int] = {}
        self.terms: list[str] = []
        self._family = _Grow(np.uint8)
        self._df = _Grow(np.float64)
        self.ids: list[str | None] = []
        self.row_of: dict[str, int] = {}
        self._alive = _Grow(np.bool_)
        self._dl = _Grow(np.float32, 2)
        self.main = sp.csc_matrix((0, 0), dtype=np.float32)
        self._delta: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._delta_csc: sp.csc_matrix | None = None
        self._norm_cache: tuple[int, BM25Params, np.ndarray] | None = None
        self._words_csr: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._version = 0
        # The df-based stop list (explain.common_words), fixed when the index is fitted and saved with
        # it: a reason shown today stays a reason after a few more documents are added.
        self.common: frozenset[str] = frozenset()

    # ----- vocabulary -------------------------------------------------------------------------
    def feature_ids(self, features, grow: bool) -> np.ndarray:
        """Map feature strings to ids, adding unknown ones when `grow`, else dropping them."""
        vocab = self.vocab
        if not grow:
            return np.fromiter((vocab[f] for f in features if f in vocab), dtype=np.int32)
        before = len(self.terms)
        ids = [vocab.setdefault(f, len(vocab)) for f in features]
        if len(vocab) > before:
            new = list(islice(reversed(vocab), len(vocab) - before))[::-1]
            self.terms.extend(new)
            self._family.extend(np.array([BIGRAM if t.startswith(BIGRAM_PREFIX) else WORD for t in new],
                                         dtype=np.uint8))
            self._df.extend(np.zeros(len(new)))
        return np.asarray(ids, dtype=np.int32)

    @property
    def family(self) -> np.ndarray:
        return self._family.view

    @property
    def df(self) -> np.ndarray:
        return self._df.view

    @property
    def alive(self) -> np.ndarray:
        return self._alive.view

    @property
    def dl(self) -> np.ndarray:
        return self._dl.view

    @property
    def n_alive(self) -> int:
        return len(self.row_of)

    # ----- building and updating --------------------------------------------------------------
    def build_from(self, ids: list[str], main: sp.csc_matrix, dl: np.ndarray) -> None:
        """Set the main segment: a (documents x features) CSC matrix over this vocabulary."""
        n, m = len(ids), len(self.terms)
        self.ids = list(ids)
        self.row_of = {i: r for r, i in enumerate(ids)}
        if len(self.row_of) != n:
            raise ValueError("duplicate document ids in fit()")
        if main.shape != (n, m):
            raise ValueError(f"matrix shape {main.shape} does not fit {n} documents x {m} features")
        self._alive = _Grow(np.bool_)
        self._alive.extend(np.ones(n, dtype=np.bool_))
        self._dl = _Grow(np.float32, 2)
        self._dl.extend(dl.astype(np.float32))
        self.main = main
        self.main.indices = self.main.indices.astype(np.int32, copy=False)
        self._df.buf[: m] = np.diff(self.main.indptr)
        self._delta, self._delta_csc, self._words_csr = [], None, None
        self._version += 1

    def append(self, doc_id: str, cols: np.ndarray, tfs: np.ndarray, dl: tuple[float, float]) -> None:
        """Add one document to the write segment; an existing id is replaced."""
        if doc_id in self.row_of:
            self.remove([doc_id])
        row = len(self.ids)
        self.ids.append(doc_id)
        self.row_of[doc_id] = row
        self._alive.extend(np.ones(1, dtype=np.bool_))
        self._dl.extend(np.asarray([dl], dtype=np.float32))
        self._df.buf[cols] += 1
        self._delta.append((row, cols, tfs.astype(np.float32)))
        self._delta_csc = None
        self._version += 1
        if len(self._delta) >= max(_MERGE_MIN, _MERGE_SHARE * self.main.shape[0]):
            self.merge()

    def remove(self, doc_ids) -> int:
        """Delete documents by id (unknown ids are ignored); returns how many were removed."""
        rows = [self.row_of.pop(i) for i in doc_ids if i in self.row_of]
        if not rows:
            return 0
        rows_arr = np.asarray(rows, dtype=np.int64)
        self._alive.buf[rows_arr] = False
        for r in rows:
            self.ids[r] = None
        main_rows = rows_arr[rows_arr < self.main.shape[0]]
        if len(main_rows):
            hit = np.flatnonzero(np.isin(self.main.indices, main_rows))
            cols = np.searchsorted(self.main.indptr, hit, side="right") - 1
            np.subtract.at(self._df.buf, cols, 1)
        gone = set(rows)
        kept = []
        for row, cols_d, tfs in self._delta:
            if row in gone:
                self._df.buf[cols_d] -= 1
            else:
                kept.append((row, cols_d, tfs))
        if len(kept) != len(self._delta):
            self._delta, self._delta_csc = kept, None
        self._version += 1
        return len(rows)

    def merge(self) -> None:
        """Fold the write segment into the main matrix and drop deleted rows (renumbers rows)."""
        n, m = len(self.ids), len(self.terms)
        main = self.main
        # Columns for terms first seen in `add` are empty in the main segment: pad its pointer array.
        indptr = np.concatenate([main.indptr, np.full(m - main.shape[1], main.indptr[-1], dtype=main.indptr.dtype)])
        main = sp.csc_matrix((main.data, main.indices, indptr), shape=(main.shape[0], m))
        parts = [main]
        if self._delta:
            parts.append(self._delta_matrix(n)[main.shape[0]:])
        full = sp.vstack(parts, format="csr") if len(parts) > 1 else main.tocsr()
        keep = np.flatnonzero(self.alive)
        full = full[keep].tocsc()
        full.indices = full.indices.astype(np.int32, copy=False)
        self.ids = [self.ids[r] for r in keep]
        self.row_of = {i: r for r, i in enumerate(self.ids)}
        dl = self.dl[keep].copy()
        self._alive = _Grow(np.bool_)
        self._alive.extend(np.ones(len(keep), dtype=np.bool_))
        self._dl = _Grow(np.float32, 2)
        self._dl.extend(dl)
        self.main = full
        self._delta, self._delta_csc, self._words_csr = [], None, None
        self._version += 1

    def _delta_matrix(self, n_rows: int) -> sp.csc_matrix:
        """The write segment as a CSC matrix over all rows (cached until the next change)."""
        m = len(self.terms)
        if self._delta_csc is None or self._delta_csc.shape != (n_rows, m):
            if self._delta:
                rows = np.concatenate([np.full(len(c), r, dtype=np.int32) for r, c, _ in self._delta])
                cols = np.concatenate([c for _, c, _ in self._delta])
                data = np.concatenate([t for _, _, t in self._delta])
            else:
                rows = cols = np.zeros(0, dtype=np.int32)
                data = np.zeros(0, dtype=np.float32)
            mat = sp.csc_matrix((data, (rows, cols)), shape=(n_rows, m))
            mat.indices = mat.indices.astype(np.int32, copy=False)
            self._delta_csc = mat
        return self._delta_csc

    # ----- scoring ----------------------------------------------------------------------------
    def norm(self, w: BM25Params) -> np.ndarray:
        """BM25 length-normalisation term per family and row, shape (2, rows), from live documents."""
        c = self._norm_cache
        if c is None or c[0] != self._version or c[1] != w:
            alive = self.alive
            avgdl = self.dl[alive].mean(axis=0) if alive.any() else np.ones(2)
            c = (self._version, w, np.ascontiguousarray(length_norm(self.dl, avgdl, w).T))
            self._norm_cache = c
        return c[2]

    def avgdl(self) -> tuple[float, float]:
        """Mean length (words, bigrams) of the live documents, cached until the index changes."""
        c = getattr(self, "_avgdl_cache", None)
        if c is None or c[0] != self._version:
            alive = self.alive
            mean = tuple(self.dl[alive].mean(axis=0).tolist()) if alive.any() else (1.0, 1.0)
            c = self._avgdl_cache = (self._version, mean)
        return c[1]

    def postings(self, fids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Gather (rows, tf, postings per feature) for the given features from both segments, with
        each feature's postings contiguous and in `fids` order."""
        mats = [self.main]
        if self._delta:
            mats.append(self._delta_matrix(len(self.ids)))
        rows, tfs = [], []
        lens = np.zeros(len(fids), dtype=np.int64)
        flist = fids.tolist()
        for j, f in enumerate(flist):
            for mat in mats:
                if f >= mat.shape[1]:
                    continue
                a, b = mat.indptr[f], mat.indptr[f + 1]
                if a == b:
                    continue
                rows.append(mat.indices[a:b])
                tfs.append(mat.data[a:b])
                lens[j] += b - a
        if not rows:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32), lens
        return np.concatenate(rows), np.concatenate(tfs), lens

    def row_words(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """Word features and term frequencies of one document (for query expansion)."""
        if row >= self.main.shape[0]:
            for r, cols, tfs in self._delta:
                if r == row:
                    keep = self.family[cols] == WORD
                    return cols[keep], tfs[keep]
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        if self._words_csr is None:
            # Row access to the word columns only: a third of the postings, built once per segment.
            word_cols = np.flatnonzero(self.family[: self.main.shape[1]] == WORD)
            sub = self.main[:, word_cols].tocsr()
            self._words_csr = (sub.indptr, word_cols[sub.indices].astype(np.int32), sub.data)
        ip, ix, dt = self._words_csr
        return ix[ip[row]:ip[row + 1]], dt[ip[row]:ip[row + 1]]

    def score(self, fids: np.ndarray, qw: np.ndarray, w: BM25Params):
        """Return BM25 (scores over rows, rows, per-posting contributions, position-in-fids) for query
        features `fids` with query-side weights `qw`."""
        n = len(self.ids)
        fam = self.family[fids]
        # Words first, then bigrams: each family's postings form one block, normalised in one go.
        order = np.argsort(fam, kind="stable")
        fids, qw, fam = fids[order], np.asarray(qw, dtype=np.float64)[order], fam[order]
        rows, tf, lens = self.postings(fids)
        if len(rows) == 0:
            return np.zeros(n, dtype=np.float64), rows, np.zeros(0, dtype=np.float32), rows.astype(np.int64)
        famx = fam.astype(np.intp)
        coef = (np.asarray(w.family_weight)[famx] * qw * bm25_idf(self.df[fids], self.n_alive)
                * (np.asarray(w.k1)[famx] + 1.0)).astype(np.float32)
        norm = self.norm(w)
        split = int(lens[fam == WORD].sum())
        denom = np.empty(len(rows), dtype=np.float32)
        np.take(norm[WORD], rows[:split], out=denom[:split])
        np.take(norm[BIGRAM], rows[split:], out=denom[split:])
        denom += tf
        contrib = np.repeat(coef, lens) * tf
        contrib /= denom
        scores = np.bincount(rows, weights=contrib, minlength=n)
        which = np.repeat(order, lens)
        return scores, rows, contrib, which
