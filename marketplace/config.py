"""Configuration: defaults, then instance/config.py, then the environment, then a test mapping."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


class Defaults:
    """Settings every deployment starts from; override in instance/config.py or the environment."""

    APP_ENV = "production"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    BOOTSTRAP_SERVE_LOCAL = True
    RATELIMIT_HEADERS_ENABLED = True
    # Login posts per client address, right or wrong: a university or a department behind one NAT
    # address logs in together at nine o'clock, so this is wide; guessing is held by the two below.
    LOGIN_RATE_LIMIT = "30 per minute"
    # Failed logins, counted across all workers (Redis or the database, services/login_throttle.py):
    # per client address, and per account whatever the address (against guessing from many addresses).
    LOGIN_IP_LIMIT = "10 per minute"
    LOGIN_ACCOUNT_LIMIT = "10 per 15 minutes"
    PASSWORD_MIN_SCORE = 2  # zxcvbn's 0–4: 2 = beyond a million guesses
    REGISTRATION_MAX_AGE = 24 * 3600  # seconds a registration confirmation link stays valid
    REGISTER_EMAIL_RATE_LIMIT = "3 per hour"  # registration mails to one address
    # Every link in mail starts here, never from the request's Host header. None: http://127.0.0.1:$PORT.
    BASE_URL = None
    # Host names the site answers to (Flask refuses others with 400); None accepts any.
    TRUSTED_HOSTS = None
    # Behind a reverse proxy: how many proxies to trust for each X-Forwarded-* header (werkzeug ProxyFix).
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0
    PROXY_FIX_X_PREFIX = 0
    REGISTER_RATE_LIMIT = "10 per hour"
    # 忘记密码: requests per client address, and per e-mail address asked about (against mail bombing).
    PASSWORD_RESET_RATE_LIMIT = "5 per hour"
    PASSWORD_RESET_EMAIL_RATE_LIMIT = "3 per hour"
    PASSWORD_RESET_MAX_AGE = 3600  # seconds a reset link stays valid
    PAGE_SIZE = 20
    INVITATION_DAYS = 14
    # Days an expert is given to score a proposal: the evaluation desk pre-fills today + this as the
    # review's due date (the chain admin may pick another, up to services.reviews.DUE_MAX_DAYS ahead).
    REVIEW_DAYS = 10
    # E-mail of notifications: "log" (written to the application log), "smtp" or "memory" (tests).
    MAIL_BACKEND = "log"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_SENDER = "noreply@localhost"
    # The job queue (jobs.py): a Redis URL for `flask run-jobs --enqueue` and `flask jobs-worker`;
    # None: `flask run-jobs` does the work itself.
    JOB_QUEUE_URL = None
    JOB_QUEUE_NAME = "marketplace-jobs"
    # Mail from requests as jobs on that queue (notifications/mail.py): the request's commit only queues
    # it and `flask jobs-worker` sends it; when the queue cannot be reached it is sent at once, as without.
    MAIL_VIA_QUEUE = False
    # Where uploaded files are stored. None: instance/uploads. With several app nodes, a folder every node
    # mounts (NFS, a shared volume): a file uploaded through one node is downloaded through another.
    UPLOAD_FOLDER = None
    # Redis down: the rate limits count in each process's memory until it answers again (Flask-Limiter
    # checks it again with a growing pause), instead of failing every rate-limited request with a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Seconds to wait for Redis (rate limits, login throttle, job queue) before treating it as down.
    REDIS_TIMEOUT = 2
    # The 用户协议 and 隐私政策 in force (their text: templates/help/terms.html, privacy.html). Change
    # the text and its date here together: every user is then asked to accept again at their next
    # page (services/consent.py), and the acceptance is recorded.
    TERMS_VERSION = "2026-12-01"
    PRIVACY_VERSION = "2026-12-01"
    # Support contact, shown in every page's footer and on the help pages.
    SUPPORT_EMAIL = "support@jiebang.example.gov.cn"
    SUPPORT_PHONE = "027-8700 0000"
    SUPPORT_HOURS = "工作日 9:00—12:00，14:00—17:30"
    # A logged-in session ends after this many seconds without a request (0: never); the page warns
    # SESSION_IDLE_WARNING seconds before, with a button to stay (auth/idle.py, js/session-idle.js).
    SESSION_IDLE_TIMEOUT = 2 * 3600
    SESSION_IDLE_WARNING = 5 * 60


# Environment variables read at start-up, and the config key each one sets.
ENVIRONMENT_KEYS = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY": "SECRET_KEY",
    "REDIS_URL": "REDIS_URL",
    "JOB_QUEUE_URL": "JOB_QUEUE_URL",
    "JOB_QUEUE_NAME": "JOB_QUEUE_NAME",
    "MAIL_VIA_QUEUE": "MAIL_VIA_QUEUE",
    "UPLOAD_FOLDER": "UPLOAD_FOLDER",
    "APP_ENV": "APP_ENV",
    "COOKIE_SECURE": "COOKIE_SECURE",
    "MAIL_BACKEND": "MAIL_BACKEND",
    "MAIL_SERVER": "MAIL_SERVER",
    "BASE_URL": "BASE_URL",
    "SUPPORT_EMAIL": "SUPPORT_EMAIL",
    "SUPPORT_PHONE": "SUPPORT_PHONE",
    "SUPPORT_HOURS": "SUPPORT_HOURS",
    "TRUSTED_HOSTS": "TRUSTED_HOSTS",
    "PROXY_FIX_X_FOR": "PROXY_FIX_X_FOR",
    "PROXY_FIX_X_PROTO": "PROXY_FIX_X_PROTO",
    "PROXY_FIX_X_HOST": "PROXY_FIX_X_HOST",
    "PROXY_FIX_X_PREFIX": "PROXY_FIX_X_PREFIX",
    "SESSION_IDLE_TIMEOUT": "SESSION_IDLE_TIMEOUT",
    "SESSION_IDLE_WARNING": "SESSION_IDLE_WARNING",
}


def sqlalchemy_url(url: str) -> str:
    """Normalise a DATABASE_URL so SQLAlchemy picks the psycopg 3 driver for PostgreSQL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def seconds(value) -> int:
    """A duration setting in whole seconds: a number, a timedelta, or (from the environment) a string
    such as "7200", "120m" or "2h"."""
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, str):
        text = value.strip().lower()
        unit = {"s": 1, "m": 60, "h": 3600}.get(text[-1:], None)
        return int(float(text[:-1]) * unit) if unit else int(float(text or 0))
    return int(value or 0)


