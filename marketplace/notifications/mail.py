"""E-mail backends: "log" (default), "smtp" and "memory" (tests), chosen by MAIL_BACKEND.

Sending never raises: a mail server that is down must not undo the state change that caused
the message, so failures are logged instead. Services queue mail with `send_after_commit`: it
leaves when the request's transaction commits, and a rolled-back change sends nothing.

With MAIL_VIA_QUEUE (and JOB_QUEUE_URL) the commit puts each mail on the job queue instead, so a
slow SMTP server never holds a request, and `flask jobs-worker` sends it (a failure there is raised,
so that RQ keeps the job in its failed registry, `rq info`). When the queue cannot be reached the
mail is sent at once, as without a queue: a Redis outage must not swallow mail.
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

_PENDING = "mail.pending"  # key in Session.info: mail waiting for the commit


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def site_url(endpoint: str, **values) -> str:
    """An absolute link to `endpoint` on BASE_URL, for mail: never built from the request's Host.

    A link built from the Host header (url_for(_external=True)) points wherever the requester
    says: `Host: evil.example` on 忘记密码 would mail the victim a reset link to evil.example. The
    configured base also works outside requests (cron jobs, the CLI), where there is no host.
    """
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)


def site_path_url(path: str) -> str:
    """BASE_URL joined with a site-relative path such as "/projects/3" (a notification's link)."""
    if not path.startswith("/") or path.startswith("//"):
        return path
    return current_app.config["BASE_URL"].rstrip("/") + path


def send(app, mail: Mail) -> bool:
    """Deliver `mail` through app's MAIL_BACKEND; True if delivered, False (logged) otherwise."""
    try:
        return deliver(app, mail)
    except Exception:  # any failure of the mail server: log it, the caller's change stands
        _logger(app).exception("Could not send mail to %s (%s)", mail.to, mail.subject)
        return False


def deliver(app, mail: Mail) -> bool:
    """Deliver `mail` through app's MAIL_BACKEND; False for an unknown backend; raises what the server raises."""
    backend = (app.config.get("MAIL_BACKEND") or "log").strip().lower()
    logger = _logger(app)
    if backend == "log":
        logger.info("Mail to %s\nSubject: %s\n\n%s", mail.to, mail.subject, mail.body)
    elif backend == "memory":
        app.extensions.setdefault("mail_outbox", []).append(mail)
    elif backend == "smtp":
        _send_smtp(app.config, mail)
    else:
        logger.error("Unknown MAIL_BACKEND %r: mail to %s not sent (%s)", backend, mail.to, mail.subject)
        return False
    return True


def dispatch(app, mail: Mail) -> None:
    """Send `mail` now, or put it on the job queue when MAIL_VIA_QUEUE says so (sent now if the queue is away)."""
    if app.config.get("MAIL_VIA_QUEUE") and app.config.get("JOB_QUEUE_URL"):
        from .. import jobs

        try:
            jobs.queue_for(app).enqueue(jobs.send_mail, mail.to, mail.subject, mail.body, ttl=jobs.QUEUE_TTL,
                                        result_ttl=0, description=f"mail {mail.to}")
            return
        except Exception:  # Redis down or not answering: better sent from here than not at all
            _logger(app).warning("Job queue unreachable: mail to %s (%s) sent directly", mail.to, mail.subject,
                                 exc_info=True)
    send(app, mail)


def send_after_commit(mail: Mail) -> None:
    """Queue `mail` on the current database session; it is sent once the session commits."""
    db.session.info.setdefault(_PENDING, []).append((current_app._get_current_object(), mail))


@event.listens_for(Session, "after_commit")
def _send_pending(session) -> None:
    for app, message in session.info.pop(_PENDING, []):
        dispatch(app, message)


@event.listens_for(Session, "after_transaction_end")
def _drop_unsent(session, transaction) -> None:
    # The outermost transaction ended without a commit (rollback, close): its mail must not go.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def _logger(app) -> logging.Logger:
    """The "marketplace.mail" logger, shown even when the app's own level stays at WARNING.

    The log backend is the default delivery, so its INFO lines must reach the log under gunicorn
    too; going through app.logger installs Flask's stderr handler when nothing else logs.
    """
    logger = app.logger.getChild("mail")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    return logger


def _send_smtp(config, mail: Mail) -> None:
    message = EmailMessage()
    message["From"] = config.get("MAIL_SENDER") or "noreply@localhost"
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    with smtplib.SMTP(config.get("MAIL_SERVER") or "localhost", int(config.get("MAIL_PORT") or 25),
                      timeout=float(config.get("MAIL_TIMEOUT") or 10)) as smtp:
        if _flag(config.get("MAIL_USE_TLS")):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def _flag(value) -> bool:
    """A boolean setting that may come from the environment as text ("0", "false", "no")."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no", "off")
    return bool(value)
