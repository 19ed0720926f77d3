"""The built wheel is the whole app: installed outside the checkout, it upgrades a database and
serves pages, styles and its health check (templates, static files and migrations ride inside it)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """A wheel built from the checkout, installed into a fresh venv whose only other packages are
    the project's dependencies (the test venv's site-packages, read through a .pth path line: a
    plain path does not run that folder's own .pth files, so the checkout's editable install stays out)."""
    work = tmp_path_factory.mktemp("wheel")
    # Built from a copy: pip builds in the source folder, and a build/ left there by an earlier
    # build would put files into the wheel that the package data no longer declares.
    source = work / "source"
    shutil.copytree(CHECKOUT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "instance*", "test-artifacts", "__pycache__", "node_modules"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "dist"),
                            str(source)], capture_output=True, text=True)
    if built.returncode:
        pytest.fail(f"building the wheel failed:\n{built.stderr[-3000:]}")
    wheel = next((work / "dist").glob("jiebang_marketplace-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet",
                    str(wheel)], check=True)
    return {"python": python, "site": site, "work": work}


def test_the_installed_wheel_upgrades_a_database_and_serves_pages(installed):
    python, work = installed["python"], installed["work"]
    run_dir = work / "elsewhere"  # not the checkout: nothing may come from there
    run_dir.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "FLASK_APP", "REDIS_URL")}
    env.update(INSTANCE_PATH=str(work / "instance"), DATABASE_URL=f"sqlite:///{work / 'instance' / 'site.sqlite3'}",
               COOKIE_SECURE="0", MAIL_BACKEND="log")

    where = subprocess.run([str(python), "-c", "import marketplace; print(marketplace.__file__)"], cwd=run_dir,
                           env=env, check=True, capture_output=True, text=True).stdout.strip()
    assert where.startswith(str(installed["site"])), where

    upgraded = subprocess.run([str(python), "-m", "flask", "--app", "marketplace", "db-upgrade"], cwd=run_dir, env=env,
                              capture_output=True, text=True)
    assert upgraded.returncode == 0, upgraded.stderr[-3000:]

    port = _free_port()
    log = open(work / "server.log", "w")
    server = subprocess.Popen([str(python), "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
                               "marketplace:create_app()"], cwd=run_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, health = _get(base + "/healthz")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the installed app did not start:\n" + (work / "server.log").read_text()[-3000:])
                time.sleep(0.3)
        assert status == 200 and '"database":"ok"' in health.replace(" ", "")
        status, home = _get(base + "/")
        assert status == 200 and "揭榜挂帅" in home
        status, hall = _get(base + "/challenges/")
        assert status == 200 and "<form" in hall
        status, css = _get(base + "/static/css/app.css")
        assert status == 200 and css.strip()
        # The charts' script rides in the wheel when the build copied it from npm (make install); the
        # statistics page then loads it from the installed app.
        status, stats = _get(base + "/stats")
        assert status == 200 and "统计" in stats
        if (CHECKOUT / "marketplace" / "static" / "vendor" / "echarts" / "echarts.min.js").is_file():
            assert "vendor/echarts/echarts.min.js" in stats
            status, script = _get(base + "/static/vendor/echarts/echarts.min.js")
            assert status == 200 and "echarts" in script[:2000]
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
