"""Bulk featurisation for `fit`: words per document, character bigrams vectorised with numpy, in chunks.

Large corpora are split over worker processes (fork); each chunk comes back as compact arrays with a
chunk-local word list, so only numbers and the distinct words cross the process boundary.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from .normalize import normalize_many
from .postings import ColumnChunks
from .tokenize import Analyzer
from .vocab import Vocabulary

_CHUNK = 4000  # documents per work unit: big enough to amortise numpy calls, small enough to balance
_PARALLEL_MIN = 20000  # below this the process start-up costs more than it saves


@dataclass
class Chunk:
    """Features of a run of documents: rows are chunk-local document numbers."""

    words: list[str]
    w_rows: np.ndarray
    w_ids: np.ndarray
    w_tf: np.ndarray
    g_rows: np.ndarray
    g_codes: np.ndarray  # distinct bigram codes of the chunk
    g_inv: np.ndarray  # per posting, index into g_codes
    g_tf: np.ndarray
    dl: np.ndarray


def _is_cjk(codes: np.ndarray) -> np.ndarray:
    return ((codes >= 0x3400) & (codes <= 0x4DBF)) | ((codes >= 0x4E00) & (codes <= 0x9FFF)) | (
        (codes >= 0xF900) & (codes <= 0xFAFF))


def bigram_codes(ntexts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return (text number, code) for every CJK bigram of the normalised texts; code = c1 << 16 | c2."""
    if not ntexts:
        return np.zeros(0, np.int64), np.zeros(0, np.uint32)
    joined = "\n".join(ntexts)  # the separator is not CJK, so no bigram spans two texts
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    cjk = _is_cjk(codes)
    pos = np.flatnonzero(cjk[:-1] & cjk[1:])
    starts = np.cumsum([0] + [len(t) + 1 for t in ntexts[:-1]])
    text_no = np.searchsorted(starts, pos, side="right") - 1
    return text_no, (codes[pos] << 16) | codes[pos + 1]


def featurize_chunk(analyzer: Analyzer, docs: list[Mapping], title_weight: float, ngrams: bool) -> Chunk:
    """Featurise one run of documents (titles count `title_weight` times)."""
    keys: list[str] = []
    vals: list[float] = []
    sizes = np.zeros(len(docs), dtype=np.int64)
    dl = np.zeros((len(docs), 2), dtype=np.float32)
    texts = normalize_many([str(d.get("text") or "") for d in docs])
    titles = normalize_many([str(d.get("title") or "") for d in docs])
    for r, (text, title) in enumerate(zip(texts, titles)):
        c = analyzer.word_counts(text)
        n_words = float(sum(c.values()))
        if title and title_weight:  # title_weight 0: titles are not indexed at all, not as tf 0
            tc = analyzer.word_counts(title)
            for t, v in tc.items():
                c[t] += title_weight * v
            n_words += title_weight * sum(tc.values())
        dl[r, 0] = n_words
        keys.extend(c)
        vals.extend(c.values())
        sizes[r] = len(c)
    # dict.fromkeys and map run in C: far cheaper than a setdefault per (document, word) pair.
    local = {t: i for i, t in enumerate(dict.fromkeys(keys))}
    w_ids = np.fromiter(map(local.__getitem__, keys), dtype=np.int32, count=len(keys))
    w_rows = np.repeat(np.arange(len(docs), dtype=np.int32), sizes)
    w_tf = np.asarray(vals, dtype=np.float32)
    if ngrams:
        rows, codes = bigram_codes(texts)
        weights = np.ones(len(rows), dtype=np.float32)
        if title_weight and any(titles):
            t_rows, t_codes = bigram_codes(titles)
            rows = np.concatenate([rows, t_rows])
            codes = np.concatenate([codes, t_codes])
            weights = np.concatenate([weights, np.full(len(t_rows), title_weight, dtype=np.float32)])
        dl[:, 1] = np.bincount(rows, weights=weights, minlength=len(docs))
        key = (rows.astype(np.uint64) << np.uint64(32)) | codes.astype(np.uint64)
        uniq, inv = np.unique(key, return_inverse=True)
        tf = np.bincount(inv.ravel(), weights=weights, minlength=len(uniq)).astype(np.float32)
        g_rows = (uniq >> np.uint64(32)).astype(np.int32)
        g_codes, g_inv = np.unique((uniq & np.uint64(0xFFFFFFFF)).astype(np.uint32), return_inverse=True)
    else:
        g_rows, g_codes, tf = np.zeros(0, np.int32), np.zeros(0, np.uint32), np.zeros(0, np.float32)
        g_inv = np.zeros(0, np.int32)
    return Chunk(list(local), w_rows, w_ids, w_tf, g_rows, g_codes, g_inv.ravel().astype(np.int32), tf, dl)


_WORK: tuple | None = None  # set in the parent before forking; workers read it instead of unpickling docs


def _work(span: tuple[int, int]) -> Chunk:
    analyzer, docs, title_weight, ngrams = _WORK
    return featurize_chunk(analyzer, docs[span[0]:span[1]], title_weight, ngrams)


