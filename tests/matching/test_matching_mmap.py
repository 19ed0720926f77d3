"""The memory-mapped saved index: same answers as the in-memory one, never written through, safe to
replace under a reader, and refused when damaged."""

import hashlib
import os
import random
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from matching_testkit import DOCS, ENV

import matching.index
from matching import IndexFileError, Matcher, store

PHRASES = ["石墨烯导热膜", "液冷服务器", "数据中心", "量子密钥分发", "碳化硅功率器件", "新能源汽车电驱", "光伏逆变器",
           "智能纺织面料", "吸湿排汗", "行业大模型", "缺陷检测", "知识问答", "5G基站散热", "锂电池隔膜", "氢燃料电池",
           "工业机器人", "视觉检测", "高分子材料", "生物医药", "中药提取", "芯片封装", "射频器件", "氮化镓"]
QUERIES = ["石墨烯导热", "液冷服务器 PUE", "量子密钥分发", "大模型 缺陷检测", "面料", "氮化镓射频", "锂电池", "不存在的词"]


def corpus(n: int, seed: int = 3, prefix: str = "d") -> list[dict]:
    """`n` documents of random phrases: enough rows and shared words for feedback and the df stop list."""
    rng = random.Random(seed)
    return [{"id": f"{prefix}{i}", "title": rng.choice(PHRASES),
             "text": "，".join(rng.choice(PHRASES) for _ in range(rng.randint(3, 12)))} for i in range(n)]


def answers(m: Matcher, filters=(None,)) -> list:
    return [[(h.id, h.score, h.terms, h.match) for h in m.search(q, k=7, filter=f, min_match=0)]
            for q in QUERIES for f in filters]


FILTERS = (None, {"d1", "d5", "d8", "d13", "cap:3"}, lambda i: i.endswith("3"))


def test_a_loaded_index_answers_exactly_like_the_one_in_memory(tmp_path):
    m = Matcher().fit(corpus(300) + DOCS)
    m.save(tmp_path / "i.idx")
    loaded = Matcher.load(tmp_path / "i.idx")
    assert isinstance(loaded.index_.indices.base, np.ndarray) or not loaded.index_.indices.flags.owndata
    assert answers(loaded, FILTERS) == answers(m, FILTERS)
    assert loaded.ids == m.ids and len(loaded) == len(m) and "cap:2" in loaded and "x" not in loaded
    assert loaded.scores("液冷服务器") == m.scores("液冷服务器")
    assert loaded.explain("石墨烯", "cap:1") == m.explain("石墨烯", "cap:1")
    assert loaded.common_terms == m.common_terms
    loaded.save(tmp_path / "copy.idx")  # an unchanged loaded index saves its mapped arrays as they are
    assert answers(Matcher.load(tmp_path / "copy.idx"), FILTERS) == answers(m, FILTERS)
    for a in (m, loaded):  # the same changes on both sides
        a.add([{"id": "new", "title": "氮化镓", "text": "氮化镓射频器件与全新的词汇钙钛矿"}, {**DOCS[0], "id": "d2"}])
        a.remove(["cap:2", "d7", "nope"])
    assert answers(loaded, FILTERS) == answers(m, FILTERS)
    assert loaded.search("钙钛矿", k=1)[0].id == "new" and "cap:2" not in loaded
    m.save(tmp_path / "j.idx")
    again = Matcher.load(tmp_path / "j.idx")
    assert [[(h.id, h.terms) for h in r] for r in [again.search(q, k=7, min_match=0) for q in QUERIES]] == \
        [[(h.id, h.terms) for h in r] for r in [m.search(q, k=7, min_match=0) for q in QUERIES]]
    assert sorted(again.ids) == sorted(m.ids)


def test_a_loaded_index_merges_its_write_segment_like_a_refit(tmp_path, monkeypatch):
    monkeypatch.setattr(matching.index, "_MERGE_MIN", 3)
    docs = corpus(60)
    Matcher().fit(docs[:40]).save(tmp_path / "i.idx")
    m = Matcher.load(tmp_path / "i.idx")
    m.remove(["d0", "d39"])
    for d in docs[40:]:
        m.add([d])  # merges every few documents
    fresh = Matcher().fit(docs[1:39] + docs[40:])
    for q in QUERIES:
        a, b = m.scores(q), fresh.scores(q)
        assert a.keys() == b.keys() and np.allclose([a[k] for k in sorted(a)], [b[k] for k in sorted(b)])


