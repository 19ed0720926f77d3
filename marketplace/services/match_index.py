"""The match index of this process: built from the database, saved under instance/, kept current
by replaying the change log (IndexChange) so every worker sees every change within a request."""
from __future__ import annotations

import fcntl
import gc
import json
import logging
import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session, selectinload

from matching import IndexFileError, Matcher

from ..extensions import db
from ..models import Achievement, Capability, Challenge, ChallengeState, ExpertMembership, Organisation, User
from .index_log import LogPosition, is_marker, prune
from .index_meta import DocMeta, MetaFileError, keys_of
from .result_cache import ResultCache
from .visibility import listing_is_public, public_listings

log = logging.getLogger(__name__)
# Drafts too: the duplicate check compares a draft with its own text (its similarity scale); every
# reader of the index shows a challenge only in the states its own rules allow, never a draft.
INDEXED_CHALLENGE_STATES = (ChallengeState.draft, ChallengeState.submitted, ChallengeState.returned,
                            ChallengeState.published, ChallengeState.closed, ChallengeState.awarded,
                            ChallengeState.failed)
BATCH = 2000
# Bumped whenever the documents, their metadata or the saved header change shape: older saved indexes
# are rebuilt. 4: the log position carries the ids below the watermark not seen yet (gaps). 5: drafts.
# 6: the matcher file holds the df-based stop list and the match-index settings (matching store v2).
# 7: the metadata is saved as memory-mapped columns (index_meta) in a folder the header names.
INDEX_FORMAT = 7
# Remembered results per process, in MB: about 180 of the search page's 200-hit searches, or thousands of
# a page's few recommendations (result_cache says why not a number of entries).
QUERY_FEATURES = 128  # see new_matcher
CACHE_MB = 32


def new_matcher() -> Matcher:
    """The product's configuration: no query expansion, so every explanation term is in both texts;
    the relevance cutoff (min_match) and the df-based stop list are the library's tuned defaults.
    A challenge page asks with the challenge's whole text (up to ~900 features): its 128 most telling
    features rank the same on the dev sets (nDCG@10 unchanged at 128, down 0.004 at 64) at a fraction of
    the postings read (`max_query_features`)."""
    return Matcher(feedback_docs=0, max_query_features=QUERY_FEATURES)


# ----- documents ----------------------------------------------------------------------------------

def _meta(kind: str, org: Organisation | None, chains: list[int], **extra) -> dict:
    return {"kind": kind, "org": org.id if org else None, "org_type": org.type.value if org else "",
            "region": org.region if org else "", "chains": chains, **extra}


def chain_name(chain_id: int | None) -> str:
    """A chain's name by id, remembered per process and database (the eight chains are seed data)."""
    names = _chain_names.setdefault(str(db.engine.url), {})
    if chain_id not in names:
        from ..models import Chain

        names.update((row.id, row.name) for row in db.session.execute(db.select(Chain.id, Chain.name)))
    return names.get(chain_id, "")


_chain_names: dict[str, dict[int, str]] = {}

# (title, text) of each kind of document, from the row's own columns (no relationship loads). A
# challenge carries its chain's name, so that searching 人工智能 finds the chain's listings.
TEXTS = {
    "ch": lambda c: (c.title, "\n".join([c.keywords, c.background, c.difficulty, c.indicators, c.expected_outcome,
                                          chain_name(c.chain_id)])),
    "cap": lambda c: (c.title, "\n".join([c.keywords, c.direction, c.description, c.facilities, c.results])),
    "ach": lambda a: (a.title, a.summary + "\n" + a.ip),
    "exp": lambda u: (u.expert_title, u.expertise),
}


def _doc(kind: str, obj) -> dict:
    title, text = TEXTS[kind](obj)
    return {"id": f"{kind}:{obj.id}", "title": title, "text": text}


def challenge_doc(c: Challenge) -> tuple[dict, dict] | None:
    if c.state not in INDEXED_CHALLENGE_STATES:
        return None
    # State and visibility let a search filter challenges from memory, without a query per search.
    return _doc("ch", c), _meta("ch", c.organisation, [c.chain_id], state=c.state.value, vis=c.visibility.value)


def capability_doc(c: Capability) -> tuple[dict, dict] | None:
    if not listing_is_public(c):
        return None
    return _doc("cap", c), _meta("cap", c.organisation, [ch.id for ch in c.chains])


def achievement_doc(a: Achievement) -> tuple[dict, dict] | None:
    if not listing_is_public(a):
        return None
    return _doc("ach", a), _meta("ach", a.organisation, [a.chain_id])


def expert_doc(u: User) -> tuple[dict, dict] | None:
    if not u.is_enabled or not u.expert_memberships or not u.expertise.strip():
        return None
    return _doc("exp", u), _meta("exp", u.organisation, [m.chain_id for m in u.expert_memberships])


LOADERS = {"ch": (Challenge, challenge_doc), "cap": (Capability, capability_doc),
           "ach": (Achievement, achievement_doc), "exp": (User, expert_doc)}


