"""Why a hit is shown: the words it really shares with the query, as the document writes them.

The matcher credits a query word for the character bigrams it shares, which may not be the word
itself; and some words match everywhere. Only real, telling words are reasons (the matcher's
`is_reason`: no filler, fragments, numbers or units, and none of the words the index found in more
than a fifth of its documents), and a hit with none is not shown.
"""
from __future__ import annotations

import re
from functools import lru_cache

from matching.explain import is_filler
from matching.tokenize import normalize

from ..match_index import TEXTS
from ..text_search import query_words
from .items import Explained, Item, current_index, load_rows, to_items


def shared_terms(hit, obj, typed: bool = False) -> list[tuple[str, float]]:
    """The hit's terms that really occur in the document, as the document writes them (the matcher
    also credits a query word for character bigrams it shares, which may not be the word itself)."""
    title, body = TEXTS[hit.id.partition(":")[0]](obj)
    raw = f"{title}\n{body}"
    text = normalize(raw)
    common = current_index().common_terms
    shared = []
    for term, weight in _with_parts(hit.terms, text) if typed else hit.terms:
        # Single characters (液, 板) explain nothing to a reader even when they matched.
        if len(term) < 2 or term not in text:
            continue
        if not typed and is_filler(term, common):
            continue
        written = re.search(re.escape(term), raw, re.IGNORECASE)  # "PUE", not the index's "pue"
        shared.append((written.group(0) if written else term, weight))
    return shared


def _with_parts(terms, text: str):
    """A typed compound the document does not write whole (人工智能芯片) is credited by the words it
    is made of that the document has (人工智能, 芯片): the same hits are found, and explained, whether
    the user typed the words together or apart, and whoever searches."""
    seen = set()
    for term, weight in terms:
        for word in [term] if term in text else [term, *_parts(term)]:
            if word not in seen:
                seen.add(word)
                yield word, weight


@lru_cache(maxsize=4096)
def _parts(term: str) -> tuple[str, ...]:
    """The words a typed compound segments into: asked once per term, not once per hit it is checked against."""
    return tuple(query_words(term))


def explained_rows(hits, typed: bool = False):
    """(hit, row, shared terms) of the hits whose rows exist and share real words with the query, in
    rank order: a match made only of character fragments explains nothing, so it is left out."""
    rows = load_rows(hit.id for hit in hits)
    for hit in hits:
        obj = rows.get(hit.id)
        shared = shared_terms(hit, obj, typed) if obj is not None else []
        if shared:
            yield hit, obj, shared


def explain(hits, typed: bool = False) -> list[Explained]:
    """The hits that share real words with their documents, with those words, in rank order.

    Plain data, so callers can remember it with `index.memo` until the index changes: the texts the
    words are checked against change only with the index. `typed`: the query is what a user searched
    for, so every word of it that the document has is a reason, filler and numbers included.
    """
    return [(hit.id, hit.score, tuple(shared), hit.match) for hit, _, shared in explained_rows(hits, typed)]


def explained_items(hits, typed: bool = False) -> list[Item]:
    """`explain`, as Items with their rows."""
    return to_items(explain(hits, typed))
