"""The match index's remembered results, bounded by the memory they take rather than by their number:
1,024 searches of the search page's 200 hits each held about 185 MB per worker (measured at 100k
listings, bench/worker_memory.py), nearly the whole of a worker's budget."""
from __future__ import annotations

import sys
from dataclasses import fields, is_dataclass

from cachetools import LRUCache

MAX_DEPTH = 6  # plain data is shallow: hits -> hit -> terms -> (word, weight)


def approximate_size(value, _depth: int = 0) -> int:
    """The bytes `value` holds, counting the containers, dataclasses and scalars inside it (shared
    strings are counted each time: an estimate on the safe side)."""
    size = sys.getsizeof(value)
    if _depth >= MAX_DEPTH or isinstance(value, (str, bytes, int, float, bool)) or value is None:
        return size
    if isinstance(value, dict):
        return size + sum(approximate_size(k, _depth + 1) + approximate_size(v, _depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return size + sum(approximate_size(item, _depth + 1) for item in value)
    if is_dataclass(value):
        inner = getattr(value, "__dict__", None)
        size += sys.getsizeof(inner) if inner is not None else 0
        return size + sum(approximate_size(getattr(value, f.name), _depth + 1) for f in fields(value))
    return size


class ResultCache(LRUCache):
    """Least recently used first out once the entries hold more than `megabytes` (estimated when each
    is stored); not thread-safe on its own: LiveIndex uses it under its lock."""

    def __init__(self, megabytes: float):
        super().__init__(maxsize=int(megabytes * 2**20), getsizeof=approximate_size)

    def __setitem__(self, key, value) -> None:
        try:
            super().__setitem__(key, value)
        except ValueError:  # larger than the whole cache: not remembered (cachetools refuses it)
            pass
