"""The web benchmark's cold loads (bench/web_bench.py, cold_paths.py, bench_db.py) measure first views: wrk's
walk requests each page of its list at most once and counts any repeat; the searches are distinct, 2–40
characters, made from the database's own listings, and some find nothing; the PostgreSQL bench database is
the bench's own, recognised as prepared only when it says so."""
from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import sqlite3
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


web_bench = _load("web_bench")  # puts bench/ on sys.path, as running it does
cold_paths = _load("cold_paths")
bench_db = _load("bench_db")


@pytest.fixture
def recorder():
    """A real HTTP server on loopback that answers 200 and counts the paths it was asked for."""
    seen: Counter[str] = Counter()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 - the standard library's name
            seen[self.path] += 1
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", seen
    server.shutdown()
    server.server_close()


needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="needs wrk (apt-get install wrk)")


def _walk(tmp_path, url, paths, seconds=1):
    lua = web_bench.write_lines(tmp_path, "walk.lua", [web_bench.REPORT, web_bench.WALK])
    return web_bench.load(shutil.which("wrk"), url, "", seconds, lua, web_bench.write_lines(tmp_path, "p.txt", paths))


@needs_wrk
def test_a_long_list_is_walked_without_repeating_a_page(tmp_path, recorder):
    """Does every request of a cold load ask for a page not asked for before in the run?"""
    url, seen = recorder
    result = _walk(tmp_path, url, [f"/page/{i}" for i in range(200000)])
    assert result["requests"] > 100 and result["repeats"] == 0 and result["errors"] == 0
    assert max(seen.values()) == 1
    assert set(seen) <= {f"/page/{i}" for i in range(200000)}


@needs_wrk
def test_a_short_list_wraps_and_the_repeats_are_counted(tmp_path, recorder):
    """When the list runs out, is every page still asked for, and is each repeat reported?"""
    url, seen = recorder
    result = _walk(tmp_path, url, [f"/page/{i}" for i in range(20)])
    assert set(seen) == {f"/page/{i}" for i in range(20)}
    answered_repeats = sum(seen.values()) - 20
    # wrk stops with some requests sent and not answered: those are counted as repeats, never answered ones missed
    assert answered_repeats > 0 and answered_repeats <= result["repeats"] <= answered_repeats + 16


@pytest.fixture
def catalogue(tmp_path):
    """A SQLite database with the columns the cold lists read, and titles like seed-scale's."""
    path = tmp_path / "catalogue.sqlite3"
    connection = sqlite3.connect(path)
    connection.executescript("""
        CREATE TABLE challenge (id INTEGER PRIMARY KEY, title TEXT, keywords TEXT);
        CREATE TABLE capability (id INTEGER PRIMARY KEY, title TEXT, keywords TEXT);
        CREATE TABLE achievement (id INTEGER PRIMARY KEY, title TEXT);
    """)
    heads = ["液冷板散热", "碳化硅衬底", "大模型推理加速", "锂电池正极材料", "工业机器人视觉", "光纤预制棒",
             "空气源热泵", "智能家电互联", "数据中心余热回收", "隐私计算平台"]
    tails = ["关键技术研究", "制备工艺", "国产化研制", "可靠性验证与测试", "系统集成与示范应用", "低成本量产"]
    rows = [(i, f"〔合成〕{heads[i % 10]}{tails[i % 6]}", "液冷, 冷板, 散热" if i % 3 else "热泵, 低温制热")
            for i in range(1, 301)]
    connection.executemany("INSERT INTO challenge VALUES (?, ?, ?)", rows)
    connection.executemany("INSERT INTO capability VALUES (?, ?, ?)",
                           [(i, f"{heads[(i + 3) % 10]}{tails[(i + 1) % 6]}", "") for i in range(1, 301)])
    connection.execute("INSERT INTO achievement VALUES (1, '近红外单光子探测器模块')")
    connection.commit()
    connection.close()
    return f"sqlite:///{path}"


def test_searches_are_distinct_varied_from_the_listings_and_some_find_nothing(catalogue):
    """Are the cold searches distinct, 2–40 characters, the listings' own words, and not all hits?"""
    queries = cold_paths.search_queries(catalogue, 300, seed=1, exclude={"液冷"})
    assert len(queries) == len(set(queries)) == 300
    assert all(2 <= len(q) <= 40 for q in queries) and "液冷" not in queries
    assert not any("〔合成〕" in q for q in queries)
    assert any(len(q) <= 4 for q in queries) and any(len(q) >= 20 for q in queries)
    assert any(" " in q for q in queries)
    misses = [q for q in queries if any(word in q for word in cold_paths.ELSEWHERE)]
    assert 10 <= len(misses) <= 60
    assert sum("液冷" in q or "碳化硅" in q or "热泵" in q for q in queries) > 30
    assert cold_paths.search_queries(catalogue, 300, seed=1, exclude={"液冷"}) == queries
    assert cold_paths.search_queries(catalogue, 300, seed=2, exclude={"液冷"}) != queries


def test_every_challenge_page_once_in_an_order_fixed_by_the_seed(catalogue):
    """Does the challenge list hold every challenge but the hot one, shuffled the same way each run?"""
    pages = cold_paths.challenge_paths(catalogue, {"/challenges/7"}, seed=3)
    assert sorted(pages) == sorted(f"/challenges/{i}" for i in range(1, 301) if i != 7)
    assert pages != sorted(pages, key=lambda p: int(p.rsplit("/", 1)[1]))
    assert cold_paths.challenge_paths(catalogue, {"/challenges/7"}, seed=3) == pages


def test_the_bench_uses_sqlite_in_its_instance_or_its_own_postgres_database(tmp_path):
    """Is the database named in DATABASE_URL never the one the bench writes into?"""
    assert bench_db.bench_url("", tmp_path) == f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    url = bench_db.bench_url("postgresql://postgres@db.example:5433/production", tmp_path)
    assert url == "postgresql+psycopg://postgres@db.example:5433/marketplace_bench"
    with pytest.raises(SystemExit):
        bench_db.bench_url("mysql://root@localhost/shop", tmp_path)


def _postgres() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return "postgresql://postgres@127.0.0.1:5432/postgres"
    except OSError:
        return None


@pytest.mark.skipif(_postgres() is None, reason="PostgreSQL not reachable on 127.0.0.1:5432")
def test_a_postgres_bench_database_is_reused_only_when_marked_prepared(tmp_path):
    """Is a half-prepared bench database prepared again, a marked one reused, and another's refused?"""
    from sqlalchemy import create_engine, text

    url = bench_db.bench_url(_postgres(), tmp_path, database=f"marketplace_bench_test_{os.getpid()}")
    try:
        assert bench_db.postgres_state(url) is None
        bench_db.recreate_postgres(url)
        assert bench_db.postgres_state(url) == ""  # being filled: not reusable
        bench_db.mark_postgres(url, "5 capabilities, 2 challenges")
        assert bench_db.postgres_state(url) == "5 capabilities, 2 challenges"
        bench_db.recreate_postgres(url)
        engine = create_engine(url)
        with engine.begin() as connection:  # someone else's data under the bench's name
            connection.execute(text("DROP TABLE bench_preparing"))
            connection.execute(text("CREATE TABLE orders (id INTEGER)"))
        engine.dispose()
        with pytest.raises(SystemExit, match="not the bench's"):
            bench_db.postgres_state(url)
    finally:
        server = create_engine(bench_db.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{bench_db.make_url(url).database}" WITH (FORCE)'))
        server.dispose()
