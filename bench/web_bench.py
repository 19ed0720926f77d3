"""`make bench`: the product under load at province scale, measured from a second process.

Prepares a database of its own (bench_db.py: SQLite in instance-bench/, or `marketplace_bench` on the
PostgreSQL server DATABASE_URL names; demo data + `flask seed-scale`, 100k capabilities and 10k challenges
by default), starts gunicorn with 2 workers, and drives it with wrk (16 connections, bounded in time) on
loopback.

Hot loads request one page over and over: the challenge page with recommendations (as its owner), the
institution dashboard (with recommended challenges) and one search; after the first view they measure
what the server remembers. Cold loads walk lists of distinct pages, each requested at most once
(cold_paths.py): every challenge page in random order as the platform admin (who sees recommendations on
each), and distinct searches made from the listings' own titles and keywords. Nothing of those pages is
warmed up, only the index. Then it measures how long a new capability takes to appear in recommendations,
and the workers' memory (RSS, and the private USS and the host's PSS from /proc/PID/smaps_rollup). The last
line is JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ for its siblings (also when this file is loaded by path, as its tests do), the checkout for matching/
sys.path[:0] = [str(Path(__file__).resolve().parent), str(ROOT)]

import bench_db  # noqa: E402 - bench/ is the script's folder
import cold_paths  # noqa: E402

BIN = Path(sys.executable).parent
HOT_QUERY = "液冷 冷板 散热"
REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %.3f %.3f %d\\n", summary.requests, summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.duration,
    latency:percentile(95) / 1000.0, latency:percentile(50) / 1000.0, summary.errors.timeout))
  report_walk()
end
report_walk = function() end
"""
# A cold load: each wrk thread walks its share of the shuffled list (thread i takes paths i, i + n, …), one
# path per request. When a thread's share runs out it wraps around, and the repeats are counted and
# reported (WALK repeated distinct): a repeat is a page already seen, so a run should show none.
WALK = """
local threads = {}
local count = 0
setup = function(thread)
  thread:set("offset", count)
  count = count + 1
  table.insert(threads, thread)
end
init = function(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  stride = tonumber(args[2])
  position = offset + 1
  repeated = 0
end
request = function()
  if position > #paths then
    position = offset + 1
    wrapped = true
  end
  if wrapped then repeated = repeated + 1 end
  local path = paths[position]
  position = position + stride
  return wrk.format(nil, path)
end
report_walk = function()
  local repeats = 0
  for _, thread in ipairs(threads) do repeats = repeats + thread:get("repeated") end
  io.write(string.format("WALK %d\\n", repeats))
end
"""
THREADS, CONNECTIONS = 2, 16


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing wrk (Debian package)…")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
        if shutil.which("wrk") is None:
            subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
        return shutil.which("wrk")
    sys.exit("wrk is needed: `apt-get install wrk` (Debian), then run `make bench` again")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, seconds: float = 600) -> None:
    """Wait for /healthz: gunicorn's master loads (or, on a new index format, builds) the match index
    before it forks its workers, minutes at 100k."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def login(base: str, email: str) -> str:
    """Log in like a browser (CSRF token from the form) and return the session cookie header."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/auth/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": "demo-password"}).encode()
    opener.open(base + "/auth/login", data)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def load(wrk: str, url: str, cookie: str, seconds: int, lua: Path, walk: Path | None = None) -> dict:
    """One wrk run against `url` (a hot load), or over the paths in the file `walk` (a cold load)."""
    args = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(lua)]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    args.append(url)
    if walk is not None:
        args += ["--", str(walk), str(THREADS)]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    requests, errors, duration_us, p95, p50, timeouts = re.search(
        r"BENCH (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+)", out).groups()
    # errors counts the answers of status 400 and above too (wrk's "Non-2xx or 3xx responses").
    result = {"requests": int(requests), "errors": int(errors),
              "rps": int(requests) / (int(duration_us) / 1e6), "p95_ms": float(p95), "p50_ms": float(p50),
              "timeouts": int(timeouts)}
    repeats = re.search(r"WALK (\d+)", out)
    if repeats:
        result["repeats"] = int(repeats.group(1))
    return result


