"""Explanations: turn per-feature score contributions into readable query words, and tell the words
that are reasons for a match from filler (common words, fragments, numbers and units)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import lru_cache

import numpy as np

from .params import COMMON_MIN_DOCS
from .scoring import WORD
from .tokenize import BIGRAM_PREFIX, _data_lines, bigram_spans

# Words that do match but explain nothing to a reader, in any corpus: how listings talk about
# themselves (我司, 公司), comparisons (超过, 小于), and generic nouns and verbs. Kept short, by hand:
# two lists found from document frequency hold most of the filler. `general_words` (data/
# general_words.txt, built by matching.general_words) are the words spread evenly over the disciplines
# of a multi-discipline corpus of papers (利用, 快速, 参数…); `common_words` are the words in more than a fifth
# of the live corpus, when it has COMMON_MIN_DOCS documents or more. The words here are those neither
# finds: listing and business words a scientific corpus seldom uses (省内, 落地, 示范, 研发), and words
# too rare in it to show how they spread (支撑, 自主, 匹配), found among the demo's reasons by a new
# user's review.
FILLER = frozenset("""我司 我们 本单位 本公司 贵司 公司 企业 单位 榜单 背景 面向 不少 项目 开发 方案 以上 以下 左右 之间
开展 完成 建设 基于 一种 方面 问题 提升 发展 集团 第三方 只能 出具 可以 能够 需要 通过 目前 已经
超过 不超过 小于 大于 低于 高于 不低于 不高于 等于 相同 期间 其中 包括 具备 进一步 省内 省外 国内
国外 大量 多重 响应 支撑 自主 研发 示范 落地 匹配 深度 显著 一定 整体 多种 各类""".split())
_NUMBER_LIKE = re.compile(r"^[\d.,:/%+\-_~]+$")  # 50, 0.5, 2024, 3/4: numbers are not topics
# A number with its unit (10ms, 95%, 3kw) and units on their own (mg, nm, kW…) are not topics either.
_NUMBER_UNIT = re.compile(r"^[\d.]+[a-z%°μ]+\d?$")
_UNIT = re.compile(r"^(?:[munkμ]?m|[mk]?g|m?l|[kmg]?w|[km]?v|[kmg]?hz|db|ppm|ppb|pa|kpa|mpa|min|cm2|mm2|ms|kwh)$")
# Segmentation slips: a quantity's last character glued to the number word after it (效率约 → 率约,
# 占比约 → 比约, 产量达 → 量达), "about N of" without its number (100余个 → 余个), a noun's last
# character glued to a postposition (测试集上 → 集上), or a character glued to 是/的/了… (求解器是 → 器是).
_QUANTITY_SLIP = re.compile(r"^(?:[率量度比值重长宽高深厚数价额积压温耗速]+[约达超近逾]|[余多几][个项家套台次种类]|集上)$")
_SLIP = re.compile(r"^.[是的了和与及或在为对等]$")


@lru_cache(maxsize=1)
def general_words() -> frozenset[str]:
    """The shipped list of general words (data/general_words.txt): spread evenly over the disciplines
    of a multi-discipline corpus, so they tell no topic apart (see matching.general_words)."""
    return frozenset(_data_lines("general_words.txt"))


def is_filler(term: str, common: frozenset[str] = frozenset()) -> bool:
    """Whether `term` explains nothing as a reason for a match: a single character, a number or unit,
    a segmentation fragment, a hand-listed filler word, a general word (`general_words`), or one of
    the corpus's `common` words."""
    return (len(term) < 2 or term in FILLER or term in common or term in general_words() or bool(
        _NUMBER_LIKE.match(term) or _NUMBER_UNIT.match(term) or _UNIT.match(term)
        or _QUANTITY_SLIP.match(term) or _SLIP.match(term)))


def common_words(index, share: float) -> frozenset[str]:
    """The df-based stop list: words (not bigrams) in more than `share` of the live documents; none
    for a corpus under COMMON_MIN_DOCS documents, too few to say which words are common."""
    n = index.n_alive
    m = len(index.vocab)
    if n < COMMON_MIN_DOCS or m == 0:
        return frozenset()
    cols = np.arange(m)
    common = np.flatnonzero((index.vocab.family_of(cols) == WORD) & (index.df_of(cols) > share * n))
    return frozenset(index.vocab.term(i) for i in common.tolist())


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
        self.ideal = 0.0  # the query's ideal score (scoring.ideal_score), set when it is scored
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
