"""Evaluation CLI: `python -m matching.eval DIR... [--all] [--k 10] [--json]` on BEIR-layout folders."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from . import beir
from .baselines import REFERENCES


def _percentiles(lat: list[float]) -> tuple[float, float]:
    a = np.asarray(lat) * 1000.0
    return (float(np.percentile(a, 50)), float(np.percentile(a, 95))) if len(a) else (0.0, 0.0)


def run_system(name: str, system, ds: beir.Dataset, k: int, timed: bool = True) -> dict:
    """Fit `system` on the corpus, rank every query one at a time, and return metrics and timings."""
    t0 = time.perf_counter()
    system.fit(ds.corpus)
    fit_s = time.perf_counter() - t0
    ranked, lat = {}, []
    for qid, text in ds.queries.items():
        t = time.perf_counter()
        hits = system.search(text, k=k)
        lat.append(time.perf_counter() - t)
        ranked[qid] = [h.id if hasattr(h, "id") else h[0] for h in hits]
    p50, p95 = _percentiles(lat)
    row = {"system": name, **beir.metrics(ranked, ds.qrels, k), "index_s": fit_s, "p50_ms": p50, "p95_ms": p95}
    return row


def evaluate(folder, k: int = 10, baselines: bool = True, params: dict | None = None) -> dict:
    """Evaluate our Matcher (and the references) on one folder; returns {"dataset", "rows"}."""
    from .matcher import Matcher

    ds = beir.load(folder)
    rows = [run_system("matcher", Matcher(**(params or {})), ds, k)]
    if baselines:
        for cls in REFERENCES:
            rows.append(run_system(cls.name, cls(), ds, k))
    return {"dataset": ds.name, "docs": len(ds.corpus), "queries": len(ds.queries), "k": k, "rows": rows}


def format_table(res: dict) -> str:
    """Render one dataset's rows as a fixed-width table."""
    k = res["k"]
    head = (f"{res['dataset']}  ({res['docs']} docs, {res['queries']} queries)\n"
            f"{'system':<14}{'nDCG@' + str(k):>9}{'R@' + str(k):>8}{'MRR@' + str(k):>9}"
            f"{'index s':>9}{'p50 ms':>8}{'p95 ms':>8}")
    lines = [head]
    for r in res["rows"]:
        lines.append(f"{r['system']:<14}{r[f'ndcg@{k}']:>9.4f}{r[f'recall@{k}']:>8.4f}{r[f'mrr@{k}']:>9.4f}"
                     f"{r['index_s']:>9.2f}{r['p50_ms']:>8.2f}{r['p95_ms']:>8.2f}")
    return "\n".join(lines)


def _param(s: str) -> tuple[str, object]:
    key, _, val = s.partition("=")
    for conv in (int, float):
        try:
            return key, conv(val)
        except ValueError:
            pass
    return key, {"true": True, "false": False}.get(val.lower(), val)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    ap = argparse.ArgumentParser(prog="python -m matching.eval", description=__doc__)
    ap.add_argument("dirs", nargs="*", help="BEIR folders (corpus.jsonl, queries.jsonl, qrels.tsv)")
    ap.add_argument("--all", action="store_true", help="every folder under the dev data ($MATCHING_DEV_DATA)")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--json", action="store_true", help="also print one JSON line per folder")
    ap.add_argument("--no-baselines", action="store_true", help="skip the three reference systems")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="override a Matcher setting, e.g. --set k3=2 (for experiments)")
    ap.add_argument("--cutoff-table", action="store_true",
                    help="print what each match-index cutoff keeps and drops of every folder's top k, and the tuned rule")
    args = ap.parse_args(argv)
    dirs = [Path(d) for d in args.dirs]
    if args.all:
        root = beir.default_data_dir()
        if not root.is_dir():
            ap.error(f"no dev data at {root} (set MATCHING_DEV_DATA)")
        dirs += sorted(p for p in root.iterdir() if (p / "corpus.jsonl").exists())
    if not dirs:
        ap.error("give at least one DIR or --all")
    params = dict(_param(s) for s in args.set)
    if args.cutoff_table:
        return _cutoff_table(dirs, args.k, params, args.json)
    if not args.no_baselines:
        from .baselines import quiet_jieba

        quiet_jieba()
    for d in dirs:
        res = evaluate(d, k=args.k, baselines=not args.no_baselines, params=params)
        print(format_table(res), flush=True)
        print(flush=True)
        if args.json:
            print(json.dumps(res, ensure_ascii=False), flush=True)
    return 0


def _cutoff_table(dirs: list[Path], k: int, params: dict, as_json: bool) -> int:
    from .cutoff import format_rows, recommend, rows, top_matches
    from .params import DEFAULT_MIN_MATCH

    tables = []
    for d in dirs:
        found = top_matches(d, k, params)
        table = rows(found)
        tables.append(table)
        print(format_rows(found["dataset"], table, DEFAULT_MIN_MATCH), flush=True)
        print(flush=True)
        if as_json:
            print(json.dumps({"dataset": found["dataset"], "k": k, "cutoff": table}), flush=True)
    print(f"rule: the highest cutoff keeping >= 99.9% of the relevant top-{k} hits in every folder: "
          f"{recommend(tables):g} (all of them: {recommend(tables, 1.0):g}; >= 95%: {recommend(tables, 0.95):g}); "
          f"matching.params.DEFAULT_MIN_MATCH = {DEFAULT_MIN_MATCH:g}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
