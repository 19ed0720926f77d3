"""Explanations: turn per-feature score contributions into readable query words."""

from __future__ import annotations

from collections import Counter, defaultdict

from .tokenize import BIGRAM_PREFIX, bigram_spans


class QueryPlan:
    """A query's features (word and bigram), their counts and how each maps onto query words."""

    def __init__(self, spans: list[tuple[str, int, int]], ntext: str, stop: frozenset[str], ngrams: bool,
                 parts: dict[str, tuple[str, ...]] | None = None):
        words = [tok for tok, _, _ in spans if tok not in stop]
        counts: Counter[str] = Counter(words)
        credit: dict[str, dict[str, float]] = {}  # pieces of domain terms credit the whole term
        for tok in words:
            for p in (parts or {}).get(tok, ()):
                if p not in stop:
                    counts[p] += 1
                    credit.setdefault(p, defaultdict(float))[tok] += 1.0
        owner = [-1] * len(ntext)
        for t, (_, a, b) in enumerate(spans):
            for i in range(max(a, 0), b):
                owner[i] = t
        occ: dict[str, list[int]] = defaultdict(list)
        if ngrams:
            for feat, pos in bigram_spans(ntext):
                occ[feat].append(pos)
                counts[feat] += 1
        self.features = list(counts)
        self.qtf = [counts[f] for f in self.features]
        self.share: list[dict[str, float]] = []
        for f in self.features:
            if not f.startswith(BIGRAM_PREFIX):
                if f in credit:
                    # a piece: credit the query words it came from (and itself, if typed on its own)
                    c = dict(credit[f])
                    own = counts[f] - sum(c.values())
                    if own > 0:
                        c[f] = c.get(f, 0.0) + own
                    total = sum(c.values())
                    self.share.append({w: v / total for w, v in c.items()})
                else:
                    self.share.append({f: 1.0})
                continue
            self.share.append(_bigram_share(f, occ[f], owner, spans, stop))


    def add_expansion(self, words: list[str]) -> None:
        """Append feedback words: each explains itself."""
        self.features.extend(words)
        self.qtf.extend([0] * len(words))
        self.share.extend({w: 1.0} for w in words)


def _bigram_share(feat: str, positions: list[int], owner: list[int], spans, stop) -> dict[str, float]:
    """Split a bigram's credit over the query words covering its two characters (stopwords pass it on)."""
    out: dict[str, float] = defaultdict(float)
    each = 1.0 / len(positions)
    for i in positions:
        toks = [owner[i], owner[i + 1]]
        names = [spans[t][0] if t >= 0 else None for t in toks]
        good = [n for n in names if n is not None and n not in stop]
        if not good:
            good = [n for n in names if n is not None] or [feat[len(BIGRAM_PREFIX):]]
        for n in good:
            out[n] += each / len(good)
    return dict(out)


def explain_row(contribs: dict[int, float], plan: QueryPlan) -> list[tuple[str, float]]:
    """Return [(word, contribution)] for one document, largest first, from feature contributions."""
    per_word: dict[str, float] = defaultdict(float)
    for j, c in contribs.items():
        for word, frac in plan.share[j].items():
            per_word[word] += c * frac
    return sorted(((w, float(v)) for w, v in per_word.items() if v > 0), key=lambda x: (-x[1], x[0]))
