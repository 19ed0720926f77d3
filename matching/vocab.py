"""Compact string <-> number maps for the index: the vocabulary (feature -> column) and the document
ids (id -> row).

Each is a static base, a marisa trie plus numpy arrays that can live in a memory-mapped file (no
Python object per key is made when an index is loaded: a dict of 2M terms costs ~250 MB in every
worker), and a small per-process overlay dict for keys added since, numbered from the base's size.
Character bigrams are not in the trie at all: a bigram of two BMP characters is one uint32 code, and a
sorted array of codes with `np.searchsorted` maps a whole query's bigrams in one call.
"""

from __future__ import annotations

import marisa_trie
import numpy as np

from .scoring import BIGRAM, WORD
from .tokenize import BIGRAM_PREFIX


def bigram_code(feature: str) -> int:
    """The uint32 code of a bigram feature (two BMP characters), or -1 for any other feature."""
    if len(feature) == 3 and feature[0] == BIGRAM_PREFIX:
        a, b = ord(feature[1]), ord(feature[2])
        if a < 0x10000 and b < 0x10000:
            return (a << 16) | b
    return -1


def code_to_feature(code: int) -> str:
    """The bigram feature string for a code (`bigram_code`'s inverse)."""
    return BIGRAM_PREFIX + chr(code >> 16) + chr(code & 0xFFFF)


def trie_numbering(keys: list[str]) -> tuple[marisa_trie.Trie, np.ndarray]:
    """A trie of `keys` (distinct) and, per trie key id, the key's position in `keys`."""
    trie = marisa_trie.Trie(keys)
    if len(trie) != len(keys):
        raise ValueError("duplicate keys")
    num_of_key = np.empty(len(keys), dtype=np.int32)
    num_of_key[np.fromiter(map(trie.key_id, keys), dtype=np.int64, count=len(keys))] = np.arange(
        len(keys), dtype=np.int32)
    return trie, num_of_key


class Overlay:
    """Keys added after the base was built, numbered from `start`."""

    def __init__(self, start: int):
        self.start = start
        self.num: dict[str, int] = {}
        self.keys: list[str] = []

    def add(self, key: str) -> int:
        n = self.start + len(self.keys)
        self.num[key] = n
        self.keys.append(key)
        return n


