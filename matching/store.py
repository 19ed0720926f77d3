"""Saving a fitted Matcher as one file of raw arrays that every process on the host maps read-only.

Layout: an 8-byte magic, the version (uint32), the CRC-32 of the header (uint32), the header's length
and offset (uint64 each); the arrays, each at a 64-byte-aligned offset; last, a JSON header
(settings, the df-based stop list, and per array its dtype, shape, offset and CRC-32), written after
the arrays, whose postings are streamed. `load` maps the file (`mmap`, read-only)
and views the arrays in place with `np.frombuffer`: no copy, no Python object per term or document,
and the page cache holds one copy for all the gunicorn workers of a host. One file rather than a
folder of .npy files, so `save` stays a write to a temporary file plus one atomic rename, and a
process that mapped the previous file keeps reading it (on Linux an unlinked file lives on while
mapped).

The CRC-32 of every array but the four posting arrays is checked on load; those (nine tenths of the
file) are checked for size only, since reading them all would make loading a 1M-document index take
seconds and pull all of it into memory at once.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import tempfile
import zlib

import marisa_trie
import numpy as np

from .index import Index
from .params import InvalidParameterError, validate_params
from .postings import row_postings
from .scoring import WORD
from .vocab import DocIds, Vocabulary

FORMAT = "matching-index"
VERSION = 3  # 3: one file of raw arrays, memory-mapped (2: an .npz with the vocabulary and ids in JSON)
MAGIC = b"\x93MATCHIX"
_PREAMBLE = struct.Struct("<8sIIQQ")  # magic, version, header CRC-32, header length, header offset
_ALIGN = 64
_UNCHECKED = frozenset({"indices", "data", "w_indices", "w_data"})  # too big to read at every load
_DTYPES = frozenset({"<i4", "<i8", "<u4", "|u1", "<f4"})


def _saved_params(cls) -> list[str]:
    """The settings a file records: all of the class's but the tokenizer (a function is not data)."""
    return [k for k in cls._parameter_constraints if k != "tokenizer"]


class IndexFileError(Exception):
    """Raised when a saved index is missing, truncated, corrupt or of an unknown format."""


# ----- save ---------------------------------------------------------------------------------------

def _raw(a: np.ndarray) -> np.ndarray:
    """`a`'s bytes, without a copy when it is contiguous (for file.write)."""
    return np.ascontiguousarray(a).reshape(-1).view(np.uint8)


def _saved_arrays(idx: Index) -> dict[str, np.ndarray]:
    """Everything but the postings, over the live documents (row order) and all columns."""
    unchanged = idx.n_alive == idx.n_base == idx.n_rows and not idx._delta
    vocab = idx.vocab if not idx.vocab.overlay.keys else Vocabulary.rebuilt(idx.vocab)
    if unchanged:
        docs, dl, words = idx.docs, idx.dl, idx.words_csr()
    else:
        docs = DocIds.build(idx.live_ids())
        dl = idx.dl[idx.alive]
        words = row_postings(idx.merged_blocks, idx.n_alive, vocab.family == WORD)
    arrays = {name: getattr(vocab, name) for name in Vocabulary.ARRAYS}
    arrays.update(word_trie=np.frombuffer(vocab.trie.tobytes(), dtype=np.uint8),
                  id_trie=np.frombuffer(docs.trie.tobytes(), dtype=np.uint8),
                  row_of_key=docs.row_of_key, key_of_row=docs.key_of_row, dl=np.asarray(dl, np.float32),
                  w_indptr=words[0], w_indices=words[1], w_data=words[2])
    return {k: np.ascontiguousarray(v) for k, v in arrays.items()}


