"""Benchmark CLI: `python -m matching.bench --docs 100000` on a corpus recombined from dev sentences."""

from __future__ import annotations

import argparse
import functools
import gc
import json
import multiprocessing as mp
import os
import random
import re
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from . import beir
from .bench_probe import loaded_figures

_SENT = re.compile(r"[^。；！？.;!?]+[。；！？.;!?]?")


def synthetic_corpus(n_docs: int, data_dir: Path | None = None, seed: int = 13) -> tuple[list[dict], list[str]]:
    """Build `n_docs` docs of ~300 chars from shuffled dev sentences and titles; returns (docs, queries)."""
    root = Path(data_dir) if data_dir else beir.default_data_dir()
    abstracts = [d["text"] for d in beir.load(root / "title-to-abstract").corpus]
    titles = [d["text"] for d in beir.load(root / "abstract-to-title").corpus]
    sentences = [s.strip() for a in abstracts for s in _SENT.findall(a) if len(s.strip()) >= 4]
    rng = random.Random(seed)
    docs = []
    for i in range(n_docs):
        target = rng.randint(150, 450)
        parts, size = [], 0
        while size < target:
            s = sentences[rng.randrange(len(sentences))]
            parts.append(s)
            size += len(s)
        docs.append({"id": f"doc:{i}", "title": titles[rng.randrange(len(titles))], "text": "".join(parts)})
    queries = [titles[rng.randrange(len(titles))] for _ in range(300)]
    return docs, queries


class PeakRSS:
    """Sample this process's resident memory in a thread; `.peak` in bytes above the start level."""

    def __init__(self, every: float = 0.02):
        self.every, self.peak, self._stop = every, 0, threading.Event()

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def __enter__(self):
        gc.collect()
        self.base = self.rss()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss() - self.base)
            time.sleep(self.every)

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self.rss() - self.base)


def isolated(fn, *args) -> dict:
    """Run `fn(*args)` in a forked child and return its result: each system's memory is measured
    from a fresh heap (after a first run, freed but retained memory would hide the second's growth)."""
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)

    def child():
        send.send(fn(*args))

    p = ctx.Process(target=child)  # not a daemon: the matcher's fit starts its own pool
    p.start()
    result = recv.recv()
    p.join()
    return result


def _lat(fn, items) -> tuple[float, float]:
    lat = []
    for it in items:
        t = time.perf_counter()
        fn(it)
        lat.append(time.perf_counter() - t)
    a = np.asarray(lat) * 1000
    return float(np.percentile(a, 50)), float(np.percentile(a, 95))


def bench_matcher(docs, queries, extra) -> dict:
    """Fit, query, add, save and load our Matcher; returns the figures."""
    from .matcher import Matcher
    from .tokenize import Analyzer

    chars = sum(len(d["title"]) + len(d["text"]) for d in docs)
    sample = docs[:3000]
    an = Analyzer()
    an.words("预热")  # first call loads the dictionary; keep it out of the throughput figure
    t = time.perf_counter()
    for d in sample:
        an.words(d["text"])
    tok_rate = sum(len(d["text"]) for d in sample) / (time.perf_counter() - t)
    m = Matcher()
    with PeakRSS() as mem:
        t = time.perf_counter()
        m.fit(docs)
        fit_s = time.perf_counter() - t
    # before the probe processes below, which are children too
    worker_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    m.search(queries[0], k=10)
    p50, p95 = _lat(functools.partial(m.search, k=10), queries)
    found = 0
    add_lat = []
    for d in extra:
        t = time.perf_counter()
        m.add([d])
        add_lat.append(time.perf_counter() - t)
        found += bool(m.search(d["title"] + d["text"][:40], k=10, filter={d["id"]}))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.npz"
        t = time.perf_counter()
        m.save(path)
        save_s = time.perf_counter() - t
        before = [[(h.id, round(h.score, 9)) for h in m.search(q, k=10)] for q in queries[:50]]
        del m  # the loaded copy replaces it: a service holds one index, not two
        gc.collect()
        t = time.perf_counter()
        m2 = Matcher.load(path)
        load_s = time.perf_counter() - t
        after = [[(h.id, round(h.score, 9)) for h in m2.search(q, k=10)] for q in queries[:50]]
        size = path.stat().st_size
        del m2
        loaded = loaded_figures(path, queries[:100])
    a = np.asarray(add_lat) * 1000
    return {"system": "matcher", "fit_s": fit_s, "tok_chars_per_s": tok_rate, "peak_mb": mem.peak / 2**20,
            "peak_abs_mb": (mem.base + mem.peak) / 2**20,
            "p50_ms": p50, "p95_ms": p95, "add_p50_ms": float(np.percentile(a, 50)),
            "add_p95_ms": float(np.percentile(a, 95)), "added_found": f"{found}/{len(extra)}",
            "worker_peak_mb": worker_peak_mb,
            "process_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "save_s": save_s, "load_s": load_s, "load_same_results": before == after,
            "index_mb": size / 2**20, "chars": chars, **loaded}


