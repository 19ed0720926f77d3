"""The match index's metadata in its compact form (memory-mapped columns plus this process's changes)
reads back exactly what was written, and a vectorised rule over the columns decides like the same rule
asked of each document's dict — the slow reference the fast path is compared with."""
from __future__ import annotations

import random

import numpy as np
import pytest

from marketplace.services import index_meta
from marketplace.services.index_meta import DocMeta, MetaFileError
from marketplace.services.recommend.audience import listing_rule

REGIONS = ["武汉市", "襄阳市", "宜昌市", "潜江市", ""]
TYPES = ["企业", "高等院校", "科研院所", "其他机构"]


def _doc(kind: str, number: int, rng: random.Random) -> tuple[str, dict]:
    info = {"kind": kind, "org": rng.choice([None, *range(1, 40)]), "org_type": rng.choice(TYPES + [""]),
            "region": rng.choice(REGIONS), "chains": rng.sample(range(1, 9), rng.randint(0, 3))}
    if kind == "ch":
        info["state"] = rng.choice(["草稿", "待审核", "揭榜中", "已截止"])
        info["vis"] = rng.choice(["完全公开", "公开摘要，详情仅对已认证机构可见", "仅受邀机构可见"])
    return f"{kind}:{number}", info


def _corpus(size: int, seed: int = 14) -> dict[str, dict]:
    rng = random.Random(seed)
    kinds = ["cap"] * 8 + ["ach", "ch", "exp"]
    return dict(_doc(rng.choice(kinds), number, rng) for number in rng.sample(range(1, 10 * size), size))


def _saved(meta: DocMeta, folder) -> DocMeta:
    return DocMeta.load(folder, meta.save(folder))


def test_saved_columns_read_back_every_document_as_it_was_written(tmp_path):
    written = _corpus(300)
    written["cap:7000001"] = {"kind": "cap", "org": None, "org_type": "", "region": "", "chains": [None, 3]}
    loaded = _saved(DocMeta.from_dicts(written), tmp_path / "columns")
    assert isinstance(loaded.base_keys(), np.memmap)  # mapped from the file, not read into this process
    assert len(loaded) == len(written) and set(loaded) == set(written)
    for doc_id, info in written.items():
        assert loaded[doc_id] == info, doc_id
    assert loaded.get("cap:99999999") is None and "cap:99999999" not in loaded and "log:pruned:3" not in loaded


def test_changes_since_the_save_are_read_from_the_overlay_and_saved_next_time(tmp_path):
    written = _corpus(200)
    meta = _saved(DocMeta.from_dicts(written), tmp_path / "first")
    changed_id, removed_id = sorted(written)[:2]
    changed = dict(written[changed_id], region="新的地区", chains=[5])
    meta.put(changed_id, changed)
    meta.put("cap:123456789", {"kind": "cap", "org": 3, "org_type": "科研院所", "region": "武汉市", "chains": [1]})
    meta.discard(removed_id)
    meta.discard("cap:404")  # never indexed: nothing happens
    assert meta[changed_id] == changed and removed_id not in meta and "cap:123456789" in meta
    assert len(meta) == len(written) and meta.changed == 3
    meta.put(removed_id, written[removed_id])  # back again
    assert meta[removed_id] == written[removed_id] and len(meta) == len(written) + 1
    meta.discard(removed_id)
    again = _saved(meta, tmp_path / "second")
    assert dict(again.items()) == dict(meta.items()) and again.changed == 0


@pytest.mark.parametrize("rule, form", [
    ((5, None, "", ""), "function"),  # most listings pass: asked per candidate
    ((5, 3, "科研院所", "潜江市"), "set"),  # a few dozen pass: handed over as ids
    ((5, None, "", "没有这个地区"), "set"),
])
def test_a_vectorised_rule_decides_like_the_rule_asked_of_each_document(tmp_path, rule, form):
    written = _corpus(index_meta.SET_LIMIT + 3000)
    meta = _saved(DocMeta.from_dicts(written), tmp_path / "columns")
    rng = random.Random(7)
    for doc_id in rng.sample(sorted(written), 300):  # this process's changes since the save
        meta.put(doc_id, _doc(doc_id.partition(":")[0], 0, rng)[1])
    for doc_id in rng.sample(sorted(written), 300):
        meta.discard(doc_id)
    for number in range(50):
        meta.put(*_doc("cap", 90_000_000 + number, rng))
    rows, passes = listing_rule(*rule)
    chosen = meta.select(rows, passes)
    expected = {doc_id for doc_id, info in meta.items() if passes(doc_id, info)}
    if form == "set":
        assert isinstance(chosen, set) and chosen == expected
    else:
        assert callable(chosen) and len(expected) > index_meta.SET_LIMIT
        assert {doc_id for doc_id in [*written, *meta] if chosen(doc_id)} == expected


def test_columns_that_do_not_fit_together_are_refused(tmp_path):
    folder = tmp_path / "columns"
    tables = DocMeta.from_dicts(_corpus(50)).save(folder)
    np.save(folder / "org.npy", np.zeros(49, dtype=np.int64))  # one row short: a save cut off half way
    with pytest.raises(MetaFileError):
        DocMeta.load(folder, tables)
    (folder / "kind.npy").unlink()
    with pytest.raises(MetaFileError):
        DocMeta.load(folder, tables)