def iter_chunks(analyzer: Analyzer, docs: list[Mapping], title_weight: float, ngrams: bool,
                n_jobs: int | None = None) -> Iterator[Chunk]:
    """Featurise `docs` chunk by chunk, in order, using up to `n_jobs` processes for large inputs."""
    global _WORK
    spans = [(i, min(i + _CHUNK, len(docs))) for i in range(0, len(docs), _CHUNK)]
    jobs = n_jobs if n_jobs is not None else (os.cpu_count() or 1)
    if jobs > 1 and len(docs) >= _PARALLEL_MIN and "fork" in mp.get_all_start_methods():
        analyzer.words("预热")  # load the dictionary once in the parent; children inherit it
        _WORK = (analyzer, docs, title_weight, ngrams)
        try:
            with mp.get_context("fork").Pool(min(jobs, len(spans))) as pool:
                # imap, not map: each chunk is folded into the index as it arrives, so the raw
                # features of the whole corpus never sit in memory at once.
                yield from pool.imap(_work, spans, chunksize=1)
        finally:
            _WORK = None
        return
    for a, b in spans:
        yield featurize_chunk(analyzer, docs[a:b], title_weight, ngrams)


class FitVocabulary:
    """The vocabulary while fitting: a dict of words, and bigram codes in a sorted array (a dict or a
    string per bigram would cost ~150 bytes for each of millions); `freeze` makes the compact base."""

    def __init__(self):
        self.words: dict[str, int] = {}
        self.codes = np.zeros(0, np.uint32)  # sorted
        self.code_col = np.zeros(0, np.int32)
        self.m = 0

    def word_cols(self, words: list[str]) -> np.ndarray:
        vocab = self.words
        out = np.empty(len(words), dtype=np.int32)
        for j, w in enumerate(words):
            col = vocab.get(w)
            if col is None:
                col = vocab[w] = self.m
                self.m += 1
            out[j] = col
        return out

    def code_cols(self, codes: np.ndarray) -> np.ndarray:
        """Columns of distinct bigram codes, numbering new ones in order."""
        pos = np.searchsorted(self.codes, codes)
        found = np.zeros(len(codes), dtype=bool)
        ok = pos < len(self.codes)
        found[ok] = self.codes[pos[ok]] == codes[ok]
        out = np.empty(len(codes), dtype=np.int32)
        out[found] = self.code_col[pos[found]]
        new = codes[~found]
        cols = np.arange(self.m, self.m + len(new), dtype=np.int32)
        self.m += len(new)
        out[~found] = cols
        if len(new):
            at = np.searchsorted(self.codes, new)
            self.codes = np.insert(self.codes, at, new)
            self.code_col = np.insert(self.code_col, at, cols)
        return out

    def freeze(self) -> Vocabulary:
        words = list(self.words)
        cols = np.fromiter(self.words.values(), dtype=np.int32, count=len(words))
        self.words = {}
        return Vocabulary.build(words, cols, self.codes, self.code_col)


def stack_chunks(chunks: Iterable[Chunk]) -> tuple[Vocabulary, tuple, np.ndarray]:
    """The vocabulary, the (documents x features) CSC arrays and the lengths of a stream of chunks,
    holding each chunk's postings once, compactly, until they are laid out in the final arrays."""
    vocab = FitVocabulary()
    cols_by_chunk = ColumnChunks()
    dls = []
    for ch in chunks:
        rows, cols, vals, dl = assemble(vocab, [ch])
        del ch
        cols_by_chunk.add(rows, cols, vals, len(dl))
        del rows, cols, vals
        dls.append(dl)
    dl = np.concatenate(dls) if dls else np.zeros((0, 2), np.float32)
    csc = cols_by_chunk.csc(vocab.m)
    return vocab.freeze(), csc, dl


def assemble(vocab, chunks: list[Chunk]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Map chunk-local features to vocabulary columns (`vocab`: a FitVocabulary, or the index's
    Vocabulary for `add`); returns COO (rows, cols, tf) and lengths.

    Chunks are released from `chunks` as they are copied, so the features are held once, not twice.
    """
    total = sum(len(ch.w_ids) + len(ch.g_inv) for ch in chunks)
    rows = np.empty(total, dtype=np.int32)
    cols = np.empty(total, dtype=np.int32)
    vals = np.empty(total, dtype=np.float32)
    dls = []
    base = pos = 0
    for i in range(len(chunks)):
        ch, chunks[i] = chunks[i], None
        gid = vocab.word_cols(ch.words)
        n = len(ch.w_ids)
        rows[pos:pos + n] = ch.w_rows + base
        cols[pos:pos + n] = gid[ch.w_ids] if n else ch.w_ids
        vals[pos:pos + n] = ch.w_tf
        pos += n
        if len(ch.g_codes):
            umap = vocab.code_cols(ch.g_codes)
            n = len(ch.g_inv)
            rows[pos:pos + n] = ch.g_rows + base
            cols[pos:pos + n] = umap[ch.g_inv]
            vals[pos:pos + n] = ch.g_tf
            pos += n
        dls.append(ch.dl)
        base += len(ch.dl)
    dl = np.concatenate(dls) if dls else np.zeros((0, 2), np.float32)
    return rows, cols, vals, dl
