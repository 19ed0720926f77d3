"""What a saved index costs the processes that load it: `python -m matching.bench_probe PATH QUERIES`
loads the index at PATH in a fresh interpreter, answers the queries (a JSON list in the file QUERIES),
prints one JSON line of its memory (/proc/self/smaps_rollup) and waits for a line on stdin.

`loaded_figures` runs two such processes on the same file, the second while the first still holds
it: the second's private memory (USS) is what each further gunicorn worker adds to the host.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path


def memory_mb(pid: int | str = "self") -> dict[str, float]:
    """RSS, PSS and USS (Private_Clean + Private_Dirty) of a process, in MB (Linux only)."""
    fields = {k: int(v) for k, v in re.findall(r"^(\w+):\s+(\d+) kB", Path(f"/proc/{pid}/smaps_rollup").read_text(),
                                              re.M)}
    return {"rss": fields["Rss"] / 1024, "pss": fields["Pss"] / 1024,
            "uss": (fields["Private_Clean"] + fields["Private_Dirty"]) / 1024}


def _probe(path: str, queries_file: str) -> None:
    before = memory_mb()
    t = time.perf_counter()
    from .matcher import Matcher

    m = Matcher.load(path)
    load_s = time.perf_counter() - t
    for q in json.loads(Path(queries_file).read_text(encoding="utf-8")):
        m.search(q, k=10)
    print(json.dumps({"load_s": load_s, "start": before, "loaded": memory_mb()}), flush=True)
    sys.stdin.readline()


def loaded_figures(path: Path, queries: list[str]) -> dict[str, float]:
    """Memory of a fresh process that loaded `path` and answered `queries`, and of a second one on the
    same file while the first is alive."""
    qfile = Path(path).with_name("probe-queries.json")
    qfile.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    procs, out = [], []
    try:
        for _ in range(2):
            p = subprocess.Popen([sys.executable, "-m", "matching.bench_probe", str(path), str(qfile)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            procs.append(p)
            out.append(json.loads(p.stdout.readline()))
    finally:
        for p in procs:
            p.communicate("\n", timeout=60)
    first, second = out
    return {"load_s": first["load_s"], "loaded_uss_mb": first["loaded"]["uss"],
            "loaded_rss_mb": first["loaded"]["rss"], "second_uss_mb": second["loaded"]["uss"],
            "second_rss_mb": second["loaded"]["rss"], "interpreter_uss_mb": first["start"]["uss"]}


if __name__ == "__main__":
    _probe(sys.argv[1], sys.argv[2])
