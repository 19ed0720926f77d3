"""The two-node layout of deploy/ on this machine's loopback: nginx in front of two gunicorn app nodes
(each with its own instance folder and match index), one PostgreSQL database, one Redis, one RQ worker,
and an upload folder both nodes share.

`make cluster` (python deploy/local_cluster.py) starts all of it with the demo data, prints the address
and the accounts, and stops everything it started on Ctrl-C. tests/cluster/test_cluster.py uses
`LocalCluster` as a context manager and kills and restarts its parts.

Everything it starts is its own: a redis-server on a free port, a database of a unique name on the local
PostgreSQL (created with `createdb`, dropped with `dropdb` — no other database is touched), nginx with a
generated configuration in a temporary folder. Each part runs in a process group of its own, so that
stopping (or killing) a node ends its gunicorn workers too; `stop()` runs on leaving the `with`, on
Ctrl-C and SIGTERM, and at exit.
"""
from __future__ import annotations

import argparse
import atexit
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NODES = ("a", "b")
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432"
START_TIMEOUT = 120  # seconds for a part to answer: a node's first start imports jieba and builds its index


def nginx_binary() -> str | None:
    """nginx on PATH, or where Debian installs it (/usr/sbin is not on a normal user's PATH)."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def missing_parts(pg_url: str = DEFAULT_PG) -> list[str]:
    """What this machine lacks to run the cluster, in words (empty when nothing is missing)."""
    missing = []
    if nginx_binary() is None:
        missing.append("nginx is not installed (apt-get install nginx)")
    for tool in ("redis-server", "createdb", "dropdb"):
        if shutil.which(tool) is None:
            missing.append(f"{tool} is not installed")
    address = urlsplit(pg_url)
    try:
        with socket.create_connection((address.hostname or "127.0.0.1", address.port or 5432), timeout=1):
            pass
    except OSError:
        missing.append(f"PostgreSQL does not answer at {address.hostname}:{address.port or 5432}")
    return missing


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalCluster:
    """nginx, two app nodes, an RQ worker, Redis and a database of its own; see the module's docstring."""

    def __init__(self, pg_url: str = DEFAULT_PG, port: int | None = None, node_workers: int = 2,
                 instance_config: str = "", keep_folder: bool = False):
        self.pg_url = pg_url.rstrip("/")
        self.node_workers = node_workers
        self.instance_config = instance_config  # extra lines for every node's instance/config.py
        self.keep_folder = keep_folder
        self.folder = Path(tempfile.mkdtemp(prefix="jiebang-cluster-"))
        self.ports = {"nginx": port or free_port(), "redis": free_port(), **{n: free_port() for n in NODES}}
        self.database = f"jiebang_cluster_{os.getpid()}_{secrets.token_hex(3)}"
        self.secret_key = secrets.token_hex(32)
        self.processes: dict[str, subprocess.Popen] = {}
        self.accounts = ""  # what `flask seed-demo` printed: the demo accounts
        self._database_created = False
        self._stopped = False

    # ----- addresses -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The site, through nginx."""
        return f"http://127.0.0.1:{self.ports['nginx']}"

    def node_url(self, node: str) -> str:
        """One app node directly, bypassing nginx."""
        return f"http://127.0.0.1:{self.ports[node]}"

    @property
    def database_url(self) -> str:
        return f"{self.pg_url}/{self.database}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports['redis']}"

    @property
    def upload_folder(self) -> Path:
        return self.folder / "uploads"

    def instance(self, part: str) -> Path:
        return self.folder / part / "instance"

    def env(self, part: str) -> dict[str, str]:
        """The environment of one part (a node, "worker", or "cli"): what /etc/jiebang/env holds on a host."""
        env = {k: v for k, v in os.environ.items()
               if k not in ("REDIS_URL", "JOB_QUEUE_URL", "SECRET_KEY", "UPLOAD_FOLDER", "TRUSTED_HOSTS")}
        env.update(
            FLASK_APP="marketplace", APP_ENV="production", INSTANCE_PATH=str(self.instance(part)),
            DATABASE_URL=self.database_url, SECRET_KEY=self.secret_key,
            REDIS_URL=f"{self.redis_url}/0", JOB_QUEUE_URL=f"{self.redis_url}/1", JOB_QUEUE_NAME="jiebang",
            MAIL_BACKEND="log", MAIL_VIA_QUEUE="1", UPLOAD_FOLDER=str(self.upload_folder),
            BASE_URL=self.url, COOKIE_SECURE="0",  # plain HTTP on loopback; behind TLS leave it on
            PROXY_FIX_X_FOR="1", PROXY_FIX_X_PROTO="1", PROXY_FIX_X_HOST="1",  # one nginx in front
            PYTHONUNBUFFERED="1",
            # This checkout's code, whatever the virtualenv has installed.
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        )
        return env

    # ----- the whole ---------------------------------------------------------------------------

    def __enter__(self) -> LocalCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        """Start Redis, create and seed the database, start both nodes, the worker and nginx; wait for each."""
        missing = missing_parts(self.pg_url)
        if missing:
            raise RuntimeError("cannot start the cluster: " + "; ".join(missing))
        atexit.register(self.stop)
        (self.folder / "logs").mkdir(parents=True)
        self.upload_folder.mkdir(mode=0o700)
        self.start_redis()
        self._createdb()
        self.flask("db-upgrade")
        self.accounts = self.flask("seed-demo").stdout
        for node in NODES:  # both start together: most of a start is importing, on either core
            self.spawn_node(node)
        for node in NODES:
            self.wait_for_node(node)
        self.start_worker()
        self.start_nginx()

    def stop(self) -> None:
        """Stop every part still running (nginx first, Redis last), drop the database, remove the folder."""
        if self._stopped:
            return
        self._stopped = True
        for name in sorted(self.processes, key=lambda n: ("nginx", "a", "b", "worker", "redis").index(n)):
            self.kill(name, signal.SIGTERM)
        if self._database_created:
            self._pg("dropdb", "--if-exists", "--force", self.database, check=False)
        if not self.keep_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    # ----- parts -------------------------------------------------------------------------------

    def start_redis(self) -> None:
        """A redis-server of the cluster's own, on its port, keeping nothing on disk."""
        (self.folder / "redis").mkdir(exist_ok=True)
        self._spawn("redis", ["redis-server", "--port", str(self.ports["redis"]), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no", "--dir", str(self.folder / "redis")])
        self._wait(lambda: self._redis_answers(), "redis")

    def start_node(self, node: str) -> None:
        """One app node: gunicorn on its port with its own instance folder; waits for /healthz, then
        loads its match index (a search), so that the first visitor does not wait for it."""
        self.spawn_node(node)
        self.wait_for_node(node)

    def spawn_node(self, node: str) -> None:
        instance = self.instance(node)
        instance.mkdir(parents=True, exist_ok=True)
        (instance / "config.py").write_text(self.instance_config)
        self._spawn(node, [str(BIN / "gunicorn"), "--workers", str(self.node_workers), "--bind",
                           f"127.0.0.1:{self.ports[node]}", "--graceful-timeout", "5", "--access-logfile", "-",
                           "marketplace:create_app()"], env=self.env(node))

    def wait_for_node(self, node: str) -> None:
        self._wait(lambda: self._answers(self.node_url(node) + "/healthz"), node)
        # Each gunicorn worker loads its own index on its first search: searches sent at once reach them all
        # (a worker that is busy takes no other request), so no visitor waits for a load.
        search = self.node_url(node) + "/search?q=%E6%99%BA%E8%83%BD"
        with ThreadPoolExecutor(2 * self.node_workers) as pool:
            list(pool.map(lambda _: self._answers(search, timeout=90), range(2 * self.node_workers)))

    def start_worker(self) -> None:
        """The RQ worker (`flask jobs-worker`): mail, digests, reminders and closings queued by the nodes and cron."""
        self.instance("worker").mkdir(parents=True, exist_ok=True)
        self._spawn("worker", [str(BIN / "flask"), "jobs-worker"], env=self.env("worker"))

    def start_nginx(self) -> None:
        folder = self.folder / "nginx"
        folder.mkdir(exist_ok=True)
        config = folder / "nginx.conf"
        config.write_text(self.nginx_config())
        self._spawn("nginx", [nginx_binary(), "-p", str(folder), "-c", str(config)])
        self._wait(lambda: self._answers(self.url + "/healthz"), "nginx")

    def nginx_config(self) -> str:
        """nginx.conf for this cluster: deploy/nginx/jiebang.conf's upstream and locations on loopback ports,
        with its pid, logs and buffers in the cluster's folder, in the foreground (a child of this process)."""
        from marketplace.config import Defaults

        folder = self.folder / "nginx"
        static = ROOT / "marketplace" / "static"
        bootstrap_static = Path(__import__("flask_bootstrap").__file__).parent / "static" / "bootstrap5"
        body_mb = Defaults.MAX_CONTENT_LENGTH // (1024 * 1024)
        servers = "\n".join(f"        server 127.0.0.1:{self.ports[n]} max_fails=1 fail_timeout=5s;" for n in NODES)
        # Started by root (CI), the workers would otherwise run as nobody and could not read the
        # checkout's static files or write the buffers in this folder.
        user = f"user {os.environ.get('USER') or 'root'};" if os.geteuid() == 0 else ""
        mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
        return f"""{user}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    {mime}
    default_type application/octet-stream;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;

    upstream jiebang {{
{servers}
        keepalive 16;
    }}

    server {{
        listen 127.0.0.1:{self.ports['nginx']};
        client_max_body_size {body_mb}m;  # MAX_CONTENT_LENGTH

        location /static/ {{
            alias {static}/;
            expires 1h;
            add_header X-Content-Type-Options nosniff;
        }}
        location /bootstrap/static/ {{
            alias {bootstrap_static}/;
            expires 1h;
            add_header X-Content-Type-Options nosniff;
        }}
        location / {{
            proxy_pass http://jiebang;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host:$server_port;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host:$server_port;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            proxy_next_upstream error timeout http_502 http_503 http_504;
            proxy_next_upstream_tries 2;
        }}
    }}
}}
"""

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal a part's whole process group (SIGKILL: a crash) and wait for it to end."""
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
        except ProcessLookupError:
            pass

    def running(self, name: str) -> bool:
        process = self.processes.get(name)
        return process is not None and process.poll() is None

    def flask(self, *args: str, check: bool = True, part: str = "cli") -> subprocess.CompletedProcess:
        """A `flask` command with the cluster's settings (as cron or a timer runs it on a host)."""
        self.instance(part).mkdir(parents=True, exist_ok=True)
        result = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=self.env(part), capture_output=True,
                                text=True, timeout=300)
        if check and result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        return result

    def log(self, name: str) -> str:
        path = self.folder / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def summary(self) -> str:
        return (f"揭榜挂帅 cluster: {self.url}  (nginx → node a {self.node_url('a')}, node b {self.node_url('b')})\n"
                f"  PostgreSQL database {self.database}, Redis {self.redis_url}, RQ worker, uploads in "
                f"{self.upload_folder}\n  logs in {self.folder / 'logs'}\n{self.accounts.strip()}")

    # ----- helpers -----------------------------------------------------------------------------

    def _spawn(self, name: str, command: list[str], env: dict | None = None) -> None:
        log = open(self.folder / "logs" / f"{name}.log", "ab")
        try:
            self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                                    stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            log.close()  # the child holds its own copy

    def _wait(self, ready, name: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not ready():
            if not self.running(name) or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start; its log:\n{self.log(name)[-3000:]}")
            time.sleep(0.2)

    @staticmethod
    def _answers(url: str, timeout: float = 2) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return response.status == 200
        except OSError:
            return False

    def _redis_answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.ports["redis"]), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def _pg(self, tool: str, *args: str, check: bool = True) -> None:
        address = urlsplit(self.pg_url)
        command = [tool, "-h", address.hostname or "127.0.0.1", "-p", str(address.port or 5432)]
        if address.username:
            command += ["-U", address.username]
        env = dict(os.environ, PGPASSWORD=address.password) if address.password else None
        subprocess.run(command + list(args), check=check, capture_output=True, env=env, timeout=60)

    def _createdb(self) -> None:
        self._pg("createdb", self.database)
        self._database_created = True


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description="Two app nodes behind nginx, with PostgreSQL, Redis and an RQ worker.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT") or 0) or None,
                        help="nginx's port (default: a free one)")
    parser.add_argument("--pg", default=os.environ.get("CLUSTER_PG_URL", DEFAULT_PG),
                        help=f"the PostgreSQL server to create the cluster's database on (default {DEFAULT_PG})")
    args = parser.parse_args()
    # Ctrl-C, and SIGTERM (kill, systemd) alike, leave through the `with`, which stops everything. SIGINT is
    # set explicitly: a shell starting this in the background would have it ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    print("Starting nginx, two app nodes, an RQ worker, Redis and a PostgreSQL database…", flush=True)
    try:
        with LocalCluster(pg_url=args.pg, port=args.port) as cluster:
            print(cluster.summary(), "\n(Ctrl-C to stop everything)", flush=True)
            reported = set()
            while True:
                time.sleep(2)
                for name, process in list(cluster.processes.items()):
                    if process.poll() is not None and name not in reported:
                        reported.add(name)
                        print(f"{name} exited ({process.returncode}); see {cluster.folder / 'logs' / name}.log",
                              flush=True)
    except KeyboardInterrupt:
        pass
    print("Stopped; the cluster's database is dropped.")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
