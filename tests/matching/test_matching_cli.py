"""Metrics, the eval and bench CLIs, and the import boundary."""

import json
import subprocess
import sys

import pytest
from matching_testkit import DOCS, ENV, REPO, dev_dir, needs_dev_data

from matching import Matcher, beir
from matching import eval as meval
from matching.bench import main as bench_main
from matching.bench import synthetic_corpus


def test_metrics_by_hand():
    qrels = {"q1": {"a": 2, "b": 1}, "q2": {"c": 1}}
    ranked = {"q1": ["b", "x", "a"], "q2": ["x", "y"]}
    m = beir.metrics(ranked, qrels, k=10)
    import math
    dcg = 1 / math.log2(2) + 2 / math.log2(4)
    idcg = 2 / math.log2(2) + 1 / math.log2(3)
    assert m["ndcg@10"] == pytest.approx((dcg / idcg + 0) / 2)
    assert m["recall@10"] == pytest.approx(0.5)
    assert m["mrr@10"] == pytest.approx(0.5)


def write_beir(folder):
    folder.mkdir()
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for d in DOCS:
            fh.write(json.dumps({"_id": d["id"], "title": d["title"], "text": d["text"]}, ensure_ascii=False) + "\n")
    with open(folder / "queries.jsonl", "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"_id": "q1", "text": "石墨烯散热"}, ensure_ascii=False) + "\n")
        fh.write(json.dumps({"_id": "q2", "text": "量子保密通信"}, ensure_ascii=False) + "\n")
    (folder / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\tcap:1\t1\nq2\tcap:3\t1\n")


def test_eval_cli_json(tmp_path, capsys):
    write_beir(tmp_path / "tiny")
    assert meval.main([str(tmp_path / "tiny"), "--json", "--k", "5"]) == 0
    out = capsys.readouterr().out
    res = json.loads(out.strip().splitlines()[-1])
    systems = {r["system"]: r for r in res["rows"]}
    assert set(systems) == {"matcher", "tfidf-words", "tfidf-char2", "bm25-words"}
    assert systems["matcher"]["ndcg@5"] == pytest.approx(1.0)
    assert "nDCG@5" in out and "p95 ms" in out


def test_eval_cli_all_uses_env(tmp_path, monkeypatch, capsys):
    write_beir(tmp_path / "one")
    monkeypatch.setenv("MATCHING_DEV_DATA", str(tmp_path))
    assert meval.main(["--all", "--no-baselines", "--set", "k3=2"]) == 0
    assert "one" in capsys.readouterr().out


def test_synthetic_corpus_is_deterministic(tmp_path):
    write_beir(tmp_path / "title-to-abstract")
    write_beir(tmp_path / "abstract-to-title")
    a, qa = synthetic_corpus(30, tmp_path, seed=1)
    b, qb = synthetic_corpus(30, tmp_path, seed=1)
    assert a == b and qa == qb and len(a) == 30 and all(150 <= len(d["text"]) for d in a)


def test_bench_cli_small(tmp_path, monkeypatch, capsys):
    write_beir(tmp_path / "title-to-abstract")
    write_beir(tmp_path / "abstract-to-title")
    monkeypatch.setenv("MATCHING_DEV_DATA", str(tmp_path))
    assert bench_main(["--docs", "300", "--adds", "5", "--json"]) == 0
    out = capsys.readouterr().out
    rows = json.loads(out.strip().splitlines()[-2])["rows"]
    assert rows[0]["added_found"] == "5/5" and rows[0]["load_same_results"] is True
    assert rows[1]["system"] == "tfidf-words"


def test_library_never_imports_the_app():
    code = ("import sys, matching, matching.eval, matching.bench, matching.baselines, matching.dictionary;"
            "from matching import Matcher; Matcher().fit([{'id': '1', 'text': '石墨烯'}]).search('石墨烯');"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'marketplace')];"
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, env=ENV, cwd=REPO)


def test_synonyms_and_term_pieces():
    m = Matcher().fit(DOCS + [{"id": "zno", "title": "", "text": "ZnO纳米线阵列的水热生长"}])
    hit = m.search("氧化锌纳米线", k=1)[0]
    assert hit.id == "zno" and "氧化锌" in dict(hit.terms)
    # a piece of a domain term still matches, and is credited to the word the user typed
    hit = m.search("密钥", k=1)[0]
    assert hit.id == "cap:3"
    terms = dict(m.search("量子密钥分发", k=1)[0].terms)
    assert "量子密钥分发" in terms and "密钥" not in terms


@needs_dev_data
def test_beats_bm25_on_keywords_dev_set():
    ds = beir.load(dev_dir() / "keywords-to-abstract")
    ours = meval.run_system("matcher", Matcher(), ds, 10)
    from matching.baselines import BM25Words

    ref = meval.run_system("bm25", BM25Words(), ds, 10)
    assert ours["ndcg@10"] > ref["ndcg@10"]
