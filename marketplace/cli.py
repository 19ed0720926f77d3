"""Flask commands: db-upgrade (init-db), create-admin, seed-demo."""
from __future__ import annotations

import getpass
import os

import click
from flask.cli import with_appcontext
from flask_migrate import upgrade

from .extensions import db


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


commands = [db_upgrade_command, init_db_command, create_admin_command, seed_demo_command]
