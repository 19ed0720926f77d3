"""The match index's remembered results are bounded by the memory they take: the estimate of an entry's
size follows what Python really allocated for it, and the cache drops the least recently used entries
once they hold more than their megabytes (a thousand 200-hit searches once held 185 MB per worker)."""
from __future__ import annotations

import tracemalloc

from marketplace.services.result_cache import ResultCache, approximate_size
from matching.matcher import Hit


def _hits(query: int, count: int = 200) -> list[Hit]:
    """A search page's hits as the matcher makes them: an id, two scores and the words that matched."""
    return [Hit(f"cap:{query * 1000 + n}", 10.0 + n / 7, [(f"词{query}-{n}-{w}", 1.0 / (w + 1)) for w in range(8)],
                50.0 + n / 9) for n in range(count)]


def test_the_estimate_follows_what_python_allocated():
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        hits = _hits(1)
        allocated = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert 0.7 * allocated < approximate_size(hits) < 1.5 * allocated, (approximate_size(hits), allocated)


def test_the_least_recently_used_results_go_once_the_megabytes_are_full():
    cache = ResultCache(megabytes=1)
    entry = approximate_size(_hits(0))
    fits = (2**20) // entry
    assert fits >= 2
    for query in range(fits):
        cache[query] = _hits(query)
    assert cache[0][0].id == "cap:0"  # asked for again: now the most recently used
    cache[fits] = _hits(fits)
    assert 0 in cache and 1 not in cache and fits in cache
    assert cache.currsize <= 2**20


def test_a_result_larger_than_the_whole_cache_is_not_remembered():
    cache = ResultCache(megabytes=0.01)
    cache["small"] = [("cap:1", ("液冷",))]
    cache["huge"] = _hits(2)
    assert "huge" not in cache and "small" in cache
