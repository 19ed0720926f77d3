"""Saving and loading a fitted Matcher as one .npz file (arrays + a JSON header, no pickle)."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile

import numpy as np
import scipy.sparse as sp

from .index import Index, _Grow
from .params import InvalidParameterError, validate_params
from .scoring import BIGRAM, WORD
from .tokenize import BIGRAM_PREFIX

FORMAT = "matching-index"
VERSION = 2  # 2: the match index's settings (min_match, common_df) and the df-based stop list


def _saved_params(cls) -> list[str]:
    """The settings a file records: all of the class's but the tokenizer (a function is not data)."""
    return [k for k in cls._parameter_constraints if k != "tokenizer"]


class IndexFileError(Exception):
    """Raised when a saved index is missing, truncated, corrupt or of an unknown format."""


def save(matcher, path) -> None:
    """Write `matcher`'s index to `path` atomically; raises NotFittedError if it has none."""
    idx = matcher._check()
    if idx._delta or idx.n_alive != len(idx.ids):
        idx.merge()  # persist one compact segment; row order is internal
    main = idx.main
    header = {
        "format": FORMAT, "version": VERSION,
        "params": {k: getattr(matcher, k) for k in _saved_params(type(matcher))},
        "custom_tokenizer": matcher.tokenizer is not None,
        "ids": idx.ids, "terms": idx.terms, "common": sorted(idx.common),
    }
    blob = np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".matching-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, header=blob, indptr=main.indptr.astype(np.int64), indices=main.indices,
                     data=main.data, dl=idx.dl, df=idx.df)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(cls, path, tokenizer=None):
    """Read an index written by `save` into a new `cls`; raises IndexFileError when unusable,
    InvalidParameterError for a `tokenizer` that is not callable."""
    validate_params({"tokenizer": cls._parameter_constraints["tokenizer"]}, {"tokenizer": tokenizer},
                    f"{cls.__name__}.load")
    try:
        # Open the file ourselves: np.load leaks its handle when the archive is truncated.
        with open(os.fspath(path), "rb") as fh, np.load(fh, allow_pickle=False) as z:
            arrays = {k: z[k] for k in ("header", "indptr", "indices", "data", "dl", "df")}
        header = json.loads(arrays["header"].tobytes().decode("utf-8"))
    except FileNotFoundError as e:
        raise IndexFileError(f"no index file at {path}") from e
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as e:
        raise IndexFileError(f"cannot read index file {path}: {e}") from e
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("version") != VERSION:
        raise IndexFileError(f"{path} is not a matching index of version {VERSION}")
    if header.get("custom_tokenizer") and tokenizer is None:
        raise ValueError("this index was built with a custom tokenizer: pass the same tokenizer= to load()")
    try:
        ids, terms = [str(i) for i in header["ids"]], [str(t) for t in header["terms"]]
        common = frozenset(str(t) for t in header["common"])
        params = {k: header["params"][k] for k in _saved_params(cls)}
    except (KeyError, TypeError) as e:
        raise IndexFileError(f"{path}: damaged header ({e})") from e
    n, m = len(ids), len(terms)
    indptr, indices, data = arrays["indptr"], arrays["indices"], arrays["data"]
    dl, df = arrays["dl"], arrays["df"]
    ok = (indptr.shape == (m + 1,) and len(indices) == len(data) == (indptr[-1] if m + 1 else 0)
          and dl.shape == (n, 2) and df.shape == (m,) and (len(indices) == 0 or (
              0 <= indices.min() and indices.max() < n)) and np.all(np.diff(indptr) >= 0))
    if not ok:
        raise IndexFileError(f"{path}: arrays do not fit together (truncated or corrupt)")
    matcher = cls(tokenizer=tokenizer, **params)
    try:
        matcher._validate_params()
    except InvalidParameterError as e:
        raise IndexFileError(f"{path}: saved settings are not valid ({e})") from e
    idx = Index()
    idx.terms = terms
    idx.vocab = {t: i for i, t in enumerate(terms)}
    if len(idx.vocab) != m or len(set(ids)) != n:
        raise IndexFileError(f"{path}: duplicate terms or ids")
    idx._family = _Grow(np.uint8)
    idx._family.extend(np.fromiter((BIGRAM if t.startswith(BIGRAM_PREFIX) else WORD for t in terms),
                                   dtype=np.uint8, count=m))
    idx._df = _Grow(np.float64)
    idx._df.extend(df.astype(np.float64))
    idx.ids = ids
    idx.row_of = {i: r for r, i in enumerate(ids)}
    idx._alive = _Grow(np.bool_)
    idx._alive.extend(np.ones(n, dtype=np.bool_))
    idx._dl = _Grow(np.float32, 2)
    idx._dl.extend(dl.astype(np.float32))
    idx.main = sp.csc_matrix((data.astype(np.float32), indices.astype(np.int32), indptr), shape=(n, m))
    idx.common = common
    matcher.index_ = idx
    return matcher