def _digest(path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def test_changes_after_loading_never_write_to_the_mapped_file(tmp_path, monkeypatch):
    path = tmp_path / "i.idx"
    Matcher().fit(corpus(200)).save(path)
    os.chmod(path, 0o444)  # a write through the mapping would fail, not just be noticed afterwards
    before = _digest(path)
    m = Matcher.load(path)
    idx = m.index_
    assert not any(a.flags.writeable for a in (idx.indptr, idx.indices, idx.data, idx.vocab.family, idx.dl))
    m.add([{"id": "n1", "text": "钙钛矿叠层电池"}, {"id": "d3", "text": "改写后的文档：固态电池"}])
    m.remove(["d4", "d5"])
    assert m.search("钙钛矿", k=1)[0].id == "n1" and m.search("固态电池", k=1)[0].id == "d3"
    monkeypatch.setattr(matching.index, "_MERGE_MIN", 1)
    m.add([{"id": "n2", "text": "merge now"}])  # folds the write segment: new arrays, in memory
    assert m.search("钙钛矿", k=1)[0].id == "n1" and "d4" not in m
    m.save(tmp_path / "other.idx")
    assert _digest(path) == before


WRITER = textwrap.dedent("""
    import sys
    from matching import Matcher
    Matcher().fit([{"id": f"w{i}", "text": "全新的文档：钙钛矿叠层电池" + str(i)} for i in range(50)]).save(sys.argv[1])
""")


def test_a_reader_keeps_its_files_while_another_process_saves_over_them(tmp_path):
    path = tmp_path / "i.idx"
    Matcher().fit(corpus(200)).save(path)
    reader = Matcher.load(path)
    before = answers(reader, FILTERS)
    subprocess.run([sys.executable, "-c", WRITER, str(path)], env=ENV, check=True, timeout=120)
    assert answers(reader, FILTERS) == before  # still the old file's pages
    reader.add([{"id": "late", "text": "量子密钥分发"}])
    assert reader.search("量子密钥分发", k=300, min_match=0)[0].id in {"late"} | set(reader.ids)
    fresh = Matcher.load(path)
    assert fresh.search("钙钛矿", k=1)[0].id.startswith("w") and len(fresh) == 50
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


def _saved(tmp_path):
    path = tmp_path / "i.idx"
    Matcher().fit(corpus(100)).save(path)
    return path, bytearray(path.read_bytes())


def _header(data: bytearray) -> tuple[int, int]:
    _, _, _, length, at = store._PREAMBLE.unpack_from(data)
    return at, length


def _array_at(data: bytearray, name: str) -> int:
    import json

    at, length = _header(data)
    spec = json.loads(bytes(data[at: at + length]))["arrays"][name]
    return store._ALIGN + spec["offset"]


@pytest.mark.parametrize("damage", ["truncate", "truncate-arrays", "header-byte", "dl-byte", "trie-byte",
                                    "magic", "version"])
def test_damaged_files_raise_index_file_error(tmp_path, damage):
    path, data = _saved(tmp_path)
    at, length = _header(data)
    if damage == "truncate":
        data = data[: len(data) - 10]
    elif damage == "truncate-arrays":
        data = data[:200] + data[at:]  # header intact, arrays gone
    elif damage == "header-byte":
        data[at + length // 2] ^= 0x20
    elif damage == "dl-byte":
        data[_array_at(data, "dl") + 5] ^= 0x01
    elif damage == "trie-byte":
        data[_array_at(data, "word_trie") + 40] ^= 0xFF
    elif damage == "magic":
        data[1:4] = b"XYZ"
    else:
        data[8] = store.VERSION + 1
    path.write_bytes(bytes(data))
    with pytest.raises(IndexFileError, match="version" if damage == "version" else None):
        Matcher.load(path)


def test_verify_reads_the_postings_too(tmp_path):
    path, data = _saved(tmp_path)
    store.verify(path)
    data[_array_at(data, "data") + 4] ^= 0x10
    path.write_bytes(bytes(data))
    Matcher.load(path)  # the postings are not read at load: a flipped bit there is found by verify
    with pytest.raises(IndexFileError, match="data"):
        store.verify(path)


def test_a_missing_file_or_folder_raises_index_file_error(tmp_path):
    with pytest.raises(IndexFileError):
        Matcher.load(tmp_path / "none.idx")
    with pytest.raises(IndexFileError):
        Matcher.load(tmp_path)


def test_an_empty_index_round_trips(tmp_path):
    m = Matcher().fit([])
    m.save(tmp_path / "e.idx")
    loaded = Matcher.load(tmp_path / "e.idx")
    assert len(loaded) == 0 and loaded.search("石墨烯") == []
    loaded.add([{"id": "a", "text": "石墨烯"}])
    assert loaded.search("石墨烯", min_match=0)[0].id == "a"


def test_the_top_rows_postings_are_found_by_binary_search_exactly_as_by_a_mask():
    from matching.matcher import _postings_of

    rng = np.random.default_rng(5)
    for _ in range(200):
        lens = rng.integers(0, 30, size=rng.integers(1, 12))
        rows = np.concatenate([np.sort(rng.choice(60, size=k, replace=False)) for k in lens]).astype(np.int32)
        wanted = np.sort(rng.choice(60, size=rng.integers(1, 10), replace=False))
        expected = np.flatnonzero(np.isin(rows, wanted))
        assert _postings_of(rows, np.cumsum(lens), wanted).tolist() == expected.tolist()
