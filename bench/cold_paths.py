"""The pages `make bench`'s cold loads walk: every challenge page, and distinct searches made from the
bench database's own listings, each in a shuffled order fixed by a seed (the same run after run).

A page of these is requested once per run (wrk's Lua walks the list; see LUA_WALK in web_bench.py), so
what is measured is its first view: nothing remembered for it by the server beforehand.
"""
from __future__ import annotations

import random
import re
import urllib.parse

from sqlalchemy import create_engine, text

from matching.tokenize import segmenter

SYNTHETIC = "〔合成〕"  # seed-scale's mark on its titles: nobody types it
# Queries nothing in the catalogue is about (a site search gets them too: typos, the wrong site).
ELSEWHERE = ("红烧肉 做法", "周末 电影票", "二手自行车", "宠物狗美容", "租房 合同", "婚纱摄影", "考研 英语",
             "羽毛球拍", "火锅底料", "装修 瓷砖", "儿童绘本", "旅游攻略 三亚", "高铁 时刻表", "广场舞 音乐",
             "手机壳", "咖啡机 推荐", "养生茶", "驾校 报名", "钢琴 培训", "月饼 礼盒")
MAX_QUERY = 40  # characters: the longest query made (a whole title with a keyword)


def _rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def challenge_paths(url: str, exclude: set[str], seed: int) -> list[str]:
    """Every challenge page (a platform admin sees each one, with its recommendations), shuffled."""
    paths = [f"/challenges/{ident}" for (ident,) in _rows(url, "SELECT id FROM challenge ORDER BY id")]
    paths = [path for path in paths if path not in exclude]
    random.Random(seed).shuffle(paths)
    return paths


def _clean(title: str) -> str:
    return title.replace(SYNTHETIC, "").strip()


def search_queries(url: str, count: int, seed: int, exclude: set[str]) -> list[str]:
    """`count` distinct queries of 2–40 characters, as people type them, from the listings' own titles and
    keywords: one word or keyword, a phrase cut from a title at word boundaries, a few words of different
    listings, a whole title (with a keyword, up to 40 characters), and one in ten about nothing listed."""
    rng = random.Random(seed)
    titles = [_clean(t) for (t,) in _rows(url, "SELECT title FROM challenge UNION ALL SELECT title FROM capability"
                                               " UNION ALL SELECT title FROM achievement")]
    titles = [t for t in titles if len(t) >= 4]
    keywords = sorted({k.strip() for (ks,) in _rows(url, "SELECT keywords FROM challenge UNION ALL"
                                                         " SELECT keywords FROM capability")
                       for k in re.split(r"[,，;；、]", ks or "") if 2 <= len(k.strip()) <= 12})
    cut = segmenter()

    def words(title: str) -> list[str]:
        return [w for w in cut(title) if w.strip()]

    def word() -> str:
        if keywords and rng.random() < 0.4:
            return rng.choice(keywords)
        found = [w for w in words(rng.choice(titles)) if len(w) >= 2]
        return rng.choice(found) if found else ""

    def phrase() -> str:
        parts = words(rng.choice(titles))
        size = rng.randint(2, 4)
        start = rng.randrange(max(1, len(parts) - size + 1))
        return "".join(parts[start:start + size])

    def several() -> str:
        return " ".join(word() for _ in range(rng.randint(2, 3)))

    def whole() -> str:
        title = rng.choice(titles)
        return (title + " " + rng.choice(keywords) if keywords and rng.random() < 0.5 else title)[:MAX_QUERY].strip()

    def elsewhere() -> str:
        first, second = rng.sample(ELSEWHERE, 2)
        return first if rng.random() < 0.5 else f"{first} {second}"

    kinds = [word] * 25 + [phrase] * 25 + [several] * 20 + [whole] * 20 + [elsewhere] * 10
    found: dict[str, None] = {}
    for _ in range(count * 50):
        if len(found) == count:
            break
        query = rng.choice(kinds)()
        if 2 <= len(query) <= MAX_QUERY and query not in exclude:
            found.setdefault(query, None)
    return list(found)


def search_paths(queries: list[str]) -> list[str]:
    return ["/search?q=" + urllib.parse.quote(query) for query in queries]