def instance_secret_key(instance_path: str) -> str:
    """Return the secret key kept in instance/secret_key, creating it on first run."""
    path = Path(instance_path) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        # O_EXCL: two workers starting together must end up with the same key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def configure(app, test_config: dict | None) -> None:
    """Fill app.config from defaults, instance/config.py, the environment and test_config."""
    app.config.from_object(Defaults)
    app.config["SQLALCHEMY_DATABASE_URI"] = (
        "sqlite:///" + os.path.join(app.instance_path, "marketplace.sqlite3")
    )
    app.config.from_pyfile("config.py", silent=True)
    for env_name, key in ENVIRONMENT_KEYS.items():
        if os.environ.get(env_name):
            app.config[key] = os.environ[env_name]
    if test_config:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = sqlalchemy_url(app.config["SQLALCHEMY_DATABASE_URI"])
    secure = app.config.get("COOKIE_SECURE")
    if secure is None:
        secure = not (app.config["APP_ENV"] == "development" or app.debug)
    elif isinstance(secure, str):
        secure = secure.strip().lower() not in ("0", "false", "no", "off")
    # Behind HTTPS the cookies must be Secure; `make run` serves plain HTTP on loopback and
    # says so with COOKIE_SECURE=0, since a browser would not send a Secure cookie back there.
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = bool(secure)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    base_url_defaulted = False
    if not app.config.get("BASE_URL"):
        app.config["BASE_URL"] = f"http://127.0.0.1:{os.environ.get('PORT') or 5000}"
        base_url_defaulted = True
    hosts = app.config.get("TRUSTED_HOSTS")
    if isinstance(hosts, str):  # from the environment: "a.example, .b.example"
        app.config["TRUSTED_HOSTS"] = [h.strip() for h in hosts.split(",") if h.strip()] or None
    for key in ("PROXY_FIX_X_FOR", "PROXY_FIX_X_PROTO", "PROXY_FIX_X_HOST", "PROXY_FIX_X_PREFIX"):
        app.config[key] = int(app.config.get(key) or 0)
    for key in ("SESSION_IDLE_TIMEOUT", "SESSION_IDLE_WARNING"):
        app.config[key] = seconds(app.config.get(key))
    deployed = app.config.get("TRUSTED_HOSTS") or any(app.config[f"PROXY_FIX_X_{h}"] for h in ("FOR", "PROTO", "HOST"))
    if base_url_defaulted and deployed:  # behind a proxy or with a host name, not `make run`: mail would link here
        app.logger.warning("BASE_URL is not set: links in e-mail point to %s. Set BASE_URL to the site's "
                           "public address (e.g. https://jiebang.example.gov.cn).", app.config["BASE_URL"])
    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://", "unix://")):
        # Without a timeout a Redis host that stops answering (not refusing) holds every request.
        timeout = float(app.config.get("REDIS_TIMEOUT") or 2)
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": timeout,
                                                            "socket_timeout": timeout})
    if isinstance(app.config.get("MAIL_VIA_QUEUE"), str):  # from the environment: "1", "true"
        app.config["MAIL_VIA_QUEUE"] = app.config["MAIL_VIA_QUEUE"].strip().lower() not in ("", "0", "false", "no", "off")
