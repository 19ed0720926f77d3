"""Column-compressed postings built and rewritten a block of columns at a time.

At a million documents the postings are ~300M entries (2.4 GB as int32 rows + float32 tf): a whole
extra copy, an int64 index of them, or scipy's format conversions would each cost gigabytes. Fit
streams chunks of documents into preallocated arrays; merge and save read the base (possibly
memory-mapped) plus the write segment in blocks of columns of bounded size.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator

import numpy as np

BLOCK = 1 << 23  # postings per block: ~100 MB of temporaries at most


class ColumnChunks:
    """Collects per-chunk postings in column order (only the chunk's non-empty columns, so a chunk
    costs its postings, not a pointer per vocabulary entry), spilled to an unnamed temporary file as
    they come, then laid out as one CSC: the process holds the final arrays and one chunk, not the
    whole corpus's postings twice (Lucene's indexer flushes segments to disk for the same reason)."""

    def __init__(self):
        self.spill = tempfile.TemporaryFile(prefix="matching-fit-")
        self.parts: list[tuple[int, int, int]] = []  # (file offset, distinct columns, postings)
        self.n_rows = 0

    def add(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_rows: int) -> None:
        """Postings of the next `n_rows` documents (chunk-local rows)."""
        order = np.argsort(cols, kind="stable")  # stable: rows stay ascending within a column
        ucols, cnt = np.unique(cols[order], return_counts=True)
        self.parts.append((self.spill.tell(), len(ucols), len(order)))
        for a in (ucols.astype(np.int32), cnt.astype(np.int32), (rows[order] + self.n_rows).astype(np.int32),
                  vals[order].astype(np.float32)):
            self.spill.write(a.view(np.uint8))
        self.n_rows += n_rows

    def _read(self, part: tuple[int, int, int]):
        at, k, n = part
        self.spill.seek(at)
        ucols, cnt, rows = (np.fromfile(self.spill, dtype=np.int32, count=c) for c in (k, k, n))
        return ucols, cnt, rows, np.fromfile(self.spill, dtype=np.float32, count=n)

    def csc(self, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indptr int64, indices int32, data float32) over `m` columns; closes the spill file."""
        counts = np.zeros(m, dtype=np.int64)
        for at, k, _ in self.parts:
            self.spill.seek(at)
            ucols, cnt = (np.fromfile(self.spill, dtype=np.int32, count=k) for _ in range(2))
            counts[ucols] += cnt
        indptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        del counts
        nnz = int(indptr[-1])
        indices = np.empty(nnz, dtype=np.int32)
        data = np.empty(nnz, dtype=np.float32)
        write = indptr[:-1].copy()  # next free slot per column
        for part in self.parts:
            ucols, cnt, rows, vals = self._read(part)
            first = np.cumsum(cnt) - cnt  # where each column starts within the chunk
            dest = np.repeat(write[ucols] - first, cnt) + np.arange(len(rows), dtype=np.int64)
            indices[dest] = rows
            data[dest] = vals
            write[ucols] += cnt
        self.spill.close()
        self.parts = []
        return indptr, indices, data


Block = tuple[int, np.ndarray, np.ndarray, np.ndarray]  # (first column, postings per column, rows, tf)


