"""What each setting may be, declared once per class, and one function that checks values against it.

The pattern is scikit-learn's: a class lists its parameters in `_parameter_constraints`
({name: [constraint, ...]}, a value passes if any constraint accepts it) and checks them where it
starts to use them (`fit`, `load`), not in the constructor, which only stores. scikit-learn's own
`sklearn.utils._param_validation` is private API that may change in any release, so this is a
small table of our own with the same shape.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Integral, Real

import numpy as np


class InvalidParameterError(ValueError, TypeError):
    """A parameter of the wrong type or out of its range.

    Both a ValueError and a TypeError (as scikit-learn's error of the same name), so code written
    against either, or against the ValueError that `search(k=0)` raised before, keeps working.
    """


class Interval:
    """A finite int or real number between `low` and `high` (None: unbounded on that side)."""

    def __init__(self, kind: type, low: float | None, high: float | None, closed: str = "both"):
        if kind not in (Integral, Real) or closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"bad Interval({kind!r}, closed={closed!r})")
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def accepts(self, value) -> bool:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, self.kind):
            return False
        if self.kind is Real and not math.isfinite(value):  # NaN and inf: never a usable setting
            return False
        if self.low is not None and (value < self.low or (value == self.low and self.closed in ("right", "neither"))):
            return False
        if self.high is not None and (value > self.high or (value == self.high and self.closed in ("left", "neither"))):
            return False
        return True

    def __str__(self) -> str:
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        return f"{'an int' if self.kind is Integral else 'a number'} in {left}{low}, {high}{right}"


class Options:
    """One of a fixed set of values."""

    def __init__(self, *values):
        self.values = values

    def accepts(self, value) -> bool:
        # Same type too: 1 == True and 1.0 == 1 must not let a bool or float stand in for an option.
        return any(type(value) is type(v) and value == v for v in self.values)

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


class InstanceOf:
    """An instance of one of `types`, described as `label` in messages."""

    def __init__(self, types: type | tuple[type, ...], label: str):
        self.types, self.label = types, label

    def accepts(self, value) -> bool:
        return isinstance(value, self.types)

    def __str__(self) -> str:
        return self.label


class _Callable:
    def accepts(self, value) -> bool:
        return callable(value)

    def __str__(self) -> str:
        return "a callable"


class _NoneValue:
    def accepts(self, value) -> bool:
        return value is None

    def __str__(self) -> str:
        return "None"


BOOLEAN = InstanceOf((bool, np.bool_), "a bool")
CALLABLE = _Callable()
NONE = _NoneValue()
Constraints = Mapping[str, Sequence]


def validate_params(constraints: Constraints, values: Mapping[str, object], owner: str) -> None:
    """Check each value against its parameter's constraints (any one may accept it); raises
    InvalidParameterError naming the parameter, what it may be and the value given."""
    for name, value in values.items():
        allowed = constraints[name]
        if not any(c.accepts(value) for c in allowed):
            what = " or ".join(str(c) for c in allowed)
            raise InvalidParameterError(
                f"the {name!r} parameter of {owner} must be {what}; got {value!r} ({type(value).__name__})")


# ----- the match index and its relevance cutoff ---------------------------------------------------
# The match index runs from 0 to 100 (see scoring.match_index); a cutoff is a value on that scale.
MATCH_INDEX = Interval(Real, 0, 100, closed="both")
# Hits below this match index are not listed: tuned with `python -m matching.eval --all
# --cutoff-table` (README, "Recommendations"): the highest cutoff that keeps at least 99.9% of the
# relevant top-10 hits of every dev set (one same-field hit of 2,781 is lost, nDCG@10 moves by
# 0.0001 at most); on the demo's recommendations it drops 97–99% of the hits from another
# industrial chain (99.3% and 96.6%). 16 would keep only 97.5% of the same-field hits and lose real
# cross-chain matches.
DEFAULT_MIN_MATCH = 10.0
# A word in more than this share of the documents is too common to be a reason for a match (the
# df-based stop list, computed when an index is fitted); only corpora of COMMON_MIN_DOCS or more
# documents have one, a handful of documents says nothing about how common a word is.
DEFAULT_COMMON_DF = 0.2
COMMON_MIN_DOCS = 50
