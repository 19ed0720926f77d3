"""Time (and optionally profile) first views of pages, in one process, against a prepared bench instance.

    python bench/profile_page.py --instance /tmp/cp-bench --user admin@demo.example /challenges/123 /search?q=…

Logs in through the login form, loads the match index with one page that is not measured, then requests
each path once: its milliseconds and SQL statements, and with --profile the functions where the time went
(cProfile, by cumulative time). The pages are not repeated: each one is a first view (the per-page memo
is empty), which is what `make bench`'s cold loads measure under concurrency.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="pages to request once each, e.g. /challenges/12")
    parser.add_argument("--instance", required=True, help="a prepared bench instance (never the original: a copy)")
    parser.add_argument("--database-url", default="", help="default: the instance's bench.sqlite3")
    parser.add_argument("--user", default="admin@demo.example", help="log in as (empty: a visitor)")
    parser.add_argument("--warm", action="append", help="pages requested first, not measured (default: a challenge"
                        " page and a search, which load the index and compile the SQL statements, as in a worker"
                        " that has served a while)")
    parser.add_argument("--profile", action="store_true", help="print the top functions by cumulative time")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sql", action="store_true", help="print each SQL statement's first line")
    args = parser.parse_args()
    instance = Path(args.instance).resolve()
    os.environ.update(INSTANCE_PATH=str(instance), COOKIE_SECURE="0", MAIL_BACKEND="log",
                      DATABASE_URL=args.database_url or f"sqlite:///{instance / 'bench.sqlite3'}")
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import event

    from marketplace import create_app
    from marketplace.extensions import db

    app = create_app({"LOGIN_RATE_LIMIT": "1000 per minute"})
    client = app.test_client()
    if args.user:
        page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/auth/login", data={"csrf_token": token, "email": args.user, "password": "demo-password"})
    for path in args.warm or ["/challenges/1", "/search?q=%E5%B7%A5%E4%B8%9A%E6%9C%BA%E5%99%A8%E4%BA%BA", "/challenges/2"]:
        client.get(path)
    statements = [0]
    shown = args.sql
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def count(conn, cursor, statement, *_):
        statements[0] += 1
        if shown:
            print("   SQL", " ".join(statement.split())[:160])

    for path in args.paths:
        statements[0] = 0
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        response = client.get(path)
        if profiler:
            profiler.disable()
        ms = (time.perf_counter() - started) * 1000
        print(f"{response.status_code} {ms:7.1f} ms {statements[0]:4d} SQL  {path}", flush=True)
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
            print(out.getvalue())


if __name__ == "__main__":
    main()
