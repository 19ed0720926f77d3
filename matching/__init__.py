"""Chinese BM25 matcher (jieba words plus character bigrams) for challenges, capabilities, experts and search.

    from matching import Matcher
    m = Matcher().fit([{"id": "cap:1", "title": "...", "text": "..."}])
    hits = m.search("查询文本", k=10)
"""

from .matcher import Hit, Matcher, NotFittedError
from .params import InvalidParameterError
from .store import IndexFileError

__all__ = ["Hit", "IndexFileError", "InvalidParameterError", "Matcher", "NotFittedError"]
