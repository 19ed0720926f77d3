"""The flask commands: db-upgrade, create-admin, seed-demo."""
from marketplace.extensions import db
from marketplace.models import Chain, ChainLead, ExpertMembership, Organisation, OrgStatus, OrgType, User


def test_db_upgrade_is_idempotent_and_creates_the_eight_chains(runner, ctx):
    result = runner.invoke(args=["db-upgrade"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Chain)) == 8


def test_create_admin(runner, ctx):
    result = runner.invoke(args=["create-admin", "--email", "Boss@Example.com", "--password", "long-password"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).filter_by(email="boss@example.com"))
    assert user.is_platform_admin and user.organisation.type is OrgType.government
    result = runner.invoke(args=["create-admin", "--email", "boss@example.com", "--password", "long-password"])
    assert result.exit_code != 0 and "已注册" in result.output
    result = runner.invoke(args=["create-admin", "--email", "b2@example.com", "--password", "short"])
    assert result.exit_code != 0 and "至少 8 位" in result.output


def test_seed_demo_loads_once_and_accounts_work(app, runner, ctx):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    for email in ["admin@demo.example", "chain-ai@demo.example", "enterprise@demo.example",
                  "institution@demo.example", "expert@demo.example"]:
        assert email in result.output
    organisations = db.session.scalars(db.select(Organisation).where(Organisation.type != OrgType.government)).all()
    enterprises = [o for o in organisations if o.type is OrgType.enterprise and o.is_verified]
    institutions = [o for o in organisations if o.is_institution and o.is_verified]
    assert len(enterprises) >= 16 and len(institutions) >= 16
    assert all(o.is_demo for o in organisations)
    assert any(o.status is OrgStatus.pending for o in organisations)
    # The demo queue shows one applicant with a (sample) licence and one without.
    from marketplace.services import verification

    queue = [o for o in organisations if o.status is OrgStatus.pending]
    assert sorted(verification.counts([o.id for o in queue]).values()) == [1]
    from marketplace.credit_code import is_valid

    assert all(is_valid(o.credit_code) for o in organisations)
    # Every chain has 2–5 链主 and an expert committee.
    for chain in db.session.scalars(db.select(Chain)):
        leads = db.session.scalar(db.select(db.func.count()).select_from(ChainLead).filter_by(chain_id=chain.id))
        experts = db.session.scalar(db.select(db.func.count()).select_from(ExpertMembership).filter_by(chain_id=chain.id))
        assert 2 <= leads <= 5 and experts >= 3, chain.name
    enterprise = db.session.scalar(db.select(User).filter_by(email="enterprise@demo.example"))
    assert "ai" in [c.code for c in enterprise.organisation.lead_chains] and enterprise.is_org_admin
    expert = db.session.scalar(db.select(User).filter_by(email="expert@demo.example"))
    assert "ai" in [c.code for c in expert.expert_chains]
    assert db.session.scalar(db.select(User).filter_by(email="chain-ai@demo.example")).admin_chain.code == "ai"

    count = len(organisations)
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "跳过" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Organisation).where(
        Organisation.type != OrgType.government)) == count

    client = app.test_client()
    response = client.post("/auth/login", data={"email": "admin@demo.example", "password": "demo-password"})
    assert response.status_code == 302
    assert client.get("/admin/organisations").status_code == 200


def test_backup_and_restore_bring_back_rows_and_files(app, runner, ctx, tmp_path):
    import shutil
    from pathlib import Path

    if db.engine.url.get_backend_name() == "postgresql" and not (shutil.which("pg_dump") and shutil.which("psql")):
        import pytest

        pytest.skip("pg_dump/psql not installed (apt-get install postgresql-client)")
    from factories import make_org

    make_org("备份前的机构")
    db.session.commit()
    uploads = Path(app.instance_path) / "uploads"
    uploads.mkdir(exist_ok=True)
    (uploads / "kept.pdf").write_bytes(b"%PDF-1.4 backup test")
    result = runner.invoke(args=["backup", "--to", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    archive = next((tmp_path / "backups").glob("backup-*.tar.gz"))
    assert str(archive) in result.output

    # After the backup: a row added, one renamed, the file deleted.
    make_org("备份后的机构")
    db.session.scalar(db.select(Organisation).filter_by(name="备份前的机构")).name = "改过的名字"
    db.session.commit()
    (uploads / "kept.pdf").unlink()
    result = runner.invoke(args=["restore", str(archive)], input="n\n")  # asks first; "no" changes nothing
    assert result.exit_code != 0 and "确定恢复" in result.output
    assert db.session.scalar(db.select(Organisation).filter_by(name="备份后的机构")) is not None

    db.session.remove()  # as with a stopped site: no connection of ours holds the tables
    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    names = set(db.session.scalars(db.select(Organisation.name)))
    assert "备份前的机构" in names and "备份后的机构" not in names and "改过的名字" not in names
    assert (uploads / "kept.pdf").read_bytes() == b"%PDF-1.4 backup test"


def test_restore_refuses_what_is_not_a_backup(runner, ctx, tmp_path):
    bogus = tmp_path / "notes.tar.gz"
    bogus.write_bytes(b"not an archive")
    result = runner.invoke(args=["restore", str(bogus), "--yes"])
    assert result.exit_code != 0 and "不是本平台的备份文件" in result.output


def test_demo_accounts_find_their_waiting_work_in_the_inbox(runner, ctx):
    from marketplace.models import Notification

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    for email in ("admin@demo.example", "institution@demo.example", "expert@demo.example"):
        user = db.session.scalar(db.select(User).filter_by(email=email))
        messages = db.session.scalars(db.select(Notification).filter_by(user_id=user.id)).all()
        assert messages, email
        assert all(m.url.startswith("/") for m in messages)
    expert = db.session.scalar(db.select(User).filter_by(email="expert@demo.example"))
    unread = db.session.scalars(db.select(Notification).filter_by(user_id=expert.id, read_at=None)).all()
    assert any(m.category == "review" and m.url.startswith("/reviews/") for m in unread)
