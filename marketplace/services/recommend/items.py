"""What a recommendation is (an Item: a document, its row, its score and shared words), this
request's match index, and the rows the hits stand for."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, has_request_context
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Achievement, Capability, Challenge, User
from ..index_log import CHANGED
from ..match_index import live_index

MODELS = {"ch": Challenge, "cap": Capability, "ach": Achievement, "exp": User}

# (doc id, raw score, shared terms, match index): plain data
Explained = tuple[str, float, tuple[tuple[str, float], ...], float]


@dataclass
class Item:
    """One recommended document with its scores and the shared terms that produced it: `score` is the
    raw BM25 score (sorting, feedback), `match` the match index 0–100 the pages show as 匹配度."""

    doc_id: str
    obj: object
    score: float
    terms: list[tuple[str, float]]
    rank: int
    match: float = 0.0
    answered: bool = False  # the viewer's organisation has already answered it (已揭榜)

    @property
    def words(self) -> list[str]:
        return [term for term, _ in self.terms]


def current_index():
    """This process's index, caught up with the change log once per request (a page may rank several
    times), and again after this request itself wrote listing changes."""
    if not has_request_context():
        return live_index(current_app.instance_path)
    index = g.get("match_index")
    if index is None or db.session.info.pop(CHANGED, False):
        index = g.match_index = live_index(current_app.instance_path)
    return index


def load_rows(doc_ids) -> dict[str, object]:
    """The rows of these documents (one query per kind, with what the pages show of them)."""
    by_kind: dict[str, list[int]] = {}
    for doc_id in doc_ids:
        kind, _, raw = doc_id.partition(":")
        by_kind.setdefault(kind, []).append(int(raw))
    loaded = {}
    for kind, ids in by_kind.items():
        model = MODELS[kind]
        # The pages show each hit's organisation (and a challenge's chain): load them with the rows.
        query = db.select(model).where(model.id.in_(ids)).options(selectinload(model.organisation))
        if model is Challenge:
            query = query.options(selectinload(Challenge.chain))
        for obj in db.session.scalars(query):
            loaded[f"{kind}:{obj.id}"] = obj
    return loaded


def to_items(explained: list[Explained]) -> list[Item]:
    """Items with their current rows (rank order kept; rows deleted since are dropped)."""
    rows = load_rows(doc_id for doc_id, _, _, _ in explained)
    items = []
    for doc_id, score, terms, match in explained:
        if doc_id in rows:
            items.append(Item(doc_id, rows[doc_id], score, list(terms), len(items) + 1, match))
    return items