def bench_baseline(docs, queries) -> dict:
    """Fit and query the plain TfidfVectorizer(tokenizer=jieba.lcut) + cosine reference."""
    import jieba

    from .baselines import TfidfWords, jieba_words, quiet_jieba

    quiet_jieba()
    jieba.initialize()
    sample = docs[:3000]
    t = time.perf_counter()
    for d in sample:
        jieba_words(d["text"])
    tok_rate = sum(len(d["text"]) for d in sample) / (time.perf_counter() - t)
    b = TfidfWords()
    with PeakRSS() as mem:
        t = time.perf_counter()
        b.fit(docs)
        fit_s = time.perf_counter() - t
    mat = b.mat_.T.tocsr()

    def one(q):  # sparse query x sparse matrix, then top-10: the plain way
        s = (b.vec_.transform([q]) @ mat).toarray().ravel()
        np.argpartition(-s, 10)[:10]

    p50, p95 = _lat(one, queries)
    return {"system": "tfidf-words", "fit_s": fit_s, "tok_chars_per_s": tok_rate, "peak_mb": mem.peak / 2**20,
            "peak_abs_mb": (mem.base + mem.peak) / 2**20,
            "p50_ms": p50, "p95_ms": p95, "add_p50_ms": None, "add_p95_ms": None, "added_found": "refit",
            "save_s": None, "load_s": None, "load_same_results": None, "index_mb": None}


def format_rows(rows: list[dict], n_docs: int) -> str:
    """Render the bench figures side by side."""
    keys = [("fit_s", "fit (s)"), ("tok_chars_per_s", "tokenizer (chars/s)"), ("peak_mb", "fit memory growth (MB)"),
            ("peak_abs_mb", "process RSS peak in fit (MB)"),
            ("worker_peak_mb", "fit worker max RSS (MB)"), ("process_peak_mb", "whole run max RSS (MB)"),
            ("p50_ms", "query p50 (ms)"), ("p95_ms", "query p95 (ms)"), ("add_p50_ms", "add p50 (ms)"),
            ("add_p95_ms", "add p95 (ms)"), ("added_found", "added doc found"), ("save_s", "save (s)"),
            ("load_s", "load (s)"), ("load_same_results", "same results after load"),
            ("index_mb", "index file (MB)"),
            ("loaded_uss_mb", "loaded+100 q: USS (MB)"), ("loaded_rss_mb", "loaded+100 q: RSS (MB)"),
            ("second_uss_mb", "2nd process: USS (MB)"), ("second_rss_mb", "2nd process: RSS (MB)"),
            ("interpreter_uss_mb", "bare interpreter USS (MB)")]
    load = os.getloadavg()[0]
    out = [f"{n_docs} docs, {rows[0].get('chars', 0) / 1e6:.1f}M chars (load average now {load:.1f})",
           f"{'figure':<30}" + "".join(
        f"{r['system']:>16}" for r in rows)]
    for k, label in keys:
        cells = []
        for r in rows:
            v = r.get(k)
            cells.append(f"{'-' if v is None else (f'{v:,.2f}' if isinstance(v, float) else str(v)):>16}")
        out.append(f"{label:<30}" + "".join(cells))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    ap = argparse.ArgumentParser(prog="python -m matching.bench", description=__doc__)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--adds", type=int, default=200, help="single-document adds to time")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the jieba + TfidfVectorizer reference (at 1M documents it takes ~an hour)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    docs, queries = synthetic_corpus(args.docs + args.adds, seed=args.seed)
    docs, extra = docs[: args.docs], docs[args.docs:]
    for d in extra:
        d["id"] = "new:" + d["id"]
    rows = [isolated(bench_matcher, docs, queries, extra)]
    print(format_rows(rows, args.docs), flush=True)
    if not args.no_baseline:
        rows.append(isolated(bench_baseline, docs, queries))
        print(format_rows(rows, args.docs), flush=True)
    if args.json:
        print(json.dumps({"docs": args.docs, "rows": rows}))
    print(f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
