"""Flask commands: db-upgrade (init-db), create-admin, seed-demo, reindex, index-snapshot, export-feedback,
seed-scale, backup and restore; run-jobs and jobs-worker live in jobs.py."""
from __future__ import annotations

import getpass
import os

import click
from flask.cli import with_appcontext
from flask_migrate import upgrade

from .extensions import db
from .jobs import commands as job_commands


@click.command("db-upgrade")
@with_appcontext
def db_upgrade_command():
    """Create or upgrade the database schema, then make sure the eight chains exist."""
    from flask import current_app

    from .services.chains import ensure_chains

    os.makedirs(current_app.instance_path, exist_ok=True)
    upgrade()
    created = ensure_chains()
    db.session.commit()
    click.echo(f"数据库已就绪（新建产业链 {created} 条）。")


@click.command("init-db")
@click.pass_context
def init_db_command(ctx):
    """Same as db-upgrade: create the schema and the eight chains (safe to run again)."""
    ctx.invoke(db_upgrade_command)


@click.command("create-admin")
@click.option("--email", prompt="管理员邮箱")
@click.option("--name", default="平台管理员", show_default=True)
@click.option("--password", default=None, help="Omit to be asked (not echoed).")
@with_appcontext
def create_admin_command(email, name, password):
    """Create a platform admin in the office's own (verified, government) organisation."""
    from .services.admins import create_platform_admin
    from .services.errors import ServiceError

    if password is None:
        password = getpass.getpass("密码（至少 8 位）：")
        if getpass.getpass("再次输入密码：") != password:
            raise click.ClickException("两次输入的密码不一致。")
    try:
        user = create_platform_admin(email=email, name=name, password=password)
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"已创建平台管理员 {user.email}。")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has organisations.")
@with_appcontext
def seed_demo_command(if_empty):
    """Load the demo organisations, accounts and listings, and print the demo accounts."""
    from .demo.seed import DEMO_PASSWORD, has_data, seed_demo

    if if_empty and has_data():
        click.echo("数据库已有数据，跳过演示数据加载。")
    else:
        summary = seed_demo(progress=click.echo)
        db.session.commit()
        click.echo(summary)
    from .demo.seed import demo_accounts

    accounts = demo_accounts()
    if accounts:
        click.echo(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for email, description in accounts:
            click.echo(f"  {email:<28} {description}")


@click.command("reindex")
@with_appcontext
def reindex_command():
    """Rebuild the match index from the database and save it under instance/index/."""
    from flask import current_app

    from .services.match_index import LiveIndex

    index = LiveIndex(os.path.join(current_app.instance_path, "index"))
    total = _count_indexable()
    with click.progressbar(length=total, label="建立匹配索引", show_pos=True) as bar:
        count = index.build(progress=bar.update)
    click.echo(f"索引已重建：{count} 条（{index.folder}）。运行中的进程在下一次请求时读取变更，重启后加载新索引。")



@click.command("index-snapshot")
@with_appcontext
def index_snapshot_command():
    """Save the match index as it stands and prune the change log it holds (daily, from cron)."""
    from flask import current_app

    from .services.match_index import live_index

    pruned = live_index(current_app.instance_path).snapshot()
    click.echo(f"匹配索引已保存，清理变更记录 {pruned} 条。")

def _count_indexable() -> int:
    from .models import Achievement, Capability, Challenge, ExpertMembership

    return sum(db.session.scalar(db.select(db.func.count()).select_from(model)) or 0
               for model in (Challenge, Capability, Achievement)) + (
        db.session.scalar(db.select(db.func.count(db.distinct(ExpertMembership.user_id)))) or 0)


@click.command("export-feedback")
@click.argument("folder", type=click.Path(file_okay=False))
@with_appcontext
def export_feedback_command(folder):
    """Write the recommendation feedback as a BEIR folder, for `python -m matching.eval FOLDER`."""
    from .services.feedback_export import export_beir

    counts = export_beir(folder)
    click.echo(f"已导出到 {folder}：查询 {counts['queries']} 条，文档 {counts['corpus']} 条，判断 {counts['qrels']} 条。")


@click.command("seed-scale")
@click.option("--capabilities", default=100000, show_default=True, type=click.IntRange(0, 2_000_000))
@click.option("--challenges", default=10000, show_default=True, type=click.IntRange(0, 500_000))
@click.option("--seed", default=20231, show_default=True)
@with_appcontext
def seed_scale_command(capabilities, challenges, seed):
    """Add synthetic listings (marked 〔合成〕) for benchmarks, then rebuild the match index."""
    from flask import current_app

    from .demo.scale import seed_scale
    from .services.match_index import LiveIndex

    counts = seed_scale(capabilities, challenges, seed, progress=lambda line: click.echo(line))
    click.echo(f"已生成合成机构 {counts['institutions'] + counts['enterprises']} 家。正在重建匹配索引……")
    index = LiveIndex(os.path.join(current_app.instance_path, "index"))
    with click.progressbar(length=_count_indexable(), label="建立匹配索引", show_pos=True) as bar:
        count = index.build(progress=bar.update)
    click.echo(f"完成：索引 {count} 条。")


@click.command("backup")
@click.option("--to", "folder", type=click.Path(file_okay=False), default=None,
              help="Folder for the archive (default: instance/backups).")
@with_appcontext
def backup_command(folder):
    """Archive the database (a consistent snapshot, safe while serving) and the uploaded files."""
    from flask import current_app

    from .backup import BackupError, create

    folder = folder or os.path.join(current_app.instance_path, "backups")
    try:
        archive = create(db.engine, current_app.instance_path, folder)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"已备份到 {archive}（{os.path.getsize(archive) / 1024 / 1024:.1f} MB）。")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(archive, yes):
    """Replace the database and the uploaded files with a backup's (asks first). Stop the site before."""
    from flask import current_app

    from .backup import BackupError, read_manifest, restore

    try:
        manifest = read_manifest(archive)
        if not yes:
            click.confirm(f"将用 {manifest['created_at']} 的备份（{manifest['database']}，迁移版本 {manifest['revision']}）"
                          f"覆盖当前数据库和全部附件，此后的改动都会丢失。确定恢复？", abort=True)
        restore(db.engine, current_app.instance_path, archive)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo("已恢复。请运行 flask db-upgrade（备份较旧时升级表结构）并重启网站；匹配索引将在首次使用时重建。")


commands = [seed_scale_command, db_upgrade_command, init_db_command, create_admin_command, seed_demo_command, reindex_command,
            export_feedback_command, backup_command, restore_command, index_snapshot_command, *job_commands]
