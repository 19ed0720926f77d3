"""Recommendation feedback as relevance judgements in the BEIR layout (corpus, queries, qrels).

Only judgements whose user may (still) see the pairing count, checked again here with the same rule
that admits them (recommend_feedback.scope): an event stored before that rule, or by a user who has
since lost access, copies no text into the export. A listing its judges saw only as a summary is
exported as the summary: title, keywords and chain, never its hidden text."""
from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

from ..extensions import db
from ..models import Challenge, Organisation, Proposal, RecommendationEvent, User
from .match_index import chain_name
from .recommend.candidates import challenge_query, institution_query
from .recommend_feedback import scope

# How much each signal says about relevance: an acted-on recommendation counts more than a click.
GRADES = {"not_useful": 0, "useful": 1, "invited": 1, "assigned": 1, "shortlisted": 2, "selected": 2}


def _text(key: str, in_full: bool = True) -> tuple[str, str] | None:
    """(title, text) of a query or document key such as ch:1, org:2, exp:3, prop:4."""
    kind, _, raw = key.partition(":")
    ident = int(raw) if raw.isascii() and raw.isdigit() else None
    if ident is None:
        return None
    if kind == "ch" and (c := db.session.get(Challenge, ident)):
        return (c.title, challenge_query(c)) if in_full else (c.title, f"{c.keywords}\n{chain_name(c.chain_id)}")
    if kind == "org" and (o := db.session.get(Organisation, ident)):
        return o.name, institution_query(o)
    if kind == "exp" and (u := db.session.get(User, ident)):
        return u.expert_title, u.expertise
    if kind == "prop" and (p := db.session.get(Proposal, ident)):
        return p.challenge.title, p.technical_plan
    return None


def validated() -> tuple[dict[tuple[str, str], int], dict[str, bool]]:
    """The best grade each (query, document) pair has received from users who may see it, and per
    document whether one of them sees it in full."""
    grades: dict[tuple[str, str], int] = {}
    full: dict[str, bool] = {}
    users: dict[int, User | None] = {}
    for event in db.session.scalars(db.select(RecommendationEvent).where(RecommendationEvent.user_id.is_not(None))
                                    .order_by(RecommendationEvent.id)):
        if event.user_id not in users:
            users[event.user_id] = db.session.get(User, event.user_id)
        seen = scope(users[event.user_id], event.context, event.query_id, event.doc_id)
        if seen is None:
            continue
        key = (event.query_id, event.doc_id)
        grades[key] = max(grades.get(key, 0), GRADES.get(event.kind, 0))
        full[event.doc_id] = full.get(event.doc_id, False) or seen.doc_in_full
    return grades, full


def judgements() -> dict[tuple[str, str], int]:
    """The best grade each (query, document) pair has received (validated events only)."""
    return validated()[0]


def export_beir(folder: str | Path) -> dict[str, int]:
    """Write corpus.jsonl, queries.jsonl and qrels.tsv; returns how many of each."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    grades, full = validated()
    queries = {q: _text(q) for q in {q for q, _ in grades}}
    docs = {d: _text(d, full[d]) for d in {d for _, d in grades}}
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


def export_zip() -> bytes:
    """The same three files as one zip, for a platform admin to download from the report page."""
    with tempfile.TemporaryDirectory() as folder:
        export_beir(folder)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in ("corpus.jsonl", "queries.jsonl", "qrels.tsv"):
                archive.write(Path(folder) / name, f"feedback/{name}")
    return buffer.getvalue()