def save(matcher, path) -> None:
    """Write `matcher`'s index to `path` atomically (temporary file, then rename); raises
    NotFittedError if it has none. The matcher itself is not changed."""
    idx = matcher._check()
    arrays = _saved_arrays(idx)
    m, nnz = len(idx.vocab), idx.merged_nnz()
    # The postings are streamed from the base and the write segment, a block of columns at a time.
    streamed = {"indptr": (np.dtype("<i8"), (m + 1,)), "indices": (np.dtype("<i4"), (nnz,)),
                "data": (np.dtype("<f4"), (nnz,))}
    layout, offset = {}, 0
    for name, (dtype, shape) in [*((k, (v.dtype, v.shape)) for k, v in arrays.items()), *streamed.items()]:
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        layout[name] = {"dtype": dtype.str, "shape": list(shape), "offset": offset, "nbytes": nbytes}
        offset += -(-nbytes // _ALIGN) * _ALIGN
    for name, a in arrays.items():
        layout[name]["crc32"] = zlib.crc32(a)
    start = _ALIGN
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(prefix=".matching-", suffix=".tmp", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "wb") as fh:
            for name, a in arrays.items():
                fh.seek(start + layout[name]["offset"])
                fh.write(_raw(a))
            _write_postings(fh, idx, start, layout, m)
            header = json.dumps({
                "format": FORMAT, "version": VERSION,
                "params": {k: getattr(matcher, k) for k in _saved_params(type(matcher))},
                "custom_tokenizer": matcher.tokenizer is not None, "common": sorted(idx.common),
                "arrays": layout}, ensure_ascii=False).encode("utf-8")
            fh.seek(start + offset)
            fh.write(header)
            fh.seek(0)
            fh.write(_PREAMBLE.pack(MAGIC, VERSION, zlib.crc32(header), len(header), start + offset))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _write_postings(fh, idx: Index, start: int, layout: dict, m: int) -> None:
    """Stream the merged postings into their places in the file, with their CRC-32s."""
    indptr = np.zeros(m + 1, dtype=np.int64)
    pos = 0
    crc = {"indices": 0, "data": 0}
    for c0, cnt, rows, vals in idx.merged_blocks():
        indptr[c0 + 1: c0 + 1 + len(cnt)] = cnt
        for name, a in (("indices", rows.astype("<i4", copy=False)), ("data", vals.astype("<f4", copy=False))):
            a = np.ascontiguousarray(a)
            fh.seek(start + layout[name]["offset"] + pos * 4)
            fh.write(_raw(a))
            crc[name] = zlib.crc32(a, crc[name])
        pos += len(rows)
    if pos != layout["indices"]["shape"][0]:
        raise AssertionError("postings count changed while saving")  # pragma: no cover
    np.cumsum(indptr, out=indptr)
    fh.seek(start + layout["indptr"]["offset"])
    fh.write(_raw(indptr))
    layout["indptr"]["crc32"] = zlib.crc32(indptr)
    for name, value in crc.items():
        layout[name]["crc32"] = value


# ----- load ---------------------------------------------------------------------------------------

def _map(path, verify: bool = False) -> tuple[dict, dict[str, np.ndarray]]:
    """The header and read-only views of the arrays of the file at `path`."""
    try:
        with open(os.fspath(path), "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            pre = fh.read(_PREAMBLE.size)
            if pre[:2] == b"PK":
                raise IndexFileError(f"{path} is a matching index of an older format (an .npz archive, version 2 "
                                     f"or before); this version reads version {VERSION}: rebuild the index")
            if len(pre) < _PREAMBLE.size:
                raise IndexFileError(f"{path} is empty or truncated")
            magic, version, crc, length, at = _PREAMBLE.unpack(pre)
            if magic != MAGIC:
                raise IndexFileError(f"{path} is not a matching index file")
            if version != VERSION:
                raise IndexFileError(f"{path} is a matching index of version {version}; this version reads "
                                     f"version {VERSION}: rebuild the index")
            if at + length != size:
                raise IndexFileError(f"{path}: truncated or corrupt (the header is not at the end)")
            fh.seek(at)
            raw = fh.read(length)
            if len(raw) != length or zlib.crc32(raw) != crc:
                raise IndexFileError(f"{path}: damaged header (truncated or corrupt)")
            header = json.loads(raw.decode("utf-8"))
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else None
    except FileNotFoundError as e:
        raise IndexFileError(f"no index file at {path}") from e
    except (OSError, ValueError) as e:
        raise IndexFileError(f"cannot read index file {path}: {e}") from e
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise IndexFileError(f"{path} is not a matching index")
    start = _ALIGN
    arrays = {}
    try:
        for name, spec in header["arrays"].items():
            dtype, shape = np.dtype(spec["dtype"]), tuple(int(s) for s in spec["shape"])
            count = int(np.prod(shape, dtype=np.int64))
            at = start + int(spec["offset"])
            if spec["dtype"] not in _DTYPES or at % _ALIGN or at + count * dtype.itemsize > size - length:
                raise IndexFileError(f"{path}: array {name} lies outside the file (truncated or corrupt)")
            a = np.frombuffer(mm, dtype=dtype, count=count, offset=at).reshape(shape)
            if (verify or name not in _UNCHECKED) and zlib.crc32(a) != spec["crc32"]:
                raise IndexFileError(f"{path}: array {name} is corrupt (CRC mismatch)")
            arrays[name] = a
    except (KeyError, TypeError, ValueError) as e:
        raise IndexFileError(f"{path}: damaged header ({e})") from e
    return header, arrays


def verify(path) -> None:
    """Check every array of the file at `path` against its CRC-32, the postings too (reads it all);
    raises IndexFileError."""
    _map(path, verify=True)


def _trie(buf: np.ndarray) -> marisa_trie.Trie:
    trie = marisa_trie.Trie()
    trie.map(buf)
    return trie


def load(cls, path, tokenizer=None):
    """Map an index written by `save` into a new `cls`; raises IndexFileError when unusable,
    InvalidParameterError for a `tokenizer` that is not callable."""
    validate_params({"tokenizer": cls._parameter_constraints["tokenizer"]}, {"tokenizer": tokenizer},
                    f"{cls.__name__}.load")
    header, a = _map(path)
    if header.get("custom_tokenizer") and tokenizer is None:
        raise ValueError("this index was built with a custom tokenizer: pass the same tokenizer= to load()")
    try:
        common = frozenset(str(t) for t in header["common"])
        params = {k: header["params"][k] for k in _saved_params(cls)}
        vocab = Vocabulary(_trie(a["word_trie"]), {k: a[k] for k in Vocabulary.ARRAYS})
        docs = DocIds(_trie(a["id_trie"]), a["row_of_key"], a["key_of_row"])
        indptr, indices, w_indptr, w_indices = a["indptr"], a["indices"], a["w_indptr"], a["w_indices"]
        m, n = len(vocab), len(docs)
        ok = (len(indptr) == m + 1 and indptr[0] == 0 and indptr[-1] == len(indices) == len(a["data"])
              and bool(np.all(np.diff(indptr) >= 0)) and a["dl"].shape == (n, 2)
              and len(w_indptr) == n + 1 and w_indptr[0] == 0 and w_indptr[-1] == len(w_indices) == len(a["w_data"])
              and len(a["key_of_col"]) == m and len(vocab.word_col) == len(vocab.trie)
              and len(vocab.bigram_codes) == len(vocab.bigram_col) == m - len(vocab.trie)
              and len(a["row_of_key"]) == len(docs.trie) == n)
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise IndexFileError(f"{path}: damaged header or arrays ({e})") from e
    if not ok:
        raise IndexFileError(f"{path}: arrays do not fit together (truncated or corrupt)")
    matcher = cls(tokenizer=tokenizer, **params)
    try:
        matcher._validate_params()
    except InvalidParameterError as e:
        raise IndexFileError(f"{path}: saved settings are not valid ({e})") from e
    idx = Index()
    idx.vocab, idx.docs = vocab, docs
    idx.set_base(indptr, indices, a["data"], a["dl"], (w_indptr, w_indices, a["w_data"]))
    idx.common = common
    matcher.index_ = idx
    return matcher
