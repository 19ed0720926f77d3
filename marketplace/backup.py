"""Backups of an installation: a consistent database snapshot and the uploaded files in one archive.

`flask backup` writes `backup-<time>.tar.gz`; `flask restore ARCHIVE` puts it back. SQLite is copied
with its online backup API (consistent while the site keeps serving); PostgreSQL is dumped with
pg_dump and restored with psql in one transaction. The match index is not archived: it is rebuilt
from the restored database.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from . import clock
from .filemodes import DIR_MODE, FILE_MODE, make_private
from .services.attachments import storage_dir

FORMAT = 1
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.sql"


class BackupError(Exception):
    """Something the operator must fix (a missing tool, a foreign archive); the message is Chinese."""


def _kind(engine: Engine) -> str:
    name = engine.url.get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持备份 {name} 数据库（只支持 SQLite 与 PostgreSQL）。")
    return name


def _pg_command(engine: Engine, tool: str) -> tuple[list[str], dict]:
    """A pg_dump/psql command line for the app's database; the password goes in the environment."""
    if shutil.which(tool) is None:
        raise BackupError(f"未找到 {tool}：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client）。")
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = [tool, "--host", url.host or "127.0.0.1", "--port", str(url.port or 5432), "--dbname", url.database]
    if url.username:
        args += ["--username", url.username]
    return args, env


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def create(engine: Engine, instance_path: str, folder: str | Path) -> Path:
    """Write the archive into `folder` and return its path."""
    kind = _kind(engine)
    folder = Path(folder)
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    now = clock.utcnow()
    stamp = clock.local(now).strftime("%Y%m%d-%H%M%S")  # the name in China time, as the site shows times
    target = folder / f"backup-{stamp}.tar.gz"
    manifest = {"format": FORMAT, "database": kind, "revision": _revision(engine),
                "created_at": now.isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory() as scratch:
        if kind == "sqlite":
            snapshot = Path(scratch) / SQLITE_NAME
            raw = engine.raw_connection()
            try:
                with sqlite3.connect(snapshot) as destination:
                    raw.driver_connection.backup(destination)
            finally:
                raw.close()
            database_file, name = snapshot, SQLITE_NAME
        else:
            args, env = _pg_command(engine, "pg_dump")
            dump = Path(scratch) / PG_NAME
            result = subprocess.run(args + ["--clean", "--if-exists", "--no-owner", "--file", str(dump)], env=env,
                                    capture_output=True, text=True)
            if result.returncode != 0:
                raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")
            database_file, name = dump, PG_NAME
        partial = target.with_suffix(".partial")
        # The archive holds the whole database and every licence scan: its owner's alone, whatever
        # the umask of whoever runs `flask backup` (cron, a root shell…).
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE))
        os.chmod(partial, FILE_MODE)
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            archive.add(database_file, arcname=name)
            uploads = storage_dir(instance_path)  # UPLOAD_FOLDER when set
            if uploads.is_dir():
                archive.add(uploads, arcname="uploads")
        os.replace(partial, target)  # a half-written archive never carries the final name
    return target


def read_manifest(archive_path: str | Path) -> dict:
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            manifest = json.loads(archive.extractfile("manifest.json").read())
    except (OSError, tarfile.TarError, KeyError, ValueError, AttributeError) as error:
        raise BackupError(f"{archive_path} 不是本平台的备份文件（{error}）。") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式 {manifest.get('format')} 不受支持（应为 {FORMAT}）。")
    return manifest


def restore(engine: Engine, instance_path: str, archive_path: str | Path) -> dict:
    """Replace the database and the uploaded files with the archive's; returns its manifest.

    The index files are removed so that the next start rebuilds them from the restored data.
    """
    manifest = read_manifest(archive_path)
    kind = _kind(engine)
    if manifest["database"] != kind:
        raise BackupError(f"该备份来自 {manifest['database']} 数据库，当前使用的是 {kind}。")
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(archive_path, "r:gz") as archive:
        archive.extractall(scratch, filter="data")  # no absolute paths, links out or devices
        if kind == "sqlite":
            raw = engine.raw_connection()
            try:
                with sqlite3.connect(Path(scratch) / SQLITE_NAME) as source:
                    source.backup(raw.driver_connection)
            finally:
                raw.close()
        else:
            args, env = _pg_command(engine, "psql")
            # A site still connected holds locks that DROP TABLE would wait on forever: give up instead.
            env["PGOPTIONS"] = "-c lock_timeout=15s"
            engine.dispose()
            result = subprocess.run(args + ["--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1",
                                            "--file", str(Path(scratch) / PG_NAME)], env=env,
                                    capture_output=True, text=True)
            if result.returncode != 0:
                raise BackupError(f"psql 恢复失败，数据库未改动：{result.stderr.strip()}")
        engine.dispose()  # pooled connections must not keep serving the old pages
        uploads = storage_dir(instance_path)  # UPLOAD_FOLDER when set
        restored = Path(scratch) / "uploads"
        # Empty the folder rather than remove it: a shared UPLOAD_FOLDER is often a mount point.
        for child in uploads.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        if restored.is_dir():
            shutil.copytree(restored, uploads, dirs_exist_ok=True)
            make_private(uploads)  # an archive from an older version holds the files at 0644
    shutil.rmtree(Path(instance_path) / "index", ignore_errors=True)
    return manifest
