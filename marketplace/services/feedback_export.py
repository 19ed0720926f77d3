"""Recommendation feedback as relevance judgements in the BEIR layout (corpus, queries, qrels)."""
from __future__ import annotations

import json
from pathlib import Path

from ..extensions import db
from ..models import Challenge, Organisation, Proposal, RecommendationEvent, User
from .recommend import challenge_query, institution_query

# How much each signal says about relevance: an acted-on recommendation counts more than a click.
GRADES = {"not_useful": 0, "useful": 1, "invited": 1, "assigned": 1, "shortlisted": 2, "selected": 2}


def _text(key: str) -> tuple[str, str] | None:
    """(title, text) of a query or document key such as ch:1, org:2, exp:3, prop:4."""
    kind, _, raw = key.partition(":")
    ident = int(raw) if raw.isdigit() else None
    if ident is None:
        return None
    if kind == "ch" and (c := db.session.get(Challenge, ident)):
        return c.title, challenge_query(c)
    if kind == "org" and (o := db.session.get(Organisation, ident)):
        return o.name, institution_query(o)
    if kind == "exp" and (u := db.session.get(User, ident)):
        return u.expert_title, u.expertise
    if kind == "prop" and (p := db.session.get(Proposal, ident)):
        return p.challenge.title, p.technical_plan
    return None


def judgements() -> dict[tuple[str, str], int]:
    """The best grade each (query, document) pair has received."""
    grades: dict[tuple[str, str], int] = {}
    for event in db.session.scalars(db.select(RecommendationEvent).order_by(RecommendationEvent.id)):
        key = (event.query_id, event.doc_id)
        grade = GRADES.get(event.kind, 0)
        grades[key] = max(grades.get(key, 0), grade)
    return grades


def export_beir(folder: str | Path) -> dict[str, int]:
    """Write corpus.jsonl, queries.jsonl and qrels.tsv; returns how many of each."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    grades = judgements()
    queries = {q: _text(q) for q in {q for q, _ in grades}}
    docs = {d: _text(d) for d in {d for _, d in grades}}
    queries = {k: v for k, v in queries.items() if v}
    docs = {k: v for k, v in docs.items() if v}
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as out:
        for key, (title, text) in sorted(docs.items()):
            out.write(json.dumps({"_id": key, "title": title, "text": text}, ensure_ascii=False) + "\n")
    with open(folder / "queries.jsonl", "w", encoding="utf-8") as out:
        for key, (title, text) in sorted(queries.items()):
            out.write(json.dumps({"_id": key, "text": f"{title}\n{text}"}, ensure_ascii=False) + "\n")
    rows = [(q, d, g) for (q, d), g in sorted(grades.items()) if q in queries and d in docs]
    with open(folder / "qrels.tsv", "w", encoding="utf-8") as out:
        out.write("query-id\tcorpus-id\tscore\n")
        for q, d, g in rows:
            out.write(f"{q}\t{d}\t{g}\n")
    return {"queries": len(queries), "corpus": len(docs), "qrels": len(rows)}
