"""Text normalisation before segmentation: HTML, NFKC, case, traditional → simplified."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from importlib import resources

import numpy as np

# Tags and comments are markup, not content; entities are decoded afterwards so "&lt;" stays text.
_TAG = re.compile(r"<!--.*?-->|<(?:script|style)\b.*?</(?:script|style)\s*>|</?[A-Za-z][^<>]{0,500}>", re.S | re.I)


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """Load the shipped traditional → simplified character table (str.translate map)."""
    table: dict[int, str] = {}
    text = resources.files("matching").joinpath("data/t2s.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        trad, simp = line.split("\t")
        table[ord(trad)] = simp
    return table


@lru_cache(maxsize=1)
def _needs_work() -> np.ndarray:
    """Lookup over the BMP: bit 1 where NFKC can change the features, bit 2 where t2s applies.

    Full-width punctuation such as ，。 folds to other separators, which tokenise the same, so it
    does not count; anything that folds to a letter, digit, joiner or markup character does.
    """
    lut = np.zeros(0x10000, dtype=np.uint8)
    for c in range(0x10000):
        ch = chr(c)
        folded = unicodedata.normalize("NFKC", ch)
        if folded != ch and (ch.isalnum() or any(x.isalnum() or x in "._+-<&#" for x in folded)):
            lut[c] = 1
    lut[[ord("<"), ord("&")]] = 1
    lut[[c for c in _t2s_table() if c < 0x10000]] |= 2
    return lut


def normalize_many(texts: list[str]) -> list[str]:
    """`normalize` for many texts, skipping the steps a text does not need (one numpy scan)."""
    if not texts:
        return []
    joined = "\n".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    lut = _needs_work()
    # One extra zero so every start (even of a trailing empty text) is a valid reduceat index.
    flag = np.full(len(codes) + 1, 3, dtype=np.uint8)  # outside the BMP: do everything
    flag[-1] = 0
    bmp = np.flatnonzero(codes < 0x10000)
    flag[bmp] = lut[codes[bmp]]
    starts = np.cumsum([0] + [len(t) + 1 for t in texts])[:-1]
    nfkc = np.maximum.reduceat(flag & 1, starts).tolist()
    t2s = np.maximum.reduceat(flag & 2, starts).tolist()
    table = _t2s_table()
    out = []
    for t, a, b in zip(texts, nfkc, t2s):
        if a:
            out.append(normalize(t))
            continue
        t = t.lower()
        out.append(t.translate(table) if b else t)
    return out


def normalize(text: str) -> str:
    """Return `text` with markup dropped, NFKC applied, Latin lower-cased and traditional characters simplified."""
    if "<" in text or "&" in text:
        text = html.unescape(_TAG.sub(" ", text))
    # NFKC folds full-width letters, digits and punctuation (ＧＰＵ → GPU, ５Ｇ → 5G).
    text = unicodedata.normalize("NFKC", text).lower()
    return text.translate(_t2s_table())
