"""A page of results with the interface of Flask-SQLAlchemy's Pagination, for ranked lists."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .extensions import db

MAX_PAGE = 1_000_000


def paginate(query, page: int | None = None, per_page: int = 20):
    """Flask-SQLAlchemy's pagination, but a page past the end shows the last page (not an empty one
    that claims to be "page 999 of 2") and a page below 1 shows the first. `page=None` reads ?page=."""
    if page is None:
        from flask import request

        page = request.args.get("page", 1, type=int)
    page = min(max(page, 1), MAX_PAGE)  # 10**20 would overflow the database's integer in OFFSET
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    if result.pages and result.page > result.pages:
        result = db.paginate(query, page=result.pages, per_page=per_page, error_out=False)
    return result


def clamp(page: int, total: int, per_page: int) -> int:
    """A requested page number brought within 1..last page."""
    return min(max(page, 1), max(1, math.ceil(total / per_page)), MAX_PAGE)


@dataclass
class ListPage:
    items: list
    page: int
    per_page: int
    total: int
    extra: dict = field(default_factory=dict)  # e.g. matched terms per item id

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, left_edge=2, left_current=2, right_current=4, right_edge=2):
        last = 0
        for number in range(1, self.pages + 1):
            if (number <= left_edge or self.page - left_current - 1 < number < self.page + right_current
                    or number > self.pages - right_edge):
                if last + 1 != number:
                    yield None
                yield number
                last = number
