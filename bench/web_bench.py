"""`make bench`: the product under load at province scale, measured from a second process.

Prepares a database of its own (instance-bench/: demo data + `flask seed-scale`, 100k capabilities
and 10k challenges by default), starts gunicorn with 2 workers, and drives it with wrk (16
connections, bounded in time) on loopback: the challenge page with recommendations (as its owner),
the institution dashboard (with recommended challenges) and search. Then it measures how long a new
capability takes to appear in recommendations, and the workers' memory (RSS, and the private USS and the host's PSS from /proc/PID/smaps_rollup). The last
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
BIN = Path(sys.executable).parent
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %.3f %.3f\\n", summary.requests, summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.duration,
    latency:percentile(95) / 1000.0, latency:percentile(50) / 1000.0))
end
"""


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def flask(env, *args, check=True):
    return subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, check=check, text=True, capture_output=True)


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


def prepare(env, capabilities: int, challenges: int, instance: Path) -> None:
    marker = instance / f"bench-{capabilities}-{challenges}.done"
    if marker.exists():
        say(f"reusing the prepared database in {instance}")
        return
    shutil.rmtree(instance, ignore_errors=True)
    instance.mkdir(parents=True)
    say("creating the database and the demo data…")
    flask(env, "db-upgrade")
    flask(env, "seed-demo")
    say(f"adding {capabilities} synthetic capabilities and {challenges} challenges, then indexing (minutes)…")
    started = time.monotonic()
    subprocess.run([str(BIN / "flask"), "seed-scale", "--capabilities", str(capabilities), "--challenges",
                    str(challenges)], cwd=ROOT, env=env, check=True)
    say(f"prepared in {time.monotonic() - started:.0f} s")
    marker.write_text("ok")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def login(base: str, email: str) -> str:
    """Log in like a browser (CSRF token from the form) and return the session cookie header."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/auth/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": "demo-password"}).encode()
    opener.open(base + "/auth/login", data)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def load(wrk: str, url: str, cookie: str, seconds: int, lua: Path) -> dict:
    args = [wrk, "-t2", "-c16", f"-d{seconds}s", "--timeout", "10s", "-s", str(lua)]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    requests, errors, duration_us, p95, p50 = re.search(r"BENCH (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)", out).groups()
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests": int(requests), "errors": int(errors) + (int(non2xx.group(1)) if non2xx else 0),
            "rps": int(requests) / (int(duration_us) / 1e6), "p95_ms": float(p95), "p50_ms": float(p50)}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capabilities", type=int, default=100000)
    parser.add_argument("--challenges", type=int, default=10000)
    parser.add_argument("--seconds", type=int, default=20, help="load duration per page")
    parser.add_argument("--instance", default=str(ROOT / "instance-bench"))
    args = parser.parse_args()
    wrk = ensure_wrk()
    instance = Path(args.instance)
    env = dict(os.environ, FLASK_APP="marketplace", INSTANCE_PATH=str(instance), COOKIE_SECURE="0",
               DATABASE_URL=f"sqlite:///{instance / 'bench.sqlite3'}", MAIL_BACKEND="log")
    env.pop("REDIS_URL", None)
    prepare(env, args.capabilities, args.challenges, instance)
    (instance / "config.py").write_text('LOGIN_RATE_LIMIT = "1000 per minute"\n')
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(instance / "gunicorn.log", "w")
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                               "--timeout", "120", "marketplace:create_app()"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        enterprise = login(base, "enterprise@demo.example")
        institution = login(base, "institution@demo.example")
        mine = urllib.request.urlopen(urllib.request.Request(base + "/challenges/mine", headers={"Cookie": enterprise}))
        challenge_path = re.search(r'href="(/challenges/\d+)"', mine.read().decode()).group(1)
        say("warming up both workers (loading the index)…")
        for _ in range(8):
            for path, cookie in ((challenge_path, enterprise), ("/dashboard", institution)):
                urllib.request.urlopen(urllib.request.Request(base + path, headers={"Cookie": cookie}), timeout=120)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(LUA)
        lua = Path(handle.name)
        results = {}
        for name, path, cookie in (("challenge", challenge_path, enterprise), ("dashboard", "/dashboard", institution),
                                   ("search", "/search?q=" + urllib.parse.quote("液冷 冷板 散热"), "")):
            say(f"load: {name} {path} for {args.seconds} s, 16 connections…")
            results[name] = load(wrk, base + path, cookie, args.seconds, lua)
            say(f"  {results[name]}")
        fresh = freshness(env, base, enterprise, challenge_path)
        memory = server_memory_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    total_requests = sum(r["requests"] for r in results.values())
    figures = {
        "challenge_p95_ms": round(results["challenge"]["p95_ms"], 1),
        "search_p95_ms": round(results["search"]["p95_ms"], 1),
        "dashboard_p95_ms": round(results["dashboard"]["p95_ms"], 1),
        "requests_per_s": round(min(r["rps"] for r in results.values()), 1),
        "errors": sum(r["errors"] for r in results.values()),
        "freshness_s": round(fresh, 2),
        **{key: round(value, 1) for key, value in memory.items()},
        "capabilities": args.capabilities, "challenges": args.challenges, "requests": total_requests,
    }
    print("| figure | value | target |\n|---|---|---|")
    for key, target in (("challenge_p95_ms", "≤ 250"), ("search_p95_ms", "≤ 250"), ("requests_per_s", "≥ 60"),
                        ("errors", "0"), ("freshness_s", "≤ 2"), ("worker_rss_mb", "≤ 1536"),
                        ("worker_uss_mb", "≤ 200"), ("host_pss_mb", "≤ 1200")):
        print(f"| {key} | {figures[key]} | {target} |")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
