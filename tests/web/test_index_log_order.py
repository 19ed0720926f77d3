"""The match index's change log is replayed in commit order: a change whose id is lower than one
already read, but whose transaction commits later, is still applied; pruned rows are never missed."""
from datetime import timedelta
from pathlib import Path

import pytest
from factories import make_org
from sqlalchemy import create_engine, func, insert, select, update
from sqlalchemy.orm import Session

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models import Capability, Chain, IndexChange, ListingStatus, OrgType
from marketplace.services import index_log, match_index
from marketplace.services.chains import chain_by_code


def _capability(session, org_id: int, title: str) -> Capability:
    cap = Capability(organisation_id=org_id, chains=[session.get(Chain, chain_by_code("ai").id)], title=title,
                     description=f"{title} 液冷 冷板", direction="", keywords="")
    session.add(cap)
    return cap


def _engine(app):
    """An engine of its own: another worker's connection, not the test's session."""
    return create_engine(app.config["SQLALCHEMY_DATABASE_URI"])


@pytest.fixture
def engine(app):
    """Another worker's engine, disposed after the test."""
    other = _engine(app)
    yield other
    other.dispose()


def _caught_up(index):
    db.session.commit()  # end the test's transaction: the next read sees what others committed
    index.catch_up()
    return index


def test_a_change_committed_after_a_higher_id_was_read_is_applied(app, ctx):
    """Two transactions on two connections: the one holding the lower id commits last (PostgreSQL)."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite hands out ids under its one write lock, so in commit order: no gap can open")
    first, second = make_org("先开事务的研究院", type=OrgType.institute), make_org("后开事务的研究院", type=OrgType.institute)
    db.session.commit()
    index = match_index.live_index(app.instance_path)
    engine_a, engine_b = _engine(app), _engine(app)
    try:
        with Session(engine_a) as a, Session(engine_b) as b:
            slow = _capability(a, first.id, "慢事务的液冷工艺")
            a.flush()
            a.flush()  # the change-log row the first flush queued: its id is drawn now, not committed
            low = a.scalar(select(func.max(IndexChange.id)))
            fast = _capability(b, second.id, "快事务的液冷工艺")
            b.commit()
            high = b.scalar(select(func.max(IndexChange.id)))
            assert high > low
            _caught_up(index)
            assert f"cap:{fast.id}" in index.meta and f"cap:{slow.id}" not in index.meta
            assert index.watermark >= high
            a.commit()
            slow_id = slow.id
        _caught_up(index)
        assert f"cap:{slow_id}" in index.meta  # today's replay (id > watermark) skipped it for good
        assert index.position.gaps == {}
    finally:
        engine_a.dispose()
        engine_b.dispose()


@pytest.fixture
def two_listings(app, ctx):
    org = make_org("日志顺序研究院", type=OrgType.institute)
    caps = [_capability(db.session, org.id, "液冷冷板甲"), _capability(db.session, org.id, "液冷冷板乙")]
    db.session.commit()
    index = match_index.live_index(app.instance_path)
    assert {f"cap:{c.id}" for c in caps} <= set(index.meta)
    return index, [c.id for c in caps]


def _archive_and_log(engine, cap_id: int, log_id: int) -> None:
    """Another worker's committed change, with the id it drew (written as one transaction)."""
    with engine.begin() as connection:
        connection.execute(update(Capability).where(Capability.id == cap_id).values(status=ListingStatus.archived))
        connection.execute(insert(IndexChange).values(id=log_id, doc_id=f"cap:{cap_id}", created_at=utcnow()))


def test_rows_committed_out_of_id_order_are_all_applied(app, two_listings, engine):
    """On either database: id top+2 is committed and read before id top+1 commits."""
    index, (first, second) = two_listings
    top = db.session.scalar(select(func.max(IndexChange.id)))
    _archive_and_log(engine, second, top + 2)
    _caught_up(index)
    assert f"cap:{second}" not in index.meta
    _archive_and_log(engine, first, top + 1)
    _caught_up(index)
    assert f"cap:{first}" not in index.meta  # the late commit below the watermark was applied