class Vocabulary:
    """Feature string <-> column. Base columns: words in a trie (`word_col` per trie id), bigrams as
    sorted codes (`bigram_col` per code); `key_of_col` is a column's trie id or code, `family` its
    feature family. Columns from `len(base)` on are in the overlay."""

    ARRAYS = ("family", "key_of_col", "word_col", "bigram_codes", "bigram_col")

    def __init__(self, trie: marisa_trie.Trie, arrays: dict[str, np.ndarray]):
        self.trie = trie
        for name in self.ARRAYS:
            setattr(self, name, arrays[name])
        self.base = len(self.family)
        self.overlay = Overlay(self.base)
        self._family_extra: list[int] = []

    @classmethod
    def build(cls, words: list[str], word_cols: np.ndarray, codes: np.ndarray, code_cols: np.ndarray,
              ) -> Vocabulary:
        """A base from the word features and bigram codes of columns `word_cols` and `code_cols`."""
        trie, order = trie_numbering(words)
        m = len(words) + len(codes)
        family = np.full(m, BIGRAM, dtype=np.uint8)
        family[word_cols] = WORD
        key_of_col = np.empty(m, dtype=np.uint32)
        word_col = np.asarray(word_cols, dtype=np.int32)[order]
        key_of_col[word_col] = np.arange(len(word_col), dtype=np.uint32)
        key_of_col[code_cols] = codes
        sort = np.argsort(codes, kind="stable")
        return cls(trie, {"family": family, "key_of_col": key_of_col, "word_col": word_col,
                          "bigram_codes": codes[sort].astype(np.uint32),
                          "bigram_col": np.asarray(code_cols, dtype=np.int32)[sort]})

    @classmethod
    def rebuilt(cls, old: Vocabulary) -> Vocabulary:
        """A base holding `old`'s base and overlay, with the same columns."""
        items = old.trie.items()
        words = [k for k, _ in items] + [k for k in old.overlay.keys if bigram_code(k) < 0]
        word_cols = np.concatenate([old.word_col[np.asarray([i for _, i in items], dtype=np.int64)],
                                    [old.overlay.num[k] for k in words[len(items):]]]).astype(np.int32)
        new_codes = [(bigram_code(k), c) for k, c in old.overlay.num.items() if bigram_code(k) >= 0]
        codes = np.concatenate([old.bigram_codes, np.asarray([c for c, _ in new_codes], dtype=np.uint32)])
        code_cols = np.concatenate([old.bigram_col, np.asarray([c for _, c in new_codes], dtype=np.int32)])
        return cls.build(words, word_cols, codes.astype(np.uint32), code_cols)

    def __len__(self) -> int:
        return self.base + len(self.overlay.keys)

    def lookup(self, features: list[str]) -> np.ndarray:
        """Columns of `features` (int64), -1 for unknown ones."""
        out = np.full(len(features), -1, dtype=np.int64)
        big = [j for j, f in enumerate(features) if len(f) == 3 and f[0] == BIGRAM_PREFIX]
        if len(big) < len(features):
            get, word_col = self.trie.get, self.word_col
            isbig = np.zeros(len(features), dtype=bool)
            isbig[big] = True
            for j in np.flatnonzero(~isbig).tolist():
                k = get(features[j])
                if k is not None:
                    out[j] = word_col[k]
        if big and len(self.bigram_codes):
            # all the query's bigrams at once: their characters as UTF-32 code units, two per bigram
            pairs = np.frombuffer("".join(features[j][1:] for j in big).encode("utf-32-le"),
                                  dtype=np.uint32).reshape(-1, 2)
            codes = (pairs[:, 0] << 16) | pairs[:, 1]
            pos = np.minimum(np.searchsorted(self.bigram_codes, codes), len(self.bigram_codes) - 1)
            found = (self.bigram_codes[pos] == codes) & (pairs < 0x10000).all(axis=1)
            out[np.asarray(big)[found]] = self.bigram_col[pos[found]]
        if self.overlay.keys:
            num = self.overlay.num
            for j in np.flatnonzero(out < 0).tolist():
                out[j] = num.get(features[j], -1)
        return out

    def grow(self, features: list[str]) -> np.ndarray:
        """Columns of `features` (int32), adding unknown ones to the overlay."""
        cols = self.lookup(features)
        for j in np.flatnonzero(cols < 0).tolist():
            f = features[j]
            col = self.overlay.num.get(f)  # the same new feature twice in one call
            if col is None:
                col = self.overlay.add(f)
                self._family_extra.append(BIGRAM if f.startswith(BIGRAM_PREFIX) else WORD)
            cols[j] = col
        return cols.astype(np.int32)

    def word_cols(self, words: list[str]) -> np.ndarray:
        """Columns of word features, adding new ones (the `add` path of build.assemble)."""
        return self.grow(words)

    def code_cols(self, codes: np.ndarray) -> np.ndarray:
        """Columns of bigram codes, adding new ones."""
        return self.grow([code_to_feature(c) for c in codes.tolist()])

    def family_of(self, cols: np.ndarray) -> np.ndarray:
        """Feature family of each column."""
        if not self._family_extra:
            return self.family[cols]
        cols = np.asarray(cols)
        out = np.empty(len(cols), dtype=np.uint8)
        inb = cols < self.base
        out[inb] = self.family[cols[inb]]
        out[~inb] = np.asarray(self._family_extra, dtype=np.uint8)[cols[~inb] - self.base]
        return out

    def term(self, col: int) -> str:
        """The feature string of a column."""
        if col >= self.base:
            return self.overlay.keys[col - self.base]
        key = int(self.key_of_col[col])
        return self.trie.restore_key(key) if self.family[col] == WORD else code_to_feature(key)


class DocIds:
    """Document id <-> row, with deletions: base rows in a trie (`row_of_key` per trie id,
    `key_of_row` per row), later rows in the overlay; a row counts only while `alive[row]`."""

    def __init__(self, trie: marisa_trie.Trie, row_of_key: np.ndarray, key_of_row: np.ndarray):
        self.trie, self.row_of_key, self.key_of_row = trie, row_of_key, key_of_row
        self.base = len(key_of_row)
        self.overlay = Overlay(self.base)

    @classmethod
    def build(cls, ids: list[str]) -> DocIds:
        trie, row_of_key = trie_numbering(ids)
        key_of_row = np.empty(len(ids), dtype=np.int32)
        key_of_row[row_of_key] = np.arange(len(ids), dtype=np.int32)
        return cls(trie, row_of_key, key_of_row)

    def __len__(self) -> int:
        return self.base + len(self.overlay.keys)

    def row(self, doc_id: str, alive: np.ndarray) -> int | None:
        """The live row of `doc_id`, or None."""
        r = self.overlay.num.get(doc_id)
        if r is None:
            k = self.trie.get(doc_id)
            r = None if k is None else int(self.row_of_key[k])
        return r if r is not None and alive[r] else None

    def id_of(self, row: int) -> str:
        return self.overlay.keys[row - self.base] if row >= self.base else self.trie.restore_key(
            int(self.key_of_row[row]))

    def append(self, doc_id: str) -> int:
        return self.overlay.add(doc_id)
