"""Pseudo-relevance feedback: expand a query with the salient words of its best first-pass documents.

Short queries (a title, a few keywords) name a topic in few words; the best-matching documents name
it in many. Adding their highest-weighted words (RM3-style, BM25 weights, scaled by each document's
first-pass score) lifts documents of the same field that share few literal words with the query.
"""

from __future__ import annotations

import numpy as np

from .scoring import WORD, BM25Params, bm25_idf


def expansion(index, scores: np.ndarray, top_rows: np.ndarray, w: BM25Params, n_terms: int,
              weight: float, max_df: float) -> tuple[np.ndarray, np.ndarray]:
    """Return (feature ids, query weights) of up to `n_terms` expansion words from `top_rows`."""
    if len(top_rows) == 0 or n_terms <= 0 or weight <= 0:
        return np.zeros(0, np.int64), np.zeros(0)
    n = index.n_alive
    norm = index.norm(w)[WORD]
    got = [index.row_words(r) for r in top_rows.tolist()]
    lens = np.array([len(c) for c, _ in got])
    if lens.sum() == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    cols = np.concatenate([c for c, _ in got])
    tf = np.concatenate([t for _, t in got]).astype(np.float64)
    slot = np.repeat(np.arange(len(got)), lens)  # which feedback document each posting is from
    df = index.df_of(cols)
    # Words of one document or of most documents cannot tell the topic apart.
    keep = (df >= 2) & (df <= max_df * n)
    cols, tf, slot, df = cols[keep], tf[keep], slot[keep], df[keep]
    if len(cols) == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    wt = tf / (tf + norm[top_rows[slot]]) * bm25_idf(df, n)
    total = np.bincount(slot, weights=wt, minlength=len(got))
    first = scores[top_rows].astype(np.float64)
    share = first / (first[0] or 1.0) / np.where(total > 0, total, 1.0)
    wt *= share[slot]
    uniq, inv = np.unique(cols, return_inverse=True)
    acc = np.bincount(inv.ravel(), weights=wt)
    take = min(n_terms, len(uniq))
    top = np.argpartition(-acc, take - 1)[:take]
    top = top[np.lexsort((uniq[top], -acc[top]))]
    return uniq[top].astype(np.int64), weight * acc[top] / acc[top[0]]
