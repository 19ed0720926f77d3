"""Hostile and odd input: empty, whitespace, emoji, 1 MB text, traditional characters, HTML."""

import time

from matching_testkit import DOCS

from matching import Matcher


def test_odd_documents_are_indexed():
    docs = DOCS + [
        {"id": "empty", "title": "", "text": ""},
        {"id": "ws", "title": "  ", "text": " \n\t "},
        {"id": "emoji", "title": None, "text": "😀🎉 石墨烯 🚀"},
        {"id": 42, "text": "数字编号的文档：钙钛矿"},
        {"id": "html", "title": "<b>智能家电</b>", "text": "<p>变频&nbsp;空调<script>alert('x')</script></p>"},
    ]
    m = Matcher().fit(docs)
    assert len(m) == len(docs) and "42" in m
    assert m.search("钙钛矿", k=1)[0].id == "42"
    assert m.search("变频空调", k=1)[0].id == "html"
    assert all("alert" not in t for h in m.search("变频空调 alert", k=10) for t, _ in h.terms if h.id == "html")


def test_traditional_query_finds_simplified_doc():
    m = Matcher().fit(DOCS)
    assert m.search("量子密鑰分發網絡", k=1)[0].id == "cap:3"
    assert m.search("數據中心液冷伺服器", k=1)[0].id == "cap:2"


def test_full_width_and_case():
    m = Matcher().fit(DOCS)
    assert m.search("ｓｉｃ　ＭＯＳＦＥＴ", k=1)[0].id == "cap:4"


def test_one_megabyte_text():
    big = "石墨烯导热膜的制备与表征。" * 80_000  # ~1 MB of characters
    t = time.perf_counter()
    m = Matcher().fit(DOCS + [{"id": "big", "title": "", "text": big}])
    hits = m.search(big[:200_000], k=3)
    assert time.perf_counter() - t < 30
    assert hits and hits[0].id in {"big", "cap:1"}
    m.add([{"id": "big2", "text": big}])
    assert "big2" in m


def test_query_of_html_and_emoji_only():
    m = Matcher().fit(DOCS)
    assert m.search("<p></p>&nbsp;😀") == []


def test_empty_corpus_and_emptied_index(tmp_path):
    m = Matcher().fit([])
    assert m.search("石墨烯") == [] and len(m) == 0
    m.add([{"id": "a", "text": "石墨烯"}])
    assert m.search("石墨烯")[0].id == "a"
    m.remove("a")
    assert m.search("石墨烯") == []
    m.save(tmp_path / "e.npz")
    assert Matcher.load(tmp_path / "e.npz").search("石墨烯") == []


def test_unknown_words_only():
    assert Matcher().fit(DOCS).search("完全陌生 xyz") == []
