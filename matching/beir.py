"""Reading BEIR-layout folders and computing nDCG, recall and MRR at a cut-off."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path

from .params import Interval, validate_params


@dataclass
class Dataset:
    """A BEIR folder: corpus docs ({"id", "title", "text"}), queries {id: text}, qrels {qid: {docid: grade}}."""

    name: str
    corpus: list[dict]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def default_data_dir() -> Path:
    """The dev data folder: $MATCHING_DEV_DATA, else ../shared/data/matching-dev beside the repo root."""
    env = os.environ.get("MATCHING_DEV_DATA")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parent.parent
    return repo.parent / "shared" / "data" / "matching-dev"


def _jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load(folder) -> Dataset:
    """Read corpus.jsonl, queries.jsonl and qrels.tsv from `folder`; raises FileNotFoundError if one is missing."""
    folder = Path(folder)
    corpus = [{"id": str(d["_id"]), "title": d.get("title") or "", "text": d.get("text") or ""}
              for d in _jsonl(folder / "corpus.jsonl")]
    queries = {str(q["_id"]): q.get("text") or "" for q in _jsonl(folder / "queries.jsonl")}
    qrels: dict[str, dict[str, int]] = {}
    with open(folder / "qrels.tsv", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            parts = line.rstrip("\n").split("\t")
            if n == 0 and parts[0] == "query-id":
                continue
            if len(parts) >= 3:
                qrels.setdefault(parts[0], {})[parts[1]] = int(float(parts[2]))
    queries = {q: t for q, t in queries.items() if q in qrels}
    return Dataset(folder.name, corpus, queries, qrels)


def metrics(ranked: dict[str, list[str]], qrels: dict[str, dict[str, int]], k: int = 10) -> dict[str, float]:
    """Mean nDCG@k (linear gains, as trec_eval), Recall@k and MRR@k over the judged queries;
    raises InvalidParameterError for k < 1."""
    validate_params({"k": [Interval(Integral, 1, None, closed="left")]}, {"k": k}, "metrics")
    nd = rc = rr = 0.0
    for qid, rels in qrels.items():
        got = ranked.get(qid, [])[:k]
        dcg = sum(rels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(got))
        ideal = sorted(rels.values(), reverse=True)[:k]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        nd += dcg / idcg if idcg > 0 else 0.0
        relevant = {d for d, g in rels.items() if g > 0}
        rc += len(relevant.intersection(got)) / len(relevant) if relevant else 0.0
        rr += next((1.0 / (i + 1) for i, d in enumerate(got) if d in relevant), 0.0)
    n = max(len(qrels), 1)
    return {f"ndcg@{k}": nd / n, f"recall@{k}": rc / n, f"mrr@{k}": rr / n}
