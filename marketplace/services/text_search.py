"""Ranking a candidate set by a Chinese query with the `matching` library, keeping the matched terms."""
from __future__ import annotations

from matching import Matcher
from matching.tokenize import Analyzer, normalize

from ..paging import ListPage

_analyzer = Analyzer()


def rank(query: str, docs: list[tuple[object, tuple[str, str]]], page: int, per_page: int) -> ListPage:
    """Rank (row, (title, text)) pairs by `query`; rows without any match are left out.

    The page's `extra["terms"]` maps each row's database id to the query words that matched it.
    """
    if not docs:
        return ListPage.of([], page, per_page, terms={})
    by_key = {str(i): row for i, (row, _) in enumerate(docs)}
    # No pseudo-relevance feedback here: a search shows (and highlights) the words the user typed.
    matcher = Matcher(feedback_docs=0).fit(
        {"id": str(i), "title": title, "text": text} for i, (_, (title, text)) in enumerate(docs))
    hits = matcher.search(query, k=len(docs))
    if hits:
        rows = [by_key[hit.id] for hit in hits]
        terms = {by_key[hit.id].id: [term for term, _ in hit.terms] for hit in hits}
    else:
        rows, terms = _literal(query, docs)
    return ListPage.of(rows, page, per_page, terms=terms, query=query)


def _literal(query: str, docs):
    """Rows containing the query's words verbatim, most words first.

    In a small candidate set a word found in every document has no weight (its IDF is zero), so
    the ranked search finds nothing; the user still expects those documents.
    """
    words = list(dict.fromkeys(_analyzer.words(query)))
    scored = []
    for position, (row, (title, text)) in enumerate(docs):
        haystack = normalize(f"{title}\n{text}")
        found = [w for w in words if w in haystack]
        if found:
            scored.append((-len(found), position, row, found))
    scored.sort(key=lambda item: item[:2])
    return [row for _, _, row, _ in scored], {row.id: found for _, _, row, found in scored}
