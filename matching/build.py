"""Turning many documents into term-frequency features, optionally in several processes."""

from __future__ import annotations

from collections import Counter
from typing import Mapping


def featurize(matcher, docs: list[Mapping]) -> tuple[list[Counter], list[tuple[float, float]]]:
    """Return each document's weighted term counts and per-family lengths, in order."""
    analyzer = matcher._analyzer()
    out = [matcher._doc_features(analyzer, d) for d in docs]
    return [c for c, _ in out], [dl for _, dl in out]
