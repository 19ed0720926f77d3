"""save/load round trips, corrupt files, and the write-segment merge."""

import numpy as np
import pytest
from matching_testkit import DOCS

import matching.index
from matching import IndexFileError, Matcher

QUERIES = ["石墨烯导热", "液冷服务器 PUE", "量子密钥分发", "大模型 缺陷检测", "面料"]


def results(m):
    return [[(h.id, h.score, h.terms) for h in m.search(q, k=5)] for q in QUERIES]


def test_round_trip(tmp_path):
    m = Matcher().fit(DOCS)
    before = results(m)
    path = tmp_path / "idx.npz"
    m.save(path)
    m2 = Matcher.load(path)
    assert results(m2) == before
    assert m2.ids == m.ids and m2.get_params() == m.get_params()


def test_round_trip_after_add_and_remove(tmp_path):
    m = Matcher().fit(DOCS)
    m.add([{"id": "new", "title": "氮化镓", "text": "氮化镓射频器件"}])
    m.remove(["cap:2"])
    before = results(m) + [[(h.id, h.score) for h in m.search("氮化镓")]]
    m.save(tmp_path / "i.npz")
    m2 = Matcher.load(tmp_path / "i.npz")
    after = results(m2) + [[(h.id, h.score) for h in m2.search("氮化镓")]]
    assert after == before
    m2.add([{"id": "later", "text": "钙钛矿电池"}])
    assert m2.search("钙钛矿", k=1)[0].id == "later"


def test_merge_keeps_results(monkeypatch):
    monkeypatch.setattr(matching.index, "_MERGE_MIN", 2)
    m = Matcher().fit(DOCS[:2])
    for d in DOCS[2:]:
        m.add([d])
    m.remove(["cap:1"])
    fresh = Matcher().fit(DOCS[1:])
    for q in QUERIES:
        a, b = m.scores(q), fresh.scores(q)
        assert a.keys() == b.keys() and np.allclose([a[k] for k in sorted(a)], [b[k] for k in sorted(b)])


@pytest.mark.parametrize("damage", ["garbage", "truncate", "empty", "wrong-npz"])
def test_corrupt_files_raise_index_file_error(tmp_path, damage):
    path = tmp_path / "idx.npz"
    Matcher().fit(DOCS).save(path)
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not an index at all" * 10)
    elif damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        with open(path, "wb") as fh:
            np.savez(fh, header=np.frombuffer(b'{"format": "other"}', dtype=np.uint8))
    with pytest.raises(IndexFileError):
        Matcher.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(IndexFileError):
        Matcher.load(tmp_path / "nope.npz")


def test_custom_tokenizer_must_be_given_again(tmp_path):
    m = Matcher(tokenizer=str.split).fit([{"id": "a", "text": "x y"}])
    m.save(tmp_path / "t.npz")
    with pytest.raises(ValueError, match="tokenizer"):
        Matcher.load(tmp_path / "t.npz")
    assert Matcher.load(tmp_path / "t.npz", tokenizer=str.split).search("x")[0].id == "a"


def test_save_unfitted_raises(tmp_path):
    with pytest.raises(ValueError):
        Matcher().save(tmp_path / "x.npz")
