"""A server that forks its workers from a master holding the loaded app (gunicorn's preload_app, see
gunicorn.conf.py): what the master loads before forking, so that the workers share those pages
copy-on-write instead of each loading its own, and what each worker resets after the fork."""
from __future__ import annotations

import gc
import logging

from flask import Flask

log = logging.getLogger(__name__)


def before_fork(app: Flask) -> int | None:
    """Load the Chinese segmenter and the match index in the master, close its database connections
    (a connection must never be used by two processes), then freeze every object made so far: the
    workers' garbage collections then leave them, and their pages, alone. A failure is logged, not
    raised: each worker then loads what it needs on first use, as without a preloading master.
    Returns the number of documents indexed, None after a failure."""
    from matching.tokenize import segmenter

    from .extensions import db
    from .services.match_index import live_index

    loaded = None
    try:
        segmenter()("预加载分词词典")  # the dictionary: tens of MB, the same for every worker
        with app.app_context():
            try:
                loaded = len(live_index(app.instance_path).meta)
            finally:
                db.session.remove()
                db.engine.dispose()
    except Exception:  # the database may be away at start: the workers try again on their first request
        log.exception("could not load the match index before forking the workers")
    gc.collect()
    gc.freeze()
    return loaded


def after_fork(app: Flask) -> None:
    """In a new worker: drop any pooled database connection inherited from the master without closing
    it (closing would end the master's, or a sibling's, session); the worker opens its own."""
    from .extensions import db

    with app.app_context():
        db.engine.dispose(close=False)
