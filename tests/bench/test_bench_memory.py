"""The web benchmark's memory figures (bench/web_bench.py) read real processes: RSS ≥ PSS ≥ USS > 0 for a
running process, and a block of memory the process writes shows up in its private pages (USS)."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "web_bench.py"

pytestmark = pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(),
                                reason="needs Linux's /proc/PID/smaps_rollup")


def _bench():
    spec = importlib.util.spec_from_file_location("web_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_process_memory_is_ordered_and_positive():
    memory = _bench().memory_mb(os.getpid())
    assert memory["rss"] >= memory["pss"] >= memory["uss"] > 0


def _ready(code: str) -> subprocess.Popen:
    """A Python process that runs `code`, says ready and sleeps (killed by the caller's `with`)."""
    process = subprocess.Popen([sys.executable, "-c", f"{code}; print('ready', flush=True); import time; time.sleep(30)"],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "ready\n"
    return process


def _stop(process: subprocess.Popen) -> None:
    subprocess.run(["pkill", "-P", str(process.pid)], check=False)
    process.kill()
    process.wait()
    process.stdout.close()


def test_private_memory_grows_with_what_the_process_writes():
    bench = _bench()
    small, large = _ready("block = bytearray(1024 * 1024)"), _ready("block = bytearray(80 * 1024 * 1024)")
    try:
        grown = bench.memory_mb(large.pid)["uss"] - bench.memory_mb(small.pid)["uss"]
        assert 70 < grown < 90, grown  # the 79 MB written more are the large process's own pages
    finally:
        _stop(small)
        _stop(large)


def test_the_server_figures_take_the_largest_worker_and_the_whole_host():
    bench = _bench()
    parent = _ready("import subprocess, sys; kids = [subprocess.Popen([sys.executable, '-c', "
                    "'import time; time.sleep(30)']) for _ in range(2)]")
    try:
        figures = bench.server_memory_mb(parent.pid)
        own = bench.memory_mb(parent.pid)
        assert 0 < figures["worker_uss_mb"] <= figures["worker_rss_mb"]
        assert figures["host_pss_mb"] > own["pss"] + figures["worker_uss_mb"]  # the master and both workers
    finally:
        _stop(parent)
