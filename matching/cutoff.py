"""Tuning the relevance cutoff: what each match-index threshold keeps and drops of every dev set's top 10.

    python -m matching.eval --all --cutoff-table

For each folder, the top `k` hits of every query (no cutoff) are split by the qrels into relevant and
irrelevant ones; a threshold keeps the hits whose match index reaches it. The table gives, per
threshold: the share of the relevant top-k hits kept (recall at the cutoff, against the top k), the
share of the irrelevant ones dropped, the precision of what is still listed, and how many hits a query
lists on average. The rule (`recommend`): the highest threshold that keeps at least 99.9% of the
relevant top-k hits of every folder, so nDCG@k stays as it was (a cutoff only trims the tail of
each list, and the tail it trims holds next to no relevant hit). The run also names the highest
threshold keeping all of them and the one keeping 95%, for comparison.
"""

from __future__ import annotations

import numpy as np

from . import beir

THRESHOLDS = (0, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20, 25, 30)


def top_matches(folder, k: int = 10, params: dict | None = None) -> dict:
    """{"dataset", "queries", "relevant": [match...], "irrelevant": [match...]} of every query's top k."""
    from .matcher import Matcher

    ds = beir.load(folder)
    matcher = Matcher(**{**(params or {}), "min_match": 0.0}).fit(ds.corpus)
    # A feedback export judges some pairs 0 (不相关) and leaves the rest unjudged: there only judged
    # hits count. In the dev sets every hit not in the qrels is irrelevant.
    explicit = any(grade == 0 for judged in ds.qrels.values() for grade in judged.values())
    relevant, irrelevant = [], []
    for qid, text in ds.queries.items():
        judged = ds.qrels.get(qid, {})
        for hit in matcher.search(text, k=k):
            if explicit and hit.id not in judged:
                continue
            (relevant if judged.get(hit.id, 0) > 0 else irrelevant).append(hit.match)
    return {"dataset": ds.name, "queries": len(ds.queries), "relevant": relevant, "irrelevant": irrelevant}


def rows(found: dict, thresholds=THRESHOLDS) -> list[dict]:
    """One row per threshold: kept share of relevant hits, dropped share of irrelevant, precision, hits/query."""
    rel = np.asarray(found["relevant"], dtype=np.float64)
    irr = np.asarray(found["irrelevant"], dtype=np.float64)
    out = []
    for t in thresholds:
        kept_rel, kept_irr = int((rel >= t).sum()), int((irr >= t).sum())
        listed = kept_rel + kept_irr
        out.append({"threshold": t,
                    "relevant_kept": kept_rel / len(rel) if len(rel) else 1.0,
                    "irrelevant_dropped": 1.0 - kept_irr / len(irr) if len(irr) else 1.0,
                    "precision": kept_rel / listed if listed else 0.0,
                    "listed_per_query": listed / found["queries"] if found["queries"] else 0.0})
    return out


def recommend(tables: list[list[dict]], keep: float = 0.999) -> float:
    """The highest threshold keeping at least `keep` of the relevant hits in every table."""
    ok = [row["threshold"] for row in tables[0]
          if all(t[i]["relevant_kept"] >= keep for t in tables for i in range(len(t)) if t[i]["threshold"] == row["threshold"])]
    return max(ok) if ok else 0.0


def format_rows(name: str, table: list[dict], default: float) -> str:
    lines = [f"{name}: cutoff table (top-10 hits without a cutoff; * = matching.params.DEFAULT_MIN_MATCH)",
             f"{'min_match':>10}{'rel kept':>10}{'irr dropped':>13}{'precision':>11}{'hits/query':>12}"]
    for r in table:
        mark = "*" if r["threshold"] == default else " "
        lines.append(f"{r['threshold']:>9g}{mark}{r['relevant_kept']:>10.4f}{r['irrelevant_dropped']:>13.3f}"
                     f"{r['precision']:>11.3f}{r['listed_per_query']:>12.2f}")
    return "\n".join(lines)
