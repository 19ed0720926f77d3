"""Record which indexed documents a flush touched, in the same transaction (one place, not per service),
and read that log back in commit order."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, event, func, insert, inspect, or_, select
from sqlalchemy.orm import Session

from ..clock import utcnow
from ..models import Achievement, Capability, Challenge, ExpertMembership, IndexChange, Organisation, User

PREFIX = {Challenge: "ch", Capability: "cap", Achievement: "ach"}
_PENDING = "index_pending"


def doc_id(obj) -> str | None:
    for model, prefix in PREFIX.items():
        if isinstance(obj, model):
            return f"{prefix}:{obj.id}"
    if isinstance(obj, User):
        return f"exp:{obj.id}"
    if isinstance(obj, ExpertMembership):
        return f"exp:{obj.user_id}"
    return None


@event.listens_for(Session, "after_flush")
def _collect(session, flush_context):
    pending = session.info.setdefault(_PENDING, set())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, IndexChange):
            continue
        if isinstance(obj, Organisation):
            pending.add(("org", obj.id))  # its listings' visibility follows its verification
            continue
        if isinstance(obj, User) and not _expert_fields_changed(obj):
            continue  # logins and password changes do not touch the index
        key = doc_id(obj)
        if key and not key.endswith(":None"):
            pending.add(("doc", key))


def _expert_fields_changed(user: User) -> bool:
    state = inspect(user)
    return any(state.attrs[name].history.has_changes() for name in ("expertise", "expert_title", "name", "is_enabled"))


CHANGED = "index_changed"


@event.listens_for(Session, "after_flush_postexec")
def _record(session, flush_context):
    pending = session.info.pop(_PENDING, set())
    if not pending:
        return
    keys = {key for kind, key in pending if kind == "doc"}
    org_ids = [key for kind, key in pending if kind == "org"]
    if org_ids:
        for model, prefix in PREFIX.items():
            rows = session.execute(select(model.id).where(model.organisation_id.in_(org_ids))).scalars()
            keys.update(f"{prefix}:{i}" for i in rows)
    for key in sorted(keys):
        session.add(IndexChange(doc_id=key))
    if keys:
        session.info[CHANGED] = True  # this request's cached index must replay the log again


# ----- reading the log in commit order ------------------------------------------------------------
#
# Ids come from a sequence when a row is INSERTed, but rows become visible when their transaction
# COMMITs: on PostgreSQL the transaction holding id 41 may commit after id 42 was already read. A
# reader that remembered only "the highest id seen" skipped 41 for good. So a position is the highest
# id seen *and* the ids below it not seen yet (gaps), each re-read until it shows up or is abandoned.
#
# A gap is abandoned GAP_TTL after the row just above it was written. Its id was drawn before that
# row's, so by then the transaction holding it has been open longer than GAP_TTL; web requests and
# jobs finish in seconds, so a gap that old is a rolled-back transaction (sequences never hand an id
# back), not a late commit. On SQLite the one write lock hands out ids in commit order: no gaps.

GAP_TTL = 600.0  # seconds
MAX_GAPS_PER_RUN = 10_000  # a longer run of missing ids below one row is a sequence jump, not open work
MAX_IN = 500  # more gaps than this are re-read as one id range instead of an IN list
# Rows are deleted once a saved snapshot covers them and they are this old: a worker that read the log
# within the last hour never needs them; one idle for longer finds the marker and reloads.
PRUNE_AGE = timedelta(hours=1)
PRUNED = "log:pruned:"  # doc_id of the marker row "ids up to N may be gone"


@dataclass
class LogPosition:
    """Which change-log rows an index has applied: every id up to `watermark` except `gaps`
    (id -> when the row above it was written, epoch seconds)."""

    watermark: int = 0
    gaps: dict[int, float] = field(default_factory=dict)

    def to_header(self) -> dict:
        return {"watermark": self.watermark, "gaps": {str(i): t for i, t in sorted(self.gaps.items())}}

    @classmethod
    def from_header(cls, header: dict) -> LogPosition:
        return cls(int(header["watermark"]), {int(i): float(t) for i, t in header.get("gaps", {}).items()})

    @classmethod
    def start(cls, session) -> LogPosition:
        """Where a build that reads the listings *after* this call may start replaying.

        Not the highest id: a transaction holding a lower id may still be open, and its change is in
        neither the build nor (once skipped) the replay. Rows written more than GAP_TTL ago are settled
        (see above), so the build starts after the last of them and replays the recent ones, which
        re-reads their documents (harmless) and finds any gaps among them.
        """
        cutoff = utcnow() - timedelta(seconds=GAP_TTL)
        settled = session.scalar(select(func.max(IndexChange.id)).where(IndexChange.created_at < cutoff)) or 0
        markers = session.scalars(select(IndexChange.doc_id).where(IndexChange.doc_id.startswith(PRUNED)))
        return cls(max([settled] + [pruned_through(m) for m in markers]))

    def floor(self) -> int:
        """The lowest id this position still needs."""
        return min(self.gaps, default=self.watermark + 1)

    def read(self, session) -> list:
        """The rows not applied yet, (id, doc_id, created_at) in id order: the gaps and all above."""
        newer = IndexChange.id > self.watermark
        if self.gaps:
            newer = (or_(newer, IndexChange.id.in_(sorted(self.gaps))) if len(self.gaps) <= MAX_IN
                     else IndexChange.id >= min(self.gaps))
        rows = session.execute(select(IndexChange.id, IndexChange.doc_id, IndexChange.created_at)
                               .where(newer).order_by(IndexChange.id)).all()
        return [row for row in rows if row[0] > self.watermark or row[0] in self.gaps]

    def pruned_past(self, rows) -> int | None:
        """The id through which the log was pruned, when that removed rows this position still needed."""
        through = max((pruned_through(doc) for _, doc, _ in rows if doc.startswith(PRUNED)), default=None)
        return through if through is not None and through >= self.floor() else None

    def advance(self, rows, now: float | None = None) -> None:
        """Take `rows` (from `read`) as applied: fill the gaps they close, open gaps for ids skipped
        between them, and abandon gaps older than GAP_TTL (checked after the read that missed them)."""
        now = time.time() if now is None else now
        previous = self.watermark
        for row_id, _, created in rows:
            if row_id <= self.watermark:
                self.gaps.pop(row_id, None)
                continue
            since = created.timestamp()
            if now - since < GAP_TTL:
                for missing in range(max(previous + 1, row_id - MAX_GAPS_PER_RUN), row_id):
                    self.gaps.setdefault(missing, since)
            previous = row_id
        self.watermark = previous
        self.gaps = {i: t for i, t in self.gaps.items() if now - t < GAP_TTL}


def pruned_through(doc: str) -> int:
    return int(doc[len(PRUNED):])


def is_marker(doc: str) -> bool:
    return doc.startswith("log:")


def prune(engine, saved: LogPosition) -> int:
    """Delete log rows that the snapshot saved at `saved` already contains and that are older than
    PRUNE_AGE, in a transaction of its own; leave a marker so a worker that still needed one of them
    reloads instead of missing the change. Returns how many rows went."""
    cutoff = utcnow() - PRUNE_AGE
    old = (IndexChange.id < saved.floor()) & (IndexChange.created_at < cutoff)
    with engine.begin() as connection:
        through = connection.scalar(select(func.max(IndexChange.id)).where(old))
        if through is None:
            return 0
        # The marker first: it becomes the highest row, so the delete never removes the highest id,
        # which SQLite (no AUTOINCREMENT) would then hand out again, below every worker's watermark.
        connection.execute(insert(IndexChange).values(doc_id=f"{PRUNED}{through}", created_at=utcnow()))
        gone = connection.execute(delete(IndexChange).where(old, IndexChange.id <= through)).rowcount
    return gone
