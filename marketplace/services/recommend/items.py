"""What a recommendation is (an Item: a document, its row, its score and shared words), this
request's match index, and the rows the hits stand for."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, has_request_context
from sqlalchemy import Row
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Achievement, Capability, Challenge, User
from ..index_log import CHANGED
from ..match_index import live_index

MODELS = {"ch": Challenge, "cap": Capability, "ach": Achievement, "exp": User}
# The columns match_index.TEXTS reads to make each kind's indexed text, and the owner: what explaining a
# hit needs of its row. Loaded as plain rows, not objects — a search explains up to 200 hits a kind.
TEXT_COLUMNS = {
    "ch": (Challenge.id, Challenge.organisation_id, Challenge.title, Challenge.keywords, Challenge.background,
           Challenge.difficulty, Challenge.indicators, Challenge.expected_outcome, Challenge.chain_id),
    "cap": (Capability.id, Capability.organisation_id, Capability.title, Capability.keywords, Capability.direction,
            Capability.description, Capability.facilities, Capability.results),
    "ach": (Achievement.id, Achievement.organisation_id, Achievement.title, Achievement.summary, Achievement.ip),
    "exp": (User.id, User.organisation_id, User.expert_title, User.expertise),
}

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
    loaded = {}
    for kind, ids in _by_kind(doc_ids).items():
        model = MODELS[kind]
        # The pages show each hit's organisation (and a challenge's chain): load them with the rows.
        query = db.select(model).where(model.id.in_(ids)).options(selectinload(model.organisation))
        if model is Challenge:
            query = query.options(selectinload(Challenge.chain))
        for obj in db.session.scalars(query):
            loaded[f"{kind}:{obj.id}"] = obj
    return loaded


def _by_kind(doc_ids) -> dict[str, list[int]]:
    by_kind: dict[str, list[int]] = {}
    for doc_id in doc_ids:
        kind, _, raw = doc_id.partition(":")
        by_kind.setdefault(kind, []).append(int(raw))
    return by_kind


def load_texts(doc_ids) -> dict[str, Row]:
    """The TEXT_COLUMNS of these documents as plain rows (one query per kind): `match_index.TEXTS`
    makes their indexed text from them as from the objects."""
    loaded = {}
    for kind, ids in _by_kind(doc_ids).items():
        columns = TEXT_COLUMNS[kind]
        for row in db.session.execute(db.select(*columns).where(columns[0].in_(ids))):
            loaded[f"{kind}:{row.id}"] = row
    return loaded


def to_items(explained: list[Explained]) -> list[Item]:
    """Items with their current rows (rank order kept; rows deleted since are dropped)."""
    rows = load_rows(doc_id for doc_id, _, _, _ in explained)
    items = []
    for doc_id, score, terms, match in explained:
        if doc_id in rows:
            items.append(Item(doc_id, rows[doc_id], score, list(terms), len(items) + 1, match))
    return items
