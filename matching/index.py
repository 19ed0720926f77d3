"""Inverted index: a read-only base (column-compressed term frequencies, possibly memory-mapped and
shared by every process on the host) plus small per-process overlays for what changed since.

Nothing here writes to the base arrays: `append` goes to the write segment (new terms to the
vocabulary's overlay), `remove` clears this process's copy of `alive` and counts document-frequency
changes in a sparse overlay (a dense copy would cost 8 bytes per term per worker, with millions of
bigram terms), and `merge` builds new base arrays in memory (`store.save` writes them out).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .postings import collect, column_blocks, row_postings
from .scoring import BIGRAM, WORD, BM25Params, bm25_idf, length_norm
from .vocab import DocIds, Vocabulary

# The write segment is folded into the base once it holds this share of the documents, so `add`
# stays O(document) and queries never scan a long list of small segments.
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


def _empty_vocab() -> Vocabulary:
    return Vocabulary.build([], np.zeros(0, np.int32), np.zeros(0, np.uint32), np.zeros(0, np.int32))


class Index:
    """Term-frequency postings with document lengths, document frequencies and deletions."""

    def __init__(self):
        self.vocab = _empty_vocab()
        self.docs = DocIds.build([])
        self.set_base(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32),
                      np.zeros((0, 2), np.float32))
        # The df-based stop list (explain.common_words), fixed when the index is fitted and saved with
        # it: a reason shown today stays a reason after a few more documents are added.
        self.common: frozenset[str] = frozenset()

    def set_base(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, dl: np.ndarray,
                 words_csr: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> None:
        """Install base arrays (over `self.docs` rows and `self.vocab` columns); clears the overlays."""
        self.indptr, self.indices, self.data = indptr, indices, data
        self.n_base, self.m_base = len(dl), len(indptr) - 1
        self._base_dl = dl
        self._dl_extra = _Grow(np.float32, 2)
        self._alive = _Grow(np.bool_)
        self._alive.extend(np.ones(self.n_base, dtype=np.bool_))
        self.n_alive = self.n_base
        self._df_delta: dict[int, int] = {}
        self._df_arrays: tuple[np.ndarray, np.ndarray] | None = None
        self._delta: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._delta_csc: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._words_csr = words_csr
        self._version = getattr(self, "_version", 0) + 1
        self._norm_cache = None

    # ----- lookups ----------------------------------------------------------------------------
    @property
    def alive(self) -> np.ndarray:
        return self._alive.view

    @property
    def n_rows(self) -> int:
        return len(self.docs)

    @property
    def dl(self) -> np.ndarray:
        """(words, bigrams) length of every row."""
        if self._dl_extra.n == 0:
            return self._base_dl
        return np.concatenate([self._base_dl, self._dl_extra.view])

    def row_of(self, doc_id: str) -> int | None:
        """The live row of `doc_id`, or None."""
        return self.docs.row(doc_id, self.alive)

    def live_ids(self) -> list[str]:
        """Ids of the live documents in row order."""
        return [self.docs.id_of(r) for r in np.flatnonzero(self.alive).tolist()]

    def df_of(self, cols: np.ndarray) -> np.ndarray:
        """Document frequency (live documents) of each column."""
        cols = np.asarray(cols, dtype=np.int64)
        inb = cols < self.m_base
        c = np.where(inb, cols, 0)
        df = (np.where(inb, self.indptr[c + 1] - self.indptr[c], 0) if self.m_base
              else np.zeros(len(cols))).astype(np.float64)
        if self._df_delta:
            if self._df_arrays is None:
                keys = np.fromiter(self._df_delta, dtype=np.int64, count=len(self._df_delta))
                order = np.argsort(keys)
                vals = np.fromiter(self._df_delta.values(), dtype=np.float64, count=len(keys))
                self._df_arrays = (keys[order], vals[order])
            keys, vals = self._df_arrays
            pos = np.minimum(np.searchsorted(keys, cols), len(keys) - 1)
            df += np.where(keys[pos] == cols, vals[pos], 0.0)
        return df

    def _df_add(self, cols: np.ndarray, step: int) -> None:
        d = self._df_delta
        for c in cols.tolist():
            d[c] = d.get(c, 0) + step
        self._df_arrays = None

    # ----- building and updating --------------------------------------------------------------
    def append(self, doc_id: str, cols: np.ndarray, tfs: np.ndarray, dl: tuple[float, float]) -> None:
        """Add one document to the write segment; an existing id is replaced."""
        if self.row_of(doc_id) is not None:
            self.remove([doc_id])
        row = self.docs.append(doc_id)
        self._alive.extend(np.ones(1, dtype=np.bool_))
        self.n_alive += 1
        self._dl_extra.extend(np.asarray([dl], dtype=np.float32))
        self._df_add(cols, 1)
        self._delta.append((row, cols, tfs.astype(np.float32)))
        self._delta_csc = None
        self._version += 1
        if len(self._delta) >= max(_MERGE_MIN, _MERGE_SHARE * self.n_base):
            self.merge()

    def remove(self, doc_ids) -> int:
        """Delete documents by id (unknown ids are ignored); returns how many were removed."""
        rows = sorted({r for r in map(self.row_of, doc_ids) if r is not None})
        if not rows:
            return 0
        rows_arr = np.asarray(rows, dtype=np.int64)
        self._alive.buf[rows_arr] = False
        self.n_alive -= len(rows)
        base_rows = rows_arr[rows_arr < self.n_base]
        if len(base_rows):
            # the base is column-ordered: find the removed rows' postings by a scan (rare, cheap at 100k)
            hit = np.flatnonzero(np.isin(self.indices, base_rows))
            self._df_add(np.searchsorted(self.indptr, hit, side="right") - 1, -1)
        gone = set(rows)
        kept = []
        for row, cols_d, tfs in self._delta:
            if row in gone:
                self._df_add(cols_d, -1)
            else:
                kept.append((row, cols_d, tfs))
        if len(kept) != len(self._delta):
            self._delta, self._delta_csc = kept, None
        self._version += 1
        return len(rows)

    def merged_blocks(self):
        """The live postings of base and write segment, renumbered, in blocks of columns."""
        delta = self._delta_matrix() if self._delta else None
        return column_blocks(self.indptr, self.indices, self.data, len(self.vocab), delta, self.alive)

    def merged_nnz(self) -> int:
        """How many postings `merged_blocks` yields."""
        dead = np.flatnonzero(~self.alive[: self.n_base])
        gone = int(np.isin(self.indices, dead).sum()) if len(dead) else 0
        return len(self.indices) - gone + sum(len(c) for _, c, _ in self._delta)

    def merge(self) -> None:
        """Fold the write segment into the base and drop deleted rows (renumbers rows)."""
        keep = np.flatnonzero(self.alive)
        indptr, indices, data = collect(self.merged_blocks(), len(self.vocab), self.merged_nnz())
        ids = [self.docs.id_of(r) for r in keep.tolist()]
        dl = self.dl[keep].copy()
        vocab = self.vocab
        if vocab.overlay.keys:
            vocab = Vocabulary.rebuilt(vocab)
        self.vocab, self.docs = vocab, DocIds.build(ids)
        self.set_base(indptr, indices, data, dl)

    def _delta_matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The write segment as CSC arrays over all columns (cached until the next change)."""
        m = len(self.vocab)
        if self._delta_csc is None or len(self._delta_csc[0]) != m + 1:
            if self._delta:
                rows = np.concatenate([np.full(len(c), r, dtype=np.int32) for r, c, _ in self._delta])
                cols = np.concatenate([c for _, c, _ in self._delta])
                data = np.concatenate([t for _, _, t in self._delta])
            else:
                rows = cols = np.zeros(0, dtype=np.int32)
                data = np.zeros(0, dtype=np.float32)
            mat = sp.csc_matrix((data, (rows, cols)), shape=(self.n_rows, m))
            mat.sort_indices()
            self._delta_csc = (mat.indptr.astype(np.int64), mat.indices.astype(np.int32), mat.data)
        return self._delta_csc

    # ----- scoring ----------------------------------------------------------------------------
    def norm(self, w: BM25Params) -> np.ndarray:
        """BM25 length-normalisation term per family and row, shape (2, rows), from live documents."""
        c = self._norm_cache
        if c is None or c[0] != self._version or c[1] != w:
            c = (self._version, w, np.ascontiguousarray(length_norm(self.dl, np.asarray(self.avgdl()), w).T))
            self._norm_cache = c
        return c[2]

    def avgdl(self) -> tuple[float, float]:
        """Mean length (words, bigrams) of the live documents, cached until the index changes."""
        c = getattr(self, "_avgdl_cache", None)
        if c is None or c[0] != self._version:
            alive = self.alive
            if not alive.any():
                mean = (1.0, 1.0)
            elif self.n_alive == len(alive):
                mean = tuple(self.dl.mean(axis=0).tolist())
            else:
                mean = tuple(self.dl[alive].mean(axis=0).tolist())
            c = self._avgdl_cache = (self._version, mean)
        return c[1]

    def postings(self, fids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Gather (rows, tf, postings per feature) for the given features from both segments, with
        each feature's postings contiguous and in `fids` order."""
        segs = [(self.indptr, self.indices, self.data, self.m_base)]
        if self._delta:
            dptr, dind, ddat = self._delta_matrix()
            segs.append((dptr, dind, ddat, len(dptr) - 1))
        rows, tfs = [], []
        lens = np.zeros(len(fids), dtype=np.int64)
        for j, f in enumerate(fids.tolist()):
            for ptr, ind, dat, m in segs:
                if f >= m:
                    continue
                a, b = int(ptr[f]), int(ptr[f + 1])
                if a == b:
                    continue
                rows.append(ind[a:b])
                tfs.append(dat[a:b])
                lens[j] += b - a
        if not rows:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32), lens
        return np.concatenate(rows), np.concatenate(tfs), lens

    def words_csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row access to the base's word columns (a third of the postings): saved with the index, or
        built on first use."""
        if self._words_csr is None:
            wanted = self.vocab.family[: self.m_base] == WORD
            self._words_csr = row_postings(
                lambda: column_blocks(self.indptr, self.indices, self.data, self.m_base), self.n_base, wanted)
        return self._words_csr

    def row_words(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """Word features and term frequencies of one document (for query expansion)."""
        if row >= self.n_base:
            for r, cols, tfs in self._delta:
                if r == row:
                    keep = self.vocab.family_of(cols) == WORD
                    return cols[keep], tfs[keep]
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        ip, ix, dt = self.words_csr()
        return ix[ip[row]:ip[row + 1]], dt[ip[row]:ip[row + 1]]

    def score(self, fids: np.ndarray, qw: np.ndarray, w: BM25Params):
        """Return BM25 (scores over rows, rows, per-posting contributions, (position in `fids` per
        segment, segment ends)) for query features `fids` with query-side weights `qw`."""
        n = self.n_rows
        fam = self.vocab.family_of(fids)
        # Words first, then bigrams: each family's postings form one block, normalised in one go.
        order = np.argsort(fam, kind="stable")
        fids, qw, fam = fids[order], np.asarray(qw, dtype=np.float64)[order], fam[order]
        rows, tf, lens = self.postings(fids)
        if len(rows) == 0:
            return (np.zeros(n, dtype=np.float64), rows, np.zeros(0, dtype=np.float32),
                    (np.zeros(0, np.int64), np.zeros(0, np.int64)))
        famx = fam.astype(np.intp)
        coef = (np.asarray(w.family_weight)[famx] * qw * bm25_idf(self.df_of(fids), self.n_alive)
                * (np.asarray(w.k1)[famx] + 1.0)).astype(np.float32)
        norm = self.norm(w)
        split = int(lens[fam == WORD].sum())
        denom = np.empty(len(rows), dtype=np.float32)
        np.take(norm[WORD], rows[:split], out=denom[:split])
        np.take(norm[BIGRAM], rows[split:], out=denom[split:])
        denom += tf
        # tf times its feature's coefficient, a slice per feature: a Python loop over ~100 features
        # costs less than np.repeat of the coefficients over millions of postings at 1M documents
        contrib = np.empty_like(tf)
        ends = np.cumsum(lens)
        for c, a, b in zip(coef, (ends - lens).tolist(), ends.tolist()):
            if a < b:
                np.multiply(tf[a:b], c, out=contrib[a:b])
        contrib /= denom
        scores = np.bincount(rows, weights=contrib, minlength=n)
        # which query feature each posting belongs to, as (feature per segment, segment ends): only the
        # top documents' postings are ever looked up, so no per-posting array is made
        return scores, rows, contrib, (order, ends)