def load_doc(doc_id: str) -> tuple[dict, dict] | None:
    """The current indexed form of one document, or None when it should not be in the index."""
    kind, _, raw = doc_id.partition(":")
    model, make = LOADERS[kind]
    obj = db.session.get(model, int(raw))
    return make(obj) if obj is not None else None


def all_docs(session):
    """Every indexable document, read in batches through `session` (expunged as it goes)."""
    queries = [
        db.select(Challenge).where(Challenge.state.in_(INDEXED_CHALLENGE_STATES))
        .options(selectinload(Challenge.organisation)),
        db.select(Capability).join(Capability.organisation).where(public_listings(Capability))
        .options(selectinload(Capability.organisation), selectinload(Capability.chains)),
        db.select(Achievement).join(Achievement.organisation).where(public_listings(Achievement))
        .options(selectinload(Achievement.organisation)),
        db.select(User).where(User.id.in_(db.select(ExpertMembership.user_id)))
        .options(selectinload(User.organisation), selectinload(User.expert_memberships)),
    ]
    makers = [challenge_doc, capability_doc, achievement_doc, expert_doc]
    for query, make in zip(queries, makers):
        model = query.column_descriptions[0]["entity"]
        last = 0
        while True:
            rows = session.scalars(query.where(model.id > last).order_by(model.id).limit(BATCH)).all()
            if not rows:
                break
            for row in rows:
                made = make(row)
                if made:
                    yield made
            last = rows[-1].id
            session.expunge_all()


# ----- the live index -----------------------------------------------------------------------------

