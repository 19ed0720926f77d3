"""Gunicorn's settings for this app. Gunicorn reads ./gunicorn.conf.py by itself when started from the
checkout (`make run`, bench/web_bench.py); elsewhere pass `-c /path/to/gunicorn.conf.py`.

The workers are forked from a master that has already loaded the app, the Chinese segmenter and the
match index (preload_app), so the pages holding them are shared by all workers copy-on-write rather
than each worker loading a copy of its own: README, "Memory per worker"."""
import gc

preload_app = True

# No garbage collection while the master loads: a collection would free objects among the long-lived
# ones, and the workers' own objects filling those holes would dirty (un-share) the pages. The objects
# are frozen before the workers are forked (marketplace.prefork.before_fork); collections resume then.
gc.disable()


def when_ready(server):
    """In the master: the app is loaded, the workers are not forked yet."""
    if server.cfg.preload_app:
        from marketplace.prefork import before_fork

        loaded = before_fork(server.app.wsgi())
        server.log.info("loaded before forking the workers: the segmenter and a match index of %s documents", loaded)
    gc.enable()


def post_fork(server, worker):
    """In each new worker, before it serves."""
    if server.cfg.preload_app:
        from marketplace.prefork import after_fork

        after_fork(server.app.wsgi())
