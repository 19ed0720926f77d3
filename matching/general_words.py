"""General words, found from document frequency across disciplines, for the reasons' stop list.

A word is general (it says how a text is written, not what it is about) when it is spread evenly
over many disciplines: in at least `share` of the documents of at least `min_fields` disciplines,
and found in about as many disciplines as a word of its document frequency would be if it were
placed at random (`min_spread`, observed / expected disciplines). A topic word (液冷, 焊接, 催化…)
is absent from most disciplines, or where it is common it is common in a few; a general word
(利用, 参数, 快速…) turns up everywhere at a similar rate.

The list is built once from the CSL dev data (the 880 papers of `title-to-field`, whose qrels say
which abstracts share a discipline; each paper's title from `abstract-to-title` is read with its
abstract) and shipped as data/general_words.txt, so the matcher needs no dev data to use it:

    python -m matching.general_words --data /work/shared/data/matching-dev --out matching/data/general_words.txt

Words are segmented by the matcher's own Analyzer (stopwords already removed, so none is listed).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

# Thresholds of the shipped list (see the module docstring).
SHARE = 0.03        # in at least 3% of a discipline's documents...
MIN_FIELDS = 12     # ...in at least 12 disciplines...
MIN_SPREAD = 0.85   # ...and in at least 85% of the disciplines a randomly placed word of its df reaches

FieldCounts = Mapping[str, tuple[int, Counter]]  # discipline -> (documents, word -> document frequency)


def _read_jsonl(path: Path) -> dict[str, str]:
    out = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                out[str(row["_id"])] = f"{row.get('title') or ''}\n{row.get('text') or ''}".strip()
    return out


def disciplines(data: Path) -> dict[str, list[str]]:
    """The labelled papers of the dev data, by discipline: {discipline: [title + abstract, ...]}.

    `title-to-field`'s qrels give each query its own abstract (2) and every abstract of the same
    discipline (1); papers linked through a query are one discipline, named by its first paper's id."""
    folder = data / "title-to-field"
    abstracts = _read_jsonl(folder / "corpus.jsonl")
    titles_file = data / "abstract-to-title" / "corpus.jsonl"
    titles = _read_jsonl(titles_file) if titles_file.exists() else {}
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    groups: dict[str, set[str]] = {}
    with open(folder / "qrels.tsv", encoding="utf-8") as fh:
        next(fh)  # header
        for line in fh:
            q, d, score = line.split()
            if int(score) > 0 and d in abstracts:
                groups.setdefault(q, set()).add(d)
    for docs in groups.values():
        first, *rest = sorted(docs)
        for d in rest:
            a, b = sorted((root(first), root(d)))
            parent[b] = a
    fields: dict[str, list[str]] = {}
    for d in sorted(parent):
        fields.setdefault(root(d), []).append(f"{titles.get(d, '')}\n{abstracts[d]}")
    return dict(sorted(fields.items()))


def field_counts(fields: Mapping[str, Iterable[str]], analyzer=None, progress=None) -> dict[str, tuple[int, Counter]]:
    """Each discipline's document count and per-word document frequency, by the matcher's Analyzer."""
    from .normalize import normalize
    from .tokenize import Analyzer

    analyzer = analyzer or Analyzer()
    out = {}
    for i, (name, texts) in enumerate(fields.items(), 1):
        texts = list(texts)
        df: Counter = Counter()
        for text in texts:
            df.update(set(analyzer.word_counts(normalize(text))))
        out[name] = (len(texts), df)
        if progress:
            progress(f"[{i}/{len(fields)}] {name}: {len(texts)} documents, {len(df)} words")
    return out


def spread(word: str, counts: FieldCounts) -> float:
    """Disciplines holding `word`, over those a word of its document frequency placed at random
    would reach (1 for an even spread, much less for a topic word)."""
    total = sum(n for n, _ in counts.values())
    df = sum(c[word] for _, c in counts.values())
    if not df or not total:
        return 0.0
    seen = sum(1 for _, c in counts.values() if c[word])
    expected = sum(1.0 - (1.0 - n / total) ** df for n, _ in counts.values())
    return seen / expected


def general_words(counts: FieldCounts, share: float = SHARE, min_fields: int = MIN_FIELDS,
                  min_spread: float = MIN_SPREAD) -> list[str]:
    """The general words of per-discipline document frequencies, sorted."""
    vocab = sorted(set().union(*(c.keys() for _, c in counts.values()))) if counts else []
    out = []
    for w in vocab:
        if len(w) < 2 or w.isdigit():  # single characters and numbers are filler by form already
            continue
        fields = sum(1 for n, c in counts.values() if c[w] and c[w] >= share * n)
        if fields >= min_fields and spread(w, counts) >= min_spread:
            out.append(w)
    return out


def render(words: list[str], counts: FieldCounts, source: str, share: float, min_fields: int,
           min_spread: float) -> str:
    sizes = sorted(n for n, _ in counts.values())
    head = [
        "# General words: not reasons for a match (explain.is_filler). Generated; do not edit by hand:",
        "#   python -m matching.general_words --data DEV_DATA --out matching/data/general_words.txt",
        f"# Source: {source}: the {sum(sizes)} labelled papers (title + abstract) of title-to-field, in",
        f"# {len(sizes)} disciplines ({sizes[0] if sizes else 0}-{sizes[-1] if sizes else 0} papers each) "
        "taken from its qrels; CSL benchmark, Apache-2.0.",
        "# Segmented by matching.tokenize.Analyzer (stopwords removed). A word is general when it is in",
        f"# at least {share:.0%} of the documents of at least {min_fields} disciplines, and in at least "
        f"{min_spread:.0%} of the",
        "# disciplines a randomly placed word of its document frequency would reach (an even spread).",
        f"# {len(words)} words, sorted.",
    ]
    return "\n".join(head + words) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m matching.general_words", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, type=Path, help="the dev data folder (holds title-to-field/)")
    ap.add_argument("--out", type=Path, help="where to write the list (default: print it)")
    ap.add_argument("--share", type=float, default=SHARE)
    ap.add_argument("--min-fields", type=int, default=MIN_FIELDS)
    ap.add_argument("--min-spread", type=float, default=MIN_SPREAD)
    args = ap.parse_args(argv)
    if not (args.data / "title-to-field" / "qrels.tsv").exists():
        ap.error(f"no title-to-field/qrels.tsv under {args.data}")

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    fields = disciplines(args.data)
    say(f"{sum(len(v) for v in fields.values())} papers in {len(fields)} disciplines")
    counts = field_counts(fields, progress=say)
    words = general_words(counts, args.share, args.min_fields, args.min_spread)
    say(f"{len(words)} general words")
    text = render(words, counts, f"{args.data.name}/title-to-field", args.share, args.min_fields, args.min_spread)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        say(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
