"""The query side of search: the words a user typed, as the matcher segments them."""
from __future__ import annotations

from matching.tokenize import Analyzer, normalize

__all__ = ["normalize", "query_words"]

_analyzer = Analyzer()


def query_words(query: str) -> list[str]:
    """The query's words (stopwords removed), without repeats, in order."""
    return list(dict.fromkeys(_analyzer.words(query)))
