"""The 揭榜挂帅 marketplace web application."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

PACKAGE = Path(__file__).resolve().parent
# In a checkout the instance folder sits beside the package; an installed wheel uses Flask's default
# (<prefix>/var/marketplace-instance) unless INSTANCE_PATH says otherwise.
CHECKOUT = PACKAGE.parent if (PACKAGE.parent / "pyproject.toml").exists() else None


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Flask app: configuration, extensions, blueprints, CLI. Touches no database."""
    app = Flask(
        __name__,
        instance_path=_instance_path(test_config),
        instance_relative_config=True,
    )
    from . import bounds, filemodes
    from .config import configure

    filemodes.init_app(app.instance_path)  # umask 077: the database, uploads, index and backups are private
    configure(app, test_config)
    _refuse_untrusted_hosts(app)
    _trust_proxy(app)  # outside the host check, so that it sees X-Forwarded-Host when trusted
    register_extensions(app)
    bounds.init_app(app)  # <int:…> stops at the database's largest id: a larger one is a 404, not a 500
    register_blueprints(app)
    register_commands(app)
    from . import security, templating

    security.init_app(app)
    templating.init_app(app)
    return app


def _instance_path(test_config: dict | None) -> str | None:
    """INSTANCE_PATH (test config, then environment), else `instance/` of a checkout, else Flask's default."""
    given = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH")
    if given:
        return given
    return str(CHECKOUT / "instance") if CHECKOUT else None


def _refuse_untrusted_hosts(app: Flask) -> None:
    """Answer 400 to a Host outside TRUSTED_HOSTS before Flask sees the request.

    Flask (3.1) checks TRUSTED_HOSTS too, but only once the request is being handled: its error
    page then cannot build any URL and the refusal ends in a 500.
    """
    hosts = app.config.get("TRUSTED_HOSTS")
    if not hosts:
        return
    from werkzeug.exceptions import SecurityError
    from werkzeug.wsgi import get_host

    inner = app.wsgi_app

    def refuse_untrusted(environ, start_response):
        try:
            get_host(environ, trusted_hosts=hosts)
        except SecurityError:
            body = "400 请求有误：该主机名不在本站允许的范围内。".encode()
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                               ("Content-Length", str(len(body)))])
            return [body]
        return inner(environ, start_response)

    app.wsgi_app = refuse_untrusted


def _trust_proxy(app: Flask) -> None:
    """Behind a reverse proxy, take the client address (rate limits, login throttling) and scheme
    from X-Forwarded-* — only as many hops as configured, since a client can send these headers too."""
    hops = {name: app.config[f"PROXY_FIX_X_{name.upper()}"] for name in ("for", "proto", "host", "prefix")}
    if any(hops.values()):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops["for"], x_proto=hops["proto"], x_host=hops["host"],
                                x_prefix=hops["prefix"])


def register_extensions(app: Flask) -> None:
    from . import access, models  # noqa: F401  (models: registers the tables on the metadata)
    from .extensions import bootstrap, csrf, db, limiter, login_manager, migrate
    from .services import index_log  # noqa: F401  (records index changes on every flush)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PACKAGE / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    access.init_login_manager(login_manager)


def register_blueprints(app: Flask) -> None:
    from .admin import (
        key_link_routes,  # noqa: F401  (adds the key-links pages to the admin blueprint)
        plan_routes,  # noqa: F401  (adds the work-plan pages to the admin blueprint)
        report_routes,  # noqa: F401  (the year's reports index, the zip and the quarterly 通报)
        stats_routes,  # noqa: F401  (adds the statistics page to the admin blueprint)
        supervision_routes,  # noqa: F401  (adds the 督办 pages to the admin blueprint)
    )
    from .admin.routes import bp as admin_bp
    from .auth import idle  # noqa: F401  (the idle timeout: a hook on every request, its two routes)
    from .auth.routes import bp as auth_bp
    from .chains import report_routes as chain_report_routes  # noqa: F401  (the year-end report and its files)
    from .chains.routes import bp as chains_bp
    from .challenges import discussion  # noqa: F401  (adds Q&A and attachment routes to the blueprint)
    from .challenges.routes import bp as challenges_bp
    from .documents.routes import bp as documents_bp
    from .evaluation.routes import bp as evaluation_bp
    from .governance.routes import bp as governance_bp
    from .help import consent  # noqa: F401  (adds the consent page and its check before every request)
    from .help.routes import bp as help_bp
    from .listings.routes import bp as listings_bp
    from .main.routes import bp as main_bp
    from .notifications.routes import bp as inbox_bp
    from .orgs import documents  # noqa: F401  (adds the verification-document routes to the blueprint)
    from .orgs.routes import bp as orgs_bp
    from .projects.routes import bp as projects_bp
    from .proposals.routes import bp as proposals_bp
    from .recommendations.routes import bp as recommendations_bp
    from .results.routes import bp as results_bp
    from .search.routes import bp as search_bp
    from .stats.routes import bp as stats_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(orgs_bp, url_prefix="/orgs")
    app.register_blueprint(chains_bp, url_prefix="/chains")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(challenges_bp, url_prefix="/challenges")
    app.register_blueprint(listings_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(stats_bp)  # /stats, public
    app.register_blueprint(proposals_bp)
    app.register_blueprint(evaluation_bp)
    app.register_blueprint(projects_bp, url_prefix="/projects")
    app.register_blueprint(recommendations_bp, url_prefix="/recommendations")
    app.register_blueprint(results_bp, url_prefix="/results")
    app.register_blueprint(inbox_bp, url_prefix="/inbox")
    app.register_blueprint(documents_bp)  # printable PDFs beside their pages (/projects/…, /publicity/…)
    app.register_blueprint(help_bp, url_prefix="/help")
    app.register_blueprint(governance_bp, url_prefix="/governance")


def register_commands(app: Flask) -> None:
    from .cli import commands

    for command in commands:
        app.cli.add_command(command)
