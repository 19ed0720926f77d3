"""What the page's picker macro (macros/picker.html) needs: one shape for every picker."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..services.pickers import Candidate


@dataclass
class Picker:
    key: str  # the element ids' prefix: expert-q, expert-listbox…
    label: str  # the search box's label
    param: str  # the search's GET parameter on the page
    q: str  # what was searched for
    results: list[Candidate]
    name: str  # the POST field each result's button sends its id in
    button: str  # the result buttons' words
    source: str  # the type-ahead's JSON endpoint
    searched: bool  # whether an empty list means "nothing found" (not "nothing searched yet")
    help: str
    errors: list[str] = field(default_factory=list)