def memory_mb(pid: int) -> dict[str, float]:
    """One process's memory from /proc/PID/smaps_rollup, in MB: RSS (every page it maps), PSS (shared pages
    split between their sharers) and USS (its private pages: Private_Clean + Private_Dirty, what it alone
    costs the host — the figure a shared, memory-mapped index brings down)."""
    kb = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+):\s+(\d+) kB$",
                                                          Path(f"/proc/{pid}/smaps_rollup").read_text(), re.M)}
    return {"rss": kb["Rss"] / 1024, "pss": kb["Pss"] / 1024, "uss": (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024}


def server_memory_mb(master_pid: int) -> dict[str, float]:
    """The largest worker's RSS and USS, and the host's total for the server (the PSS of the master and its
    workers: each shared page counted once)."""
    children = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()
    workers = [memory_mb(int(pid)) for pid in children]
    return {"worker_rss_mb": max((w["rss"] for w in workers), default=0.0),
            "worker_uss_mb": max((w["uss"] for w in workers), default=0.0),
            "host_pss_mb": memory_mb(master_pid)["pss"] + sum(w["pss"] for w in workers)}


def freshness(env, base: str, cookie: str, challenge_path: str) -> float:
    """Seconds from committing a new capability in another process to seeing it recommended."""
    marker = f"新鲜度测试{int(time.time())}"
    script = (
        "from marketplace import create_app; from marketplace.extensions import db;"
        "from marketplace.models import Capability, Organisation, Challenge;"
        f"app = create_app(); ctx = app.app_context(); ctx.push();"
        f"c = db.session.get(Challenge, {int(challenge_path.rsplit('/', 1)[1])});"
        "org = db.session.scalar(db.select(Organisation).where(Organisation.name.like('〔合成〕研究机构%')));"
        # earlier runs' probes (same text) would tie with the new one: archive them in the same commit
        "[setattr(old, 'status', 'archived') for old in db.session.scalars(db.select(Capability).where("
        "Capability.title.like('新鲜度测试%'), Capability.status == 'active'))];"
        f"db.session.add(Capability(organisation=org, chains=[c.chain], title='{marker}' + c.title,"
        " description=c.difficulty + c.indicators + c.title, direction='', keywords=c.keywords));"
        "db.session.commit()"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)
    committed = time.monotonic()
    request = urllib.request.Request(base + challenge_path, headers={"Cookie": cookie})
    while time.monotonic() - committed < 30:
        if marker in urllib.request.urlopen(request).read().decode():
            return time.monotonic() - committed
        time.sleep(0.05)
    return float("inf")


def write_lines(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


TARGETS = (("challenge_p95_ms", "≤ 250"), ("search_p95_ms", "≤ 250"), ("requests_per_s", "≥ 60"),
           ("cold_challenge_p95_ms", "≤ 300"), ("cold_search_p95_ms", "≤ 250"), ("cold_requests_per_s", "≥ 50"),
           ("errors", "0"), ("timeouts", "0"), ("cold_repeats", "0"), ("freshness_s", "≤ 2"), ("worker_rss_mb", "≤ 1536"),
           ("worker_uss_mb", "≤ 200"), ("host_pss_mb", "≤ 1200"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capabilities", type=int, default=100000)
    parser.add_argument("--challenges", type=int, default=10000)
    parser.add_argument("--seconds", type=int, default=20, help="load duration per page (and per cold list)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="a PostgreSQL server to prepare the bench's own database on (default: SQLite)")
    parser.add_argument("--instance", default="", help="default: instance-bench/ (instance-bench-pg/ on PostgreSQL)")
    parser.add_argument("--queries", type=int, default=2000, help="distinct searches in the cold search list")
    parser.add_argument("--seed", type=int, default=14, help="orders the cold lists (the same run after run)")
    parser.add_argument("--skip-hot", action="store_true", help="only the cold loads (and memory, freshness)")
    args = parser.parse_args()
    postgres = args.database_url.startswith("postgres")
    instance = Path(args.instance or ROOT / ("instance-bench-pg" if postgres else "instance-bench")).resolve()
    url = bench_db.bench_url(args.database_url, instance)
    say(f"database: {bench_db.describe(url)}")
    wrk = ensure_wrk()
    env = dict(os.environ, FLASK_APP="marketplace", INSTANCE_PATH=str(instance), COOKIE_SECURE="0",
               DATABASE_URL=url, MAIL_BACKEND="log", PYTHONPATH=str(ROOT))
    env.pop("REDIS_URL", None)
    flask = bench_db.run_flask(BIN, ROOT, env)
    bench_db.prepare(url, instance, args.capabilities, args.challenges, flask, say)
    behind = instance / "index-behind-probe"
    if behind.exists():
        # The last run's freshness probe is in the change log, not in the saved index: each worker would
        # replay it on its first request (minutes at 100k, past gunicorn's timeout), so save it once here.
        say("saving the index with the last run's freshness probe (minutes)…")
        flask("index-snapshot")
        behind.unlink()
    (instance / "config.py").write_text('LOGIN_RATE_LIMIT = "1000 per minute"\n')
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(instance / "gunicorn.log", "w")
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                               "--timeout", "120", "marketplace:create_app()"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    scratch = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        wait_until_up(base)
        enterprise = login(base, "enterprise@demo.example")
        institution = login(base, "institution@demo.example")
        admin = login(base, "admin@demo.example")
        mine = urllib.request.urlopen(urllib.request.Request(base + "/challenges/mine", headers={"Cookie": enterprise}))
        challenge_path = re.search(r'href="(/challenges/\d+)"', mine.read().decode()).group(1)
        say("warming up both workers (loading the index)…")
        for _ in range(8):
            for path, cookie in ((challenge_path, enterprise), ("/dashboard", institution)):
                urllib.request.urlopen(urllib.request.Request(base + path, headers={"Cookie": cookie}), timeout=120)
        lua = write_lines(scratch, "report.lua", [REPORT])
        walk_lua = write_lines(scratch, "walk.lua", [REPORT, WALK])
        results = {}
        hot = () if args.skip_hot else (
            ("challenge", challenge_path, enterprise), ("dashboard", "/dashboard", institution),
            ("search", "/search?q=" + urllib.parse.quote(HOT_QUERY), ""))
        for name, path, cookie in hot:
            say(f"hot load: {name} {path} for {args.seconds} s, {CONNECTIONS} connections…")
            results[name] = load(wrk, base + path, cookie, args.seconds, lua)
            say(f"  {results[name]}")
        pages = cold_paths.challenge_paths(url, {challenge_path}, args.seed)
        queries = cold_paths.search_queries(url, args.queries, args.seed, {HOT_QUERY})
        cold = (("cold_challenge", pages, admin, "challenge pages as admin@demo.example"),
                ("cold_search", cold_paths.search_paths(queries), "", "distinct searches as a visitor"))
        for name, paths, cookie, what in cold:
            say(f"cold load: {len(paths)} {what}, each at most once, for {args.seconds} s, "
                f"{CONNECTIONS} connections…")
            results[name] = load(wrk, base + "/", cookie, args.seconds, walk_lua,
                                 write_lines(scratch, f"{name}.txt", paths))
            say(f"  {results[name]}")
        behind.write_text("a capability added after the index was saved")
        fresh = freshness(env, base, enterprise, challenge_path)
        memory = server_memory_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        shutil.rmtree(scratch, ignore_errors=True)
    figures = {"database": "postgresql" if postgres else "sqlite"}
    for name in ("challenge", "search", "dashboard", "cold_challenge", "cold_search"):
        if name in results:
            figures[f"{name}_p95_ms"] = round(results[name]["p95_ms"], 1)
            figures[f"{name}_p50_ms"] = round(results[name]["p50_ms"], 1)
    hot_rps = [results[n]["rps"] for n in ("challenge", "dashboard", "search") if n in results]
    if hot_rps:
        figures["requests_per_s"] = round(min(hot_rps), 1)
    figures.update({
        "cold_requests_per_s": round(min(results[n]["rps"] for n in ("cold_challenge", "cold_search")), 1),
        "cold_repeats": sum(results[n]["repeats"] for n in ("cold_challenge", "cold_search")),
        "errors": sum(r["errors"] for r in results.values()),
        # wrk leaves requests that timed out (10 s) out of its percentiles: a p95 with timeouts is too low
        "timeouts": sum(r["timeouts"] for r in results.values()),
        "freshness_s": round(fresh, 2),
        **{key: round(value, 1) for key, value in memory.items()},
        "capabilities": args.capabilities, "challenges": args.challenges,
        "requests": sum(r["requests"] for r in results.values()),
    })
    print("| figure | value | target |\n|---|---|---|")
    for key, target in TARGETS:
        if key in figures:
            print(f"| {key} | {figures[key]} | {target} |")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
