"""Chinese analysis: jieba segmentation with a domain dictionary, stopwords and character bigrams."""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources

from .normalize import normalize
from .params import BOOLEAN, CALLABLE, NONE, Options, validate_params

# CJK ideographs (basic, extension A, compatibility); everything else that is not Latin/digit is a separator.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Latin and number tokens keep inner joiners so 5g, rt-pcr, 3.5, c++ survive as one token.
_RUN = re.compile(rf"([{_CJK}]+)|([a-z0-9\u03b1-\u03c9]+(?:[._+\-][a-z0-9\u03b1-\u03c9]+)*\+*)")
_CJK_RUN = re.compile(rf"[{_CJK}]+")
_NON_CJK = re.compile(rf"[^{_CJK}]+")
_LATIN = re.compile(r"[a-z0-9\u03b1-\u03c9]+(?:[._+\-][a-z0-9\u03b1-\u03c9]+)*\+*")

BIGRAM_PREFIX = "\x1f"  # marks character-bigram features; never produced by normalisation + segmentation

_lock = threading.Lock()
_segmenter: Callable[[str], list[str]] | None = None
_backend_name: str | None = None


def _data_lines(name: str) -> list[str]:
    """Return the non-comment lines of a shipped data file."""
    text = resources.files("matching").joinpath("data", name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@lru_cache(maxsize=1)
def user_words() -> tuple[str, ...]:
    """Return the domain dictionary terms shipped in data/userdict.txt."""
    return tuple(ln.split()[0] for ln in _data_lines("userdict.txt"))


@lru_cache(maxsize=1)
def user_word_parts() -> dict[str, tuple[str, ...]]:
    """Map each domain term to the pieces jieba's default dictionary splits it into."""
    out = {}
    for ln in _data_lines("userdict.txt"):
        body = ln.split("#", 1)[0]
        if "|" in body:
            term, parts = body.split("|", 1)
            out[term.strip()] = tuple(parts.split())
    return out


@lru_cache(maxsize=1)
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """Synonym groups from data/synonyms.txt; the first member is the canonical one."""
    return tuple(tuple(ln.split()) for ln in _data_lines("synonyms.txt"))


@lru_cache(maxsize=1)
def expansions() -> dict[str, tuple[str, ...]]:
    """Token -> extra tokens indexed with it: a domain term's default pieces, a synonym's canonical form."""
    out: dict[str, list[str]] = {t: list(p) for t, p in user_word_parts().items()}
    for group in synonym_groups():
        for alias in group[1:]:
            out.setdefault(alias, []).append(group[0])
    return {t: tuple(dict.fromkeys(v)) for t, v in out.items()}


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Return the shipped stopword set (data/stopwords.txt)."""
    return frozenset(_data_lines("stopwords.txt"))


def _make_segmenter(backend: str, with_user_dict: bool) -> Callable[[str], list[str]]:
    """Build a private segmenter instance (rjieba or jieba.Tokenizer); raises ValueError on unknown backend."""
    words = user_words() if with_user_dict else ()
    if backend in ("auto", "rjieba"):
        try:
            import rjieba
        except ImportError:
            if backend == "rjieba":
                raise
        else:
            seg = rjieba.Jieba()
            for w in words:
                seg.add_word(w, None, None)
            return seg.cut
    if backend not in BACKENDS:
        raise ValueError(f"unknown segmenter backend {backend!r}")
    import jieba

    jieba.setLogLevel(logging.WARNING)
    seg = jieba.Tokenizer()
    # The cache goes to a temp dir so a read-only checkout or site-packages still works.
    seg.tmp_dir = tempfile.gettempdir()
    seg.initialize()
    for w in words:
        seg.add_word(w)
    return seg.lcut


def segmenter(backend: str = "auto", with_user_dict: bool = True) -> Callable[[str], list[str]]:
    """Return the process-wide segmenter, created on first use (thread-safe)."""
    global _segmenter, _backend_name
    key = f"{backend}:{with_user_dict}"
    if _segmenter is None or _backend_name != key:
        with _lock:
            if _segmenter is None or _backend_name != key:
                _segmenter = _make_segmenter(backend, with_user_dict)
                _backend_name = key
    return _segmenter


BACKENDS = ("auto", "jieba", "rjieba")  # auto: rjieba when installed, else jieba


class Analyzer:
    """Turn text into word tokens and character-bigram features; `tokenizer` replaces jieba when given.

    Its settings are checked on construction (it has no `fit`); raises InvalidParameterError.
    """

    # What each setting may be (see params.py); Matcher declares its analyzer settings by these.
    _parameter_constraints: dict = {
        "tokenizer": [NONE, CALLABLE],
        "user_dict": [BOOLEAN],
        "use_stopwords": [BOOLEAN],
        "backend": [Options(*BACKENDS)],
    }

    def __init__(self, tokenizer: Callable[[str], list[str]] | None = None, *, user_dict: bool = True,
                 use_stopwords: bool = True, backend: str = "auto"):
        validate_params(self._parameter_constraints, {"tokenizer": tokenizer, "user_dict": user_dict,
                                                      "use_stopwords": use_stopwords, "backend": backend},
                        "Analyzer")
        self.tokenizer = tokenizer
        self.user_dict = user_dict
        self.use_stopwords = use_stopwords
        self.backend = backend

    def _stop(self) -> frozenset[str]:
        return stopwords() if self.use_stopwords else frozenset()

    def parts(self) -> dict[str, tuple[str, ...]]:
        """Token -> extra tokens indexed beside it ({} with a custom tokenizer or without the dictionary).

        A domain term kept whole gains precision, but would no longer match texts that share only a
        piece of it (固体电解质膜 vs 电解质); indexing the pieces too keeps that recall. A formula or
        acronym (zno, gpu) also counts as its canonical Chinese term (氧化锌, 图形处理器).
        """
        return expansions() if self.user_dict and self.tokenizer is None else {}

    def segment(self, ntext: str) -> list[str]:
        """Split normalised text into tokens (stopwords included, separators dropped)."""
        if self.tokenizer is not None:
            return [t for t in self.tokenizer(ntext) if t.strip()]
        cut = segmenter(self.backend, self.user_dict)
        out: list[str] = []
        for m in _RUN.finditer(ntext):
            if m.lastindex == 1:
                out.extend(cut(m.group()))
            else:
                out.append(m.group())
        return out

    def words(self, text: str, normalized: bool = False) -> list[str]:
        """Return the word tokens of `text` (order not kept for Latin tokens), stopwords removed."""
        ntext = text if normalized else normalize(text)
        stop = self._stop()
        if self.tokenizer is not None:
            return [t for t in self.segment(ntext) if t not in stop]
        # One segmenter call per text: separators become spaces, which jieba never joins across,
        # so the Chinese tokens equal those of `segment` (one call per run) at a fraction of the calls.
        cut = segmenter(self.backend, self.user_dict)
        out = [t for t in cut(_NON_CJK.sub(" ", ntext)) if t != " " and t not in stop]
        out.extend(t for t in _LATIN.findall(ntext) if t not in stop)
        parts = self.parts()
        out.extend(p for t in list(out) if t in parts for p in parts[t] if p not in stop)
        return out

    def word_counts(self, ntext: str) -> Counter:
        """Return the word-token counts of normalised text, stopwords removed (the fast path of `fit`)."""
        if self.tokenizer is not None:
            c = Counter(self.segment(ntext))
        else:
            cut = segmenter(self.backend, self.user_dict)
            c = Counter(cut(_NON_CJK.sub(" ", ntext)))
            c.update(_LATIN.findall(ntext))
            c.pop(" ", None)
            parts = self.parts()
            # sorted: set order depends on the hash seed, and feature ids must not
            for t in sorted(c.keys() & parts.keys()):
                for p in parts[t]:
                    c[p] += c[t]
        pop = c.pop  # dict.pop runs in C; Counter.__delitem__ is Python code
        for s in self._stop().intersection(c):
            pop(s)
        return c

    def analyze(self, text: str) -> tuple[list[str], list[str]]:
        """Return (words, bigrams) of `text`; bigrams carry BIGRAM_PREFIX."""
        ntext = normalize(text)
        return self.words(ntext, normalized=True), char_bigrams(ntext)

    def query_spans(self, text: str) -> tuple[list[tuple[str, int, int]], str]:
        """Return every token of `text` with its span in the normalised text, and that text."""
        ntext = normalize(text)
        spans: list[tuple[str, int, int]] = []
        pos = 0
        for tok in self.segment(ntext):
            start = ntext.find(tok, pos)
            if start < 0:  # a custom tokenizer may rewrite tokens; keep them, without a span
                spans.append((tok, -1, -1))
                continue
            spans.append((tok, start, start + len(tok)))
            pos = start + len(tok)
        return spans, ntext


def char_bigrams(ntext: str) -> list[str]:
    """Return the CJK character bigrams of normalised text, in order, prefixed with BIGRAM_PREFIX."""
    out: list[str] = []
    p = BIGRAM_PREFIX
    for run in _CJK_RUN.findall(ntext):
        out.extend([p + run[i:i + 2] for i in range(len(run) - 1)])
    return out


def bigram_spans(ntext: str) -> Iterable[tuple[str, int]]:
    """Yield (bigram feature, start offset) for the CJK bigrams of normalised text."""
    for m in _CJK_RUN.finditer(ntext):
        run, base = m.group(), m.start()
        for i in range(len(run) - 1):
            yield BIGRAM_PREFIX + run[i:i + 2], base + i
