"""Text normalisation before segmentation: HTML, NFKC, case, traditional → simplified."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from importlib import resources

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


def normalize(text: str) -> str:
    """Return `text` with markup dropped, NFKC applied, Latin lower-cased and traditional characters simplified."""
    if "<" in text or "&" in text:
        text = html.unescape(_TAG.sub(" ", text))
    # NFKC folds full-width letters, digits and punctuation (ＧＰＵ → GPU, ５Ｇ → 5G).
    text = unicodedata.normalize("NFKC", text).lower()
    return text.translate(_t2s_table())
