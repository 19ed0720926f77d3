"""Migration 0016 (chain governance) alters the user table: on SQLite batch mode recreates it, and
no row that hangs off a user may go with the old table (foreign keys are off while migrating)."""
from __future__ import annotations

from sqlalchemy import insert, text
from test_jobs import empty_database  # noqa: F401  (the fixture: an app on a database with no schema)

from marketplace.extensions import db
from marketplace.models import Chain, Organisation, OrgStatus, OrgType, User


def test_the_upgrade_keeps_every_row_that_hangs_off_a_user(empty_database):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    with empty_database.app_context():
        upgrade(revision="0015")
        org = db.session.execute(insert(Organisation).values(
            name="省经信厅", type=OrgType.government, status=OrgStatus.verified, credit_code="11420000000000001X")
            .returning(Organisation.id)).scalar_one()
        chain = db.session.execute(insert(Chain).values(code="ai", name="人工智能").returning(Chain.id)).scalar_one()
        user = db.session.execute(insert(User.__table__).values(
            email="a@example.com", name="牵头部门", password_hash="x", organisation_id=org, org_role="admin",
            is_platform_admin=False, expert_title="", expertise="", is_enabled=True, admin_chain_id=chain,
            created_at=text("CURRENT_TIMESTAMP")).returning(User.__table__.c.id)).scalar_one()
        db.session.execute(text("INSERT INTO expert_membership (user_id, chain_id, appointed_at) "
                                "VALUES (:u, :c, CURRENT_TIMESTAMP)"), {"u": user, "c": chain})
        db.session.execute(text("INSERT INTO user_session (user_id, token_hash, created_at, user_agent) "
                                "VALUES (:u, 'h', CURRENT_TIMESTAMP, '')"), {"u": user})
        db.session.execute(text(
            "INSERT INTO key_link (chain_id, year, segment, why_missing, target_indicators, priority, created_by_id, "
            "created_at, version) VALUES (:c, 2026, '高端芯片', '', '', 1, :u, CURRENT_TIMESTAMP, 1)"),
            {"c": chain, "u": user})
        db.session.commit()

        upgrade()
        counts = {table: db.session.scalar(text(f"SELECT count(*) FROM {table}"))
                  for table in ("\"user\"", "expert_membership", "user_session", "key_link")}
        assert counts == {"\"user\"": 1, "expert_membership": 1, "user_session": 1, "key_link": 1}
        row = db.session.execute(text('SELECT admin_chain_id, leader_chain_id, is_chief_leader FROM "user"')).one()
        assert row[0] == chain and row[1] is None and not row[2]
        assert db.session.scalar(text("SELECT created_by_id FROM key_link")) == user
        db.session.commit()

        downgrade(revision="0015")  # and back, losing nothing either
        assert db.session.scalar(text("SELECT count(*) FROM user_session")) == 1
        assert db.session.scalar(text("SELECT count(*) FROM expert_membership")) == 1
        db.session.rollback()
