"""BM25 scoring over the sparse term-frequency index (per feature family), plus a slow reference for tests."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

WORD, BIGRAM = 0, 1  # feature families


@dataclass(frozen=True)
class BM25Params:
    """BM25 settings per feature family (index 0 words, 1 character bigrams), from a Matcher's
    validated settings."""

    k1: tuple[float, float] = (1.2, 1.2)
    b: tuple[float, float] = (0.75, 0.75)
    family_weight: tuple[float, float] = (1.0, 1.0)
    k3: float = 1.0  # saturation of repeated query terms; long queries repeat words a lot

    def query_weight(self, qtf: np.ndarray) -> np.ndarray:
        """Saturating query term frequency: qtf (k3+1) / (qtf + k3)."""
        return qtf * (self.k3 + 1.0) / (qtf + self.k3)


def bm25_idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """BM25 idf, log(1 + (N - df + 0.5) / (df + 0.5)), never negative."""
    return np.log1p((n_docs - df + 0.5) / (df + 0.5))


def length_norm(dl: np.ndarray, avgdl: np.ndarray, w: BM25Params) -> np.ndarray:
    """Per-document, per-family BM25 denominator term k1 (1 - b + b dl/avgdl); shape (n_docs, 2)."""
    k1 = np.asarray(w.k1, dtype=np.float64)
    b = np.asarray(w.b, dtype=np.float64)
    safe = np.where(avgdl > 0, avgdl, 1.0)
    return (k1 * (1.0 - b + b * dl / safe)).astype(np.float32)


def reference_bm25_scores(docs_features: list[dict[str, float]], doc_len: list[tuple[float, float]],
                          query_features: dict[str, int], w: BM25Params) -> list[float]:
    """Score every document with plain Python loops, straight from the BM25 formula (slow; for tests)."""
    n = len(docs_features)
    avg = [sum(d[f] for d in doc_len) / n if n else 0.0 for f in (0, 1)]
    out = []
    for feats, dl in zip(docs_features, doc_len):
        s = 0.0
        for term, qtf in query_features.items():
            tf = feats.get(term, 0.0)
            if tf <= 0:
                continue
            fam = BIGRAM if term.startswith("\x1f") else WORD
            df = sum(1 for d in docs_features if d.get(term, 0.0) > 0)
            idf_t = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            k1, b = w.k1[fam], w.b[fam]
            avgdl = avg[fam] if avg[fam] > 0 else 1.0
            k = k1 * (1.0 - b + b * dl[fam] / avgdl)
            qw = qtf * (w.k3 + 1.0) / (qtf + w.k3)
            s += w.family_weight[fam] * idf_t * qw * tf * (k1 + 1.0) / (tf + k)
        out.append(s)
    return out


def ideal_score(df: np.ndarray, family: np.ndarray, qw: np.ndarray, n_docs: int, w: BM25Params,
                room: tuple[float, float] | None = None) -> float:
    """The best score a query can expect from a document of average length: its weightiest features
    present once each. There BM25's term-frequency part, tf (k1 + 1) / (tf + k1 (1 - b + b dl/avgdl)),
    is exactly 1, so each feature adds family weight x query weight x idf. A feature no document has
    counts with df 0: a query half of whose words nothing has is matched by half at best.

    `room` (the average document length per family, words and bigrams): a document of that length
    holds at most that many features, so a query longer than that (an abstract against titles, an
    institution's whole profile against challenges) is measured against its `room` weightiest
    features of each family, not against all of them, which no document could match."""
    fw = np.asarray(w.family_weight, dtype=np.float64)[family.astype(np.intp)]
    each = fw * qw * bm25_idf(df, n_docs)
    if room is None:
        return float(each.sum())
    total = 0.0
    for fam in (WORD, BIGRAM):
        mine = np.sort(each[family == fam])[::-1]
        total += float(mine[: max(1, int(round(room[fam])))].sum())
    return total


def match_index(raw: np.ndarray | float, ideal: float) -> np.ndarray | float:
    """The match index, 0–100: a raw BM25 score as a share of the query's ideal score (`ideal_score`),
    capped at 100 (a document repeating the query's rarest words can pass the ideal).

    100 means "as good a match as this query can expect": the document has every word of the query
    (rare words weigh more, as in BM25 itself); 30 means it has about a third of the query's weight.
    Raw scores grow with the length of the query and the size of the corpus, so a raw score means
    nothing across queries; this share means the same for a title of five words and a page of text,
    and it rises and falls with the raw score within one query (so sorting by either is the same).
    """
    if ideal <= 0:
        return np.zeros_like(raw) if isinstance(raw, np.ndarray) else 0.0
    return np.minimum(100.0, 100.0 * np.asarray(raw) / ideal) if isinstance(raw, np.ndarray) \
        else min(100.0, 100.0 * float(raw) / ideal)