def column_blocks(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, m: int,
                  delta: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                  alive: np.ndarray | None = None) -> Iterator[Block]:
    """The columns 0..m-1 of a base CSC (over its first len(indptr)-1 columns) followed, within each
    column, by a write segment's CSC `delta` (rows after the base's), in blocks. With `alive`, dead
    rows are dropped and the rest renumbered in order."""
    mb = len(indptr) - 1
    new_row = None
    if alive is not None and not alive.all():
        new_row = (np.cumsum(alive, dtype=np.int64) - 1).astype(np.int32)
    cuts = np.searchsorted(indptr, np.arange(0, int(indptr[-1]), BLOCK), side="right") - 1
    cuts = np.unique(np.concatenate([cuts[cuts > 0], [0, m]]).clip(0, m))
    if len(cuts) > 1:
        # a write segment can make the last base columns or the new ones big: split them too
        cuts = np.unique(np.concatenate([cuts, np.arange(0, m, max(1, BLOCK // 64)), [m]]))
    for c0, c1 in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
        width = c1 - c0
        b0, b1 = min(c0, mb), min(c1, mb)
        bcnt = np.zeros(width, dtype=np.int64)
        bcnt[: b1 - b0] = np.diff(indptr[b0: b1 + 1])
        bi = np.asarray(indices[indptr[b0]: indptr[b1]])
        bd = np.asarray(data[indptr[b0]: indptr[b1]])
        if new_row is not None:
            keep = alive[bi]
            if not keep.all():
                local = np.repeat(np.arange(width), bcnt)[keep]
                bcnt = np.bincount(local, minlength=width)
                bi, bd = bi[keep], bd[keep]
            bi = new_row[bi]
        if delta is None:
            yield c0, bcnt, bi, bd
            continue
        dptr, dind, ddat = delta
        dcnt = np.diff(dptr[c0: c1 + 1])
        if not dcnt.any():
            yield c0, bcnt, bi, bd
            continue
        di, dd = dind[dptr[c0]: dptr[c1]], ddat[dptr[c0]: dptr[c1]]
        if new_row is not None:
            di = new_row[di]
        key = np.concatenate([np.repeat(np.arange(width), bcnt), np.repeat(np.arange(width), dcnt)])
        order = np.argsort(key, kind="stable")  # per column: base rows, then the (later) new rows
        yield c0, bcnt + dcnt, np.concatenate([bi, di])[order], np.concatenate([bd, dd])[order]


def collect(blocks: Iterable[Block], m: int, nnz: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lay blocks out as one CSC with at most `nnz` postings."""
    indptr = np.zeros(m + 1, dtype=np.int64)
    indices = np.empty(nnz, dtype=np.int32)
    data = np.empty(nnz, dtype=np.float32)
    pos = 0
    for c0, cnt, rows, vals in blocks:
        indptr[c0 + 1: c0 + 1 + len(cnt)] = cnt
        indices[pos: pos + len(rows)] = rows
        data[pos: pos + len(rows)] = vals
        pos += len(rows)
    np.cumsum(indptr, out=indptr)
    return indptr, indices[:pos], data[:pos]


def row_postings(blocks: Callable[[], Iterable[Block]], n_rows: int, wanted: np.ndarray,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row access (CSR: indptr, columns, tf) to the columns where `wanted` (bool per column) is set,
    by a counting sort in two passes over `blocks()` (no argsort of all the postings)."""
    counts = np.zeros(n_rows, dtype=np.int64)
    for c0, cnt, rows, _ in blocks():
        sel = np.repeat(wanted[c0: c0 + len(cnt)], cnt)
        counts += np.bincount(rows[sel], minlength=n_rows)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    cols_out = np.empty(int(indptr[-1]), dtype=np.int32)
    tf_out = np.empty(int(indptr[-1]), dtype=np.float32)
    write = indptr[:-1].copy()
    for c0, cnt, rows, vals in blocks():
        sel = np.repeat(wanted[c0: c0 + len(cnt)], cnt)
        if not sel.any():
            continue
        cols = np.repeat(np.arange(c0, c0 + len(cnt), dtype=np.int32), cnt)[sel]
        r, v = rows[sel], vals[sel]
        order = np.argsort(r, kind="stable")  # columns stay ascending within a row
        r, cols, v = r[order], cols[order], v[order]
        rank = np.arange(len(r)) - np.searchsorted(r, r)
        dest = write[r] + rank
        cols_out[dest] = cols
        tf_out[dest] = v
        write += np.bincount(r, minlength=n_rows)
    return indptr, cols_out, tf_out
