"""What the application writes is its own: folders 0700, files 0600.

Regression (issue 10, "Hygiene"): the database, licence scans and backups were world-readable (0644).
Each test starts from the umask a login shell gives a process (022), as gunicorn or cron would.
"""
import io
import os
import shutil
import stat
import tarfile
from pathlib import Path

import pytest
from factories import make_org, make_user

from marketplace import create_app
from marketplace.extensions import db
from marketplace.models import OrgStatus, OrgType

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def tree_modes(root) -> dict[str, int]:
    found = {str(root): mode(root)}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            found[os.path.join(folder, name)] = mode(os.path.join(folder, name))
    return found


def assert_private(root):
    loose = {path: oct(m) for path, m in tree_modes(root).items()
             if m & 0o077 or (os.path.isdir(path) and m != 0o700) or (os.path.isfile(path) and m != 0o600)}
    assert not loose, loose


@pytest.fixture
def shell_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_installation_is_private(tmp_path, shell_umask):
    """`flask db-upgrade` on a new machine: the instance folder, the SQLite file and the secret key."""
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    app = create_app({"INSTANCE_PATH": str(instance), "APP_ENV": "testing", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'marketplace.sqlite3'}",
                      "RATELIMIT_STORAGE_URI": "memory://", "BASE_URL": "http://localhost"})
    result = app.test_cli_runner().invoke(args=["db-upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.engine.dispose()
    assert (instance / "marketplace.sqlite3").exists()
    assert_private(instance)


def test_an_older_instance_folder_is_closed(tmp_path, shell_umask):
    """Files an older version left at 0644 are out of reach: their folder is 0700 from the next start."""
    instance = tmp_path / "instance"
    (instance / "uploads").mkdir(parents=True)
    instance.chmod(0o755)
    (instance / "uploads" / "licence.pdf").write_bytes(PDF)
    create_app({"INSTANCE_PATH": str(instance), "APP_ENV": "testing", "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert mode(instance) == 0o700


def test_uploads_index_and_backups_are_private(app, tmp_path, shell_umask):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgres") and not (shutil.which("pg_dump") and shutil.which("psql")):
        pytest.skip("pg_dump/psql not installed (apt-get install postgresql-client)")
    # The fixture built its app before the umask was reset: start as a freshly started process would.
    app = create_app({key: app.config[key] for key in ("TESTING", "APP_ENV", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI",
                                                       "RATELIMIT_STORAGE_URI", "PASSWORD_HASH_METHOD", "BASE_URL")}
                     | {"INSTANCE_PATH": app.instance_path})
    runner = app.test_cli_runner()
    instance = Path(app.instance_path)
    with app.app_context():
        org = make_org("待认证企业", type=OrgType.enterprise, status=OrgStatus.pending)
        make_user("applicant@example.com", org)
        db.session.commit()
    from conftest import AuthActions, CSRFClient

    client = CSRFClient(app, app.response_class, use_cookies=True)
    AuthActions(client).login("applicant@example.com")
    response = client.post("/orgs/mine/documents", data={"attachment": (io.BytesIO(PDF), "营业执照.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    uploads = instance / "uploads"
    assert len(list(uploads.iterdir())) == 1
    assert_private(uploads)

    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert any((instance / "index").iterdir())
    assert_private(instance / "index")

    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    archive = next((instance / "backups").glob("backup-*.tar.gz"))
    assert_private(instance / "backups")

    # An archive made by an older version carries 0644 files; restored, they are 0600.
    older = tmp_path / "older.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(older, "w:gz") as target:
        for member in source.getmembers():
            member.mode = 0o755 if member.isdir() else 0o644
            target.addfile(member, source.extractfile(member) if member.isfile() else None)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    result = runner.invoke(args=["restore", str(older), "--yes"])
    assert result.exit_code == 0, result.output
    assert_private(uploads)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