class LiveIndex:
    """One process's matcher plus metadata, its position in the change log, and its files."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.matcher: Matcher | None = None
        self.meta = DocMeta()
        self.position = LogPosition()
        # Counts every change to the index's content, for remembered results: not the watermark,
        # which stays put when a late-committed change below it (a gap) is applied.
        self.generation = 0
        self.lock = threading.RLock()
        self._cache = ResultCache(CACHE_MB)

    @property
    def watermark(self) -> int:
        return self.position.watermark

    @property
    def matcher_path(self) -> Path:
        return self.folder / "matcher.npz"

    @property
    def meta_path(self) -> Path:
        """The header: format, log position, and which folder of metadata columns goes with the matcher."""
        return self.folder / "meta.json"

    @contextmanager
    def _file_lock(self):
        """One builder at a time across workers; the others wait and then load what it saved."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def ready(self) -> LiveIndex:
        """Load (or build) the index on first use, then replay the changes since."""
        with self.lock:
            if self.matcher is None:
                with self._file_lock():
                    if not self._load():
                        self._build_unlocked()
                # The index is a few hundred thousand long-lived objects; a full garbage collection
                # walked them all (about 125 ms at 100k listings) every few hundred requests, which
                # was most of the challenge page's p95. Frozen, they are left out of collections.
                gc.freeze()
            self.catch_up()
        return self

    def _load(self) -> bool:
        """Take the saved files (under the file lock); False when there are none or they are unusable."""
        try:
            header = json.loads(self.meta_path.read_text(encoding="utf-8"))
            if header.get("format") != INDEX_FORMAT:
                raise ValueError(f"index format {header.get('format')}, expected {INDEX_FORMAT}")
            columns = header["meta"]["folder"]
            if Path(columns).name != columns or not columns.startswith("meta-"):
                raise ValueError(f"metadata folder {columns!r} is not one of ours")
            meta = DocMeta.load(self.folder / columns, header["meta"]["tables"])
            position = LogPosition.from_header(header)
            matcher = Matcher.load(self.matcher_path)
        except FileNotFoundError:
            return False
        except (IndexFileError, MetaFileError, ValueError, KeyError, TypeError, OSError) as error:
            log.warning("match index files in %s unreadable (%s): rebuilding", self.folder, error)
            return False
        if not np.array_equal(keys_of(matcher.ids), meta.base_keys()):
            log.warning("match index metadata does not fit the matcher: rebuilding")
            return False
        self.matcher, self.meta, self.position = matcher, meta, position
        self.generation += 1
        return True

    def build(self, progress=None) -> int:
        """Rebuild from the database, save, and prune the log rows the saved files now hold;
        returns the number of documents."""
        with self.lock, self._file_lock():
            count = self._build_unlocked(progress)
            if self.matcher is not None:
                prune(db.engine, self.position)
            return count

    def snapshot(self) -> int:
        """Save this process's current index and prune the log below it (for a periodic job: keeps
        the log short and a starting worker's replay quick); returns how many log rows went."""
        with self.lock:
            self.ready()
            if self.matcher is None:
                return 0
            with self._file_lock():
                self._save()
                return prune(db.engine, self.position)

    def _build_unlocked(self, progress=None) -> int:
        position = LogPosition.start(db.session)  # before reading: what changes later is replayed
        docs, meta = [], {}
        # A session of its own: the build must not detach the objects of the request it runs in.
        with Session(bind=db.engine) as session:
            for doc, info in all_docs(session):
                docs.append(doc)
                meta[doc["id"]] = info
                if progress:
                    progress(1)
        matcher = new_matcher().fit(docs) if docs else None
        self.matcher, self.meta, self.position = matcher, DocMeta.from_dicts(meta), position
        count = len(docs)
        del docs, meta  # the texts and dicts: the matcher and the columns hold what is kept
        self.generation += 1
        if matcher is not None:
            self._save()
            # Serve from what was saved, as every other worker does: the library maps its saved arrays
            # (shared by the host's processes), where the fitted matcher is this process's own memory.
            self.matcher = Matcher.load(self.matcher_path)
        return count

    def _save(self) -> None:
        """Save the metadata columns into a new folder, then the matcher (the library writes it
        atomically), then the header naming that folder (atomically: temp file, then rename); a save cut
        off half way leaves a matcher the old columns do not fit, which `_load` detects. Callers hold
        the file lock, which every loader takes too; a process that mapped older columns keeps reading
        them after they are deleted here (the files live on while mapped)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        columns = f"meta-{os.getpid()}-{time.time_ns()}"
        tables = self.meta.save(self.folder / columns)
        self.matcher.save(self.matcher_path)
        tmp_header = self.folder / f"meta.{os.getpid()}.tmp"
        header = {"format": INDEX_FORMAT, **self.position.to_header(), "meta": {"folder": columns, "tables": tables}}
        tmp_header.write_text(json.dumps(header, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp_header, self.meta_path)
        for old in self.folder.glob("meta-*"):
            if old.name != columns:
                shutil.rmtree(old, ignore_errors=True)
        # This process reads the saved columns too from now on: its overlay of changes since is in them.
        self.meta = DocMeta.load(self.folder / columns, tables)

    def catch_up(self, _reloaded: bool = False) -> int:
        """Apply the change-log rows not applied yet (in commit order, see index_log): re-read each
        touched document; returns how many."""
        with self.lock:
            rows = self.position.read(db.session)
            if not rows:
                return 0
            through = self.position.pruned_past(rows)
            if through is not None and not _reloaded:
                # Rows this process still needed were deleted (it was idle while a snapshot was saved
                # and the log pruned): start again from the saved files, or a rebuild if they are older.
                log.info("match index: change log pruned through %s, past our position: reloading", through)
                with self._file_lock():
                    if not self._load() or self.position.floor() <= through:
                        self._build_unlocked()
                return self.catch_up(_reloaded=True)
            touched = list(dict.fromkeys(doc_id for _, doc_id, _ in rows if not is_marker(doc_id)))
            upserts, removals = [], []
            for doc_id in touched:
                made = load_doc(doc_id)
                if made is None:
                    removals.append(doc_id)
                else:
                    upserts.append(made)
            if self.matcher is None and upserts:
                self.matcher = new_matcher().fit([doc for doc, _ in upserts])
            elif upserts:
                self.matcher.add([doc for doc, _ in upserts])
            for doc, info in upserts:
                self.meta.put(doc["id"], info)
            gone = [d for d in removals if d in self.meta]
            if gone and self.matcher is not None:
                self.matcher.remove(gone)
            for doc_id in gone:
                self.meta.discard(doc_id)
            self.position.advance(rows)
            if touched:
                self.generation += 1
            return len(touched)

    def memo(self, key, compute):
        """`compute()`'s result (plain data only, no ORM rows), remembered until the index changes."""
        with self.lock:
            full_key = ("memo", key, self.generation)
            if full_key in self._cache:
                return self._cache[full_key]
        value = compute()
        with self.lock:
            # Filed under the generation it was computed from: stale at once if the index moved meanwhile.
            self._cache[full_key] = value
        return value

    @property
    def common_terms(self) -> frozenset[str]:
        """Words too common in this index to be a reason for a match (its df-based stop list)."""
        return self.matcher.common_terms if self.matcher is not None else frozenset()

    def search(self, query: str, k: int, allowed, cache_key=None, min_match: float | None = None) -> list:
        """Hits among `allowed` (a set of doc ids or a callable), best first, at or above the match
        index `min_match` (None: the matcher's relevance cutoff; 0: every hit).

        With a `cache_key` (which must determine `allowed`), the hits are remembered until the index
        next changes: a popular page then costs one scoring per change, not one per view.
        """
        with self.lock:
            if self.matcher is None or not len(self.matcher):
                return []
            key = (cache_key, query, k, min_match, self.generation) if cache_key is not None else None
            if key is not None and key in self._cache:
                return self._cache[key]
            hits = self.matcher.search(query, k=k, filter=allowed, min_match=min_match)
            if key is not None:
                self._cache[key] = hits
            return hits


_indexes: dict[str, LiveIndex] = {}


def live_index(instance_path: str) -> LiveIndex:
    """This process's index for an instance folder (one per app), loaded and current."""
    folder = str(Path(instance_path) / "index")
    index = _indexes.get(folder)
    if index is None:
        index = _indexes[folder] = LiveIndex(folder)
    return index.ready()
