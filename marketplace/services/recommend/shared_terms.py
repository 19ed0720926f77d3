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
from matching.normalize import normalize_many

from ..match_index import TEXTS
from ..text_search import query_words
from .items import Explained, Item, current_index, load_texts, to_items


class Reasons:
    """Which of a hit's terms are reasons, checked against the document's own text: one per explained
    list of hits, so each term's filler verdict is worked out once, not once per hit it is credited in."""

    def __init__(self, common: frozenset[str], typed: bool):
        self.common, self.typed = common, typed
        self._filler: dict[str, bool] = {}

    def _is_filler(self, term: str) -> bool:
        verdict = self._filler.get(term)
        if verdict is None:
            verdict = self._filler[term] = is_filler(term, self.common)
        return verdict

    def shared(self, terms, raw: str, text: str) -> list[tuple[str, float]]:
        """The terms that really occur in the document (`raw`, and `text` normalised), as it writes them:
        the matcher also credits a query word for character bigrams it shares, which may not be the word."""
        shared = []
        for term, weight in _with_parts(terms, text) if self.typed else terms:
            # Single characters (液, 板) explain nothing to a reader even when they matched.
            if len(term) < 2 or (not self.typed and self._is_filler(term)) or term not in text:
                continue
            shared.append((_as_written(term, raw), weight))
        return shared


def _as_written(term: str, raw: str) -> str:
    """The term as the document writes it: "PUE", not the index's "pue" (only cased letters differ)."""
    if term.lower() == term.upper():  # no cased letters (Chinese, digits): written as the index has it
        return term
    written = re.search(re.escape(term), raw, re.IGNORECASE)
    return written.group(0) if written else term


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
    rank order: a match made only of character fragments explains nothing, so it is left out. The row
    has only the columns of the document's text (items.TEXT_COLUMNS), its id and organisation_id."""
    rows = load_texts(hit.id for hit in hits)
    found = [(hit, rows[hit.id]) for hit in hits if hit.id in rows]
    raws = ["\n".join(TEXTS[hit.id.partition(":")[0]](row)) for hit, row in found]
    reasons = Reasons(current_index().common_terms, typed)
    for (hit, row), raw, text in zip(found, raws, normalize_many(raws)):
        shared = reasons.shared(hit.terms, raw, text)
        if shared:
            yield hit, row, shared


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