def test_a_worker_started_from_the_saved_files_knows_the_gaps(app, two_listings, engine):
    index, (first, second) = two_listings
    top = db.session.scalar(select(func.max(IndexChange.id)))
    _archive_and_log(engine, second, top + 2)
    _caught_up(index)
    assert index.position.gaps.keys() == {top + 1}
    index._save()
    fresh = match_index.LiveIndex(index.folder)
    assert fresh._load() and fresh.position.gaps.keys() == {top + 1}
    _archive_and_log(engine, first, top + 1)
    _caught_up(fresh)
    assert f"cap:{first}" not in fresh.meta and f"cap:{second}" not in fresh.meta
    assert fresh.position.gaps == {}


def test_a_gap_is_abandoned_once_older_than_any_open_transaction(app, two_listings, engine):
    index, (first, second) = two_listings
    top = db.session.scalar(select(func.max(IndexChange.id)))
    _archive_and_log(engine, second, top + 2)
    _caught_up(index)
    assert top + 1 in index.position.gaps
    later = index.position.gaps[top + 1] + index_log.GAP_TTL + 1
    index.position.advance(index.position.read(db.session), now=later)  # still missing ten minutes on
    assert index.position.gaps == {}
    # Below a row written long ago, a missing id was never an open transaction: no gap at all.
    with engine.begin() as connection:
        connection.execute(insert(IndexChange).values(id=top + 5, doc_id=f"cap:{first}",
                                                      created_at=utcnow() - timedelta(hours=2)))
    _caught_up(index)
    assert index.watermark == top + 5 and index.position.gaps == {}


def _age_the_log(hours: int = 2) -> None:
    db.session.execute(update(IndexChange).values(created_at=utcnow() - timedelta(hours=hours)))
    db.session.commit()


def test_saving_a_snapshot_prunes_old_rows_and_a_worker_behind_reloads(app, two_listings, tmp_path):
    index, (first, second) = two_listings
    behind = match_index.LiveIndex(tmp_path / "other-host-index")  # another host's worker, idle from now
    behind.ready()
    assert f"cap:{first}" in behind.meta
    org = make_org("修剪之后的研究院", type=OrgType.institute)
    late = _capability(db.session, org.id, "修剪前写下的液冷冷板")
    db.session.get(Capability, first).status = ListingStatus.archived
    db.session.commit()
    _age_the_log()
    before = db.session.scalar(select(func.count()).select_from(IndexChange))
    index.build()  # `flask reindex`: saves the snapshot, then prunes what it holds
    rows = db.session.scalars(select(IndexChange.doc_id)).all()
    assert len(rows) < before and [r for r in rows if not index_log.is_marker(r)] == []
    assert any(r.startswith(index_log.PRUNED) for r in rows)
    highest = db.session.scalar(select(func.max(IndexChange.id)))
    assert highest > index.watermark  # the highest id survives: SQLite never hands a lower one out again
    # The idle worker's next replay needed rows that are gone: it rebuilds instead of missing them.
    _caught_up(behind)
    assert f"cap:{late.id}" in behind.meta and f"cap:{first}" not in behind.meta
    # A worker starting on this host loads the saved snapshot and is current without the old rows.
    match_index._indexes.clear()
    fresh = match_index.live_index(app.instance_path)
    assert f"cap:{late.id}" in fresh.meta and f"cap:{first}" not in fresh.meta
    assert Path(fresh.meta_path).exists()


def test_snapshot_keeps_recent_rows(app, two_listings):
    """Rows younger than PRUNE_AGE stay: a worker that read the log a moment ago needs none of them,
    but one that is a few minutes behind still replays them from the log, not from a reload."""
    index, _ = two_listings
    before = db.session.scalar(select(func.count()).select_from(IndexChange))
    assert index.snapshot() == 0
    assert db.session.scalar(select(func.count()).select_from(IndexChange)) == before
    _age_the_log()
    assert index.snapshot() == before


def test_index_snapshot_command_saves_and_prunes(app, runner, two_listings):
    """`flask index-snapshot` (daily, from cron) is what keeps the log short between reindexes."""
    _age_the_log()
    before = db.session.scalar(select(func.count()).select_from(IndexChange))
    db.session.commit()
    result = runner.invoke(args=["index-snapshot"])
    assert result.exit_code == 0, result.output
    assert f"清理变更记录 {before} 条" in result.output
    assert db.session.scalar(select(func.count()).select_from(IndexChange)) < before
