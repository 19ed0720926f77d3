"""Shared column types and helpers."""
from __future__ import annotations

import re
from datetime import UTC

from sqlalchemy import DateTime, TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC that always comes back timezone-aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: pass an aware one (UTC)")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


# What separates keywords as people type them: commas and semicolons (full- and half-width), the
# 顿号, and white space.
KEYWORD_SEPARATORS = re.compile(r"[，,、；;\s]+")


def split_keywords(keywords: str | None) -> list[str]:
    """Keywords as typed ("液冷, 冷板，PUE、散热；热阻 液冷") to a list in their order, without empty
    ones or repeats. The one splitter: stored keywords, forms and listings all use it."""
    return list(dict.fromkeys(k for k in KEYWORD_SEPARATORS.split(keywords or "") if k))


def join_keywords(keywords: str | None) -> str:
    """Keywords as stored: split as above, joined by ", "."""
    return ", ".join(split_keywords(keywords))
