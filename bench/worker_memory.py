"""Where a web worker's memory goes, on a prepared instance (bench/web_bench.py `prepare`, or a copy of one).

`steps`: one fresh process builds the app, loads the segmenter, loads the match index and runs searches,
printing its private memory (USS) and RSS after each step — what each worker pays on its own when nothing
is shared. `server`: gunicorn with 2 workers as `make run` starts it (gunicorn.conf.py), both workers warmed
on the pages that use the index, then each worker's USS and the host's PSS (master + workers), the figures
issue 14 sets targets for. The last line is JSON.

    python bench/worker_memory.py steps  --instance /tmp/li-bench
    python bench/worker_memory.py server --instance /tmp/li-bench
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _web_bench():
    """bench/web_bench.py's measuring helpers (memory_mb, server_memory_mb, login, free_port): one definition."""
    spec = importlib.util.spec_from_file_location("web_bench", ROOT / "bench" / "web_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def environment(instance: Path) -> dict:
    env = dict(os.environ, FLASK_APP="marketplace", INSTANCE_PATH=str(instance), COOKIE_SECURE="0",
               DATABASE_URL=f"sqlite:///{instance / 'bench.sqlite3'}", MAIL_BACKEND="log",
               PYTHONPATH=str(ROOT))
    env.pop("REDIS_URL", None)
    return env


STEPS = r"""
import gc, json, os, sys, time
sys.path.insert(0, {root!r})
from web_bench import memory_mb
figures = {{}}
def note(step):
    gc.collect()
    figures[step] = {{k: round(v, 1) for k, v in memory_mb(os.getpid()).items()}}
    print(step, figures[step], flush=True)
note("interpreter")
from marketplace import create_app
app = create_app()
note("create_app")
from matching.tokenize import segmenter
segmenter()("液冷冷板散热系统")
note("segmenter")
from marketplace.services.match_index import live_index, new_matcher
with app.app_context():
    started = time.monotonic()
    index = live_index(app.instance_path)
    figures["load_s"] = round(time.monotonic() - started, 2)
    note("index")
    for query in ("液冷 冷板 散热", "人工智能 芯片", "新材料 纺织", "工业互联网 数据"):
        index.search(query, k=10, allowed=lambda d: d.startswith("cap:"))
    note("searched")
    # The remembered results filled: 1,024 searches of the search page's 200 hits each (the bound was
    # 1,024 entries; now it is match_index.CACHE_MB of them, estimated).
    from marketplace.extensions import db
    from marketplace.models import Capability
    titles = db.session.scalars(db.select(Capability.title).distinct().limit(1024)).all()
    for title in titles:
        index.search(title, k=200, allowed=lambda d: d.startswith("cap:"), cache_key=("search", "cap", None),
                     min_match=0.0)
    figures["cached_searches"] = len(index._cache)
    figures["cache_estimate_mb"] = round(index._cache.currsize / 2**20, 1)
    note("cache_full")
    figures["cache_mb"] = round(figures["cache_full"]["uss"] - figures["searched"]["uss"], 1)
    index._cache.clear()
    gc.collect()
    note("cache_emptied")
    started = time.monotonic()
    matcher = type(index.matcher).load(index.matcher_path)
    figures["second_matcher_load_s"] = round(time.monotonic() - started, 2)
    note("plus_a_second_matcher")
    figures["matcher_uss_mb"] = round(figures["plus_a_second_matcher"]["uss"] - figures["cache_emptied"]["uss"], 1)
print(json.dumps(figures))
"""


def steps(instance: Path) -> dict:
    """USS/RSS of one fresh process after each step of a worker's start; the matcher's own share is taken
    as what loading a second copy of it adds."""
    code = STEPS.format(root=str(ROOT / "bench"))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment(instance), check=True,
                         capture_output=True, text=True)
    print(out.stdout, end="")
    return json.loads(out.stdout.strip().splitlines()[-1])


def distinct_searches(base: str, instance: Path, count: int) -> None:
    """`count` searches for different listings' titles, four at a time: the remembered results fill up to
    their bound and the scoring touches much of the index, as a day of real visitors would."""
    with sqlite3.connect(instance / "bench.sqlite3") as connection:
        titles = [t for (t,) in connection.execute("SELECT DISTINCT title FROM capability LIMIT ?", (count,))]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda t: urllib.request.urlopen(f"{base}/search?q={urllib.parse.quote(t)}", timeout=300).read(),
                      titles))


def server(instance: Path, workers: int = 2, seconds: int = 0, config: str | None = None, distinct: int = 0) -> dict:
    """Gunicorn as `make run` starts it (the config file gunicorn.conf.py in the checkout is read),
    both workers warmed on the index's pages (and, with `seconds`, driven by wrk on each of them as
    `make bench` does: pages touched over time stop being shared), then the memory figures. `config`:
    another gunicorn config file (/dev/null: gunicorn's defaults, no preloading). `distinct`: that many
    different searches as well (distinct_searches)."""
    bench = _web_bench()
    port = bench.free_port()
    base = f"http://127.0.0.1:{port}"
    (instance / "config.py").write_text('LOGIN_RATE_LIMIT = "1000 per minute"\n')
    log = open(instance / "gunicorn-memory.log", "w")
    started = time.monotonic()
    process = subprocess.Popen([str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                                "--timeout", "300",
                                *(["-c", config] if config else []), "marketplace:create_app()"], cwd=ROOT,
                               env=environment(instance), stdout=log, stderr=subprocess.STDOUT)
    try:
        bench.wait_until_up(base)
        ready_s = time.monotonic() - started
        enterprise = bench.login(base, "enterprise@demo.example")
        institution = bench.login(base, "institution@demo.example")
        mine = urllib.request.urlopen(urllib.request.Request(base + "/challenges/mine", headers={"Cookie": enterprise}))
        challenge = re.search(r'href="(/challenges/\d+)"', mine.read().decode()).group(1)
        # Enough requests that both workers serve each page several times (gunicorn hands them out unevenly).
        pages = ((challenge, enterprise), ("/dashboard", institution),
                 ("/search?q=%E6%B6%B2%E5%86%B7+%E5%86%B7%E6%9D%BF", ""))
        for _ in range(12):
            for path, cookie in pages:
                urllib.request.urlopen(urllib.request.Request(base + path, headers={"Cookie": cookie}), timeout=300)
        if seconds:
            lua = instance / "bench.lua"
            lua.write_text(bench.LUA)
            for path, cookie in pages:
                result = bench.load(bench.ensure_wrk(), base + path, cookie, seconds, lua)
                print(path, result, flush=True)
        if distinct:
            distinct_searches(base, instance, distinct)
        children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        figures = {"ready_s": round(ready_s, 1), "master": bench.memory_mb(process.pid),
                   "workers": [bench.memory_mb(int(pid)) for pid in children], **bench.server_memory_mb(process.pid)}
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()
    figures = json.loads(json.dumps(figures), parse_float=lambda v: round(float(v), 1))
    print(json.dumps(figures))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("steps", "server"))
    parser.add_argument("--instance", required=True, help="a prepared instance folder (bench.sqlite3 inside)")
    parser.add_argument("--seconds", type=int, default=0, help="server: drive each page with wrk this long first")
    parser.add_argument("--distinct", type=int, default=0, help="server: that many different searches too")
    parser.add_argument("--config", help="server: gunicorn config file instead of ./gunicorn.conf.py (/dev/null: none)")
    args = parser.parse_args()
    instance = Path(args.instance).resolve()
    steps(instance) if args.mode == "steps" else server(instance, seconds=args.seconds, config=args.config, distinct=args.distinct)


if __name__ == "__main__":
    main()
