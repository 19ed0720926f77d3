"""The match index's metadata of each document (kind, organisation, its type and region, chains, and a
challenge's state and visibility), which lets search and recommendations filter hits without a query.

Held as columns of numbers saved beside the matcher as uncompressed .npy files and memory-mapped, so all
workers of a host share one copy in the page cache instead of each holding 100k small dicts (about 85 MB
per worker at 100k listings). Documents changed since the save live in a small overlay of this process,
and documents removed since in a tombstone set. Rows are found by a sorted key column (kind, number), not
by the matcher's row: the matcher renumbers its rows when it folds its write segment in.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np

KINDS = ("ch", "cap", "ach", "exp")
_KIND_CODE = {kind: code for code, kind in enumerate(KINDS)}
# Text fields stored as codes into a table saved with the columns; code 0 is "" (a document without one).
CODED = ("org_type", "region", "state", "vis")
OPTIONAL = ("state", "vis")  # only challenges have them: left out of a document's dict when empty
_KIND_SHIFT = 40  # key = kind code << 40 | number: sorts by kind, then number
_NO_CHAIN = -1  # a chain id of None, kept as such
COLUMNS = {"key": np.int64, "kind": np.uint8, "org": np.int64, "org_type": np.uint16, "region": np.uint16,
           "state": np.uint8, "vis": np.uint8, "chain_ptr": np.int64, "chain_ids": np.int32}
_NO_ORG = -1
# A rule passed by at most this many documents goes to the matcher as a set of ids (it marks their rows
# once); above, as a function asked per candidate, best first, which then stops early as most pass. The
# crossover of the two costs (about 0.5 µs per id in the set, 1 µs per candidate asked, k / share of
# documents passing asked) is near sqrt(2·k·documents): a few thousand at k = 40 and 100k documents.
SET_LIMIT = 5000

DocFilter = Callable[[str], bool]


class MetaFileError(ValueError):
    """Raised when saved metadata columns are missing, truncated or do not fit together."""


def doc_key(doc_id: str) -> int | None:
    """The sortable number of a document id ("cap:12"), or None for an id of no known kind."""
    kind, _, number = doc_id.partition(":")
    code = _KIND_CODE.get(kind)
    if code is None or not number.isdigit():
        return None
    return code << _KIND_SHIFT | int(number)


def _doc_id(key: int) -> str:
    return f"{KINDS[key >> _KIND_SHIFT]}:{key & ((1 << _KIND_SHIFT) - 1)}"


def keys_of(doc_ids: Iterable[str]) -> np.ndarray:
    """The sorted keys of these document ids (a check that two collections hold the same documents)."""
    return np.sort(np.fromiter((doc_key(d) if doc_key(d) is not None else -1 for d in doc_ids), dtype=np.int64))


def encode(items: Iterable[tuple[str, dict]]) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """(columns, tables) for (doc id, metadata dict) pairs: the compact form of a metadata mapping."""
    tables: dict[str, dict[str, int]] = {field: {"": 0} for field in CODED}
    rows = sorted((doc_key(doc_id), info) for doc_id, info in items)
    n = len(rows)
    columns = {name: np.zeros(n, dtype=dtype) for name, dtype in COLUMNS.items() if name not in ("chain_ptr", "chain_ids")}
    chain_ptr = np.zeros(n + 1, dtype=np.int64)
    chain_ids: list[int] = []
    for row, (key, info) in enumerate(rows):
        if key is None:
            raise ValueError(f"unknown kind of document in {info!r}")
        columns["key"][row] = key
        columns["kind"][row] = _KIND_CODE[info["kind"]]
        columns["org"][row] = _NO_ORG if info["org"] is None else info["org"]
        for field in CODED:
            table = tables[field]
            columns[field][row] = table.setdefault(info.get(field) or "", len(table))
        chain_ids.extend(_NO_CHAIN if c is None else c for c in info["chains"])
        chain_ptr[row + 1] = len(chain_ids)
    columns["chain_ptr"] = chain_ptr
    columns["chain_ids"] = np.asarray(chain_ids, dtype=np.int32)
    for field in CODED:
        if len(tables[field]) > np.iinfo(COLUMNS[field]).max:
            raise ValueError(f"too many distinct values of {field} for its column")
    return columns, {field: list(table) for field, table in tables.items()}


class SavedRows:
    """The saved columns as seen by a vectorised rule: each helper gives one boolean per saved row."""

    def __init__(self, columns: dict[str, np.ndarray], tables: dict[str, list[str]]):
        self._columns, self._tables = columns, tables

    def __len__(self) -> int:
        return len(self._columns["key"])

    def kind_in(self, *kinds: str) -> np.ndarray:
        return np.isin(self._columns["kind"], [_KIND_CODE[kind] for kind in kinds])

    def org_is(self, org_id: int | None) -> np.ndarray:
        return self._columns["org"] == (_NO_ORG if org_id is None else org_id)

    def equals(self, field: str, value: str) -> np.ndarray:
        """Rows whose coded `field` (org_type, region, state, vis) is `value`."""
        table = self._tables[field]
        if value not in table:
            return np.zeros(len(self), dtype=bool)
        return self._columns[field] == table.index(value)

    def has_chain(self, chain_id: int | None) -> np.ndarray:
        ptr, ids = self._columns["chain_ptr"], self._columns["chain_ids"]
        positions = np.flatnonzero(ids == (_NO_CHAIN if chain_id is None else chain_id))
        mask = np.zeros(len(self), dtype=bool)
        mask[np.searchsorted(ptr, positions, side="right") - 1] = True
        return mask


class DocMeta(Mapping):
    """Doc id -> metadata dict, read from memory-mapped columns plus this process's changes since."""

    def __init__(self, columns: dict[str, np.ndarray] | None = None, tables: dict[str, list[str]] | None = None):
        if columns is None:
            columns, tables = encode(())
        self._columns = columns
        self._keys = columns["key"]
        self._tables = tables
        self._overlay: dict[str, dict] = {}  # documents added or changed since the columns were saved
        self._removed: set[str] = set()  # documents of the columns removed since
        self._size = len(self._keys)

    @classmethod
    def from_dicts(cls, meta: Mapping[str, dict]) -> DocMeta:
        return cls(*encode(meta.items()))

    # ----- files --------------------------------------------------------------------------------
    def save(self, folder: Path) -> dict[str, list[str]]:
        """Write the current metadata as one .npy file per column into `folder` (new, or emptied by
        the caller); returns the code tables, which the caller saves in its header."""
        columns, tables = encode(self.items())
        folder.mkdir(parents=True, exist_ok=True)
        for name, array in columns.items():
            np.save(folder / f"{name}.npy", array, allow_pickle=False)
        return tables

    @classmethod
    def load(cls, folder: Path, tables: dict[str, list[str]]) -> DocMeta:
        """The columns saved in `folder`, memory-mapped read-only; raises MetaFileError when unusable."""
        try:
            columns = {name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in COLUMNS}
            tables = {field: [str(v) for v in tables[field]] for field in CODED}
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise MetaFileError(f"metadata columns in {folder} unreadable: {error}") from error
        n = len(columns["key"])
        fits = (all(columns[name].shape == (n,) and columns[name].dtype == dtype for name, dtype in COLUMNS.items()
                    if name not in ("chain_ptr", "chain_ids"))
                and columns["chain_ptr"].shape == (n + 1,) and columns["chain_ptr"][-1] == len(columns["chain_ids"])
                and all(int(columns[field].max(initial=0)) < len(tables[field]) for field in CODED)
                and bool(np.all(columns["key"][1:] > columns["key"][:-1])))
        if not fits:
            raise MetaFileError(f"metadata columns in {folder} do not fit together")
        return cls(columns, tables)

    def base_keys(self) -> np.ndarray:
        """The keys of the saved columns (sorted), for checking them against the matcher's ids."""
        return self._keys

    # ----- reading ------------------------------------------------------------------------------
    def _saved_row(self, doc_id: str) -> int | None:
        """The document's row in the saved columns (removed since or not)."""
        key = doc_key(doc_id)
        if key is None:
            return None
        row = int(self._keys.searchsorted(key))
        return row if row < len(self._keys) and self._keys[row] == key else None

    def _row(self, doc_id: str) -> int | None:
        """The column row of a document saved in the columns and not removed since."""
        return None if doc_id in self._removed else self._saved_row(doc_id)

    def _decode(self, row: int) -> dict:
        c, t = self._columns, self._tables
        org = int(c["org"][row])
        chains = c["chain_ids"][int(c["chain_ptr"][row]):int(c["chain_ptr"][row + 1])].tolist()
        info = {"kind": KINDS[c["kind"][row]], "org": None if org == _NO_ORG else org,
                "org_type": t["org_type"][c["org_type"][row]], "region": t["region"][c["region"][row]],
                "chains": [None if chain == _NO_CHAIN else chain for chain in chains]}
        for field in OPTIONAL:
            code = c[field][row]
            if code:
                info[field] = t[field][code]
        return info

    def get(self, doc_id: str, default=None):
        """The document's metadata as a new dict (kind, org, org_type, region, chains, and a challenge's
        state and vis), or `default` when it is not indexed."""
        info = self._overlay.get(doc_id)
        if info is not None:
            return info
        row = self._row(doc_id)
        return default if row is None else self._decode(row)

    def __getitem__(self, doc_id: str) -> dict:
        info = self.get(doc_id)
        if info is None:
            raise KeyError(doc_id)
        return info

    def __contains__(self, doc_id) -> bool:
        return isinstance(doc_id, str) and (doc_id in self._overlay or self._row(doc_id) is not None)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[str]:
        yield from self._overlay
        for key in self._keys.tolist():
            doc_id = _doc_id(key)
            if doc_id not in self._overlay and doc_id not in self._removed:
                yield doc_id

    # ----- changing (this process's overlay) ----------------------------------------------------
    def put(self, doc_id: str, info: dict) -> None:
        """Add or replace a document's metadata (kept in this process until the next save)."""
        if doc_id not in self:
            self._size += 1
        self._removed.discard(doc_id)
        self._overlay[doc_id] = info

    def discard(self, doc_id: str) -> None:
        """Remove a document's metadata, if indexed."""
        if doc_id not in self:
            return
        self._size -= 1
        self._overlay.pop(doc_id, None)
        if self._saved_row(doc_id) is not None:
            self._removed.add(doc_id)

    # ----- vectorised rules -----------------------------------------------------------------------
    def select(self, rows: Callable[[SavedRows], np.ndarray], doc: Callable[[str, dict], bool]) -> set[str] | DocFilter:
        """A filter for the matcher: the documents passing one rule, given twice — `rows` over the saved
        columns at once, `doc(doc_id, info)` for each document changed since (the two must agree; tests
        compare them). A set of ids when at most SET_LIMIT pass, else a function of the doc id."""
        mask = np.array(rows(SavedRows(self._columns, self._tables)), dtype=bool)
        for doc_id in self._removed.union(self._overlay):
            row = self._saved_row(doc_id)
            if row is not None:
                mask[row] = False  # decided on its current form below, or gone
        changed = {doc_id for doc_id, info in self._overlay.items() if doc(doc_id, info)}
        if int(mask.sum()) + len(changed) <= SET_LIMIT:
            return changed.union(_doc_id(key) for key in self._keys[mask].tolist())

        def allowed(doc_id: str) -> bool:
            if doc_id in self._overlay:
                return doc_id in changed
            row = self._row(doc_id)
            return row is not None and bool(mask[row])

        return allowed

    @property
    def changed(self) -> int:
        """How many documents this process holds outside the saved columns (overlay and tombstones)."""
        return len(self._overlay) + len(self._removed)

